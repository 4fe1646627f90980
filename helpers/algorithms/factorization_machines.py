"""SageMaker's Factorization Machines, locally: a second-order factorization machine (Rendle 2010)
for binary classification and regression on sparse data, trained with torch.

The model scores a row ``x`` (feature_dim values, mostly zeros) as

    y(x) = w0 + sum_i w_i x_i + sum_{i<j} <v_i, v_j> x_i x_j
         = w0 + sum_i w_i x_i + 1/2 sum_f [(sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2]

with a bias ``w0``, linear weights ``w`` (feature_dim,) and factors ``v`` (feature_dim, num_factors);
the second form costs O(non-zeros x num_factors). Regressors return ``y(x)`` as the score; binary
classifiers return ``sigmoid(y(x))`` and the label ``1`` when the score is at least 0.5 (as SageMaker).

Training data (channels ``train``, required, and ``test``, optional): RecordIO-protobuf, as on
SageMaker, whose FM trains on nothing else: a training job refuses CSV (even with
``content_type="text/csv"``) with SageMaker's reason. Write it with
``helpers.platform.recordio.write_spmatrix_to_sparse_tensor(f, x, labels=y)`` (sparse) or
``write_numpy_to_dense_tensor``. Direct calls of ``train`` without content types (tests, library
use) also read JSON Lines (the Record as JSON, :func:`to_jsonlines`) and CSV, label first.

Inference (SageMaker: application/json and recordIO-protobuf in, JSON / JSON Lines / protobuf out;
CSV is not available for FM): ``application/json`` ``{"instances": [{"data": {"features": {"keys": [...],
"shape": [N], "values": [...]}}}, {"features": [...]}]}``, ``application/jsonlines`` with one such
record per line, and ``application/x-recordio-protobuf``. Responses: ``{"predictions": [{"score": 0.4,
"predicted_label": 0}]}`` (regressor: ``{"score": 3.7}``).

Metrics: ``train:rmse`` / ``train:binary_classification_cross_entropy`` per epoch (mean over the
epoch's mini-batches); on the test channel ``test:rmse``, or ``test:binary_classification_accuracy``,
``test:binary_classification_cross_entropy`` and ``test:binary_f_beta`` (F1 at threshold 0.5).

Local choices SageMaker does not document: the optimizer is Adam with one learning rate per term
(``bias_lr``, ``linear_lr``, ``factors_lr``; ``eps``, ``clip_gradient`` and ``rescale_grad`` as in
MXNet's optimizers); weight decay is applied lazily, to the weights of the features present in a
mini-batch (as MXNet's sparse updates do), so a rare feature is not shrunk by every batch that
lacks it; the loss is half the squared error (regressor) or the log loss (classifier); rows are
shuffled each epoch with a fixed seed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import scipy.sparse as sp

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import payloads
from helpers.algorithms.base import Algorithm, Log, read_model, write_model
from helpers.algorithms.channels import (RECORDIO, Channel, channel_files, check_class_labels, read_channel,
                                        read_sparse_channel, split_label)
from helpers.algorithms.errors import DataFormatError, HyperparameterError, InferenceError

__all__ = ["FactorizationMachines", "FMModel", "to_jsonlines", "to_json_request", "parse_records",
           "one_hot_rows"]

BINARY, REGRESSOR = "binary_classifier", "regressor"
TERMS = ("bias", "linear", "factors")
SEED = 0

HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("feature_dim", low=1, required=True,
                   help="the number of features (columns of the one-hot / sparse input)"),
        hp.integer("num_factors", low=1, required=True, help="the dimension of the factorization (64 is a good start)"),
        hp.choice("predictor_type", (BINARY, REGRESSOR), required=True,
                  help="binary classification (labels 0/1) or regression"),
        hp.integer("epochs", 1, low=1),
        hp.integer("mini_batch_size", 1000, low=1),
        hp.number("clip_gradient", None, low=0, low_open=True),
        hp.number("eps", None, low=0, low_open=True),
        hp.number("rescale_grad", None, low=0, low_open=True),
        hp.number("bias_lr", 0.1, low=0),
        hp.number("linear_lr", 0.001, low=0),
        hp.number("factors_lr", 0.0001, low=0),
        hp.number("bias_wd", 0.01, low=0),
        hp.number("linear_wd", 0.001, low=0),
        hp.number("factors_wd", 0.00001, low=0),
        hp.choice("bias_init_method", ("uniform", "normal", "constant"), "normal"),
        hp.number("bias_init_scale", None, low=0),
        hp.number("bias_init_sigma", 0.01, low=0),
        hp.number("bias_init_value", None),
        hp.choice("linear_init_method", ("uniform", "normal", "constant"), "normal"),
        hp.number("linear_init_scale", None, low=0),
        hp.number("linear_init_sigma", 0.01, low=0),
        hp.number("linear_init_value", None),
        hp.choice("factors_init_method", ("uniform", "normal", "constant"), "normal"),
        hp.number("factors_init_scale", None, low=0),
        hp.number("factors_init_sigma", 0.001, low=0),
        hp.number("factors_init_value", None),
    ]
}

_INIT_PARAMETER = {"uniform": "scale", "normal": "sigma", "constant": "value"}


# ------------------------------------------------------------------------------------ sparse records


def _feature_row(features: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """(column indices, values, width) of one record's features; ValueError says what is wrong."""
    if isinstance(features, dict):
        if "values" not in features:
            raise ValueError('features need "values" (and "keys" and "shape" when sparse)')
        values = _numbers(features["values"], "values")
        if "keys" not in features:
            return _dense(values)
        keys = features["keys"]
        if not isinstance(keys, list) or any(isinstance(k, bool) or not isinstance(k, int) for k in keys):
            raise ValueError('"keys" must be a list of integer column indices')
        shape = features.get("shape")
        if not (isinstance(shape, list) and len(shape) == 1 and isinstance(shape[0], int) and not isinstance(shape[0], bool)
                and shape[0] > 0):
            raise ValueError('sparse features need "shape": [feature_dim], e.g. "shape": [2625]')
        if len(keys) != len(values):
            raise ValueError(f'"keys" has {len(keys)} entries but "values" has {len(values)}: give one value per key')
        index = np.asarray(keys, dtype=np.int64)
        width = shape[0]
        if index.size and (index.min() < 0 or index.max() >= width):
            bad = int(index[(index < 0) | (index >= width)][0])
            raise ValueError(f"key {bad} is outside 0..{width - 1} (shape [{width}]); keys are 0-based column indices")
        if np.unique(index).size != index.size:
            raise ValueError(f"key {_first_duplicate(index)} appears more than once: give each column once")
        return index, values, width
    if isinstance(features, list):
        return _dense(_numbers(features, "features"))
    raise ValueError(f"features must be a list of numbers or a {{\"keys\", \"shape\", \"values\"}} object, "
                     f"got {type(features).__name__}")


