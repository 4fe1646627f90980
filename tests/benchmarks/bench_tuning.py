"""How much running tuning trials in parallel saves: the same tuning job with max_parallel_jobs=1 and 2.

    python tests/benchmarks/bench_tuning.py [--trials 4] [--rows 20000] [--rounds 100] [--repeats 1]

Runs a random-search tuning job of the built-in XGBoost (each trial a real local training job, one
OpenMP thread each) twice with the same seed, hence the same trials: sequentially and two at a time.
Prints the wall time of each, the mean trial time (training dominates: a few seconds per trial), the
tuner's own overhead, and the speed-up. Target on 2 free cores: >= 1.7x. The machine's load average
is printed too: other processes competing for the cores lower the figure.
Not collected by pytest; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

TARGET = 1.7


def make_data(folder: Path, rows: int, features: int = 20) -> tuple[Path, Path]:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, features))
    logit = x[:, 0] - x[:, 1] + 0.5 * x[:, 2] * x[:, 3] + 0.3 * rng.normal(size=rows)
    y = (logit > 0).astype(int)
    table = np.column_stack([y, x])
    split = int(rows * 0.8)
    train, validation = folder / "train.csv", folder / "validation.csv"
    np.savetxt(train, table[:split], delimiter=",", fmt="%.5f")
    np.savetxt(validation, table[split:], delimiter=",", fmt="%.5f")
    return train, validation


def run(parallel: int, trials: int, rounds: int, inputs) -> tuple[float, list[float], float]:
    """Wall seconds of one tuning job, each trial's seconds (from its job record), tuner overhead."""
    from helpers.platform import ContinuousParameter, HyperparameterTuner, IntegerParameter, ModelTrainer
    from helpers.platform.jobs import describe_training_job

    trainer = ModelTrainer(training_image="xgboost", base_job_name="bench",
                           hyperparameters={"objective": "binary:logistic", "num_round": rounds, "eval_metric": "auc"})
    tuner = HyperparameterTuner(trainer, "validation:auc",
                                {"eta": ContinuousParameter(0.05, 0.3, scaling_type="Logarithmic"),
                                 "max_depth": IntegerParameter(5, 7)},
                                strategy="Random", max_jobs=trials, max_parallel_jobs=parallel, random_seed=0)
    start = time.perf_counter()
    tuner.tune(inputs=inputs)
    wall = time.perf_counter() - start
    df = tuner.analytics().dataframe()
    assert (df["TrainingJobStatus"] == "Completed").all(), df["TrainingJobStatus"].tolist()
    seconds = [(d["TrainingEndTime"] - d["TrainingStartTime"]).total_seconds()
               for d in (describe_training_job(name) for name in df["TrainingJobName"])]
    busy = sum(seconds) / parallel
    return wall, seconds, wall - busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-tuning-") as home:
        os.environ["FLYWHEEL_HOME"] = home
        os.environ["FLYWHEEL_SMOKE"] = "1"  # no progress bars
        # One thread per trial in both runs: the same work per trial, only the overlap differs.
        os.environ["OMP_NUM_THREADS"] = "1"
        from helpers.platform import InputData, Session

        train, validation = make_data(Path(home), args.rows)
        session = Session(region="us-east-1")
        inputs = [InputData(channel_name="train", data_source=session.upload_data(train, key_prefix="bench/train"),
                            content_type="text/csv"),
                  InputData(channel_name="validation", content_type="text/csv",
                            data_source=session.upload_data(validation, key_prefix="bench/validation"))]
        print(f"cores: {os.cpu_count()} · load average before: {os.getloadavg()[0]:.2f} · "
              f"{args.trials} trials of XGBoost, {args.rows:,} rows x 20 features, {args.rounds} rounds")
        sequential, parallel = [], []
        for _ in range(args.repeats):
            for width, sink in ((1, sequential), (2, parallel)):
                wall, seconds, overhead = run(width, args.trials, args.rounds, inputs)
                sink.append(wall)
                print(f"  max_parallel_jobs={width}: {wall:6.2f} s wall · trial {statistics.mean(seconds):5.2f} s mean "
                      f"(min {min(seconds):.2f}, max {max(seconds):.2f}) · tuner overhead {overhead:5.2f} s")
        speedup = statistics.median(sequential) / statistics.median(parallel)
        verdict = "meets" if speedup >= TARGET else "below"
        print(f"speed-up of 2 parallel trials over sequential: {speedup:.2f}x ({verdict} the {TARGET}x target) · "
              f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
