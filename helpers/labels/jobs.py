"""A labelling job, simulated: send each item to a few annotators, collect their answers, add up the bill.

The answers come back in long format, one row per (item, annotator) answer, as a labelling service
returns them: columns ``item``, ``annotator``, ``label``. Everything is drawn from one seed, so the
same call gives the same table on every machine.

    from helpers.labels import annotators, jobs
    crew = annotators.default_crew(["Adelie", "Chinstrap", "Gentoo"])
    answers = jobs.simulate_annotations(truth, crew, per_item=3, seed=0)   # truth: one true class per item
    print(jobs.labelling_cost(answers, crew))                             # dollars per label and per item
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from helpers.labels.annotators import Annotator

__all__ = ["COLUMNS", "LabellingCost", "labelling_cost", "simulate_annotations"]

#: The columns of an annotation table: which item, who answered, what they answered.
COLUMNS = ("item", "annotator", "label")


def simulate_annotations(
    truth: Sequence | pd.Series,
    crew: Sequence[Annotator],
    *,
    per_item: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Each item is labelled by ``per_item`` annotators of ``crew``, each answering from their confusion row.

    ``truth``: one true class per item (n items); a Series' index becomes the item ids, otherwise items
    are numbered 0..n-1. ``per_item``: how many different annotators see each item, chosen at random
    for each item (``None``: the whole crew sees every item). Returns a DataFrame of n x per_item rows,
    columns ``item``, ``annotator``, ``label``: items in the order of ``truth``, each item's answers in crew order.
    """
    items, true_labels = _items(truth)
    crew = _check_crew(crew, set(true_labels))
    per_item = len(crew) if per_item is None else per_item
    if not 1 <= per_item <= len(crew):
        raise ValueError(f"per_item={per_item!r}: each item can be sent to between 1 and {len(crew)} annotators "
                         "(the size of the crew).")
    rng = np.random.default_rng(seed)
    # Who sees which item: per item, per_item distinct crew members (sorted, so the table reads in crew order).
    assigned = np.sort(np.argsort(rng.random((len(items), len(crew))), axis=1)[:, :per_item], axis=1)
    # One uniform draw per answer, turned into a label through the annotator's row of cumulative
    # probabilities: the answer is the number of cumulative thresholds the draw passes.
    draws = rng.random(assigned.shape)
    classes = crew[0].classes
    true_index = pd.Index(classes).get_indexer(true_labels)  # (n,)
    cumulative = np.cumsum(np.stack([a.confusion.to_numpy() for a in crew]), axis=2)  # (crew, K, K)
    rows = cumulative[assigned, true_index[:, None]]  # (n, per_item, K): each answer's row
    answers = np.minimum((draws[..., None] >= rows).sum(axis=2), len(classes) - 1)  # float rounding
    names = np.array([a.name for a in crew], dtype=object)
    return pd.DataFrame({"item": pd.Index(items).repeat(per_item).to_numpy(),
                         "annotator": names[assigned].ravel(),
                         "label": np.asarray(classes, dtype=object)[answers].ravel()})


def _items(truth) -> tuple[list, list]:
    if isinstance(truth, pd.Series):
        items, labels = list(truth.index), list(truth)
    else:
        labels = list(truth)
        items = list(range(len(labels)))
    if not labels:
        raise ValueError("truth is empty: give one true class per item to label.")
    if len(set(items)) != len(items):
        raise ValueError("truth's index repeats item ids: give each item its own id, e.g. truth.reset_index(drop=True).")
    if pd.isna(pd.Series(labels, dtype=object)).any():
        raise ValueError("truth has missing classes: a simulation needs the true class of every item; drop "
                         "the items without one first.")
    return items, labels


def _check_crew(crew: Sequence[Annotator], true_classes: set) -> list[Annotator]:
    crew = list(crew)
    if not crew or not all(isinstance(a, Annotator) for a in crew):
        raise TypeError("crew must be a non-empty list of Annotator objects, e.g. annotators.default_crew(classes).")
    names = [a.name for a in crew]
    if len(set(names)) != len(names):
        raise ValueError(f"two annotators share a name in {names}: give each a different name, so that their "
                         "answers can be told apart.")
    classes = crew[0].classes
    if any(a.classes != classes for a in crew):
        raise ValueError("the annotators' confusion matrices list different classes: build every annotator "
                         "with the same list of classes, in the same order.")
    unknown = true_classes - set(classes)
    if unknown:
        raise ValueError(f"truth holds classes the crew does not know: {sorted(unknown, key=str)}; build the crew "
                         f"with every class of the items (it knows {classes}).")
    return crew


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity, not cell by cell
class LabellingCost:
    """What a labelling job cost, in US dollars.

    ``by_annotator``: one row per annotator, columns ``labels`` (answers given), ``cost_per_label`` and
    ``cost`` (their total). ``total``: the whole bill; ``per_item``: total / items; ``per_label``:
    total / answers.
    """

    by_annotator: pd.DataFrame
    items: int
    labels: int
    total: float

    @property
    def per_item(self) -> float:
        return self.total / self.items

    @property
    def per_label(self) -> float:
        return self.total / self.labels

    def __str__(self) -> str:
        return (f"{self.labels:,} labels for {self.items:,} items cost ${self.total:,.2f}: "
                f"${self.per_label:.3f} per label, ${self.per_item:.3f} per item.")


def labelling_cost(annotations: pd.DataFrame, crew: Sequence[Annotator]) -> LabellingCost:
    """Add up the bill of an annotation table (columns ``item``, ``annotator``, ``label``) at the crew's prices."""
    missing = [c for c in COLUMNS if c not in annotations.columns]
    if missing:
        raise ValueError(f"the annotation table lacks the column(s) {missing}: it needs one row per answer with "
                         f"columns {list(COLUMNS)}, as simulate_annotations returns.")
    if annotations.empty:
        raise ValueError("the annotation table is empty: there is nothing to pay for yet.")
    prices = {a.name: a.cost_per_label for a in crew}
    unknown = sorted(set(annotations["annotator"]) - set(prices), key=str)
    if unknown:
        raise ValueError(f"no price for annotator(s) {unknown}: pass the crew that produced these answers.")
    counts = annotations["annotator"].value_counts()
    table = pd.DataFrame({"labels": [int(counts.get(a.name, 0)) for a in crew],
                          "cost_per_label": [a.cost_per_label for a in crew]},
                         index=pd.Index([a.name for a in crew], name="annotator"))
    table["cost"] = table["labels"] * table["cost_per_label"]
    return LabellingCost(table, items=int(annotations["item"].nunique()), labels=len(annotations),
                         total=float(table["cost"].sum()))