def _first_duplicate(index: np.ndarray) -> int:
    ordered = np.sort(index)
    return int(ordered[np.flatnonzero(np.diff(ordered) == 0)[0]])


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    if values.size == 0:
        raise ValueError("features are empty")
    index = np.flatnonzero(values)
    return index, values[index], values.size


def _numbers(raw: Any, what: str) -> np.ndarray:
    if not isinstance(raw, list) or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in raw):
        raise ValueError(f'"{what}" must be a list of numbers')
    out = np.asarray(raw, dtype=np.float64)
    if out.size and not np.isfinite(out).all():
        raise ValueError(f'"{what}" holds NaN or infinity: the model needs finite numbers; impute missing values first')
    return out


def _record_features(item: Any) -> Any:
    if isinstance(item, list):
        return item
    if isinstance(item, dict):
        if "features" in item:
            return item["features"]
        if isinstance(item.get("data"), dict) and "features" in item["data"]:
            return item["data"]["features"]
    raise ValueError('no features: write {"features": {"keys": [...], "shape": [N], "values": [...]}} '
                     'or {"features": [dense values]}')


def _stack(rows: list[tuple[np.ndarray, np.ndarray, int]], where) -> sp.csr_matrix:
    """CSR matrix (n, width) of parsed rows; ``where(r)`` names row r in the error for a width mismatch."""
    width = rows[0][2]
    for r, row in enumerate(rows):
        if row[2] != width:
            raise ValueError(f"{where(r)} has {row[2]} features but {where(0).lower()} has {width}: every record needs the "
                             f"same feature_dim (sparse \"shape\")")
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([row[0].size for row in rows], out=indptr[1:])
    indices = np.concatenate([row[0] for row in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([row[1] for row in rows]) if rows else np.zeros(0)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), width))


