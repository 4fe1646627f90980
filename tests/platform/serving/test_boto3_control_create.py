"""Plain ``boto3.client("sagemaker")`` creates on the local backend: CreateTrainingJob and
CreateTransformJob run the kit's built-in / batch transform in a detached worker (InProgress ->
Completed, boto3's waiters work), CreateModel / CreateEndpointConfig / CreateEndpoint make the resources
the kit's classes make, UpdateEndpoint is blue/green, and bad requests get SageMaker's
ValidationException naming the field. The module trains one tiny XGBoost job (its channel and output
given as https S3 URLs, as SageMaker accepts), makes one model of it and serves it on one endpoint.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from botocore.exceptions import WaiterError

from helpers.platform import backend, jobs, storage
from helpers.platform.serving import processes, runtime
from helpers.platform_home import endpoints_root, transform_jobs_root, tuning_jobs_root
from serving_support import error_of, module_store

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROLE = "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole"
FAST = {"Delay": 1, "MaxAttempts": 60}  # boto3's waiters poll every 30-60 s on AWS


def request(name: str, **changes) -> dict:
    """A CreateTrainingJob request as a boto3 notebook writes it (https URLs, as the abalone example)."""
    values = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "HyperParameters": {"num_round": "3", "max_depth": "2", "objective": "reg:squarederror"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "https://s3-us-east-1.amazonaws.com/create/train",
            "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": "https://create.s3.us-east-1.amazonaws.com/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    values.update(changes)
    return values


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A client made before the router runs; one job created, its first status read at once."""
    import boto3

    from helpers.platform import use_backend

    with module_store(tmp_path_factory, "boto3-create"):
        runtime.use_local_runtime()
        sm = boto3.client("sagemaker")
        try:
            use_backend("local")
            rng = np.random.default_rng(0)
            x = rng.uniform(0, 1, (60, 2))
            rows = np.column_stack([3 * x[:, 0] + x[:, 1], x])
            storage.put_bytes("s3://create/train/train.csv",
                              "\n".join(",".join(f"{v:.4f}" for v in row) for row in rows).encode())
            answer = sm.create_training_job(**request("boto3-made-job"))
            first = sm.describe_training_job(TrainingJobName="boto3-made-job")["TrainingJobStatus"]
            yield {"sagemaker": sm, "runtime": boto3.client("sagemaker-runtime"), "answer": answer,
                   "first": first}
        finally:
            from botocore.exceptions import ClientError

            for job in sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]:
                try:  # a failed test leaves no worker training on
                    sm.stop_training_job(TrainingJobName=job["TrainingJobName"])
                except ClientError:
                    pass  # ended meanwhile
            backend._chosen = None


def test_a_created_job_moves_from_in_progress_to_completed_and_the_waiter_sees_it(made):
    sm = made["sagemaker"]
    assert made["answer"]["TrainingJobArn"].endswith(":training-job/boto3-made-job")
    assert made["first"] == "InProgress"
    sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="boto3-made-job", WaiterConfig=FAST)
    view = sm.describe_training_job(TrainingJobName="boto3-made-job")
    assert view["TrainingJobStatus"] == "Completed", view.get("FailureReason")
    # the https URLs are read as the s3:// URIs they name
    assert view["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://create/train"
    assert view["ModelArtifacts"]["S3ModelArtifacts"] == "s3://create/output/boto3-made-job/output/model.tar.gz"
    assert view["AlgorithmSpecification"]["TrainingImage"] == IMAGE and view["RoleArn"] == ROLE


def test_the_job_is_watched_by_its_own_worker_not_by_the_router_which_reaps_it(made):
    import psutil

    from helpers.platform.serving import processes

    made["sagemaker"].get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName="boto3-made-job", WaiterConfig=FAST)
    worker = json.loads((jobs.job_dir("boto3-made-job") / "job.json").read_text())[jobs.PRIVATE]["MonitorPid"]
    assert worker != runtime.runtime_state()["Pid"]  # the job outlives a router that stops
    # once the worker has ended, the router reaps it: no zombie that would look like a live watcher
    assert processes.wait_until(lambda: not psutil.pid_exists(worker), 5)


