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

import importlib

_EXPORTS = {
    "ModelTrainer": ("helpers.platform.trainer", "ModelTrainer"),
    "InputData": ("helpers.platform.configs", "InputData"),
    "SourceCode": ("helpers.platform.configs", "SourceCode"),
    "Compute": ("helpers.platform.configs", "Compute"),
    "StoppingCondition": ("helpers.platform.configs", "StoppingCondition"),
    "OutputDataConfig": ("helpers.platform.configs", "OutputDataConfig"),
    "MetricDefinition": ("helpers.platform.configs", "MetricDefinition"),
    "Session": ("helpers.platform.session", "Session"),
    "image_uris": ("helpers.platform.image_uris", None),
    "use_backend": ("helpers.platform.switch", "use_backend"),
    "current_backend": ("helpers.platform.backend", "current_backend"),
    "store": ("helpers.platform.storage", "store"),
    "TrainingJob": ("helpers.platform.jobs", "TrainingJob"),
    "list_training_jobs": ("helpers.platform.jobs", "list_training_jobs"),
    "describe_training_job": ("helpers.platform.jobs", "describe_training_job"),
    "FailedStatusError": ("helpers.platform.errors", "FailedStatusError"),
    "StoppedError": ("helpers.platform.errors", "StoppedError"),
    "InputDataError": ("helpers.platform.errors", "InputDataError"),
    "HyperparameterTuner": ("helpers.platform.tuning.tuner", "HyperparameterTuner"),
    "ContinuousParameter": ("helpers.platform.tuning.parameters", "ContinuousParameter"),
    "IntegerParameter": ("helpers.platform.tuning.parameters", "IntegerParameter"),
    "CategoricalParameter": ("helpers.platform.tuning.parameters", "CategoricalParameter"),
    "ModelBuilder": ("helpers.platform.serving", "ModelBuilder"),
    "Model": ("helpers.platform.serving", "Model"),
    "Endpoint": ("helpers.platform.serving", "Endpoint"),
    "EndpointConfig": ("helpers.platform.serving", "EndpointConfig"),
    "ProductionVariant": ("helpers.platform.serving", "ProductionVariant"),
    "DataCaptureConfig": ("helpers.platform.serving", "DataCaptureConfig"),
    "InvokeEndpointOutput": ("helpers.platform.serving", "InvokeEndpointOutput"),
    "Transformer": ("helpers.platform.serving", "Transformer"),
    "describe_transform_job": ("helpers.platform.serving", "describe_transform_job"),
    "DefaultModelMonitor": ("helpers.platform.serving", "DefaultModelMonitor"),
    "DatasetFormat": ("helpers.platform.serving", "DatasetFormat"),
    "MonitoringReport": ("helpers.platform.serving", "MonitoringReport"),
    "list_endpoints": ("helpers.platform.serving", "list_endpoints"),
    "describe_endpoint": ("helpers.platform.serving", "describe_endpoint"),
    "delete_endpoint": ("helpers.platform.serving", "delete_endpoint"),
    "running_resources": ("helpers.platform.serving", "running_resources"),
    "stop_all": ("helpers.platform.serving", "stop_all"),
    "use_local_runtime": ("helpers.platform.serving", "use_local_runtime"),
    "clear_local_runtime": ("helpers.platform.serving", "clear_local_runtime"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'helpers.platform' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
