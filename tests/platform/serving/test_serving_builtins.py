"""Every built-in algorithm served through its own handlers, and a training job deployed end to end."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from helpers import algorithms
from helpers.platform import InputData, ModelTrainer, Session, image_uris
from helpers.platform.errors import FailedStatusError
from helpers.platform.serving import Endpoint, EndpointConfig, ModelBuilder, ProductionVariant
from helpers.platform.serving.resources import Model
from serving_support import FEATURE_DIM, make_classification

# algorithm -> (hyperparameters, label in the training CSV?, check of one answer for one row)
BUILTINS = {
    "linear-learner": ({"predictor_type": "binary_classifier", "feature_dim": "4", "epochs": "3"}, True,
                       lambda a: set(a["predictions"][0]) == {"score", "predicted_label"}),
    "xgboost": ({"num_round": "5", "objective": "binary:logistic"}, True,
                lambda a: 0.0 <= float(np.ravel(a)[0]) <= 1.0),
    "kmeans": ({"k": "3", "feature_dim": "4"}, False,
               lambda a: set(a["predictions"][0]) == {"closest_cluster", "distance_to_cluster"}),
    "pca": ({"feature_dim": "4", "num_components": "2", "mini_batch_size": "100"}, False,
            lambda a: len(a["projections"][0]["projection"]) == 2),
    "knn": ({"feature_dim": "4", "k": "5", "predictor_type": "classifier", "sample_size": "200"}, True,
            lambda a: a["predictions"][0]["predicted_label"] in (0, 1, 0.0, 1.0)),
}


def available(name: str) -> bool:
    module = algorithms._REGISTRY[name].split(":")[0]
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def all_builtins(home, tmp_path_factory):
    """One endpoint with every available built-in as a variant (one server, one start-up)."""
    features, labels = make_classification(300, seed=3)
    variants = []
    for name, (hyperparameters, supervised, _) in BUILTINS.items():
        if not available(name):
            continue
        folder = tmp_path_factory.mktemp(name)
        (folder / "train").mkdir()
        table = np.column_stack([labels, features]) if supervised else features
        np.savetxt(folder / "train" / "train.csv", table, delimiter=",", fmt="%.6g")
        algorithms.get(name).train({"train": folder / "train"}, hyperparameters, folder / "model", log=lambda _: None)
        image = image_uris.retrieve(name, "us-east-1", version="1.7-1" if name == "xgboost" else None)
        model = ModelBuilder(model_path=str(folder / "model"), image_uri=image).build(model_name=f"{name}-model")
        variants.append(ProductionVariant(variant_name=name, model_name=model.model_name))
    EndpointConfig.create(endpoint_config_name="builtins", production_variants=variants)
    return Endpoint.create(endpoint_name="builtins", endpoint_config_name="builtins")


@pytest.mark.parametrize("name", list(BUILTINS))
def test_each_builtin_answers_through_its_handlers(all_builtins, name):
    if not available(name):
        pytest.skip(f"helpers.algorithms has no {name} yet")
    _, _, check = BUILTINS[name]
    answer = all_builtins.invoke(b"0.1,-0.2,0.3,0.4", content_type="text/csv", target_variant=name)
    assert answer.invoked_production_variant == name
    body = answer.body.read()
    parsed = json.loads(body) if answer.content_type == "application/json" else np.array(body.split(), dtype=float)
    assert check(parsed), parsed
    with pytest.raises(Exception) as caught:  # every built-in checks the feature count
        all_builtins.invoke(b"1,2,3", content_type="text/csv", target_variant=name)
    assert caught.value.response["OriginalStatusCode"] == 400


@pytest.mark.parametrize("name", ["linear-learner", "kmeans", "pca", "knn"])
def test_recordio_protobuf_requests_and_answers_pass_through_the_endpoint(all_builtins, name):
    """Issue 21 item 1: Content-Type and Accept application/x-recordio-protobuf reach the container and back."""
    import io

    from helpers.platform.recordio import read_records, write_numpy_to_dense_tensor

    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, np.array([[0.1, -0.2, 0.3, 0.4], [1.0, 0.5, -0.5, 0.0]], dtype=np.float32))
    protobuf = "application/x-recordio-protobuf"
    answer = all_builtins.invoke(buffer.getvalue(), content_type=protobuf, accept=protobuf, target_variant=name)
    assert answer.content_type == protobuf
    records = read_records(io.BytesIO(answer.body.read()))
    as_json = json.loads(all_builtins.invoke(buffer.getvalue(), content_type=protobuf, accept="application/json",
                                             target_variant=name).body.read())
    expected = next(iter(as_json.values()))
    assert [sorted(r.label) for r in records] == [sorted(e) for e in expected]


@pytest.fixture(scope="module")
def trainer(home, tmp_path_factory):
    features, labels = make_classification(200, seed=4)
    path = tmp_path_factory.mktemp("job-data") / "train.csv"
    np.savetxt(path, np.column_stack([labels, features]), delimiter=",", fmt="%.6g")
    session = Session()
    uri = session.upload_data(str(path), key_prefix="builtins/train")
    trainer = ModelTrainer(training_image=image_uris.retrieve("linear-learner", "us-east-1"),
                           hyperparameters={"predictor_type": "binary_classifier", "feature_dim": FEATURE_DIM,
                                            "epochs": 2},
                           base_job_name="serving-ll")
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri, content_type="text/csv")], wait=True, logs=False)
    return trainer


def test_a_training_job_deploys_with_its_recorded_checksum(trainer):
    job = trainer.latest_training_job.describe()
    model = ModelBuilder(model=trainer).build(model_name="from-trainer")
    local = model.describe()["Local"]
    assert local["Algorithm"] == "linear-learner" and local["TrainingJobName"] == job["TrainingJobName"]
    assert local["Sha256"] == job["ModelArtifacts"]["Sha256"] and local["Sha256Source"] == "training job"
    assert model.primary_container["ModelDataUrl"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    # the same job by name, and by its artifact URI, resolve to the same record
    by_name = ModelBuilder(model=job["TrainingJobName"]).build(model_name="by-name").describe()["Local"]
    by_uri = ModelBuilder(model_path=job["ModelArtifacts"]["S3ModelArtifacts"]).build(model_name="by-uri").describe()["Local"]
    assert by_name["Sha256"] == by_uri["Sha256"] == local["Sha256"] and by_uri["Algorithm"] == "linear-learner"
    endpoint = ModelBuilder(model=trainer).deploy(endpoint_name="from-job")
    answer = endpoint.predict(make_classification(3, seed=9)[0])
    assert len(answer["predictions"]) == 3


def test_an_artifact_changed_after_training_is_refused(trainer):
    from helpers.platform import storage

    job = trainer.latest_training_job.describe()
    ModelBuilder(model=trainer).build(model_name="to-tamper")
    path = storage.s3_to_path(job["ModelArtifacts"]["S3ModelArtifacts"])
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\0")
        with pytest.raises(FailedStatusError, match="sha256"):
            ModelBuilder(model=trainer).deploy(endpoint_name="tampered-job")
    finally:
        path.write_bytes(original)
    assert Endpoint("tampered-job").endpoint_status == "Failed"


def test_builder_errors_name_the_fix(home):
    with pytest.raises(ValueError, match="no training job named 'nope'"):
        ModelBuilder(model="nope").build()
    with pytest.raises(ValueError, match="nothing to build"):
        ModelBuilder().build()
    with pytest.raises(TypeError, match="fitted model with a .predict"):
        ModelBuilder(model=42).build()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ModelBuilder(model_path="/no/such/model").build()
    with pytest.raises(ValueError, match="Could not find model"):
        Model.get("never-built")


def test_batch_transform_of_xgboost_writes_one_line_per_record(all_builtins):
    from helpers.platform import storage
    from helpers.platform.serving import Transformer

    if not available("xgboost"):
        pytest.skip("helpers.algorithms has no xgboost yet")
    features, _ = make_classification(50, seed=11)
    storage.put_bytes("s3://builtins-batch/in/rows.csv",
                      ("\n".join(",".join(map(str, row)) for row in features) + "\n").encode())
    Transformer(model_name="xgboost-model", strategy="MultiRecord", assemble_with="Line", accept="text/csv",
                output_path="s3://builtins-batch/out").transform(
        "s3://builtins-batch/in", content_type="text/csv", split_type="Line", logs=False)
    lines = storage.get_bytes("s3://builtins-batch/out/rows.csv.out").decode().splitlines()
    assert len(lines) == 50  # SAGEMAKER_BATCH: one score per line, not one comma-joined line
    assert all(0.0 <= float(line) <= 1.0 for line in lines)
