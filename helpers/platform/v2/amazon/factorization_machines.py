"""SDK v2's ``sagemaker.amazon.factorization_machines`` (also ``sagemaker.FactorizationMachines``):
binary classification or regression with pairwise feature interactions, on RecordIO-protobuf only
(float32, as on SageMaker); ``FactorizationMachinesPredictor.predict(x)`` -> Records with ``label["score"]``."""

from __future__ import annotations

from helpers.platform.v2.amazon.amazon_estimator import AlgorithmModel, AmazonAlgorithmEstimatorBase, RecordPredictor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import ge, gt, isin

__all__ = ["FactorizationMachines", "FactorizationMachinesPredictor", "FactorizationMachinesModel"]

_INIT = isin("normal", "uniform", "constant")
_INIT_MESSAGE = 'Value "normal", "uniform" or "constant"'


class FactorizationMachinesPredictor(RecordPredictor):
    """Rows -> ``record.label["score"]`` (and ``["predicted_label"]`` for a binary classifier)."""


class FactorizationMachines(AmazonAlgorithmEstimatorBase):
    """SageMaker's factorization machines (``sagemaker.FactorizationMachines``, SDK v2)."""

    repo_name = "factorization-machines"
    repo_version = 1
    predictor_cls = FactorizationMachinesPredictor

    num_factors = hp("num_factors", gt(0), "An integer greater than zero", int)
    predictor_type = hp("predictor_type", isin("binary_classifier", "regressor"),
                        'Value "binary_classifier" or "regressor"', str)
    epochs = hp("epochs", gt(0), "An integer greater than 0", int)
    clip_gradient = hp("clip_gradient", (), "A float value", float)
    eps = hp("eps", (), "A float value", float)
    rescale_grad = hp("rescale_grad", (), "A float value", float)
    bias_lr = hp("bias_lr", ge(0), "A non-negative float", float)
    linear_lr = hp("linear_lr", ge(0), "A non-negative float", float)
    factors_lr = hp("factors_lr", ge(0), "A non-negative float", float)
    bias_wd = hp("bias_wd", ge(0), "A non-negative float", float)
    linear_wd = hp("linear_wd", ge(0), "A non-negative float", float)
    factors_wd = hp("factors_wd", ge(0), "A non-negative float", float)
    bias_init_method = hp("bias_init_method", _INIT, _INIT_MESSAGE, str)
    bias_init_scale = hp("bias_init_scale", ge(0), "A non-negative float", float)
    bias_init_sigma = hp("bias_init_sigma", ge(0), "A non-negative float", float)
    bias_init_value = hp("bias_init_value", (), "A float value", float)
    linear_init_method = hp("linear_init_method", _INIT, _INIT_MESSAGE, str)
    linear_init_scale = hp("linear_init_scale", ge(0), "A non-negative float", float)
    linear_init_sigma = hp("linear_init_sigma", ge(0), "A non-negative float", float)
    linear_init_value = hp("linear_init_value", (), "A float value", float)
    factors_init_method = hp("factors_init_method", _INIT, _INIT_MESSAGE, str)
    factors_init_scale = hp("factors_init_scale", ge(0), "A non-negative float", float)
    factors_init_sigma = hp("factors_init_sigma", ge(0), "A non-negative float", float)
    factors_init_value = hp("factors_init_value", (), "A float value", float)

    _NAMES = ("num_factors", "predictor_type", "epochs", "clip_gradient", "eps", "rescale_grad", "bias_lr",
              "linear_lr", "factors_lr", "bias_wd", "linear_wd", "factors_wd", "bias_init_method", "bias_init_scale",
              "bias_init_sigma", "bias_init_value", "linear_init_method", "linear_init_scale", "linear_init_sigma",
              "linear_init_value", "factors_init_method", "factors_init_scale", "factors_init_sigma",
              "factors_init_value")

    def __init__(self, role=None, instance_count=None, instance_type=None, num_factors=None, predictor_type=None,
                 epochs=None, clip_gradient=None, eps=None, rescale_grad=None, bias_lr=None, linear_lr=None,
                 factors_lr=None, bias_wd=None, linear_wd=None, factors_wd=None, bias_init_method=None,
                 bias_init_scale=None, bias_init_sigma=None, bias_init_value=None, linear_init_method=None,
                 linear_init_scale=None, linear_init_sigma=None, linear_init_value=None, factors_init_method=None,
                 factors_init_scale=None, factors_init_sigma=None, factors_init_value=None, **kwargs):
        super().__init__(role, instance_count, instance_type, **kwargs)
        given = locals()
        for name in self._NAMES:
            setattr(self, name, given[name])


class FactorizationMachinesModel(AlgorithmModel):
    """A factorization machines ``model.tar.gz`` to deploy (returns ``FactorizationMachinesPredictor``)."""

    estimator_cls = FactorizationMachines
