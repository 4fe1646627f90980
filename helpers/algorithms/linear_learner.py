"""SageMaker's Linear Learner, locally: binary classification, multiclass classification and
regression with linear models, trained by mini-batch SGD / Adam / RMSProp in numpy.

As on SageMaker:

* features are normalised (and labels, for regression) from a sample of ``num_point_for_scaler``
  rows before training (``normalize_data``, ``normalize_label``, ``unbias_*``);
* ``num_models`` models are trained in parallel, one with the given (or automatic) learning rate and
  regularisation and the others with close values; the best one on the validation channel (or on the
  training data when there is none) is kept, by ``binary_classifier_model_selection_criteria`` for
  binary classifiers and by the objective loss otherwise;
* a binary classifier's decision threshold is calibrated on that same data for the criterion
  (accuracy, F-beta, precision at target recall, recall at target precision);
* early stopping watches the validation loss (training loss without validation) with
  ``early_stopping_patience`` and ``early_stopping_tolerance``; a tuning job sets ``num_models`` to 1.

Channels: ``train`` (required), ``validation`` and ``test`` (optional); CSV, label first, no header.
Binary labels are 0/1, multiclass labels 0..num_classes-1.

Metrics: ``train:objective_loss`` and ``validation:objective_loss`` per epoch (the best model's),
then the kept model's ``validation:*`` and ``test:*`` metrics (SageMaker's names: objective_loss,
binary_classification_accuracy, binary_f_beta, precision, recall, roc_auc_score; multiclass_accuracy,
multiclass_top_k_accuracy, macro_f_beta, macro_precision, macro_recall, dcg; mse, rmse, absolute_loss).

Responses (JSON / JSON Lines): ``{"score": 0.4, "predicted_label": 0}`` (binary),
``{"score": [0.1, 0.7, 0.2], "predicted_label": 1}`` (multiclass), ``{"score": 3.2}`` (regression).

Local choices SageMaker does not document: ``num_models=auto`` trains 8 models; automatic learning
rates start at 0.01 (Adam, RMSProp) or 0.1 (SGD) and the other models use 0.1x to 10x that;
automatic ``wd`` is 1e-4 (others 1e-5 to 1e-3), automatic ``l1`` is 0; ``positive_example_weight_mult=auto``
alternates unweighted and balanced models; the automatic learning-rate schedule multiplies the rate
by 0.9 every 5 epochs' worth of mini-batches, down to 1e-5; automatic ``momentum`` (SGD) is 0.9,
``beta_1`` / ``beta_2`` (Adam) 0.9 / 0.999; the random seed is fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import metrics as m
from helpers.algorithms.base import Algorithm, Log, read_model, write_model
from helpers.algorithms.channels import check_class_labels, read_channel, split_label
from helpers.algorithms.errors import HyperparameterError

__all__ = ["LinearLearner", "LinearModel"]

BINARY, MULTICLASS, REGRESSOR = "binary_classifier", "multiclass_classifier", "regressor"
REGRESSION_LOSSES = ("squared_loss", "absolute_loss", "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss",
                     "quantile_loss", "huber_loss")
LOSSES_BY_TYPE = {BINARY: ("logistic", "hinge_loss"), MULTICLASS: ("softmax_loss",), REGRESSOR: REGRESSION_LOSSES}
DEFAULT_LOSS = {BINARY: "logistic", MULTICLASS: "softmax_loss", REGRESSOR: "squared_loss"}
CRITERIA = ("accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision", "loss_function")

BINARY_METRICS = ("objective_loss", "binary_classification_accuracy", "binary_f_beta", "precision", "recall", "roc_auc_score")
MULTICLASS_METRICS = ("objective_loss", "multiclass_accuracy", "multiclass_top_k_accuracy", "macro_f_beta",
                      "macro_precision", "macro_recall", "dcg")
REGRESSION_METRICS = ("objective_loss", "mse", "rmse", "absolute_loss")

AUTO_NUM_MODELS = 8
# (learning-rate multiplier, regularisation multiplier) of the parallel models; model 0 is the given setting.
PERTURBATIONS = [(1, 1), (10, 1), (0.1, 1), (3, 1), (0.3, 1), (1, 10), (10, 10), (1, 0.1)]
SEED = 0


def _positive_weight(value: Any) -> Any:
    text = str(value).strip().lower()
    if text in ("balanced", "auto"):
        return text
    out = float(text)
    if not math.isfinite(out) or out <= 0:
        raise ValueError("must be 'balanced', 'auto' or a positive float")
    return out


HYPERPARAMETERS = {
    s.name: s for s in [
        hp.choice("predictor_type", (BINARY, MULTICLASS, REGRESSOR), required=True,
                  help="the type of target: binary classification, multiclass classification or regression"),
        hp.integer("feature_dim", low=1, required=True, help="the number of features in the input data"),
        hp.integer("num_classes", low=3, high=1_000_000, valid="integer from 3 to 1,000,000",
                   help="the number of classes, labelled 0..num_classes-1 (multiclass_classifier only)"),
        hp.integer("accuracy_top_k", 3, low=1),
        hp.boolean("balance_multiclass_weights", False),
        hp.number("beta_1", "auto", low=0, high=1, high_open=True, auto=True),
        hp.number("beta_2", "auto", low=0, high=1, high_open=True, auto=True),
        hp.number("bias_lr_mult", "auto", low=0, low_open=True, auto=True),
        hp.number("bias_wd_mult", "auto", low=0, auto=True),
        hp.choice("binary_classifier_model_selection_criteria", CRITERIA, "accuracy"),
        hp.integer("early_stopping_patience", 3, low=1),
        hp.number("early_stopping_tolerance", 0.001, low=0, low_open=True),
        hp.integer("epochs", 15, low=1),
        hp.number("f_beta", 1.0, low=0, low_open=True),
        hp.number("huber_delta", 1.0, low=0, low_open=True),
        hp.number("init_bias", 0.0),
        hp.choice("init_method", ("uniform", "normal"), "uniform"),
        hp.number("init_scale", 0.07, low=0, low_open=True),
        hp.number("init_sigma", 0.01, low=0, low_open=True),
        hp.number("l1", "auto", low=0, auto=True),
        hp.number("learning_rate", "auto", low=0, low_open=True, auto=True),
        hp.choice("loss", ("auto", "logistic", "hinge_loss", "softmax_loss") + REGRESSION_LOSSES, "auto"),
        hp.number("loss_insensitivity", 0.01, low=0, low_open=True),
        hp.number("lr_scheduler_factor", "auto", low=0, high=1, low_open=True, high_open=True, auto=True),
        hp.number("lr_scheduler_minimum_lr", "auto", low=0, low_open=True, auto=True),
        hp.integer("lr_scheduler_step", "auto", low=1, auto=True),
        hp.number("margin", 1.0, low=0, low_open=True),
        hp.integer("mini_batch_size", 1000, low=1),
        hp.number("momentum", "auto", low=0, high=1, high_open=True, auto=True),
        hp.boolean("normalize_data", True, auto=True),
        hp.boolean("normalize_label", "auto", auto=True),
        hp.integer("num_calibration_samples", "auto", low=1, auto=True),
        hp.integer("num_models", "auto", low=1, auto=True),
        hp.integer("num_point_for_scaler", 10000, low=1),
        hp.choice("optimizer", ("auto", "sgd", "adam", "rmsprop"), "auto"),
        hp.custom("positive_example_weight_mult", _positive_weight, "'balanced', 'auto' or a positive float", 1.0),
        hp.number("quantile", 0.5, low=0, high=1, low_open=True, high_open=True),
        hp.number("target_precision", 0.8, low=0, high=1, low_open=True),
        hp.number("target_recall", 0.8, low=0, high=1, low_open=True),
        hp.boolean("unbias_data", "auto", auto=True),
        hp.boolean("unbias_label", "auto", auto=True),
        hp.boolean("use_bias", True),
        hp.boolean("use_lr_scheduler", True),
        hp.number("wd", "auto", low=0, auto=True),
    ]
}


@dataclass
class LinearModel:
    """The kept model: ``weights`` (feature_dim, n_outputs) and ``bias`` (n_outputs,) act on
    normalised features ``(x - x_mean) / x_scale``; a regressor's score is ``out * y_scale + y_mean``."""

    predictor_type: str
    loss: str
    feature_dim: int
    num_classes: int
    weights: np.ndarray
    bias: np.ndarray
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    threshold: float

    def raw_scores(self, x: np.ndarray) -> np.ndarray:
        """(n, n_outputs) linear scores in the model's training units."""
        return ((x - self.x_mean) / self.x_scale) @ self.weights + self.bias

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Binary: P(y=1) for logistic loss, the margin for hinge loss (n,); multiclass: class
        probabilities (n, C); regression: predictions in label units (n,)."""
        raw = self.raw_scores(x)
        if self.predictor_type == MULTICLASS:
            return _softmax(raw)
        if self.predictor_type == BINARY:
            return _sigmoid(raw[:, 0]) if self.loss == "logistic" else raw[:, 0]
        return raw[:, 0] * self.y_scale + self.y_mean

    def predict_labels(self, scores: np.ndarray) -> np.ndarray:
        if self.predictor_type == MULTICLASS:
            return scores.argmax(axis=1)
        return (scores > self.threshold).astype(np.int64)


class LinearLearner(Algorithm):
    name = "linear-learner"
    image_repository = "linear-learner"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "validation", "test"})
    metric_names = ("train:objective_loss",) + tuple(
        f"{channel}:{metric}" for channel in ("validation", "test")
        for metric in dict.fromkeys(BINARY_METRICS + MULTICLASS_METRICS + REGRESSION_METRICS)
    )

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        kind = values["predictor_type"]
        if kind == MULTICLASS and values["num_classes"] is None:
            raise HyperparameterError(
                "Missing required hyperparameter 'num_classes' for linear-learner: it is required when predictor_type "
                "is 'multiclass_classifier'. Valid values: integer from 3 to 1,000,000 (classes labelled 0..num_classes-1)."
            )
        if values["loss"] != "auto" and values["loss"] not in LOSSES_BY_TYPE[kind]:
            raise HyperparameterError(
                f"Hyperparameter 'loss': value {values['loss']!r} does not fit predictor_type {kind!r}. "
                f"Valid values: 'auto', {', '.join(repr(v) for v in LOSSES_BY_TYPE[kind])}."
            )

    # ------------------------------------------------------------------------------------ training

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        kind = hps["predictor_type"]
        n_classes = hps["num_classes"] if kind == MULTICLASS else 2
        data = {name: self._read(name, path, hps, n_classes) for name, path in channels.items()}
        x, y = data["train"]
        settings = _Settings.resolve(hps, x, y, tuning="_tuning_objective_metric" in hps)
        plural = "s" if settings.num_models != 1 else ""
        log(f"linear-learner: {len(x)} training rows, {settings.num_models} model{plural} trained in parallel "
            f"({settings.optimizer}, loss {settings.loss}).")
        trainer = _Trainer(settings, x, y, data.get("validation"))
        trainer.run(log, self)
        model = trainer.select()
        self._log_final(log, model, settings, data)
        write_model(model_dir, self.name, {
            "predictor_type": model.predictor_type, "loss": model.loss, "feature_dim": model.feature_dim,
            "num_classes": model.num_classes, "y_mean": model.y_mean, "y_scale": model.y_scale,
            "threshold": model.threshold, "hyperparameters": dict(hps),
        }, {"weights": model.weights, "bias": model.bias, "x_mean": model.x_mean, "x_scale": model.x_scale})

    def _read(self, channel: str, path: Path, hps: dict[str, Any], n_classes: int) -> tuple[np.ndarray, np.ndarray]:
        table = read_channel(channel, path)
        x, y = split_label(table, hps["feature_dim"], algorithm=self.name)
        if hps["predictor_type"] != REGRESSOR:
            y = check_class_labels(table, y, n_classes)
        return x, y

    def _log_final(self, log: Log, model: LinearModel, settings: "_Settings",
                   data: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """The kept model's final metrics: training objective loss, then every validation / test metric."""
        x, y = data["train"]
        self.log_metric(log, "train:objective_loss", evaluate(model, x, y, settings)["objective_loss"])
        for channel in ("validation", "test"):
            if channel in data:
                for name, value in evaluate(model, *data[channel], settings).items():
                    self.log_metric(log, f"{channel}:{name}", value)

    # ----------------------------------------------------------------------------------- inference

    def load(self, model_dir: Path) -> LinearModel:
        meta, arrays = read_model(model_dir, self.name)
        return LinearModel(meta["predictor_type"], meta["loss"], meta["feature_dim"], meta["num_classes"],
                           arrays["weights"], arrays["bias"], arrays["x_mean"], arrays["x_scale"],
                           meta["y_mean"], meta["y_scale"], meta["threshold"])

    def predict(self, features: np.ndarray, model: LinearModel) -> list[dict[str, Any]]:
        # tolist() gives Python floats and ints at once (iterating an array makes a numpy scalar per value)
        scores = model.scores(features)
        if model.predictor_type == REGRESSOR:
            return [{"score": s} for s in scores.tolist()]
        labels = model.predict_labels(scores).tolist()
        if model.predictor_type == MULTICLASS:
            return [{"score": row, "predicted_label": label} for row, label in zip(scores.tolist(), labels)]
        return [{"score": s, "predicted_label": label} for s, label in zip(scores.tolist(), labels)]