@pytest.fixture(scope="module")
def model(made) -> str:
    """The trained job's model, made with CreateModel (its artifact given as an https URL)."""
    sm = made["sagemaker"]
    sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="boto3-made-job", WaiterConfig=FAST)
    data = sm.describe_training_job(TrainingJobName="boto3-made-job")["ModelArtifacts"]["S3ModelArtifacts"]
    https = data.replace("s3://create/", "https://create.s3.us-east-1.amazonaws.com/")
    answer = sm.create_model(ModelName="boto3-model", ExecutionRoleArn=ROLE,
                             PrimaryContainer={"Image": IMAGE, "ModelDataUrl": https})
    assert answer["ModelArn"].endswith(":model/boto3-model")
    return "boto3-model"


def variant_config(sm, name: str, variant: str, model_name: str) -> None:
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": variant, "ModelName": model_name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large",
        "InitialVariantWeight": 1}])


def served_by(invoker, endpoint: str = "boto3-ep") -> str:
    """The variant that answered an invocation through the router (so: which configuration serves)."""
    answer = invoker.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"1.0,0.0\n0.0,0.0")
    predictions = [float(v) for v in answer["Body"].read().decode().replace("\n", ",").strip(",").split(",")]
    assert len(predictions) == 2 and predictions[0] > predictions[1]  # y = 3 x0 + x1
    return answer["InvokedProductionVariant"]


def no_staged_folder() -> bool:
    return not [path for path in endpoints_root().iterdir() if path.name.startswith(".")]


@pytest.fixture(scope="module")
def endpoint(made, model) -> str:
    """Endpoint boto3-ep on boto3-config (variant Blue), made with CreateEndpoint and in service."""
    sm = made["sagemaker"]
    variant_config(sm, "boto3-config", "Blue", model)
    created = sm.create_endpoint(EndpointName="boto3-ep", EndpointConfigName="boto3-config")
    assert created["EndpointArn"].endswith(":endpoint/boto3-ep")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="boto3-ep", WaiterConfig=FAST)
    return "boto3-ep"


def test_update_endpoint_is_blue_green_the_old_config_serves_until_the_new_one_does(made, model, endpoint):
    sm, invoker = made["sagemaker"], made["runtime"]
    assert served_by(invoker) == "Blue"
    variant_config(sm, "boto3-config-2", "Green", model)
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName="boto3-config-2")
    view = sm.describe_endpoint(EndpointName=endpoint)
    assert view["EndpointStatus"] == "Updating"  # not Creating: the endpoint exists and serves
    assert view["EndpointConfigName"] == "boto3-config"
    assert view["PendingDeploymentSummary"]["EndpointConfigName"] == "boto3-config-2"
    busy = error_of(lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName="boto3-config"))
    assert busy["Code"] == "ValidationException" and "Cannot update in-progress endpoint" in busy["Message"]
    answered = 0  # a few invocations while it is Updating (more would only take the cores the update needs)
    while answered < 3 and sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Updating":
        if served_by(invoker) != "Blue":  # the new configuration answers only once the update is over
            assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"
            break
        answered += 1  # by the old configuration, meanwhile
    assert answered > 0
    sm.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)
    view = sm.describe_endpoint(EndpointName=endpoint)
    assert view["EndpointConfigName"] == "boto3-config-2" and "PendingDeploymentSummary" not in view
    assert "FailureReason" not in view and served_by(invoker) == "Green"
    # the old servers are stopped and their folder removed; the new ones keep serving from theirs (the next
    # test invokes them), though they started in the folder the old ones were moved to
    assert processes.wait_until(no_staged_folder, 10)
    again = error_of(lambda: sm.create_endpoint(EndpointName=endpoint, EndpointConfigName="boto3-config"))
    assert again["Code"] == "ValidationException" and "Cannot create already existing endpoint" in again["Message"]


def test_a_failed_update_leaves_the_old_config_serving_in_service_with_the_reason(made, model, endpoint):
    sm, invoker = made["sagemaker"], made["runtime"]
    before = sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    artifact = sm.describe_model(ModelName=model)["PrimaryContainer"]["ModelDataUrl"]
    storage.put_bytes("s3://create/broken/model.tar.gz", storage.get_bytes(artifact))
    sm.create_model(ModelName="boto3-broken", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://create/broken/model.tar.gz"})
    storage.put_bytes("s3://create/broken/model.tar.gz", b"not the artifact CreateModel recorded")
    variant_config(sm, "boto3-config-broken", "Broken", "boto3-broken")
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName="boto3-config-broken")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)  # InService, as on AWS
    view = sm.describe_endpoint(EndpointName=endpoint)
    assert view["EndpointStatus"] == "InService" and view["EndpointConfigName"] == before
    assert "sha256" in view["FailureReason"].lower() or "checksum" in view["FailureReason"].lower(), view
    assert served_by(invoker) != "Broken"
    assert "ArtifactError" in (endpoints_root() / endpoint / "update-server.log").read_text()  # the new server's log
    assert no_staged_folder()  # the new servers were removed before the FailureReason was written


