"""SageMaker's channel options (issue 21): ``S3DataSource`` (ManifestFile, ShardedByS3Key) and ``Channel``
(compression, record wrapping, input mode) with SDK v3's names, honoured locally as SageMaker does where one
local process can, refused with the reason where it cannot, checked by the same rules on both backends, and
sent in CreateTrainingJob on the ``sagemaker`` backend (moto)."""

from __future__ import annotations

import gzip
import json

import pytest

from aws_support import mock_aws_account
from helpers.platform import IgnoredArgumentWarning, InputDataError, ModelTrainer, SourceCode, storage, validation
from helpers.platform.configs import Channel, DataSource, InputData, S3DataSource

SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def script_trainer(tmp_path, **kwargs) -> ModelTrainer:
    """A script-mode trainer whose script does nothing: the test reads the channel folder it was given."""
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "train.py").write_text("")
    return ModelTrainer(training_image=SKLEARN_IMAGE, base_job_name="channels",
                        source_code=SourceCode(source_dir=str(tmp_path / "src"), entry_script="train.py"), **kwargs)


def manifest_channel(uri: str, **options) -> Channel:
    return Channel(channel_name="train", data_source=DataSource(s3_data_source=S3DataSource(
        s3_data_type="ManifestFile", s3_uri=uri, s3_data_distribution_type="ShardedByS3Key")), **options)


def files_under(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_gzip_manifest_channel_gets_exactly_the_listed_files_decompressed_and_wrapped(flywheel_home, tmp_path):
    from helpers.algorithms.recordio import iter_payloads

    storage.put_bytes("s3://bkt/data/a.csv.gz", gzip.compress(b"1,2\n"))
    storage.put_bytes("s3://bkt/data/sub/b.csv.gz", gzip.compress(b"3,4\n"))
    storage.put_bytes("s3://bkt/data/not-listed.csv.gz", gzip.compress(b"5,6\n"))
    storage.put_bytes("s3://bkt/data/.amazon.manifest",
                      json.dumps([{"prefix": "s3://bkt/data/"}, "a.csv.gz", "sub/b.csv.gz"]).encode())
    trainer = script_trainer(tmp_path)
    with pytest.warns(IgnoredArgumentWarning, match="'Pipe' is read as File locally"):
        trainer.train(input_data_config=[manifest_channel("s3://bkt/data/.amazon.manifest", compression_type="Gzip",
                                                          record_wrapper_type="RecordIO", input_mode="Pipe",
                                                          content_type="text/csv"),
                                         Channel(channel_name="gzip", compression_type="Gzip", input_mode="Pipe",
                                                 data_source=S3DataSource(s3_uri="s3://bkt/data/sub/")),
                                         Channel(channel_name="wrapped", record_wrapper_type="RecordIO",
                                                 input_mode="Pipe",
                                                 data_source=S3DataSource(s3_uri="s3://bkt/data/sub/"))],
                      logs=False)
    job = trainer.latest_training_job
    description = job.describe()
    assert description["TrainingJobStatus"] == "Completed"
    channel, _, _ = description["InputDataConfig"]  # what was asked for, as DescribeTrainingJob shows it
    assert channel == {"ChannelName": "train", "ContentType": "text/csv", "CompressionType": "Gzip",
                       "RecordWrapperType": "RecordIO", "InputMode": "Pipe",
                       "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile",
                                                       "S3Uri": "s3://bkt/data/.amazon.manifest",
                                                       "S3DataDistributionType": "ShardedByS3Key"}}}
    opt_ml = job.job_dir / "opt" / "ml"
    # as SageMaker reads a manifest: the listed files only; as it streams Gzip with RecordIO wrapping: each
    # object decompressed, then one RecordIO record
    placed = files_under(opt_ml / "input" / "data" / "train")
    assert {name: list(iter_payloads(body)) for name, body in placed.items()} == {"a.csv": [b"1,2\n"],
                                                                                 "sub/b.csv": [b"3,4\n"]}
    assert files_under(opt_ml / "input" / "data" / "gzip") == {"b.csv": b"3,4\n"}
    ((name, body),) = files_under(opt_ml / "input" / "data" / "wrapped").items()  # framed, still compressed
    assert (name, list(iter_payloads(body))) == ("b.csv.gz", [storage.get_bytes("s3://bkt/data/sub/b.csv.gz")])
    config = json.loads((opt_ml / "input" / "config" / "inputdataconfig.json").read_text())
    assert config["train"] == {"TrainingInputMode": "File", "S3DistributionType": "ShardedByS3Key",
                               "RecordWrapperType": "RecordIO", "ContentType": "text/csv"}


