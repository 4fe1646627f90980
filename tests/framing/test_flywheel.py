"""helpers.framing.flywheel: the loop filled for a problem, validated stage by stage, drawn and printed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from helpers.framing.flywheel import STAGES, Flywheel, FlywheelError
from problem_support import good_statement

FILLED = dict(
    product="Fewer frauds get through, so fewer refunds and happier cardholders who use the card more.",
    usage="More card payments from more cardholders, and more payments scored every day.",
    retrain="Every month on the last quarter's labelled payments; the fraud team compares it with the live model.",
    risk="Only flagged payments are reviewed, so labels miss the fraud the model never flagged.",
)


def _wheel(**changes) -> Flywheel:
    wheel = Flywheel.from_statement(good_statement())
    for name, value in {**FILLED, **changes}.items():
        setattr(wheel, name, value)
    return wheel


def test_from_the_statement_the_known_stages_are_filled_and_the_rest_asked_for():
    wheel = Flywheel.from_statement(good_statement())
    assert wheel.title == "Cut card-fraud losses" and wheel.model.startswith("A classifier")
    assert wheel.data == "card transactions table; chargeback records"
    assert [p.split("`")[1] for p in wheel.problems()] == ["product", "usage", "retrain", "risk"]


def test_a_filled_wheel_has_no_problems():
    assert _wheel().validate().problems() == []


@pytest.mark.parametrize("name, value, message", [
    ("risk", "none", "is a placeholder"),
    ("usage", "more usage", "too short"),
    ("labels", "Confirmed by the fraud team, who check each disputed payment by hand.", "how long"),
    ("retrain", "The data science team retrains the model on the newly labelled payments.", "how often"),
])
def test_a_vague_stage_is_named_with_what_it_needs(name, value, message):
    problems = _wheel(**{name: value}).problems()
    assert len(problems) == 1 and problems[0].startswith(f"`{name}`") and message in problems[0]


def test_validate_lists_every_problem():
    with pytest.raises(FlywheelError) as error:
        Flywheel(title="x").validate()
    assert len(error.value.problems) == len(STAGES) + 1


def test_wrong_types_are_refused_at_once():
    with pytest.raises(TypeError, match="answer in words"):
        Flywheel(model=3)
    with pytest.raises(TypeError, match="ProblemStatement"):
        Flywheel.from_statement({"title": "x"})


def test_the_text_and_the_figure_show_every_stage_in_order():
    wheel = _wheel()
    text = wheel.text()
    assert [line.split(".")[0].strip() for line in text.splitlines()[1:7]] == ["1", "2", "3", "4", "5", "6"]
    assert "back to 1" in text and "risk: Only flagged" in text
    ax = wheel.plot()
    shown = [t.get_text() for t in ax.texts if t.get_text()]  # the arrows are annotations without text
    assert [s.split("\n")[0] for s in shown[:6]] == [f"{i} · {n}" for i, n in enumerate(STAGES, 1)]
    assert shown[-1].startswith("risk:")
