"""The ML flywheel as an activity: the learner fills the loop for their own problem, validated, then drawn.

The flywheel: a better model makes a better product (or a cheaper process), which brings more usage,
which records more data, whose right answers (labels) come back, on which the model is retrained,
and so the wheel turns faster (:data:`STAGES`). Filling it for one's own problem asks the questions
that decide whether it turns at all: do the labels come back, how soon, and who retrains? The
``risk`` answers what could stop or bias it (labels only for the payments the model flagged: the
model never learns about the fraud it missed).

    from helpers.framing.flywheel import Flywheel
    wheel = Flywheel.from_statement(statement)    # model, data and labels start from the problem statement
    wheel.product = "..."; wheel.usage = "..."; wheel.retrain = "..."; wheel.risk = "..."
    wheel.problems()                              # [] when every stage is answered well enough
    print(wheel.text()); wheel.plot()
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import asdict, dataclass, fields

from helpers.problem import ProblemStatement

__all__ = ["STAGES", "Flywheel", "FlywheelError"]

#: The stages of the loop, in order (the last leads back to the first): stage -> the question it answers.
STAGES: dict[str, str] = {
    "model": "What does the model predict, from what, for whom?",
    "product": "How does the prediction make the product better or the process cheaper?",
    "usage": "What more usage does that bring: customers, transactions, decisions?",
    "data": "Which new data does that usage record?",
    "labels": "Where do the right answers for that data come from, and how long do they take to arrive?",
    "retrain": "How often is the model retrained on the new data, and who checks that it is better?",
}
_RISK_QUESTION = "What could stop the wheel or bias it (labels only for what the model flagged, a feedback loop)?"
_MIN_WORDS = 5
_PLACEHOLDERS = re.compile(r"^\W*(tbd|tbc|todo|to do|n/?a|none|nothing|no|unknown|later|\?+|x+|-+)\W*$", re.IGNORECASE)
# A time the labels take ("six weeks", "3 days", "immediately") and a cadence of retraining ("weekly", "every month").
_DELAY = re.compile(r"\d|\b(second|minute|hour|day|week|month|quarter|year|immediate|instant|same day|real[- ]time|"
                    r"at once|right away|later|after)", re.IGNORECASE)
_CADENCE = re.compile(r"\b(hourly|daily|nightly|weekly|monthly|quarterly|yearly|annually|every|each|once a|twice a|"
                      r"when|whenever|on drift|per (day|week|month))", re.IGNORECASE)


class FlywheelError(ValueError):
    """A flywheel with missing or vague stages; the message lists each one and what it needs."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"the flywheel needs work on {len(problems)} point(s):\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Flywheel:
    """The loop for one problem: one answer (text) per stage of :data:`STAGES`, plus ``risk``."""

    title: str = ""
    model: str = ""
    product: str = ""
    usage: str = ""
    data: str = ""
    labels: str = ""
    retrain: str = ""
    risk: str = ""

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise TypeError(f"`{spec.name}` is a {type(value).__name__} ({value!r}): answer in words, "
                                f"e.g. {spec.name}=\"...\".")
            setattr(self, spec.name, value.strip())

    @classmethod
    def from_statement(cls, statement: ProblemStatement) -> "Flywheel":
        """A wheel started from a problem statement: title, model (its ``how``), data (its sources) and
        labels (its ``labels``) filled in; product, usage, retrain and risk left for the learner."""
        if not isinstance(statement, ProblemStatement):
            raise TypeError(f"expected a ProblemStatement, got a {type(statement).__name__}: "
                            "ProblemStatement.load(ProblemStatement.default_path()) gives yours.")
        return cls(title=statement.title, model=statement.how, data="; ".join(statement.data_sources),
                   labels=statement.labels)

    # ------------------------------------------------------------------------------------ checks
    def problems(self) -> list[str]:
        """One message per stage that is missing, a placeholder or too short, or misses what it must say."""
        found = []
        for name, question in [*STAGES.items(), ("risk", _RISK_QUESTION)]:
            value = getattr(self, name)
            if not value:
                found.append(f"`{name}` is missing: {question}")
            elif _PLACEHOLDERS.match(value):
                found.append(f"`{name}` is a placeholder ({value!r}): {question}"
                             + (" Every loop has one; name yours." if name == "risk" else ""))
            elif len(re.findall(r"\w+", value)) < _MIN_WORDS:
                found.append(f"`{name}` is too short: {question} Say it in at least {_MIN_WORDS} words.")
            elif name == "labels" and not _DELAY.search(value):
                found.append("`labels` does not say how long the right answers take to arrive (e.g. 'six weeks "
                             "after the payment'): the delay sets how fast the wheel can turn.")
            elif name == "retrain" and not _CADENCE.search(value):
                found.append("`retrain` does not say how often (e.g. 'every month', 'weekly', 'when drift is "
                             "detected'): a wheel nobody turns stands still.")
        return found

    def validate(self) -> "Flywheel":
        """Raise :class:`FlywheelError` listing every problem; return ``self`` when there is none."""
        found = self.problems()
        if found:
            raise FlywheelError(found)
        return self

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    # --------------------------------------------------------------------------------- rendering
    def text(self) -> str:
        """The loop as text, one numbered line per stage, ending where it started; then the risk."""
        lines = [f"The flywheel of '{self.title or '(untitled)'}':"]
        lines += [f"  {i}. {name}: {getattr(self, name) or '(missing)'}" for i, name in enumerate(STAGES, 1)]
        lines.append("  -> back to 1: a better model")
        lines.append(f"  risk: {self.risk or '(missing)'}")
        return "\n".join(lines)

    def plot(self, ax=None, *, width: int = 26):
        """Draw the loop: numbered boxes on a circle joined by arrows (the numbers and arrows, not colour,
        give the order), each answer wrapped to ``width`` characters; the risk below. Returns the Axes."""
        import numpy as np

        from helpers.plots import OKABE_ITO

        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.subplots(figsize=(10, 8))[1]
        names = list(STAGES)
        angle = np.pi / 2 - 2 * np.pi * np.arange(len(names)) / len(names)
        points = np.c_[np.cos(angle), np.sin(angle)]
        for i, (x, y) in enumerate(points):
            ax.annotate("", xy=points[(i + 1) % len(names)], xytext=(x, y), arrowprops=dict(
                arrowstyle="-|>", color=OKABE_ITO["bluish green"], lw=2, shrinkA=48, shrinkB=48,
                connectionstyle="arc3,rad=-0.25"))
            answer = textwrap.fill(textwrap.shorten(getattr(self, names[i]) or "(missing)", 110), width)
            ax.text(x, y, f"{i + 1} · {names[i]}\n{answer}", ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.4", fc="white", ec=OKABE_ITO["bluish green"]))
        ax.text(0, -1.55, "risk: " + textwrap.fill(self.risk or "(missing)", 90), ha="center", va="top", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.4", fc="white", ec=OKABE_ITO["vermillion"], linestyle="--"))
        ax.set_xlim(-1.7, 1.7), ax.set_ylim(-1.9, 1.45), ax.set_aspect("equal"), ax.set_axis_off()
        ax.set_title(f"The flywheel: {self.title or '(untitled)'}")
        return ax