@pytest.mark.parametrize("endpoint_name, config, words", [
    ("no-such-ep", "boto3-config", "no-such-ep"),
    ("boto3-ep", "no-such-config", "no-such-config"),
    ("bad_name", "boto3-config", "Value 'bad_name' at 'endpointName' failed to satisfy constraint"),
])
def test_bad_update_requests_get_a_validation_exception_naming_the_field(made, endpoint, endpoint_name, config,
                                                                          words):
    refused = error_of(lambda: made["sagemaker"].update_endpoint(EndpointName=endpoint_name,
                                                                 EndpointConfigName=config))
    assert refused["Code"] == "ValidationException" and words in refused["Message"]


def test_an_update_whose_worker_died_reports_the_old_config_in_service(made, endpoint):
    sm = made["sagemaker"]
    folder = endpoints_root() / endpoint
    (folder / "update.json").write_text(json.dumps({"EndpointConfigName": "boto3-config", "Pid": 2 ** 22 + 1,
                                                    "PidCreateTime": 1.0}))
    try:
        view = sm.describe_endpoint(EndpointName=endpoint)
    finally:
        (folder / "update.json").unlink()
    assert view["EndpointStatus"] == "InService"
    assert "stopped before the new configuration served" in view["FailureReason"]


def test_zz_two_updates_at_once_start_one_and_delete_endpoint_during_it_stops_every_server(made, model, endpoint):
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    from helpers.platform.serving.registry import running_resources

    sm = made["sagemaker"]
    variant_config(sm, "boto3-config-3", "Third", model)

    def update():
        try:
            return sm.update_endpoint(EndpointName=endpoint, EndpointConfigName="boto3-config-3")["EndpointArn"]
        except ClientError as error:
            return error.response["Error"]["Message"]

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(lambda _: update(), range(2)))
    assert answers[0].startswith('Cannot update in-progress endpoint "arn:') and answers[1].startswith("arn:"), answers
    sm.delete_endpoint(EndpointName=endpoint)
    assert sm.list_endpoints()["Endpoints"] == []
    assert processes.wait_until(lambda: no_staged_folder() and {r.kind for r in running_resources()} <= {"router"},
                                15), running_resources()


@pytest.mark.parametrize("changes, words", [
    ({"TrainingJobName": "bad_name"}, "Value 'bad_name' at 'trainingJobName' failed to satisfy constraint"),
    ({"RoleArn": "arn:aws:iam::local:role/x"}, "at 'roleArn' failed to satisfy constraint"),
    ({"AlgorithmSpecification": {"TrainingImage": "123.dkr.ecr.us-east-1.amazonaws.com/mine:1",
                                 "TrainingInputMode": "File"}}, "is not a built-in algorithm image"),
    ({"InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://create/nothing-here"}}}]}, "no data under s3://create/nothing-here"),
    ({"TrainingJobName": "boto3-made-job"}, "a training job with this name already exists"),
])
def test_bad_create_requests_get_sagemakers_validation_exception(made, changes, words):
    name = changes.get("TrainingJobName", "boto3-refused")
    refused = error_of(lambda: made["sagemaker"].create_training_job(**request(name, **changes)))
    assert refused["Code"] == "ValidationException"
    assert words in refused["Message"]
    if name == "boto3-refused":  # nothing was created
        assert not jobs.job_dir(name).exists()


def test_refused_hyperparameters_make_a_job_that_fails_as_on_sagemaker(made):
    """SageMaker creates the job and its container fails it: Failed, "ClientError: ..." (here within a moment,
    by the job's worker: boto3's waiter sees it end, as on AWS)."""
    sm = made["sagemaker"]
    sm.create_training_job(**request("boto3-bad-hp", HyperParameters={"num_round": "3", "max_dpth": "2"}))
    with pytest.raises(WaiterError, match="Failed"):  # boto3's waiter gives up on a Failed job, as on AWS
        sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="boto3-bad-hp", WaiterConfig=FAST)
    view = sm.describe_training_job(TrainingJobName="boto3-bad-hp")
    assert view["TrainingJobStatus"] == "Failed" and view["FailureReason"].startswith("ClientError:")
    assert "max_dpth" in view["FailureReason"]