# ---------------------------------------------------------------------------------------- settings


@dataclass
class _Settings:
    """Hyperparameters with every ``auto`` resolved, and the per-model learning rates / penalties."""

    kind: str
    loss: str
    n_outputs: int
    num_classes: int
    optimizer: str
    num_models: int
    epochs: int
    batch: int
    lr: np.ndarray  # (M,)
    wd: np.ndarray  # (M,)
    l1: np.ndarray  # (M,)
    pos_weight: np.ndarray  # (M,)
    class_weight: np.ndarray | None
    bias_lr_mult: float
    bias_wd_mult: float
    use_bias: bool
    beta_1: float
    beta_2: float
    momentum: float
    use_scheduler: bool
    scheduler_step: int
    scheduler_factor: float
    scheduler_min_lr: float
    patience: int
    tolerance: float
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    huber_delta: float  # in training units
    insensitivity: float  # in training units
    quantile: float
    margin: float
    hps: dict[str, Any]

    @classmethod
    def resolve(cls, hps: dict[str, Any], x: np.ndarray, y: np.ndarray, tuning: bool) -> "_Settings":
        kind = hps["predictor_type"]
        loss = DEFAULT_LOSS[kind] if hps["loss"] == "auto" else hps["loss"]
        optimizer = "adam" if hps["optimizer"] == "auto" else hps["optimizer"]
        num_models = 1 if tuning else (AUTO_NUM_MODELS if hps["num_models"] == "auto" else hps["num_models"])
        rng = np.random.default_rng(SEED)
        # Scaler statistics from a sample of rows, as SageMaker does (num_point_for_scaler).
        sample = x if len(x) <= hps["num_point_for_scaler"] else x[rng.choice(len(x), hps["num_point_for_scaler"], replace=False)]
        normalize = hps["normalize_data"] in (True, "auto")
        unbias = hps["use_bias"] if hps["unbias_data"] == "auto" else hps["unbias_data"]
        x_mean = sample.mean(axis=0) if unbias else np.zeros(x.shape[1])
        x_scale = sample.std(axis=0) if normalize else np.ones(x.shape[1])
        x_scale = np.where(x_scale > 0, x_scale, 1.0)
        y_mean, y_scale = 0.0, 1.0
        if kind == REGRESSOR:
            y_sample = y if len(y) <= hps["num_point_for_scaler"] else y[rng.choice(len(y), hps["num_point_for_scaler"], replace=False)]
            if (hps["use_bias"] if hps["unbias_label"] == "auto" else hps["unbias_label"]):
                y_mean = float(y_sample.mean())
            if hps["normalize_label"] in (True, "auto"):
                y_scale = float(y_sample.std()) or 1.0

        base_lr = hps["learning_rate"] if hps["learning_rate"] != "auto" else (0.1 if optimizer == "sgd" else 0.01)
        base_wd = hps["wd"] if hps["wd"] != "auto" else 1e-4
        base_l1 = hps["l1"] if hps["l1"] != "auto" else 0.0
        lr_mult, reg_mult = _perturbations(num_models, rng)
        pos = hps["positive_example_weight_mult"]
        balanced = float((y == 0).sum()) / max(1.0, float((y == 1).sum())) if kind == BINARY else 1.0
        if pos == "balanced":
            pos_weight = np.full(num_models, balanced)
        elif pos == "auto":  # let model selection choose between unweighted and balanced
            pos_weight = np.where(np.arange(num_models) % 2 == 0, 1.0, balanced)
        else:
            pos_weight = np.full(num_models, float(pos))
        class_weight = None
        if kind == MULTICLASS and hps["balance_multiclass_weights"]:
            counts = np.bincount(y, minlength=hps["num_classes"]).astype(float)
            class_weight = np.where(counts > 0, len(y) / (hps["num_classes"] * np.maximum(counts, 1)), 0.0)
        n_batches = math.ceil(len(x) / hps["mini_batch_size"])
        return cls(
            kind=kind, loss=loss, n_outputs=hps["num_classes"] if kind == MULTICLASS else 1,
            num_classes=hps["num_classes"] if kind == MULTICLASS else (2 if kind == BINARY else 0),
            optimizer=optimizer, num_models=num_models, epochs=hps["epochs"], batch=hps["mini_batch_size"],
            lr=base_lr * lr_mult, wd=base_wd * reg_mult, l1=base_l1 * reg_mult, pos_weight=pos_weight,
            class_weight=class_weight,
            bias_lr_mult=1.0 if hps["bias_lr_mult"] == "auto" else hps["bias_lr_mult"],
            bias_wd_mult=0.0 if hps["bias_wd_mult"] == "auto" else hps["bias_wd_mult"],
            use_bias=hps["use_bias"],
            beta_1=0.9 if hps["beta_1"] == "auto" else hps["beta_1"],
            beta_2=0.999 if hps["beta_2"] == "auto" else hps["beta_2"],
            momentum=0.9 if hps["momentum"] == "auto" else hps["momentum"],
            use_scheduler=hps["use_lr_scheduler"],
            scheduler_step=max(1, n_batches * 5) if hps["lr_scheduler_step"] == "auto" else hps["lr_scheduler_step"],
            scheduler_factor=0.9 if hps["lr_scheduler_factor"] == "auto" else hps["lr_scheduler_factor"],
            scheduler_min_lr=1e-5 if hps["lr_scheduler_minimum_lr"] == "auto" else hps["lr_scheduler_minimum_lr"],
            patience=hps["early_stopping_patience"], tolerance=hps["early_stopping_tolerance"],
            x_mean=x_mean, x_scale=x_scale, y_mean=y_mean, y_scale=y_scale,
            huber_delta=hps["huber_delta"] / y_scale, insensitivity=hps["loss_insensitivity"] / y_scale,
            quantile=hps["quantile"], margin=hps["margin"], hps=hps,
        )


