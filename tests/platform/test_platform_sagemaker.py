"""The sagemaker backend: the same calls go through the real SDK v3; moto stands in for AWS.

moto completes CreateTrainingJob at once and keeps the request, so DescribeTrainingJob shows exactly
what the SDK sent: image, hyperparameters (strings), S3 channels, output path. No network.
"""

from __future__ import annotations

import json

import pytest

from aws_support import mock_aws_account
from helpers.platform import backend, use_backend

LINEAR_LEARNER = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.fixture
def aws(tmp_path, monkeypatch, flywheel_home):
    """A fake AWS account (``aws_support.mock_aws_account``); the backend is chosen by each test."""
    with mock_aws_account(tmp_path, monkeypatch) as account:
        yield account


def capture_create_training_job(session) -> list[dict]:
    """Record the parameters of every CreateTrainingJob call made through the SDK session."""
    sent: list[dict] = []
    session.boto_session.events.register(
        "provide-client-params.sagemaker.CreateTrainingJob", lambda params, **_: sent.append(dict(params)))
    return sent


def test_same_calls_send_the_create_training_job_request(aws, monkeypatch):
    from helpers.platform import Compute, InputData, ModelTrainer, OutputDataConfig, Session, image_uris

    monkeypatch.setenv("FLYWHEEL_BACKEND", "sagemaker")  # the one setting a learner changes
    session = Session()
    assert type(session).__module__ == "sagemaker.core.helper.session_helper"
    bucket = session.default_bucket()
    assert bucket == "sagemaker-us-east-1-123456789012"  # moto's account
    data = aws["dir"] / "train.csv"
    data.write_text("1,0.5,2,3\n0,1.5,3,1\n")
    train_uri = session.upload_data(str(data), key_prefix="churn/train")
    assert train_uri == f"s3://{bucket}/churn/train/train.csv"
    sent = capture_create_training_job(session)

    trainer = ModelTrainer(
        training_image=image_uris.retrieve("linear-learner", "us-east-1"), role=aws["role"],
        hyperparameters={"predictor_type": "binary_classifier", "feature_dim": 3, "mini_batch_size": 2,
                         "normalize_data": True},
        compute=Compute(instance_type="ml.m5.large", instance_count=1), base_job_name="churn-ll",
        output_data_config=OutputDataConfig(s3_output_path=f"s3://{bucket}/churn/models"), sagemaker_session=session)
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=train_uri, content_type="text/csv")],
                  wait=True, logs=False)

    job = trainer.latest_training_job
    assert job is trainer._latest_training_job
    assert len(sent) == 1
    request = sent[0]
    assert request["TrainingJobName"] == job.training_job_name
    assert request["TrainingJobName"].startswith("churn-ll-")
    assert request["AlgorithmSpecification"]["TrainingImage"] == LINEAR_LEARNER
    assert request["HyperParameters"] == {"predictor_type": "binary_classifier", "feature_dim": "3",
                                          "mini_batch_size": "2", "normalize_data": "true"}
    channel = request["InputDataConfig"][0]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == train_uri
    assert channel["DataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    assert request["OutputDataConfig"]["S3OutputPath"] == f"s3://{bucket}/churn/models"
    assert request["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert request["RoleArn"] == aws["role"]
    described = job.describe()  # DescribeTrainingJob, as moto answers it
    assert described["ModelArtifacts"]["S3ModelArtifacts"] == \
        f"s3://{bucket}/churn/models/{request['TrainingJobName']}/output/model.tar.gz"
    assert job.training_job_status == "Completed"  # the SDK resource's attributes pass through


def test_script_mode_request_carries_the_code_and_metric_definitions(aws):
    from helpers.platform import InputData, MetricDefinition, ModelTrainer, Session, SourceCode, use_backend

    use_backend("sagemaker")
    session = Session()
    (aws["dir"] / "src").mkdir()
    (aws["dir"] / "src" / "train.py").write_text("print('hello')\n")
    (aws["dir"] / "train.csv").write_text("1,2\n")
    train_uri = session.upload_data(str(aws["dir"] / "train.csv"), key_prefix="script/train")
    sent = capture_create_training_job(session)
    trainer = ModelTrainer(training_image=SKLEARN, role=aws["role"], hyperparameters={"alpha": 0.1, "depth": 3},
                           sagemaker_session=session,
                           source_code=SourceCode(source_dir=str(aws["dir"] / "src"), entry_script="train.py"),
                           base_job_name="script").with_metric_definitions(
        [MetricDefinition(name="validation:rmse", regex="rmse=([0-9.]+)")])
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=train_uri)], wait=False, logs=False)
    (request,) = sent
    assert request["AlgorithmSpecification"]["TrainingImage"] == SKLEARN
    assert request["AlgorithmSpecification"]["MetricDefinitions"] == [{"Name": "validation:rmse",
                                                                        "Regex": "rmse=([0-9.]+)"}]
    assert request["HyperParameters"] == {"alpha": "0.1", "depth": "3"}
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in request["InputDataConfig"]}
    assert channels["train"] == train_uri
    assert {"code", "sm_drivers"} <= set(channels)  # the SDK uploaded our source_dir and its drivers
    code_prefix = channels["code"].split("/", 3)[3]
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=channels["code"].split("/")[2],
                                                         Prefix=code_prefix)["Contents"]]
    assert any(key.endswith("train.py") for key in keys)