@pytest.mark.parametrize("url, uri", [
    ("https://s3-us-west-2.amazonaws.com/my-bucket/abalone/train", "s3://my-bucket/abalone/train"),
    ("https://s3.us-west-2.amazonaws.com/my-bucket/out", "s3://my-bucket/out"),
    ("https://my-bucket.s3.us-west-2.amazonaws.com/a%20b/c", "s3://my-bucket/a b/c"),
    ("https://s3-us-west-2.amazonaws.com/my-bucket", "s3://my-bucket/"),
    ("s3://my-bucket/x", "s3://my-bucket/x"),
])
def test_https_s3_urls_are_read_as_the_s3_uri_they_name(url, uri):
    assert storage.s3_uri_of(url) == uri


def test_an_https_url_that_is_not_s3_is_refused_naming_the_forms():
    with pytest.raises(ValueError, match=r"https://<bucket>\.s3\.<region>\.amazonaws\.com/<key>"):
        storage.s3_uri_of("https://example.com/my-bucket/x")


def test_the_kits_model_trainer_takes_https_s3_urls_too(made):
    from helpers.platform import InputData, ModelTrainer, OutputDataConfig

    trainer = ModelTrainer(training_image=IMAGE, hyperparameters={"num_round": "2"},
                           output_data_config=OutputDataConfig(
                               s3_output_path="https://s3.us-east-1.amazonaws.com/create/kit-output"))
    assert trainer.output_data_config.s3_output_path == "s3://create/kit-output"
    https = InputData(channel_name="train", data_source="https://create.s3.amazonaws.com/train",
                      content_type="text/csv")
    assert trainer.train([https], dry_run=True) is None  # the channel is found: no InputDataError


def test_sts_get_caller_identity_is_answered_locally(made):
    import boto3

    sts = boto3.client("sts")
    assert sts.get_caller_identity()["Account"] == backend.LOCAL_ACCOUNT_ID
    refused = error_of(lambda: sts.get_session_token())
    assert refused["Code"] == "InvalidAction" and "GetCallerIdentity only" in refused["Message"]


def test_stop_training_job_stops_a_created_job_as_on_sagemaker(made):
    sm = made["sagemaker"]
    sm.create_training_job(**request("boto3-stopped", HyperParameters={"num_round": "1000000", "max_depth": "6"}))
    assert sm.stop_training_job(TrainingJobName="boto3-stopped")["ResponseMetadata"]["HTTPStatusCode"] == 200
    sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="boto3-stopped", WaiterConfig=FAST)
    view = sm.describe_training_job(TrainingJobName="boto3-stopped")
    assert view["TrainingJobStatus"] == "Stopped" and "ModelArtifacts" not in view