def _perturbations(num_models: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    pairs = list(PERTURBATIONS[:num_models])
    while len(pairs) < num_models:  # beyond the fixed grid: log-uniform around the given setting
        pairs.append((10 ** rng.uniform(-1.5, 1.5), 10 ** rng.uniform(-1, 1)))
    lr, reg = zip(*pairs)
    return np.array(lr, dtype=float), np.array(reg, dtype=float)


# ----------------------------------------------------------------------------------------- losses


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def loss_and_gradient(s: _Settings, scores: np.ndarray, target: np.ndarray, need_grad: bool = True,
                      weighted: bool = True):
    """Per-row loss (M, n) and d loss / d scores (M, n, C) for scores (M, n, C) and targets (n,).

    Targets are 0/1 (binary), class indices (multiclass) or normalised labels (regression).
    ``weighted=False`` leaves out the class weights (the loss SageMaker reports).
    """
    loss = s.loss
    if loss == "softmax_loss":
        z = scores - scores.max(axis=-1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=-1))
        rows = np.arange(len(target))
        value = log_norm - z[:, rows, target]
        weight = s.class_weight[target] if (weighted and s.class_weight is not None) else np.ones(len(target))
        grad = None
        if need_grad:
            grad = np.exp(z - log_norm[..., None])
            grad[:, rows, target] -= 1.0
            grad *= weight[None, :, None]
        return value * weight[None, :], grad
    f = scores[..., 0]
    if loss == "logistic":
        value = np.logaddexp(0.0, f) - target * f
        d = _sigmoid(f) - target
        weight = np.where(target[None, :] == 1, s.pos_weight[:, None], 1.0) if weighted else 1.0
        value, d = value * weight, d * weight
    elif loss == "hinge_loss":
        sign = 2.0 * target - 1.0
        slack = s.margin - sign * f
        value = np.maximum(slack, 0.0)
        d = np.where(slack > 0, -sign, 0.0)
        weight = np.where(target[None, :] == 1, s.pos_weight[:, None], 1.0) if weighted else 1.0
        value, d = value * weight, d * weight
    else:
        r = f - target
        a = np.abs(r)
        if loss == "squared_loss":
            value, d = r * r, 2.0 * r
        elif loss == "absolute_loss":
            value, d = a, np.sign(r)
        elif loss == "eps_insensitive_squared_loss":
            excess = np.maximum(a - s.insensitivity, 0.0)
            value, d = excess ** 2, 2.0 * excess * np.sign(r)
        elif loss == "eps_insensitive_absolute_loss":
            excess = np.maximum(a - s.insensitivity, 0.0)
            value, d = excess, np.where(excess > 0, np.sign(r), 0.0)
        elif loss == "quantile_loss":
            value = np.where(r < 0, -s.quantile * r, (1.0 - s.quantile) * r)
            d = np.where(r < 0, -s.quantile, 1.0 - s.quantile)
        else:  # huber_loss
            delta = s.huber_delta
            value = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
            d = np.where(a <= delta, r, delta * np.sign(r))
    return value, (d[..., None] if need_grad else None)


