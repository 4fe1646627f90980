"""The items this package labels in its examples: the Palmer penguins (datasets/penguins_raw.csv).

A field team measured 344 penguins; someone has to say which species each one is. Annotators
(:mod:`helpers.labels.annotators`) disagree about it, and a model (:mod:`helpers.labels.active`)
can learn it from a few labelled birds.

    from helpers.labels import penguins
    birds = penguins.load()     # 342 rows: 4 measurements and the species (the answer key)
"""

from __future__ import annotations

import pandas as pd

from helpers import data

__all__ = ["FEATURES", "SPECIES", "load"]

#: penguins_raw's body measurements: what a labeller (or a model) sees of each bird.
FEATURES = ("Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)")
SPECIES = ("Adelie", "Chinstrap", "Gentoo")


def load() -> pd.DataFrame:
    """The 342 measured penguins: the 4 :data:`FEATURES` (mm, mm, mm, g) and ``species`` (one of :data:`SPECIES`).

    The 2 birds with no measurements are left out; the index is their row in penguins_raw.csv, the
    item id the labelling examples use.
    """
    raw = data.load("penguins_raw").dropna(subset=list(FEATURES))
    species = raw["Species"].str.split().str[0]  # "Adelie Penguin (Pygoscelis adeliae)" -> "Adelie"
    return raw[list(FEATURES)].assign(species=species).rename_axis("item")
