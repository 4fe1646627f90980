"""Hyperparameter tuning on the local platform: every strategy, failed trials, parallelism, early
stopping, persistence, determinism, bad input refused before any job, the sagemaker backend's request.

Trials are real training jobs; most run a tiny script-mode entry point (a fraction of a second
each), and one runs the built-in Linear Learner on a few hundred rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from aws_support import mock_aws_account
from helpers.algorithms.errors import HyperparameterError
from helpers.platform import (CategoricalParameter, ContinuousParameter, HyperparameterTuner, InputData,
                              IntegerParameter, ModelTrainer, Session, SourceCode, list_training_jobs)
from helpers.platform.tuning import (HyperParameterTuningJob, HyperparameterTuningJobAnalytics,
                                     describe_hyper_parameter_tuning_job, records, search)
from helpers.platform.tuning.tuner import xgboost_objective_metric

SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
SCORE = [{"Name": "validation:score", "Regex": r"score=([-+0-9.eE]+)"}]

# A learner's train.py: the score peaks at x = 0.3 (and grows with depth up to 3); one score line per
# epoch (--constant 1: the score is x at every epoch). --mode crash fails; --sleep slows each epoch; --trace appends the process's start and
# end times to a file (to count how many trials ran at once).
TRIAL_SCRIPT = '''
import argparse, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--x", type=float, default=0.0)
p.add_argument("--depth", type=int, default=1)
p.add_argument("--mode", type=str, default="ok")
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--sleep", type=float, default=0.0)
p.add_argument("--constant", type=int, default=0)
p.add_argument("--trace", type=str, default="")
a = p.parse_args()
if a.trace:
    with open(a.trace, "a") as f:
        f.write(f"start {time.time()}\\n")
if a.mode == "crash" or a.x > 5:
    raise ValueError("the model diverged")
final = -(a.x - 0.3) ** 2 - 0.1 * (min(a.depth, 3) - 3) ** 2
for epoch in range(1, a.epochs + 1):
    value = a.x if a.constant else final * (1 + 1.0 / epoch)
    print(f"epoch={epoch} score={value:.6f}", flush=True)
    if a.sleep:
        time.sleep(a.sleep)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write(str(final))
if a.trace:
    with open(a.trace, "a") as f:
        f.write(f"end {time.time()}\\n")
'''


@pytest.fixture
def workspace(flywheel_home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(textwrap.dedent(TRIAL_SCRIPT))
    (tmp_path / "train.csv").write_text("1,0.5\n0,1.5\n")
    train = Session(region="us-east-1").upload_data(tmp_path / "train.csv", key_prefix="tune/train")
    return {"dir": tmp_path, "train": train, "home": flywheel_home}


def script_trainer(**hyperparameters) -> ModelTrainer:
    return ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="src", entry_script="train.py"),
                        hyperparameters=hyperparameters, base_job_name="trial").with_metric_definitions(SCORE)


def channels(workspace) -> list[InputData]:
    return [InputData(channel_name="train", data_source=workspace["train"])]


def ranges_for(strategy: str) -> dict:
    if strategy == "Grid":
        return {"x": CategoricalParameter([0.0, 0.3, 0.6]), "depth": CategoricalParameter([1, 3])}
    return {"x": ContinuousParameter(-1.0, 1.0), "depth": IntegerParameter(1, 4)}


# ------------------------------------------------------------------------------------- strategies

@pytest.mark.parametrize("strategy", ["Random", "Bayesian", "Grid", "Hyperband"])
def test_every_strategy_runs_and_returns_its_best_job(workspace, strategy, capsys):
    tuner = HyperparameterTuner(
        script_trainer(epochs=3), "validation:score", ranges_for(strategy), strategy=strategy,
        max_jobs=None if strategy == "Grid" else 6, max_parallel_jobs=2, random_seed=7,
        strategy_config={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 3}} if strategy == "Hyperband" else None)
    tuner.tune(inputs=channels(workspace))

    df = tuner.analytics().dataframe()
    assert len(df) == 6  # grid: 3 x 2 combinations; the others: max_jobs
    assert {"x", "depth", "TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingStartTime",
            "TrainingEndTime", "TrainingElapsedTimeSeconds"} <= set(df.columns)
    completed = df[df["TrainingJobStatus"] == "Completed"]
    best = completed.loc[completed["FinalObjectiveValue"].idxmax()]
    assert tuner.best_training_job() == best["TrainingJobName"]
    # The objective is what the trial logged last: -(x - 0.3)^2 - 0.1 (min(depth, 3) - 3)^2, times (1 + 1/3).
    expected = -((completed["x"] - 0.3) ** 2 + 0.1 * (completed["depth"].clip(upper=3) - 3) ** 2) * (4 / 3)
    np.testing.assert_allclose(completed["FinalObjectiveValue"], expected, atol=1e-5)
    if strategy == "Grid":
        assert sorted(zip(df["x"], df["depth"])) == [(x, d) for x in (0.0, 0.3, 0.6) for d in (1.0, 3.0)]
        assert tuner.describe()["BestTrainingJob"]["TunedHyperParameters"] == {"x": "0.3", "depth": "3"}
    else:
        assert df["x"].between(-1, 1).all() and df["depth"].isin([1, 2, 3, 4]).all()

    d = tuner.describe()
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["HyperParameterTuningJobConfig"]["Strategy"] == strategy
    assert d["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] == {
        "Type": "Maximize", "MetricName": "validation:score"}
    assert d["TrainingJobStatusCounters"]["Completed"] + d["TrainingJobStatusCounters"]["Stopped"] == len(df)
    assert d["ObjectiveStatusCounters"] == {"Succeeded": len(df), "Pending": 0, "Failed": 0}
    assert d["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    assert len(d["HyperParameterTuningJobName"]) <= 32 and "FlywheelLocal" not in d
    # Every trial is a real training job with the static and the tuned hyperparameters.
    job = describe_training_job_of(best["TrainingJobName"])
    assert job["HyperParameters"]["epochs"] == "3"
    assert job["HyperParameters"]["x"] == d["BestTrainingJob"]["TunedHyperParameters"]["x"]
    assert "ModelArtifacts" in job
    assert "best validation:score" in capsys.readouterr().out


def describe_training_job_of(name: str) -> dict:
    from helpers.platform import describe_training_job

    return describe_training_job(name)


def test_ranges_use_their_scaling_and_bounds(workspace):
    tuner = HyperparameterTuner(
        script_trainer(), "validation:score",
        {"x": ContinuousParameter(0.001, 1.0, scaling_type="Logarithmic"),
         "depth": IntegerParameter(1, 3), "sleep": ContinuousParameter(0.0, 0.01, scaling_type="ReverseLogarithmic")},
        strategy="Random", max_jobs=8, max_parallel_jobs=2, random_seed=3)
    tuner.tune(inputs=channels(workspace))
    df = tuner.analytics().dataframe()
    assert df["x"].between(0.001, 1.0).all() and df["depth"].isin([1, 2, 3]).all()
    assert df["sleep"].between(0.0, 0.01).all()
    # Logarithmic scaling: about as many draws below 0.03 (the geometric middle) as above it.
    assert 2 <= (df["x"] < 0.0316).sum() <= 6
    ranges = tuner.describe()["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges["ContinuousParameterRanges"][0] == {"Name": "x", "MinValue": "0.001", "MaxValue": "1.0",
                                                      "ScalingType": "Logarithmic"}
    assert ranges["IntegerParameterRanges"] == [{"Name": "depth", "MinValue": "1", "MaxValue": "3", "ScalingType": "Auto"}]


def test_same_seed_proposes_the_same_trials_even_in_parallel(workspace):
    def run():
        tuner = HyperparameterTuner(script_trainer(), "validation:score", ranges_for("Bayesian"), strategy="Bayesian",
                                    max_jobs=7, max_parallel_jobs=2, random_seed=11)
        tuner.tune(inputs=channels(workspace))
        df = tuner.analytics().dataframe()
        return df[["x", "depth", "FinalObjectiveValue"]].to_numpy()

    np.testing.assert_array_equal(run(), run())


# ------------------------------------------------------------------------------------- failures

def test_a_failed_trial_is_recorded_and_the_tuning_goes_on(workspace):
    tuner = HyperparameterTuner(script_trainer(), "validation:score",
                                {"mode": CategoricalParameter(["ok", "crash"]), "x": CategoricalParameter([0.1, 0.3])},
                                strategy="Grid", max_parallel_jobs=2)
    tuner.tune(inputs=channels(workspace))
    df = tuner.analytics().dataframe()
    assert sorted(df["TrainingJobStatus"]) == ["Completed", "Completed", "Failed", "Failed"]
    failed = df[df["TrainingJobStatus"] == "Failed"]
    assert (failed["mode"] == "crash").all() and failed["FinalObjectiveValue"].isna().all()
    summaries = tuner.latest_tuning_job.training_job_summaries()
    reasons = [s["FailureReason"] for s in summaries if s["TrainingJobStatus"] == "Failed"]
    assert all("the model diverged" in r for r in reasons)
    d = tuner.describe()
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["NonRetryableError"] == 2
    assert d["ObjectiveStatusCounters"]["Failed"] == 2
    assert d["BestTrainingJob"]["TunedHyperParameters"] == {"mode": "ok", "x": "0.3"}


def test_when_every_trial_fails_the_tuning_job_fails_and_says_why(workspace):
    from helpers.platform.errors import FailedStatusError

    tuner = HyperparameterTuner(script_trainer(mode="crash"), "validation:score", {"x": ContinuousParameter(0, 1)},
                                strategy="Random", max_jobs=2, max_parallel_jobs=2)
    with pytest.raises(FailedStatusError, match="HyperParameterTuningJob.*the model diverged") as caught:
        tuner.tune(inputs=channels(workspace))  # as SDK v3's tune(wait=True): its wait() raises on Failed
    assert caught.value.description["HyperParameterTuningJobName"] == tuner.latest_tuning_job.name
    with pytest.raises(FailedStatusError):
        tuner.wait()
    d = tuner.describe()
    assert d["HyperParameterTuningJobStatus"] == "Failed"
    assert "the model diverged" in d["FailureReason"]
    with pytest.raises(ValueError, match="Best training job not available"):
        tuner.best_training_job()


# ------------------------------------------------------------------------------------- parallelism

def max_overlap(trace_path) -> int:
    events = []
    for line in trace_path.read_text().splitlines():
        kind, stamp = line.split()
        events.append((float(stamp), 1 if kind == "start" else -1))
    running = peak = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
        running += delta
        peak = max(peak, running)
    return peak


@pytest.mark.parametrize("parallel", [1, 3])
def test_no_more_trials_run_at_once_than_max_parallel_jobs(workspace, parallel):
    trace = workspace["dir"] / f"trace-{parallel}.txt"
    tuner = HyperparameterTuner(script_trainer(sleep=0.15, epochs=2, trace=str(trace)), "validation:score",
                                {"x": ContinuousParameter(0, 1)}, strategy="Random", max_jobs=6,
                                max_parallel_jobs=parallel)
    tuner.tune(inputs=channels(workspace))
    assert tuner.describe()["TrainingJobStatusCounters"]["Completed"] == 6
    assert max_overlap(trace) == parallel  # never more, and the slots are used


# ------------------------------------------------------------------------------------- early stopping

def test_median_rule_is_sagemakers():
    earlier = [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0], [0.0, 1.0, 2.0]]  # running averages at step 2: 1.5, 2.0, 0.5
    assert search.worse_than_median([5.0, 1.4], earlier, maximize=True)  # 1.4 < median 1.5
    assert not search.worse_than_median([5.0, 1.6], earlier, maximize=True)
    assert search.worse_than_median([0.0, 1.6], earlier, maximize=False)  # minimizing: 1.6 > 1.5
    assert not search.worse_than_median([5.0, 1.4], earlier[:2], maximize=True)  # too few earlier jobs
    assert not search.worse_than_median([5.0, 1.0, 0.0, -1.0], earlier, maximize=True)  # none reached step 4


def test_early_stopping_stops_poor_trials(workspace):
    # Constant score = x per epoch, 3 epochs of 0.15 s: time enough to be stopped after the first.
    tuner = HyperparameterTuner(script_trainer(constant=1, epochs=3, sleep=0.15), "validation:score",
                                {"x": ContinuousParameter(0.0, 1.0)}, strategy="Random", max_jobs=8,
                                max_parallel_jobs=1, early_stopping_type="Auto", random_seed=5)
    tuner.tune(inputs=channels(workspace))
    df = tuner.analytics().dataframe()
    xs = df["x"].tolist()
    # Sequential trials: trial i is stopped exactly when its x is below the median of the x of the trials
    # before it (at least 3 of them), SageMaker's rule with constant curves.
    expected = ["Stopped" if i >= 3 and x < np.median(xs[:i]) else "Completed" for i, x in enumerate(xs)]
    assert df["TrainingJobStatus"].tolist() == expected
    assert "Stopped" in expected  # the seed gives at least one poor trial to stop
    job = tuner.latest_tuning_job
    stopped = df.loc[df["TrainingJobStatus"] == "Stopped", "TrainingJobName"].iloc[0]
    assert len(job.objective_history(stopped)) < 3  # stopped before its last epoch
    assert "early stopping" in records.read(job.name)["FlywheelLocal"]["Trials"][stopped]["StopReason"]
    assert tuner.describe()["TrainingJobStatusCounters"]["Stopped"] == expected.count("Stopped")
    assert tuner.best_training_job() == df.loc[df["FinalObjectiveValue"].idxmax(), "TrainingJobName"]


def test_hyperband_stops_trials_that_trail_their_bracket(workspace):
    tuner = HyperparameterTuner(script_trainer(constant=1, epochs=3, sleep=0.1), "validation:score",
                                {"x": ContinuousParameter(0.0, 1.0)}, strategy="Hyperband", max_jobs=9,
                                max_parallel_jobs=1, random_seed=2,
                                strategy_config={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 3}})
    tuner.tune(inputs=channels(workspace))
    df = tuner.analytics().dataframe()
    stopped = df[df["TrainingJobStatus"] == "Stopped"]
    assert len(stopped) >= 1 and (df["TrainingJobStatus"] != "Failed").all()
    job = tuner.latest_tuning_job
    for name in stopped["TrainingJobName"]:
        assert len(job.objective_history(name)) < 3
        assert "Hyperband stopped it" in records.read(job.name)["FlywheelLocal"]["Trials"][name]["StopReason"]
    best = df.loc[df["TrainingJobName"] == tuner.best_training_job()].iloc[0]
    assert best["TrainingJobStatus"] == "Completed"
    assert best["x"] == df.loc[df["TrainingJobStatus"] == "Completed", "x"].max()
    assert tuner.describe()["HyperParameterTuningJobConfig"]["StrategyConfig"] == {
        "HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 3}}


# ------------------------------------------------------------------------------------- persistence

def test_a_tuning_job_is_described_and_analysed_after_a_restart(workspace):
    tuner = HyperparameterTuner(script_trainer(), "validation:score", ranges_for("Random"), strategy="Random",
                                max_jobs=3, max_parallel_jobs=2)
    tuner.tune(inputs=channels(workspace))
    name, best = tuner.latest_tuning_job.name, tuner.best_training_job()
    code = textwrap.dedent(f"""
        from helpers.platform.tuning import HyperParameterTuningJob, HyperparameterTuningJobAnalytics
        job = HyperParameterTuningJob.get({name!r})
        df = HyperparameterTuningJobAnalytics({name!r}).dataframe()
        print(job.hyper_parameter_tuning_job_status, job.best_training_job.training_job_name, len(df))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["Completed", best, "3"]
    stored = json.loads((workspace["home"] / "tuning-jobs" / name / "tuning.json").read_text())
    assert stored["HyperParameterTuningJobStatus"] == "Completed"


