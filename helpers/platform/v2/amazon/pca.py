"""SDK v2's ``sagemaker.amazon.pca`` (also ``sagemaker.PCA``): principal components on RecordIO data;
``PCAPredictor.predict(x)`` -> Records with ``label["projection"]``."""

from __future__ import annotations

from helpers.platform.v2.amazon.amazon_estimator import AlgorithmModel, AmazonAlgorithmEstimatorBase, RecordPredictor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import gt, isin

__all__ = ["PCA", "PCAPredictor", "PCAModel"]


class PCAPredictor(RecordPredictor):
    """Rows -> their projection on the components: ``record.label["projection"].float32_tensor.values``."""


class PCA(AmazonAlgorithmEstimatorBase):
    """SageMaker's PCA (``sagemaker.PCA``, SDK v2). ``fit`` sends mini_batch_size (required by the
    algorithm): the one given, else min(500, records per instance), as SDK v2 does."""

    repo_name = "pca"
    repo_version = 1
    predictor_cls = PCAPredictor
    DEFAULT_MINI_BATCH_SIZE = 500

    num_components = hp("num_components", gt(0), "Value must be an integer greater than zero", int)
    algorithm_mode = hp("algorithm_mode", isin("regular", "randomized"),
                        'Value must be one of "regular" and "randomized"', str)
    subtract_mean = hp(name="subtract_mean", validation_message="Value must be a boolean", data_type=bool)
    extra_components = hp(name="extra_components",
                          validation_message="Value must be an integer greater than or equal to 0, or -1.",
                          data_type=int)

    def __init__(self, role=None, instance_count=None, instance_type=None, num_components=None, algorithm_mode=None,
                 subtract_mean=None, extra_components=None, **kwargs):
        super().__init__(role, instance_count, instance_type, **kwargs)
        self.num_components = num_components
        self.algorithm_mode = algorithm_mode
        self.subtract_mean = subtract_mean
        self.extra_components = extra_components


class PCAModel(AlgorithmModel):
    """A PCA ``model.tar.gz`` to deploy (returns ``PCAPredictor``)."""

    estimator_cls = PCA