def test_bad_hyperparameters_fail_before_anything_is_sent(aws, monkeypatch, tmp_path):
    from helpers.platform import InputData, ModelTrainer, builtins, use_backend

    plugin = tmp_path / "strictalgo.py"
    plugin.write_text(
        "from helpers.algorithms.errors import HyperparameterError\n"
        "class Strict:\n"
        "    required_channels = frozenset({'train'})\n"
        "    def validate_hyperparameters(self, hps):\n"
        "        if set(hps) != {'k'}:\n"
        "            raise HyperparameterError('Hyperparameter k is required (an integer >= 1).')\n"
        "        return hps\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(builtins.ENV, "strict=strictalgo:Strict")
    use_backend("sagemaker")
    trainer = ModelTrainer(training_image="strict", role=aws["role"], hyperparameters={"kk": 3})
    from helpers.algorithms.errors import HyperparameterError

    with pytest.raises(HyperparameterError, match="k is required"):
        trainer.train(input_data_config=[InputData(channel_name="train", data_source="s3://b/k")], wait=False)
    assert aws["sagemaker"].list_training_jobs()["TrainingJobSummaries"] == []


@pytest.mark.parametrize("channels, words", [
    ([("train", "s3://b/t"), ("extra", "s3://b/e")], "does not read the channel\\(s\\) 'extra'"),
    ([("validation", "s3://b/v")], "needs the channel\\(s\\) 'train' but got 'validation'"),
    ([("train data", "s3://b/t")], "Invalid channel name 'train data'"),
    ([("train", None)], "Channel 'train' has no data_source"),
])
def test_channels_are_checked_by_the_same_rules_as_locally(aws, channels, words):
    """Both backends run helpers.platform.validation, so a bad channel fails the same way, before any request."""
    from helpers.platform import InputData, ModelTrainer, InputDataError

    use_backend("sagemaker")
    trainer = ModelTrainer(training_image="linear-learner", role=aws["role"],
                           hyperparameters={"predictor_type": "regressor", "feature_dim": 1})
    with pytest.raises(InputDataError, match=words):
        trainer.train(input_data_config=[InputData(channel_name=n, data_source=d) for n, d in channels], wait=False)
    assert aws["sagemaker"].list_training_jobs()["TrainingJobSummaries"] == []
    use_backend("local")
    local = ModelTrainer(training_image="linear-learner", hyperparameters={"predictor_type": "regressor", "feature_dim": 1})
    with pytest.raises(InputDataError, match=words):
        local.train(input_data_config=[InputData(channel_name=n, data_source=d) for n, d in channels], dry_run=True)


def test_listing_and_describing_go_to_sagemaker(aws):
    from helpers.platform import (InputData, ModelTrainer, Session, describe_training_job, list_training_jobs,
                                  use_backend)

    use_backend("sagemaker")
    (aws["dir"] / "t.csv").write_text("1,2\n")
    uri = Session().upload_data(str(aws["dir"] / "t.csv"), key_prefix="x")
    # The bare algorithm name (fine locally) becomes the real ECR image for SageMaker.
    trainer = ModelTrainer(training_image="linear-learner", role=aws["role"], base_job_name="listed",
                           hyperparameters={"predictor_type": "regressor", "feature_dim": 1})
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri)], wait=False)
    name = trainer.latest_training_job.name
    assert [s["TrainingJobName"] for s in list_training_jobs()] == [name]
    described = describe_training_job(name)
    assert described["TrainingJobName"] == name
    assert described["AlgorithmSpecification"]["TrainingImage"] == LINEAR_LEARNER
    use_backend("local")
    assert list_training_jobs() == []  # the local store knows nothing of it


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="choose one of local, sagemaker"):
        use_backend("azure")


