"""SageMaker's built-in XGBoost ("algorithm mode"), locally, with the real ``xgboost`` library.

Hyperparameters keep SageMaker's names, which are XGBoost's own plus ``num_round`` (required: the
number of boosting rounds), ``early_stopping_rounds`` (needs a ``validation`` channel; the best
round's model is kept), ``csv_weights`` (1: the column after the label holds instance weights) and
``eval_metric`` (comma-separated). Besides XGBoost's metrics, ``eval_metric`` takes the container's
extra ones: accuracy, balanced_accuracy, f1 (macro), f1_binary, f1_macro, mse, precision,
precision_macro, precision_micro, r2, recall, recall_macro, recall_micro.

Channels: ``train`` (required) and ``validation`` (optional): ``text/libsvm`` (SageMaker's default, read by
:mod:`helpers.algorithms.libsvm`: label first, ``index:value`` pairs as XGBoost reads them, absent features
missing), CSV (label first, no header) or RecordIO-protobuf (label in each record).
Metrics: every round logs ``#metrics train:<metric>=...`` and ``#metrics validation:<metric>=...``
as XGBoost evaluates them (``train:rmse``, ``validation:auc``...), and ``#progress epoch=<round>/<num_round>``.

The legacy images (``xgboost:latest`` = XGBoost 0.72, ``sagemaker-xgboost:0.90-*``) also take ``silent`` and
``objective=reg:linear``, as their containers did: :func:`legacy_hyperparameters` translates them for XGBoost
1.x with a warning; the 1.x images refuse them.

The model file is ``xgboost-model`` (XGBoost's JSON model format); serving also loads the formats older
SageMaker XGBoost images wrote (:mod:`helpers.algorithms.xgb_formats`: UBJSON, legacy binary, pickle).
Inference reads ``text/csv`` and ``text/libsvm`` (or ``text/x-libsvm``; the label each line starts with
is ignored, absent features are missing) and answers ``text/csv`` by default: the scores joined by
commas on one line (one line per record when ``SAGEMAKER_BATCH`` is set, as in batch transform; a
multi:softprob record's class probabilities are comma-separated on its own line). ``application/json`` gives
``{"predictions": [{"score": 0.43}, ...]}``, ``application/jsonlines`` one ``{"score": ...}`` per line.
RecordIO-protobuf requests are read too, and ``application/x-recordio-protobuf`` answers one Record per
row with ``label["score"]``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import metrics as m
from helpers.algorithms import libsvm, payloads
from helpers.algorithms.base import Algorithm, Log
from helpers.algorithms.channels import Table, channel_files, check_class_labels, read_channel
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError
from helpers.algorithms.xgb_formats import load_booster

__all__ = ["XGBoost", "XGBModel", "MODEL_FILE"]

MODEL_FILE = "xgboost-model"

OBJECTIVES = (
    "reg:squarederror", "reg:squaredlogerror", "reg:logistic", "reg:pseudohubererror", "reg:absoluteerror",
    "reg:gamma", "reg:tweedie", "count:poisson", "survival:cox",
    "binary:logistic", "binary:logitraw", "binary:hinge", "multi:softmax", "multi:softprob",
)
XGB_METRICS = (
    "rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror", "mlogloss", "auc", "aucpr", "ndcg", "map",
    "pre", "poisson-nloglik", "gamma-nloglik", "cox-nloglik", "gamma-deviance", "tweedie-nloglik",
)
THRESHOLD_METRICS = ("error", "ndcg", "map", "pre")  # accept "error@0.7", "ndcg@5"...


def _labels_of(preds: np.ndarray) -> np.ndarray:
    """Predicted classes from transformed predictions: argmax of probabilities, else rounded values."""
    return preds.argmax(axis=1) if preds.ndim == 2 else np.round(preds)


def _classes(y: np.ndarray, pred: np.ndarray) -> int:
    return int(max(y.max(initial=0), pred.max(initial=0))) + 1


def _macro(index: int) -> Callable[[np.ndarray, np.ndarray], float]:
    def metric(y: np.ndarray, preds: np.ndarray) -> float:
        pred = _labels_of(preds)
        return m.macro_precision_recall_fbeta(y, pred, _classes(y, pred))[index]
    return metric


def _binary(index: int) -> Callable[[np.ndarray, np.ndarray], float]:
    def metric(y: np.ndarray, preds: np.ndarray) -> float:
        return m.precision_recall_fbeta(y == 1, _labels_of(preds) == 1)[index]
    return metric


def _accuracy(y: np.ndarray, preds: np.ndarray) -> float:
    return float(np.mean(_labels_of(preds) == y))


def _mse(y: np.ndarray, preds: np.ndarray) -> float:
    return float(np.mean((preds - y) ** 2))


def _r2(y: np.ndarray, preds: np.ndarray) -> float:
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - preds) ** 2)) / total if total else float("nan")


# The SageMaker XGBoost container's own metrics: name -> (function(labels, predictions), maximize)
CUSTOM_METRICS: dict[str, tuple[Callable[[np.ndarray, np.ndarray], float], bool]] = {
    "accuracy": (_accuracy, True),
    "balanced_accuracy": (_macro(1), True),
    "f1": (_macro(2), True),
    "f1_binary": (_binary(2), True),
    "f1_macro": (_macro(2), True),
    "mse": (_mse, False),
    "precision": (_binary(0), True),
    "precision_macro": (_macro(0), True),
    "precision_micro": (_accuracy, True),
    "r2": (_r2, True),
    "recall": (_binary(1), True),
    "recall_macro": (_macro(1), True),
    "recall_micro": (_accuracy, True),
}
ALL_METRICS = XGB_METRICS + tuple(CUSTOM_METRICS)


# ----------------------------------------------------------------------- the legacy images
#: Tags of ``sagemaker-xgboost`` before 1.0 (0.90-1, 0.90-2); the older ``xgboost`` repository
#: (``xgboost:latest``, ``xgboost:1``: XGBoost 0.72, ``get_image_uri(region, 'xgboost')``) is legacy whatever its tag.
LEGACY_TAG_PREFIX = "0."


def is_legacy_image(image: str) -> bool:
    """True for an XGBoost image whose container ran XGBoost 0.72 or 0.90 (see ``LEGACY_TAG_PREFIX``)."""
    repository, _, tag = str(image or "").rsplit("/", 1)[-1].partition(":")
    return repository == "xgboost" or (repository == "sagemaker-xgboost" and tag.startswith(LEGACY_TAG_PREFIX))


def legacy_hyperparameters(image: str, hps: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """``hps`` as this kit's XGBoost (1.x) takes them, and one note per change, for a legacy ``image``.

    The 0.72 and 0.90 containers took ``silent`` (XGBoost 1.0 replaced it by ``verbosity``) and
    ``objective=reg:linear`` (renamed ``reg:squarederror``); a notebook written for them runs with
    the names translated. Any other image gets ``hps`` unchanged and no notes: the 1.x images refuse them.
    """
    if not is_legacy_image(image):
        return dict(hps), []
    out, notes = dict(hps), []
    if "silent" in out:
        silent = out.pop("silent")
        read_as = "the default verbosity"
        if str(silent).strip().lower() in ("1", "true") and "verbosity" not in out:
            out["verbosity"], read_as = "0", "verbosity=0"
        notes.append(f"hyperparameter silent={silent!r}: the legacy XGBoost image {image} took it; XGBoost 1.0 "
                     f"replaced it by verbosity (0 = silent), so it is read as {read_as}. The 1.x images refuse "
                     "silent: use verbosity.")
    if str(out.get("objective", "")).strip() == "reg:linear":
        out["objective"] = "reg:squarederror"
        notes.append(f"objective='reg:linear': the legacy XGBoost image {image} took it; XGBoost 1.0 renamed it "
                     "'reg:squarederror', which is what runs. The 1.x images refuse reg:linear.")
    return out, notes


def _objective(value: Any) -> str:
    text = str(value).strip()
    if text == "reg:linear":
        raise ValueError("'reg:linear' was renamed 'reg:squarederror' in XGBoost 1.0; use that")
    if text not in OBJECTIVES:
        raise ValueError("not one of " + ", ".join(OBJECTIVES))
    return text


def _eval_metric(value: Any) -> list[str]:
    names = hp.json_list(value)
    if not names:
        raise ValueError("give at least one metric")
    for name in names:
        base, _, threshold = name.partition("@")
        if threshold:
            if base not in THRESHOLD_METRICS:
                raise ValueError(f"{name!r}: only {', '.join(THRESHOLD_METRICS)} take '@<threshold>'")
            try:
                float(threshold.rstrip("-"))
            except ValueError:
                raise ValueError(f"{name!r}: the threshold after '@' must be a number") from None
        elif name not in ALL_METRICS:
            raise ValueError(f"{name!r} is not one of {', '.join(ALL_METRICS)}")
    return names


def _text(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("empty")
    return text


# Optional hyperparameters default to None: not passed, so XGBoost applies its own default (as the
# SageMaker container does). objective defaults to reg:squarederror, as documented.
HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("num_round", low=1, required=True, help="the number of boosting rounds to run"),
        hp.integer("num_class", low=2, help="the number of classes (multi:softmax / multi:softprob)"),
        hp.number("alpha", low=0),
        hp.number("base_score"),
        hp.choice("booster", ("gbtree", "gblinear", "dart")),
        hp.number("colsample_bylevel", low=0, high=1, low_open=True),
        hp.number("colsample_bynode", low=0, high=1, low_open=True),
        hp.number("colsample_bytree", low=0, high=1, low_open=True),
        hp.integer("csv_weights", 0, low=0, high=1, valid="0 or 1"),
        hp.integer("early_stopping_rounds", low=1),
        hp.number("eta", low=0, high=1),
        hp.custom("eval_metric", _eval_metric, "comma-separated XGBoost metrics (rmse, auc, logloss, error@0.5, ...) "
                  "or the container's accuracy, f1, mse, r2, ..."),
        hp.number("gamma", low=0),
        hp.choice("grow_policy", ("depthwise", "lossguide")),
        hp.number("huber_slope", low=0, low_open=True),
        hp.custom("interaction_constraints", _text, "nested list of feature indices, e.g. [[0, 1], [2, 3, 4]]"),
        hp.number("lambda", low=0),
        hp.integer("max_bin", low=2),
        hp.number("max_delta_step", low=0),
        hp.integer("max_depth", low=0),
        hp.integer("max_leaves", low=0),
        hp.number("min_child_weight", low=0),
        hp.custom("monotone_constraints", _text, "tuple of -1, 0, 1 per feature, e.g. (0, 1, -1)"),
        hp.choice("normalize_type", ("tree", "forest")),
        hp.integer("nthread", low=1),
        hp.custom("objective", _objective, "one of " + ", ".join(OBJECTIVES), "reg:squarederror"),
        hp.integer("one_drop", low=0, high=1, valid="0 or 1"),
        hp.number("rate_drop", low=0, high=1),
        hp.choice("sample_type", ("uniform", "weighted")),
        hp.number("scale_pos_weight", low=0, low_open=True),
        hp.integer("seed"),
        hp.number("skip_drop", low=0, high=1),
        hp.number("subsample", low=0, high=1, low_open=True),
        hp.choice("tree_method", ("auto", "exact", "approx", "hist")),
        hp.number("tweedie_variance_power", low=1, high=2, low_open=True, high_open=True),
        hp.integer("verbosity", low=0, high=3),
    ]
}
# Hyperparameters that are not XGBoost parameters (consumed by the container) or only set when given.
_NOT_PARAMS = {"num_round", "early_stopping_rounds", "csv_weights", "eval_metric"}


@dataclass
class XGBModel:
    """A trained booster and what inference needs to know about it."""

    booster: Any
    feature_dim: int
    objective: str


class XGBoost(Algorithm):
    name = "xgboost"
    image_repository = "sagemaker-xgboost"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "validation"})
    metric_names = tuple(f"{channel}:{metric}" for channel in ("train", "validation") for metric in ALL_METRICS)
    content_types = (payloads.CSV, *libsvm.CONTENT_TYPES, payloads.RECORDIO)
    accepts = (payloads.CSV, payloads.JSON, payloads.JSONLINES, payloads.RECORDIO)
    default_accept = payloads.CSV
    #: SageMaker XGBoost's training formats; a channel without ContentType is read as libsvm, as on SageMaker
    training_content_types = ("text/libsvm", payloads.CSV, payloads.RECORDIO, "application/x-parquet")
    default_training_content_type = "text/libsvm"
    #: the short names sagemaker-xgboost-container's data_utils.get_content_type also takes (case-insensitive)
    content_type_aliases = {"libsvm": "text/libsvm", "text/x-libsvm": "text/libsvm", "csv": payloads.CSV,
                            "parquet": "application/x-parquet", "recordio-protobuf": payloads.RECORDIO}

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        objective = values["objective"]
        if objective.startswith("multi:") and values["num_class"] is None:
            raise HyperparameterError(
                f"Missing required hyperparameter 'num_class' for xgboost: objective {objective!r} needs it. "
                f"Valid values: integer >= 2 (classes labelled 0..num_class-1)."
            )
        if values["num_class"] is not None and not objective.startswith("multi:"):
            raise HyperparameterError(
                f"Hyperparameter 'num_class' is only for multi:softmax / multi:softprob, not objective {objective!r}: "
                f"remove it, or set objective='multi:softprob'."
            )
        for metric in values["eval_metric"] or []:
            if metric.startswith("auc") and not objective.startswith(("binary:", "multi:")):
                raise HyperparameterError(
                    f"Hyperparameter 'eval_metric': {metric!r} applies to classification only, not objective {objective!r}."
                )
        if values["monotone_constraints"] is not None and values["tree_method"] not in (None, "auto", "exact", "hist"):
            raise HyperparameterError("Hyperparameter 'monotone_constraints' needs tree_method 'exact' or 'hist'.")

    # ------------------------------------------------------------------------------------ training

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        import xgboost as xgb

        if hps["early_stopping_rounds"] is not None and "validation" not in channels:
            raise HyperparameterError(
                "Hyperparameter 'early_stopping_rounds' watches the validation score: add a 'validation' channel "
                "or remove early_stopping_rounds."
            )
        train = self._dmatrix("train", channels["train"], hps)
        evals = [(train[0], "train")]
        if "validation" in channels:
            validation = self._dmatrix("validation", channels["validation"], hps, width=train[1])
            if validation[1] != train[1]:
                raise DataFormatError(
                    f"Channel 'validation' has {validation[1]} feature columns but 'train' has {train[1]}: both need "
                    f"the same columns, label first."
                )
            evals.append((validation[0], "validation"))
        params = xgboost_params(hps)
        custom = [name for name in (hps["eval_metric"] or []) if name in CUSTOM_METRICS]
        feval = custom_metric(custom) if custom else None
        maximize = CUSTOM_METRICS[custom[-1]][1] if custom else None
        rounds = hps["num_round"]
        callback = _log_callback(self, log, rounds)
        log(f"xgboost: {train[0].num_row()} training rows, {train[1]} features, objective {params['objective']}.")
        try:
            booster = xgb.train(params, train[0], num_boost_round=rounds, evals=evals,
                                early_stopping_rounds=hps["early_stopping_rounds"], verbose_eval=False,
                                custom_metric=feval, maximize=maximize, callbacks=[callback])
        except xgb.core.XGBoostError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataFormatError(f"XGBoost refused the training data: {reason}") from None
        if hps["early_stopping_rounds"] is not None and booster.best_iteration + 1 < booster.num_boosted_rounds():
            best = booster.best_iteration
            log(f"xgboost: early stopping; keeping round {best + 1} of {booster.num_boosted_rounds()}.")
            booster = booster[: best + 1]
            callback.log_round(best)  # the last value logged is the kept model's
        # XGBoost's JSON model format, written by hand: the file keeps SageMaker's extension-less name.
        (Path(model_dir) / MODEL_FILE).write_bytes(bytes(booster.save_raw(raw_format="json")))

    def _dmatrix(self, channel: str, path: Path, hps: dict[str, Any], width: int | None = None):
        """(DMatrix, feature count) of a channel; ``width``: the train channel's, for a libsvm validation
        channel whose highest index is lower (its absent columns are missing)."""
        import xgboost as xgb

        if _is_libsvm(channel, path):
            return _libsvm_dmatrix(channel, path, hps, width)
        table = read_channel(channel, path)
        if table.labels is not None or table.content_type == payloads.RECORDIO:  # protobuf: features and label apart
            if table.labels is None:
                raise DataFormatError(f"{table.where(0)} has no label: write_numpy_to_dense_tensor(f, x, labels=y).")
            _check_labels(table, table.labels, hps)
            return xgb.DMatrix(table.values, label=table.labels), table.n_columns
        first_feature = 2 if hps["csv_weights"] == 1 else 1
        if table.n_columns <= first_feature:
            layout = "label, weight, features" if first_feature == 2 else "label, features"
            raise DataFormatError(f"{table.where(0)}: {table.n_columns} column(s); expected {layout}.")
        y = table.values[:, 0]
        weights = table.values[:, 1] if first_feature == 2 else None
        if weights is not None and (weights < 0).any():
            r = int(np.argmax(weights < 0))
            raise DataFormatError(f"{table.where(r)}: weight {float(weights[r])!r} (column 2, csv_weights=1) must be >= 0.")
        _check_labels(table, y, hps)
        x = table.values[:, first_feature:]
        return xgb.DMatrix(x, label=y, weight=weights), x.shape[1]

    # ----------------------------------------------------------------------------------- inference

    def load(self, model_dir: Path) -> XGBModel:
        """The model in ``model_dir``: its ``xgboost-model`` (else its only file, as SageMaker's image takes
        it) in any format SageMaker's XGBoost wrote: JSON, UBJSON, legacy binary, pickled Booster."""
        import json

        booster = load_booster(_model_file(Path(model_dir)))
        booster.set_param("nthread", 1)  # as SageMaker's image: one thread per worker
        objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
        return XGBModel(booster, booster.num_features(), objective)

    def input_fn(self, body: bytes, content_type: str):
        """CSV as every built-in reads it; libsvm as a CSR matrix (absent features stay missing)."""
        mime = payloads.parse_media_type(content_type)[0]
        if mime in libsvm.CONTENT_TYPES:
            return libsvm.parse_request(body)
        if mime == payloads.RECORDIO:  # CSR as the container's sparse DMatrix: a sparse record's absent keys are missing
            return payloads.protobuf_sparse(body)
        return super().input_fn(body, content_type)

    def predict_fn(self, features: Any, model: XGBModel) -> list[dict[str, Any]]:
        if _is_sparse(features):
            return self._predict_sparse(features, model)
        return super().predict_fn(features, model)

    @property
    def served_predict_fn(self) -> Callable[[Any, Any], list[dict[str, Any]]]:
        # input_fn's dense arrays come from payloads.parse_features: only their width is left to check
        return self._served_predict

    def _served_predict(self, features: Any, model: XGBModel) -> list[dict[str, Any]]:
        if _is_sparse(features):
            return self._predict_sparse(features, model)
        return self._predict_parsed(features, model)

    def _predict_sparse(self, features: Any, model: XGBModel) -> list[dict[str, Any]]:
        beyond = libsvm.row_beyond(features, model.feature_dim)
        if beyond is not None:
            row, index = beyond
            raise InferenceError(f"Record {row + 1} has feature index {index}, but the model has {model.feature_dim} "
                                 f"features (indices 0 to {model.feature_dim - 1}).", 400)
        return self.predict(libsvm.with_width(features, model.feature_dim), model)

    def predict(self, features: np.ndarray, model: XGBModel) -> list[dict[str, Any]]:
        import xgboost as xgb

        preds = model.booster.predict(xgb.DMatrix(features), validate_features=False)
        if preds.ndim == 2:
            return [{"score": [float(p) for p in row]} for row in preds]
        return [{"score": float(p)} for p in preds]

    def output_fn(self, prediction: list[dict[str, Any]], accept: str | None) -> tuple[bytes, str]:
        mime, _ = payloads.negotiate_accept(accept, self.accepts, self.default_accept)
        if mime != payloads.CSV:
            return payloads.encode(prediction, mime, json_key="predictions"), mime
        scores = [record["score"] for record in prediction]
        if scores and isinstance(scores[0], list):
            text = "\n".join(",".join(repr(v) for v in row) for row in scores)
        elif os.environ.get("SAGEMAKER_BATCH"):
            text = "\n".join(repr(v) for v in scores) + "\n"
        else:
            text = ",".join(repr(v) for v in scores)
        return text.encode("utf-8"), mime


