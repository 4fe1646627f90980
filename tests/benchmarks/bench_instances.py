"""Does a second worker process make a local endpoint faster? 1 vs 2 servers of one endpoint, measured.

    python tests/benchmarks/bench_instances.py [--rounds 12] [--requests 3000]

Prints a table (it asserts nothing; pytest does not collect it) and the figure the autoscaling
simulation takes as one instance's capacity (``helpers.scaling.simulate.MEASURED``: XGBoost, 1 row,
2 workers; copy it there with the load average of the run).

Two endpoints, each deployed as the course deploys them (no data capture, so only serving is timed):

* **xgboost** — the built-in XGBoost 1.7-1 on the credit-default data (notebook 07's tuned settings:
  binary:logistic, 100 rounds, eta 0.175, max_depth 7);
* **sklearn** — a scikit-learn pipeline (scaler + logistic regression) on the same data, deployed with
  ``ModelBuilder(model=estimator)``.

Each model is deployed twice, with ``initial_instance_count=1`` and ``=2`` (two server processes, the
router spreading invocations by least outstanding requests), and measured with one request of **1 row**
(one customer) and of **100 rows** (a page of candidates scored at once), closed-loop at concurrency 16:

* **1** — the 1-instance endpoint's own server, one client process sending all the requests;
* **1 via router** — the same through the local SageMaker Runtime router (what boto3 calls);
* **2** — the 2-instance endpoint's two servers, each sent half the requests by its own client process
  at concurrency 8, at the same time: an ideal spread, with no router in between;
* **2 via router** — the 2-instance endpoint through the router, one client: what boto3's callers get.

Everything runs on this machine: the clients, the router and the servers share its cores. Rounds run the
four in turn (reverse order every other round) so the rest of the machine disturbs them alike; req/s is the
median round, latency percentiles are over every request. On a machine shared with other work, two
processes also get a larger share of the CPU than one: the ratio is then an upper bound.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

CONCURRENCY = 16
ROWS = (1, 100)


def _client(url: str, body: bytes, concurrency: int, requests: int) -> tuple[int, float, np.ndarray, int]:
    """One client process: (requests, seconds, latencies in ms, errors)."""
    from helpers.platform.serving.loadtest import load_test

    result = load_test(url, body, concurrency=concurrency, requests=requests, timeout=120)
    return result.requests, result.seconds, result.latencies_ms, result.errors


def measure(pool: ProcessPoolExecutor, urls: list[str], body: bytes, requests: int):
    """Send ``requests`` spread evenly over ``urls`` at once, one client process per URL.

    Returns (req/s, latencies ms, errors): req/s counts every request over the slowest client's time.
    """
    share = CONCURRENCY // len(urls)
    futures = [pool.submit(_client, url, body, share, requests // len(urls)) for url in urls]
    results = [future.result() for future in futures]
    total = sum(r[0] for r in results)
    seconds = max(r[1] for r in results)
    return total / seconds, np.concatenate([r[2] for r in results]), sum(r[3] for r in results)


def deploy_models(work: Path) -> tuple[dict[str, str], list[str]]:
    """Deploy the XGBoost and the scikit-learn models with 1 and with 2 instances: (model -> endpoint name
    prefix, ``-1`` or ``-2`` after it; CSV feature rows to send)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from helpers import algorithms, data
    from helpers.platform import image_uris
    from helpers.platform.serving import ModelBuilder

    default = data.load("default")
    frame = default.assign(default=default["default"].eq("Yes").astype(int),
                           student=default["student"].eq("Yes").astype(int))[["default", "student", "balance", "income"]]
    (work / "xgb" / "train").mkdir(parents=True)
    frame.to_csv(work / "xgb" / "train" / "train.csv", header=False, index=False)
    algorithms.get("xgboost").train(
        {"train": work / "xgb" / "train"},
        {"objective": "binary:logistic", "num_round": "100", "eta": "0.175", "max_depth": "7"},
        work / "xgb" / "model", log=lambda line: None)
    estimator = make_pipeline(StandardScaler(), LogisticRegression()).fit(frame.iloc[:, 1:].to_numpy(),
                                                                           frame["default"])
    builders = {"xgboost": lambda: ModelBuilder(model_path=str(work / "xgb" / "model"), image_uri=image_uris.retrieve(
                    "xgboost", "us-east-1", version="1.7-1")),
                "sklearn": lambda: ModelBuilder(model=estimator)}
    for model, builder in builders.items():
        for count in (1, 2):
            builder().deploy(endpoint_name=f"bench-{model}-{count}", initial_instance_count=count)
    rows = frame.iloc[:max(ROWS), 1:].to_csv(header=False, index=False).splitlines()
    return {model: f"bench-{model}" for model in builders}, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=3_000, help="requests per round for 1-row bodies "
                        "(100-row bodies send a tenth)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-instances-"))
    os.environ["FLYWHEEL_HOME"] = str(work / "home")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from helpers.platform.serving import Endpoint
    from helpers.platform.serving.registry import stop_all
    from helpers.platform.serving.runtime import ensure_runtime

    load_before = os.getloadavg()
    table = {}
    try:
        endpoints, rows = deploy_models(work)
        runtime = ensure_runtime()
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        for model, prefix in endpoints.items():
            route = "/endpoints/{}/invocations".format
            instances = [instance["Url"] for instance in Endpoint(f"{prefix}-2").describe()["Local"]["Instances"]]
            if len(instances) != 2:
                raise RuntimeError(f"{prefix}-2 runs {len(instances)} instances, not 2: see its describe()")
            urls = {"1": [Endpoint(f"{prefix}-1").url + route(f"{prefix}-1")],
                    "1 via router": [runtime + route(f"{prefix}-1")],
                    "2": [url + route(f"{prefix}-2") for url in instances],
                    "2 via router": [runtime + route(f"{prefix}-2")]}
            for count in ROWS:
                body = "\n".join(rows[:count]).encode()
                requests = args.requests if count == 1 else max(200, args.requests // 10)
                for workers in urls:  # warm-up: connections, lazy imports, caches
                    measure(pool, urls[workers], body, 200)
                runs = {workers: [] for workers in urls}
                for round_number in range(args.rounds):
                    for workers in (list(urls) if round_number % 2 == 0 else list(urls)[::-1]):
                        runs[workers].append(measure(pool, urls[workers], body, requests))
                for workers, results in runs.items():
                    latencies = np.concatenate([r[1] for r in results])
                    table[(model, count, workers)] = (
                        statistics.median(r[0] for r in results), float(np.percentile(latencies, 50)),
                        float(np.percentile(latencies, 95)), sum(r[2] for r in results),
                        [r[0] for r in results])
        pool.shutdown()
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)

    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\n{os.cpu_count()} cores; load average before {load_before[0]:.2f}, after: {uptime}")
    print(f"concurrency {CONCURRENCY}, {args.rounds} rounds each; req/s of the median round (min-max of the "
          f"rounds), latency over every request")
    header = f"{'model':<8} {'rows':>4} {'workers':>14} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}  rounds min-max"
    print(header)
    print("-" * len(header))
    for (model, count, workers), (rate, p50, p95, errors, rates) in table.items():
        print(f"{model:<8} {count:>4} {workers:>14} {rate:>8.0f} {p50:>8.2f} {p95:>8.2f} {errors:>6}  "
              f"{min(rates):.0f}-{max(rates):.0f}")
    print("\n2 workers / 1 worker, req/s (median round):")
    for model in ("xgboost", "sklearn"):
        for count in ROWS:
            one, two = table[(model, count, "1")][0], table[(model, count, "2")][0]
            routed, spread = table[(model, count, "1 via router")][0], table[(model, count, "2 via router")][0]
            print(f"  {model:<8} {count:>3} row{'s' if count > 1 else ' '}: {two / one:4.2f}x direct; "
                  f"through the router {spread / routed:4.2f}x (1 worker via the router / direct: {routed / one:4.2f}x)")
    rate, _, p95 = table[("xgboost", 1, "2")][:3]
    print(f"\nhelpers.scaling.simulate.MEASURED (one instance = 2 workers, XGBoost, 1 row): requests_per_second="
          f"{rate:.0f}, p95_ms={p95:.1f} -> DEFAULT_CAPACITY {round(rate * 60):,} requests a minute")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
