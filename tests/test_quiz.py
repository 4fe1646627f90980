"""The quiz: questions as data, grading, the widget driven from Python, bad definitions and answers."""

from __future__ import annotations

import pytest

from helpers import quiz as quizlib
from helpers.quiz import Quiz, QuizError

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


def test_show_prints_text_when_headless(quiz, capsys, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_SMOKE", "1")
    assert quiz.show() is None
    out = capsys.readouterr().out
    assert out.startswith("Tiny quiz (2 questions)") and "quiz.grade(" in out
    assert not quizlib.interactive()


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
    with pytest.raises(QuizError, match="use 'auto', 'widget' or 'text'"):
        quiz.show(mode="browser")


@pytest.mark.parametrize("name", quizlib.available())
def test_every_course_quiz_loads(name):
    quiz = quizlib.load(name)
    assert len(quiz) >= 3 and all(question.explanation for question in quiz.questions)


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