def parse_records(body: bytes | str, content_type: str | None) -> sp.csr_matrix:
    """The records of an inference request as a CSR matrix (n_records, feature_dim).

    ``application/json``: ``{"instances": [record, ...]}``; ``application/jsonlines``: one record per
    line. A record is ``{"features": [...]}``, ``{"features": {"keys", "shape", "values"}}``,
    ``{"data": {"features": ...}}`` or a bare list. InferenceError 415 / 400 otherwise.
    """
    mime, _ = payloads.parse_media_type(content_type)
    if mime == payloads.RECORDIO:
        return payloads.protobuf_sparse(body)
    if mime not in (payloads.JSON, payloads.JSONLINES):
        raise InferenceError(
            f"Content type {mime or 'text/csv'!r} is not supported by factorization-machines (SageMaker's FM takes no "
            f"CSV). Supported content types: application/json, application/jsonlines, {payloads.RECORDIO}; send "
            f'{{"instances": [{{"data": {{"features": {{"keys": [...], "shape": [feature_dim], "values": [...]}}}}}}]}}.', 415)
    text = payloads.request_text(body, mime, "send at least one record of features")
    if mime == payloads.JSON:
        doc = payloads.load_json(text)
        if not (isinstance(doc, dict) and isinstance(doc.get("instances"), list) and doc["instances"]):
            raise InferenceError('A JSON request needs a non-empty "instances" list: {"instances": [{"data": {"features": '
                                 '{"keys": [...], "shape": [N], "values": [...]}}}]}.', 400)
        items = doc["instances"]
    else:
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InferenceError(f"Line {number} of the JSON Lines body is not valid JSON ({exc.msg}).", 400) from None
    rows = []
    for r, item in enumerate(items, start=1):
        try:
            rows.append(_feature_row(_record_features(item)))
        except ValueError as exc:
            raise InferenceError(f"Record {r}: {exc}.", 400) from None
    try:
        return _stack(rows, lambda r: f"Record {r + 1}")
    except ValueError as exc:
        raise InferenceError(f"{exc}.", 400) from None


def to_jsonlines(x: sp.spmatrix | np.ndarray, y: Iterable[float] | None = None) -> str:
    """JSON Lines of sparse records (``{"label": ..., "features": {"keys", "shape", "values"}}``) for
    training (with ``y``) or batch transform (without)."""
    x = sp.csr_matrix(x)
    labels = None if y is None else [float(v) for v in y]
    lines = []
    for r in range(x.shape[0]):
        start, stop = x.indptr[r], x.indptr[r + 1]
        record: dict[str, Any] = {}
        if labels is not None:
            record["label"] = labels[r]
        record["features"] = {"keys": x.indices[start:stop].tolist(), "shape": [x.shape[1]],
                              "values": x.data[start:stop].tolist()}
        lines.append(json.dumps(record, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def to_json_request(x: sp.spmatrix | np.ndarray) -> bytes:
    """An ``application/json`` request body of sparse records for the rows of ``x``."""
    x = sp.csr_matrix(x)
    instances = [{"data": {"features": {"keys": x.indices[x.indptr[r]:x.indptr[r + 1]].tolist(), "shape": [x.shape[1]],
                                        "values": x.data[x.indptr[r]:x.indptr[r + 1]].tolist()}}}
                 for r in range(x.shape[0])]
    return json.dumps({"instances": instances}).encode("utf-8")


def one_hot_rows(columns: list[np.ndarray], cardinalities: list[int]) -> sp.csr_matrix:
    """One-hot encode integer code columns (each 0..cardinality-1) side by side: (n, sum(cardinalities)).

    ``one_hot_rows([user_index, item_index], [n_users, n_items])`` is the classic FM input for
    recommendation: one 1 for the user, one for the item.
    """
    n = len(columns[0])
    offsets = np.concatenate(([0], np.cumsum(cardinalities)[:-1]))
    keys = []
    for col, card, off in zip(columns, cardinalities, offsets):
        col = np.asarray(col, dtype=np.int64)
        if len(col) != n:
            raise ValueError("every column needs the same number of rows")
        if col.size and (col.min() < 0 or col.max() >= card):
            raise ValueError(f"codes must lie in 0..{card - 1}; found {int(col.min())}..{int(col.max())}")
        keys.append(col + off)
    indices = np.stack(keys, axis=1).ravel()
    indptr = np.arange(0, n * len(columns) + 1, len(columns))
    return sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n, int(sum(cardinalities))))