# ---------------------------------------------------------------------------------------- trainer


class _Trainer:
    """Trains ``num_models`` linear models at once: weights (M, d, C), biases (M, C)."""

    def __init__(self, s: _Settings, x: np.ndarray, y: np.ndarray, validation: tuple[np.ndarray, np.ndarray] | None):
        self.s = s
        self.rng = np.random.default_rng(SEED)
        self.x = (x - s.x_mean) / s.x_scale
        self.y = self._target(y)
        self.raw_y = y
        self.val = None
        if validation is not None:
            self.val = ((validation[0] - s.x_mean) / s.x_scale, self._target(validation[1]), validation[1])
        M, d, C = s.num_models, x.shape[1], s.n_outputs
        hps = s.hps
        if hps["init_method"] == "uniform":
            self.w = self.rng.uniform(-hps["init_scale"], hps["init_scale"], size=(M, d, C))
        else:
            self.w = self.rng.normal(0.0, hps["init_sigma"], size=(M, d, C))
        self.b = np.full((M, C), hps["init_bias"] if s.use_bias else 0.0)
        self.state = {k: np.zeros_like(v) for k, v in (("mw", self.w), ("vw", self.w), ("mb", self.b), ("vb", self.b))}
        self.lr = s.lr.copy()
        self.steps = 0
        self.best_loss = np.full(M, np.inf)
        self.best_w, self.best_b = self.w.copy(), self.b.copy()
        self.bad_epochs = np.zeros(M, dtype=int)
        self.active = np.ones(M, dtype=bool)

    def _target(self, y: np.ndarray) -> np.ndarray:
        if self.s.kind == REGRESSOR:
            return (y - self.s.y_mean) / self.s.y_scale
        return y if self.s.kind == MULTICLASS else y.astype(np.float64)

    def _scores(self, x: np.ndarray, w: np.ndarray | None = None, b: np.ndarray | None = None) -> np.ndarray:
        w = self.w if w is None else w
        b = self.b if b is None else b
        return np.matmul(x, w) + b[:, None, :]

    def mean_loss(self, x: np.ndarray, target: np.ndarray, w=None, b=None) -> np.ndarray:
        """(M,) mean loss of every model on (x, target), in training units."""
        value, _ = loss_and_gradient(self.s, self._scores(x, w, b), target, need_grad=False)
        return value.mean(axis=1)

    def run(self, log: Log, algorithm: Algorithm) -> None:
        s = self.s
        n = len(self.x)
        for epoch in range(1, s.epochs + 1):
            order = self.rng.permutation(n)
            for start in range(0, n, s.batch):
                self._step(order[start:start + s.batch])
            train_loss = self.mean_loss(self.x, self.y)
            watched = train_loss
            algorithm.log_metric(log, "train:objective_loss", self._label_units(train_loss[self.active].min()))
            if self.val is not None:
                watched = self.mean_loss(self.val[0], self.val[1])
                algorithm.log_metric(log, "validation:objective_loss", self._label_units(watched[self.active].min()))
            algorithm.log_progress(log, epoch, s.epochs)
            self._early_stopping(watched)
            if not self.active.any():
                log(f"linear-learner: early stopping after epoch {epoch}: no model improved for {s.patience} epochs.")
                break

    def _label_units(self, loss: float) -> float:
        """A regression loss back in label units (squared losses scale by y_scale**2)."""
        if self.s.kind != REGRESSOR:
            return float(loss)
        power = 2 if self.s.loss in ("squared_loss", "eps_insensitive_squared_loss", "huber_loss") else 1
        return float(loss) * self.s.y_scale ** power

    def _step(self, rows: np.ndarray) -> None:
        s = self.s
        xb, yb = self.x[rows], self.y[rows]
        _, g = loss_and_gradient(s, self._scores(xb), yb)
        g /= len(rows)
        grad_w = np.matmul(xb.T, g) + s.wd[:, None, None] * self.w
        grad_b = g.sum(axis=1) + (s.bias_wd_mult * s.wd)[:, None] * self.b
        self.steps += 1
        lr_w = (self.lr * self.active)[:, None, None]
        lr_b = (self.lr * s.bias_lr_mult * self.active * s.use_bias)[:, None]
        self.w -= lr_w * self._direction(grad_w, "mw", "vw")
        self.b -= lr_b * self._direction(grad_b, "mb", "vb")
        if s.l1.any():  # proximal step for the L1 penalty: shrink towards zero, clip at zero
            shrink = (self.lr * self.active * s.l1)[:, None, None]
            self.w = np.sign(self.w) * np.maximum(np.abs(self.w) - shrink, 0.0)
        if s.use_scheduler and self.steps % s.scheduler_step == 0:
            self.lr = np.maximum(self.lr * s.scheduler_factor, np.minimum(s.scheduler_min_lr, s.lr))

    def _direction(self, grad: np.ndarray, m_key: str, v_key: str) -> np.ndarray:
        s, m, v = self.s, self.state[m_key], self.state[v_key]
        if s.optimizer == "sgd":
            m *= s.momentum
            m += grad
            return m
        if s.optimizer == "rmsprop":
            v *= 0.99
            v += 0.01 * grad * grad
            return grad / (np.sqrt(v) + 1e-8)
        m *= s.beta_1
        m += (1 - s.beta_1) * grad
        v *= s.beta_2
        v += (1 - s.beta_2) * grad * grad
        m_hat = m / (1 - s.beta_1 ** self.steps)
        v_hat = v / (1 - s.beta_2 ** self.steps)
        return m_hat / (np.sqrt(v_hat) + 1e-8)

    def _early_stopping(self, loss: np.ndarray) -> None:
        s = self.s
        finite = np.isfinite(self.best_loss)
        gain = np.where(finite, self.best_loss - loss, np.inf) / np.where(finite, np.maximum(np.abs(self.best_loss), 1e-12), 1.0)
        improved = self.active & (gain >= s.tolerance)
        better = self.active & (loss < self.best_loss)
        self.best_w[better], self.best_b[better] = self.w[better], self.b[better]
        self.best_loss = np.where(better, loss, self.best_loss)
        self.bad_epochs = np.where(improved, 0, self.bad_epochs + self.active)
        self.active &= self.bad_epochs < s.patience

    def select(self) -> LinearModel:
        """The best model on validation (or training) data, its threshold calibrated."""
        s = self.s
        if self.val is not None:
            x, target, raw = self.val
        else:
            x, target, raw = self.x, self.y, self.raw_y
        n_cal = s.hps["num_calibration_samples"]
        if n_cal != "auto" and len(x) > n_cal:
            keep = np.random.default_rng(SEED).choice(len(x), n_cal, replace=False)
            x, target, raw = x[keep], target[keep], raw[keep]
        losses = self.mean_loss(x, target, self.best_w, self.best_b)
        candidates = []
        for i in range(s.num_models):
            threshold, quality = 0.0, 0.0
            if s.kind == BINARY:
                score = self._scores(x, self.best_w[i:i + 1], self.best_b[i:i + 1])[0, :, 0]
                if s.loss == "logistic":
                    score = _sigmoid(score)
                threshold, quality = calibrate(raw, score, s)
            if not np.isfinite(losses[i]):
                continue
            candidates.append((-quality, losses[i], i, threshold))
        if not candidates:
            raise HyperparameterError(
                f"Every one of the {s.num_models} models diverged (infinite or NaN loss): lower learning_rate "
                f"(the largest tried was {float(s.lr.max()):g}) or leave it 'auto'."
            )
        _, _, best, threshold = min(candidates)
        return LinearModel(
            predictor_type=s.kind, loss=s.loss, feature_dim=len(s.x_mean), num_classes=s.num_classes,
            weights=self.best_w[best].copy(), bias=self.best_b[best].copy(),
            x_mean=s.x_mean, x_scale=s.x_scale, y_mean=s.y_mean, y_scale=s.y_scale, threshold=float(threshold),
        )


