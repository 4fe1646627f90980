"""ProblemStatement: validation messages, markdown/JSON round trips, bad input."""

from __future__ import annotations

import json

import pytest

from helpers.problem import FIELDS, ProblemStatement, ProblemStatementError
from problem_support import good_statement as good


def test_a_complete_statement_has_no_problems():
    statement = good()
    assert statement.problems() == []
    assert statement.is_complete()
    assert statement.validate() is statement


@pytest.mark.parametrize("name", FIELDS)
def test_every_missing_field_is_named(name):
    statement = good(**{name: [] if name in ("data_sources", "inputs") else ""})
    problems = statement.problems()
    assert len(problems) == 1
    assert problems[0].startswith(f"`{name}` is missing")
    # The message says what to write: it ends with the field's question.
    assert ProblemStatement.questions()[name] in problems[0]


@pytest.mark.parametrize("placeholder", ["TBD", "tbd.", "TODO", "?", "n/a", "...", "Unknown"])
def test_placeholders_are_rejected(placeholder):
    problems = good(why=placeholder).problems()
    assert len(problems) == 1
    assert "`why`" in problems[0]
    assert "placeholder" in problems[0] or "missing" in problems[0]


def test_placeholder_inside_a_longer_answer_is_rejected():
    problems = good(labels="Chargebacks, the exact delay is TBD for now in the project.").problems()
    assert problems and "placeholder" in problems[0]


def test_placeholder_in_a_list_is_rejected():
    problems = good(data_sources=["chargeback records", "TBD"]).problems()
    assert problems == [problems[0]] and "'TBD'" in problems[0]


def test_too_short_answers_say_how_many_words_are_needed():
    problems = good(problem="Fraud is bad.").problems()
    assert len(problems) == 1
    assert "too short (3 words)" in problems[0] and "at least 8 words" in problems[0]


def test_business_metric_without_a_number():
    problems = good(business_metric="Lower fraud losses than today and happier customers").problems()
    assert len(problems) == 1 and "`business_metric` has no number" in problems[0]


def test_business_metric_with_a_number_but_no_unit():
    problems = good(business_metric="Reduce the fraud problem down to 3 next year").problems()
    assert len(problems) == 1 and "no unit" in problems[0]


def test_business_metric_that_is_a_model_metric():
    problems = good(business_metric="The model reaches an accuracy of 0.99 on the test set").problems()
    assert len(problems) == 1 and "model metric (accuracy)" in problems[0]


@pytest.mark.parametrize(
    "metric",
    ["Fraud losses below 0.1% of card volume", "Save 300 hours of analyst time per month",
     "Losses under €1.5m per year, down from today", "Churn drops by 5 percentage points this year"],
)
def test_business_metrics_with_number_and_unit_pass(metric):
    assert good(business_metric=metric).problems() == []


@pytest.mark.parametrize(
    "metric",
    ["Write-offs plus call costs on 3000 validation customers (USD)",
     "Write-offs plus call costs below 54,000 in $ per 3,000 validation customers",
     "Cost of defaults and calls under 50000 $ per month", "Fewer than 90 missed defaults among 3,000 card customers"],
)
def test_a_unit_anywhere_in_the_metric_counts(metric):
    assert good(business_metric=metric).problems() == []


def test_every_example_in_the_no_unit_message_passes():
    message = good(business_metric="Reduce the fraud problem down to 3 next year").problems()[0]
    examples = message.split("e.g. ")[1].replace(" or ", ", ").split("', '")
    assert len(examples) == 4
    for example in examples:
        assert good(business_metric=f"Keep losses at {example.strip(chr(39) + '.')}").problems() == [], example


def test_baseline_needs_a_number():
    problems = good(baseline="An analyst looks at the flagged transactions every morning").problems()
    assert len(problems) == 1 and "`baseline` has no number" in problems[0]


def test_no_bias_is_not_an_answer():
    problems = good(bias="None.").problems()
    assert len(problems) == 1 and problems[0].startswith("`bias` says there is none")


