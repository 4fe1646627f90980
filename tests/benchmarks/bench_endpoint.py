"""How fast is a local endpoint? Requests/s and latency for a one-row CSV, against MLflow and the floor.

    python tests/benchmarks/bench_endpoint.py [--rounds 100] [--requests 1500] [--instructions]

Prints a table (it asserts nothing; pytest does not collect it). Every server is one process
serving the same trained model on 127.0.0.1, measured with the same closed-loop client
(``helpers.platform.serving.loadtest``) at concurrency 1 and 16:

* **endpoint** — our endpoint (linear-learner handlers, data capture on at 100 %: the records are
  formatted and written by the endpoint's capture process, whose CPU time the table counts) on the
  container contract's ``POST /invocations``, the route MLflow and the bare app are measured on;
* **runtime path** — the same server on its SageMaker Runtime route ``/endpoints/<name>/invocations``
  (the same work, plus the ``x-Amzn-Invoked-Production-Variant`` header boto3 reads: uvicorn checks
  every response header against a regular expression, about 7,000 instructions for that one);
* **via router** — the same through the local SageMaker Runtime (what boto3 calls), for information;
* **mlflow** — ``mlflow models serve --env-manager local --workers 1`` serving a scikit-learn
  logistic regression trained on the same rows (MLflow reads CSV with a header row);
* **bare** — a bare ASGI app under the same uvicorn settings that only parses the CSV and calls the
  same model's ``predict``: the floor of this stack;
* **handlers** — a bare ASGI app calling the algorithm's ``input_fn`` / ``predict_fn`` / ``output_fn``
  as the endpoint chains them (request validation, SageMaker's response format) and nothing else: how much of the gap between
  the endpoint and the bare app is the built-in algorithm's handlers, and how much the server.

The client runs on one CPU and every server on another (``--no-pin`` leaves them to the
scheduler): a client on another CPU stands for one on another machine, as real traffic is. Unpinned, the scheduler sometimes runs the client and the server on the same CPU, where
a concurrency-1 ping-pong runs twice as fast (measured on a 2-core VM: 17,000 vs 8,800 req/s), and
how long it keeps them there differs from server to server and with the length of a round: the
ratio then measures where the scheduler put the processes, not the servers. The endpoint's capture
process is not pinned: the scheduler runs it on whichever CPU is free, and its CPU time counts.

Every request carries the store's secret header (``load_test`` adds it; the endpoint and the router
answer their owner only), the reference apps' requests too, so every server parses the same request.

Rounds alternate between servers, in reverse order every other round (other processes on the
machine disturb them alike), with the endpoint and the bare app measured one right after the other.
The targets use the median of the ratios taken within a round. Many short rounds (100 of ~0.1 s)
pair the servers more closely than a few long ones on a machine whose speed swings within seconds.
MLflow and the router, far from their targets or without one, are measured in every tenth round
only (MLflow's ratio pairs it with the endpoint in those rounds).
The table shows each server's median round (req/s, CPU) and its latency percentiles over every
request of the run.
``server CPU µs/req`` (user + system time of the server process, its threads and children, per
request) depends less on how busy the machine is. Targets: >= 5x MLflow's req/s at both
concurrencies, p99 < 2 ms at concurrency 1, >= 80 % of the bare app's req/s.

Requests/s on a shared or virtual machine swing with what else runs on it (the same server measured
twice can differ by 1.5x). ``--instructions`` adds a figure that does not: CPU instructions per
request, counted by valgrind while each server answers at concurrency 16 (the endpoint is a second
server of the same endpoint, data capture on).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from typing import NamedTuple
from pathlib import Path

import numpy as np
import psutil

ROW = "0.1,-0.2,0.3,1.5"
SPARSE_EVERY = 10  # MLflow and the router: measured in every tenth round
REFERENCE_APP = textwrap.dedent('''
    """Reference servers under the endpoint's own uvicorn settings.

    bare:     parse one CSV body, call the model's predict, answer the score (the floor of this stack);
    handlers: the same model through the algorithm's input_fn / predict_fn / output_fn as the endpoint
              chains them (served_predict_fn), nothing else.
    """
    import os
    import sys
    from pathlib import Path

    import numpy as np
    import uvicorn

    from helpers import algorithms
    from helpers.platform.serving.server import UVICORN_SETTINGS

    ALGORITHM = algorithms.get("linear-learner")
    MODEL = ALGORITHM.model_fn(Path(os.environ["BENCH_MODEL_DIR"]))
    OK = [(b"content-type", b"text/plain"), (b"content-length", b"0")]


    async def lifespan(scope, receive, send):
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})


    async def bare(scope, receive, send):
        if scope["type"] != "http":
            return await lifespan(scope, receive, send)
        if scope["path"] == "/ping":
            await send({"type": "http.response.start", "status": 200, "headers": OK})
            return await send({"type": "http.response.body", "body": b""})
        message = await receive()
        features = np.array(message["body"].split(b","), dtype=np.float64).reshape(1, -1)
        body = repr(ALGORITHM.predict(features, MODEL)[0]["score"]).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/csv"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


    async def handlers(scope, receive, send):
        if scope["type"] != "http" or scope["path"] == "/ping":
            return await bare(scope, receive, send)
        message = await receive()
        features = ALGORITHM.input_fn(message["body"], "text/csv")
        body, content_type = ALGORITHM.output_fn(ALGORITHM.served_predict_fn(features, MODEL), "")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


    uvicorn.run(bare if sys.argv[1] == "bare" else handlers, host="127.0.0.1", port=int(sys.argv[2]),
                **UVICORN_SETTINGS)
''')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


class Row(NamedTuple):
    """One line of the table: a server at one concurrency over every round."""

    requests_per_second: float  # of the median round
    p50_ms: float               # over every request of every round
    p99_ms: float
    errors: int                 # summed over the rounds
    cpu_us: float               # server CPU per request in the median round
    rounds: list[float]         # each measured round's req/s, sorted


class Target:
    """A server to measure: its URL and body, and the process (tree) whose CPU time it uses.

    ``serving`` says which processes answer HTTP and are pinned to the server CPU: "tree" (the
    process and its children: the reference apps, MLflow's uvicorn worker), "main" (the endpoint:
    its capture process is left to the scheduler, which runs it on whichever CPU is free, as on any
    machine) or "none" (the router, which forwards to the endpoint: left where the scheduler puts it).
    """

    def __init__(self, name: str, url: str, body: bytes, pid: int, serving: str = "tree"):
        self.name, self.url, self.body, self.serving = name, url, body, serving
        self.process = psutil.Process(pid)

    def cpu(self) -> float:
        """CPU seconds used so far by the server's processes (every thread, children included)."""
        return sum(cpu_seconds(process) for process in [self.process] + self.process.children(recursive=True))

    def pin(self, cpu: int) -> None:
        if self.serving == "none":
            return
        processes = [self.process] + (self.process.children(recursive=True) if self.serving == "tree" else [])
        for process in processes:
            process.cpu_affinity([cpu])


