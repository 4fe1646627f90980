"""Simulated annotators: each one is a confusion matrix (how they answer, given the true class) and a price.

A labelling job sends every item to several people. They are not equally good: an expert is right
almost always and costs more; a careless crowd worker is right often; a spammer clicks at random;
a biased annotator is good except on one class, which they systematically call something else.
Writing each one down as a confusion matrix is exactly the model Dawid-Skene estimates back from
their answers (:mod:`helpers.labels.consolidation`).

    from helpers.labels import annotators
    crew = annotators.default_crew(["Adelie", "Chinstrap", "Gentoo"])
    crew[0].confusion          # rows: true class, columns: the label given; each row sums to 1
    crew[0].accuracy()         # 0.95: the share of right answers when the classes are equally common
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["Annotator", "biased", "careless", "default_crew", "expert", "spammer"]


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity, not cell by cell
class Annotator:
    """One person who labels items.

    ``confusion`` is a K x K table (rows: the item's true class, columns: the label this person gives;
    index and columns the same K class names in the same order): row ``k`` is the probability of each
    answer when the truth is ``k``, so each row sums to 1. ``cost_per_label`` is what one answer costs,
    in US dollars. ``kind`` says which profile made it ("expert", "careless", ...), for tables and plots.
    """

    name: str
    confusion: pd.DataFrame
    cost_per_label: float
    kind: str = "custom"

    def __post_init__(self) -> None:
        _check_confusion(self.name, self.confusion)
        if not (np.isfinite(self.cost_per_label) and self.cost_per_label >= 0):
            raise ValueError(f"annotator {self.name!r}: cost_per_label={self.cost_per_label!r}; give a price "
                             "in US dollars per label, 0 or more.")

    @property
    def classes(self) -> list:
        return list(self.confusion.index)

    def accuracy(self, priors: Mapping | None = None) -> float:
        """The share of right answers (0-1): the diagonal weighted by how common each class is.

        ``priors`` maps class -> its share of the items (they sum to 1); ``None`` means equally common.
        """
        diagonal = np.diag(self.confusion.to_numpy())
        if priors is None:
            return float(diagonal.mean())
        weights = np.array([priors[c] for c in self.classes], dtype=float)
        return float(diagonal @ (weights / weights.sum()))


def _check_confusion(name: str, confusion: pd.DataFrame) -> None:
    """Refuse a matrix that is not a probability table over one list of classes, saying how to fix it."""
    if not isinstance(confusion, pd.DataFrame):
        raise TypeError(f"annotator {name!r}: confusion must be a pandas DataFrame with the classes as its "
                        f"index and columns, not {type(confusion).__name__}.")
    if list(confusion.index) != list(confusion.columns) or len(confusion.index) < 2:
        raise ValueError(f"annotator {name!r}: the confusion matrix needs the same two or more classes, in the "
                         f"same order, as rows (true class) and columns (label given); got rows "
                         f"{list(confusion.index)} and columns {list(confusion.columns)}.")
    values = confusion.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(f"annotator {name!r}: the confusion matrix holds negative or missing probabilities; "
                         "every entry must be a probability between 0 and 1.")
    sums = values.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        bad = {c: round(float(s), 4) for c, s in zip(confusion.index, sums) if abs(s - 1) > 1e-6}
        raise ValueError(f"annotator {name!r}: each row of the confusion matrix must sum to 1 (it is the "
                         f"distribution of answers for one true class); these rows do not: {bad}. "
                         "Divide each row by its sum.")


def _uniform_errors(classes: Sequence, accuracy: float) -> pd.DataFrame:
    """Right with probability ``accuracy``; otherwise any wrong class, each equally likely."""
    k = len(classes)
    if len(set(classes)) != k or k < 2:
        raise ValueError(f"classes={list(classes)}: give two or more distinct class names.")
    if not 0 <= accuracy <= 1:
        raise ValueError(f"accuracy={accuracy!r}: give a probability between 0 and 1 (0.9 means right 9 times in 10).")
    matrix = np.full((k, k), (1 - accuracy) / (k - 1))
    np.fill_diagonal(matrix, accuracy)
    return pd.DataFrame(matrix, index=list(classes), columns=list(classes))


def expert(name: str, classes: Sequence, *, accuracy: float = 0.95, cost_per_label: float = 0.40) -> Annotator:
    """A trained specialist: right ``accuracy`` of the time on every class; their rare errors are spread evenly."""
    return Annotator(name, _uniform_errors(classes, accuracy), cost_per_label, "expert")


def careless(name: str, classes: Sequence, *, accuracy: float = 0.70, cost_per_label: float = 0.05) -> Annotator:
    """A hurried crowd worker: often right, but wrong far more often than an expert, on every class alike."""
    return Annotator(name, _uniform_errors(classes, accuracy), cost_per_label, "careless")


def spammer(name: str, classes: Sequence, *, cost_per_label: float = 0.05) -> Annotator:
    """Clicks without looking: every answer is drawn uniformly, whatever the item is (accuracy 1/K)."""
    return Annotator(name, _uniform_errors(classes, 1 / len(classes)), cost_per_label, "spammer")


def biased(
    name: str,
    classes: Sequence,
    *,
    confuses: str,
    as_: str,
    rate: float = 0.8,
    accuracy: float = 0.95,
    cost_per_label: float = 0.05,
) -> Annotator:
    """Good on every class but one: a true ``confuses`` is labelled ``as_`` with probability ``rate``
    (on top of their usual errors, which keep the remaining ``1 - rate`` of that row in proportion).

    Otherwise like an expert of the given ``accuracy``. This is the annotator majority vote cannot
    see through (their error is systematic, not noise) and Dawid-Skene can (it learns their matrix).
    """
    matrix = _uniform_errors(classes, accuracy)
    for label in (confuses, as_):
        if label not in matrix.index:
            raise ValueError(f"biased annotator {name!r}: {label!r} is not one of the classes {list(classes)}.")
    if confuses == as_ or not 0 <= rate <= 1:
        raise ValueError(f"biased annotator {name!r}: give two different classes and a rate between 0 and 1 "
                         f"(got confuses={confuses!r}, as_={as_!r}, rate={rate!r}).")
    row = matrix.loc[confuses] * (1 - rate)  # the rest of the row keeps its shape, scaled to what is left
    row[as_] += rate
    matrix.loc[confuses] = row
    return Annotator(name, matrix, cost_per_label, "biased")


def default_crew(classes: Sequence) -> list[Annotator]:
    """The course's labelling crew for K classes: 2 experts, 2 careless workers, 1 spammer, 1 biased.

    The biased worker calls the second class the first (on penguins: a Chinstrap an Adelie).
    Prices per label: experts $0.40, everyone else $0.05 (a crowd marketplace's order of magnitude).
    """
    classes = list(classes)
    return [
        expert("expert_a", classes, accuracy=0.95),
        expert("expert_b", classes, accuracy=0.90),
        careless("crowd_a", classes, accuracy=0.70),
        careless("crowd_b", classes, accuracy=0.65),
        spammer("spammer", classes),
        biased("biased", classes, confuses=classes[1], as_=classes[0], rate=0.8),
    ]