#: (the channel, words of the refusal): refused before any job on BOTH backends
BOTH = [
    (Channel(channel_name="train", data_source=S3DataSource(s3_uri="s3://bkt/t"), compression_type="Gzip"),
     "compression_type='Gzip' acts only in Pipe input mode"),
    (Channel(channel_name="train", data_source=S3DataSource(s3_uri="s3://bkt/t"), record_wrapper_type="RecordIO",
             input_mode="FastFile"), "record_wrapper_type='RecordIO' acts only in Pipe"),
    (InputData(channel_name="train",
               data_source=S3DataSource(s3_uri="s3://bkt/t", s3_data_distribution_type="Sharded")),
     "s3_data_distribution_type='Sharded' is not one of 'FullyReplicated', 'ShardedByS3Key'"),
    (InputData(channel_name="train", data_source=S3DataSource(s3_uri="s3://bkt/t", s3_data_type="Manifest")),
     "s3_data_type='Manifest' is not one of"),
    (Channel(channel_name="train", data_source=S3DataSource(s3_uri="s3://bkt/t"), input_mode="pipe"),
     "input_mode='pipe' is not one of 'File', 'Pipe', 'FastFile'"),
    (InputData(channel_name="train",
               data_source=S3DataSource(s3_uri="s3://bkt/t", s3_data_type="AugmentedManifestFile")),
     "AugmentedManifestFile' can only be used in Pipe"),
]


def test_the_option_values_are_sagemakers():
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    for ours, shape in ((validation.S3_DATA_TYPES, "S3DataType"), (validation.DISTRIBUTIONS, "S3DataDistribution"),
                        (validation.COMPRESSIONS, "CompressionType"), (validation.RECORD_WRAPPERS, "RecordWrapper"),
                        (validation.INPUT_MODES, "TrainingInputMode")):
        assert set(ours) <= set(model.shape_for(shape).enum), shape


def test_the_configs_take_the_sdks_field_names():
    from sagemaker.core import shapes

    for ours, theirs, sdk_only in ((S3DataSource, shapes.S3DataSource, {"model_access_config", "hub_access_config"}),
                                   (DataSource, shapes.DataSource, {"dataset_source"}),
                                   (Channel, shapes.Channel, set())):
        assert set(ours.__dataclass_fields__) == set(theirs.model_fields) - sdk_only, ours.__name__
    # so the SDK's own objects pass the same checks and mean the same (unset fields are its Unassigned())
    def channel(module):
        return module.Channel(channel_name="train", input_mode="Pipe", compression_type="Gzip",
                              data_source=module.DataSource(s3_data_source=module.S3DataSource(
                                  s3_data_type="ManifestFile", s3_uri="s3://bkt/m")))

    from helpers.platform import configs

    assert validation.channel_options(channel(shapes)) == validation.channel_options(channel(configs))


def test_what_one_local_process_cannot_do_is_refused_with_the_reason(flywheel_home, tmp_path):
    storage.put_bytes("s3://bkt/t/x.csv", b"1,2\n")
    storage.put_bytes("s3://bkt/m/bad.manifest", b'{"prefix": "s3://bkt/t/"}')
    storage.put_bytes("s3://bkt/m/gone.manifest", json.dumps([{"prefix": "s3://bkt/t/"}, "x.csv", "y.csv"]).encode())
    trainer = script_trainer(tmp_path)
    cases = [
        (Channel(channel_name="train", input_mode="Pipe",
                 data_source=S3DataSource(s3_uri="s3://bkt/t", s3_data_type="AugmentedManifestFile")),
         "AugmentedManifestFile.*not read by the local platform"),
        (manifest_channel("s3://bkt/m/bad.manifest"), r"is not a manifest of files.*\[\{\"prefix\""),
        (manifest_channel("s3://bkt/m/gone.manifest"),
         "lists 1 object\\(s\\) that do not exist, e.g. s3://bkt/t/y.csv"),
        (manifest_channel("s3://bkt/m/none.manifest"), "the manifest s3://bkt/m/none.manifest does not exist"),
    ]
    for channel, words in cases:
        with pytest.raises(InputDataError, match=words):
            trainer.train(input_data_config=[channel], dry_run=True)
    for channel, words in BOTH:
        with pytest.raises(InputDataError, match=words):
            trainer.train(input_data_config=[channel], dry_run=True)
    assert not (flywheel_home / "jobs").exists() or not any((flywheel_home / "jobs").iterdir())


@pytest.mark.parametrize("body", [b"1,2\n", gzip.compress(b"1,2\n" * 100)[:-9]], ids=["plain", "truncated"])
def test_a_file_that_is_not_gzip_fails_the_job_naming_the_object(flywheel_home, tmp_path, body):
    storage.put_bytes("s3://bkt/plain/x.csv", body)
    trainer = script_trainer(tmp_path)
    channel = Channel(channel_name="train", data_source=S3DataSource(s3_uri="s3://bkt/plain/"), compression_type="Gzip",
                      input_mode="Pipe")
    with pytest.warns(IgnoredArgumentWarning), pytest.raises(InputDataError, match="s3://bkt/plain/x.csv is not gzip"):
        trainer.train(input_data_config=[channel], logs=False)


