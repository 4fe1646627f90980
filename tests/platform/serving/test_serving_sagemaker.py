"""Serving on the sagemaker backend: the same ModelBuilder cells send CreateModel, CreateEndpointConfig,
CreateEndpoint, InvokeEndpoint and the Delete* calls to AWS; moto stands in for AWS.

moto keeps each Create* request, so Describe* shows exactly what was sent. No network.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from aws_support import mock_aws_account
from helpers.platform import backend

LINEAR_LEARNER = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ARTIFACT = "s3://flywheel-models/churn/output/model.tar.gz"
LOCAL_RUNTIME = "http://127.0.0.1:9"  # what the kit sets for the local backend: must not be used here


@pytest.fixture
def aws(tmp_path, monkeypatch, flywheel_home):
    """A fake AWS account (``aws_support.mock_aws_account``) with the sagemaker backend chosen."""
    with mock_aws_account(tmp_path, monkeypatch, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=LOCAL_RUNTIME) as account:
        backend._chosen = "sagemaker"  # as use_backend("sagemaker"), without touching the runtime env variable
        yield account


def nothing_created(client) -> bool:
    return (client.list_models()["Models"] == [] and client.list_endpoint_configs()["EndpointConfigs"] == []
            and client.list_endpoints()["Endpoints"] == [])


def test_deploy_a_model_trained_on_sagemaker_sends_the_three_create_requests(aws):
    from helpers.platform import (DataCaptureConfig, InputData, ModelBuilder, ModelTrainer, Session, image_uris,
                                  use_backend)

    use_backend("sagemaker")
    session = Session()
    (aws["dir"] / "train.csv").write_text("1,0.5,2,3\n0,1.5,3,1\n")
    train_uri = session.upload_data(str(aws["dir"] / "train.csv"), key_prefix="churn/train")
    trainer = ModelTrainer(training_image=image_uris.retrieve("linear-learner", "us-east-1"), role=aws["role"],
                           hyperparameters={"predictor_type": "binary_classifier", "feature_dim": 3},
                           base_job_name="churn-ll")
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=train_uri)], wait=True, logs=False)
    artifacts = trainer.latest_training_job.describe()["ModelArtifacts"]["S3ModelArtifacts"]
    capture_uri = f"s3://{session.default_bucket()}/churn/capture"

    builder = ModelBuilder(model=trainer)
    model = builder.build(model_name="churn-ll-model")
    endpoint = builder.deploy(endpoint_name="churn", instance_type="ml.m5.large", initial_instance_count=2,
                              data_capture_config=DataCaptureConfig(sampling_percentage=50,
                                                                    destination_s3_uri=capture_uri))

    client = aws["sagemaker"]
    sent_model = client.describe_model(ModelName="churn-ll-model")
    assert sent_model["PrimaryContainer"]["Image"] == LINEAR_LEARNER
    assert sent_model["PrimaryContainer"]["ModelDataUrl"] == artifacts == model.model_data_url
    assert sent_model["ExecutionRoleArn"] == aws["role"]  # the trainer's role
    config = client.describe_endpoint_config(EndpointConfigName="churn")
    (variant,) = config["ProductionVariants"]
    assert (variant["ModelName"], variant["InstanceType"], variant["InitialInstanceCount"], variant["VariantName"]) \
        == ("churn-ll-model", "ml.m5.large", 2, "AllTraffic")
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["InitialSamplingPercentage"] == 50
    assert capture["DestinationS3Uri"] == capture_uri
    assert [o["CaptureMode"] for o in capture["CaptureOptions"]] == ["Input", "Output"]
    described = client.describe_endpoint(EndpointName="churn")
    assert described["EndpointConfigName"] == "churn"
    assert endpoint.endpoint_status == "InService"
    assert endpoint.describe()["EndpointArn"] == described["EndpointArn"]

    # a training job's name is enough: its image, artifact and role are read back (DescribeTrainingJob)
    by_name = ModelBuilder(model=trainer.latest_training_job.name).build(model_name="by-name")
    sent = client.describe_model(ModelName="by-name")
    assert (sent["PrimaryContainer"]["Image"], sent["PrimaryContainer"]["ModelDataUrl"], sent["ExecutionRoleArn"]) \
        == (LINEAR_LEARNER, artifacts, aws["role"]) == (by_name.image, by_name.model_data_url, by_name.execution_role_arn)


def test_build_from_an_s3_uri_and_image_then_invoke_and_delete(aws):
    from helpers.platform import Endpoint, ModelBuilder, delete_endpoint, describe_endpoint, list_endpoints

    builder = ModelBuilder(model_path=ARTIFACT, image_uri=XGBOOST, role_arn=aws["role"],
                           env_vars={"SAGEMAKER_MODEL_SERVER_WORKERS": 2})
    endpoint = builder.deploy(endpoint_name="churn-xgb", instance_type="ml.c5.xlarge", variant_name="blue")
    client = aws["sagemaker"]
    model_name = builder.built_model.model_name
    container = client.describe_model(ModelName=model_name)["PrimaryContainer"]
    assert container == {"Image": XGBOOST, "ModelDataUrl": ARTIFACT,
                         "Environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "2"}}
    (variant,) = client.describe_endpoint_config(EndpointConfigName="churn-xgb")["ProductionVariants"]
    assert (variant["InstanceType"], variant["InitialInstanceCount"], variant["VariantName"]) == ("ml.c5.xlarge", 1, "blue")
    assert not client.describe_endpoint_config(EndpointConfigName="churn-xgb").get("DataCaptureConfig")  # moto: {}

    # invoke goes to AWS's SageMaker Runtime, not the local runtime URL in the environment
    from helpers.platform.aws.serving import runtime_client

    assert runtime_client().meta.endpoint_url == "https://runtime.sagemaker.us-east-1.amazonaws.com"
    from moto.sagemakerruntime.models import sagemakerruntime_backends

    # what "AWS" answers: moto's canned answer, set here so the pass-through of every field shows
    sagemakerruntime_backends["123456789012"]["us-east-1"].results_queue.append(
        ("0.93\n", "text/csv; charset=utf-8", "blue", "trace=1"))
    answer = endpoint.invoke(b"1,2,3", content_type="text/csv", accept="text/csv")
    assert answer.body.read() == b"0.93\n"
    assert (answer.content_type, answer.invoked_production_variant, answer.custom_attributes) == \
        ("text/csv; charset=utf-8", "blue", "trace=1")
    sagemakerruntime_backends["123456789012"]["us-east-1"].results_queue.append(
        ("0.25\n0.75\n", "text/csv", "blue", None))
    assert Endpoint("churn-xgb").predict([[1, 2, 3], [4, 5, 6]]).tolist() == [0.25, 0.75]  # parsed by content type

    # the same names reach the AWS endpoint on this backend
    assert type(Endpoint("churn-xgb")).__name__ == "RemoteEndpoint"
    assert describe_endpoint("churn-xgb")["EndpointStatus"] == "InService"
    assert [e["EndpointName"] for e in list_endpoints()] == ["churn-xgb"]

    delete_endpoint("churn-xgb")  # endpoint, config and model: nothing left billed
    assert nothing_created(client)


def test_endpoint_delete_removes_endpoint_config_and_model(aws):
    from helpers.platform import ModelBuilder

    endpoint = ModelBuilder(model=ARTIFACT, image_uri="linear-learner", role_arn=aws["role"]).deploy(
        endpoint_name="ll", instance_type="ml.m5.large")
    client = aws["sagemaker"]
    # a bare built-in name is turned into its ECR image for the region
    (model,) = client.list_models()["Models"]
    assert client.describe_model(ModelName=model["ModelName"])["PrimaryContainer"]["Image"] == LINEAR_LEARNER
    endpoint.delete()
    assert nothing_created(client)


@pytest.mark.parametrize("builder_args, deploy_args, message", [
    ({}, {"instance_type": "ml.m5.large"}, "no execution role"),
    ({"role_arn": "FlywheelRole"}, {"instance_type": "ml.m5.large"}, "not an IAM role ARN"),
    ({"role_arn": "ROLE"}, {"instance_type": "m5.large"}, "not a SageMaker instance type.*ml.m5.large"),
    ({"role_arn": "ROLE"}, {}, "no instance_type"),
    ({"role_arn": "ROLE"}, {"instance_type": "ml.m5.large", "initial_instance_count": 0}, "whole number"),
    ({"role_arn": "ROLE"}, {"instance_type": "ml.m5.large", "endpoint_name": "bad_name"}, "not valid"),
    ({"role_arn": "ROLE", "model_path": "/tmp/model.tar.gz"}, {"instance_type": "ml.m5.large"}, "local path"),
    ({"role_arn": "ROLE", "image_uri": None}, {"instance_type": "ml.m5.large"}, "no inference image"),
])
def test_bad_arguments_fail_before_any_request(aws, builder_args, deploy_args, message):
    from helpers.platform import ModelBuilder

    args = {"model": ARTIFACT, "image_uri": XGBOOST, **builder_args}
    if args.get("role_arn") == "ROLE":
        args["role_arn"] = aws["role"]
    if "model_path" in args:
        args.pop("model")
    with pytest.raises(ValueError, match=message):
        ModelBuilder(**args).deploy(**deploy_args)
    assert nothing_created(aws["sagemaker"])


def test_script_mode_is_refused_with_the_alternative(aws):
    from helpers.platform import ModelBuilder, SourceCode

    builder = ModelBuilder(model=ARTIFACT, image_uri=XGBOOST, role_arn=aws["role"],
                           source_code=SourceCode(source_dir=str(aws["dir"]), entry_script="inference.py"))
    with pytest.raises(NotImplementedError, match="script mode"):
        builder.deploy(instance_type="ml.m5.large")
    assert nothing_created(aws["sagemaker"])


def test_the_local_serving_path_never_imports_the_sdk():
    code = ("import sys, helpers.platform as p; from helpers.platform.serving import model_builder, endpoint; "
            "assert 'sagemaker' not in sys.modules and not any(m.startswith('helpers.platform.aws') for m in sys.modules), "
            "sorted(m for m in sys.modules if 'sagemaker' in m)")
    subprocess.run([sys.executable, "-c", code], check=True, env={"FLYWHEEL_BACKEND": "local", "PATH": ""})
