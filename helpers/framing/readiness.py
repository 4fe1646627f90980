"""Is the organisation ready? A checklist a learner fills for their problem statement, validated, with a report.

Readiness has four areas (:data:`QUESTIONS`): **data** (history, labels, access, quality), **people**
(skills, domain experts, management support), **business** (a business metric, explaining models,
the cost of building) and **technology** (privacy, tools, integration). Each answer has a level
(:data:`LEVELS`: yes / partly / no), the evidence for it, and whether this project *needs* it or only
*wants* it: "assess needs, not wants, against skills". A model that no regulator reviews does not
need to be explained to one; a missing need is a gap to close before building, a missing want is not.

The checklist is tied to the :class:`~helpers.problem.ProblemStatement` it is for: a "yes" that the
statement contradicts (labels "yes" while the statement has no usable labels answer) is a problem.

    from helpers.framing import readiness
    print(readiness.questions())                       # area, item, question
    check = readiness.Readiness(statement, {
        "historical_data": ("yes", "two months of card payments, 88,745 rows"),
        "explainability": ("partly", "analysts see the amount and the terminal's history", "want"),
        ...
    })
    check.problems()      # [] when every item is answered, with evidence, and nothing contradicts the statement
    print(check.report()) # per area: ready / weak / missing / not needed; the gaps to close first
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from helpers.framing import buy_or_build
from helpers.problem import ProblemStatement

__all__ = ["AREAS", "LEVELS", "QUESTIONS", "Answer", "Readiness", "ReadinessError", "questions"]

#: The four areas, in report order.
AREAS = ("data", "people", "business", "technology")
#: How far an item is in place.
LEVELS = ("yes", "partly", "no")
_MIN_EVIDENCE_WORDS = 3

#: item -> (area, the question it answers).
QUESTIONS: dict[str, tuple[str, str]] = {
    "historical_data": ("data", "Is there enough history of the inputs the problem statement lists?"),
    "labels": ("data", "Are the right answers (labels) recorded, and do they arrive soon enough to learn from?"),
    "data_access": ("data", "May the team use the data (owners agree, the law allows it), and can it reach it?"),
    "data_quality": ("data", "Has someone measured the data's quality (missing values, errors, duplicates)?"),
    "ml_skills": ("people", "Has the team the skills the chosen option needs (a service: developers; building: "
                            "data scientists and ML engineers)?"),
    "domain_experts": ("people", "Will a domain expert explain the data and judge the model's mistakes?"),
    "management_support": ("people", "Does a manager sponsor the project and commit to act on its results?"),
    "business_metric": ("business", "Is success a business number with today's baseline (the statement's)?"),
    "explainability": ("business", "Can the model's decisions be explained to those who must accept them "
                                   "(customers, staff, a regulator)?"),
    "cost_of_building": ("business", "Is the cost of building and running it estimated, and below its value?"),
    "privacy": ("technology", "Has the use of personal data been reviewed (purpose, minimisation, pseudonyms)?"),
    "tools": ("technology", "Are the tools chosen (buy or build: a service, AutoML, a platform, a framework)?"),
    "integration": ("technology", "Can the predictions reach the system or person who acts on them, in time?"),
}

# What the problem statement must hold for a "yes" to stand: item -> (statement fields, what is missing).
_STATEMENT_BACKING = {
    "historical_data": (("data_sources", "inputs"), "the statement lists no usable data sources or inputs"),
    "labels": (("labels",), "the statement has no usable answer on where the labels come from"),
    "business_metric": (("business_metric", "baseline"), "the statement's business metric or baseline needs work"),
}


def questions() -> pd.DataFrame:
    """The checklist to fill: one row per item, columns area and question, in report order."""
    frame = pd.DataFrame([(item, area, q) for item, (area, q) in QUESTIONS.items()], columns=["item", "area", "question"])
    return frame.set_index("item")


class ReadinessError(ValueError):
    """A checklist with missing, unsupported or contradicted answers; the message lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"the readiness checklist needs work on {len(problems)} point(s):\n"
                         + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Answer:
    """One item's answer: ``level`` (yes / partly / no), ``evidence`` (how you know, in words) and
    ``needed`` (True: this project needs it; False: it is only wanted)."""

    level: str
    evidence: str = ""
    needed: bool = True

    @classmethod
    def read(cls, item: str, value: Any) -> "Answer":
        """An Answer from what a learner writes: an Answer, a level, (level, evidence[, need]) or a dict."""
        if isinstance(value, Answer):
            return value
        if isinstance(value, str):
            value = (value,)
        if isinstance(value, Mapping):
            value = (value.get("level"), value.get("evidence", ""), value.get("needed", value.get("need", True)))
        if not isinstance(value, (tuple, list)) or not 1 <= len(value) <= 3:
            raise TypeError(f"the answer for {item!r} is {value!r}: give (level, evidence) or (level, evidence, "
                            "'need' or 'want'), e.g. ('partly', 'labels arrive six weeks late').")
        level, evidence, needed = tuple(value) + ("", True)[len(value) - 1:]  # defaults: no evidence, needed
        level = str(level).strip().lower()
        if level not in LEVELS:
            raise ValueError(f"the level for {item!r} is {value[0]!r}: use one of {list(LEVELS)}.")
        if not isinstance(evidence, str):
            raise TypeError(f"the evidence for {item!r} is {evidence!r}: write how you know, in words.")
        return cls(level, evidence.strip(), _need(item, needed))


