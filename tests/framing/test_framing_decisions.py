"""helpers.framing.decisions and the rules-or-learning exercise: the decision is judged, not the spelling."""

from __future__ import annotations

import pytest

from helpers.framing import rules_or_learning as rl
from helpers.framing.decisions import Case, Exercise


def _answers(**changes):
    answers = rl.EXERCISE.model_answers()
    answers.update(changes)
    return answers


def test_the_model_answers_pass_and_every_case_names_reasons_from_the_list():
    result = rl.EXERCISE.judge(rl.EXERCISE.model_answers())
    assert result.ok, result
    assert {c.answer for c in rl.CASES} == {"rule", "learning"}  # both answers are exercised
    assert all(c.reasons <= set(rl.REASONS) for c in rl.CASES)


@pytest.mark.parametrize("spelling", ["ML", "machine learning", "Learning", " LEARN ", "machine_learning"])
def test_other_spellings_of_an_option_are_the_same_decision(spelling):
    result = rl.EXERCISE.judge(_answers(spam=(spelling, {"patterns change"})))
    assert result.ok, result


def test_reasons_may_be_a_list_a_tuple_or_one_string_in_any_case():
    result = rl.EXERCISE.judge(_answers(vat=("Rule", "Known exact rule"), spam=("learning", ["Patterns-Change"]),
                                        shipping=("rule", ("known_exact_rule",))))
    assert result.ok, result


def test_a_dict_answer_is_read_like_a_pair():
    result = rl.EXERCISE.judge(_answers(vat={"choice": "rule", "reasons": {"known exact rule"}}))
    assert result.ok, result


def test_the_wrong_decision_is_named_with_the_cases_explanation():
    result = rl.EXERCISE.judge(_answers(vat=("learning", {"plenty of labelled examples"})))
    assert not result.ok
    assert [v.key for v in result.wrong] == ["vat"]
    assert "fixed in law" in result.wrong[0].message
    assert "8 of 9 cases right" in result.summary()


def test_the_right_decision_with_a_reason_that_does_not_apply_is_wrong():
    result = rl.EXERCISE.judge(_answers(vat=("rule", {"known exact rule", "few labelled examples"})))
    assert not result.ok
    assert "'few labelled examples' does not apply" in result.wrong[0].message


def test_the_right_decision_with_no_reason_asks_for_one():
    result = rl.EXERCISE.judge(_answers(vat=("rule", set())))
    assert "give at least one reason" in result.wrong[0].message


def test_a_typo_in_an_option_or_a_reason_is_an_error_naming_the_closest_word():
    with pytest.raises(ValueError, match="did you mean 'learning'"):
        rl.EXERCISE.judge(_answers(spam=("learnin", {"patterns change"})))
    with pytest.raises(ValueError, match="did you mean 'patterns change'"):
        rl.EXERCISE.judge(_answers(spam=("learning", {"pattern changes"})))


def test_missing_and_unknown_cases_are_named():
    answers = rl.EXERCISE.model_answers()
    del answers["vat"]
    with pytest.raises(ValueError, match=r"no answer for \['vat'\]"):
        rl.EXERCISE.judge(answers)
    with pytest.raises(ValueError, match="did you mean 'spam'"):
        rl.EXERCISE.judge(_answers(spams=("learning", {"patterns change"})))


@pytest.mark.parametrize("bad", ["rule", ("rule",), 3])
def test_an_answer_that_is_not_a_pair_says_what_shape_to_give(bad):
    with pytest.raises(TypeError, match=r"give a pair \(choice, reasons\)"):
        rl.EXERCISE.judge(_answers(vat=bad))


def test_an_exercise_whose_case_names_an_unknown_reason_fails_when_defined():
    with pytest.raises(ValueError, match="unknown option"):
        Exercise("x", ("a", "b"), {"r": "a reason"}, (Case("k", "prompt", "a", {"nope"}, "why"),))


def test_printable_lists_options_reasons_and_cases():
    text = rl.EXERCISE.printable()
    assert all(reason in text for reason in rl.REASONS)
    assert all(f"{case.key}:" in text for case in rl.CASES)


@pytest.mark.parametrize("name", list(rl.MISTAKES))
def test_every_typical_mistake_is_rejected_with_the_cases_explanation(name):
    result = rl.EXERCISE.judge(rl.mistaken_answers(name))
    assert not result.ok
    first = result.wrong[0]
    case = next(c for c in rl.CASES if c.key == first.key)
    assert case.why in first.message or "does not apply" in first.message
