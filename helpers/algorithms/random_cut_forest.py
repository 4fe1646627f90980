"""SageMaker's Random Cut Forest, locally: the robust random cut forest of Guha, Mishra, Roy and
Schrijvers, "Robust random cut forest based anomaly detection on streams" (ICML 2016), in numpy.

Training (channel ``train``: CSV, no label, ``feature_dim`` columns, as SageMaker's
``text/csv;label_size=0``):

1. draw a random sample of the training rows and split it into ``num_trees`` parts of
   ``num_samples_per_tree`` rows (disjoint when the data is large enough; otherwise each tree
   draws its own sample without replacement);
2. build one robust random cut tree per part: at each node take the bounding box of its points,
   pick a dimension with probability proportional to its range (side length), cut it at a uniform
   position within the range, and recurse until every leaf holds one point (or identical copies).

Scoring (inference): a point's score in a tree is its *collusive displacement* (CoDisp) once
inserted into the tree: when the point ends up separated at node ``u``, the subtrees that hide it
move by ``max(|u| / 1, max over the ancestors a of |sibling(a)| / (|a| + 1))`` points. Insertion is
random (at each node a random cut of the box grown to include the point either separates it, with
probability = extra range / grown range, or follows the node's cut), so the score here is the exact
*expected* CoDisp over that randomness, computed in one pass down the tree without changing it. The
forest's score is the mean over the trees: near 1 for points in dense regions, up to
``num_samples_per_tree`` for isolated points. (SageMaker also averages over trees and "scales the
result with respect to the sample size"; it does not say how, so only the ordering and the
threshold rule below carry over, not the numbers.)

The usual threshold (SageMaker's documentation and its test metrics): a point is anomalous when its
score is above ``mean + 3 x standard deviation`` of the scores; see :func:`three_sigma_threshold`.
It is scale-free (any positive rescaling of the scores labels the same points), and it trades
recall for precision: more sigmas flag fewer, surer anomalies.

Channel ``test`` (optional): CSV, the label first (1 anomaly, 0 normal; SageMaker's
``text/csv;label_size=1``), then the features. Metrics on it, labelling with the three-sigma rule on
the test scores: ``test:accuracy`` and ``test:precision``, ``test:recall``, ``test:f1`` (of the
anomaly class; ``test:f1`` is SageMaker's tuning objective), as ``eval_metrics`` asks.

Requests: text/csv, application/json (dense or sparse records), application/jsonlines.
Responses: ``{"scores": [{"score": 1.2}, ...]}`` (JSON) or one ``{"score": ...}`` per line (JSON Lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.algorithms import hyperparameters as hp
from helpers.algorithms import payloads
from helpers.algorithms.base import Algorithm, Log, read_model, write_model
from helpers.algorithms.channels import check_class_labels, read_channel, split_label
from helpers.algorithms.errors import InferenceError

__all__ = ["RandomCutForest", "Forest", "build_forest", "three_sigma_threshold"]

SEED = 0
METRICS = ("accuracy", "precision_recall_fscore")


def _eval_metrics(value: Any) -> list[str]:
    names = hp.json_list(value)
    if not names or any(name not in METRICS for name in names):
        raise ValueError("expected a list of 'accuracy' and/or 'precision_recall_fscore'")
    return list(dict.fromkeys(names))


HYPERPARAMETERS = {
    s.name: s for s in [
        hp.integer("feature_dim", low=1, high=10000, required=True, valid="integer from 1 to 10000",
                   help="the number of features (columns) of the data"),
        hp.custom("eval_metrics", _eval_metrics, """'["accuracy"]', '["precision_recall_fscore"]' or both""",
                  list(METRICS)),
        # SDK v2's RandomCutForest.fit always sends mini_batch_size=1000; SageMaker's RCF takes it
        hp.integer("mini_batch_size", 1000, low=1),
        hp.integer("num_samples_per_tree", 256, low=1, high=2048, valid="integer from 1 to 2048"),
        hp.integer("num_trees", 100, low=50, high=1000, valid="integer from 50 to 1000"),
    ]
}


def three_sigma_threshold(scores: np.ndarray, sigmas: float = 3.0) -> float:
    """``mean + sigmas x std`` of ``scores``: the usual cut-off above which a score is an anomaly."""
    scores = np.asarray(scores, dtype=np.float64)
    return float(scores.mean() + sigmas * scores.std())


# --------------------------------------------------------------------------------------------- forest


@dataclass
class Forest:
    """All trees' nodes in flat arrays (node ids are global; ``roots[t]`` is tree t's root).

    Per node: ``mass`` (points below it, copies counted), ``low`` / ``high`` (bounding box of those
    points, (n_nodes, d)), ``dim`` / ``cut`` (the cut: left child holds ``x[dim] <= cut``; -1 at
    leaves), ``left`` / ``right`` (children, -1 at leaves).
    """

    roots: np.ndarray
    mass: np.ndarray
    low: np.ndarray
    high: np.ndarray
    dim: np.ndarray
    cut: np.ndarray
    left: np.ndarray
    right: np.ndarray

    def __post_init__(self) -> None:
        self._width = (self.high - self.low).sum(axis=1)  # sum of the box's side lengths, per node

    @property
    def feature_dim(self) -> int:
        return self.low.shape[1]

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in ("roots", "mass", "low", "high", "dim", "cut", "left", "right")}

    def codisp(self, x: np.ndarray, chunk: int = 512) -> np.ndarray:
        """Expected collusive displacement of each row of ``x`` (n, d), averaged over the trees: (n,)."""
        x = np.asarray(x, dtype=np.float64)
        out = np.empty(len(x))
        for start in range(0, len(x), chunk):
            out[start:start + chunk] = self._codisp(x[start:start + chunk]).mean(axis=1)
        return out

    def _codisp(self, x: np.ndarray) -> np.ndarray:
        """(n, n_trees) expected CoDisp: every (point, tree) pair walks down its tree together, as flat
        arrays of the pairs still walking (a pair stops at a leaf, or once it is surely separated)."""
        n, trees = len(x), self.num_trees
        expected = np.zeros(n * trees)
        pair = np.arange(n * trees)               # index into expected (point-major)
        point = pair // trees
        node = np.tile(self.roots, n)
        survive = np.ones(n * trees)              # P(not separated yet)
        ratio = np.zeros(n * trees)               # max |sibling| / (|subtree holding x| + 1) over the ancestors
        while pair.size:
            xa = x[point]
            lo, hi = self.low[node], self.high[node]
            extra = (np.maximum(lo - xa, 0.0) + np.maximum(xa - hi, 0.0)).sum(axis=1)
            span = self._width[node] + extra
            p = np.divide(extra, span, out=np.zeros_like(extra), where=span > 0)
            # Separated here: x becomes the sibling of this node; it displaces max(|node|, ancestors' ratios).
            expected[pair] += survive * p * np.maximum(self.mass[node], ratio)
            survive *= 1.0 - p
            leaf = self.left[node] < 0
            # Not separated at a leaf: x is a copy of the leaf's point; only the ancestors' ratios count.
            expected[pair[leaf]] += survive[leaf] * ratio[leaf]
            keep = ~leaf & (survive > 0)
            pair, point, node, survive, ratio, xa = pair[keep], point[keep], node[keep], survive[keep], ratio[keep], xa[keep]
            dim = self.dim[node]
            go_left = xa[np.arange(len(node)), dim] <= self.cut[node]
            child = np.where(go_left, self.left[node], self.right[node])
            sibling = np.where(go_left, self.right[node], self.left[node])
            ratio = np.maximum(ratio, self.mass[sibling] / (self.mass[child] + 1.0))
            node = child
        return expected.reshape(n, trees)


def build_forest(sample: np.ndarray, rng: np.random.Generator) -> Forest:
    """Robust random cut trees over ``sample`` (n_trees, samples_per_tree, d), built level by level
    for all trees at once."""
    trees, size, d = sample.shape
    points = sample.reshape(-1, d)
    owner = np.repeat(np.arange(trees), size)  # current node of each point; node t = root of tree t
    next_id = trees
    frontier = np.arange(trees)
    # Node records are filled level by level; ids are assigned when children are created.
    records: dict[str, list] = {"id": [], "mass": [], "low": [], "high": [], "dim": [], "cut": [], "left": [], "right": []}
    active = np.ones(len(points), dtype=bool)  # points still in an inner (to be split) node
    while frontier.size:
        idx = np.nonzero(active)[0]
        order = idx[np.argsort(owner[idx], kind="stable")]
        ids, starts, counts = np.unique(owner[order], return_index=True, return_counts=True)
        lo = np.minimum.reduceat(points[order], starts, axis=0)
        hi = np.maximum.reduceat(points[order], starts, axis=0)
        span = hi - lo
        total = span.sum(axis=1)
        splittable = (counts > 1) & (total > 0)
        # Dimension with probability proportional to its range, cut uniform within it.
        u = rng.random(len(ids)) * total
        dim = np.minimum((np.cumsum(span, axis=1) <= u[:, None]).sum(axis=1), d - 1)
        dim = np.where(span[np.arange(len(ids)), dim] > 0, dim, np.argmax(span, axis=1))
        cut = lo[np.arange(len(ids)), dim] + rng.random(len(ids)) * span[np.arange(len(ids)), dim]
        left = np.full(len(ids), -1)
        right = np.full(len(ids), -1)
        n_split = int(splittable.sum())
        left[splittable] = next_id + 2 * np.arange(n_split)
        right[splittable] = left[splittable] + 1
        next_id += 2 * n_split
        for key, value in (("id", ids), ("mass", counts), ("low", lo), ("high", hi), ("dim", np.where(splittable, dim, -1)),
                           ("cut", np.where(splittable, cut, 0.0)), ("left", left), ("right", right)):
            records[key].append(value)
        # Move the points of split nodes to their child; points of leaves stop.
        position = np.searchsorted(ids, owner[idx])
        split_here = splittable[position]
        moving = idx[split_here]
        pos = position[split_here]
        goes_left = points[moving, dim[pos]] <= cut[pos]
        owner[moving] = np.where(goes_left, left[pos], right[pos])
        active[idx[~split_here]] = False
        frontier = ids[splittable]
    order = np.argsort(np.concatenate(records["id"]))
    flat = {key: np.concatenate(value)[order] for key, value in records.items() if key != "id"}
    return Forest(np.arange(trees), flat["mass"].astype(np.float64), flat["low"], flat["high"],
                  flat["dim"].astype(np.int64), flat["cut"], flat["left"].astype(np.int64), flat["right"].astype(np.int64))


def tree_samples(x: np.ndarray, num_trees: int, per_tree: int, rng: np.random.Generator) -> np.ndarray:
    """(num_trees, min(per_tree, n), d): disjoint parts of one random sample when the data has
    ``num_trees x per_tree`` rows, otherwise an independent sample without replacement per tree."""
    n = len(x)
    size = min(per_tree, n)
    if n >= num_trees * size:
        return x[rng.permutation(n)[: num_trees * size]].reshape(num_trees, size, -1)
    return np.stack([x[rng.choice(n, size, replace=False)] for _ in range(num_trees)])


# ------------------------------------------------------------------------------------------ algorithm


class RandomCutForest(Algorithm):
    name = "randomcutforest"
    image_repository = "randomcutforest"
    hyperparameters = HYPERPARAMETERS
    supported_channels = frozenset({"train", "test"})
    metric_names = ("test:accuracy", "test:precision", "test:recall", "test:f1")
    accepts = (payloads.JSON, payloads.JSONLINES, payloads.RECORDIO)
    json_key = "scores"

    def fit(self, channels: dict[str, Path], hps: dict[str, Any], model_dir: Path, log: Log) -> None:
        x, _ = split_label(read_channel("train", channels["train"]), hps["feature_dim"], algorithm=self.name,
                           label_columns=0)
        rng = np.random.default_rng(SEED)
        sample = tree_samples(x, hps["num_trees"], hps["num_samples_per_tree"], rng)
        log(f"randomcutforest: {len(x)} training rows, {hps['num_trees']} trees of {sample.shape[1]} samples, "
            f"feature_dim={hps['feature_dim']}.")
        forest = build_forest(sample, rng)
        if "test" in channels:
            table = read_channel("test", channels["test"])
            x_test, y_test = split_label(table, hps["feature_dim"], algorithm=self.name)
            y_test = check_class_labels(table, y_test, 2, what="anomaly label (1 anomaly, 0 normal)")
            self._log_test(log, forest.codisp(x_test), y_test, hps["eval_metrics"])
        write_model(model_dir, self.name, {"feature_dim": hps["feature_dim"], "num_trees": hps["num_trees"],
                                           "num_samples_per_tree": int(sample.shape[1]), "hyperparameters": hps},
                    forest.arrays())

    def _log_test(self, log: Log, scores: np.ndarray, y: np.ndarray, which: list[str]) -> None:
        predicted = scores > three_sigma_threshold(scores)
        truth = y == 1
        if "accuracy" in which:
            self.log_metric(log, "test:accuracy", float(np.mean(predicted == truth)))
        if "precision_recall_fscore" in which:
            tp = float((predicted & truth).sum())
            precision = tp / predicted.sum() if predicted.sum() else 0.0
            recall = tp / truth.sum() if truth.sum() else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            self.log_metric(log, "test:precision", precision)
            self.log_metric(log, "test:recall", recall)
            self.log_metric(log, "test:f1", f1)

    def load(self, model_dir: Path) -> Forest:
        _, arrays = read_model(model_dir, self.name)
        return Forest(**arrays)

    def input_fn(self, body: bytes, content_type: str) -> Any:
        mime, _ = payloads.parse_media_type(content_type)
        if mime in (payloads.JSON, payloads.JSONLINES) and b'"keys"' in (body if isinstance(body, bytes) else body.encode()):
            from helpers.algorithms.factorization_machines import parse_records  # sparse records (SageMaker's RCF reads them)

            return parse_records(body, content_type)
        return super().input_fn(body, content_type)

    def predict_fn(self, features: Any, model: Forest) -> list[dict[str, Any]]:
        if hasattr(features, "toarray"):  # sparse records -> dense rows (RCF's boxes are dense)
            if features.shape[1] != model.feature_dim:
                raise InferenceError(f"Each record must have {model.feature_dim} features (the model's feature_dim), got "
                                     f"{features.shape[1]}: set the sparse \"shape\" to [{model.feature_dim}].", 400)
            features = features.toarray()
        return super().predict_fn(features, model)

    def predict(self, features: np.ndarray, model: Forest) -> list[dict[str, Any]]:
        return [{"score": float(s)} for s in model.codisp(features)]
