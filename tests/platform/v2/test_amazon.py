"""SDK v2's first-party estimators (``helpers.platform.v2.amazon``) on the local platform: ``record_set``
writes RecordIO shards and a manifest as SDK v2 does, each class fits on it, deploys, and its predictor
sends RecordIO-protobuf and reads ``Record``s back; hyperparameters are checked as SDK v2 checks them
(at once, ValueError) and then by the kit (the job fails with SageMaker's ``ClientError``)."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pytest

from helpers.platform import Endpoint, FailedStatusError, IgnoredArgumentWarning, storage
from helpers.platform.v2.amazon.amazon_estimator import RecordSet, get_image_uri
from helpers.platform.v2.amazon.common import read_records, record_deserializer
from helpers.platform.v2.amazon.factorization_machines import FactorizationMachines, FactorizationMachinesPredictor
from helpers.platform.v2.amazon.kmeans import KMeans, KMeansModel, KMeansPredictor
from helpers.platform.v2.amazon.knn import KNN, KNNPredictor
from helpers.platform.v2.amazon.linear_learner import LinearLearner, LinearLearnerPredictor
from helpers.platform.v2.amazon.pca import PCA, PCAPredictor
from helpers.platform.v2.amazon.randomcutforest import RandomCutForest, RandomCutForestPredictor
from serving_support import module_store

ROLE = "arn:aws:iam::000000000000:role/service-role/AmazonSageMaker-ExecutionRole-flywheel-local"
DATA = "s3://v2b/records"  # no trailing slash: data_location adds it, as SDK v2 does
RUN = dict(role=ROLE, instance_count=1, instance_type="ml.c4.xlarge", data_location=DATA)


def two_blobs(rows: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """(rows, 3) float32 points around (0,0,0) and (4,4,4), labels 0/1 (float32) by blob."""
    rng = np.random.default_rng(7)
    labels = (np.arange(rows) >= rows // 2).astype(np.float32)
    x = (rng.normal(scale=0.3, size=(rows, 3)) + 4.0 * labels[:, None]).astype(np.float32)
    return x, labels


#: class -> (its keyword hyperparameters, whether it trains on labels, its predictor, the label key it answers)
CASES = {
    KMeans: (dict(k=2), False, KMeansPredictor, "closest_cluster"),
    PCA: (dict(num_components=2), False, PCAPredictor, "projection"),
    LinearLearner: (dict(predictor_type="binary_classifier", epochs=5), True, LinearLearnerPredictor, "predicted_label"),
    FactorizationMachines: (dict(num_factors=2, predictor_type="binary_classifier"), True,
                            FactorizationMachinesPredictor, "score"),
    KNN: (dict(k=3, sample_size=40, predictor_type="classifier"), True, KNNPredictor, "predicted_label"),
    RandomCutForest: (dict(num_trees=50, num_samples_per_tree=16), False, RandomCutForestPredictor, "score"),
}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """Every class fitted on its record_set (jobs run side by side) and deployed: class -> (estimator, predictor)."""
    x, labels = two_blobs()
    with module_store(tmp_path_factory, "v2-amazon-home"):
        estimators = {}
        for cls, (hps, labelled, _, _) in CASES.items():
            estimator = cls(**RUN, **hps)
            estimator.fit(estimator.record_set(x, labels if labelled else None), wait=False, logs=False)
            estimators[cls] = estimator
        for estimator in estimators.values():
            estimator.latest_training_job.wait(logs=False)
        predictors = {cls: e.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge", wait=False)
                      for cls, e in estimators.items()}
        for predictor in predictors.values():
            Endpoint(predictor.endpoint_name).wait_for_status("InService")
        yield {cls: (estimators[cls], predictors[cls]) for cls in CASES}


@pytest.mark.parametrize("cls", list(CASES), ids=lambda cls: cls.__name__)
def test_each_class_fits_deploys_and_answers_records(deployed, cls):
    _, _, predictor_cls, key = CASES[cls]
    estimator, predictor = deployed[cls]
    assert type(predictor) is predictor_cls and predictor.content_type == "application/x-recordio-protobuf"
    description = estimator.latest_training_job.describe()
    assert description["TrainingJobStatus"] == "Completed"
    assert description["HyperParameters"]["feature_dim"] == "3"  # record_set's width, as SDK v2 sets it
    # as SDK v2 sends it: the manifest, read as one (the job gets the shards it lists)
    source = description["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert (source["S3DataType"], source["S3DataDistributionType"]) == ("ManifestFile", "ShardedByS3Key")
    assert source["S3Uri"].endswith("/.amazon.manifest")
    x, labels = two_blobs()
    records = predictor.predict(x[[0, -1]])
    assert len(records) == 2 and all(key in record.label for record in records)
    if key in ("closest_cluster", "predicted_label"):  # the two blobs land apart
        first, last = (record.label[key].float32_tensor.values[0] for record in records)
        assert first != last
        if key == "predicted_label":
            assert (first, last) == (labels[0], labels[-1])


def test_record_set_writes_one_shard_per_instance_and_a_manifest_as_sdk_v2(deployed):
    x, labels = two_blobs(41)
    kmeans = KMeans(**{**RUN, "instance_count": 2}, k=2)
    records = kmeans.record_set(x, labels, channel="test")
    assert (records.num_records, records.feature_dim, records.s3_data_type, records.channel) == (41, 3, "ManifestFile",
                                                                                                  "test")
    folder = records.s3_data.rsplit("/", 1)[0] + "/"
    assert records.s3_data.startswith(f"{DATA}/KMeans-") and records.s3_data.endswith("/.amazon.manifest")
    assert json.loads(storage.get_bytes(records.s3_data)) == [{"prefix": folder}, "matrix_0.pbr", "matrix_1.pbr"]
    shards = [read_records(io.BytesIO(storage.get_bytes(folder + name))) for name in ("matrix_0.pbr", "matrix_1.pbr")]
    assert [len(shard) for shard in shards] == [20, 21]  # the last shard takes the remainder
    assert list(shards[1][-1].features["values"].float32_tensor.values) == pytest.approx(x[-1])
    assert shards[1][-1].label["values"].float32_tensor.values[0] == labels[-1]
    with pytest.warns(IgnoredArgumentWarning, match="encrypt"):
        assert kmeans.record_set(x, encrypt=True).num_records == 41
    channel = records.records_s3_input()
    assert (channel.s3_data, channel.s3_data_type, channel.distribution) == (records.s3_data, "ManifestFile",
                                                                             "ShardedByS3Key")
    # the kit's channel carries the same: the manifest, ManifestFile, ShardedByS3Key
    (kit_channel,) = kmeans._channels([records])
    assert kit_channel.data_source.s3_data_source.s3_uri == records.s3_data


def test_fit_sends_v2s_hyperparameters_and_mini_batch_sizes(deployed):
    hyperparameters = {cls: deployed[cls][0].hyperparameters() for cls in CASES}
    assert hyperparameters[KMeans] == {"force_dense": "True", "k": "2", "feature_dim": "3", "mini_batch_size": "5000"}
    assert hyperparameters[PCA]["mini_batch_size"] == "40"  # min(500, records per instance)
    assert hyperparameters[LinearLearner]["mini_batch_size"] == "40"  # min(1000, records per instance)
    assert hyperparameters[RandomCutForest]["mini_batch_size"] == "1000"  # fixed
    assert "mini_batch_size" not in hyperparameters[KNN]  # the algorithm's default
    with pytest.raises(ValueError, match="fixed mini_batch_size of 1000"):
        deployed[RandomCutForest][0].fit(RecordSet("s3://v2b/x/", 1, 3, "S3Prefix"), mini_batch_size=10)


def test_a_tuner_prepares_the_estimator_from_its_records(deployed):
    """HyperparameterTuner.fit(records, mini_batch_size=...) calls _prepare_for_tuning, then _channels."""
    pca = PCA(**RUN, num_components=1)
    records = RecordSet("s3://v2b/x/", num_records=30, feature_dim=7, s3_data_type="S3Prefix")
    pca._prepare_for_tuning([records], job_name=None, mini_batch_size=12)
    assert {k: pca.hyperparameters()[k] for k in ("feature_dim", "mini_batch_size")} == {"feature_dim": "7",
                                                                                         "mini_batch_size": "12"}
    assert [(c.channel_name, c.data_source.s3_data_source.s3_uri) for c in pca._channels([records])] == \
        [("train", "s3://v2b/x/")]


def test_a_model_of_the_artifact_serves_with_the_algorithms_image_and_predictor(deployed):
    estimator = deployed[KMeans][0]
    model = KMeansModel(estimator.model_data, ROLE)
    assert model.image_uri == estimator.image_uri and model.predictor_cls is KMeansPredictor
    assert estimator.create_model().predictor_cls is KMeansPredictor


def test_v1_names_and_arguments_work_and_warn(deployed):
    with pytest.warns(DeprecationWarning, match="train_instance_count"):
        kmeans = KMeans(role=ROLE, train_instance_count=1, train_instance_type="ml.c4.xlarge", k=3)
    assert kmeans.instance_count == 1 and kmeans.data_location.endswith("/sagemaker-record-sets/")
    with pytest.warns(DeprecationWarning, match="image_uris.retrieve"):
        assert get_image_uri("us-east-1", "kmeans").endswith("/kmeans:1")
    with pytest.warns(DeprecationWarning, match="RecordDeserializer"):
        deserializer = record_deserializer()
    # SDK v1 predictors took it as a function of (stream, content_type)
    predictor = deployed[KMeans][1]
    answer = Endpoint(predictor.endpoint_name).invoke(predictor.serializer.serialize(two_blobs()[0][:1]).read(),
                                                      content_type="application/x-recordio-protobuf",
                                                      accept="application/x-recordio-protobuf")
    assert "closest_cluster" in deserializer(answer.body, answer.content_type)[0].label


def test_bad_hyperparameters_fail_at_once_as_v2_then_in_the_job_as_sagemaker(deployed):
    with pytest.raises(ValueError, match="Invalid hyperparameter value 1 for k. Expecting: An integer greater-than 1"):
        KMeans(**RUN, k=1)
    with pytest.raises(ValueError, match="num_trees"):
        RandomCutForest(**RUN, num_trees=10)
    kmeans = KMeans(**RUN, k=2)
    kmeans.set_hyperparameters(max_iterations=5, local_lloyd_tol=0.5)  # attribute or SageMaker name, checked
    assert {k: kmeans.hyperparameters()[k] for k in ("local_lloyd_max_iter", "local_lloyd_tol")} == {
        "local_lloyd_max_iter": "5", "local_lloyd_tol": "0.5"}
    with pytest.raises(ValueError, match="for local_lloyd_tol"):
        kmeans.set_hyperparameters(tol=2)
    with pytest.raises(ValueError, match="'num_classes' should be set"):
        LinearLearner(**RUN, predictor_type="multiclass_classifier")
    with pytest.raises(ValueError, match="dimension_reduction_target"):
        KNN(**RUN, k=1, sample_size=1, predictor_type="regressor", dimension_reduction_type="sign")
    # v2 checks each value; the algorithm checks what is missing: the job exists and failed, as on SageMaker
    estimator = LinearLearner(**RUN)
    with pytest.raises(FailedStatusError, match="predictor_type"):
        estimator.fit(RecordSet(deployed[LinearLearner][0].latest_training_job.describe()["InputDataConfig"][0]
                                ["DataSource"]["S3DataSource"]["S3Uri"], 40, 3, "S3Prefix"), logs=False)
    assert estimator.latest_training_job.describe()["TrainingJobStatus"] == "Failed"


def test_wrong_inputs_are_refused_with_the_fix(deployed):
    kmeans = deployed[KMeans][0]
    with pytest.raises(ValueError, match="2-D numpy array"):
        kmeans.record_set(np.zeros(5, dtype=np.float32))
    with pytest.raises(ValueError, match="3 labels for 5 rows"):
        kmeans.record_set(np.zeros((5, 2), dtype=np.float32), np.zeros(3))
    with pytest.raises(ValueError, match="less than num shards"):
        KMeans(**{**RUN, "instance_count": 3}, k=2).record_set(np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="Must provide train channel"):
        kmeans.fit([RecordSet("s3://v2b/x/", 1, 3, "S3Prefix", channel="test")])
    storage.put_bytes("s3://v2b/not/a.manifest", b'{"prefix": "s3://v2b/x/"}')
    with pytest.raises(ValueError, match="is not a manifest of files.*record_set"):
        kmeans.fit(RecordSet("s3://v2b/not/a.manifest", 1, 3))
    with pytest.raises(ValueError, match='beginning with "s3://"'):
        KMeans(**{**RUN, "data_location": "/tmp/records"}, k=2)
    with pytest.raises(TypeError, match="takes no image_uri"):
        KMeans(**RUN, k=2, image_uri="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a v2 call warns about nothing
        KMeans(**RUN, k=2)