def _is_sparse(features: Any) -> bool:
    return getattr(features, "format", None) == "csr"  # scipy's CSR; numpy arrays have no .format


def _is_libsvm(channel: str, path: Path) -> bool:
    """A channel read as libsvm: its content type says so, or it has none (an in-process call) and its
    first record reads as libsvm."""
    content_type = getattr(path, "content_type", None)
    if content_type:
        return payloads.parse_media_type(content_type)[0] in libsvm.CONTENT_TYPES
    return libsvm.looks_like_libsvm(channel_files(channel, path))


def _libsvm_dmatrix(channel: str, path: Path, hps: dict[str, Any], width: int | None):
    import xgboost as xgb

    rows = libsvm.read_files(channel, channel_files(channel, path))
    width = width or rows.width
    beyond = libsvm.row_beyond(rows.features, width)
    if beyond is not None:
        row, index = beyond
        raise DataFormatError(
            f"{rows.where(row)}: feature index {index}, but the highest index in channel 'train' is {width - 1}: the "
            f"model has {width} features and cannot use it (XGBoost refuses it too). Give 'train' the same features.")
    _check_labels(rows, rows.labels, hps)
    return xgb.DMatrix(libsvm.with_width(rows.features, width), label=rows.labels, weight=rows.weights), width


def _model_file(model_dir: Path) -> Path:
    path = model_dir / MODEL_FILE
    if path.is_file():
        return path
    files = sorted(p for p in model_dir.iterdir() if p.is_file()) if model_dir.is_dir() else []
    if len(files) == 1:
        return files[0]
    present = ", ".join(p.name for p in files) or "nothing"
    raise FileNotFoundError(f"No {MODEL_FILE} in {str(model_dir)!r} (found: {present}): this is not an xgboost model.")


