"""Multiple-choice knowledge checks: questions as data, widgets in JupyterLab, plain text headless.

A quiz is a YAML file in ``helpers/quizzes/`` (or any list of dicts)::

    title: Day 1 knowledge check
    questions:
      - prompt: Which of these is a business metric?
        options:
          - Accuracy on the test set
          - text: Fraud losses per month in dollars
          - text: F1 score
            why: F1 measures the model, not the business.     # optional, shown when this option is picked
        answer: b                                             # the letter of the right option
        explanation: The business counts money, time or customers.

In a notebook::

    quiz = load("day1")
    quiz.show()                       # radio buttons with immediate feedback in JupyterLab,
                                      # one summary line when run headless (CI, SMOKE)
    print(quiz.text())                # the questions as plain text, without the answers
    print(quiz.grade({1: "b", 2: "a"}))   # the same feedback as text, for any answers

Everything the widget does goes through :meth:`Quiz.check`, so it is tested without a browser. A course
quiz (one made by :func:`load`) saves each answer through ``helpers.learning_record.record_quiz`` when
the learner opted in to progress recording (``python -m helpers progress --on``); nothing otherwise.

Every notebook ``NN`` has its quiz ``load("NN")`` in its last cell; ``day1``..``day3`` are the
summative quizzes of each day.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = ["Option", "Question", "Feedback", "Quiz", "QuizResult", "QuizWidget", "load", "available", "QUIZ_DIR"]

#: Where the course's quizzes live, one YAML file each (``day1.yaml`` -> ``load("day1")``).
QUIZ_DIR = Path(__file__).resolve().parent / "quizzes"
LETTERS = string.ascii_lowercase


class QuizError(ValueError):
    """A quiz definition or an answer is malformed; the message names the question and the fix."""


@dataclass(frozen=True)
class Option:
    text: str
    why: str = ""  # shown when a learner picks this option (why it is right or wrong)


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Question:
    """One multiple-choice question with exactly one right option (``answer`` is its index)."""

    prompt: str
    options: tuple[Option, ...]
    answer: int
    explanation: str = ""

    def __post_init__(self) -> None:
        if not self.prompt.strip():
            raise QuizError("a question has an empty prompt: write the question text.")
        if len(self.options) < 2:
            raise QuizError(f"question {self.prompt[:40]!r} has {len(self.options)} option(s): give at least two.")
        texts = [o.text.strip().lower() for o in self.options]
        if len(set(texts)) != len(texts):
            raise QuizError(f"question {self.prompt[:40]!r} lists the same option twice: make every option distinct.")
        if not 0 <= self.answer < len(self.options):
            raise QuizError(
                f"question {self.prompt[:40]!r} has answer index {self.answer}, but only options "
                f"{LETTERS[0]}-{LETTERS[len(self.options) - 1]}: fix `answer`."
            )

    def index_of(self, choice: Any) -> int:
        """Turn a learner's choice (letter 'b', index 1, or the option's text) into an option index."""
        if isinstance(choice, bool):
            raise QuizError(f"{choice!r} is not an option: answer with a letter such as 'b'.")
        if isinstance(choice, int):
            if 0 <= choice < len(self.options):
                return choice
            raise QuizError(
                f"option index {choice} does not exist: use 0-{len(self.options) - 1} or a letter "
                f"a-{LETTERS[len(self.options) - 1]}."
            )
        if isinstance(choice, str):
            text = choice.strip()
            if len(text) == 1 and text.lower() in LETTERS[: len(self.options)]:
                return LETTERS.index(text.lower())
            for i, option in enumerate(self.options):
                if option.text.strip().lower() == text.lower():
                    return i
            raise QuizError(
                f"{choice!r} is not one of the options: answer with a letter a-{LETTERS[len(self.options) - 1]}."
            )
        raise QuizError(f"{choice!r} is not an option: answer with a letter such as 'b'.")

    def check(self, choice: Any) -> Feedback:
        """Immediate feedback for one choice: right or wrong, and why."""
        index = self.index_of(choice)
        picked = self.options[index]
        if index == self.answer:
            parts = ["✔ Right.", picked.why or self.explanation]
            return Feedback(True, " ".join(p for p in parts if p))
        parts = [f"✘ Not {LETTERS[index]}.", picked.why, "Try again."]
        return Feedback(False, " ".join(p for p in parts if p))

    def text(self, number: int) -> str:
        lines = [f"{number}. {self.prompt}"]
        lines += [f"   {LETTERS[i]}) {option.text}" for i, option in enumerate(self.options)]
        return "\n".join(lines)


@dataclass
class QuizResult:
    """The graded answers: ``score`` right out of ``total`` questions, with per-question feedback."""

    score: int
    total: int
    feedback: dict[int, Feedback] = field(default_factory=dict)
    unanswered: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{number}. {fb.message}" for number, fb in sorted(self.feedback.items())]
        lines += [f"{number}. (not answered)" for number in self.unanswered]
        lines.append(f"Score: {self.score} / {self.total}")
        return "\n".join(lines)


def _option(raw: Any, where: str) -> Option:
    if isinstance(raw, str):
        return Option(raw)
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"text", "why"}
        if unknown or "text" not in raw:
            raise QuizError(f"{where}: an option is a string or a mapping with `text` (and optional `why`), got keys {sorted(raw)}.")
        return Option(str(raw["text"]), str(raw.get("why", "") or ""))
    raise QuizError(f"{where}: an option is a string or a mapping with `text`, got {type(raw).__name__}.")


def _question(raw: Any, number: int) -> Question:
    where = f"question {number}"
    if not isinstance(raw, Mapping):
        raise QuizError(f"{where} is a {type(raw).__name__}: write it as a mapping with prompt, options, answer.")
    unknown = set(raw) - {"prompt", "options", "answer", "explanation"}
    missing = {"prompt", "options", "answer"} - set(raw)
    if unknown:
        raise QuizError(f"{where} has unknown key(s) {sorted(unknown)}: use prompt, options, answer, explanation.")
    if missing:
        raise QuizError(f"{where} lacks {sorted(missing)}: every question needs prompt, options and answer.")
    if not isinstance(raw["options"], list):
        raise QuizError(f"{where}: `options` must be a list.")
    options = tuple(_option(o, where) for o in raw["options"])
    answer = raw["answer"]
    if isinstance(answer, str) and len(answer.strip()) == 1 and answer.strip().lower() in LETTERS:
        index = LETTERS.index(answer.strip().lower())
    else:
        raise QuizError(f"{where}: `answer` is {answer!r}; give the letter of the right option, e.g. answer: b.")
    explanation = str(raw.get("explanation", "") or "")
    if 0 <= index < len(options):
        # The right option's `why` and the question's explanation stand in for each other, so every
        # option answers `.why` (the facilitator's key) and every question has an explanation.
        right = options[index]
        if not right.why and explanation:
            options = options[:index] + (Option(right.text, explanation),) + options[index + 1:]
        explanation = explanation or right.why
    try:
        return Question(str(raw["prompt"]), options, index, explanation)
    except QuizError as error:
        raise QuizError(f"{where}: {error}") from None


class Quiz:
    """An ordered list of questions, numbered from 1."""

    def __init__(self, title: str, questions: Iterable[Question], name: str = ""):
        self.title = title
        self.name = name  # the course name ("05", "day2") answers are recorded under; "" records nothing
        self.questions = list(questions)
        if not self.questions:
            raise QuizError(f"quiz {title!r} has no questions: add at least one.")

    def __len__(self) -> int:
        return len(self.questions)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Quiz":
        if not isinstance(spec, Mapping) or "questions" not in spec:
            raise QuizError("a quiz is a mapping with `title` and a list of `questions`.")
        if not isinstance(spec["questions"], list):
            raise QuizError("`questions` must be a list of question mappings.")
        return cls(str(spec.get("title", "Quiz")), [_question(q, i) for i, q in enumerate(spec["questions"], 1)])

    @classmethod
    def from_yaml(cls, path: str | Path) -> "Quiz":
        import yaml

        path = Path(path)
        with open(path, encoding="utf-8") as handle:
            try:
                spec = yaml.safe_load(handle)
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark is not None else ""
                raise QuizError(
                    f"{path.name} is not valid YAML{where} ({getattr(error, 'problem', error)}): "
                    'put quotes around text that contains ": " or starts with a special character.'
                ) from None
        try:
            return cls.from_dict(spec)
        except QuizError as error:
            raise QuizError(f"{path.name}: {error}") from None

    # ----------------------------------------------------------------------------- answering
    def question(self, number: int) -> Question:
        if not isinstance(number, int) or not 1 <= number <= len(self.questions):
            raise QuizError(f"there is no question {number!r}: questions are numbered 1-{len(self.questions)}.")
        return self.questions[number - 1]

    def check(self, number: int, choice: Any) -> Feedback:
        """Feedback for one answer to question ``number`` (1-based); a course quiz records the answer."""
        feedback = self.question(number).check(choice)
        if self.name:
            _record(self.name, number, feedback.correct)
        return feedback

    def grade(self, answers: Mapping[int, Any] | list[Any]) -> QuizResult:
        """Grade answers given as ``{question number: letter}`` or as a list of letters in order."""
        if isinstance(answers, (list, tuple)):
            answers = {i: a for i, a in enumerate(answers, 1) if a is not None}
        if not isinstance(answers, Mapping):
            raise QuizError("give the answers as a dict {1: 'b', 2: 'a', ...} or a list ['b', 'a', ...].")
        feedback = {number: self.check(number, choice) for number, choice in answers.items()}
        unanswered = [n for n in range(1, len(self.questions) + 1) if n not in feedback]
        return QuizResult(sum(f.correct for f in feedback.values()), len(self.questions), feedback, unanswered)

    # ------------------------------------------------------------------------------- showing
    def text(self) -> str:
        """The questions as plain text (no answers)."""
        blocks = [f"{self.title} ({len(self.questions)} questions)"]
        blocks += [q.text(i) for i, q in enumerate(self.questions, 1)]
        return "\n\n".join(blocks)

    def summary(self) -> str:
        """One line for a headless run: what the quiz is and how to take it (no questions, no answers)."""
        return (
            f"{self.title}: {len(self.questions)} questions. Open this notebook in JupyterLab to answer them "
            "with instant feedback, or call .text() and .grade({1: 'a', ...}) on the quiz here."
        )

    def widget(self) -> "QuizWidget":
        return QuizWidget(self)

    def show(self, mode: str = "auto") -> "QuizWidget | None":
        """Display the quiz: ``"widget"``, ``"text"`` (every question), ``"summary"`` (one line), or
        ``"auto"``: the widget in an interactive kernel, the summary line headless (CI, SMOKE runs), so a
        stored notebook output is one stable line rather than every question again.

        Returns the widget when one is shown, so a test or a curious learner can inspect it.
        """
        if mode not in ("auto", "widget", "text", "summary"):
            raise QuizError(f"mode {mode!r} is unknown: use 'auto', 'widget', 'text' or 'summary'.")
        if mode == "auto":
            mode = "widget" if interactive() else "summary"
        if mode == "summary":
            print(self.summary())
            return None
        if mode == "text":
            print(self.text())
            print("\nAnswer with quiz.grade({1: 'a', 2: 'c', ...}) to see the feedback.")
            return None
        from IPython.display import display

        widget = self.widget()
        display(widget.box)
        return widget


def interactive() -> bool:
    """True in a live Jupyter kernel; False in CI, SMOKE runs and plain Python (then show text)."""
    if os.environ.get("CI") or os.environ.get("FLYWHEEL_SMOKE") == "1":
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class QuizWidget:
    """Radio buttons per question; picking an option shows its feedback at once and updates the score."""

    def __init__(self, quiz: Quiz):
        import ipywidgets as widgets

        self.quiz = quiz
        self.choices: list[widgets.RadioButtons] = []
        self.feedback: list[widgets.HTML] = []
        self.results: dict[int, bool] = {}
        children: list[widgets.Widget] = [widgets.HTML(f"<h3>{_escape(quiz.title)}</h3>")]
        for number, question in enumerate(quiz.questions, 1):
            radio = widgets.RadioButtons(
                options=[(f"{LETTERS[i]}) {o.text}", i) for i, o in enumerate(question.options)],
                value=None,
                layout=widgets.Layout(width="auto"),
            )
            label = widgets.HTML("")
            radio.observe(lambda change, n=number: self._answered(n, change["new"]), names="value")
            self.choices.append(radio)
            self.feedback.append(label)
            children += [widgets.HTML(f"<b>{number}. {_escape(question.prompt)}</b>"), radio, label]
        self.score = widgets.HTML(self._score_text())
        children.append(self.score)
        self.box = widgets.VBox(children)

    def _answered(self, number: int, index: int | None) -> None:
        if index is None:
            return
        result = self.quiz.check(number, index)
        self.results[number] = result.correct
        colour = "green" if result.correct else "#b00"
        self.feedback[number - 1].value = f'<span style="color:{colour}">{_escape(result.message)}</span>'
        self.score.value = self._score_text()

    def _score_text(self) -> str:
        right = sum(self.results.values())
        return f"<i>{len(self.results)} of {len(self.quiz)} answered, {right} right.</i>"

    def choose(self, number: int, choice: Any) -> Feedback:
        """Pick an option in the widget from Python (what a click does); return the feedback."""
        index = self.quiz.question(number).index_of(choice)
        self.choices[number - 1].value = index  # records the answer, as a click does
        return self.quiz.question(number).check(index)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _record(quiz: str, question: int, correct: bool) -> None:
    """Save one answer in the learner's own progress record; a no-op unless they opted in.

    ``helpers.learning_record`` is optional here (a kit without it still runs its quizzes), and a
    recording problem never reaches the learner's quiz.
    """
    try:
        from helpers import learning_record
    except ModuleNotFoundError as missing:
        if missing.name == "helpers.learning_record":
            return
        raise
    try:
        learning_record.record_quiz(quiz, question, correct)
    except Exception:  # noqa: BLE001 - recording is a side effect; the feedback matters more
        return


def available() -> list[str]:
    """Names of the quizzes shipped with the course."""
    return sorted(p.stem for p in QUIZ_DIR.glob("*.yaml"))


def load(name: str) -> Quiz:
    """Load a course quiz by name, e.g. ``load("day1")``."""
    path = QUIZ_DIR / f"{name}.yaml"
    if not path.exists():
        raise QuizError(f"there is no quiz {name!r}; the course has: {', '.join(available()) or 'none'}.")
    quiz = Quiz.from_yaml(path)
    quiz.name = name
    return quiz
