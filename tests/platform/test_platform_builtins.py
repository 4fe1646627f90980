"""Real built-in algorithms (helpers.algorithms) run as local training jobs: the job gives the same
model as calling the algorithm in-process, metrics land in FinalMetricDataList, and bad input fails
the way the contract says."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

from helpers import algorithms
from helpers.algorithms.errors import HyperparameterError
from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, image_uris, storage


@pytest.fixture
def data(flywheel_home, tmp_path):
    """A small binary problem: train/validation CSVs (label first, no header) in the local store."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(240, 4))
    y = (x @ np.array([1.5, -2.0, 0.5, 0.0]) + 0.3 * rng.normal(size=240) > 0).astype(int)
    folders = {}
    session = Session(region="us-east-1")
    uris = {}
    for name, rows in (("train", slice(0, 180)), ("validation", slice(180, 240))):
        folder = tmp_path / name
        folder.mkdir()
        np.savetxt(folder / f"{name}.csv", np.column_stack([y[rows], x[rows]]), delimiter=",", fmt="%.6f")
        folders[name] = folder
        uris[name] = session.upload_data(folder, key_prefix=f"builtin/{name}")
    return {"uris": uris, "folders": folders, "x": x[180:], "tmp": tmp_path}


def channels(uris, names=("train", "validation")):
    return [InputData(channel_name=n, data_source=uris[n], content_type="text/csv") for n in names]


def model_from_job(job, folder: Path) -> Path:
    archive = storage.s3_to_path(job.describe()["ModelArtifacts"]["S3ModelArtifacts"])
    folder.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def scores(name: str, model_dir: Path, x: np.ndarray) -> list:
    algo = algorithms.get(name)
    model = algo.model_fn(model_dir)
    return algo.predict_fn(x, model)


@pytest.mark.parametrize("name, image_args, hyperparameters", [
    ("linear-learner", {}, {"predictor_type": "binary_classifier", "feature_dim": 4, "epochs": 3,
                            "mini_batch_size": 32}),
    ("xgboost", {"version": "1.7-1"}, {"num_round": 15, "objective": "binary:logistic", "max_depth": 3,
                                       "eval_metric": "logloss"}),
])
def test_job_trains_the_same_model_as_the_algorithm_in_process(data, name, image_args, hyperparameters):
    trainer = ModelTrainer(training_image=image_uris.retrieve(name, "us-east-1", **image_args),
                           hyperparameters=hyperparameters)
    trainer.train(input_data_config=channels(data["uris"]), logs=False)
    job = trainer.latest_training_job
    described = job.describe()
    assert described["TrainingJobStatus"] == "Completed"
    assert described["AlgorithmSpecification"]["AlgorithmName"] == name
    assert all(isinstance(v, str) for v in described["HyperParameters"].values())

    # The same algorithm, same data, same hyperparameters, called directly.
    in_process = data["tmp"] / "in-process"
    algo = algorithms.get(name)
    logged: list[str] = []
    algo.train(data["folders"], described["HyperParameters"], in_process, log=logged.append)
    job_model = model_from_job(job, data["tmp"] / "from-job")
    assert scores(name, job_model, data["x"]) == scores(name, in_process, data["x"])

    # Metrics: the algorithm's own definitions, the last logged value of each.
    final = {m["MetricName"]: m["Value"] for m in described["FinalMetricDataList"]}
    assert final, "the job logged no metrics"
    assert set(final) <= set(algo.metric_names)
    for metric, value in final.items():
        last = [line for line in logged if line.startswith(f"#metrics {metric}=")][-1]
        assert value == pytest.approx(float(last.split("=", 1)[1]))


def test_linear_learner_bad_hyperparameters_fail_before_the_job(data):
    image = image_uris.retrieve("linear-learner", "us-east-1")
    with pytest.raises(HyperparameterError, match="predictor_type"):
        ModelTrainer(training_image=image, hyperparameters={"feature_dim": 4}).train(
            input_data_config=channels(data["uris"], ("train",)))
    with pytest.raises(HyperparameterError) as info:
        ModelTrainer(training_image=image, hyperparameters={"feature_dim": 4, "predictor_type": "classifier"}).train(
            input_data_config=channels(data["uris"], ("train",)))
    assert "binary_classifier" in str(info.value)  # the allowed values are named
    from helpers.platform import list_training_jobs

    # As on SageMaker, each refused job exists and failed at once (no process ran)
    assert [j["TrainingJobStatus"] for j in list_training_jobs()] == ["Failed", "Failed"]


def test_xgboost_reports_a_header_row_with_file_and_row(data, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "with_header.csv").write_text("label,a,b\n1,0.5,0.2\n0,0.1,0.9\n")
    uri = Session(region="us-east-1").upload_data(bad, key_prefix="builtin/bad")
    trainer = ModelTrainer(training_image=image_uris.retrieve("xgboost", "us-east-1", version="1.7-1"),
                           hyperparameters={"num_round": 2})
    with pytest.raises(FailedStatusError) as info:
        trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri, content_type="text/csv")], logs=False)
    reason = info.value.failure_reason
    assert reason.startswith("ClientError: ")
    assert "with_header.csv" in reason and "row 1" in reason
