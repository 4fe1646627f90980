"""SDK v2's Estimator on the kit (helpers.platform.v2): v1/v2 arguments, fit's input forms, deploy and
predict, batch transform, attach, and the errors a v2 notebook gets for bad input. One tiny linear-learner
job is trained for the module (CSV, 3 features); the other cases fail before any job starts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from serving_support import module_store

ROWS, FEATURES = 120, 3
LL_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
HYPERPARAMETERS = dict(feature_dim=FEATURES, predictor_type="binary_classifier", epochs=2)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with module_store(tmp_path_factory, "v2-estimator-home") as folder:
        yield folder


@pytest.fixture(scope="module")
def data(home):
    """Features (ROWS, FEATURES), labels, and the s3 prefixes of the CSV training set and of a batch."""
    from helpers.platform.v2 import Session

    rng = np.random.default_rng(0)
    features = rng.normal(size=(ROWS, FEATURES))
    labels = (features[:, 0] - features[:, 1] > 0).astype(int)
    np.savetxt(home / "train.csv", np.column_stack([labels, features]), delimiter=",", fmt="%.5f")
    np.savetxt(home / "batch.csv", features[:10], delimiter=",", fmt="%.5f")
    session = Session()
    train = session.upload_data(str(home / "train.csv"), key_prefix="v2/train").rsplit("/", 1)[0]
    batch = session.upload_data(str(home / "batch.csv"), key_prefix="v2/batch").rsplit("/", 1)[0]
    return dict(features=features, labels=labels, train=train, batch=batch, session=session)


def v1_estimator(session, **extra):
    """An Estimator made with SDK v1's argument names, as v1 notebooks do."""
    from helpers.platform.v2.estimator import Estimator

    return Estimator(image_name=LL_IMAGE, role="arn:aws:iam::000000000000:role/r", train_instance_count=1,
                     train_instance_type="ml.m5.large", train_volume_size=5, train_max_run=600,
                     sagemaker_session=session, **extra)


@pytest.fixture(scope="module")
def trained(data):
    """(estimator, its construction warnings): a v1-style Estimator fitted on a TrainingInput channel."""
    from helpers.platform.v2.inputs import TrainingInput

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = v1_estimator(data["session"])
    estimator.set_hyperparameters(**HYPERPARAMETERS)
    estimator.fit({"train": TrainingInput(data["train"], content_type="text/csv")}, wait=False)
    estimator.latest_training_job.wait(logs="None")  # SDK v2's way to wait for a job started with wait=False
    return estimator, [str(w.message) for w in caught if w.category is DeprecationWarning]


def test_v1_argument_names_warn_with_their_v2_names_and_the_job_gets_them(trained):
    estimator, deprecations = trained
    for v1, v2 in (("image_name", "image_uri"), ("train_instance_count", "instance_count"),
                   ("train_instance_type", "instance_type"), ("train_volume_size", "volume_size"),
                   ("train_max_run", "max_run")):
        assert any(f"{v1}=" in message and f"use {v2}=" in message for message in deprecations), (v1, deprecations)
    job = estimator.latest_training_job
    assert job.name == job.job_name
    described = job.describe()
    assert described["TrainingJobStatus"] == "Completed"
    assert described["ResourceConfig"] == {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5}
    assert described["StoppingCondition"]["MaxRuntimeInSeconds"] == 600
    # SDK v2's plain Estimator sends str(value) for each hyperparameter
    assert described["HyperParameters"] == {"feature_dim": "3", "predictor_type": "binary_classifier", "epochs": "2"}
    assert described["InputDataConfig"][0]["ContentType"] == "text/csv"
    assert estimator.model_data == described["ModelArtifacts"]["S3ModelArtifacts"]
    assert estimator.hyperparameters() == HYPERPARAMETERS



def test_create_model_describes_the_training_job_once(trained, monkeypatch):
    """model_data is a DescribeTrainingJob (an API call on AWS): create_model reads it once."""
    estimator, _ = trained
    job = estimator.latest_training_job
    calls = []
    real_describe = job.describe
    monkeypatch.setattr(job, "describe", lambda: calls.append(1) or real_describe())
    model = estimator.create_model()
    assert len(calls) == 1
    assert model.model_data == real_describe()["ModelArtifacts"]["S3ModelArtifacts"]

def test_fit_takes_v2s_input_forms(data):
    from helpers.platform import InputData
    from helpers.platform.v2.inputs import TrainingInput, s3_input

    estimator = v1_estimator(data["session"])
    uri = data["train"]
    assert estimator._channels(uri) == [InputData(channel_name="training", data_source=uri)]
    assert estimator._channels({"train": uri, "test": TrainingInput(uri, content_type="text/csv")}) == [
        InputData(channel_name="train", data_source=uri),
        InputData(channel_name="test", data_source=uri, content_type="text/csv")]
    with pytest.warns(DeprecationWarning, match="TrainingInput"):
        old = s3_input(s3_data=uri, content_type="csv")
    assert old.config == {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri,
                                                          "S3DataDistributionType": "FullyReplicated"}},
                          "ContentType": "csv"}