# ------------------------------------------------------------------------------------- training data


def _is_jsonlines(path: Path) -> bool:
    if path.suffix.lower() in (".json", ".jsonl", ".jsonlines"):
        return True
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8-sig", errors="replace").lstrip()
    return head.startswith("{")


def read_fm_channel(channel: str, directory: Path | Channel, feature_dim: int, binary: bool, algorithm: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """(features CSR (n, feature_dim), labels (n,)) of a channel: RecordIO-protobuf (a training job's
    only format, as on SageMaker) or, for direct calls without a content type, JSON Lines or CSV."""
    files = channel_files(channel, directory)
    if getattr(directory, "content_type", None) == RECORDIO or _is_protobuf(files[0]):
        return _read_protobuf(channel, directory, feature_dim, binary)
    kinds = {path: _is_jsonlines(path) for path in files}
    if all(not is_json for is_json in kinds.values()):
        table = read_channel(channel, directory)
        x, y = split_label(table, feature_dim, algorithm=algorithm)
        if binary:
            y = check_class_labels(table, y, 2).astype(np.float64)
        return sp.csr_matrix(x), y
    if not all(kinds.values()):
        csv = next(p.name for p, is_json in kinds.items() if not is_json)
        json_file = next(p.name for p, is_json in kinds.items() if is_json)
        raise DataFormatError(f"Channel {channel!r} mixes CSV ({csv!r}) and JSON Lines ({json_file!r}) files: "
                              f"write every file of a channel in one format.")
    rows, labels = [], []
    for path in files:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"Channel {channel!r}, file {path.name!r}, row {number}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(f"{where} is not valid JSON ({exc.msg}): write one record per line, e.g. "
                                      f"with helpers.algorithms.factorization_machines.to_jsonlines(x, y).") from None
            try:
                label = _label(item, binary)
                row = _feature_row(_record_features(item))
            except ValueError as exc:
                raise DataFormatError(f"{where}: {exc}.") from None
            if row[2] != feature_dim:
                raise DataFormatError(f"{where}: {row[2]} features, but feature_dim={feature_dim}. Fix the sparse \"shape\" "
                                      f"(or the dense length) or set feature_dim={row[2]}.")
            rows.append(row)
            labels.append(label)
    if not rows:
        raise DataFormatError(f"Channel {channel!r} is empty: its {len(files)} file(s) hold no records "
                              f"({', '.join(p.name for p in files[:5])}). Write one JSON record per line.")
    return _stack(rows, lambda r: f"Record {r + 1}"), np.asarray(labels, dtype=np.float64)


def _is_protobuf(path: Path) -> bool:
    from helpers.algorithms import recordio

    with path.open("rb") as handle:
        return recordio.is_recordio(handle.read(4))