def test_a_full_disk_while_decompressing_is_reported_as_one(flywheel_home, tmp_path, monkeypatch):
    import errno
    import io

    from helpers.platform import trainer as trainer_module

    storage.put_bytes("s3://bkt/gz/x.csv.gz", gzip.compress(b"1,2\n"))

    class FullDisk(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_open = open
    monkeypatch.setattr(trainer_module, "open", lambda path, mode="r", *a, **k:
                        FullDisk() if mode == "wb" else real_open(path, mode, *a, **k), raising=False)
    channel = Channel(channel_name="train", data_source=S3DataSource(s3_uri="s3://bkt/gz/"), compression_type="Gzip",
                      input_mode="Pipe")
    with pytest.warns(IgnoredArgumentWarning), pytest.raises(OSError, match="No space left") as raised:
        script_trainer(tmp_path).train(input_data_config=[channel], logs=False)
    assert not isinstance(raised.value, InputDataError)


def test_options_a_local_job_does_not_use_are_said(flywheel_home, tmp_path):
    from helpers.platform.v2.inputs import ShuffleConfig, TrainingInput

    storage.put_bytes("s3://bkt/t/x.csv", b"1,2\n")
    channel = TrainingInput("s3://bkt/t/", shuffle_config=ShuffleConfig(3), instance_groups=["a"]).to_input_data("t")
    assert validation.channel_options(channel).channel("s3://bkt/t/")["ShuffleConfig"] == {"Seed": 3}
    with pytest.warns(IgnoredArgumentWarning, match="shuffle_config, instance_group_names accepted but not used"):
        script_trainer(tmp_path).train(input_data_config=[channel], dry_run=True)
    with pytest.raises(InputDataError, match="seed must be an integer, not '3'"):
        validation.channel_options(Channel(channel_name="t", data_source=S3DataSource(s3_uri="s3://bkt/t/"),
                                           shuffle_config=ShuffleConfig("3")))


def test_sharding_over_instances_is_said_for_a_script(flywheel_home, tmp_path):
    from helpers.platform import Compute

    storage.put_bytes("s3://bkt/t/x.csv", b"1,2\n")
    trainer = script_trainer(tmp_path, compute=Compute(instance_type="ml.m5.large", instance_count=2))
    channel = InputData(channel_name="train", data_source=S3DataSource(
        s3_uri="s3://bkt/t/", s3_data_distribution_type="ShardedByS3Key"))
    with pytest.warns(IgnoredArgumentWarning, match="one process \\(host algo-1\\) and gets every object.*1/2"):
        trainer.train(input_data_config=[channel], dry_run=True)


def test_the_sagemaker_backend_sends_every_option_and_refuses_the_same(tmp_path, monkeypatch, flywheel_home):
    from helpers.platform import Session, backend, image_uris
    from helpers.platform.v2.inputs import ShuffleConfig, TrainingInput

    with mock_aws_account(tmp_path, monkeypatch) as aws:
        backend.choose("sagemaker")
        session = Session()
        bucket = session.default_bucket()
        aws["s3"].put_object(Bucket=bucket, Key="d/.manifest", Body=b"[]")
        sent: list[dict] = []
        session.boto_session.events.register("provide-client-params.sagemaker.CreateTrainingJob",
                                             lambda params, **_: sent.append(dict(params)))
        trainer = ModelTrainer(training_image=image_uris.retrieve("linear-learner", "us-east-1"), role=aws["role"],
                               hyperparameters={"predictor_type": "regressor", "feature_dim": 1},
                               sagemaker_session=session)
        for channel, words in BOTH:
            with pytest.raises(InputDataError, match=words):
                trainer.train(input_data_config=[channel], wait=False)
        assert sent == []
        manifest = f"s3://{bucket}/d/.manifest"
        trainer.train(input_data_config=[
            manifest_channel(manifest, compression_type="Gzip", record_wrapper_type="RecordIO", input_mode="Pipe",
                             content_type="application/x-recordio-protobuf"),
            InputData(channel_name="validation", data_source=S3DataSource(
                s3_uri=f"s3://{bucket}/d/", s3_data_distribution_type="ShardedByS3Key")),
            TrainingInput(f"s3://{bucket}/d/", shuffle_config=ShuffleConfig(7)).to_input_data("test")], wait=False)
        (request,) = sent
        train, validation_channel, test = request["InputDataConfig"]
        assert test["ShuffleConfig"] == {"Seed": 7}
        assert train == {"ChannelName": "train", "ContentType": "application/x-recordio-protobuf",
                         "CompressionType": "Gzip", "RecordWrapperType": "RecordIO", "InputMode": "Pipe",
                         "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": manifest,
                                                         "S3DataDistributionType": "ShardedByS3Key"}}}
        assert validation_channel["DataSource"]["S3DataSource"] == {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/d/", "S3DataDistributionType": "ShardedByS3Key"}

        # the tuner's training job definition carries them too
        from helpers.platform import ContinuousParameter, HyperparameterTuner

        tuning: list[dict] = []
        session.boto_session.events.register("provide-client-params.sagemaker.CreateHyperParameterTuningJob",
                                             lambda params, **_: tuning.append(dict(params)))
        tuner = HyperparameterTuner(trainer, "validation:mse", {"wd": ContinuousParameter(0.01, 1)},
                                    objective_type="Minimize", max_jobs=2, max_parallel_jobs=1)
        tuner.tune(inputs=[manifest_channel(manifest, input_mode="Pipe", compression_type="Gzip"),
                           InputData(channel_name="validation", data_source=f"s3://{bucket}/d/")], wait=False)
        (request,) = tuning
        train, _ = request["TrainingJobDefinition"]["InputDataConfig"]
        assert (train["InputMode"], train["CompressionType"], train["DataSource"]["S3DataSource"]["S3DataType"]) == \
            ("Pipe", "Gzip", "ManifestFile")


def test_a_boto3_create_training_job_request_keeps_its_channel_options(flywheel_home):
    """The local control plane (boto3's CreateTrainingJob) builds the same Channel, so the same rules apply."""
    from helpers.platform.serving.control_api import ApiError, _trainer_and_channels

    storage.put_bytes("s3://bkt/d/x.csv", b"1,2\n")
    storage.put_bytes("s3://bkt/d/.manifest", json.dumps([{"prefix": "s3://bkt/d/"}, "x.csv"]).encode())

    def request(**channel) -> dict:
        return {"TrainingJobName": "boto3-channels", "RoleArn": "arn:aws:iam::000000000000:role/R",
                "AlgorithmSpecification": {"TrainingImage": XGBOOST_IMAGE, "TrainingInputMode": "File"},
                "HyperParameters": {"num_round": "2", "objective": "reg:squarederror"},
                "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv", **channel}],
                "OutputDataConfig": {"S3OutputPath": "s3://bkt/out"},
                "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
                "StoppingCondition": {"MaxRuntimeInSeconds": 600}}

    manifest = {"DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://bkt/d/.manifest",
                                                "S3DataDistributionType": "ShardedByS3Key"}}}
    _, (channel,) = _trainer_and_channels(request(**manifest))
    options = validation.channel_options(channel)
    assert (options.s3_data_type, options.distribution, options.source) == \
        ("ManifestFile", "ShardedByS3Key", "s3://bkt/d/.manifest")
    with pytest.raises(ApiError, match="compression_type='Gzip' acts only in Pipe input mode"):
        _trainer_and_channels(request(**manifest, CompressionType="Gzip"))