def test_a_tuning_job_orphaned_by_a_dead_kernel_is_marked_failed(workspace):
    code = textwrap.dedent(f"""
        import os
        from helpers.platform import HyperparameterTuner, ModelTrainer, SourceCode, InputData, ContinuousParameter
        t = ModelTrainer(training_image={SKLEARN_IMAGE!r}, source_code=SourceCode(source_dir="src", entry_script="train.py"),
                         hyperparameters={{"sleep": 5}}).with_metric_definitions({SCORE!r})
        tuner = HyperparameterTuner(t, "validation:score", {{"x": ContinuousParameter(0, 1)}}, strategy="Random", max_jobs=2)
        tuner.tune(inputs=[InputData(channel_name="train", data_source={workspace['train']!r})], wait=False)
        import time; time.sleep(0.5)
        print(tuner.latest_tuning_job.name, flush=True)
        os._exit(0)  # the kernel dies with the tuning job running
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ,
                         cwd=workspace["dir"])
    assert out.returncode == 0, out.stderr[-2000:]
    name = out.stdout.split()[-1]
    d = describe_hyper_parameter_tuning_job(name)
    assert d["HyperParameterTuningJobStatus"] == "Failed"
    assert "kernel restarted" in d["FailureReason"]
    assert all(s["TrainingJobStatus"] != "InProgress" for s in HyperParameterTuningJob(name).training_job_summaries())


def test_wait_false_returns_at_once_and_stop_ends_the_tuning_job(workspace):
    tuner = HyperparameterTuner(script_trainer(sleep=2, epochs=3), "validation:score", {"x": ContinuousParameter(0, 1)},
                                strategy="Random", max_jobs=4, max_parallel_jobs=2)
    tuner.tune(inputs=channels(workspace), wait=False)
    assert tuner.describe()["HyperParameterTuningJobStatus"] == "InProgress"
    tuner.stop_tuning_job()
    tuner.wait()
    d = tuner.describe()
    assert d["HyperParameterTuningJobStatus"] == "Stopped"
    assert d["TrainingJobStatusCounters"]["Stopped"] >= 1 and d["TrainingJobStatusCounters"]["InProgress"] == 0
    assert len(HyperparameterTuningJobAnalytics(tuner.latest_tuning_job.name).dataframe()) < 4


def test_interrupting_the_notebook_stops_the_trials(workspace, monkeypatch):
    import helpers.progress

    def interrupted_after_first_trial(iterable, **_):
        for _ in iterable:
            raise KeyboardInterrupt  # the learner presses stop while the tuning job runs
        yield

    monkeypatch.setattr(helpers.progress, "progress", interrupted_after_first_trial)
    tuner = HyperparameterTuner(script_trainer(sleep=3, epochs=2), "validation:score",
                                {"mode": CategoricalParameter(["ok", "crash"])}, strategy="Grid", max_parallel_jobs=2)
    with pytest.raises(KeyboardInterrupt):
        tuner.tune(inputs=channels(workspace))
    d = tuner.describe()
    assert d["HyperParameterTuningJobStatus"] == "Stopped"
    assert d["TrainingJobStatusCounters"]["InProgress"] == 0
    statuses = {s["TrainingJobName"]: s["TrainingJobStatus"] for s in tuner.latest_tuning_job.training_job_summaries()}
    assert sorted(statuses.values()) == ["Failed", "Stopped"]  # the crash ended by itself, the other was stopped
    stopped = [name for name, status in statuses.items() if status == "Stopped"]
    assert describe_training_job_of(stopped[0])["TrainingJobStatus"] == "Stopped"


# ------------------------------------------------------------------------------------- a built-in algorithm

def test_a_built_in_algorithm_gets_the_tuning_objective(workspace):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] - x[:, 1] + 0.3 * rng.normal(size=300) > 0).astype(int)
    rows = np.column_stack([y, x])
    np.savetxt(workspace["dir"] / "t.csv", rows[:200], delimiter=",", fmt="%.5f")
    np.savetxt(workspace["dir"] / "v.csv", rows[200:], delimiter=",", fmt="%.5f")
    session = Session(region="us-east-1")
    inputs = [InputData(channel_name="train", data_source=session.upload_data(workspace["dir"] / "t.csv", key_prefix="ll/t"),
                        content_type="text/csv"),
              InputData(channel_name="validation", data_source=session.upload_data(workspace["dir"] / "v.csv", key_prefix="ll/v"),
                        content_type="text/csv")]
    trainer = ModelTrainer(training_image="linear-learner", base_job_name="ll",
                           hyperparameters={"predictor_type": "binary_classifier", "feature_dim": 3, "epochs": 3})
    tuner = HyperparameterTuner(trainer, "validation:binary_classification_accuracy",
                                {"learning_rate": ContinuousParameter(0.001, 0.1, scaling_type="Logarithmic")},
                                strategy="Random", max_jobs=2, max_parallel_jobs=2)
    tuner.tune(inputs=inputs)
    best = describe_training_job_of(tuner.best_training_job())
    assert best["HyperParameters"]["_tuning_objective_metric"] == "validation:binary_classification_accuracy"
    assert best["TrainingJobStatus"] == "Completed"
    assert tuner.analytics().dataframe()["FinalObjectiveValue"].between(0.5, 1.0).all()


def test_xgboost_evaluates_the_objective_metric_as_sagemakers_container_does():
    assert xgboost_objective_metric({"num_round": "5"}, "validation:auc")["eval_metric"] == "auc"
    assert xgboost_objective_metric({"eval_metric": "logloss"}, "validation:auc")["eval_metric"] == "logloss,auc"
    assert xgboost_objective_metric({"eval_metric": "auc,error"}, "validation:auc")["eval_metric"] == "auc,error"


# ------------------------------------------------------------------------------------- bad input

def xgb_trainer(**extra) -> ModelTrainer:
    return ModelTrainer(training_image="xgboost", hyperparameters={"num_round": 10, "objective": "binary:logistic",
                                                                   **extra})


XGB_RANGES = {"eta": ContinuousParameter(0.01, 0.5, scaling_type="Logarithmic"), "max_depth": IntegerParameter(2, 8)}


@pytest.mark.parametrize("make, words", [
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", {"max_dept": IntegerParameter(2, 8)}),
     r"xgboost has no hyperparameter 'max_dept'\. Did you mean 'max_depth'\?"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", {"eta": ContinuousParameter(0.1, 2.0)}),
     r"hyperparameter_ranges\['eta'\].*reaches '2\.0'"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", {"max_depth": ContinuousParameter(2, 8)}),
     r"whole numbers.*IntegerParameter\(2, 8\)"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:acuracy", XGB_RANGES),
     r"'validation:acuracy' is never emitted by the xgboost algorithm.*Did you mean 'validation:accuracy'"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, max_parallel_jobs=0),
     r"max_parallel_jobs must be at least 1"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, strategy="Grid"),
     r"Grid search takes categorical ranges only.*'eta'.*CategoricalParameter\(\[0\.01, 0\.5\]\)"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", {"max_depth": IntegerParameter(2, 4)}, strategy="Grid"),
     r"Grid search takes categorical ranges only"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", {"max_depth": CategoricalParameter([2, 4])},
                                 strategy="Grid", max_jobs=5),
     r"2 training jobs here, but max_jobs=5"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, strategy="Bayes"),
     r"strategy 'Bayes' is not one of .*Did you mean 'Bayesian'"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, objective_type="maximize"),
     r"objective_type 'maximize' is not one of Maximize, Minimize"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, strategy="Hyperband"),
     r"Hyperband needs the most epochs.*MaxResource"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, strategy="Hyperband",
                                 early_stopping_type="Auto", strategy_config={"HyperbandStrategyConfig": {"MaxResource": 10}}),
     r"leave early_stopping_type='Off'"),
    (lambda: HyperparameterTuner(xgb_trainer(objective="reg:squarederror"), "validation:auc", XGB_RANGES),
     r"auc.*applies to classification only"),
    (lambda: HyperparameterTuner(xgb_trainer(), "validation:auc", {}), r"non-empty dict"),
    (lambda: HyperparameterTuner(script_trainer_without_metrics(), "validation:rmse", {"x": ContinuousParameter(0, 1)}),
     r"A metric is required for this hyperparameter tuning job objective"),
])
def test_bad_tuning_settings_are_refused_before_any_job(workspace, make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make()
    assert list_training_jobs() == []
    assert records.known_names() == []


def script_trainer_without_metrics() -> ModelTrainer:
    return ModelTrainer(training_image=SKLEARN_IMAGE, source_code=SourceCode(source_dir="src", entry_script="train.py"))


@pytest.mark.parametrize("make, words", [
    (lambda: ContinuousParameter(1.0, 0.1), r"min_value is greater than max_value; swap them: ContinuousParameter\(0\.1, 1\.0\)"),
    (lambda: IntegerParameter(0, 10, scaling_type="Logarithmic"), r"logarithmic scaling needs min_value > 0"),
    (lambda: ContinuousParameter(-1, 1, scaling_type="Logarithmic"), r"needs min_value > 0"),
    (lambda: ContinuousParameter(0.5, 1.5, scaling_type="ReverseLogarithmic"), r"max_value < 1"),
    (lambda: ContinuousParameter(0, 1, scaling_type="Log"), r"'Log' is not one of Auto, Linear"),
    (lambda: IntegerParameter(1.5, 4), r"must be an integer"),
    (lambda: CategoricalParameter([]), r"at least one value"),
    (lambda: CategoricalParameter(["a", "a"]), r"'a' appear more than once"),
])
def test_bad_ranges_are_refused_when_built(make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make()


def test_missing_validation_channel_is_refused_before_any_job(workspace):
    tuner = HyperparameterTuner(xgb_trainer(), "validation:auc", XGB_RANGES, max_jobs=2)
    with pytest.raises(ValueError, match=r"measured on the 'validation' channel.*'train'.*InputData\(channel_name='validation'"):
        tuner.tune(inputs=[InputData(channel_name="train", data_source=workspace["train"])])
    assert list_training_jobs() == [] and records.known_names() == []


# ------------------------------------------------------------------------------------- the sagemaker backend

def test_sagemaker_backend_sends_the_create_tuning_job_request(workspace, monkeypatch):
    from helpers.platform import image_uris

    with mock_aws_account(workspace["dir"], monkeypatch, FLYWHEEL_BACKEND="sagemaker") as account:
        role = account["role"]
        session = Session()
        bucket = session.default_bucket()
        (workspace["dir"] / "v.csv").write_text("1,0.5\n")
        train_uri = session.upload_data(str(workspace["dir"] / "train.csv"), key_prefix="xgb/train")
        validation_uri = session.upload_data(str(workspace["dir"] / "v.csv"), key_prefix="xgb/validation")
        sent: list[dict] = []
        session.boto_session.events.register(
            "provide-client-params.sagemaker.CreateHyperParameterTuningJob",
            lambda params, **_: sent.append(json.loads(json.dumps(params, default=str))))
        image = image_uris.retrieve("xgboost", "us-east-1", version="1.7-1")
        trainer = ModelTrainer(training_image=image, role=role, sagemaker_session=session, base_job_name="xgb",
                               hyperparameters={"num_round": 50, "objective": "binary:logistic"})
        tuner = HyperparameterTuner(
            trainer, "validation:auc",
            {"eta": ContinuousParameter(0.01, 0.3, scaling_type="Logarithmic"), "max_depth": IntegerParameter(2, 8),
             "booster": CategoricalParameter(["gbtree", "dart"])},
            strategy="Random", objective_type="Maximize", max_jobs=12, max_parallel_jobs=3,
            early_stopping_type="Auto", base_tuning_job_name="xgb-tune", random_seed=4)
        assert type(tuner).__name__ == "SageMakerHyperparameterTuner"
        tuner.tune(inputs=[InputData(channel_name="train", data_source=train_uri, content_type="text/csv"),
                           InputData(channel_name="validation", data_source=validation_uri, content_type="text/csv")],
                   wait=False)
        (request,) = sent
        assert request["HyperParameterTuningJobName"].startswith("xgb-tune-")
        config_sent = request["HyperParameterTuningJobConfig"]
        assert config_sent["Strategy"] == "Random"
        assert config_sent["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:auc"}
        assert config_sent["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 12, "MaxParallelTrainingJobs": 3}
        assert config_sent["TrainingJobEarlyStoppingType"] == "Auto"
        assert config_sent["RandomSeed"] == 4
        assert config_sent["ParameterRanges"] == {
            "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2", "MaxValue": "8", "ScalingType": "Auto"}],
            "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.01", "MaxValue": "0.3",
                                           "ScalingType": "Logarithmic"}],
            "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}]}
        definition = request["TrainingJobDefinition"]
        assert definition["AlgorithmSpecification"]["TrainingImage"] == image
        assert definition["StaticHyperParameters"] == {"num_round": "50", "objective": "binary:logistic"}
        assert {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in definition["InputDataConfig"]} == {
            "train": train_uri, "validation": validation_uri}
        assert definition["RoleArn"] == role
        assert bucket in definition["OutputDataConfig"]["S3OutputPath"]
        described = tuner.describe()  # DescribeHyperParameterTuningJob, as moto answers it
        assert described["HyperParameterTuningJobName"] == request["HyperParameterTuningJobName"]
        # Bad input still fails locally, before anything is sent.
        with pytest.raises(HyperparameterError, match="no hyperparameter 'etaa'"):
            HyperparameterTuner(trainer, "validation:auc", {"etaa": ContinuousParameter(0.1, 0.2)})
        # The same request validation as the local tuner (one check_request for both backends).
        with pytest.raises(ValueError, match="max_runtime_in_seconds must be a positive number"):
            HyperparameterTuner(trainer, "validation:auc", {"eta": ContinuousParameter(0.1, 0.2)},
                                max_runtime_in_seconds=0)
        with pytest.raises(ValueError, match="Invalid tuning job name 'xgb tune'"):
            HyperparameterTuner(trainer, "validation:auc", {"eta": ContinuousParameter(0.1, 0.2)},
                                base_tuning_job_name="xgb tune")
        assert len(sent) == 1


# ------------------------------------------------------------------------------------- the trials widget

def test_trial_browser_shows_each_trial_and_its_curve(workspace):
    from helpers.widgets.trials import TrialBrowser

    tuner = HyperparameterTuner(script_trainer(epochs=4), "validation:score",
                                {"mode": CategoricalParameter(["ok", "crash"]), "x": CategoricalParameter([0.0, 0.3])},
                                strategy="Grid", max_parallel_jobs=2)
    tuner.tune(inputs=channels(workspace))
    browser = TrialBrowser(tuner)
    labels = [label for label, _ in browser.control.options]
    assert len(labels) == 4 and labels[0].startswith("best")  # best first, failed trials last
    assert all(name not in " ".join(labels) for name in tuner.analytics().dataframe()["TrainingJobName"])
    state = browser.refresh()
    assert state.rank == 1 and state.status == "Completed"
    assert state.hyperparameters == {"mode": "ok", "x": "0.3"}
    assert len(state.history) == 4 and state.objective == pytest.approx(state.history[-1])
    assert "best" in browser.verdict_text and "validation:score" in browser.verdict_text
    failed_index = [value for label, value in browser.control.options if "Failed" in label][0]
    browser.control.value = failed_index  # what a click does
    assert browser.state.status == "Failed" and browser.state.history == []
    assert "the model diverged" in browser.verdict_text
    assert len(browser.figure.axes[0].lines) >= 1  # the best trial's curve stays for comparison


def test_trial_browser_reads_a_finished_job_by_name(workspace):
    from helpers.widgets.trials import TrialBrowser

    tuner = HyperparameterTuner(script_trainer(), "validation:score", {"x": ContinuousParameter(0, 1)},
                                strategy="Random", max_jobs=2, max_parallel_jobs=2)
    tuner.tune(inputs=channels(workspace))
    browser = TrialBrowser(tuner.latest_tuning_job.name)
    assert len(browser.control.options) == 2
    assert isinstance(browser.table(), pd.DataFrame)