def _read_protobuf(channel: str, directory: Path | Channel, feature_dim: int, binary: bool) -> tuple[sp.csr_matrix, np.ndarray]:
    x, table = read_sparse_channel(channel, directory)
    if x.shape[1] != feature_dim:
        raise DataFormatError(f"{table.where(0)}: {x.shape[1]} features, but feature_dim={feature_dim}. Fix the sparse "
                              f"shape (write_spmatrix_to_sparse_tensor writes x.shape[1]) or set feature_dim={x.shape[1]}.")
    if table.labels is None:
        raise DataFormatError(f"{table.where(0)} has no label: factorization-machines trains on labelled records, "
                              f"write_spmatrix_to_sparse_tensor(f, x, labels=y).")
    y = check_class_labels(table, table.labels, 2).astype(np.float64) if binary else table.labels
    return x, y


def _label(item: Any, binary: bool) -> float:
    if not isinstance(item, dict) or "label" not in item:
        raise ValueError('no "label": training records need one, e.g. {"label": 4.0, "features": {...}}')
    raw = item["label"]
    if isinstance(raw, dict):  # the protobuf Record's form: {"values": [4.0]}
        raw = raw.get("values")
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise ValueError(f"label {raw!r} is not a finite number")
    if binary and raw not in (0, 1):
        raise ValueError(f"label {raw!r} is not 0 or 1 (predictor_type='binary_classifier' needs labels 0/1)")
    return float(raw)


# --------------------------------------------------------------------------------------------- model


@dataclass
class FMModel:
    """A trained factorization machine: ``bias`` (scalar), ``linear`` (feature_dim,), ``factors``
    (feature_dim, num_factors)."""

    predictor_type: str
    bias: float
    linear: np.ndarray
    factors: np.ndarray

    @property
    def feature_dim(self) -> int:
        return self.linear.shape[0]

    def raw(self, x: sp.spmatrix | np.ndarray) -> np.ndarray:
        """y(x) for every row of ``x`` (n, feature_dim): (n,)."""
        x = sp.csr_matrix(x)
        summed = x @ self.factors
        squares = x.multiply(x) @ (self.factors * self.factors)
        return self.bias + x @ self.linear + 0.5 * (summed * summed - squares).sum(axis=1)

    def scores(self, x: sp.spmatrix | np.ndarray) -> np.ndarray:
        """Regressor: the prediction; binary classifier: P(label 1). Shape (n,)."""
        raw = self.raw(x)
        return raw if self.predictor_type == REGRESSOR else 1.0 / (1.0 + np.exp(-raw))


def _evaluate(kind: str, scores: np.ndarray, y: np.ndarray) -> dict[str, float]:
    if kind == REGRESSOR:
        return {"rmse": float(np.sqrt(np.mean((scores - y) ** 2)))}
    p = np.clip(scores, 1e-12, 1 - 1e-12)
    pred = scores >= 0.5
    truth = y == 1
    tp = float((pred & truth).sum())
    precision = tp / pred.sum() if pred.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"binary_classification_accuracy": float(np.mean(pred == truth)),
            "binary_classification_cross_entropy": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
            "binary_f_beta": float(f1)}