def _need(item: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    words = {"need": True, "needed": True, "must": True, "want": False, "wanted": False, "nice to have": False}
    key = str(value).strip().lower()
    if key not in words:
        raise ValueError(f"the third value for {item!r} is {value!r}: say 'need' (this project needs it) or "
                         "'want' (nice to have), or True / False.")
    return words[key]


@dataclass
class Readiness:
    """A readiness checklist for one problem statement: item -> :class:`Answer` (see :data:`QUESTIONS`)."""

    statement: ProblemStatement
    answers: dict[str, Any] = field(default_factory=dict)
    #: The buy-or-build option chosen (one of helpers.framing.buy_or_build.OPTIONS), if any: its skills
    #: are compared with the ``ml_skills`` answer.
    option: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.statement, ProblemStatement):
            raise TypeError(f"statement is a {type(self.statement).__name__}: pass the ProblemStatement this "
                            "checklist is for (ProblemStatement.load(ProblemStatement.default_path())).")
        if not isinstance(self.answers, Mapping):
            raise TypeError(f"answers is a {type(self.answers).__name__}: give a dict {{item: (level, evidence)}}.")
        unknown = [k for k in self.answers if k not in QUESTIONS]
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), list(QUESTIONS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown item(s) {unknown}{hint}; the items are {list(QUESTIONS)}.")
        self.answers = {item: Answer.read(item, value) for item, value in self.answers.items()}
        if self.option is not None:
            self.option = buy_or_build.EXERCISE.option(self.option)  # "AutoML", "auto-ml": one spelling; typos named

    # ------------------------------------------------------------------------------------ checks
    def problems(self) -> list[str]:
        """One message per item that is missing, lacks evidence, or contradicts the problem statement."""
        found = []
        statement_problems = self.statement.problems()
        for item, (area, question) in QUESTIONS.items():
            answer = self.answers.get(item)
            if answer is None:
                found.append(f"`{item}` ({area}) is not answered: {question}")
                continue
            if len(answer.evidence.split()) < _MIN_EVIDENCE_WORDS:
                found.append(f"`{item}` says {answer.level!r} without evidence: say how you know, in at least "
                             f"{_MIN_EVIDENCE_WORDS} words (a number, a name, a document).")
            backing = _STATEMENT_BACKING.get(item)
            if backing and answer.level == "yes":
                fields, what = backing
                if any(p.startswith(tuple(f"`{f}`" for f in fields)) for p in statement_problems):
                    found.append(f"`{item}` says 'yes' but {what}: fix the problem statement first "
                                 f"(statement.problems()), or answer 'partly'.")
        return found

    def validate(self) -> "Readiness":
        """Raise :class:`ReadinessError` listing every problem; return ``self`` when there is none."""
        found = self.problems()
        if found:
            raise ReadinessError(found)
        return self

    # ---------------------------------------------------------------------------------- results
    def table(self) -> pd.DataFrame:
        """One row per answered item: area, level, needed, status (ready / weak / missing / not needed), evidence."""
        rows = []
        for item, (area, _) in QUESTIONS.items():
            answer = self.answers.get(item)
            if answer is None:
                continue
            status = ("not needed" if not answer.needed else
                      {"yes": "ready", "partly": "weak", "no": "missing"}[answer.level])
            rows.append({"item": item, "area": area, "level": answer.level, "needed": answer.needed,
                         "status": status, "evidence": answer.evidence})
        return pd.DataFrame(rows, columns=["item", "area", "level", "needed", "status", "evidence"]).set_index("item")

    def gaps(self) -> list[str]:
        """The needed items not ready, missing ones first, as 'area/item (status)'."""
        table = self.table()
        table = table[table["status"].isin(["missing", "weak"])]
        order = table.assign(rank=table["status"].map({"missing": 0, "weak": 1})).sort_values("rank", kind="stable")
        return [f"{row.area}/{item} ({row.status})" for item, row in order.iterrows()]

    def skills_gap(self) -> str:
        """What the chosen option needs against the team's skills, in one line; '' when nothing is short."""
        answer = self.answers.get("ml_skills")
        if answer is None or answer.level == "yes" or not answer.needed:
            return ""
        if self.option is None:
            return "skills are short: buy before you build (an AI service or AutoML, see buy_or_build), or hire."
        needs = buy_or_build.TRADE_OFFS[self.option]["skills"]
        cheaper = [o for o in buy_or_build.OPTIONS if o in ("AI service", "AutoML") and o != self.option]
        return (f"skills are short for {self.option!r}, which needs {needs}; the team has {answer.level!r}: "
                f"hire or train, or choose an option that needs less ({' or '.join(cheaper)}).")

    def summary(self) -> str:
        """One line: needs ready, weak and missing, and wants set aside."""
        counts = self.table()["status"].value_counts()
        needs = int(counts.drop("not needed", errors="ignore").sum())
        return (f"readiness of '{self.statement.title or '(untitled)'}': {counts.get('ready', 0)} of {needs} needs ready, "
                f"{counts.get('weak', 0)} weak, {counts.get('missing', 0)} missing; "
                f"{_count(int(counts.get('not needed', 0)), 'want')} set aside")

    def report(self) -> str:
        """The checklist as text: the summary, one block per area, the gaps to close, and the open problems."""
        table = self.table()
        lines = [self.summary()]
        for area in AREAS:
            rows = table[table["area"] == area]
            lines.append(f"{area}:")
            lines += [f"  {item:<19} {row.level:<7} {'need' if row.needed else 'want':<5} {row.status:<11} {row.evidence}"
                      for item, row in rows.iterrows()]
        gaps = self.gaps()
        lines.append("gaps to close before building: " + ("; ".join(gaps) if gaps else "none"))
        skills = self.skills_gap()
        if skills:
            lines.append(skills)
        problems = self.problems()
        if problems:
            lines.append(f"open points ({len(problems)}):")
            lines += [f"  - {p}" for p in problems]
        return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    """``1 want``, ``2 wants``."""
    return f"{number} {noun}" + ("" if number == 1 else "s")
