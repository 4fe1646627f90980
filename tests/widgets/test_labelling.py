"""The labelling widget and the agreement measure, driven from Python (no browser)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from helpers.widgets.labelling import LabellingWidget, agreement, kappa_strength


@pytest.fixture
def examples() -> pd.DataFrame:
    return pd.DataFrame({"amount": [12.5, 980.0, 33.1, 4.2], "hour": [14, 3, 19, 2]})


RECORDED = ["genuine", "fraud", "genuine", "fraud"]


def test_agreement_counts_and_kappa_match_sklearn():
    mine = ["genuine", "fraud", "fraud", "genuine"]
    result = agreement(mine, RECORDED)
    assert (result.n, result.agreed, result.fraction) == (4, 2, 0.5)
    assert result.kappa == pytest.approx(cohen_kappa_score(mine, RECORDED))
    assert result.table.loc["fraud", "fraud"] == 1 and result.table.loc["fraud", "genuine"] == 1
    assert int(result.table.to_numpy().sum()) == 4
    assert str(result) == "You agree with the recorded labels on 2 of 4 examples (50%); Cohen's kappa = 0.00 (slight)."


def test_perfect_and_reversed_agreement():
    assert agreement(RECORDED, RECORDED).kappa == pytest.approx(1.0)
    flipped = ["fraud" if r == "genuine" else "genuine" for r in RECORDED]
    result = agreement(flipped, RECORDED)
    assert result.agreed == 0 and result.kappa == pytest.approx(-1.0)
    assert kappa_strength(result.kappa) == "poor"


def test_a_single_label_everywhere_gives_undefined_kappa():
    result = agreement(["no", "no"], ["no", "no"])
    assert math.isnan(result.kappa) and "undefined" in str(result)


@pytest.mark.parametrize("kappa, word", [(-0.1, "poor"), (0.1, "slight"), (0.3, "fair"), (0.5, "moderate"),
                                         (0.7, "substantial"), (0.9, "almost perfect"), (float("nan"), "undefined")])
def test_kappa_words(kappa, word):
    assert kappa_strength(kappa) == word


def test_widget_clicks_label_examples_and_show_agreement_at_the_end(examples):
    task = LabellingWidget(examples, ["fraud", "genuine"], RECORDED)
    assert "Example 1 of 4" in task.heading.value and "12.5" in task.card.value
    task.buttons[1].click()  # genuine
    assert "Example 2 of 4" in task.heading.value and "980.0" in task.card.value
    task.buttons[0].click()
    task.label("genuine")  # a wrong label, then undo it
    task.undo.click()
    assert task.labels == ["genuine", "fraud", None, None]
    task.label("genuine")
    assert task.result.value == ""  # nothing revealed before the end
    task.label("genuine")
    assert task.done and all(button.disabled for button in task.buttons)
    assert "3 of 4 examples (75%)" in task.result.value
    assert task.agreement().agreed == 3
    assert task.results()["you"].tolist() == ["genuine", "fraud", "genuine", "genuine"]


def test_widget_bad_input(examples):
    with pytest.raises(ValueError, match="non-empty DataFrame"):
        LabellingWidget(examples.iloc[0:0], ["a", "b"], [])
    with pytest.raises(ValueError, match="3 recorded labels for 4 examples"):
        LabellingWidget(examples, ["fraud", "genuine"], RECORDED[:3])
    with pytest.raises(ValueError, match=r"recorded label\(s\) \['maybe'\].*add them to `choices`"):
        LabellingWidget(examples, ["fraud", "genuine"], ["maybe", *RECORDED[1:]])
    with pytest.raises(ValueError, match="at least two distinct labels"):
        LabellingWidget(examples, ["fraud", "fraud"], RECORDED)
    task = LabellingWidget(examples, ["fraud", "genuine"], RECORDED)
    with pytest.raises(ValueError, match="'Fraud' is not a label here"):
        task.label("Fraud")
    with pytest.raises(ValueError, match="4 example\\(s\\) still unlabelled"):
        task.agreement()
    for _ in range(4):
        task.label("fraud")
    with pytest.raises(ValueError, match="every example is labelled already"):
        task.label("fraud")


def test_agreement_bad_input():
    with pytest.raises(ValueError, match="3 labels given for 4 recorded labels"):
        agreement(["a", "b", "a"], ["a", "b", "a", "b"])
    with pytest.raises(ValueError, match="no labels"):
        agreement([], [])
    with pytest.raises(ValueError, match=r"example\(s\) \[1\] have no label yet"):
        agreement(["a", None], ["a", "b"])


def test_show_prints_one_line_when_headless(examples, capsys, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_SMOKE", "1")
    task = LabellingWidget(examples, ["fraud", "genuine"], RECORDED, title="Fraud?")
    assert task.show() is None
    assert capsys.readouterr().out == (
        "Fraud?: 4 examples to label with ['fraud', 'genuine'] (the widget appears when the notebook runs in JupyterLab).\n"
    )
    assert task.show(mode="widget") is task
    with pytest.raises(ValueError, match="use 'auto', 'widget' or 'text'"):
        task.show(mode="html")
