"""The quiz: questions as data, grading, the widget driven from Python, bad definitions and answers."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import nbformat
import pytest

import helpers
from helpers import quiz as quizlib
from helpers.quiz import Quiz, QuizError

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOK_QUIZZES = [f"{n:02d}" for n in range(11)]
DAY_QUIZZES = ["day1", "day2", "day3"]

SPEC = {
    "title": "Tiny quiz",
    "questions": [
        {
            "prompt": "Which is a business metric?",
            "options": ["Accuracy", {"text": "Dollars lost per month"}, {"text": "AUC", "why": "AUC ranks."}],
            "answer": "b",
            "explanation": "Money counts.",
        },
        {"prompt": "2 + 2?", "options": ["3", "4"], "answer": "B"},
    ],
}


@pytest.fixture
def quiz() -> Quiz:
    return Quiz.from_dict(SPEC)


def test_choices_are_letters_indexes_or_option_text(quiz):
    question = quiz.question(1)
    assert question.index_of("b") == question.index_of("B") == question.index_of(1) == 1
    assert question.index_of("dollars lost per month") == 1


def test_feedback_for_right_and_wrong_answers(quiz):
    right = quiz.check(1, "b")
    assert right.correct and right.message == "✔ Right. Money counts."
    wrong = quiz.check(1, "c")
    assert not wrong.correct and wrong.message == "✘ Not c. AUC ranks. Try again."
    assert "Money counts" not in wrong.message  # the explanation is not given away on a wrong answer


def test_grade_dict_and_list(quiz):
    result = quiz.grade({1: "b", 2: "a"})
    assert (result.score, result.total, result.unanswered) == (1, 2, [])
    assert quiz.grade(["b", "b"]).score == 2
    partial = quiz.grade([None, "b"])
    assert partial.unanswered == [1] and partial.score == 1
    text = str(partial)
    assert "1. (not answered)" in text and text.endswith("Score: 1 / 2")


def test_text_lists_questions_without_answers(quiz):
    text = quiz.text()
    assert "1. Which is a business metric?" in text and "   b) Dollars lost per month" in text
    assert "Money counts" not in text and "AUC ranks" not in text


def test_show_prints_one_summary_line_when_headless(quiz, capsys, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_SMOKE", "1")
    assert quiz.show() is None
    out = capsys.readouterr().out
    # One stable line for a stored notebook output: no questions (and no answers) in it.
    assert out.count("\n") == 1 and out.startswith("Tiny quiz: 2 questions.") and ".grade(" in out
    assert "business metric" not in out
    assert not quizlib.interactive()


def test_show_text_mode_prints_every_question(quiz, capsys):
    assert quiz.show(mode="text") is None
    out = capsys.readouterr().out
    assert out.startswith("Tiny quiz (2 questions)") and "2. 2 + 2?" in out and "quiz.grade(" in out


def test_widget_gives_immediate_feedback_and_keeps_score(quiz):
    widget = quiz.widget()
    assert "0 of 2 answered" in widget.score.value
    feedback = widget.choose(1, "c")
    assert not feedback.correct
    assert "Not c" in widget.feedback[0].value and "#b00" in widget.feedback[0].value
    widget.choices[0].value = 1  # what a click on option b does
    assert "Right" in widget.feedback[0].value
    widget.choose(2, "b")
    assert "2 of 2 answered, 2 right" in widget.score.value


def test_show_widget_mode_returns_the_widget(quiz):
    shown = quiz.show(mode="widget")
    assert isinstance(shown, quizlib.QuizWidget)
    with pytest.raises(QuizError, match="use 'auto', 'widget', 'text' or 'summary'"):
        quiz.show(mode="browser")


@pytest.mark.parametrize("name", quizlib.available())
def test_every_course_quiz_loads(name):
    quiz = quizlib.load(name)
    assert len(quiz) >= 3 and all(question.explanation for question in quiz.questions)
    assert quiz.name == name


def test_every_notebook_and_every_day_has_a_quiz():
    assert set(NOTEBOOK_QUIZZES + DAY_QUIZZES) <= set(quizlib.available())


@pytest.mark.parametrize("name", NOTEBOOK_QUIZZES + DAY_QUIZZES)
def test_course_quiz_explains_every_option(name):
    quiz = quizlib.load(name)
    if name in NOTEBOOK_QUIZZES:
        assert 5 <= len(quiz) <= 8, f"{name}.yaml has {len(quiz)} questions: a notebook's quiz has 5-8"
    for number, question in enumerate(quiz.questions, 1):
        # One right option (its index is in range: checked at load), and every option says why it is
        # right or which misconception it reveals: the learner's feedback and the facilitator's key.
        assert 0 <= question.answer < len(question.options)
        unexplained = [quizlib.LETTERS[i] for i, option in enumerate(question.options) if not option.why.strip()]
        assert not unexplained, f"{name}.yaml question {number}: option(s) {unexplained} have no `why`"
        assert question.check(question.answer).correct
        assert not any(question.check(i).correct for i in range(len(question.options)) if i != question.answer)
    # A quiz answerable by always picking the same letter checks nothing.
    assert len({q.answer for q in quiz.questions}) > 1


def test_right_option_why_and_explanation_stand_in_for_each_other():
    quiz = Quiz.from_dict({"title": "t", "questions": [
        {"prompt": "p", "options": ["a", {"text": "b", "why": "b wins."}], "answer": "b"},
        {"prompt": "q", "options": ["a", "b"], "answer": "a", "explanation": "a wins."},
    ]})
    assert quiz.question(1).explanation == "b wins."
    assert quiz.question(2).options[0].why == "a wins."
    assert quiz.check(2, "a").message == "✔ Right. a wins."


# --- answers are recorded (helpers.learning_record, when the learner opted in) -------------------


@pytest.fixture
def recorded(monkeypatch):
    """Every record_quiz call, through a stand-in for helpers.learning_record (present or not yet)."""
    calls = []
    fake = types.SimpleNamespace(record_quiz=lambda quiz, question, correct: calls.append((quiz, question, correct)))
    monkeypatch.setitem(sys.modules, "helpers.learning_record", fake)
    monkeypatch.setattr(helpers, "learning_record", fake, raising=False)
    return calls


def test_answers_to_a_course_quiz_are_recorded(recorded):
    course = quizlib.load("05")
    right = quizlib.LETTERS[course.question(1).answer]
    wrong = quizlib.LETTERS[(course.question(2).answer + 1) % len(course.question(2).options)]
    course.check(1, right)
    course.grade({2: wrong})
    assert recorded == [("05", 1, True), ("05", 2, False)]


def test_a_widget_click_is_recorded_once(recorded):
    course = quizlib.load("day2")
    widget = course.widget()
    widget.choose(3, course.question(3).answer)
    assert recorded == [("day2", 3, True)]


def test_a_quiz_that_is_not_the_courses_records_nothing(recorded, quiz):
    quiz.check(1, "b")
    assert recorded == []


def test_recording_never_breaks_the_quiz(monkeypatch):
    def broken(quiz, question, correct):
        raise OSError("disk full")

    fake = types.SimpleNamespace(record_quiz=broken)
    monkeypatch.setitem(sys.modules, "helpers.learning_record", fake)
    monkeypatch.setattr(helpers, "learning_record", fake, raising=False)
    course = quizlib.load("00")
    assert course.check(1, course.question(1).answer).correct


def test_quiz_runs_without_the_recording_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "helpers.learning_record", None)  # import fails: not installed yet
    monkeypatch.delattr(helpers, "learning_record", raising=False)
    course = quizlib.load("00")
    assert course.check(1, course.question(1).answer).correct


# --- every notebook ends with its quiz ----------------------------------------------------------


@pytest.mark.parametrize("path", SOLUTIONS + LABS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_notebook_ends_with_its_quiz_cell(path):
    notebook = nbformat.read(path, as_version=4)
    last = notebook.cells[-1]
    number = path.name[:2]
    assert last.cell_type == "code" and f'load("{number}")' in last.source and ".show()" in last.source, (
        f"{path.name}: the last cell shows the notebook's quiz, load(\"{number}\").show()"
    )
    if path.parent.name == "solutions":
        text = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")
        assert text == quizlib.load(number).summary() + "\n", f"{path.name}: run `make solutions NB={number}`"


def test_course_quizzes_load_and_are_well_formed():
    assert {"day1", "scenarios"} <= set(quizlib.available())
    day1 = quizlib.load("day1")
    assert len(day1) >= 8
    for question in day1.questions:
        # Every question explains its answer (duplicate options already fail at load time).
        assert question.explanation
    # The right answers are not all the same letter (a quiz answerable by always picking 'b' is no check).
    assert len({q.answer for q in day1.questions}) > 1


@pytest.mark.parametrize(
    "questions, message",
    [
        ([{"prompt": "x", "options": ["a"], "answer": "a"}], "at least two"),
        ([{"prompt": "x", "options": ["a", "b"], "answer": "c"}], "answer index 2"),
        ([{"prompt": "x", "options": ["a", "A"], "answer": "a"}], "same option twice"),
        ([{"prompt": "x", "options": ["a", "b"], "answer": 1}], "give the letter"),
        ([{"prompt": "x", "options": ["a", "b"]}], "lacks \\['answer'\\]"),
        ([{"prompt": "x", "options": ["a", "b"], "answer": "a", "hint": "?"}], "unknown key"),
        ([{"prompt": " ", "options": ["a", "b"], "answer": "a"}], "empty prompt"),
        ([{"prompt": "x", "options": ["a", {"txt": "b"}], "answer": "a"}], "mapping with `text`"),
        ([], "no questions"),
        (["just a string"], "write it as a mapping"),
    ],
)
def test_bad_definitions_name_the_question_and_the_fix(questions, message):
    with pytest.raises(QuizError, match=message):
        Quiz.from_dict({"title": "bad", "questions": questions})


def test_bad_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("title: t\nquestions:\n  - prompt: x\n    options: [a, b]\n    answer: z\n", encoding="utf-8")
    with pytest.raises(QuizError, match="broken.yaml: question 1"):
        Quiz.from_yaml(path)


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "colon.yaml"
    path.write_text("title: t\nquestions:\n  - prompt: x\n    explanation: a: b\n", encoding="utf-8")
    with pytest.raises(QuizError, match="colon.yaml is not valid YAML at line 4.*put quotes"):
        Quiz.from_yaml(path)


def test_bad_answers_are_explained(quiz):
    with pytest.raises(QuizError, match="letter a-c"):
        quiz.check(1, "d")
    with pytest.raises(QuizError, match="use 0-2"):
        quiz.check(1, 7)
    with pytest.raises(QuizError, match="numbered 1-2"):
        quiz.check(3, "a")
    with pytest.raises(QuizError, match="letter such as 'b'"):
        quiz.check(1, True)
    with pytest.raises(QuizError, match="dict"):
        quiz.grade("abc")
    with pytest.raises(QuizError, match="the course has: .*day1"):
        quizlib.load("day9")
