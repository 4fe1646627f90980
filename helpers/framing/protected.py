"""What must not be a feature, measured: a salary model given ``sex`` learns the table's gender gap and repeats it.

The messy customer table's salaries hold a deliberate 8% gap: women are paid 0.92 times what a man of
the same country and age is paid (datasets/README.md). A model trained to predict salary with sex as
an input learns that gap and applies it to every new person: it would offer a woman less than an
identical man. :func:`learned_gap` measures it by flipping: the same people, predicted once as women and
once as men, everything else unchanged. Without the column, the flip changes nothing; a proxy (a title
such as "Mrs", a first name) can smuggle part of it back in, which is why :mod:`helpers.framing.privacy`
drops those too.

    from helpers.framing import protected
    gap = protected.learned_gap()
    print(gap.summary())      # women predicted 11.2% less than identical men (the table holds 8%, plus noise)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Gap", "learned_gap"]


@dataclass(frozen=True)
class Gap:
    """``ratio``: mean predicted salary as a woman / as a man, for the same people (1.0 = no gap);
    ``people``: how many cleaned customers the model was fitted on and flipped."""

    ratio: float
    people: int

    @property
    def percent(self) -> float:
        """The gap in percent: how much less (negative) a woman is predicted than an identical man."""
        return 100 * (self.ratio - 1)

    def summary(self) -> str:
        return (f"with sex as an input, the model predicts women {abs(self.percent):.1f}% "
                f"{'less' if self.percent < 0 else 'more'} than identical men ({self.people} customers, "
                f"same country and age; the table was generated with an 8% gap)")


def learned_gap(frame: pd.DataFrame | None = None) -> Gap:
    """Fit log(salary) ~ country + age + age² + sex on the cleaned customers; flip sex; compare.

    ``frame``: the raw messy customer table (default: ``data.load("messy_customers")``); it is cleaned
    with ``helpers.cleaning.clean_customers`` and rows without sex, country or age are left out.
    Salaries are US dollars a year; the model is linear in log salary, as the table was generated.
    """
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from helpers import cleaning

    if frame is None:
        from helpers import data

        frame = data.load("messy_customers")
    clean, _ = cleaning.clean_customers(frame)
    people = clean.dropna(subset=["sex", "country", "age"]).copy()
    people["age"] = people["age"].astype("float64")
    people["age_squared"] = people["age"] ** 2  # salaries rise, then fall: a curve in age
    inputs = ["country", "sex", "age", "age_squared"]
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(categories=[sorted(people["country"].unique()), ["F", "M"]]),
                                 ["country", "sex"]), ("passthrough", ["age", "age_squared"])),
        LinearRegression(),
    ).fit(people[inputs], np.log(people["salary"]))
    as_women = np.exp(model.predict(people[inputs].assign(sex="F")))
    as_men = np.exp(model.predict(people[inputs].assign(sex="M")))
    return Gap(float(np.mean(as_women / as_men)), len(people))
