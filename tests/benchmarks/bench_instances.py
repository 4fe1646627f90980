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

Each is measured with one request of **1 row** (one customer) and of **100 rows** (a page of candidates
scored at once), closed-loop at concurrency 16:

* **1 worker** — the endpoint's own server, one client process sending all the requests;
* **1 worker via router** — the same server reached through the local SageMaker Runtime router (what boto3
  calls): what a router spreading requests over workers costs per request, on the same cores;
* **2 workers** — the same server plus a second server process of the same endpoint (same config and
  model, its own port), each sent half the requests by its own client process at concurrency 8, at the
  same time: an ideal spread, with no router in between (a router adds its own CPU per request);
* **2 via router** — one client at concurrency 16 through a copy of the local runtime router that sends
  each invocation to the two servers in turn (round robin: under an even closed loop the same as least
  outstanding requests): what spreading through boto3's door would give, router CPU included.

Everything runs on this machine: the clients and the servers share its cores, as they would if the
router spread the work. Rounds alternate 1 and 2 workers (reverse order every other round) so the rest of
the machine disturbs both alike; req/s is the median round, latency percentiles are over every request.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

CONCURRENCY = 16
ROWS = (1, 100)
SPREADING_ROUTER = """
import itertools, socket, sys
from pathlib import Path

from helpers.platform.serving.access import store_secret
from helpers.platform.serving.protocol import serve
from helpers.platform.serving.router import RuntimeApp
from helpers.platform_home import endpoints_root

store, port = Path(sys.argv[1]), int(sys.argv[2])
ports = {name: itertools.cycle(int(p) for p in spec.split(",")) for name, spec in
         (arg.split("=") for arg in sys.argv[3:])}


class Spreading(RuntimeApp):
    def _lookup(self, name):
        state = super()._lookup(name)
        return None if state is None else {**state, "Port": next(ports[name])}


sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen(2048)
serve(Spreading(endpoints_root(store), store_secret(store)), sock).run(sockets=[sock])
"""


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


def second_server(endpoint_folder: Path, work: Path, name: str) -> tuple[subprocess.Popen, str]:
    """Start another server process of the same endpoint (a copy of its config, its own port)."""
    folder = work / f"{name}-second"
    folder.mkdir(parents=True)
    config = json.loads((endpoint_folder / "config.json").read_text())
    config["Port"] = 0
    (folder / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen([sys.executable, "-m", "helpers.platform.serving.server", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (folder / "server.json").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the second {name} server did not start: {(folder / 'failure').read_text()}"
                               if (folder / "failure").exists() else f"the second {name} server did not start")
        time.sleep(0.1)
    return process, json.loads((folder / "server.json").read_text())["Url"]


def spreading_router(work: Path, servers: dict[str, list[str]]) -> tuple[subprocess.Popen, str]:
    """Start the runtime router's app, changed to send each endpoint's invocations to its servers in turn."""
    import socket
    import urllib.request

    (work / "spreading_router.py").write_text(SPREADING_ROUTER)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ports = [f"{name}={','.join(url.rsplit(':', 1)[1] for url in urls)}" for name, urls in servers.items()]
    process = subprocess.Popen([sys.executable, str(work / "spreading_router.py"), os.environ["FLYWHEEL_HOME"],
                                str(port), *ports], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            from helpers.platform.serving.access import auth_headers

            with urllib.request.urlopen(urllib.request.Request(url + "/ping", headers=auth_headers()), timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the spreading router did not start") from None
            time.sleep(0.1)


def deploy_models(work: Path) -> tuple[dict[str, str], list[str]]:
    """Deploy the XGBoost and the scikit-learn endpoint: (model -> endpoint name, CSV feature rows to send)."""
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
    ModelBuilder(model_path=str(work / "xgb" / "model"),
                 image_uri=image_uris.retrieve("xgboost", "us-east-1", version="1.7-1")).deploy(
        endpoint_name="bench-xgboost")
    estimator = make_pipeline(StandardScaler(), LogisticRegression()).fit(frame.iloc[:, 1:].to_numpy(),
                                                                           frame["default"])
    ModelBuilder(model=estimator).deploy(endpoint_name="bench-sklearn")
    rows = frame.iloc[:max(ROWS), 1:].to_csv(header=False, index=False).splitlines()
    return {"xgboost": "bench-xgboost", "sklearn": "bench-sklearn"}, rows


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
    from helpers.platform.serving.registry import endpoint_dir, stop_all
    from helpers.platform.serving.runtime import ensure_runtime

    load_before = os.getloadavg()
    seconds = []
    children: list[subprocess.Popen] = []
    table = {}
    try:
        endpoints, rows = deploy_models(work)
        runtime = ensure_runtime()
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        seconds_urls = {model: second_server(endpoint_dir(name), work, model) for model, name in endpoints.items()}
        children += [process for process, _ in seconds_urls.values()]
        spreading = spreading_router(work, {name: [Endpoint(name).url, seconds_urls[model][1]]
                                            for model, name in endpoints.items()})
        children.append(spreading[0])
        for model, name in endpoints.items():
            second_url = seconds_urls[model][1]
            route = f"/endpoints/{name}/invocations"
            urls = {"1": [Endpoint(name).url + route], "1 via router": [runtime + route],
                    "2": [Endpoint(name).url + route, second_url + route], "2 via router": [spreading[1] + route]}
            for count in ROWS:
                body = "\n".join(rows[:count]).encode()
                requests = args.requests if count == 1 else max(200, args.requests // 10)
                for workers in urls:  # warm-up: connections, lazy imports, caches
                    measure(pool, urls[workers], body, 200)
                runs = {workers: [] for workers in urls}
                for round_number in range(args.rounds):
                    started = time.monotonic()
                    for workers in (list(urls) if round_number % 2 == 0 else list(urls)[::-1]):
                        runs[workers].append(measure(pool, urls[workers], body, requests))
                    seconds.append(time.monotonic() - started)
                for workers, results in runs.items():
                    latencies = np.concatenate([r[1] for r in results])
                    table[(model, count, workers)] = (
                        statistics.median(r[0] for r in results), float(np.percentile(latencies, 50)),
                        float(np.percentile(latencies, 95)), sum(r[2] for r in results),
                        [r[0] for r in results])
        pool.shutdown()
    finally:
        for child in children:
            child.terminate()
            child.wait(10)
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