def xgboost_params(hps: dict[str, Any]) -> dict[str, Any]:
    """The ``params`` dict for ``xgboost.train`` from validated SageMaker hyperparameters."""
    params = {k: v for k, v in hps.items() if k not in _NOT_PARAMS and v is not None and not k.startswith("_")}
    builtin = [name for name in (hps["eval_metric"] or []) if name not in CUSTOM_METRICS]
    if builtin:
        params["eval_metric"] = builtin
    return params


def custom_metric(names: list[str]) -> Callable[[np.ndarray, Any], list[tuple[str, float]]]:
    """An ``xgboost.train(custom_metric=...)`` function computing the container's extra metrics."""
    def evaluate(preds: np.ndarray, dmatrix: Any) -> list[tuple[str, float]]:
        y = dmatrix.get_label()
        return [(name, float(CUSTOM_METRICS[name][0](y, preds))) for name in names]
    return evaluate


def _check_labels(table: Table, y: np.ndarray, hps: dict[str, Any]) -> None:
    objective = hps["objective"]
    if objective.startswith("multi:"):
        check_class_labels(table, y, hps["num_class"])
    elif objective.startswith("binary:") or objective == "reg:logistic":
        bad = (y < 0) | (y > 1)
        if bad.any():
            r = int(np.argmax(bad))
            raise DataFormatError(
                f"{table.where(r)}: label {float(y[r])!r} is outside [0, 1], which objective {objective!r} needs. "
                f"Code the classes 0/1 and put the label in the FIRST column."
            )
    elif objective in ("count:poisson", "reg:tweedie", "reg:gamma", "reg:squaredlogerror"):
        bad = (y <= 0) if objective == "reg:gamma" else ((y <= -1) if objective == "reg:squaredlogerror" else (y < 0))
        if bad.any():
            r = int(np.argmax(bad))
            raise DataFormatError(f"{table.where(r)}: label {float(y[r])!r} is not valid for objective {objective!r}.")


def _log_callback(algorithm: Algorithm, log: Log, rounds: int) -> Any:
    """An XGBoost callback logging every round's metrics (``#metrics <channel>:<metric>=value``) and
    ``#progress epoch=<round>/<rounds>``. Built here so that xgboost is imported only when training."""
    import xgboost as xgb

    class LogCallback(xgb.callback.TrainingCallback):
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, dict[str, list[float]]] = {}

        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            self.history = evals_log
            self.log_round(epoch)
            algorithm.log_progress(log, epoch + 1, rounds)
            return False

        def log_round(self, epoch: int) -> None:
            for channel, scores in self.history.items():
                for metric, values in scores.items():
                    value = values[epoch]
                    algorithm.log_metric(log, f"{channel}:{metric}", value[0] if isinstance(value, tuple) else value)

    return LogCallback()
