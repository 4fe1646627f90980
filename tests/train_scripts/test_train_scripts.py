"""The example script-mode entry point helpers/train_scripts/sklearn_logreg (train.py + inference.py):
it runs as a local training job and on its own with only SageMaker's environment variables, its
hyperparameters arrive as arguments, bad data fails the job with the file and row, and the serving
functions answer in the documented shapes."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers import ROOT
from helpers.platform import FailedStatusError, InputData, ModelTrainer, Session, SourceCode, image_uris, storage

SCRIPT_DIR = ROOT / "helpers" / "train_scripts" / "sklearn_logreg"
METRICS = [{"Name": "validation:auc", "Regex": r"validation:auc=([0-9.]+)"},
           {"Name": "train:auc", "Regex": r"train:auc=([0-9.]+)"}]
# What SageMaker's scikit-learn container has besides the standard library.
CONTAINER_PACKAGES = {"joblib", "numpy", "pandas", "sklearn"}


def load_module(name: str):
    spec = importlib.util.spec_from_file_location(f"sklearn_logreg_{name}", SCRIPT_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dataset(seed: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)) * [1.0, 50.0, 0.01]  # different scales: the script standardises
    y = (x @ np.array([1.2, -0.02, 80.0]) + rng.normal(size=rows) > 0.5).astype(int)
    return x, y


def write_channel(folder: Path, x: np.ndarray, y: np.ndarray, name: str = "part.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / name, np.column_stack([y, x]), delimiter=",", fmt="%.8g")
    return folder


@pytest.fixture
def data(flywheel_home, tmp_path):
    x_train, y_train = dataset(1, 300)
    x_val, y_val = dataset(2, 120)
    session = Session(region="us-east-1")
    uris = {}
    for name, (x, y) in {"train": (x_train, y_train), "validation": (x_val, y_val)}.items():
        uris[name] = session.upload_data(write_channel(tmp_path / name, x, y), key_prefix=f"scripts/{name}")
    return {"uris": uris, "train": (x_train, y_train), "validation": (x_val, y_val), "tmp": tmp_path}


def trainer(**hyperparameters) -> ModelTrainer:
    return ModelTrainer(
        training_image=image_uris.retrieve("sklearn", "us-east-1", version="1.2-1"),
        source_code=SourceCode(source_dir=str(SCRIPT_DIR), entry_script="train.py"),
        hyperparameters=hyperparameters, base_job_name="logreg-test",
    ).with_metric_definitions(METRICS)


def channels(uris: dict) -> list[InputData]:
    return [InputData(channel_name=name, data_source=uri, content_type="text/csv") for name, uri in uris.items()]


def unpack_model(job, folder: Path):
    archive = storage.s3_to_path(job.describe()["ModelArtifacts"]["S3ModelArtifacts"])
    folder.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def test_script_runs_as_a_job_and_reports_what_sklearn_computes(data):
    job_trainer = trainer(C=0.5, max_iter=300)
    job_trainer.train(input_data_config=channels(data["uris"]), logs=False)
    described = job_trainer.latest_training_job.describe()
    assert described["TrainingJobStatus"] == "Completed"
    assert described["HyperParameters"] == {"C": "0.5", "max_iter": "300"}

    # The same model fitted here, independently of the script.
    (x, y), (x_val, y_val) = data["train"], data["validation"]
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=300)).fit(x, y)
    expected_auc = roc_auc_score(y_val, reference.predict_proba(x_val)[:, 1])
    final = {m["MetricName"]: m["Value"] for m in described["FinalMetricDataList"]}
    assert final["validation:auc"] == pytest.approx(expected_auc, abs=5e-5)  # logged with 4 decimals
    assert final["train:auc"] == pytest.approx(roc_auc_score(y, reference.predict_proba(x)[:, 1]), abs=5e-5)

    # The artifact holds the fitted pipeline, which inference.py serves.
    model_dir = unpack_model(job_trainer.latest_training_job, data["tmp"] / "model")
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.joblib"]
    inference = load_module("inference")
    model = inference.model_fn(str(model_dir))
    scores = inference.predict_fn(x_val, model)
    np.testing.assert_allclose(scores, reference.predict_proba(x_val)[:, 1])


def test_hyperparameters_reach_the_model_as_typed_arguments(data):
    job_trainer = trainer(C=0.01, max_iter=50, class_weight="balanced")
    job_trainer.train(input_data_config=channels({"train": data["uris"]["train"]}), logs=False)
    job = job_trainer.latest_training_job
    logistic = joblib.load(unpack_model(job, data["tmp"] / "model") / "model.joblib")[-1]
    assert (logistic.C, logistic.max_iter, logistic.class_weight) == (0.01, 50, "balanced")
    assert isinstance(logistic.C, float) and isinstance(logistic.max_iter, int)
    # Without a validation channel the script trains anyway and reports only the training metric.
    assert {m["MetricName"] for m in job.describe()["FinalMetricDataList"]} == {"train:auc"}


def test_a_header_row_fails_the_job_naming_file_and_row(data):
    bad = data["tmp"] / "bad"
    bad.mkdir()
    (bad / "with_header.csv").write_text("label,a,b,c\n1,0.5,0.2,0.1\n0,0.1,0.9,0.3\n")
    uri = Session(region="us-east-1").upload_data(bad, key_prefix="scripts/bad")
    job_trainer = trainer()
    with pytest.raises(FailedStatusError) as info:
        job_trainer.train(input_data_config=channels({"train": uri}), logs=False)
    reason = info.value.failure_reason
    assert reason.startswith("ValueError: Channel 'train', file 'with_header.csv', row 1: not a number")
    assert "ModelArtifacts" not in info.value.description


def test_an_empty_channel_and_a_bad_label_give_clear_errors(tmp_path):
    train = load_module("train")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="Channel 'train' is empty"):
        train.read_channel(str(tmp_path / "empty"), "train")
    with pytest.raises(ValueError, match="No 'validation' channel"):
        train.read_channel(None, "validation")
    x, _ = dataset(3, 10)
    write_channel(tmp_path / "labels", x, np.arange(10) % 3)
    with pytest.raises(ValueError, match="must be 0 or 1"):
        train.read_channel(str(tmp_path / "labels"), "train")


def test_script_runs_on_its_own_with_sagemaker_environment_variables(tmp_path):
    """What SageMaker's container does: set SM_* variables, run `python train.py --name value`."""
    x, y = dataset(4, 80)
    output = tmp_path / "opt" / "ml" / "output"
    env = {**os.environ, "SM_CHANNEL_TRAIN": str(write_channel(tmp_path / "train", x, y)),
           "SM_MODEL_DIR": str(tmp_path / "model"), "SM_OUTPUT_DIR": str(output)}
    env.pop("SM_CHANNEL_VALIDATION", None)
    done = subprocess.run([sys.executable, str(SCRIPT_DIR / "train.py"), "--C", "2.0", "--max_iter", "100"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "train: 80 rows, 3 features" in done.stdout
    assert joblib.load(tmp_path / "model" / "model.joblib")[-1].C == 2.0

    # A failure writes SageMaker's failure file and exits non-zero.
    env["SM_CHANNEL_TRAIN"] = str(tmp_path / "missing")
    (tmp_path / "missing").mkdir()
    failed = subprocess.run([sys.executable, str(SCRIPT_DIR / "train.py")], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode != 0
    assert (output / "failure").read_text() == "ValueError: Channel 'train' is empty: upload at least one CSV file."


@pytest.mark.parametrize("name", ["train", "inference"])
def test_scripts_need_only_what_the_sagemaker_container_has(name):
    tree = ast.parse((SCRIPT_DIR / f"{name}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party <= CONTAINER_PACKAGES, f"{name}.py imports {third_party - CONTAINER_PACKAGES}"


def test_inference_handlers_parse_predict_and_answer(tmp_path):
    inference = load_module("inference")
    x, y = dataset(5, 60)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    fitted = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    joblib.dump(fitted, model_dir / "model.joblib")
    model = inference.model_fn(str(model_dir))

    rows = x[:2]
    from_csv = inference.input_fn("\n".join(",".join(repr(float(v)) for v in row) for row in rows).encode(), "text/csv")
    from_json = inference.input_fn(json.dumps({"instances": rows.tolist()}), "application/json")
    from_list = inference.input_fn(json.dumps(rows[0].tolist()), "application/json; charset=utf-8")
    np.testing.assert_allclose(from_csv, rows)
    np.testing.assert_allclose(from_json, rows)
    np.testing.assert_allclose(from_list, rows[:1])

    scores = inference.predict_fn(from_csv, model)
    np.testing.assert_allclose(scores, fitted.predict_proba(rows)[:, 1])
    body, content_type = inference.output_fn(scores, "application/json")
    assert content_type == "application/json"
    assert json.loads(body) == {"predictions": [{"score": float(s), "predicted_label": int(s >= 0.5)} for s in scores]}
    body, content_type = inference.output_fn(scores, "text/csv")
    assert content_type == "text/csv" and len(body.splitlines()) == 2
    np.testing.assert_allclose([float(v) for v in body.splitlines()], scores, rtol=1e-5)

    with pytest.raises(ValueError, match="needs 3 features"):
        inference.predict_fn(x[:1, :2], model)
    with pytest.raises(ValueError, match="Unsupported content type"):
        inference.input_fn(b"1,2,3", "application/x-npy")
    with pytest.raises(ValueError, match="not rows of numbers"):
        inference.input_fn(b"a,b,c", "text/csv")
    with pytest.raises(ValueError, match="NaN"):
        inference.input_fn(b"1,nan,3", "text/csv")
    with pytest.raises(ValueError, match="Unsupported accept"):
        inference.output_fn(scores, "application/xml")
