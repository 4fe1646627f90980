"""helpers.framing.readiness: the checklist names missing and weak needs, sets wants aside, and checks the statement."""

from __future__ import annotations

import pytest

from helpers.framing import readiness
from helpers.framing.readiness import Answer, Readiness, ReadinessError
from problem_support import good_statement


def _answers(**changes):
    answers = {item: ("yes", f"checked with the {item.replace('_', ' ')} owner in March") for item in readiness.QUESTIONS}
    answers.update(changes)
    return answers


def test_a_complete_checklist_has_no_problems_and_no_gaps():
    check = Readiness(good_statement(), _answers()).validate()
    assert check.gaps() == []
    assert "13 of 13 needs ready" in check.summary()
    assert "gaps to close before building: none" in check.report()


def test_missing_and_weak_needs_are_named_missing_first_and_wants_set_aside():
    check = Readiness(good_statement(), _answers(
        labels=("partly", "chargebacks arrive six weeks late"),
        ml_skills=("no", "nobody has trained a model yet"),
        explainability=("no", "no regulator reviews this model", "want"),
    ))
    assert check.gaps() == ["people/ml_skills (missing)", "data/labels (weak)"]
    table = check.table()
    assert table.loc["explainability", "status"] == "not needed"
    report = check.report()
    assert "1 want set aside" in report and "buy before you build" in report


def test_every_unanswered_item_is_listed_with_its_question():
    answers = _answers()
    del answers["privacy"], answers["integration"]
    with pytest.raises(ReadinessError) as error:
        Readiness(good_statement(), answers).validate()
    assert len(error.value.problems) == 2
    assert "`privacy` (technology) is not answered: Has the use of personal data" in error.value.problems[0]


def test_an_answer_without_evidence_is_a_problem():
    problems = Readiness(good_statement(), _answers(tools="yes")).problems()
    assert problems == [problems[0]] and "'yes' without evidence" in problems[0]


def test_a_yes_the_problem_statement_contradicts_is_a_problem():
    statement = good_statement(labels="TBD", baseline="none")
    problems = Readiness(statement, _answers()).problems()
    assert any(p.startswith("`labels` says 'yes' but the statement has no usable answer") for p in problems)
    assert any(p.startswith("`business_metric` says 'yes'") for p in problems)
    assert not Readiness(statement, _answers(labels=("partly", "labels are not agreed yet"))).problems()[0].startswith("`labels`")


@pytest.mark.parametrize("value", [
    ("yes", "two months of payments"),
    ["YES ", "two months of payments", "need"],
    {"level": "yes", "evidence": "two months of payments", "needed": True},
    Answer("yes", "two months of payments"),
])
def test_answers_are_read_in_the_styles_learners_write(value):
    check = Readiness(good_statement(), _answers(historical_data=value))
    assert check.answers["historical_data"] == Answer("yes", "two months of payments", True)


@pytest.mark.parametrize("answers, error, match", [
    ({"lables": ("yes", "x y z")}, ValueError, "did you mean 'labels'"),
    ({"labels": ("maybe", "x y z")}, ValueError, "use one of"),
    ({"labels": ("yes", "x y z", "perhaps")}, ValueError, "'need'"),
    ({"labels": 3}, TypeError, "give \\(level, evidence\\)"),
])
def test_bad_answers_are_errors_that_say_what_to_write(answers, error, match):
    with pytest.raises(error, match=match):
        Readiness(good_statement(), answers)


def test_the_checklist_belongs_to_a_problem_statement():
    with pytest.raises(TypeError, match="ProblemStatement"):
        Readiness("card fraud", {})
    assert list(readiness.questions()["area"].unique()) == list(readiness.AREAS)


def test_the_chosen_option_is_weighed_against_the_teams_skills():
    answers = _answers(ml_skills=("no", "two app developers, no data scientist"))
    check = Readiness(good_statement(), answers, option="framework")
    assert "skills are short for 'framework', which needs a strong ML team" in check.report()
    assert "AI service or AutoML" in check.skills_gap()
    assert Readiness(good_statement(), _answers(), option="auto-ml").option == "AutoML"
    assert Readiness(good_statement(), _answers(), option="framework").skills_gap() == ""
    with pytest.raises(ValueError, match="did you mean 'framework'"):
        Readiness(good_statement(), answers, option="framwork")
