"""SDK v2's ``sagemaker.sklearn.estimator.SKLearn``: your training script on SageMaker's scikit-learn image."""

from __future__ import annotations

from helpers.platform.v2.estimator import Framework
from helpers.platform.v2.sklearn.model import SKLearnPredictor


class SKLearn(Framework):
    """``SKLearn(entry_point="train.py", framework_version="1.2-1", instance_type=..., role=..., source_dir=...,
    hyperparameters={...})``: ``fit`` runs the script with SageMaker's ``SM_*`` environment; ``deploy``
    serves its model (``model_fn``... in ``inference.py`` or the script, else ``model.joblib`` + ``predict``)
    and returns an ``SKLearnPredictor`` (numpy in, numpy out). ``instance_count`` defaults to 1 here, as
    scikit-learn trains on one instance."""

    framework_name = "sklearn"
    predictor_cls = SKLearnPredictor

    def __init__(self, entry_point: str, framework_version: str | None = None, py_version: str | None = "py3",
                 source_dir: str | None = None, hyperparameters: dict | None = None, image_uri: str | None = None,
                 instance_count: int | None = None, **kwargs):
        if instance_count not in (None, 1) and "train_instance_count" not in kwargs:
            raise ValueError("scikit-learn trains on one instance: SKLearn takes instance_count=1 (SDK v2's rule).")
        if "train_instance_count" not in kwargs:
            kwargs["instance_count"] = 1
        super().__init__(entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         framework_version=framework_version, py_version=py_version, image_uri=image_uri, **kwargs)