def cpu_seconds(process: psutil.Process) -> float:
    """A process's CPU time: from /proc/<pid>/task/*/schedstat in nanoseconds where Linux has it
    (a 0.1 s round uses a few clock ticks, the resolution of ``cpu_times()``), else ``cpu_times()``."""
    try:
        total = 0
        for task in os.scandir(f"/proc/{process.pid}/task"):
            with open(f"{task.path}/schedstat") as stat:
                total += int(stat.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        try:
            times = process.cpu_times()
            return times.user + times.system
        except psutil.NoSuchProcess:
            return 0.0


def quartile_points(values: list[float]) -> tuple[float, float, float, float]:
    """(min, first quartile, third quartile, max) of sorted ``values``."""
    return values[0], values[len(values) // 4], values[(3 * len(values)) // 4], values[-1]


def measure(target: Target, concurrency: int, requests: int):
    from helpers.platform.serving.loadtest import load_test

    before = target.cpu()
    result = load_test(target.url, target.body, concurrency=concurrency, requests=requests, timeout=600)
    cpu = target.cpu() - before
    return result, cpu / max(result.requests, 1) * 1e6


def count_instructions(command: list[str], env: dict, url_of, body: bytes, requests: tuple[int, int] = (200, 1200)) -> float:
    """CPU instructions one request costs a server, counted by valgrind (deterministic, unlike req/s).

    Starts ``command`` under cachegrind twice, sends ``requests[0]`` then ``requests[1]`` requests
    at concurrency 16, and divides the difference by the difference: start-up and shutdown cancel.
    ``url_of(folder)`` waits for the server and returns its invocation URL.
    """
    from helpers.platform.serving.loadtest import load_test

    counts = []
    for count in requests:
        folder = Path(tempfile.mkdtemp(prefix="bench-valgrind-"))
        out = folder / "cachegrind.out"
        server = subprocess.Popen(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}", *command(folder)],
            env={**env, "PYTHONHASHSEED": "0"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            result = load_test(url_of(folder), body, concurrency=16, requests=count, timeout=900)
            if result.errors:
                raise RuntimeError(f"{result.errors} requests failed under valgrind")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(300)
        summary = next(line for line in out.read_text().splitlines() if line.startswith("summary:"))
        counts.append(int(summary.split()[1]))
        shutil.rmtree(folder, ignore_errors=True)
    return (counts[1] - counts[0]) / (requests[1] - requests[0])


def instruction_counts(work: Path, model_dir: Path, endpoint_folder: Path) -> dict[str, float]:
    """Instructions per request of the bare app, the handlers-only app and the endpoint (capture on) on both routes."""
    def reference(kind: str):
        port = free_port()

        def url_of(folder: Path) -> str:
            wait_for(f"http://127.0.0.1:{port}/ping", timeout=600)
            return f"http://127.0.0.1:{port}/invocations"
        return (lambda folder: [sys.executable, str(work / "reference_app.py"), kind, str(port)]), url_of

    def endpoint_command(folder: Path) -> list[str]:
        # a second server of the same endpoint (same config, model and data capture), in its own folder
        shutil.copy(endpoint_folder / "config.json", folder / "config.json")
        config = json.loads((folder / "config.json").read_text())
        config["Port"] = 0
        (folder / "config.json").write_text(json.dumps(config))
        return [sys.executable, "-m", "helpers.platform.serving.server", str(folder)]

    def endpoint_url(route: str):
        def url_of(folder: Path) -> str:
            deadline = time.monotonic() + 600
            while not (folder / "server.json").exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the endpoint did not start under valgrind")
                time.sleep(0.5)
            state = json.loads((folder / "server.json").read_text())
            wait_for(f"{state['Url']}/ping", timeout=600)
            return f"{state['Url']}{route}"
        return url_of

    env = {**os.environ, "BENCH_MODEL_DIR": str(model_dir)}
    jobs = {"bare": reference("bare"), "handlers": reference("handlers"),
            "endpoint": (endpoint_command, endpoint_url("/invocations")),
            "runtime path": (endpoint_command, endpoint_url("/endpoints/bench/invocations"))}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(count_instructions, command, env, url_of, ROW.encode())
                   for name, (command, url_of) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--requests", type=int, default=1_500, help="requests per round at concurrency 16")
    parser.add_argument("--no-pin", action="store_true",
                        help="leave the client and the servers where the scheduler puts them")
    parser.add_argument("--instructions", action="store_true",
                        help="also count CPU instructions per request under valgrind (needs valgrind; ~5 minutes)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-endpoint-"))
    os.environ["FLYWHEEL_HOME"] = str(work / "home")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from helpers.platform import image_uris
    from helpers.platform.serving import DataCaptureConfig, ModelBuilder
    from helpers.platform.serving.registry import stop_all
    from helpers.platform.serving.runtime import ensure_runtime
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the models the tests deploy
    from serving_support import make_classification, train_linear_learner

    children: list[subprocess.Popen] = []
    try:
        model_dir = train_linear_learner(work / "ll", rows=1000)
        endpoint = ModelBuilder(model_path=str(model_dir), image_uri=image_uris.retrieve("linear-learner", "us-east-1")
                                ).deploy(endpoint_name="bench",
                                         data_capture_config=DataCaptureConfig(
                                             sampling_percentage=100, destination_s3_uri="s3://bench/capture"))
        runtime = ensure_runtime()
        state = endpoint.describe()["Local"]

        (work / "reference_app.py").write_text(REFERENCE_APP)
        ports = {"bare": free_port(), "handlers": free_port()}
        references = {}
        for kind, port in ports.items():
            references[kind] = subprocess.Popen(
                [sys.executable, str(work / "reference_app.py"), kind, str(port)], start_new_session=True,
                env={**os.environ, "BENCH_MODEL_DIR": str(model_dir)})
            children.append(references[kind])

        import mlflow.sklearn
        from sklearn.linear_model import LogisticRegression

        features, labels = make_classification(1000, seed=0)
        mlflow.sklearn.save_model(LogisticRegression().fit(features, labels), str(work / "mlflow-model"))
        mlflow_port = free_port()
        children.append(subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(work / "mlflow-model"), "--env-manager",
             "local", "-h", "127.0.0.1", "-p", str(mlflow_port), "--workers", "1"],
            # MLflow starts `uvicorn` by name: the venv's bin must be on PATH
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        for port in ports.values():
            wait_for(f"http://127.0.0.1:{port}/ping")
        wait_for(f"http://127.0.0.1:{mlflow_port}/ping")

        runtime_pid = int(__import__("json").loads(
            (work / "home" / "endpoints" / "_runtime" / "runtime.json").read_text())["Pid"])
        targets = [  # the endpoint and the bare app side by side: each round pairs them closely in time
            Target("endpoint", f"{state['Url']}/invocations", ROW.encode(), state["Pid"], serving="main"),
            Target("bare", f"http://127.0.0.1:{ports['bare']}/invocations", ROW.encode(), references["bare"].pid),
            Target("runtime path", f"{state['Url']}/endpoints/bench/invocations", ROW.encode(), state["Pid"],
                   serving="main"),
            Target("handlers", f"http://127.0.0.1:{ports['handlers']}/invocations", ROW.encode(),
                   references["handlers"].pid),
            Target("via router", f"{runtime}/endpoints/bench/invocations", ROW.encode(), runtime_pid, serving="none"),
            Target("mlflow", f"http://127.0.0.1:{mlflow_port}/invocations", f"f0,f1,f2,f3\n{ROW}\n".encode(),
                   children[-1].pid),
        ]
        sizes = {1: max(args.requests // 3, 500), 16: args.requests}  # rounds of about 0.1 s
        slow = {"mlflow": 0.1}  # MLflow is ~10x slower: fewer requests keep the round short
        sparse = {"mlflow", "via router"}  # measured in every SPARSE_EVERY-th round only
        cpus = sorted(os.sched_getaffinity(0))
        pinned = not args.no_pin and len(cpus) >= 2
        if pinned:  # the client on one CPU, every server on another: the same placement for all
            os.sched_setaffinity(0, {cpus[0]})
            for target in targets:
                target.pin(cpus[1])
        for target in targets:  # warm-up: connections, caches, lazy imports
            measure(target, 4, 200)
        rows, paired = {}, {}
        for concurrency in (1, 16):
            runs = {t.name: {} for t in targets}  # name -> {round number: (result, cpu)}
            for round_number in range(args.rounds):
                # every other round runs the servers in reverse order: being first or last in a round
                # (after MLflow's slow round, say) must not favour one server
                for target in targets if round_number % 2 == 0 else targets[::-1]:
                    if target.name in sparse and round_number % SPARSE_EVERY:
                        continue
                    count = max(200, int(sizes[concurrency] * slow.get(target.name, 1)))
                    runs[target.name][round_number] = measure(target, concurrency, count)
            # Each round measures every server within a second of the others, so a ratio taken
            # within a round cancels most of what the rest of the machine does to all of them.
            paired[concurrency] = {
                (ours, name): sorted(runs[ours][n][0].requests_per_second / reference[0].requests_per_second
                                     for n, reference in runs[name].items())
                for ours in ("endpoint", "runtime path") for name in ("bare", "handlers", "mlflow")}
            for name, by_round in runs.items():
                results = sorted(by_round.values(), key=lambda pair: pair[0].requests_per_second)
                result, cpu = results[len(results) // 2]
                # latency percentiles over every request of every round: one short round's p99 is
                # a dozen requests, which a single pause of the machine decides
                latencies = np.concatenate([r.latencies_ms for r, _ in results])
                rows[(name, concurrency)] = Row(
                    result.requests_per_second, float(np.percentile(latencies, 50)),
                    float(np.percentile(latencies, 99)), sum(r.errors for r, _ in results), cpu,
                    [r.requests_per_second for r, _ in results])
        if pinned:
            os.sched_setaffinity(0, set(cpus))  # valgrind's servers (started below) need not share a CPU
        instructions = None
        if args.instructions:
            if shutil.which("valgrind") is None:
                print("--instructions needs valgrind (apt-get install valgrind); skipped.")
            else:
                from helpers.platform.serving.registry import endpoint_dir

                instructions = instruction_counts(work, model_dir, endpoint_dir("bench"))
    finally:
        for child in children:
            try:
                os.killpg(child.pid, signal.SIGTERM)  # its own session: MLflow's uvicorn child goes too
            except (ProcessLookupError, PermissionError):
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        stop_all()
        shutil.rmtree(work, ignore_errors=True)  # the store, models and capture files of this run

    print(f"\nOne-row CSV ({ROW}), {args.rounds} rounds: req/s and CPU of the median round, latency over "
          f"every request, errors summed; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          + (f"client on CPU {cpus[0]}, servers on CPU {cpus[1]}" if pinned else "not pinned to CPUs"))
    header = f"{'server':<12} {'conc.':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'server CPU µs/req':>18}  rounds: n, req/s min q1 q3 max"

    def spread(values: list[float]) -> str:
        return " ".join(f"{value:.0f}" for value in quartile_points(values))

    print(header)
    print("-" * len(header))
    for (name, concurrency), row in sorted(rows.items(), key=lambda item: (item[0][1], item[0][0])):
        print(f"{name:<12} {concurrency:>5} {row.requests_per_second:>8.0f} {row.p50_ms:>8.3f} "
              f"{row.p99_ms:>8.3f} {row.errors:>7} {row.cpu_us:>18.0f}  {len(row.rounds):>3}, {spread(row.rounds)}")
    print("\nTargets (data capture on; ratios are medians of the per-round ratios, quartiles in brackets):")

    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    def quartiles(ratios: list[float]) -> str:
        _, first, third, _ = quartile_points(ratios)
        return f"{first:.0%}-{third:.0%}"

    for concurrency in (1, 16):
        for ours in ("endpoint", "runtime path"):
            ratio = statistics.median(paired[concurrency][(ours, "mlflow")])
            bare = paired[concurrency][(ours, "bare")]
            share = statistics.median(bare)
            print(f"  c={concurrency:<2} {ours:<12} {ratio:5.1f}x MLflow's req/s (target >= 5x): {verdict(ratio >= 5)}; "
                  f"{share:4.0%} of the bare app's req/s [{quartiles(bare)}] (target >= 80%): {verdict(share >= 0.8)}")
        cpu = {name: rows[(name, concurrency)].cpu_us for name in ("endpoint", "handlers", "bare")}
        print(f"        where the gap goes (server CPU per request): bare {cpu['bare']:.0f} µs -> + the algorithm's "
              f"handlers {cpu['handlers']:.0f} µs -> + the endpoint (routing, checks, metrics, capture) "
              f"{cpu['endpoint']:.0f} µs; endpoint req/s at "
              f"{statistics.median(paired[concurrency][('endpoint', 'handlers')]):.0%} of the handlers-only app")
    for ours in ("endpoint", "runtime path"):
        p99 = rows[(ours, 1)].p99_ms
        print(f"  c=1  {ours:<12} p99 {p99:.3f} ms (target < 2 ms): {verdict(p99 < 2)}")
    if instructions:
        print("\nCPU instructions per request (valgrind, concurrency 16; counts do not depend on how busy "
              "the machine is):")
        for name, count in instructions.items():
            print(f"  {name:<12} {count:9.0f}   bare / {name} = {instructions['bare'] / count:4.0%}")
        for ours in ("endpoint", "runtime path"):
            share = instructions["bare"] / instructions[ours]
            print(f"  the {ours} needs {1 / share:.2f}x the bare app's instructions: at equal instructions per "
                  f"second that is {share:.0%} of its req/s (target >= 80%): {verdict(share >= 0.8)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
