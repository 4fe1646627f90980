"""What label quality costs: run several labelling-job designs on the same items and compare.

A design is a crew and how many of them see each item. Each is simulated with the same seeds and
consolidated both ways, so the table answers "is one expert better value than three crowd
workers?" with measured figures instead of intuition.

    from helpers.labels import annotators, designs, penguins
    crew = annotators.default_crew(penguins.SPECIES)
    table = designs.compare_designs(penguins.load()["species"], {
        "one expert": (crew[:1], None),
        "3 of the crew per bird": (crew, 3),
    })
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import pandas as pd

from helpers.labels import consolidation, jobs
from helpers.labels.annotators import Annotator

__all__ = ["compare_designs"]


def compare_designs(
    truth: pd.Series | Sequence,
    designs: Mapping[str, tuple[Sequence[Annotator], int | None]],
    *,
    seeds: Iterable[int] = range(5),
) -> pd.DataFrame:
    """Mean over ``seeds`` of each design's consolidated accuracy (0-1) and cost (US dollars per item).

    ``designs``: name -> (crew, per_item), as :func:`helpers.labels.jobs.simulate_annotations` takes
    them. Returns one row per design (index: its name), columns ``labels_per_item``, ``cost_per_item``,
    ``majority_vote`` and ``dawid_skene`` (accuracy against ``truth``; Dawid-Skene needs two annotators
    or more per item, else NaN), ``dawid_skene_min`` (its worst seed).
    """
    seeds = list(seeds)
    if not designs or not seeds:
        raise ValueError("give at least one design, e.g. {'one expert': (crew[:1], None)}, and one seed.")
    rows = []
    for name, (crew, per_item) in designs.items():
        for seed in seeds:
            answers = jobs.simulate_annotations(truth, crew, per_item=per_item, seed=seed)
            several = answers.groupby("item").size().min() >= 2
            rows.append({
                "design": name,
                "labels_per_item": len(answers) / answers["item"].nunique(),
                "cost_per_item": jobs.labelling_cost(answers, crew).per_item,
                "majority_vote": consolidation.accuracy(consolidation.majority_vote(answers), truth),
                "dawid_skene": (consolidation.accuracy(consolidation.dawid_skene(answers).labels, truth)
                                if several else float("nan")),
            })
    runs = pd.DataFrame(rows)
    table = runs.groupby("design", sort=False).mean()
    table["dawid_skene_min"] = runs.groupby("design", sort=False)["dawid_skene"].min()
    return table
