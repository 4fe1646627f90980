"""The local ML platform: SageMaker-shaped training jobs (and, from ``serving``, endpoints) on a laptop.

Public names mirror the SageMaker Python SDK v3::

    from helpers.platform import ModelTrainer, InputData, SourceCode, Compute, Session, image_uris

    session = Session()
    train_uri = session.upload_data("train.csv", key_prefix="churn/train")
    trainer = ModelTrainer(training_image=image_uris.retrieve("linear-learner", session.boto_region_name),
                           hyperparameters={"predictor_type": "binary_classifier", "feature_dim": 12})
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=train_uri)])
    trainer.latest_training_job.describe()["ModelArtifacts"]["S3ModelArtifacts"]

The backend is ``local`` unless ``FLYWHEEL_BACKEND=sagemaker`` or ``use_backend("sagemaker")``: then
the same calls go through the real SDK. Names load lazily, so ``import helpers.platform`` is cheap
(job processes import it on every start) and the local path never imports ``sagemaker``.
"""

from __future__ import annotations

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.trainer": "ModelTrainer",
    "helpers.platform.configs": ("InputData SourceCode Compute StoppingCondition OutputDataConfig MetricDefinition "
                                 "S3DataSource DataSource Channel"),
    "helpers.platform.session": "Session get_execution_role",
    "helpers.platform.image_uris": None,
    "helpers.platform.switch": "use_backend",
    "helpers.platform.backend": "current_backend",
    "helpers.platform.storage": "store",
    "helpers.platform.recordio": "write_numpy_to_dense_tensor write_spmatrix_to_sparse_tensor read_records",
    "helpers.platform.jobs": "TrainingJob list_training_jobs describe_training_job",
    "helpers.platform.errors": "FailedStatusError StoppedError InputDataError IgnoredArgumentWarning",
    "helpers.platform.tuning.tuner": "HyperparameterTuner",
    "helpers.platform.tuning.parameters": "ContinuousParameter IntegerParameter CategoricalParameter",
    "helpers.platform.registry": None,
    "helpers.platform.pipelines": None,
    "helpers.platform.serving.inference_spec": "InferenceSpec SchemaBuilder CustomPayloadTranslator Mode ModelServer",
    "helpers.platform.serving": (
        "ModelBuilder Model Endpoint EndpointConfig ProductionVariant DataCaptureConfig InvokeEndpointOutput "
        "Transformer describe_transform_job DefaultModelMonitor DatasetFormat MonitoringReport list_endpoints "
        "describe_endpoint delete_endpoint running_resources stop_all use_local_runtime clear_local_runtime"),
})
