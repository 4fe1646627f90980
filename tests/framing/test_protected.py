"""helpers.framing.protected: a salary model given sex learns the table's deliberate gender gap."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.framing import protected


def test_a_model_given_sex_predicts_women_less_than_identical_men():
    gap = protected.learned_gap()
    # The table holds an 8% gap (salary x 0.92 for women); 791 people estimate it with noise.
    assert 0.80 < gap.ratio < 0.97
    assert gap.percent == pytest.approx(100 * (gap.ratio - 1))
    assert gap.people > 700
    assert "less than identical men" in gap.summary()


def test_the_flip_measures_the_gap_not_the_groups():
    # Dropping every woman's salary by a further 10% must widen the learned gap by about that much.
    from helpers import data

    raw = data.load("messy_customers")
    base = protected.learned_gap(raw)
    women = raw["sex"].str.strip().str.lower().str[0].eq("f")
    salary = pd.to_numeric(raw["salary"].str.replace(",", "", regex=False), errors="coerce")
    lowered = (salary * 0.9).round().astype("Int64").astype("str")
    widened = raw.assign(salary=raw["salary"].mask(women & salary.notna(), lowered))
    assert protected.learned_gap(widened).ratio == pytest.approx(base.ratio * 0.9, rel=0.03)
