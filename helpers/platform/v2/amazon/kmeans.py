"""SDK v2's ``sagemaker.amazon.kmeans`` (also ``sagemaker.KMeans``): k-means clustering on RecordIO data::

    kmeans = KMeans(role=role, instance_count=1, instance_type="ml.c4.xlarge", output_path=out, k=10)
    kmeans.fit(kmeans.record_set(x.astype("float32")))
    predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge")
    [r.label["closest_cluster"].float32_tensor.values[0] for r in predictor.predict(x[:5])]
"""

from __future__ import annotations

from helpers.platform.v2.amazon.amazon_estimator import AlgorithmModel, AmazonAlgorithmEstimatorBase, RecordPredictor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import ge, gt, isin, le

__all__ = ["KMeans", "KMeansPredictor", "KMeansModel"]


class KMeansPredictor(RecordPredictor):
    """Rows -> their closest cluster: ``record.label["closest_cluster"]`` and ``["distance_to_cluster"]``."""


class KMeans(AmazonAlgorithmEstimatorBase):
    """SageMaker's k-means (``sagemaker.KMeans``, SDK v2): hyperparameters as keyword arguments, each
    under SDK v2's name (``max_iterations`` is sent as ``local_lloyd_max_iter``...)."""

    repo_name = "kmeans"
    repo_version = 1
    predictor_cls = KMeansPredictor
    DEFAULT_MINI_BATCH_SIZE = 5000  # SDK v2 sends it whatever the number of records

    k = hp("k", gt(1), "An integer greater-than 1", int)
    init_method = hp("init_method", isin("random", "kmeans++"), 'One of "random", "kmeans++"', str)
    max_iterations = hp("local_lloyd_max_iter", gt(0), "An integer greater-than 0", int)
    tol = hp("local_lloyd_tol", (ge(0), le(1)), "An float in [0, 1]", float)
    num_trials = hp("local_lloyd_num_trials", gt(0), "An integer greater-than 0", int)
    local_init_method = hp("local_lloyd_init_method", isin("random", "kmeans++"), 'One of "random", "kmeans++"', str)
    half_life_time_size = hp("half_life_time_size", ge(0), "An integer greater-than-or-equal-to 0", int)
    epochs = hp("epochs", gt(0), "An integer greater-than 0", int)
    center_factor = hp("extra_center_factor", gt(0), "An integer greater-than 0", int)
    eval_metrics = hp(name="eval_metrics", validation_message='A comma separated list of "msd" or "ssd"',
                      data_type=list)

    def __init__(self, role=None, instance_count=None, instance_type=None, k=None, init_method=None,
                 max_iterations=None, tol=None, num_trials=None, local_init_method=None, half_life_time_size=None,
                 epochs=None, center_factor=None, eval_metrics=None, **kwargs):
        super().__init__(role, instance_count, instance_type, **kwargs)
        self.k = k
        self.init_method = init_method
        self.max_iterations = max_iterations
        self.tol = tol
        self.num_trials = num_trials
        self.local_init_method = local_init_method
        self.half_life_time_size = half_life_time_size
        self.epochs = epochs
        self.center_factor = center_factor
        self.eval_metrics = eval_metrics

    def _default_mini_batch_size(self, num_records: int) -> int:
        return self.DEFAULT_MINI_BATCH_SIZE

    def hyperparameters(self) -> dict[str, str]:
        """SDK v2's: ``force_dense="True"`` (k-means reads Record data dense) and every one set."""
        return {"force_dense": "True", **super().hyperparameters()}


class KMeansModel(AlgorithmModel):
    """A k-means ``model.tar.gz`` to deploy: ``KMeansModel(model_data, role).deploy(...)`` -> ``KMeansPredictor``."""

    estimator_cls = KMeans