def test_the_specific_message_wins_over_too_short():
    assert "model metric (accuracy)" in good(business_metric="better accuracy").problems()[0]
    assert good(baseline="none").problems()[0].startswith("`baseline` has no number")
    assert "too short (1 word)" in good(labels="chargebacks").problems()[0]


def test_validate_lists_every_problem_at_once():
    statement = good(title="", why="TBD", business_metric="better")
    with pytest.raises(ProblemStatementError) as info:
        statement.validate()
    assert len(info.value.problems) == 3
    message = str(info.value)
    assert "`title`" in message and "`why`" in message and "`business_metric`" in message


def test_wrong_types_fail_at_once_with_the_fix():
    with pytest.raises(TypeError, match="`business_metric` is a int.*write it as text"):
        ProblemStatement(business_metric=5)
    with pytest.raises(TypeError, match="`inputs` holds 3.*list of short strings"):
        ProblemStatement(inputs=["amount", 3])
    with pytest.raises(TypeError, match="`data_sources` is a dict"):
        ProblemStatement(data_sources={"a": 1})


def test_a_single_string_is_a_one_item_list_and_text_is_stripped():
    statement = ProblemStatement(title="  Fraud  ", data_sources="chargeback records", inputs=None)
    assert statement.title == "Fraud"
    assert statement.data_sources == ["chargeback records"]
    assert statement.inputs == []


def test_markdown_has_the_title_and_one_section_per_field():
    text = good().to_markdown()
    assert text.startswith("# Problem statement: Cut card-fraud losses\n")
    assert text.count("\n## ") == len(FIELDS)
    assert "- chargeback records" in text
    assert good()._repr_markdown_() == text


@pytest.mark.parametrize("suffix", [".md", ".json"])
def test_save_and_load_round_trip(tmp_path, suffix):
    statement = good(why="Two lines:\nchargebacks cost about $2.1 million a year and customers leave.")
    path = statement.save(tmp_path / f"write-up{suffix}")
    assert ProblemStatement.load(path) == statement


def test_incomplete_statement_is_not_saved_unless_draft(tmp_path):
    draft = good(baseline="TBD")
    target = tmp_path / "draft.md"
    with pytest.raises(ProblemStatementError, match="baseline"):
        draft.save(target)
    assert not target.exists()
    draft.save(target, draft=True)
    assert ProblemStatement.load(target) == draft


def test_an_empty_statement_round_trips_as_a_draft(tmp_path):
    empty = ProblemStatement()
    path = empty.save(tmp_path / "empty.md", draft=True)
    assert ProblemStatement.load(path) == empty


def test_bad_file_names_and_contents(tmp_path):
    with pytest.raises(ValueError, match=r"ending in \.md or \.json"):
        good().save(tmp_path / "write-up.docx")
    with pytest.raises(FileNotFoundError, match="save one first"):
        ProblemStatement.load(tmp_path / "nothing.md")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        ProblemStatement.load(tmp_path / "broken.json")
    (tmp_path / "notes.md").write_text("# My notes\n\nsome text\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no '# Problem statement:' line"):
        ProblemStatement.load(tmp_path / "notes.md")
    (tmp_path / "renamed.md").write_text("# Problem statement: x\n\n## Budget\n\n10\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown section '## Budget'"):
        ProblemStatement.load(tmp_path / "renamed.md")


def test_from_dict_rejects_unknown_keys_so_no_answer_is_lost(tmp_path):
    values = good().to_dict()
    values["buisness_metric"] = values.pop("business_metric")
    with pytest.raises(ValueError, match="unknown field.*'buisness_metric'"):
        ProblemStatement.from_dict(values)
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    with pytest.raises(ValueError, match="buisness_metric"):
        ProblemStatement.load(path)


def test_default_path_is_in_the_flywheel_home(flywheel_home):
    path = good().save(ProblemStatement.default_path())
    assert path == flywheel_home / "writeups" / "problem_statement.md"
    assert ProblemStatement.load(path) == good()
