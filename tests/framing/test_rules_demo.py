"""helpers.framing.rules_demo: a rule and a model compared at equal workload on the shipped tables."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.framing import rules_demo


def test_equal_workload_gives_the_model_as_many_flags_as_the_rule():
    y = np.array([1, 0, 1, 0, 1, 0])
    rule = np.array([True, True, False, False, False, False])  # 2 flagged, 1 caught
    scores = np.array([0.9, 0.1, 0.8, 0.2, 0.3, 0.4])         # top 2: rows 0 and 2, both positives
    assert rules_demo.at_equal_workload(y, rule, scores) == (2, 1, 2)


def test_equal_workload_refuses_inputs_of_different_lengths():
    with pytest.raises(ValueError, match="one value per test row"):
        rules_demo.at_equal_workload([1, 0], [True], [0.2, 0.3])


def test_the_datasheet_rule_beats_a_tree_on_heat_failures():
    contest = rules_demo.heat_failure(seed=0)
    assert contest.positives > 0 and contest.flagged > 0
    assert contest.winner == "rule"
    assert contest.rule_caught == contest.positives  # the physics is exact: every failure, nothing else
    assert contest.rule_caught > contest.model_caught
    assert "-> rule" in contest.summary()


def test_a_logistic_regression_beats_the_analysts_rule_on_churn():
    contest = rules_demo.churn(seed=0)
    assert contest.winner == "learning"
    assert contest.model_caught > contest.rule_caught
    table = contest.to_frame()
    assert list(table.index) == ["rule", "model"]
    assert table.loc["model", "precision"] == pytest.approx(contest.model_caught / contest.flagged)


def test_the_figure_labels_every_bar_with_its_counts():
    import matplotlib

    matplotlib.use("Agg")
    contest = rules_demo.Contest("t", "d", "r", "m", test_rows=100, positives=10, flagged=8, rule_caught=6, model_caught=7)
    ax = rules_demo.plot_contests([contest])
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["6/10", "7/10"]
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.6, 0.7]
