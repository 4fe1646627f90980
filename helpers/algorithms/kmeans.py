"""SageMaker's K-Means, locally: web-scale mini-batch k-means with extra centers, reduced to ``k``
clusters by Lloyd's method, in numpy.

As SageMaker describes it ("How K-Means Clustering Works"):

1. choose ``K = k * extra_center_factor`` initial centers from a random mini-batch (``init_method``
   ``random`` or ``kmeans++``);
2. stream mini-batches of ``mini_batch_size`` rows for ``epochs`` passes; each center moves to
   ``(1 - p) * center + p * mean(new points)`` with ``p = new / (previous + new)``, the previous count
   decaying by half every ``half_life_time_size`` points (0: no decay);
3. reduce the K centers to ``k`` with Lloyd's method on the centers weighted by their point counts
   (``local_lloyd_init_method``, ``local_lloyd_max_iter``, ``local_lloyd_tol``, one run per
   ``local_lloyd_num_trials``).

Training data: CSV without a label. Like SageMaker with ``text/csv`` (``label_size=0`` for this
unsupervised algorithm), every column is a feature, so a file needs exactly ``feature_dim`` columns;
a label column must be dropped first. Channels: ``train`` (required), ``test`` (optional).

Metrics: ``test:msd`` / ``test:ssd`` (mean / sum of squared distances to the closest center; the
ones ``eval_metrics`` asks for) on the test channel, and the same on the training data as
``train:msd`` / ``train:ssd``. Responses: ``{"closest_cluster": 1.0, "distance_to_cluster": 3.0}``
(Euclidean distance) in JSON / JSON Lines, or ``closest_cluster,distance_to_cluster`` lines in CSV.

Local choices SageMaker does not document: ``extra_center_factor=auto`` is 10 (capped so that K does
not exceed the rows), ``local_lloyd_num_trials=auto`` is 10, the random seed is fixed; and since the
training data is in memory here, each trial's k centers are then polished by Lloyd passes over it
(``local_lloyd_max_iter``, ``local_lloyd_tol``) and the trial with the smallest training SSD is kept,
which brings the inertia to that of a full k-means.
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

__all__ = ["KMeans", "KMeansModel", "squared_distances", "lloyd", "kmeans_plus_plus"]

SEED = 0
AUTO_EXTRA_CENTER_FACTOR = 10
AUTO_NUM_TRIALS = 10


def _eval_metrics(value: Any) -> list[str]:
    names = hp.json_list(value)
    if not names or any(name not in ("msd", "ssd") for name in names):
        raise ValueError("expected a JSON list of 'msd' and/or 'ssd'")
    return list(dict.fromkeys(names))


HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("feature_dim", low=1, required=True, help="the number of features in the input data"),
        hp.integer("k", low=1, required=True, help="the number of clusters"),
        hp.integer("epochs", 1, low=1),
        hp.custom("eval_metrics", _eval_metrics, """'["msd"]', '["ssd"]' or '["msd","ssd"]'""", ("msd",)),
        hp.integer("extra_center_factor", "auto", low=1, auto=True),
        # SDK v2's KMeans always sends force_dense=True for Record data; SageMaker's k-means takes it
        hp.boolean("force_dense", True, help="densify sparse rows before clustering"),
        hp.integer("half_life_time_size", 0, low=0),
        hp.choice("init_method", ("random", "kmeans++"), "random"),
        hp.choice("local_lloyd_init_method", ("random", "kmeans++"), "kmeans++"),
        hp.integer("local_lloyd_max_iter", 300, low=1),
        hp.integer("local_lloyd_num_trials", "auto", low=1, auto=True),
        hp.number("local_lloyd_tol", 0.0001, low=0, high=1),
        hp.integer("mini_batch_size", 5000, low=1),
    ]
}


@dataclass
class KMeansModel:
    """``centers`` (k, feature_dim) float64."""

    centers: np.ndarray

    @property
    def feature_dim(self) -> int:
        return self.centers.shape[1]

    def assign(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(closest center index (n,), squared distance to it (n,))."""
        return closest(x, self.centers)


