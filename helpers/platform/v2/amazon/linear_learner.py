"""SDK v2's ``sagemaker.amazon.linear_learner`` (also ``sagemaker.LinearLearner``): linear models for
binary / multiclass classification and regression; ``LinearLearnerPredictor.predict(x)`` -> Records with
``label["predicted_label"]`` and ``label["score"]``."""

from __future__ import annotations

from helpers.platform.v2.amazon.amazon_estimator import AlgorithmModel, AmazonAlgorithmEstimatorBase, RecordPredictor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import ge, gt, isin, le, lt

__all__ = ["LinearLearner", "LinearLearnerPredictor", "LinearLearnerModel"]

_UNIT_OPEN = (gt(0), lt(1))
_UNIT_HALF_OPEN = (ge(0), lt(1))
_LOSSES = ("logistic", "squared_loss", "absolute_loss", "hinge_loss", "eps_insensitive_squared_loss",
           "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss", "softmax_loss", "auto")


class LinearLearnerPredictor(RecordPredictor):
    """Rows -> ``record.label["predicted_label"]`` and ``["score"]`` (regressors: ``["score"]``)."""


class LinearLearner(AmazonAlgorithmEstimatorBase):
    """SageMaker's linear learner (``sagemaker.LinearLearner``, SDK v2). ``predictor_type`` is needed;
    ``multiclass_classifier`` needs ``num_classes`` > 2 (refused at once, as SDK v2 does). ``fit`` sends
    mini_batch_size: the one given, else min(1000, records per instance)."""

    repo_name = "linear-learner"
    repo_version = 1
    predictor_cls = LinearLearnerPredictor
    DEFAULT_MINI_BATCH_SIZE = 1000

    binary_classifier_model_selection_criteria = hp(
        "binary_classifier_model_selection_criteria",
        isin("accuracy", "f1", "f_beta", "precision_at_target_recall", "recall_at_target_precision",
             "cross_entropy_loss", "loss_function"), data_type=str)
    target_recall = hp("target_recall", _UNIT_OPEN, "A float in (0,1)", float)
    target_precision = hp("target_precision", _UNIT_OPEN, "A float in (0,1)", float)
    positive_example_weight_mult = hp("positive_example_weight_mult", (),
                                      "A float greater than 0 or 'auto' or 'balanced'", str)
    epochs = hp("epochs", gt(0), "An integer greater-than 0", int)
    predictor_type = hp("predictor_type", isin("binary_classifier", "regressor", "multiclass_classifier"),
                        'One of "binary_classifier" or "multiclass_classifier" or "regressor"', str)
    use_bias = hp("use_bias", (), "Either True or False", bool)
    num_models = hp("num_models", gt(0), "An integer greater-than 0", int)
    num_calibration_samples = hp("num_calibration_samples", gt(0), "An integer greater-than 0", int)
    init_method = hp("init_method", isin("uniform", "normal"), 'One of "uniform" or "normal"', str)
    init_scale = hp("init_scale", gt(0), "A float greater-than 0", float)
    init_sigma = hp("init_sigma", gt(0), "A float greater-than 0", float)
    init_bias = hp("init_bias", (), "A number", float)
    optimizer = hp("optimizer", isin("sgd", "adam", "rmsprop", "auto"), 'One of "sgd", "adam", "rmsprop" or "auto',
                   str)
    loss = hp("loss", isin(*_LOSSES), ", ".join(f'"{loss}"' for loss in _LOSSES), str)
    wd = hp("wd", ge(0), "A float greater-than or equal to 0", float)
    l1 = hp("l1", ge(0), "A float greater-than or equal to 0", float)
    momentum = hp("momentum", _UNIT_HALF_OPEN, "A float in [0,1)", float)
    learning_rate = hp("learning_rate", gt(0), "A float greater-than 0", float)
    beta_1 = hp("beta_1", _UNIT_HALF_OPEN, "A float in [0,1)", float)
    beta_2 = hp("beta_2", _UNIT_HALF_OPEN, "A float in [0,1)", float)
    bias_lr_mult = hp("bias_lr_mult", gt(0), "A float greater-than 0", float)
    bias_wd_mult = hp("bias_wd_mult", ge(0), "A float greater-than or equal to 0", float)
    use_lr_scheduler = hp("use_lr_scheduler", (), "A boolean", bool)
    lr_scheduler_step = hp("lr_scheduler_step", gt(0), "An integer greater-than 0", int)
    lr_scheduler_factor = hp("lr_scheduler_factor", _UNIT_OPEN, "A float in (0,1)", float)
    lr_scheduler_minimum_lr = hp("lr_scheduler_minimum_lr", gt(0), "A float greater-than 0", float)
    normalize_data = hp("normalize_data", (), "A boolean", bool)
    normalize_label = hp("normalize_label", (), "A boolean", bool)
    unbias_data = hp("unbias_data", (), "A boolean", bool)
    unbias_label = hp("unbias_label", (), "A boolean", bool)
    num_point_for_scaler = hp("num_point_for_scaler", gt(0), "An integer greater-than 0", int)
    margin = hp("margin", ge(0), "A float greater-than or equal to 0", float)
    quantile = hp("quantile", _UNIT_OPEN, "A float in (0,1)", float)
    loss_insensitivity = hp("loss_insensitivity", gt(0), "A float greater-than 0", float)
    huber_delta = hp("huber_delta", ge(0), "A float greater-than or equal to 0", float)
    early_stopping_patience = hp("early_stopping_patience", gt(0), "An integer greater-than 0", int)
    early_stopping_tolerance = hp("early_stopping_tolerance", gt(0), "A float greater-than 0", float)
    num_classes = hp("num_classes", (gt(0), le(1000000)), "An integer in [1,1000000]", int)
    accuracy_top_k = hp("accuracy_top_k", (gt(0), le(1000000)), "An integer in [1,1000000]", int)
    f_beta = hp("f_beta", gt(0), "A float greater-than 0", float)
    balance_multiclass_weights = hp("balance_multiclass_weights", (), "A boolean", bool)

    _NAMES = ("predictor_type", "binary_classifier_model_selection_criteria", "target_recall", "target_precision",
              "positive_example_weight_mult", "epochs", "use_bias", "num_models", "num_calibration_samples",
              "init_method", "init_scale", "init_sigma", "init_bias", "optimizer", "loss", "wd", "l1", "momentum",
              "learning_rate", "beta_1", "beta_2", "bias_lr_mult", "bias_wd_mult", "use_lr_scheduler",
              "lr_scheduler_step", "lr_scheduler_factor", "lr_scheduler_minimum_lr", "normalize_data",
              "normalize_label", "unbias_data", "unbias_label", "num_point_for_scaler", "margin", "quantile",
              "loss_insensitivity", "huber_delta", "early_stopping_patience", "early_stopping_tolerance",
              "num_classes", "accuracy_top_k", "f_beta", "balance_multiclass_weights")

    def __init__(self, role=None, instance_count=None, instance_type=None, predictor_type=None,
                 binary_classifier_model_selection_criteria=None, target_recall=None, target_precision=None,
                 positive_example_weight_mult=None, epochs=None, use_bias=None, num_models=None,
                 num_calibration_samples=None, init_method=None, init_scale=None, init_sigma=None, init_bias=None,
                 optimizer=None, loss=None, wd=None, l1=None, momentum=None, learning_rate=None, beta_1=None,
                 beta_2=None, bias_lr_mult=None, bias_wd_mult=None, use_lr_scheduler=None, lr_scheduler_step=None,
                 lr_scheduler_factor=None, lr_scheduler_minimum_lr=None, normalize_data=None, normalize_label=None,
                 unbias_data=None, unbias_label=None, num_point_for_scaler=None, margin=None, quantile=None,
                 loss_insensitivity=None, huber_delta=None, early_stopping_patience=None,
                 early_stopping_tolerance=None, num_classes=None, accuracy_top_k=None, f_beta=None,
                 balance_multiclass_weights=None, **kwargs):
        super().__init__(role, instance_count, instance_type, **kwargs)
        given = locals()
        for name in self._NAMES:
            setattr(self, name, given[name])
        if self.predictor_type == "multiclass_classifier" and (num_classes is None or int(num_classes) < 3):
            raise ValueError("For predictor_type 'multiclass_classifier', 'num_classes' should be set to a "
                             "value greater than 2.")


class LinearLearnerModel(AlgorithmModel):
    """A linear learner ``model.tar.gz`` to deploy (returns ``LinearLearnerPredictor``)."""

    estimator_cls = LinearLearner