def test_a_pipeline_training_step_keeps_a_channels_options(flywheel_home, tmp_path):
    """TrainingStep(inputs=[Channel(...)]): the definition carries the options (a parameter as the manifest's
    URI too) and the step's job reads the manifest as ModelTrainer does."""
    from helpers.platform.pipelines import ParameterString, Pipeline, TrainingStep

    storage.put_bytes("s3://bkt/p/x.csv", b"1,2\n")
    storage.put_bytes("s3://bkt/p/skipped.csv", b"3,4\n")
    storage.put_bytes("s3://bkt/p/.manifest", json.dumps([{"prefix": "s3://bkt/p/"}, "x.csv"]).encode())
    manifest = ParameterString("Manifest", default_value="s3://bkt/p/.manifest")
    pipeline = Pipeline("channels", parameters=[manifest],
                        steps=[TrainingStep("Train", script_trainer(tmp_path), inputs=[manifest_channel(manifest)])])
    (step,) = json.loads(pipeline.definition())["Steps"]
    (channel,) = step["Arguments"]["InputDataConfig"]
    parameter = {"Get": "Parameters.Manifest"}
    assert channel["DataSource"]["S3DataSource"] == {"S3DataType": "ManifestFile", "S3Uri": parameter,
                                                     "S3DataDistributionType": "ShardedByS3Key"}
    pipeline.upsert()
    execution = pipeline.start(log=None)
    execution.wait()
    job = execution.result("Train")
    assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataType"] == "ManifestFile"
    from helpers.platform.jobs import job_dir

    channel_dir = job_dir(job["TrainingJobName"]) / "opt" / "ml" / "input" / "data" / "train"
    assert files_under(channel_dir) == {"x.csv": b"1,2\n"}
