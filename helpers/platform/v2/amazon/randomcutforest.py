"""SDK v2's ``sagemaker.amazon.randomcutforest`` (also ``sagemaker.RandomCutForest``): anomaly scores;
``RandomCutForestPredictor.predict(x)`` -> Records with ``label["score"]``."""

from __future__ import annotations

from helpers.platform.v2.amazon.amazon_estimator import AlgorithmModel, AmazonAlgorithmEstimatorBase, RecordPredictor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import ge, le

__all__ = ["RandomCutForest", "RandomCutForestPredictor", "RandomCutForestModel"]


class RandomCutForestPredictor(RecordPredictor):
    """Rows -> their anomaly score: ``record.label["score"].float32_tensor.values[0]``."""


class RandomCutForest(AmazonAlgorithmEstimatorBase):
    """SageMaker's Random Cut Forest (``sagemaker.RandomCutForest``, SDK v2). Its mini-batch size is
    fixed at 1000 (``fit(mini_batch_size=...)`` with another value is refused, as in SDK v2)."""

    repo_name = "randomcutforest"
    repo_version = 1
    predictor_cls = RandomCutForestPredictor
    MINI_BATCH_SIZE = 1000

    eval_metrics = hp(name="eval_metrics", data_type=list,
                      validation_message='A comma separated list of "accuracy" or "precision_recall_fscore"')
    num_trees = hp("num_trees", (ge(50), le(1000)), "An integer in [50, 1000]", int)
    num_samples_per_tree = hp("num_samples_per_tree", (ge(1), le(2048)), "An integer in [1, 2048]", int)
    feature_dim = hp("feature_dim", (ge(1), le(10000)), "An integer in [1, 10000]", int)

    def __init__(self, role=None, instance_count=None, instance_type=None, num_samples_per_tree=None,
                 num_trees=None, eval_metrics=None, **kwargs):
        super().__init__(role, instance_count, instance_type, **kwargs)
        self.num_samples_per_tree = num_samples_per_tree
        self.num_trees = num_trees
        self.eval_metrics = eval_metrics

    def _prepare_for_training(self, records=None, mini_batch_size=None, job_name=None) -> None:
        if mini_batch_size is None:
            mini_batch_size = self.MINI_BATCH_SIZE
        elif mini_batch_size != self.MINI_BATCH_SIZE:
            raise ValueError(f"Random Cut Forest uses a fixed mini_batch_size of {self.MINI_BATCH_SIZE}: "
                             f"leave mini_batch_size out.")
        super()._prepare_for_training(records, mini_batch_size=mini_batch_size, job_name=job_name)


class RandomCutForestModel(AlgorithmModel):
    """A Random Cut Forest ``model.tar.gz`` to deploy (returns ``RandomCutForestPredictor``)."""

    estimator_cls = RandomCutForest
