"""SageMaker's k-nearest neighbours (k-NN), locally, in numpy.

Training, as SageMaker describes it: sample ``sample_size`` rows of the training data (all rows when
there are fewer), optionally reduce their dimension (``dimension_reduction_type``: ``sign`` random
projection or ``fjlt`` fast Johnson-Lindenstrauss transform, to ``dimension_reduction_target``),
and build the index the queries search. A query's label is the most frequent label among its ``k``
nearest neighbours (``classifier``; ties go to the smallest label) or their mean (``regressor``).

Channels: ``train`` (required) and ``test`` (optional; logs ``test:accuracy`` or ``test:mse``); CSV,
label first, no header. Responses: ``{"predictions": [{"predicted_label": 2.0}]}``; with
``Accept: application/json; verbose=true`` each record also lists its neighbours' ``distances``
(closest first) and ``labels``. JSON Lines likewise.

Local choices: the search is exact brute force for every ``index_type`` (faiss is not installed here),
so ``faiss.IVFFlat`` / ``faiss.IVFPQ`` give the exact neighbours their approximate indexes aim at;
their parameters are validated but do not change results. Distances are reported as faiss reports
them: squared Euclidean for ``L2``, the inner product for ``INNER_PRODUCT``, the cosine similarity
for ``COSINE`` (for the last two, larger means closer). The random seed is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import payloads
from helpers.algorithms.base import Algorithm, Log, read_model, write_model
from helpers.algorithms.channels import read_channel, split_label
from helpers.algorithms.errors import HyperparameterError

__all__ = ["KNN", "KNNModel", "fwht"]

SEED = 0
PQ_M = (1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96)
CHUNK_CELLS = 1_000_000  # query x point distances computed at once: small enough to stay in cache


def _pq_m(value: Any) -> int:
    out = int(str(value).strip())
    if out not in PQ_M:
        raise ValueError("not one of " + ", ".join(map(str, PQ_M)))
    return out


HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("feature_dim", low=1, required=True, help="the number of features in the input data"),
        hp.integer("k", low=1, required=True, help="the number of nearest neighbours"),
        hp.choice("predictor_type", ("classifier", "regressor"), required=True,
                  help="'classifier' (majority label) or 'regressor' (mean label)"),
        hp.integer("sample_size", low=1, required=True, help="the number of training rows sampled into the index"),
        hp.integer("dimension_reduction_target", low=1),
        hp.choice("dimension_reduction_type", ("sign", "fjlt")),
        hp.integer("faiss_index_ivf_nlists", "auto", low=1, auto=True),
        hp.custom("faiss_index_pq_m", _pq_m, "one of " + ", ".join(map(str, PQ_M))),
        hp.choice("index_metric", ("L2", "INNER_PRODUCT", "COSINE"), "L2"),
        hp.choice("index_type", ("faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ"), "faiss.Flat"),
        hp.integer("mini_batch_size", 5000, low=1),
    ]
}


def fwht(a: np.ndarray) -> np.ndarray:
    """Orthonormal fast Walsh-Hadamard transform along the last axis (length a power of 2)."""
    n = a.shape[-1]
    lead = a.shape[:-1]
    out = np.array(a, dtype=np.float64)
    h = 1
    while h < n:
        blocks = out.reshape(*lead, n // (2 * h), 2, h)
        top, bottom = blocks[..., 0, :], blocks[..., 1, :]
        out = np.stack((top + bottom, top - bottom), axis=-2).reshape(*lead, n)
        h *= 2
    return out / np.sqrt(n)


@dataclass
class KNNModel:
    """The index: ``points`` (sample, reduced_dim) and their ``labels``, plus the reduction to apply."""

    predictor_type: str
    k: int
    metric: str
    feature_dim: int
    points: np.ndarray
    labels: np.ndarray
    reduction: str  # "", "sign" or "fjlt"
    projection: np.ndarray  # sign: (feature_dim, target); fjlt: random signs (padded_dim,)
    keep: np.ndarray  # fjlt: the sampled coordinates (target,)

    def reduce(self, x: np.ndarray) -> np.ndarray:
        """Queries in the index's space (dimension reduction, cosine normalisation)."""
        if self.reduction == "sign":
            x = x @ self.projection
        elif self.reduction == "fjlt":
            padded = np.zeros((len(x), len(self.projection)))
            padded[:, : x.shape[1]] = x
            x = fwht(padded * self.projection)[:, self.keep] * np.sqrt(len(self.projection) / len(self.keep))
        if self.metric == "COSINE":
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            x = x / np.where(norms > 0, norms, 1.0)
        return x

    def neighbours(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(indices (n, k) closest first, distances (n, k) as faiss reports them)."""
        q = self.reduce(x)
        k = self.k
        index = np.empty((len(q), k), dtype=np.int64)
        dist = np.empty((len(q), k))
        norms = (self.points ** 2).sum(axis=1)
        chunk = max(1, CHUNK_CELLS // max(1, len(self.points)))
        for start in range(0, len(q), chunk):
            block = q[start:start + chunk]
            key = block @ self.points.T
            if self.metric == "L2":  # ||q||^2 - 2 q.p + ||p||^2, in place
                key *= -2.0
                key += (block ** 2).sum(axis=1)[:, None]
                key += norms[None, :]
                np.maximum(key, 0.0, out=key)
            else:  # similarity: larger is closer, so search on its negative
                np.negative(key, out=key)
            part = np.argpartition(key, k - 1, axis=1)[:, :k] if k < key.shape[1] else np.tile(np.arange(key.shape[1]), (len(key), 1))
            part_key = np.take_along_axis(key, part, axis=1)
            order = np.lexsort((part, part_key), axis=1)  # by distance, then by index for ties
            chosen = np.take_along_axis(part, order, axis=1)
            index[start:start + chunk] = chosen
            chosen_key = np.take_along_axis(key, chosen, axis=1)
            dist[start:start + chunk] = chosen_key if self.metric == "L2" else -chosen_key
        return index, dist

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(predicted labels (n,), neighbour distances (n, k), neighbour labels (n, k))."""
        index, dist = self.neighbours(x)
        labels = self.labels[index]
        if self.predictor_type == "regressor":
            return labels.mean(axis=1), dist, labels
        predicted = np.empty(len(labels))
        for i, row in enumerate(labels):
            values, counts = np.unique(row, return_counts=True)  # sorted: ties go to the smallest label
            predicted[i] = values[np.argmax(counts)]
        return predicted, dist, labels


class KNN(Algorithm):
    name = "knn"
    image_repository = "knn"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "test"})
    metric_names = ("test:accuracy", "test:mse")

    def check_hyperparameters(self, values: dict[str, Any]) -> None:
        reduction, target = values["dimension_reduction_type"], values["dimension_reduction_target"]
        if reduction is not None and target is None:
            raise HyperparameterError(
                "Missing required hyperparameter 'dimension_reduction_target' for knn: it is required when "
                "dimension_reduction_type is set. Valid values: integer between 0 and feature_dim, exclusive."
            )
        if target is not None and not 0 < target < values["feature_dim"]:
            raise HyperparameterError(
                f"Hyperparameter 'dimension_reduction_target': value {target} not in range (0, {values['feature_dim']}) "
                f"(it must be smaller than feature_dim). Valid values: integer between 0 and feature_dim, exclusive."
            )
        if values["index_type"] == "faiss.IVFPQ" and values["index_metric"] != "L2":
            raise HyperparameterError(
                f"Hyperparameter 'index_metric': value {values['index_metric']!r} is not supported with index_type "
                f"'faiss.IVFPQ'. Valid values: 'L2' (or choose index_type 'faiss.Flat' / 'faiss.IVFFlat')."
            )

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        table = read_channel("train", channels["train"])
        x, y = split_label(table, hps["feature_dim"], algorithm=self.name)
        rng = np.random.default_rng(SEED)
        if hps["sample_size"] < len(x):
            rows = np.sort(rng.choice(len(x), hps["sample_size"], replace=False))
            x, y = x[rows], y[rows]
        if hps["k"] > len(x):
            raise HyperparameterError(
                f"Hyperparameter 'k': value {hps['k']} is more than the {len(x)} points in the index "
                f"(sample_size and the training rows). Valid values: 1..{len(x)}."
            )
        reduction = hps["dimension_reduction_type"] or ""
        d = hps["feature_dim"]
        projection, keep = np.zeros(0), np.zeros(0, dtype=np.int64)
        if reduction == "sign":
            target = hps["dimension_reduction_target"]
            projection = rng.choice([-1.0, 1.0], size=(d, target)) / np.sqrt(target)
        elif reduction == "fjlt":
            target = hps["dimension_reduction_target"]
            padded = 1 << (d - 1).bit_length()
            projection = rng.choice([-1.0, 1.0], size=padded)
            keep = np.sort(rng.choice(padded, target, replace=False))
        model = KNNModel(hps["predictor_type"], hps["k"], hps["index_metric"], d, np.zeros((0, 0)), y,
                         reduction, projection, keep)
        model.points = model.reduce(x)
        log(f"knn: index of {len(x)} points, {model.points.shape[1]} dimensions ({hps['index_type']} searched exactly).")
        if "test" in channels:
            test = read_channel("test", channels["test"])
            x_test, y_test = split_label(test, d, algorithm=self.name)
            predicted = np.concatenate([model.predict(x_test[s:s + hps["mini_batch_size"]])[0]
                                        for s in range(0, len(x_test), hps["mini_batch_size"])])
            if hps["predictor_type"] == "classifier":
                self.log_metric(log, "test:accuracy", float(np.mean(predicted == y_test)))
            else:
                self.log_metric(log, "test:mse", float(np.mean((predicted - y_test) ** 2)))
        write_model(model_dir, self.name, {
            "predictor_type": model.predictor_type, "k": model.k, "metric": model.metric, "feature_dim": d,
            "reduction": reduction, "hyperparameters": hps,
        }, {"points": model.points, "labels": model.labels, "projection": projection, "keep": keep})

    def load(self, model_dir: Path) -> KNNModel:
        meta, a = read_model(model_dir, self.name)
        return KNNModel(meta["predictor_type"], meta["k"], meta["metric"], meta["feature_dim"], a["points"],
                        a["labels"], meta["reduction"], a["projection"], a["keep"])

    def predict(self, features: np.ndarray, model: KNNModel) -> list[dict[str, Any]]:
        predicted, dist, labels = model.predict(features)
        return [{"predicted_label": float(p), "distances": [float(v) for v in dr], "labels": [float(v) for v in lr]}
                for p, dr, lr in zip(predicted, dist, labels)]

    def output_fn(self, prediction: list[dict[str, Any]], accept: str | None) -> tuple[bytes, str]:
        mime, params = payloads.negotiate_accept(accept, self.accepts, self.default_accept)
        if params.get("verbose", "").lower() != "true":
            prediction = [{"predicted_label": record["predicted_label"]} for record in prediction]
        return payloads.encode(prediction, mime, json_key=self.json_key), mime