class FactorizationMachines(Algorithm):
    name = "factorization-machines"
    image_repository = "factorization-machines"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "test"})
    metric_names = ("train:rmse", "train:binary_classification_cross_entropy", "test:rmse",
                    "test:binary_classification_accuracy", "test:binary_classification_cross_entropy",
                    "test:binary_f_beta")
    content_types = (payloads.JSON, payloads.JSONLINES, payloads.RECORDIO)
    accepts = (payloads.JSON, payloads.JSONLINES, payloads.RECORDIO)
    #: SageMaker's FM trains on recordIO-protobuf (Float32 tensors) only
    training_content_types = (RECORDIO,)

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        for term in TERMS:
            method = values[f"{term}_init_method"]
            needed = f"{term}_init_{_INIT_PARAMETER[method]}"
            if values[needed] is None:
                raise HyperparameterError(
                    f"Missing hyperparameter {needed!r} for factorization-machines: {term}_init_method={method!r} needs it. "
                    f"Valid values: {self.hyperparameters[needed].valid}.")

    # ------------------------------------------------------------------------------------ training

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        kind = hps["predictor_type"]
        x, y = read_fm_channel("train", channels["train"], hps["feature_dim"], kind == BINARY, self.name)
        test = (read_fm_channel("test", channels["test"], hps["feature_dim"], kind == BINARY, self.name)
                if "test" in channels else None)
        log(f"factorization-machines: {x.shape[0]} training rows, feature_dim={x.shape[1]}, {x.nnz} non-zeros, "
            f"num_factors={hps['num_factors']}, {kind}.")
        model = _train(x, y, hps, log, self)
        if test is not None:
            for metric, value in _evaluate(kind, model.scores(test[0]), test[1]).items():
                self.log_metric(log, f"test:{metric}", value)
        write_model(model_dir, self.name, {"predictor_type": kind, "feature_dim": model.feature_dim,
                                           "num_factors": hps["num_factors"], "bias": model.bias,
                                           "hyperparameters": hps},
                    {"linear": model.linear, "factors": model.factors})

    # ----------------------------------------------------------------------------------- inference

    def load(self, model_dir: Path) -> FMModel:
        meta, arrays = read_model(model_dir, self.name)
        return FMModel(meta["predictor_type"], float(meta["bias"]), arrays["linear"], arrays["factors"])

    def input_fn(self, body: bytes, content_type: str) -> sp.csr_matrix:
        return parse_records(body, content_type)

    def predict_fn(self, features: Any, model: FMModel) -> list[dict[str, Any]]:
        if sp.issparse(features):
            x = sp.csr_matrix(features)
        else:
            x = sp.csr_matrix(payloads.check_features(features, model.feature_dim))
        if x.shape[1] != model.feature_dim:
            raise InferenceError(f"Each record must have {model.feature_dim} features (the model's feature_dim), got "
                                 f"{x.shape[1]}: set the sparse \"shape\" to [{model.feature_dim}].", 400)
        if x.nnz and not np.isfinite(x.data).all():
            raise InferenceError("The features hold NaN or infinity: the model needs finite numbers.", 400)
        return self.predict(x, model)

    def predict(self, features: Any, model: FMModel) -> list[dict[str, Any]]:
        scores = model.scores(features)
        if model.predictor_type == REGRESSOR:
            return [{"score": float(s)} for s in scores]
        return [{"score": float(s), "predicted_label": int(s >= 0.5)} for s in scores]


# -------------------------------------------------------------------------------------- torch trainer


class _LazyAdam:
    """Adam on the rows of a weight matrix that a mini-batch touches (MXNet's lazy update): the other
    rows, their moments and their weight decay are left alone. Bias correction uses the global step."""

    def __init__(self, weight, lr: float, wd: float, eps: float, beta1: float = 0.9, beta2: float = 0.999):
        import torch

        self.weight, self.lr, self.wd, self.eps, self.beta1, self.beta2 = weight, lr, wd, eps, beta1, beta2
        self.m = torch.zeros_like(weight)
        self.v = torch.zeros_like(weight)

    def step(self, rows, grad, t: int, rescale: float, clip: float | None) -> None:
        """Update ``weight[rows]`` with the data gradient ``grad`` (len(rows), ...) at step ``t`` (1-based)."""
        w = self.weight[rows]
        g = grad * rescale + self.wd * w
        if clip is not None:
            g = g.clamp(-clip, clip)
        m = self.beta1 * self.m[rows] + (1 - self.beta1) * g
        v = self.beta2 * self.v[rows] + (1 - self.beta2) * g * g
        self.m[rows], self.v[rows] = m, v
        step = self.lr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        self.weight[rows] = w - step * m / (v.sqrt() + self.eps)


def _init(tensor, method: str, hps: dict[str, Any], term: str, generator) -> None:
    if method == "uniform":
        scale = hps[f"{term}_init_scale"]
        tensor.uniform_(-scale, scale, generator=generator)
    elif method == "normal":
        tensor.normal_(0.0, hps[f"{term}_init_sigma"], generator=generator)
    else:
        tensor.fill_(hps[f"{term}_init_value"])


