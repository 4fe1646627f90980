"""SDK v2's ``sagemaker.amazon.knn`` (also ``sagemaker.KNN``): k-nearest-neighbours classification or
regression; ``KNNPredictor.predict(x)`` -> Records with ``label["predicted_label"]``."""

from __future__ import annotations

from helpers.platform.v2.amazon.amazon_estimator import AlgorithmModel, AmazonAlgorithmEstimatorBase, RecordPredictor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import ge, isin

__all__ = ["KNN", "KNNPredictor", "KNNModel"]


class KNNPredictor(RecordPredictor):
    """Rows -> their predicted label: ``record.label["predicted_label"].float32_tensor.values[0]``."""


class KNN(AmazonAlgorithmEstimatorBase):
    """SageMaker's k-NN (``sagemaker.KNN``, SDK v2): ``k``, ``sample_size`` and ``predictor_type``
    are needed by the algorithm; ``dimension_reduction_type`` needs ``dimension_reduction_target``."""

    repo_name = "knn"
    repo_version = 1
    predictor_cls = KNNPredictor

    k = hp("k", (ge(1)), "An integer greater than 0", int)
    sample_size = hp("sample_size", (ge(1)), "An integer greater than 0", int)
    predictor_type = hp("predictor_type", isin("classifier", "regressor"), 'One of "classifier" or "regressor"', str)
    dimension_reduction_target = hp("dimension_reduction_target", (ge(1)),
                                    "An integer greater than 0 and less than feature_dim", int)
    dimension_reduction_type = hp("dimension_reduction_type", isin("sign", "fjlt"), 'One of "sign" or "fjlt"', str)
    index_metric = hp("index_metric", isin("COSINE", "INNER_PRODUCT", "L2"), 'One of "COSINE", "INNER_PRODUCT", "L2"',
                      str)
    index_type = hp("index_type", isin("faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ"),
                    'One of "faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ"', str)
    faiss_index_ivf_nlists = hp("faiss_index_ivf_nlists", (), '"auto" or an integer greater than 0', str)
    faiss_index_pq_m = hp("faiss_index_pq_m", (ge(1)), "An integer greater than 0", int)

    def __init__(self, role=None, instance_count=None, instance_type=None, k=None, sample_size=None,
                 predictor_type=None, dimension_reduction_type=None, dimension_reduction_target=None,
                 index_type=None, index_metric=None, faiss_index_ivf_nlists=None, faiss_index_pq_m=None, **kwargs):
        super().__init__(role, instance_count, instance_type, **kwargs)
        self.k = k
        self.sample_size = sample_size
        self.predictor_type = predictor_type
        self.dimension_reduction_type = dimension_reduction_type
        self.dimension_reduction_target = dimension_reduction_target
        self.index_type = index_type
        self.index_metric = index_metric
        self.faiss_index_ivf_nlists = faiss_index_ivf_nlists
        self.faiss_index_pq_m = faiss_index_pq_m
        if dimension_reduction_type and not dimension_reduction_target:
            raise ValueError('"dimension_reduction_target" is required when "dimension_reduction_type" is set.')


class KNNModel(AlgorithmModel):
    """A k-NN ``model.tar.gz`` to deploy (returns ``KNNPredictor``)."""

    estimator_cls = KNN