def test_bad_model_and_config_requests_create_nothing(made):
    sm = made["sagemaker"]
    missing = error_of(lambda: sm.create_endpoint_config(EndpointConfigName="boto3-orphan", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "no-such-model", "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large"}]))
    assert missing["Code"] == "ValidationException" and "no-such-model" in missing["Message"]
    no_data = error_of(lambda: sm.create_model(ModelName="boto3-no-data", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": "s3://create/nothing/model.tar.gz"}))
    assert no_data["Code"] == "ValidationException" and "s3://create/nothing/model.tar.gz" in no_data["Message"]
    unknown = error_of(lambda: sm.create_endpoint(EndpointName="boto3-nothing", EndpointConfigName="no-such-config"))
    assert unknown["Code"] == "ValidationException" and "no-such-config" in unknown["Message"]
    names = {m["ModelName"] for m in sm.list_models()["Models"]}
    assert "boto3-no-data" not in names and not sm.list_endpoint_configs(NameContains="orphan")["EndpointConfigs"]


def transform_request(name: str, **changes) -> dict:
    """A CreateTransformJob request as a boto3 notebook writes it (the batch-transform examples)."""
    values = {
        "TransformJobName": name, "ModelName": "boto3-model", "BatchStrategy": "MultiRecord",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://create/batch"}},
                           "ContentType": "text/csv", "SplitType": "Line"},
        "TransformOutput": {"S3OutputPath": "https://create.s3.us-east-1.amazonaws.com/batch-out",
                            "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
    }
    values.update(changes)
    return values


def test_create_transform_job_runs_the_kits_batch_transform_and_the_waiter_sees_it(made, model):
    sm = made["sagemaker"]
    storage.put_bytes("s3://create/batch/rows.csv", b"1.0,0.0\n0.0,0.0\n")
    answer = sm.create_transform_job(**transform_request("boto3-batch"))
    assert answer["TransformJobArn"].endswith(":transform-job/boto3-batch")
    sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="boto3-batch", WaiterConfig=FAST)
    view = sm.describe_transform_job(TransformJobName="boto3-batch")
    assert view["TransformJobStatus"] == "Completed", view.get("FailureReason")
    assert view["ModelName"] == model and view["TransformOutput"]["S3OutputPath"] == "s3://create/batch-out"
    lines = storage.get_bytes("s3://create/batch-out/rows.csv.out").decode().split()
    assert len(lines) == 2 and float(lines[0]) > float(lines[1])  # y = 3 x0 + x1, one answer per line
    assert [j["TransformJobName"] for j in sm.list_transform_jobs()["TransformJobSummaries"]] == ["boto3-batch"]
    done = error_of(lambda: sm.stop_transform_job(TransformJobName="boto3-batch"))
    assert done["Code"] == "ValidationException" and "status Completed" in done["Message"]


@pytest.mark.parametrize("changes, words", [
    ({"TransformJobName": "bad_name"}, "Value 'bad_name' at 'transformJobName' failed to satisfy constraint"),
    ({"ModelName": "no-such-model"}, "no-such-model"),
    ({"TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://create/batch"}},
                         "SplitType": "TFRecord"}}, "at 'transformInput.splitType' is not one the local platform"),
    ({"BatchStrategy": "Everything"}, "at 'batchStrategy'"),
    ({"DataProcessing": {"InputFilter": "$.features"}}, "DataProcessing.InputFilter: filter '$.features'"),
])
def test_bad_transform_requests_get_a_validation_exception_naming_the_field(made, model, changes, words):
    name = changes.get("TransformJobName", "boto3-refused-batch")
    refused = error_of(lambda: made["sagemaker"].create_transform_job(**transform_request(name, **changes)))
    assert refused["Code"] == "ValidationException" and words in refused["Message"]
    assert not (transform_jobs_root() / name).exists()  # nothing was created


def test_a_transform_job_with_no_input_is_created_and_fails_as_on_sagemaker(made, model):
    sm = made["sagemaker"]
    source = {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://create/nothing-here"}}}
    sm.create_transform_job(**transform_request("boto3-empty-batch", TransformInput=source))
    with pytest.raises(WaiterError, match="Failed"):
        sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="boto3-empty-batch",
                                                                  WaiterConfig=FAST)
    view = sm.describe_transform_job(TransformJobName="boto3-empty-batch")
    assert view["FailureReason"].startswith("ClientError:") and "s3://create/nothing-here" in view["FailureReason"]
    again = error_of(lambda: sm.create_transform_job(**transform_request("boto3-empty-batch")))
    assert again["Code"] == "ValidationException" and "already exists" in again["Message"]


def test_stop_transform_job_stops_a_created_job(made, model):
    sm = made["sagemaker"]
    storage.put_bytes("s3://create/long-batch/rows.csv", b"1.0,0.0\n" * 5000)
    sm.create_transform_job(**transform_request("boto3-stopped-batch", BatchStrategy="SingleRecord", TransformInput={
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://create/long-batch"}},
        "ContentType": "text/csv", "SplitType": "Line"}))
    sm.stop_transform_job(TransformJobName="boto3-stopped-batch")
    sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="boto3-stopped-batch",
                                                              WaiterConfig=FAST)
    view = sm.describe_transform_job(TransformJobName="boto3-stopped-batch")
    assert view["TransformJobStatus"] == "Stopped" and "FailureReason" not in view


def tuning_request(name: str, config: dict | None = None, **changes) -> dict:
    """A CreateHyperParameterTuningJob request for the built-in XGBoost, as the boto3 HPO examples write it."""
    channels = [{"ChannelName": channel, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://create/train", "S3DataDistributionType": "FullyReplicated"}}}
        for channel in ("train", "validation")]
    values = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random", "RandomSeed": 1,
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:rmse"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {"IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "3"}],
                                "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}]},
            **(config or {})},
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"num_round": "3", "objective": "reg:squarederror"},
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE, "InputDataConfig": channels,
            "OutputDataConfig": {"S3OutputPath": "s3://create/tuning-output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 600}},
    }
    values.update(changes)
    return values


