"""Plain ``boto3.client("sagemaker")`` (and ``sagemaker-runtime``) on the local backend: the router answers
SageMaker's describe/list/delete/stop calls from the local records, with AWS's error codes.

The clients are created in the fixture's first lines, before the router runs and before anything is
deployed, as a notebook's first cell does. One tuning job (one tiny script-mode trial) and one
deployed script model give the module real records to read.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from helpers.platform import backend, storage
from helpers.platform.serving import runtime
from serving_support import error_of, module_store, script_score, write_script_model

SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
TRAIN_PY = """
import os
print("score=0.5", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("1")
"""


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """Clients made first; then use_backend("local"), a one-trial tuning job and a deployed endpoint."""
    import boto3

    from helpers.platform import (ContinuousParameter, HyperparameterTuner, InputData, ModelTrainer, Session,
                                  SourceCode, use_backend)
    from helpers.platform.serving import ModelBuilder
    from helpers.platform.serving.transform import Transformer

    with module_store(tmp_path_factory, "boto3-control") as folder:
        runtime.use_local_runtime()  # the variables only, as before any deploy
        sagemaker, invoker = boto3.client("sagemaker"), boto3.client("sagemaker-runtime")
        try:
            use_backend("local")
            (folder / "src").mkdir()
            (folder / "src" / "train.py").write_text(textwrap.dedent(TRAIN_PY))
            (folder / "train.csv").write_text("1,2\n")
            data = Session().upload_data(str(folder / "train.csv"), key_prefix="control/train")
            trainer = ModelTrainer(training_image=SKLEARN_IMAGE, base_job_name="control",
                                   source_code=SourceCode(source_dir=str(folder / "src"), entry_script="train.py"),
                                   ).with_metric_definitions([{"Name": "score", "Regex": r"score=([0-9.]+)"}])
            tuner = HyperparameterTuner(trainer, "score", {"x": ContinuousParameter(0, 1)}, max_jobs=1)
            tuner.tune(inputs=[InputData(channel_name="train", data_source=data)], job_name="control-tuning")
            model_dir, code_dir = write_script_model(folder / "model")
            builder = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
                source_dir=str(code_dir), entry_script="inference.py"))
            builder.build(model_name="control-model")
            builder.deploy(endpoint_name="control-ep")
            storage.put_bytes("s3://control/batch/rows.csv", b"1,2,3,4\n0,0,0,1\n")
            Transformer(model_name="control-model", output_path="s3://control/batch-out").transform(
                "s3://control/batch/", content_type="text/csv", split_type="Line", job_name="control-transform",
                logs=False)
            yield {"sagemaker": sagemaker, "runtime": invoker, "tuning": "control-tuning",
                   "transform": "control-transform"}
        finally:
            backend._chosen = None


def test_a_runtime_client_made_before_the_first_deploy_invokes_it(local):
    answer = local["runtime"].invoke_endpoint(EndpointName="control-ep", Body=b"1,2,3,4", ContentType="text/csv",
                                              Accept="text/csv")
    assert float(answer["Body"].read()) == pytest.approx(script_score([1, 2, 3, 4]))


def test_training_jobs_are_described_and_listed(local):
    sm = local["sagemaker"]
    listed = sm.list_training_jobs()["TrainingJobSummaries"]
    assert len(listed) == 1 and listed[0]["TrainingJobStatus"] == "Completed"
    name = listed[0]["TrainingJobName"]
    described = sm.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobArn"] == listed[0]["TrainingJobArn"]
    assert described["CreationTime"].tzinfo is not None  # botocore parsed a timestamp
    assert sm.list_training_jobs(NameContains="nothing-like-it")["TrainingJobSummaries"] == []
    assert error_of(lambda: sm.describe_training_job(TrainingJobName="no-such-job"))["Code"] == "ValidationException"
    stop = error_of(lambda: sm.stop_training_job(TrainingJobName=name))
    assert stop["Code"] == "ValidationException" and "status Completed" in stop["Message"]


def test_tuning_jobs_and_their_trials(local):
    sm = local["sagemaker"]
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=local["tuning"])
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    summaries = sm.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    assert [s["HyperParameterTuningJobName"] for s in summaries] == [local["tuning"]]
    trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=local["tuning"])
    assert [t["TrainingJobName"] for t in trials["TrainingJobSummaries"]] == \
        [s["TrainingJobName"] for s in sm.list_training_jobs()["TrainingJobSummaries"]]
    missing = error_of(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="no-such"))
    assert missing["Code"] == "ResourceNotFound"  # SageMaker's code for this one call


def test_models_configs_and_endpoints_are_described_listed_and_paged(local):
    sm = local["sagemaker"]
    endpoint = sm.describe_endpoint(EndpointName="control-ep")
    assert endpoint["EndpointStatus"] == "InService"
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = config["ProductionVariants"][0]["ModelName"]
    assert sm.describe_model(ModelName=model)["PrimaryContainer"]["Image"]
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == [model]
    assert [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]] == \
        [endpoint["EndpointConfigName"]]
    assert [e["EndpointName"] for e in sm.list_endpoints(StatusEquals="InService")["Endpoints"]] == ["control-ep"]
    pages = list(sm.get_paginator("list_endpoints").paginate(PaginationConfig={"PageSize": 1}))
    assert [e["EndpointName"] for page in pages for e in page["Endpoints"]] == ["control-ep"]
    for call in (lambda: sm.describe_endpoint(EndpointName="no-such-ep"),
                 lambda: sm.describe_model(ModelName="no-such-model"),
                 lambda: sm.describe_endpoint_config(EndpointConfigName="no-such-config"),
                 lambda: sm.describe_transform_job(TransformJobName="no-such-job"),
                 lambda: sm.delete_endpoint(EndpointName="no-such-ep")):
        assert error_of(call)["Code"] == "ValidationException"


def test_transform_jobs_are_described_and_listed(local):
    sm = local["sagemaker"]
    described = sm.describe_transform_job(TransformJobName=local["transform"])
    assert described["TransformJobStatus"] == "Completed" and described["ModelName"] == "control-model"
    listed = sm.list_transform_jobs(StatusEquals="Completed")["TransformJobSummaries"]
    assert [j["TransformJobName"] for j in listed] == [local["transform"]]


def test_an_operation_the_kit_does_not_implement_is_named_with_what_to_use(local):
    sm = local["sagemaker"]
    refused = error_of(lambda: sm.create_notebook_instance(
        NotebookInstanceName="made-by-boto3", InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole"))
    assert refused["Code"] == "ValidationException"
    assert "SageMaker.CreateNotebookInstance is not implemented by the local platform" in refused["Message"]
    assert "CreateTransformJob" in refused["Message"]  # the calls it does answer are listed


def test_a_client_without_the_secret_gets_403_on_the_control_plane(local):
    import boto3

    stranger = boto3.client("sagemaker", endpoint_url=runtime.runtime_state()["Url"])  # the port, not the secret
    for call in (lambda: stranger.list_endpoints(), lambda: stranger.delete_endpoint(EndpointName="control-ep"),
                 lambda: stranger.describe_training_job(TrainingJobName="x")):
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert local["sagemaker"].describe_endpoint(EndpointName="control-ep")["EndpointStatus"] == "InService"


def test_zz_delete_endpoint_config_and_model_through_boto3(local):
    """Last in the module: it removes what the others read."""
    sm = local["sagemaker"]
    config = sm.describe_endpoint(EndpointName="control-ep")["EndpointConfigName"]
    model = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]["ModelName"]
    started = time.monotonic()
    sm.delete_endpoint(EndpointName="control-ep")  # the router stops a server the test process started
    assert time.monotonic() - started < 5  # not the 15 s of waiting for its parent to reap it
    sm.delete_endpoint_config(EndpointConfigName=config)
    sm.delete_model(ModelName=model)
    assert sm.list_endpoints()["Endpoints"] == [] and sm.list_models()["Models"] == []
    assert error_of(lambda: sm.describe_endpoint(EndpointName="control-ep"))["Code"] == "ValidationException"
    assert runtime.runtime_state() is not None  # no endpoint left, yet the router stays for this process