# ------------------------------------------------------------------------------------- one table of twins

def test_every_twin_in_the_table_resolves_on_both_sides():
    pytest.importorskip("sagemaker")
    assert backend.TWINS
    for local, twin in backend.TWINS.items():
        local_object = backend.load(local)
        # the local side defers to the table: a Twin class or a dispatching function, keyed by its own name
        assert (getattr(local_object, "_twin_key", None) == local if isinstance(local_object, type)
                else getattr(local_object, "__wrapped__", None) is not None), local
        assert callable(backend.load(twin)), twin


def test_a_class_with_a_twin_missing_from_the_table_is_refused():
    with pytest.raises(TypeError, match="not in helpers.platform.backend.TWINS"):
        type("Unlisted", (backend.Twin,), {"__module__": "helpers.platform.nowhere"})
    with pytest.raises(TypeError, match="not in helpers.platform.backend.TWINS"):
        backend.dispatches(lambda: None)


def test_listing_tuning_jobs_asks_sagemaker_not_the_local_store(aws):
    from helpers.platform.tuning import records as tuning_records

    folder = tuning_records.folder("local-tuning")
    folder.mkdir(parents=True)
    (folder / "tuning.json").write_text(json.dumps({
        "HyperParameterTuningJobName": "local-tuning", "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": "2026-01-01T00:00:00+00:00", "HyperParameterTuningJobConfig": {},
        "FlywheelLocal": {"MonitorPid": None, "MonitorStarted": None, "TrainingJobSummaries": [], "Trials": {}}}))
    names = [s["HyperParameterTuningJobName"] for s in tuning_records.list_hyper_parameter_tuning_jobs()]
    assert names == ["local-tuning"]
    backend.choose("sagemaker")
    assert tuning_records.list_hyper_parameter_tuning_jobs() == []  # moto's account has none


LOCAL_RUN = r'''
import sys, pathlib
from helpers.platform import (HyperparameterTuner, InputData, IntegerParameter, ModelTrainer, Session, SourceCode,
                              list_training_jobs, use_backend)
use_backend("local")
src = pathlib.Path("src"); src.mkdir()
(src / "train.py").write_text("import os, pathlib; pathlib.Path(os.environ['SM_MODEL_DIR'], 'm').write_text('1')")
pathlib.Path("t.csv").write_text("1,2\n")
uri = Session().upload_data("t.csv", key_prefix="t")
trainer = ModelTrainer(training_image="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                       source_code=SourceCode(source_dir="src", entry_script="train.py"), base_job_name="tiny")
trainer.train(input_data_config=[InputData(channel_name="train", data_source=uri)], logs=False)
assert trainer.latest_training_job.describe()["TrainingJobStatus"] == "Completed"
assert len(list_training_jobs()) == 1
HyperparameterTuner(trainer.with_metric_definitions([{"Name": "m", "Regex": "m=(.*)"}]), "m", {"n": IntegerParameter(1, 2)})
aws = sorted(m for m in sys.modules if m.split(".")[0] in ("sagemaker", "boto3", "botocore")
             or m.startswith("helpers.platform.aws"))
assert aws == [], aws
'''


def test_the_local_training_path_imports_neither_the_sdk_nor_boto3(flywheel_home, tmp_path):
    """Training and tuning locally need no AWS library at all (the local *serving* path uses boto3 on
    purpose: invoking an endpoint goes through the sagemaker-runtime client learners use)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "FLYWHEEL_BACKEND": "local", "FLYWHEEL_HOME": str(flywheel_home)}
    subprocess.run([sys.executable, "-c", LOCAL_RUN], check=True, cwd=tmp_path, env=env, timeout=120)


def test_the_sdk_config_schema_is_checked_once_and_every_config_still_validated(monkeypatch):
    """aws_support.schema_checked_once: what makes the sagemaker-backend tests cheap must not let a bad
    config through, nor check the same schema twice."""
    import jsonschema

    from aws_support import schema_checked_once

    schema = {"type": "object", "properties": {"SchemaVersion": {"type": "string"}}}
    checks = []
    checker = jsonschema.validators.validator_for(schema)
    monkeypatch.setattr(checker, "check_schema", classmethod(lambda cls, s: checks.append(s)))
    validate = schema_checked_once(jsonschema.validate)
    validate({"SchemaVersion": "1.0"}, schema)
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'string'"):
        validate({"SchemaVersion": 1}, schema)
    assert checks == [schema]