def tuning_status(sm, name: str) -> dict:
    """DescribeHyperParameterTuningJob once the job has ended (boto3 has no waiter for it: notebooks poll)."""
    assert processes.wait_until(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)[
        "HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"), 120)
    return sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)


def test_create_tuning_job_runs_the_kits_tuner_on_a_built_in_image(made):
    sm = made["sagemaker"]
    answer = sm.create_hyper_parameter_tuning_job(**tuning_request("boto3-tuning"))
    assert answer["HyperParameterTuningJobArn"].endswith(":hyper-parameter-tuning-job/boto3-tuning")
    view = tuning_status(sm, "boto3-tuning")
    assert view["HyperParameterTuningJobStatus"] == "Completed", view.get("FailureReason")
    assert view["TrainingJobStatusCounters"]["Completed"] == 2
    best = view["BestTrainingJob"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == "validation:rmse"
    assert 1 <= int(best["TunedHyperParameters"]["max_depth"]) <= 3
    trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="boto3-tuning")
    assert len(trials["TrainingJobSummaries"]) == 2
    static = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])["HyperParameters"]
    assert static["num_round"] == "3" and static["objective"] == "reg:squarederror"
    again = error_of(lambda: sm.create_hyper_parameter_tuning_job(**tuning_request("boto3-tuning")))
    assert again["Code"] == "ResourceInUse" and "already exists" in again["Message"]
    done = error_of(lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="boto3-tuning"))
    assert done["Code"] == "ValidationException" and "status Completed" in done["Message"]


def _set(path: str, value):
    """An edit of a tuning request: the value at ``path`` ("A.B.C") replaced, or removed when ``value`` is None."""
    def edit(request: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            request = request[key]
        if value is None:
            del request[last]
        else:
            request[last] = value
    return edit


@pytest.mark.parametrize("edit, words", [
    (_set("HyperParameterTuningJobName", "bad_name"),
     "Value 'bad_name' at 'hyperParameterTuningJobName' failed to satisfy constraint"),
    (_set("Autotune", {"Mode": "Enabled"}), "Autotune is not supported"),
    (_set("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName", "validation:nope"),
     "validation:nope"),
    (_set("HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges",
          [{"Name": "max_depth", "MinValue": "5", "MaxValue": "2"}]), "IntegerParameterRanges 'max_depth'"),
    (_set("HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges",
          [{"Name": "max_dpth", "MinValue": "1", "MaxValue": "2"}]), "max_dpth"),
    (_set("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective", None), "HyperParameterTuningJobObjective"),
    (_set("TrainingJobDefinition.StaticHyperParameters.num_rund", "3"), "Did you mean 'num_round'?"),
    # no validation channel for the objective: the kit's tuner refuses it in the worker, before the job exists
    (lambda request: request["TrainingJobDefinition"]["InputDataConfig"].pop(), "validation"),
])
def test_bad_tuning_requests_get_a_validation_exception_naming_the_field(made, edit, words):
    request = tuning_request("boto3-refused-tuning")
    edit(request)
    refused = error_of(lambda: made["sagemaker"].create_hyper_parameter_tuning_job(**request))
    assert refused["Code"] == "ValidationException" and words in refused["Message"], refused
    assert not list(tuning_jobs_root().glob("*refused*"))  # nothing was created, no spool left


def test_stop_tuning_job_stops_a_created_job(made):
    sm = made["sagemaker"]
    sm.create_hyper_parameter_tuning_job(**tuning_request("boto3-stopped-tuning", {
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 50, "MaxParallelTrainingJobs": 1}}))
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="boto3-stopped-tuning")
    view = tuning_status(sm, "boto3-stopped-tuning")
    assert view["HyperParameterTuningJobStatus"] == "Stopped", view.get("FailureReason")
    assert sum(view["TrainingJobStatusCounters"].values()) < 50


@pytest.mark.parametrize("native", [True, False])
def test_exchange_swaps_two_folders_with_or_without_the_systems_call(tmp_path, monkeypatch, native):
    import ctypes

    from helpers.platform_home import exchange_folders

    if not native:  # a C library with neither renameat2 nor renamex_np: three renames
        monkeypatch.setattr(ctypes, "CDLL", lambda *args, **kwargs: object())
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "name").write_text(folder.name)
    exchange_folders(first, second)
    assert (first / "name").read_text() == "second" and (second / "name").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first", "second"]
