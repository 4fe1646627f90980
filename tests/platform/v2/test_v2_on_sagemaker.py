"""SDK v2 code on the sagemaker backend: ``helpers.platform.v2`` sends the requests SageMaker expects.

The v2 layer is built on the kit's public names, so after ``use_backend("sagemaker")`` its calls go
through the kit's SageMaker twins to AWS; moto stands in for AWS (one fake account for the module).
Every request any boto3 client makes is recorded (``sent``) and checked against SageMaker's API
model by botocore. What moto cannot answer is stubbed at the client (the request still checked):
endpoint answers in bytes (moto's runtime gives a canned text), the best trial of a tuning job (moto
runs no trials), and the Stop calls (moto has none).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from aws_support import module_account, on_module_account  # noqa: F401  (the fixtures "account" and "aws")

pytest.importorskip("moto")

LINEAR_LEARNER = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
RECORDIO = "application/x-recordio-protobuf"


class Requests:
    """The AWS requests of one test, in order: ``(service, operation, parameters)``; ``answers`` holds
    stubbed answers by operation (first in, first out), for what moto cannot answer."""

    def __init__(self):
        self.calls: list[tuple[str, str, dict]] = []
        self.answers: dict[str, list[dict]] = {}

    def of(self, operation: str) -> list[dict]:
        return [params for _, name, params in self.calls if name == operation]

    def one(self, operation: str) -> dict:
        found = self.of(operation)
        assert len(found) == 1, f"{operation} sent {len(found)} times: {self.operations()}"
        return found[0]

    def operations(self) -> list[str]:
        return [name for _, name, _ in self.calls]

    def answer(self, operation: str, response: dict) -> None:
        self.answers.setdefault(operation, []).append(response)


@pytest.fixture
def sent(aws, monkeypatch):
    """Record every boto3 request of the test; botocore checks each against the service's API model
    (here for the stubbed ones, which skip botocore's own call)."""
    import botocore.client
    from botocore.validate import validate_parameters

    requests = Requests()
    original = botocore.client.BaseClient._make_api_call

    def record(client, operation, params):
        kept = json.loads(json.dumps({k: v for k, v in params.items() if k != "Body"}, default=str))
        if operation == "InvokeEndpoint":  # the request body, as bytes (S3 bodies may be files: left alone)
            body = params["Body"]
            kept["Body"] = body.encode() if isinstance(body, str) else bytes(body)
        requests.calls.append((client.meta.service_model.service_name, operation, kept))
        queued = requests.answers.get(operation)
        if queued:  # stubbed: the request must still be one SageMaker takes
            validate_parameters(params, client.meta.service_model.operation_model(operation).input_shape)
            return queued.pop(0)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return requests


def runtime_answer(body: bytes, content_type: str) -> dict:
    """InvokeEndpoint's answer as botocore parses it (moto's runtime answers text only)."""
    from botocore.response import StreamingBody

    return {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentType": content_type,
            "InvokedProductionVariant": "AllTraffic"}


def upload(aws, name: str, text: str, prefix: str) -> str:
    """``text`` as an object in the account's default bucket; its s3:// URI."""
    from helpers.platform.v2.session import Session

    path = aws["dir"] / name
    path.write_text(text)
    return Session().upload_data(str(path), key_prefix=prefix)


def linear_estimator(aws):
    """A v2 Estimator of the linear learner, its hyperparameters set as a notebook sets them."""
    from helpers.platform.v2.estimator import Estimator
    from helpers.platform.v2.session import Session

    session = Session()
    estimator = Estimator(LINEAR_LEARNER, aws["role"], instance_count=1, instance_type="ml.m5.large",
                          output_path=f"s3://{session.default_bucket()}/v2/output", sagemaker_session=session,
                          base_job_name="v2-ll")
    estimator.set_hyperparameters(feature_dim=3, predictor_type="binary_classifier", mini_batch_size=2)
    return estimator


def channels_of(request: dict) -> dict[str, dict]:
    return {channel["ChannelName"]: channel for channel in request["InputDataConfig"]}


# ------------------------------------------------------------------------------------- training

def test_estimator_fit_sends_create_training_job_with_each_channels_content_type(aws, sent):
    from helpers.platform.v2.inputs import TrainingInput

    train = upload(aws, "train.csv", "1,0.5,2,3\n0,1.5,3,1\n", "v2/train")
    validation = upload(aws, "validation.csv", "1,0.4,2,2\n", "v2/validation")
    estimator = linear_estimator(aws)
    estimator.fit({"train": TrainingInput(train, content_type="text/csv"),
                   "validation": TrainingInput(validation, content_type="text/csv")},
                  logs=False)

    request = sent.one("CreateTrainingJob")
    assert request["TrainingJobName"] == estimator.latest_training_job.name
    assert request["TrainingJobName"].startswith("v2-ll-")
    assert request["AlgorithmSpecification"]["TrainingImage"] == LINEAR_LEARNER
    assert request["AlgorithmSpecification"]["TrainingInputMode"] == "File"
    assert request["HyperParameters"] == {"feature_dim": "3", "predictor_type": "binary_classifier",
                                          "mini_batch_size": "2"}  # strings, as SDK v2 sends them
    assert request["RoleArn"] == aws["role"]
    assert request["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert request["ResourceConfig"]["InstanceCount"] == 1
    assert request["OutputDataConfig"]["S3OutputPath"].endswith("/v2/output")
    channels = channels_of(request)
    assert set(channels) == {"train", "validation"}
    for name, uri in (("train", train), ("validation", validation)):
        assert channels[name]["ContentType"] == "text/csv"
        assert channels[name]["DataSource"]["S3DataSource"]["S3Uri"] == uri
        assert channels[name]["DataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    # the job as moto keeps it; the artifact v2's deploy() will serve
    assert estimator.model_data == (f"{request['OutputDataConfig']['S3OutputPath']}/{request['TrainingJobName']}"
                                    "/output/model.tar.gz")


def test_channel_options_that_only_sagemaker_acts_on_reach_the_request(aws, sent):
    from helpers.platform.v2.inputs import TrainingInput

    train = upload(aws, "train.csv", "1,0.5,2,3\n", "options/train")
    estimator = linear_estimator(aws)
    estimator.fit({"train": TrainingInput(train, content_type="text/csv", distribution="ShardedByS3Key",
                                          compression="Gzip", input_mode="Pipe")}, logs=False)
    (channel,) = sent.one("CreateTrainingJob")["InputDataConfig"]
    assert channel["DataSource"]["S3DataSource"]["S3DataDistributionType"] == "ShardedByS3Key"
    assert (channel["CompressionType"], channel["InputMode"]) == ("Gzip", "Pipe")


def test_v1_arguments_send_the_same_request_as_v2(aws, sent):
    from helpers.platform.v2.estimator import Estimator
    from helpers.platform.v2.session import Session

    train = upload(aws, "train.csv", "1,0.5,2,3\n", "v1/train")
    with pytest.warns(DeprecationWarning, match="train_instance_count"):
        estimator = Estimator(image_name=LINEAR_LEARNER, role=aws["role"], train_instance_count=1,
                              train_instance_type="ml.c4.xlarge", base_job_name="v1-ll", sagemaker_session=Session())
    estimator.set_hyperparameters(feature_dim=3, predictor_type="regressor")
    estimator.fit({"train": train}, logs=False)  # a plain URI: no ContentType, SageMaker's default applies

    request = sent.one("CreateTrainingJob")
    assert request["AlgorithmSpecification"]["TrainingImage"] == LINEAR_LEARNER
    assert request["ResourceConfig"]["InstanceType"] == "ml.c4.xlarge"
    (channel,) = request["InputDataConfig"]
    assert channel["ChannelName"] == "train" and "ContentType" not in channel
    assert channel["DataSource"]["S3DataSource"] == {"S3DataType": "S3Prefix", "S3Uri": train,
                                                     "S3DataDistributionType": "FullyReplicated"}


def test_bad_inputs_fail_before_any_request(aws, sent):
    estimator = linear_estimator(aws)
    with pytest.raises(TypeError, match="s3:// URI or a TrainingInput"):
        estimator.fit({"train": 42}, logs=False)
    assert sent.of("CreateTrainingJob") == []


def test_first_party_record_set_uploads_shards_and_a_manifest_then_trains_on_it(aws, sent):
    from helpers.platform.v2.amazon.kmeans import KMeans
    from helpers.platform.v2.session import Session

    session = Session()
    bucket = session.default_bucket()
    kmeans = KMeans(role=aws["role"], instance_count=2, instance_type="ml.c4.xlarge", k=3,
                    output_path=f"s3://{bucket}/kmeans/output", data_location=f"s3://{bucket}/kmeans/data",
                    sagemaker_session=session)
    rows = np.random.default_rng(0).random((10, 4)).astype("float32")
    records = kmeans.record_set(rows)
    assert (records.num_records, records.feature_dim, records.s3_data_type, records.channel) == \
        (10, 4, "ManifestFile", "train")

    # as SDK v2: one RecordIO shard per instance under <data_location>/KMeans-<timestamp>/, and a manifest
    manifest_key = records.s3_data.split("/", 3)[3]
    assert manifest_key.startswith("kmeans/data/KMeans-") and manifest_key.endswith("/.amazon.manifest")
    manifest = json.loads(aws["s3"].get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    prefix = manifest[0]["prefix"]
    assert prefix == f"s3://{bucket}/{manifest_key.rsplit('/', 1)[0]}/" and manifest[1:] == ["matrix_0.pbr",
                                                                                               "matrix_1.pbr"]
    from helpers.platform.recordio import read_records

    shards = [read_records(io.BytesIO(aws["s3"].get_object(Bucket=bucket, Key=prefix.split("/", 3)[3] + name)
                                      ["Body"].read())) for name in manifest[1:]]
    assert [len(shard) for shard in shards] == [5, 5]
    assert np.allclose(shards[1][0].features["values"].float32_tensor.values, rows[5])

    kmeans.fit(records, logs=False)
    request = sent.one("CreateTrainingJob")
    assert request["AlgorithmSpecification"]["TrainingImage"] == KMEANS
    # SDK v2's KMeans: force_dense, feature_dim from the RecordSet, mini_batch_size 5000 unless given
    assert request["HyperParameters"] == {"force_dense": "True", "k": "3", "feature_dim": "4",
                                          "mini_batch_size": "5000"}
    assert request["ResourceConfig"]["InstanceCount"] == 2
    (channel,) = request["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    assert channel.get("ContentType") in (None, RECORDIO)  # the first-party algorithms' default format
    # whatever the channel's S3 type, the objects it gives the algorithm are the shards, never the manifest
    source = channel["DataSource"]["S3DataSource"]
    if source["S3DataType"] == "S3Prefix":
        listed = aws["s3"].list_objects_v2(Bucket=bucket, Prefix=source["S3Uri"].split("/", 3)[3])["Contents"]
        assert sorted(o["Key"] for o in listed) == [prefix.split("/", 3)[3] + name for name in manifest[1:]]
    else:
        assert source == {"S3DataType": "ManifestFile", "S3Uri": records.s3_data,
                          "S3DataDistributionType": "ShardedByS3Key"}


def test_record_set_trains_on_its_manifest_sharded_by_key(aws, sent):
    from helpers.platform.v2.amazon.kmeans import KMeans
    from helpers.platform.v2.session import Session

    session = Session()
    bucket = session.default_bucket()
    kmeans = KMeans(role=aws["role"], instance_count=1, instance_type="ml.c4.xlarge", k=2,
                    data_location=f"s3://{bucket}/kmeans-manifest/data", sagemaker_session=session)
    records = kmeans.record_set(np.arange(8, dtype="float32").reshape(4, 2))
    kmeans.fit(records, logs=False)
    (channel,) = sent.one("CreateTrainingJob")["InputDataConfig"]
    assert channel["DataSource"]["S3DataSource"] == {"S3DataType": "ManifestFile", "S3Uri": records.s3_data,
                                                     "S3DataDistributionType": "ShardedByS3Key"}


# ------------------------------------------------------------------------------------- serving

def test_deploy_predict_and_delete_send_the_hosting_and_runtime_requests(aws, sent):
    from helpers.platform.v2.deserializers import JSONDeserializer
    from helpers.platform.v2.serializers import CSVSerializer

    estimator = linear_estimator(aws)
    estimator.fit({"train": upload(aws, "train.csv", "1,0.5,2,3\n", "serve/train")}, logs=False)
    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large", endpoint_name="v2-ll-serve",
                                 serializer=CSVSerializer(), deserializer=JSONDeserializer())
    assert predictor.endpoint_name == predictor.endpoint == "v2-ll-serve"

    model = sent.one("CreateModel")
    assert model["PrimaryContainer"]["Image"] == LINEAR_LEARNER
    assert model["PrimaryContainer"]["ModelDataUrl"] == estimator.model_data
    assert model["ExecutionRoleArn"] == aws["role"]
    config = sent.one("CreateEndpointConfig")
    (variant,) = config["ProductionVariants"]
    assert (variant["ModelName"], variant["InstanceType"], variant["InitialInstanceCount"]) == \
        (model["ModelName"], "ml.m5.large", 1)
    endpoint = sent.one("CreateEndpoint")
    assert endpoint == {"EndpointName": "v2-ll-serve", "EndpointConfigName": config["EndpointConfigName"]}

    sent.answer("InvokeEndpoint", runtime_answer(b'{"predictions": [{"score": 0.9, "predicted_label": 1}]}',
                                                 "application/json"))
    assert predictor.predict(np.array([[0.5, 2, 3]])) == {"predictions": [{"score": 0.9, "predicted_label": 1}]}
    sent.answer("InvokeEndpoint", runtime_answer(b'{"predictions": []}', "application/json"))
    predictor.predict(np.array([[0.5, 2, 3], [1.5, 3, 1]]),
                      initial_args={"ContentType": "text/csv", "CustomAttributes": "trace=1"})
    with pytest.raises(ValueError, match="invoke_endpoint does not take"):  # a typo costs no request
        predictor.predict(np.array([[0.5, 2, 3]]), initial_args={"Content_Type": "text/csv"})
    first, second = sent.of("InvokeEndpoint")
    assert first["EndpointName"] == "v2-ll-serve" and first["ContentType"] == "text/csv"
    assert first["Accept"] == "application/json"
    assert first["Body"].decode().strip() == "0.5,2.0,3.0"
    assert second["CustomAttributes"] == "trace=1"
    assert second["Body"].decode().splitlines() == ["0.5,2.0,3.0", "1.5,3.0,1.0"]

    # SDK v2 made a new endpoint config and called UpdateEndpoint; the kit changes the count in place
    predictor.update_endpoint(initial_instance_count=2)
    assert sent.one("UpdateEndpointWeightsAndCapacities") == {
        "EndpointName": "v2-ll-serve", "DesiredWeightsAndCapacities": [{"VariantName": variant["VariantName"],
                                                                         "DesiredInstanceCount": 2}]}

    predictor.delete_model()
    predictor.delete_endpoint()
    assert sent.one("DeleteModel") == {"ModelName": model["ModelName"]}
    assert sent.one("DeleteEndpoint") == {"EndpointName": "v2-ll-serve"}
    assert sent.one("DeleteEndpointConfig") == {"EndpointConfigName": config["EndpointConfigName"]}
    client = aws["sagemaker"]
    assert client.list_endpoints()["Endpoints"] == [] and client.list_models()["Models"] == []


def test_v1_session_and_real_time_predictor_reach_the_endpoint(aws, sent):
    """What SDK v1 notebooks call (DeepAR's): Session.endpoint_from_job, a RealTimePredictor subclass
    sending bytes with its own content type, Session.delete_endpoint."""
    from helpers.platform.v2.predictor import RealTimePredictor
    from helpers.platform.v2.session import Session

    estimator = linear_estimator(aws)
    estimator.fit({"train": upload(aws, "train.csv", "1,0.5,2,3\n", "v1-serve/train")}, logs=False)
    session = Session()
    with pytest.warns(DeprecationWarning, match="deployment_image"):
        name = session.endpoint_from_job(job_name=estimator.latest_training_job.name, initial_instance_count=1,
                                         instance_type="ml.m5.large", deployment_image=LINEAR_LEARNER,
                                         role=aws["role"])
    model = sent.one("CreateModel")
    assert (model["PrimaryContainer"]["Image"], model["PrimaryContainer"]["ModelDataUrl"]) == \
        (LINEAR_LEARNER, estimator.model_data)
    assert sent.one("CreateEndpoint")["EndpointName"] == name

    class JSONPredictor(RealTimePredictor):  # as DeepAR's notebook subclasses it
        def predict(self, rows):
            return json.loads(super().predict(json.dumps({"instances": rows}).encode()))

    with pytest.warns(DeprecationWarning, match="RealTimePredictor"):
        predictor = JSONPredictor(endpoint=name, sagemaker_session=session, content_type="application/json")
    sent.answer("InvokeEndpoint", runtime_answer(b'{"predictions": [{"score": 0.5}]}', "application/json"))
    assert predictor.predict([[0.5, 2, 3]]) == {"predictions": [{"score": 0.5}]}
    request = sent.one("InvokeEndpoint")
    assert (request["EndpointName"], request["ContentType"], request["Body"]) == \
        (name, "application/json", b'{"instances": [[0.5, 2, 3]]}')
    assert "Accept" not in request  # v1 sent none unless asked

    session.delete_endpoint(name)
    assert sent.one("DeleteEndpoint") == {"EndpointName": name}


def test_session_models_and_weighted_variants_send_sagemakers_requests(aws, sent):
    """SDK v2's low-level hosting calls: Session.create_model(container_def(...)) and
    endpoint_from_production_variants with two weighted variants (an A/B test)."""
    from helpers.platform.v2.session import Session, container_def, production_variant

    estimator = linear_estimator(aws)
    estimator.fit({"train": upload(aws, "train.csv", "1,0.5,2,3\n", "ab/train")}, logs=False)
    session = Session()
    for name in ("ll-a", "ll-b"):
        assert session.create_model(name, aws["role"], container_def(LINEAR_LEARNER, estimator.model_data)) == name
    assert [m["ModelName"] for m in sent.of("CreateModel")] == ["ll-a", "ll-b"]
    assert sent.of("CreateModel")[0]["PrimaryContainer"] == {"Image": LINEAR_LEARNER,
                                                             "ModelDataUrl": estimator.model_data, "Environment": {}}

    name = session.endpoint_from_production_variants(
        "ll-ab", [production_variant("ll-a", "ml.m5.large", 1, variant_name="A", initial_weight=0.9),
                  production_variant("ll-b", "ml.m5.large", 1, variant_name="B", initial_weight=0.1)],
        wait=False)  # the SDK sleeps its 30 s poll before it first looks (moto: InService at once)
    assert name == "ll-ab"
    variants = {v["VariantName"]: v for v in sent.one("CreateEndpointConfig")["ProductionVariants"]}
    assert {k: (v["ModelName"], v["InitialVariantWeight"]) for k, v in variants.items()} == \
        {"A": ("ll-a", 0.9), "B": ("ll-b", 0.1)}
    endpoint = sent.one("CreateEndpoint")
    assert (endpoint["EndpointName"], endpoint["EndpointConfigName"]) == ("ll-ab", "ll-ab")


def test_first_party_predictor_sends_and_reads_recordio_protobuf(aws, sent):
    from helpers.platform.recordio import read_records, write_numpy_to_dense_tensor
    from helpers.platform.v2.amazon.kmeans import KMeans, KMeansPredictor
    from helpers.platform.v2.session import Session

    session = Session()
    bucket = session.default_bucket()
    kmeans = KMeans(role=aws["role"], instance_count=1, instance_type="ml.c4.xlarge", k=2,
                    data_location=f"s3://{bucket}/kmeans-serve/data", sagemaker_session=session)
    rows = np.arange(8, dtype="float32").reshape(4, 2)
    kmeans.fit(kmeans.record_set(rows), logs=False)
    predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    assert isinstance(predictor, KMeansPredictor)
    assert sent.one("CreateModel")["PrimaryContainer"]["Image"] == KMEANS

    answer = io.BytesIO()
    write_numpy_to_dense_tensor(answer, np.zeros((2, 1), dtype="float32"))  # any valid RecordIO records
    sent.answer("InvokeEndpoint", runtime_answer(answer.getvalue(), RECORDIO))
    result = predictor.predict(rows[:2])
    request = sent.one("InvokeEndpoint")
    assert (request["ContentType"], request["Accept"]) == (RECORDIO, RECORDIO)
    sent_rows = [r.features["values"].float32_tensor.values for r in read_records(io.BytesIO(request["Body"]))]
    assert np.allclose(sent_rows, rows[:2])
    assert len(result) == 2 and hasattr(result[0], "label")  # Records, as SDK v2's RecordDeserializer gives


# ------------------------------------------------------------------------------------- tuning

def test_tuner_fit_sends_create_tuning_job_and_deploy_serves_the_best_trial(aws, sent):
    from helpers.platform.v2.inputs import s3_input
    from helpers.platform.v2.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

    best = linear_estimator(aws)  # a finished job for moto to describe as the best trial (moto runs none)
    best.fit({"train": upload(aws, "train.csv", "1,0.5,2,3\n", "tune/train")}, logs=False)
    with pytest.warns(DeprecationWarning, match="s3_input"):  # SDK v1's name, as the XGBoost tuning notebook has it
        validation = s3_input(upload(aws, "validation.csv", "0,1.5,3,1\n", "tune/validation"), content_type="text/csv")
    estimator = linear_estimator(aws)
    tuner = HyperparameterTuner(estimator, "validation:binary_f_beta",
                                {"wd": ContinuousParameter(1e-7, 1, scaling_type="Auto"),
                                 "mini_batch_size": IntegerParameter(1, 2)},
                                max_jobs=4, max_parallel_jobs=2, objective_type="Maximize")
    tuner.fit(inputs={"train": best.latest_training_job.describe()["InputDataConfig"][0]["DataSource"]
                      ["S3DataSource"]["S3Uri"], "validation": validation}, job_name="v2-ll-tuning", wait=False)

    request = sent.one("CreateHyperParameterTuningJob")
    assert request["HyperParameterTuningJobName"] == tuner.latest_tuning_job.name == tuner.latest_tuning_job.job_name
    assert request["HyperParameterTuningJobName"] == "v2-ll-tuning"
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"  # SDK v2's default
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:binary_f_beta"}
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2}
    (continuous,) = config["ParameterRanges"]["ContinuousParameterRanges"]
    assert (continuous["Name"], float(continuous["MinValue"]), float(continuous["MaxValue"]),
            continuous["ScalingType"]) == ("wd", 1e-7, 1.0, "Auto")  # numbers as strings ("1" or "1.0")
    assert config["ParameterRanges"]["IntegerParameterRanges"] == [
        {"Name": "mini_batch_size", "MinValue": "1", "MaxValue": "2", "ScalingType": "Auto"}]
    definition = request["TrainingJobDefinition"]
    assert definition["AlgorithmSpecification"]["TrainingImage"] == LINEAR_LEARNER
    # the tuned hyperparameter is not also static
    assert definition["StaticHyperParameters"] == {"feature_dim": "3", "predictor_type": "binary_classifier"}
    channels = channels_of(definition)
    assert set(channels) == {"train", "validation"}
    assert channels["validation"]["ContentType"] == "text/csv" and "ContentType" not in channels["train"]
    assert definition["RoleArn"] == aws["role"]
    assert definition["ResourceConfig"]["InstanceType"] == "ml.m5.large"

    # moto runs no trials: the tuning job's description names the finished job above as the best one
    described = aws["sagemaker"].describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="v2-ll-tuning")
    described["BestTrainingJob"] = {
        "TrainingJobName": best.latest_training_job.name, "TrainingJobStatus": "Completed",
        "CreationTime": described["CreationTime"], "TunedHyperParameters": {"wd": "0.01", "mini_batch_size": "2"},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:binary_f_beta", "Value": 0.9}}
    sent.answer("DescribeHyperParameterTuningJob", described)
    predictor = tuner.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    model = sent.one("CreateModel")
    assert model["PrimaryContainer"]["ModelDataUrl"] == best.model_data
    assert sent.one("CreateEndpoint")["EndpointName"] == predictor.endpoint_name


def test_stopping_a_training_job_and_a_tuning_job_reaches_sagemaker(aws, sent):
    """Stop* (moto has neither: stubbed, still checked against the API model)."""
    from helpers.platform.v2.tuner import HyperparameterTuner, IntegerParameter

    train = upload(aws, "train.csv", "1,0.5,2,3\n", "stop/train")
    estimator = linear_estimator(aws)
    estimator.fit({"train": train}, wait=False, logs=False)
    sent.answer("StopTrainingJob", {})
    estimator.latest_training_job.stop()
    assert sent.one("StopTrainingJob") == {"TrainingJobName": estimator.latest_training_job.name}

    tuner = HyperparameterTuner(linear_estimator(aws), "validation:objective_loss",
                                {"mini_batch_size": IntegerParameter(1, 2)}, objective_type="Minimize", max_jobs=2)
    tuner.fit({"train": train, "validation": train}, job_name="v2-ll-stop", wait=False)
    sent.answer("StopHyperParameterTuningJob", {})
    tuner.stop_tuning_job()
    assert sent.one("StopHyperParameterTuningJob") == {"HyperParameterTuningJobName": "v2-ll-stop"}


# ------------------------------------------------------------------------------------- batch transform

def test_transformer_sends_create_transform_job(aws, sent):
    estimator = linear_estimator(aws)
    estimator.fit({"train": upload(aws, "train.csv", "1,0.5,2,3\n", "batch/train")}, logs=False)
    batch = upload(aws, "batch.csv", "0.5,2,3\n1.5,3,1\n", "batch/in")
    bucket = batch.split("/")[2]
    transformer = estimator.transformer(1, "ml.m5.large", strategy="MultiRecord", assemble_with="Line",
                                        output_path=f"s3://{bucket}/batch/out", accept="text/csv")
    transformer.transform(batch, content_type="text/csv", split_type="Line", wait=False)

    model = sent.one("CreateModel")
    assert model["PrimaryContainer"]["ModelDataUrl"] == estimator.model_data
    request = sent.one("CreateTransformJob")
    assert request["ModelName"] == model["ModelName"]
    assert request["BatchStrategy"] == "MultiRecord"
    assert request["TransformInput"] == {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": batch}},
                                         "ContentType": "text/csv", "SplitType": "Line"}
    assert request["TransformOutput"] == {"S3OutputPath": f"s3://{bucket}/batch/out", "Accept": "text/csv",
                                          "AssembleWith": "Line"}
    assert request["TransformResources"] == {"InstanceType": "ml.m5.large", "InstanceCount": 1}
    assert transformer.latest_transform_job.name == request["TransformJobName"]
