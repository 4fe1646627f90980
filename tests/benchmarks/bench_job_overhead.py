"""How much a local training job costs on top of fitting the same algorithm in-process.

    python tests/benchmarks/bench_job_overhead.py [--repeats 5] [--rows 2000]

Prints, per algorithm, the median wall time of ``algorithm.train(...)`` called directly (modules
already imported) and of ``ModelTrainer(...).train(...)`` (a job: /opt/ml tree, a new Python
process, log streaming, model.tar.gz + sha256, job.json), and the difference. Target: overhead
under 1.5 s. Also prints what the job process spends importing (``python -X importtime``).
Not collected by pytest; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 1.5

CASES = [
    ("linear-learner", {}, {"predictor_type": "binary_classifier", "feature_dim": 8, "epochs": 5}),
    ("xgboost", {"version": "1.7-1"}, {"num_round": 20, "objective": "binary:logistic", "max_depth": 3}),
    ("kmeans", {}, {"k": 3, "feature_dim": 9}),  # unsupervised: every column is a feature
]


def make_data(folder: Path, rows: int) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 8))
    y = (x[:, 0] - x[:, 1] + 0.5 * rng.normal(size=rows) > 0).astype(int)
    train = folder / "train"
    train.mkdir(parents=True)
    np.savetxt(train / "train.csv", np.column_stack([y, x]), delimiter=",", fmt="%.6f")
    return train


def import_time(code: str, env: dict) -> float:
    """Seconds a fresh interpreter spends in imports while running ``code`` (sum of top-level imports)."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env)
    total = 0
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):
            total += int(match.group(1))
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="flywheel-bench-")
    os.environ["FLYWHEEL_HOME"] = home
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from helpers import algorithms
    from helpers.platform import InputData, ModelTrainer, Session, image_uris

    folder = Path(home) / "data"
    train = make_data(folder, args.rows)
    uri = Session(region="us-east-1").upload_data(train, key_prefix="bench/train")

    print(f"{args.rows} rows x 8 features, median of {args.repeats} runs, {os.cpu_count()} cores")
    print(f"{'algorithm':16} {'in-process':>11} {'job':>8} {'overhead':>9}  target < {TARGET_SECONDS} s")
    for name, image_args, hps in CASES:
        algo = algorithms.get(name)
        string_hps = {k: str(v) for k, v in hps.items()}
        direct, job = [], []
        algo.train({"train": train}, string_hps, Path(home) / "warm-up", log=lambda _line: None)  # imports, caches
        for i in range(args.repeats):
            start = time.perf_counter()
            algo.train({"train": train}, string_hps, Path(home) / f"direct-{name}-{i}", log=lambda _line: None)
            direct.append(time.perf_counter() - start)
            trainer = ModelTrainer(training_image=image_uris.retrieve(name, "us-east-1", **image_args),
                                   hyperparameters=hps)
            start = time.perf_counter()
            trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri, content_type="text/csv")],
                          logs=False)
            job.append(time.perf_counter() - start)
        d, j = statistics.median(direct), statistics.median(job)
        verdict = "ok" if j - d < TARGET_SECONDS else "OVER"
        print(f"{name:16} {d:10.3f}s {j:7.3f}s {j - d:8.3f}s  {verdict}")

    env = dict(os.environ)
    print("\nimport cost in a fresh job process (python -X importtime):")
    lean = "from helpers.platform.container import _import_without; _import_without('xgboost', ('sklearn',))"
    for label, code in [(m, f"import {m}") for m in (
            "helpers.platform.container", "helpers.platform.builtins", "helpers.algorithms.linear_learner",
            "helpers.algorithms.xgb", "helpers.algorithms.kmeans", "numpy", "xgboost")] + [
            ("xgboost, scikit-learn hidden (the job)", lean)]:
        print(f"  {label:40} {import_time(code, env):6.3f}s")
    bare = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    print(f"  {'(interpreter start, nothing imported)':40} {statistics.median(bare):6.3f}s")


if __name__ == "__main__":
    main()