def calibrate(y: np.ndarray, score: np.ndarray, s: _Settings) -> tuple[float, float]:
    """(threshold, quality) for a binary classifier's scores under the selection criterion.

    ``score > threshold`` predicts 1. Among equally good thresholds the one closest to the default
    (0.5 for probabilities, 0 for hinge margins) wins. ``loss_function`` keeps the default and
    leaves the choice to the loss (quality 0).
    """
    default = 0.5 if s.loss == "logistic" else 0.0
    criterion = s.hps["binary_classifier_model_selection_criteria"]
    if criterion == "loss_function" or len(score) == 0:
        return default, 0.0
    values = np.unique(score)
    cuts = np.concatenate(([values[0] - 1.0], (values[:-1] + values[1:]) / 2.0, [default]))
    order = np.argsort(score)
    sorted_score, sorted_y = score[order], y[order].astype(bool)
    # Number of rows with score <= cut, and of positives among them, for every cut.
    below = np.searchsorted(sorted_score, cuts, side="right")
    pos_below = np.concatenate(([0], np.cumsum(sorted_y)))[below]
    n_pos = int(sorted_y.sum())
    tp = n_pos - pos_below
    predicted_pos = len(score) - below
    tn = below - pos_below
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted_pos > 0, tp / np.maximum(predicted_pos, 1), 0.0)
        recall = tp / max(n_pos, 1)
        if criterion == "accuracy":
            quality = (tp + tn) / len(score)
        elif criterion == "f_beta":
            b2 = s.hps["f_beta"] ** 2
            denom = b2 * precision + recall
            quality = np.where(denom > 0, (1 + b2) * precision * recall / np.where(denom > 0, denom, 1), 0.0)
        elif criterion == "precision_at_target_recall":
            quality = np.where(recall >= s.hps["target_recall"], precision, -1.0 + recall)
        else:  # recall_at_target_precision
            quality = np.where(precision >= s.hps["target_precision"], recall, -1.0 + precision)
    best = quality.max()
    ties = np.flatnonzero(quality >= best - 1e-12)
    chosen = ties[np.argmin(np.abs(cuts[ties] - default))]
    return float(cuts[chosen]), float(best)


