"""Consolidation: one label per item from several annotators' answers.

Two ways, both reading the long annotation table (columns ``item``, ``annotator``, ``label``):

* :func:`majority_vote`: the most frequent answer wins. Every annotator counts the same.
* :func:`dawid_skene`: Dawid & Skene (1979), by expectation-maximisation. It estimates, from the answers
  alone (no true labels), how common each class is and each annotator's confusion matrix, and weighs
  every answer by how trustworthy its author turned out to be. A spammer's votes end up weighing
  almost nothing; a biased annotator's "Adelie" is read as "Adelie or Chinstrap".

    from helpers.labels import consolidation
    votes = consolidation.majority_vote(answers)              # Series: item -> label
    ds = consolidation.dawid_skene(answers)
    ds.labels, ds.posteriors, ds.accuracy                      # per item, per item x class, per annotator
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from helpers.labels.jobs import COLUMNS

__all__ = ["DawidSkeneResult", "accuracy", "annotator_accuracy", "dawid_skene", "majority_vote", "vote_counts"]


@dataclass(frozen=True, eq=False)
class _Encoded:
    """An annotation table as integer codes: answer r is annotator ``annotator[r]`` giving class ``label[r]`` to item ``item[r]``."""

    items: pd.Index
    annotators: pd.Index
    classes: list
    item: np.ndarray  # (answers,) index into items
    annotator: np.ndarray  # (answers,) index into annotators
    label: np.ndarray  # (answers,) index into classes


def _encode(annotations: pd.DataFrame, classes: Sequence | None) -> _Encoded:
    """Check the table and turn it into codes; every problem is refused with the fix."""
    if not isinstance(annotations, pd.DataFrame):
        raise TypeError(f"annotations must be a DataFrame with columns {list(COLUMNS)}, not {type(annotations).__name__}.")
    missing = [c for c in COLUMNS if c not in annotations.columns]
    if missing:
        raise ValueError(f"the annotation table lacks the column(s) {missing}: it needs one row per answer with "
                         f"columns {list(COLUMNS)} (long format; a wide items x annotators table becomes one "
                         "with frame.melt(ignore_index=False, var_name='annotator', value_name='label')"
                         ".dropna().rename_axis('item').reset_index()).")
    if annotations.empty:
        raise ValueError("the annotation table is empty: there is nothing to consolidate.")
    table = annotations[list(COLUMNS)]
    if table.isna().any().any():
        raise ValueError("the annotation table has missing values: an item nobody labelled simply has no row; "
                         "drop the empty rows with annotations.dropna().")
    twice = table.duplicated(["item", "annotator"])
    if twice.any():
        first = table[twice].iloc[0]
        raise ValueError(f"annotator {first['annotator']!r} labelled item {first['item']!r} more than once: keep one "
                         "answer per (item, annotator), e.g. annotations.drop_duplicates(['item', 'annotator'], keep='last').")
    seen = sorted(table["label"].unique(), key=str)
    classes = seen if classes is None else list(classes)
    unknown = sorted(set(seen) - set(classes), key=str)
    if unknown:
        raise ValueError(f"answers {unknown} are not among classes={classes}: add them to classes, or fix the answers.")
    if len(classes) < 2:
        raise ValueError(f"only one class ({classes}) appears: pass classes=[...] with every possible answer.")
    items = pd.Index(pd.unique(table["item"]), name="item")  # in order of first answer; annotators by name
    annotators = pd.Index(sorted(pd.unique(table["annotator"]), key=str), name="annotator")
    return _Encoded(items, annotators, classes,
                    items.get_indexer(table["item"]), annotators.get_indexer(table["annotator"]),
                    pd.Index(classes).get_indexer(table["label"]))


def vote_counts(annotations: pd.DataFrame, classes: Sequence | None = None) -> pd.DataFrame:
    """How many annotators gave each class to each item: an items x classes table of counts (ints)."""
    enc = _encode(annotations, classes)
    return _counts(enc)


def _counts(enc: _Encoded) -> pd.DataFrame:
    counts = np.zeros((len(enc.items), len(enc.classes)), dtype=int)
    np.add.at(counts, (enc.item, enc.label), 1)
    return pd.DataFrame(counts, index=enc.items, columns=pd.Index(enc.classes, name="class"))


def majority_vote(annotations: pd.DataFrame, classes: Sequence | None = None) -> pd.Series:
    """The most frequent answer per item (a Series indexed by item, named ``label``).

    Ties are broken by the order of ``classes``: the tied class listed first wins (default order:
    sorted class names). A tie is a coin toss in disguise, so the rule is fixed and stated rather
    than random: the same answers always give the same labels.
    """
    counts = vote_counts(annotations, classes)
    # argmax returns the first maximum: exactly the "first listed class wins" rule.
    winners = counts.to_numpy().argmax(axis=1)
    return pd.Series(np.asarray(counts.columns)[winners], index=counts.index, name="label")


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity, not cell by cell
class DawidSkeneResult:
    """What Dawid-Skene estimated from the answers alone.

    ``posteriors``: items x classes, the probability of each true class for each item (rows sum to 1).
    ``labels``: the most probable class per item (ties: first class listed). ``priors``: each class's
    estimated share of the items. ``confusion``: annotator -> K x K table (rows: true class, columns:
    answer; rows sum to 1). ``accuracy``: per annotator, the estimated share of right answers
    (the diagonal of their matrix weighted by the priors), 0-1. ``iterations``: EM rounds run;
    ``converged``: whether the posteriors stopped moving by more than ``tol`` before ``max_iter``.
    """

    posteriors: pd.DataFrame
    labels: pd.Series
    priors: pd.Series
    confusion: dict[str, pd.DataFrame]
    accuracy: pd.Series
    iterations: int
    converged: bool


def dawid_skene(
    annotations: pd.DataFrame,
    classes: Sequence | None = None,
    *,
    max_iter: int = 500,
    tol: float = 1e-5,
    smoothing: float = 0.01,
) -> DawidSkeneResult:
    """Consolidate by Dawid-Skene EM: estimate class priors and every annotator's confusion matrix.

    Start from the soft majority vote (each item's vote shares), then repeat until the posteriors move
    by less than ``tol`` (largest absolute change) or ``max_iter`` rounds have run:

    * M-step: priors = mean posterior; annotator j's matrix row k = their answers on items weighted by
      P(item is k), normalised. ``smoothing`` (a pseudo-count added to every cell, > 0) keeps a
      probability from being exactly 0 when an annotator never gave some answer.
    * E-step: P(item is k) proportional to prior_k x product over its answers of P(that answer | k).

    With three answers per item, 100-450 rounds (a fraction of a second for a few hundred items);
    ``converged`` in the result says whether ``tol`` was met.
    """
    if max_iter < 1 or tol <= 0 or smoothing <= 0:
        raise ValueError(f"max_iter={max_iter!r}, tol={tol!r}, smoothing={smoothing!r}: give at least one "
                         "iteration, a positive tolerance and a positive smoothing (0.01 is usual; with 0, a "
                         "class an annotator never saw would have no matrix row).")
    enc = _encode(annotations, classes)
    counts = _counts(enc).to_numpy(dtype=float)
    posteriors = counts / counts.sum(axis=1, keepdims=True)
    converged = False
    for iteration in range(1, max_iter + 1):
        priors, confusion = _m_step(enc, posteriors, smoothing)
        updated = _e_step(enc, priors, confusion)
        change = np.abs(updated - posteriors).max()
        posteriors = updated
        if change < tol:
            converged = True
            break
    priors, confusion = _m_step(enc, posteriors, smoothing)  # the parameters that match the final posteriors
    return _result(enc, posteriors, priors, confusion, iteration, converged)


def _m_step(enc: _Encoded, posteriors: np.ndarray, smoothing: float) -> tuple[np.ndarray, np.ndarray]:
    """Priors (K,) and confusion matrices (annotators, K, K) that best explain the answers given the posteriors."""
    k = len(enc.classes)
    priors = posteriors.mean(axis=0)
    confusion = np.full((len(enc.annotators), k, k), smoothing)
    for j in range(len(enc.annotators)):
        mine = enc.annotator == j
        answered = np.eye(k)[enc.label[mine]]  # (their answers, K) one-hot
        confusion[j] += posteriors[enc.item[mine]].T @ answered  # [true k, answer l] += P(item is k)
    confusion /= confusion.sum(axis=2, keepdims=True)
    return priors, confusion


def _e_step(enc: _Encoded, priors: np.ndarray, confusion: np.ndarray) -> np.ndarray:
    """Posteriors (items, K): prior x likelihood of each item's answers, in logs to avoid underflow."""
    log_post = np.tile(np.log(np.maximum(priors, 1e-300)), (len(enc.items), 1))
    # answer r adds log P(answer | true k) for every k: column label[r] of its annotator's matrix
    np.add.at(log_post, enc.item, np.log(np.maximum(confusion[enc.annotator, :, enc.label], 1e-300)))
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    return post / post.sum(axis=1, keepdims=True)


def _result(enc, posteriors, priors, confusion, iterations, converged) -> DawidSkeneResult:
    classes = pd.Index(enc.classes, name="class")
    post = pd.DataFrame(posteriors, index=enc.items, columns=classes)
    labels = pd.Series(np.asarray(enc.classes, dtype=object)[posteriors.argmax(axis=1)], index=enc.items, name="label")
    matrices = {name: pd.DataFrame(confusion[j], index=classes.rename("true"), columns=classes.rename("answer"))
                for j, name in enumerate(enc.annotators)}
    accuracy = pd.Series([float(np.diag(confusion[j]) @ priors) for j in range(len(enc.annotators))],
                         index=enc.annotators, name="estimated accuracy")
    return DawidSkeneResult(post, labels, pd.Series(priors, index=classes, name="prior"), matrices, accuracy,
                            iterations, converged)


def _truth_for(items, truth) -> np.ndarray:
    """The true class of each of ``items``, from a Series indexed by item id or a list indexed by position."""
    truth = truth if isinstance(truth, pd.Series) else pd.Series(list(truth))
    missing = pd.Index(items).unique().difference(truth.index)
    if len(missing):
        raise ValueError(f"{len(missing)} labelled item(s) have no true label (e.g. {list(missing[:3])}): pass the "
                         "truth the annotations were made from.")
    return truth.loc[items].to_numpy()


def accuracy(labels: pd.Series, truth: Sequence | pd.Series) -> float:
    """The share (0-1) of items whose consolidated label equals the true one, matched by item id.

    ``truth`` as given to :func:`helpers.labels.jobs.simulate_annotations` (a Series, or a list whose
    positions are the item ids). Every labelled item must have a true label.
    """
    return float((labels.to_numpy() == _truth_for(labels.index, truth)).mean())


def annotator_accuracy(annotations: pd.DataFrame, truth: Sequence | pd.Series) -> pd.Series:
    """Each annotator's measured share (0-1) of right answers against the true labels (the answer key)."""
    _encode(annotations, None)
    right = annotations["label"].to_numpy() == _truth_for(annotations["item"], truth)
    return (pd.Series(right, index=pd.Index(annotations["annotator"], name="annotator"))
            .groupby(level=0).mean().rename("true accuracy"))