def squared_distances(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(n, K) squared Euclidean distances, never negative."""
    d = (x * x).sum(axis=1)[:, None] - 2.0 * x @ centers.T + (centers * centers).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


def closest(x: np.ndarray, centers: np.ndarray, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    labels = np.empty(len(x), dtype=np.int64)
    dist = np.empty(len(x))
    for start in range(0, len(x), chunk):
        d = squared_distances(x[start:start + chunk], centers)
        labels[start:start + chunk] = d.argmin(axis=1)
        dist[start:start + chunk] = d[np.arange(len(d)), labels[start:start + chunk]]
    return labels, dist


def kmeans_plus_plus(x: np.ndarray, n: int, rng: np.random.Generator, weights: np.ndarray | None = None) -> np.ndarray:
    """``n`` rows of ``x`` chosen by k-means++ seeding (probability ~ weight * squared distance)."""
    w = np.ones(len(x)) if weights is None else weights
    chosen = [rng.choice(len(x), p=w / w.sum())]
    best = squared_distances(x, x[chosen])[:, 0]
    for _ in range(1, n):
        p = w * best
        total = p.sum()
        index = rng.choice(len(x), p=p / total) if total > 0 else rng.choice(len(x))
        chosen.append(index)
        best = np.minimum(best, squared_distances(x, x[[index]])[:, 0])
    return x[chosen].copy()


def lloyd(x: np.ndarray, weights: np.ndarray, k: int, *, init: str | np.ndarray, max_iter: int, tol: float,
          rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Weighted Lloyd's k-means: (centers (k, d), weighted sum of squared distances).

    ``init``: ``"kmeans++"``, ``"random"`` (rows drawn with probability ~ weight), or the initial centers.
    Stops when the weighted SSD improves by less than ``tol`` (relative) or after ``max_iter`` passes.
    """
    if isinstance(init, np.ndarray):
        centers = init.copy()
    elif init == "kmeans++":
        centers = kmeans_plus_plus(x, k, rng, weights)
    else:
        centers = x[rng.choice(len(x), size=k, replace=False, p=weights / weights.sum())].copy()
    previous = np.inf
    for _ in range(max_iter):
        labels, dist = closest(x, centers)
        ssd = float((weights * dist).sum())
        mass = np.bincount(labels, weights=weights, minlength=k)
        weighted = x * weights[:, None]
        sums = np.stack([np.bincount(labels, weights=weighted[:, j], minlength=k) for j in range(x.shape[1])], axis=1)
        filled = mass > 0
        centers[filled] = sums[filled] / mass[filled][:, None]
        for c in np.flatnonzero(~filled):  # an empty cluster takes the point farthest from its center
            far = int(np.argmax(weights * dist))
            centers[c], dist[far] = x[far], 0.0
        if np.isfinite(previous) and previous - ssd <= tol * previous:
            break
        previous = ssd
    _, dist = closest(x, centers)
    return centers, float((weights * dist).sum())


class KMeans(Algorithm):
    name = "kmeans"
    image_repository = "kmeans"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "test"})
    metric_names = ("test:msd", "test:ssd", "train:msd", "train:ssd")
    accepts = (payloads.JSON, payloads.JSONLINES, payloads.CSV, payloads.RECORDIO)
    csv_fields = ("closest_cluster", "distance_to_cluster")

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        x, _ = split_label(read_channel("train", channels["train"]), hps["feature_dim"], algorithm=self.name, label_columns=0)
        k = hps["k"]
        if k > len(x):
            raise HyperparameterError(
                f"Hyperparameter 'k': value {k} is more than the {len(x)} training rows. Valid values: 1..{len(x)}."
            )
        rng = np.random.default_rng(SEED)
        factor = AUTO_EXTRA_CENTER_FACTOR if hps["extra_center_factor"] == "auto" else hps["extra_center_factor"]
        n_centers = min(k * factor, len(x))
        log(f"kmeans: {len(x)} training rows, {n_centers} centers reduced to k={k}.")
        centers, counts = self._mini_batch(x, n_centers, hps, rng, log)
        trials = AUTO_NUM_TRIALS if hps["local_lloyd_num_trials"] == "auto" else hps["local_lloyd_num_trials"]
        if n_centers > k:
            # Centers no point reached keep a negligible weight (never dropped: k may need them).
            weights = np.maximum(counts, 1e-9)
            runs = [lloyd(centers, weights, k, init=hps["local_lloyd_init_method"],
                          max_iter=hps["local_lloyd_max_iter"], tol=hps["local_lloyd_tol"], rng=rng)
                    for _ in range(trials)]
            starts = [run[0] for run in runs]
        else:
            starts = [centers]
        # Local choice: the data is in memory, so polish every trial's centers with Lloyd passes over it
        # and keep the one with the smallest sum of squared distances on the training data. (Polishing
        # only the trials best on the weighted centers loses up to 2% of inertia on real data.)
        polished = [lloyd(x, np.ones(len(x)), k, init=start, max_iter=hps["local_lloyd_max_iter"],
                          tol=hps["local_lloyd_tol"], rng=rng) for start in starts]
        centers = min(polished, key=lambda run: run[1])[0]
        model = KMeansModel(centers)
        self._log_scores(log, "train", model, x, ["msd", "ssd"])
        if "test" in channels:
            x_test, _ = split_label(read_channel("test", channels["test"]), hps["feature_dim"], algorithm=self.name,
                                    label_columns=0)
            self._log_scores(log, "test", model, x_test, list(hps["eval_metrics"]))
        write_model(model_dir, self.name, {"k": k, "feature_dim": hps["feature_dim"],
                                           "hyperparameters": hps}, {"centers": centers})

    def _mini_batch(self, x: np.ndarray, n_centers: int, hps: dict[str, Any], rng: np.random.Generator,
                    log: Log) -> tuple[np.ndarray, np.ndarray]:
        """Web-scale k-means: (centers (K, d), decayed point counts (K,))."""
        batch = hps["mini_batch_size"]
        first = x[rng.permutation(len(x))[: max(batch, n_centers)]]
        if hps["init_method"] == "kmeans++":
            centers = kmeans_plus_plus(first, n_centers, rng)
        else:
            centers = first[rng.choice(len(first), n_centers, replace=False)].copy()
        counts = np.zeros(n_centers)
        half_life = hps["half_life_time_size"]
        for epoch in range(1, hps["epochs"] + 1):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch):
                rows = x[order[start:start + batch]]
                if half_life:
                    counts *= 0.5 ** (len(rows) / half_life)
                labels, _ = closest(rows, centers)
                new = np.bincount(labels, minlength=n_centers).astype(float)
                sums = np.stack([np.bincount(labels, weights=rows[:, j], minlength=n_centers)
                                 for j in range(rows.shape[1])], axis=1)
                hit = new > 0
                p = new[hit] / (counts[hit] + new[hit])
                centers[hit] = (1 - p)[:, None] * centers[hit] + p[:, None] * (sums[hit] / new[hit][:, None])
                counts += new
            self.log_progress(log, epoch, hps["epochs"])
        return centers, counts

    def _log_scores(self, log: Log, channel: str, model: KMeansModel, x: np.ndarray, which: list[str]) -> None:
        _, dist = model.assign(x)
        values = {"msd": float(dist.mean()), "ssd": float(dist.sum())}
        for name in which:
            self.log_metric(log, f"{channel}:{name}", values[name])

    def load(self, model_dir: Path) -> KMeansModel:
        _, arrays = read_model(model_dir, self.name)
        return KMeansModel(arrays["centers"])

    def predict(self, features: np.ndarray, model: KMeansModel) -> list[dict[str, Any]]:
        labels, dist = model.assign(features)
        return [{"closest_cluster": float(c), "distance_to_cluster": float(np.sqrt(d))} for c, d in zip(labels, dist)]