def evaluate(model: LinearModel, x: np.ndarray, y: np.ndarray, s: _Settings) -> dict[str, float]:
    """SageMaker's metrics of the kept model on (x, y) in label units."""
    out: dict[str, float] = {}
    raw = model.raw_scores(x)[None, ...]
    if model.predictor_type == REGRESSOR:
        target = (y - model.y_mean) / model.y_scale
        value, _ = loss_and_gradient(s, raw, target, need_grad=False)
        power = 2 if s.loss in ("squared_loss", "eps_insensitive_squared_loss", "huber_loss") else 1
        pred = model.scores(x)
        mse = float(np.mean((pred - y) ** 2))
        out.update(objective_loss=float(value.mean()) * model.y_scale ** power, mse=mse, rmse=math.sqrt(mse),
                   absolute_loss=float(np.mean(np.abs(pred - y))))
        return out
    target = y if model.predictor_type == MULTICLASS else y.astype(np.float64)
    value, _ = loss_and_gradient(s, raw, target, need_grad=False, weighted=False)
    out["objective_loss"] = float(value.mean())
    scores = model.scores(x)
    pred = model.predict_labels(scores)
    beta = s.hps["f_beta"]
    if model.predictor_type == BINARY:
        precision, recall, fbeta = m.precision_recall_fbeta(y, pred, beta)
        out.update(binary_classification_accuracy=float(np.mean(pred == y)), binary_f_beta=fbeta,
                   precision=precision, recall=recall, roc_auc_score=m.roc_auc(y, scores))
    else:
        precision, recall, fbeta = m.macro_precision_recall_fbeta(y, pred, model.num_classes, beta)
        out.update(multiclass_accuracy=float(np.mean(pred == y)),
                   multiclass_top_k_accuracy=m.top_k_accuracy(y, scores, s.hps["accuracy_top_k"]),
                   macro_f_beta=fbeta, macro_precision=precision, macro_recall=recall, dcg=m.dcg(y, scores))
    return out
