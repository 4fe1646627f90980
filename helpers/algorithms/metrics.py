"""The evaluation metrics the built-in algorithms log, in numpy (no scikit-learn import in a job:
it costs seconds of start-up). Tests check each against scikit-learn.

Shapes: ``y`` (n,) true values or class indices; ``score`` (n,) scores for the positive class;
``proba`` (n, n_classes) class scores; ``pred`` (n,) predicted labels.
"""

from __future__ import annotations

import numpy as np

__all__ = ["roc_auc", "precision_recall_fbeta", "macro_precision_recall_fbeta", "dcg", "top_k_accuracy"]


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values``, ties sharing their average rank (as scipy.stats.rankdata)."""
    unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return (starts + (counts + 1) / 2.0)[inverse]


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U); nan when only one class is present."""
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(np.asarray(score, dtype=np.float64))
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def precision_recall_fbeta(y: np.ndarray, pred: np.ndarray, beta: float = 1.0) -> tuple[float, float, float]:
    """Binary precision, recall and F-beta of the positive class (0 where undefined)."""
    y, pred = np.asarray(y).astype(bool), np.asarray(pred).astype(bool)
    tp = float((y & pred).sum())
    precision = tp / pred.sum() if pred.sum() else 0.0
    recall = tp / y.sum() if y.sum() else 0.0
    b2 = beta * beta
    denom = b2 * precision + recall
    fbeta = (1 + b2) * precision * recall / denom if denom else 0.0
    return float(precision), float(recall), float(fbeta)


def macro_precision_recall_fbeta(y: np.ndarray, pred: np.ndarray, n_classes: int, beta: float = 1.0) -> tuple[float, float, float]:
    """Unweighted means over classes of precision, recall and F-beta (sklearn's average='macro')."""
    per_class = np.array([precision_recall_fbeta(y == c, pred == c, beta) for c in range(n_classes)])
    present = np.isin(np.arange(n_classes), np.concatenate([np.asarray(y), np.asarray(pred)]))
    return tuple(float(v) for v in per_class[present].mean(axis=0))  # type: ignore[return-value]


def dcg(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean discounted cumulative gain of the true class: 1 / log2(1 + its rank among the scores)."""
    y = np.asarray(y, dtype=np.int64)
    true_score = proba[np.arange(len(y)), y]
    rank = 1 + (proba > true_score[:, None]).sum(axis=1)
    return float(np.mean(1.0 / np.log2(1.0 + rank)))


def top_k_accuracy(y: np.ndarray, proba: np.ndarray, k: int) -> float:
    """Share of rows whose true class is among the ``k`` highest scores."""
    y = np.asarray(y, dtype=np.int64)
    true_score = proba[np.arange(len(y)), y]
    rank = 1 + (proba > true_score[:, None]).sum(axis=1)
    return float(np.mean(rank <= k))