def test_bad_inputs_are_refused_before_a_job_with_the_fix(data):
    from helpers.platform import InputDataError, IgnoredArgumentWarning, list_training_jobs
    from helpers.platform.v2.inputs import TrainingInput

    estimator = v1_estimator(data["session"])
    estimator.set_hyperparameters(**HYPERPARAMETERS)
    before = len(list_training_jobs())
    with pytest.raises(TypeError, match="dict of channel name"):
        estimator.fit(["s3://bucket/train"])
    with pytest.raises(InputDataError, match="train"):  # a bare URI is the 'training' channel: linear-learner needs 'train'
        estimator.fit(data["train"])
    with pytest.raises(ValueError, match="s3_data must be an s3:// URI"):
        TrainingInput("train.csv")
    with pytest.raises(InputDataError, match="manifest .* does not exist.*S3Prefix"):  # a folder named as a manifest
        estimator.fit({"train": TrainingInput(data["train"], s3_data_type="ManifestFile")})
    with pytest.raises(InputDataError, match="no data"):
        estimator.fit({"train": TrainingInput("s3://nothing-here/x", distribution="ShardedByS3Key")})
    assert len(list_training_jobs()) == before
    with pytest.raises(ValueError, match="instance_count and instance_type are required"):
        type(estimator)(LL_IMAGE, "role")
    with pytest.warns(IgnoredArgumentWarning, match="input_mode='Pipe'"):
        type(estimator)(LL_IMAGE, "role", instance_count=1, instance_type="ml.m5.large", input_mode="Pipe")
    with pytest.raises(TypeError, match="train_instance_typo"):
        type(estimator)(LL_IMAGE, "role", instance_count=1, instance_type="ml.m5.large", train_instance_typo=1)


def test_refused_hyperparameters_fail_the_job_as_on_sagemaker(data):
    from helpers.platform import FailedStatusError
    from helpers.platform.v2.inputs import TrainingInput

    estimator = v1_estimator(data["session"])
    estimator.set_hyperparameters(**{**HYPERPARAMETERS, "predictor_type": "binary_classifer"})
    with pytest.raises(FailedStatusError, match="predictor_type") as caught:
        estimator.fit({"train": TrainingInput(data["train"], content_type="text/csv")})
    assert caught.value.reason.startswith("ClientError:")
    assert estimator.latest_training_job.describe()["TrainingJobStatus"] == "Failed"
    with pytest.raises(FailedStatusError, match="predictor_type"):  # Session.wait_for_job says so too
        data["session"].wait_for_job(estimator.latest_training_job.name)
    with pytest.raises(ValueError, match="has no model yet"):
        estimator.model_data


def test_deploy_returns_a_predictor_that_round_trips_and_deletes(trained, data):
    from helpers.platform import list_endpoints
    from helpers.platform.v2.deserializers import JSONDeserializer
    from helpers.platform.v2.estimator import Estimator
    from helpers.platform.v2.predictor import Predictor
    from helpers.platform.v2.serializers import CSVSerializer

    estimator, _ = trained
    predictor = estimator.deploy(1, "ml.m5.large", serializer=CSVSerializer(), deserializer=JSONDeserializer(),
                                 endpoint_name="v2-estimator-ep")
    assert isinstance(predictor, Predictor) and predictor.endpoint_name == "v2-estimator-ep"
    answer = predictor.predict(data["features"][:20])
    predicted = np.array([row["predicted_label"] for row in answer["predictions"]])
    assert predicted.shape == (20,) and (predicted == data["labels"][:20]).mean() > 0.6
    predictor.delete_endpoint()
    assert "v2-estimator-ep" not in [e["EndpointName"] for e in list_endpoints()]
    attached = Estimator.attach(estimator.latest_training_job.name)
    assert attached.model_data == estimator.model_data and attached.instance_type == "ml.m5.large"
    with pytest.raises(ValueError, match="initial_instance_count and instance_type"):
        estimator.deploy()
    with pytest.raises(ValueError, match="call fit"):
        v1_estimator(data["session"]).deploy(1, "ml.m5.large")


def test_transformer_runs_a_batch_transform_with_v2s_returns(trained, data):
    from helpers.platform import storage
    from helpers.platform.v2.transformer import Transformer

    estimator, _ = trained
    transformer = estimator.transformer(1, "ml.m5.large", assemble_with="Line", accept="application/jsonlines")
    assert transformer.transform(data["batch"], content_type="text/csv", split_type="Line") is None
    job = transformer.latest_transform_job
    assert job.name == job.job_name == str(job) and job.describe()["TransformJobStatus"] == "Completed"
    lines = storage.get_bytes(f"{transformer.output_path}/batch.csv.out").decode().splitlines()
    assert len(lines) == 10 and all('"predicted_label"' in line for line in lines)
    again = Transformer.attach(job.name)
    assert (again.model_name, again.output_path, again.accept) == (transformer.model_name, transformer.output_path,
                                                                  "application/jsonlines")
    with pytest.raises(ValueError, match="split_type"):
        transformer.transform(data["batch"], content_type="text/csv", split_type="Lines")