def _train(x: sp.csr_matrix, y: np.ndarray, hps: dict[str, Any], log: Log, algo: Algorithm) -> FMModel:
    """Mini-batch lazy Adam on the FM objective; returns the trained model."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # mini-batches of a few thousand non-zeros: threads only add overhead
    try:
        with torch.no_grad():
            return _run(torch, x, y, hps, log, algo)
    finally:
        torch.set_num_threads(threads)


def _run(torch, x: sp.csr_matrix, y: np.ndarray, hps: dict[str, Any], log: Log, algo: Algorithm) -> FMModel:
    generator = torch.Generator().manual_seed(SEED)
    d, k = x.shape[1], hps["num_factors"]
    weights = {"bias": torch.zeros(1, 1), "linear": torch.zeros(d, 1), "factors": torch.zeros(d, k)}
    eps = hps["eps"] if hps["eps"] is not None else 1e-8
    optimizers = {}
    for term, tensor in weights.items():
        _init(tensor, hps[f"{term}_init_method"], hps, term, generator)
        optimizers[term] = _LazyAdam(tensor, hps[f"{term}_lr"], hps[f"{term}_wd"], eps)
    bias, linear, factors = weights["bias"], weights["linear"], weights["factors"]
    binary = hps["predictor_type"] == BINARY
    x = sp.csr_matrix(x, dtype=np.float32)
    labels = torch.as_tensor(y, dtype=torch.float32)
    n, batch, epochs = x.shape[0], hps["mini_batch_size"], hps["epochs"]
    clip = hps["clip_gradient"]
    metric = "binary_classification_cross_entropy" if binary else "rmse"
    t = 0
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n, generator=generator).numpy()
        shuffled = x[order]
        y_epoch = labels[torch.as_tensor(order)]
        total = 0.0
        for start in range(0, n, batch):
            rows = shuffled[start:start + batch]
            target = y_epoch[start:start + batch]
            m = rows.shape[0]
            indptr = torch.as_tensor(rows.indptr, dtype=torch.int64)
            row_of = torch.repeat_interleave(torch.arange(m), indptr[1:] - indptr[:-1])
            present, local = torch.unique(torch.as_tensor(rows.indices, dtype=torch.int64), return_inverse=True)
            values = torch.as_tensor(rows.data, dtype=torch.float32)
            # Forward pass on the rows of the features present (nnz = non-zeros of the batch).
            w = linear[present][local, 0]                                   # (nnz,)
            v = factors[present][local]                                     # (nnz, k)
            xv = v * values[:, None]
            summed = torch.zeros(m, k).index_add_(0, row_of, xv)            # sum_i v_i x_i per row
            raw = (bias[0, 0] + torch.zeros(m).index_add_(0, row_of, w * values)
                   + 0.5 * (summed * summed - torch.zeros(m, k).index_add_(0, row_of, xv * xv)).sum(dim=1))
            if binary:
                p = torch.sigmoid(raw)
                total += float(torch.nn.functional.binary_cross_entropy(p, target, reduction="sum"))
                residual = p - target                                       # d(log loss)/d raw
            else:
                residual = raw - target                                     # d(half squared error)/d raw
                total += float((residual * residual).sum())
            # Gradients of the batch-mean loss (MXNet's rescale_grad = 1/batch unless given).
            scale = hps["rescale_grad"] if hps["rescale_grad"] is not None else 1.0 / m
            r_nz = residual[row_of]                                         # (nnz,)
            g_w = torch.zeros(len(present)).index_add_(0, local, r_nz * values)
            g_v = torch.zeros(len(present), k).index_add_(
                0, local, r_nz[:, None] * values[:, None] * (summed[row_of] - xv))
            t += 1
            optimizers["bias"].step(torch.tensor([0]), residual.sum().reshape(1, 1), t, scale, clip)
            optimizers["linear"].step(present, g_w[:, None], t, scale, clip)
            optimizers["factors"].step(present, g_v, t, scale, clip)
        algo.log_metric(log, f"train:{metric}", total / n if binary else math.sqrt(total / n))
        algo.log_progress(log, epoch, epochs)
    return FMModel(hps["predictor_type"], float(bias[0, 0]), linear.numpy()[:, 0].astype(np.float64),
                   factors.numpy().astype(np.float64))
