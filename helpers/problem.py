"""The Day-1 write-up: a problem statement that says what is solved, why, how, and how success is measured.

A :class:`ProblemStatement` holds the answers to the questions every ML project starts with. It
validates them (a vague or missing answer gets a specific message naming the field and how to fix
it), renders them as markdown, and saves/loads them as ``.md`` or ``.json`` so the capstone can
pick up the Day-1 write-up again::

    statement = ProblemStatement(title="...", problem="...", ...)
    statement.problems()          # [] when every field is answered well enough
    statement.save(ProblemStatement.default_path())        # $FLYWHEEL_HOME/writeups/problem_statement.md
    ProblemStatement.load(ProblemStatement.default_path()) == statement   # True
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["ProblemStatement", "ProblemStatementError", "FIELDS"]

# (field, markdown heading, question the learner answers, minimum words)
_SPEC: list[tuple[str, str, str, int]] = [
    ("problem", "The problem", "What is the business problem, in plain words?", 8),
    ("why", "Why solve it", "Why is it worth solving: what does it cost today, or what would it earn?", 8),
    ("how", "How ML would solve it", "What would the model predict, from what, and what kind of ML task is it?", 8),
    ("business_metric", "Business metric", "Which number, in which unit, tells the business it worked?", 5),
    ("baseline", "Baseline", "How good is today's process (a human or a rule), in the same unit?", 5),
    ("data_sources", "Data sources", "Where does the data come from?", 2),
    ("labels", "Where the labels come from", "Who or what provides the correct answers to learn from?", 6),
    ("inputs", "Inputs available at prediction time", "Which inputs are easy to obtain when a prediction is needed?", 1),
    ("bias", "Potential bias", "Which groups, periods or situations could the data under- or misrepresent?", 6),
]
#: The fields of a problem statement besides its title, in the order they are rendered.
FIELDS: tuple[str, ...] = tuple(name for name, *_ in _SPEC)
_HEADINGS = {name: heading for name, heading, *_ in _SPEC}
_QUESTIONS = {name: question for name, _, question, _ in _SPEC}
_MIN_WORDS = {name: words for name, _, _, words in _SPEC}
_LIST_FIELDS = ("data_sources", "inputs")
_TITLE_PREFIX = "# Problem statement: "

# Answers that postpone the answer. Compared with the whole answer, lower-cased, punctuation stripped.
_PLACEHOLDERS = {
    "tbd", "tbc", "todo", "to do", "to be decided", "to be defined", "to be confirmed", "n a", "na", "none yet",
    "unknown", "not sure", "dunno", "idk", "xxx", "x", "lorem ipsum", "later", "see above", "etc", "",
}
_PLACEHOLDER_WORDS = re.compile(r"\b(tbd|tbc|todo|lorem ipsum|xxx)\b", re.IGNORECASE)
# A unit next to a number ("12%", "$40,000", "3 hours", "5 fewer customers"): a currency sign before it,
# or a unit word right after it, perhaps after a qualifier or two ("200 fewer blocked transactions").
_QUALIFIERS = r"(?:fewer|more|less|extra|additional|new|lost|blocked|good|bad|false|missed|saved|wasted|million|thousand|billion)"
_UNIT_WORDS = (
    r"%|percent|per ?cent|percentage points?|points?|pp|pct|bps|basis points?|usd|eur|gbp|dollars?|euros?|pounds?|"
    r"cents?|k|m|bn|ms|seconds?|secs?|s|minutes?|mins?|h|hrs?|hours?|days?|weeks?|months?|years?|"
    r"customers?|users?|visitors?|orders?|calls?|tickets?|transactions?|claims?|cases?|items?|units?|"
    r"bikes?|rentals?|loans?|accounts?|clicks?|sales?|returns?|defaults?|failures?|hires?|people|staff|"
    r"employees?|patients?|machines?|parts?|deliveries|kg|g|t|tonnes?|km|kwh|mwh|litres?|liters?|l"
)
_UNIT = re.compile(
    rf"([$€£¥]\s?\d)|(\d[\d.,]*\s*(?:{_QUALIFIERS}\s+){{0,2}}(?:{_UNIT_WORDS})(?![a-z]))",
    re.IGNORECASE,
)
# Money named anywhere in the answer is its unit ("costs on 3,000 customers (USD)", "in $ per 3,000
# customers"), and so are counted things after any two words ("3,000 validation customers"). Time words
# stay behind the qualifiers above, so "down to 3 next year" still has no unit.
_MONEY = re.compile(r"[$€£¥]|\b(?:usd|eur|gbp|chf|jpy|dollars?|euros?|pounds?)\b", re.IGNORECASE)
_COUNTED = re.compile(
    r"\d[\d.,]*\s+(?:[a-z-]+\s+){1,2}(?:customers?|users?|visitors?|orders?|calls?|tickets?|transactions?|"
    r"claims?|cases?|items?|units?|bikes?|rentals?|loans?|accounts?|clicks?|sales?|returns?|defaults?|"
    r"failures?|hires?|people|staff|employees?|patients?|machines?|parts?|deliveries)(?![a-z])",
    re.IGNORECASE,
)


def _has_unit(value: str) -> bool:
    """True when a number in ``value`` comes with what it counts: money, time, a share or a thing."""
    return bool(_UNIT.search(value) or _MONEY.search(value) or _COUNTED.search(value))
_NUMBER = re.compile(r"\d")
_MODEL_METRIC = re.compile(
    r"\b(accuracy|f1|f1[- ]score|auc|roc|precision|recall|rmse|mae|mse|r2|r²|log ?loss|kappa)\b", re.IGNORECASE
)
_NO_BIAS = re.compile(r"^\s*(no|none|nothing|n/?a|no bias|not applicable|there is no bias|unbiased)\W*$", re.IGNORECASE)


class ProblemStatementError(ValueError):
    """A problem statement is incomplete or vague; the message lists every field to fix and how."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the problem statement needs work on {len(problems)} point(s):\n{lines}")


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _is_placeholder(text: str) -> bool:
    bare = re.sub(r"[^\w\s]", " ", text.lower())
    bare = re.sub(r"\s+", " ", bare).strip()
    return bare in _PLACEHOLDERS