def test_session_adds_v2s_job_members(trained, data, capsys):
    estimator, _ = trained
    session, name = data["session"], estimator.latest_training_job.name
    assert session.wait_for_job(name)["TrainingJobStatus"] == "Completed"
    assert session.describe_training_job(name)["TrainingJobName"] == name
    session.logs_for_job(name)
    log = capsys.readouterr().out
    assert "Completed" in log or "linear-learner" in log  # the job's log
    estimator.logs()
    assert capsys.readouterr().out == log
    assert session.default_bucket() == "sagemaker-us-east-1-000000000000"  # the kit's members, delegated


def test_training_job_analytics_gives_the_jobs_metrics(trained):
    from helpers.platform.v2.analytics import TrainingJobAnalytics

    name = trained[0].latest_training_job.name
    frame = TrainingJobAnalytics(name).dataframe()
    reported = trained[0].latest_training_job.describe()["FinalMetricDataList"]
    assert list(frame.columns) == ["timestamp", "metric_name", "value"]
    assert sorted(frame["metric_name"]) == sorted(m["MetricName"] for m in reported) and len(frame) > 0
    with pytest.raises(ValueError, match="no metric validation:nothing"):
        TrainingJobAnalytics(name, metric_names=["validation:nothing"]).dataframe()


def test_local_mode_notebooks_run_as_written(data):
    """SDK v2's local mode (LocalSession, instance_type="local", file:// inputs) is what the kit does anyway."""
    from helpers.platform import InputData
    from helpers.platform.v2 import LocalSession, Session
    from helpers.platform.v2.estimator import Estimator

    session = LocalSession()
    session.config = {"local": {"local_code": True}}
    assert isinstance(session, Session) and session.default_bucket() == data["session"].default_bucket()
    estimator = Estimator(LL_IMAGE, "role", instance_count=1, instance_type="local", sagemaker_session=session)
    assert estimator._channels({"train": "file://./data/train"}) == [
        InputData(channel_name="train", data_source="./data/train")]


def test_the_v2_layer_never_imports_the_sdk_on_the_local_backend(flywheel_home):
    """Every name of helpers.platform.v2 loads, and an estimator builds its trainer, without ``sagemaker``
    (importing the SDK takes seconds; only the aws layer may, on the sagemaker backend)."""
    import subprocess
    import sys

    code = ("import sys, helpers.platform.v2 as sm\n"
            "[getattr(sm, name) for name in sm.__all__]\n"
            "from helpers.platform.v2 import sklearn, pytorch, local, parameter\n"
            "[getattr(m, n) for m in (sklearn, pytorch, local, parameter) for n in m.__all__]\n"
            "sm.estimator.Estimator('linear-learner', 'r', instance_count=1, instance_type='ml.m5.large')._model_trainer()\n"
            "print(sorted(m for m in sys.modules if m == 'sagemaker' or m.startswith('sagemaker.')))\n")
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]"


def test_session_builds_an_a_b_endpoint_from_production_variants(trained, data):
    """SDK v2's A/B testing calls: create_model(container_def(...)) twice, one endpoint of two weighted variants."""
    from helpers.platform import describe_endpoint
    from helpers.platform.v2.deserializers import JSONDeserializer
    from helpers.platform.v2.predictor import Predictor
    from helpers.platform.v2.serializers import CSVSerializer
    from helpers.platform.v2.session import container_def, production_variant

    estimator, _ = trained
    session = data["session"]
    for name in ("v2-model-a", "v2-model-b"):
        assert session.create_model(name, "role", container_def(LL_IMAGE, estimator.model_data)) == name
    variants = [production_variant("v2-model-a", "ml.m5.large", 1, "A", 3),
                production_variant("v2-model-b", "ml.m5.large", 1, "B", 1)]
    assert session.endpoint_from_production_variants("v2-ab-ep", variants) == "v2-ab-ep"
    try:
        described = describe_endpoint("v2-ab-ep")
        assert sorted(v["VariantName"] for v in described["ProductionVariants"]) == ["A", "B"]
        predictor = Predictor("v2-ab-ep", serializer=CSVSerializer(), deserializer=JSONDeserializer())
        for variant in ("A", "B"):
            answer = predictor.predict(data["features"][:2], target_variant=variant)
            assert len(answer["predictions"]) == 2
    finally:
        session.delete_endpoint("v2-ab-ep")
    with pytest.raises(ValueError, match="inference pipeline"):
        session.create_model("v2-two", "role", [container_def(LL_IMAGE), container_def(LL_IMAGE)])


def test_logs_for_job_names_cloudwatch_on_the_sagemaker_backend(data, capsys):
    from helpers.platform import backend

    backend.choose("sagemaker")  # the conftest fixture restores the choice after the test
    data["session"].logs_for_job("some-job")
    assert "CloudWatch Logs" in capsys.readouterr().out
