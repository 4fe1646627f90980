"""Benchmark of the built-in algorithms (printed figures, not a test):

* the import cost a training-job subprocess pays for each algorithm (numpy-only algorithms stay far
  below scikit-learn's import);
* training time on a synthetic 20,000 x 20 data set, with the default hyperparameters;
* latency of one 1,000-record CSV request through input_fn -> predict_fn -> output_fn.

Run: ``python tests/benchmarks/bench_algorithms.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from helpers import algorithms  # noqa: E402

MODULES = {
    "linear-learner": "helpers.algorithms.linear_learner",
    "xgboost": "helpers.algorithms.xgb; import xgboost",  # xgboost itself is imported when training
    "kmeans": "helpers.algorithms.kmeans",
    "pca": "helpers.algorithms.pca",
    "knn": "helpers.algorithms.knn",
}
HYPERPARAMETERS = {
    "linear-learner": {"predictor_type": "binary_classifier", "feature_dim": 20},
    "xgboost": {"num_round": 50, "objective": "binary:logistic", "max_depth": 4},
    "kmeans": {"k": 8, "feature_dim": 20},
    "pca": {"feature_dim": 20, "mini_batch_size": 1000, "num_components": 5},
    "knn": {"feature_dim": 20, "k": 10, "predictor_type": "classifier", "sample_size": 20000},
}
SUPERVISED = {"linear-learner", "xgboost", "knn"}


def import_seconds(module: str) -> float:
    """Wall time of ``python -c 'import module'`` minus that of a bare interpreter, best of 3."""
    def run(code: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            best = min(best, time.perf_counter() - start)
        return best
    return run(f"import {module}; import numpy") - run("import numpy")


def main() -> None:
    rng = np.random.default_rng(0)
    n, d = 20_000, 20
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=n) > 0).astype(float)
    body = ("\n".join(",".join(f"{v:.6f}" for v in row) for row in x[:1000]) + "\n").encode()
    print(f"{'algorithm':<16}{'import (s)':>12}{'train (s)':>12}{'1000-record request (ms)':>28}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in MODULES.items():
            folder = Path(tmp) / name
            data = np.column_stack([y, x]) if name in SUPERVISED else x
            (folder / "train").mkdir(parents=True)
            np.savetxt(folder / "train" / "data.csv", data, delimiter=",", fmt="%.6f")
            algo = algorithms.get(name)
            start = time.perf_counter()
            algo.train({"train": folder / "train"}, HYPERPARAMETERS[name], folder / "model", log=lambda _: None)
            train_seconds = time.perf_counter() - start
            model = algo.model_fn(folder / "model")
            start = time.perf_counter()
            algo.output_fn(algo.predict_fn(algo.input_fn(body, "text/csv"), model), None)
            request_ms = (time.perf_counter() - start) * 1000
            print(f"{name:<16}{import_seconds(module):>12.2f}{train_seconds:>12.2f}{request_ms:>28.1f}")
    print(f"(reference: importing scikit-learn costs {import_seconds('sklearn.cluster'):.2f} s)")


if __name__ == "__main__":
    main()