@dataclass
class ProblemStatement:
    """The answers to the framing questions of an ML project (all text, in the learner's words).

    ``data_sources`` and ``inputs`` are lists of short strings (a single string is taken as a
    one-item list); every other field is one paragraph of text.
    """

    title: str = ""
    problem: str = ""
    why: str = ""
    how: str = ""
    business_metric: str = ""
    baseline: str = ""
    data_sources: list[str] = field(default_factory=list)
    labels: str = ""
    inputs: list[str] = field(default_factory=list)
    bias: str = ""

    def __post_init__(self) -> None:
        # Catch wrong types at once (a number or a dict where text belongs) rather than at render time.
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name in _LIST_FIELDS:
                if value is None:
                    value = []
                elif isinstance(value, str):
                    value = [value] if value.strip() else []
                elif isinstance(value, (list, tuple)):
                    bad = [v for v in value if not isinstance(v, str)]
                    if bad:
                        raise TypeError(
                            f"`{spec.name}` holds {bad[0]!r}, which is not text: "
                            f"give a list of short strings such as ['CRM export', 'web logs']."
                        )
                    value = [v.strip() for v in value if v.strip()]
                else:
                    raise TypeError(
                        f"`{spec.name}` is a {type(value).__name__}: give a list of short strings, "
                        f"such as ['CRM export', 'web logs']."
                    )
            else:
                if value is None:
                    value = ""
                if not isinstance(value, str):
                    raise TypeError(
                        f"`{spec.name}` is a {type(value).__name__} ({value!r}): write it as text, "
                        f'e.g. {spec.name}="..." with your answer in words.'
                    )
                value = value.strip()
            setattr(self, spec.name, value)

    # ----------------------------------------------------------------------------------- checks
    def problems(self) -> list[str]:
        """Return one message per vague or missing answer (an empty list means ready to save)."""
        found: list[str] = []
        if not self.title:
            found.append("`title` is missing: name the project in a few words, e.g. 'Cut card-fraud losses'.")
        elif _is_placeholder(self.title):
            found.append(f"`title` is a placeholder ({self.title!r}): name the project in a few words.")
        for name in FIELDS:
            value = getattr(self, name)
            question = _QUESTIONS[name]
            if name in _LIST_FIELDS:
                if not value:
                    found.append(f"`{name}` is missing: {question} List at least one, e.g. ['CRM export'].")
                    continue
                for item in value:
                    if _is_placeholder(item) or _PLACEHOLDER_WORDS.search(item):
                        found.append(f"`{name}` contains the placeholder {item!r}: {question} Name a real source.")
                continue
            if not value:
                found.append(f"`{name}` is missing: {question}")
                continue
            if _is_placeholder(value) or _PLACEHOLDER_WORDS.search(value):
                found.append(f"`{name}` is a placeholder ({value!r}): {question} Answer it now, even roughly.")
                continue
            # The specific messages first: "better accuracy" is a model metric more than it is short.
            specific = self._specific_problem(name, value)
            if specific:
                found.append(specific)
            elif _words(value) < _MIN_WORDS[name]:
                words = _words(value)
                found.append(
                    f"`{name}` is too short ({words} word{'s' if words != 1 else ''}): {question} "
                    f"Say it in at least {_MIN_WORDS[name]} words."
                )
        return found

    @staticmethod
    def _specific_problem(name: str, value: str) -> str | None:
        if name in ("business_metric", "baseline"):
            model_metric = _MODEL_METRIC.search(value)
            if name == "business_metric" and model_metric and not _has_unit(value):
                return (
                    f"`business_metric` names a model metric ({model_metric.group(0)}): the business "
                    f"measures money, time or customers, e.g. 'chargebacks below $20,000 per month'; "
                    f"keep {model_metric.group(0)} for evaluating the model."
                )
            if not _NUMBER.search(value):
                return (
                    f"`{name}` has no number: a {name.replace('_', ' ')} must be measurable, "
                    f"e.g. 'fraud losses below 0.1% of card volume per month'."
                )
            if not _has_unit(value):
                return (
                    f"`{name}` has a number but no unit: say what it counts, e.g. '0.1% of card volume', "
                    f"'$40,000 per month', '300 hours per week' or '500 customers'."
                )
        if name == "bias" and _NO_BIAS.match(value):
            return (
                "`bias` says there is none: every data set under-represents someone or something; "
                "say which groups, periods or situations are rare or missing in yours."
            )
        return None

    def is_complete(self) -> bool:
        return not self.problems()

    def validate(self) -> "ProblemStatement":
        """Raise :class:`ProblemStatementError` listing every problem; return ``self`` when there is none."""
        found = self.problems()
        if found:
            raise ProblemStatementError(found)
        return self

    # --------------------------------------------------------------------------------- rendering
    def to_markdown(self) -> str:
        """The write-up as markdown: a title line, then one ``##`` section per field."""
        lines = [f"{_TITLE_PREFIX}{self.title or '(untitled)'}", ""]
        for name in FIELDS:
            lines += [f"## {_HEADINGS[name]}", ""]
            value = getattr(self, name)
            if name in _LIST_FIELDS:
                lines += [f"- {item}" for item in value] or ["(missing)"]
            else:
                lines.append(value or "(missing)")
            lines.append("")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ProblemStatement":
        """Build from a dict; unknown keys are an error (a typo would otherwise lose an answer)."""
        if not isinstance(values, dict):
            raise TypeError(f"expected a dict of fields, got a {type(values).__name__}.")
        known = {"title", *FIELDS}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(map(repr, unknown))}: a problem statement has "
                f"{', '.join(['title', *FIELDS])}. Rename the key(s) so no answer is lost."
            )
        return cls(**values)

    @classmethod
    def from_markdown(cls, text: str) -> "ProblemStatement":
        """Parse markdown written by :meth:`to_markdown` (and edited by hand, within its headings)."""
        lines = text.splitlines()
        titles = [line for line in lines if line.startswith(_TITLE_PREFIX)]
        if not titles:
            raise ValueError(
                f"this markdown has no '{_TITLE_PREFIX.strip()}' line: it was not written by "
                "ProblemStatement.save; keep the first line and the '## ' headings when you edit it."
            )
        by_heading = {heading: name for name, heading in _HEADINGS.items()}
        sections: dict[str, list[str]] = {}
        current: str | None = None
        for line in lines:
            if line.startswith("## "):
                heading = line[3:].strip()
                if heading not in by_heading:
                    raise ValueError(
                        f"unknown section '## {heading}': the sections are "
                        f"{', '.join(repr(h) for h in _HEADINGS.values())}."
                    )
                current = by_heading[heading]
                sections[current] = []
            elif current is not None:
                sections[current].append(line)
        values: dict[str, Any] = {"title": titles[0][len(_TITLE_PREFIX):].strip()}
        if values["title"] == "(untitled)":
            values["title"] = ""
        for name in FIELDS:
            body = [line for line in sections.get(name, []) if line.strip() and line.strip() != "(missing)"]
            if name in _LIST_FIELDS:
                values[name] = [line.strip()[2:].strip() if line.strip().startswith("- ") else line.strip() for line in body]
            else:
                values[name] = "\n".join(line.rstrip() for line in body)
        return cls(**values)

    # ----------------------------------------------------------------------------------- files
    def save(self, path: str | Path, *, draft: bool = False) -> Path:
        """Write the statement to ``path`` (``.md`` or ``.json``); return the path.

        An incomplete statement raises :class:`ProblemStatementError` (nothing is written) unless
        ``draft=True``: then it is saved as it is, to be finished later.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".md", ".json"):
            raise ValueError(f"cannot save a problem statement as {path.name!r}: use a name ending in .md or .json.")
        if not draft:
            self.validate()
        if suffix == ".md":
            text = self.to_markdown()
        else:
            text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "ProblemStatement":
        """Read a statement saved with :meth:`save` (``.md`` or ``.json``)."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"no problem statement at {path}: save one first with statement.save({str(path)!r})."
            )
        suffix = path.suffix.lower()
        text = path.read_text(encoding="utf-8")
        if suffix == ".json":
            try:
                values = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path.name} is not valid JSON ({error}): fix the file or save it again.") from None
            return cls.from_dict(values)
        if suffix == ".md":
            return cls.from_markdown(text)
        raise ValueError(f"cannot load {path.name!r}: a problem statement is a .md or .json file.")

    @staticmethod
    def default_path(name: str = "problem_statement.md") -> Path:
        """Where the course keeps a learner's write-ups: ``$FLYWHEEL_HOME/writeups/<name>``.

        Outside the course checkout, so resetting a lab never loses it; the capstone loads it from here.
        """
        from helpers import platform_home

        return platform_home.writeups_root() / name

    @staticmethod
    def questions() -> dict[str, str]:
        """The question each field answers (what to write where)."""
        return {"title": "A short name for the project.", **_QUESTIONS}
