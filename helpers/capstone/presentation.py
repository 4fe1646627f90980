"""The Day-3 presentation: an offline reveal.js deck generated from a team's architecture write-up.

The deck tells the project in the order a review board asks: the problem, the data, the model and its
cost against the baseline (from the Day-2 milestone report), the architecture (the diagram and its
components), the decisions with their reasons, and the next steps. It is written by
:func:`helpers.deck.write_deck`; nothing is fetched from a network.

The write-up is an :class:`~helpers.architecture.Architecture`, or the ``architecture.md`` that
``Architecture.save()`` wrote (its diagram, ``architecture.png``, is read from beside it).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.capstone.framing import KitError

__all__ = ["WriteUp", "read_write_up", "presentation_slides", "write_presentation"]


@dataclass
class WriteUp:
    """What the deck needs from an architecture write-up: title, problem lines, components
    (label, kind, description), decisions (topic, choice, reason, alternatives), the diagram as PNG
    bytes and the diagram in words."""

    title: str
    problem: list[str] = field(default_factory=list)
    components: list[tuple[str, str, str]] = field(default_factory=list)
    decisions: list[tuple[str, str, str, str]] = field(default_factory=list)
    diagram_png: bytes | None = None
    in_words: str = ""


def _png(fig: Any) -> bytes:
    """``fig`` as PNG bytes (110 dpi, trimmed to its content); closed, so a notebook does not show it too."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _from_architecture(architecture: Any) -> WriteUp:
    architecture.validate()  # ArchitectureError lists what is missing, as save() would
    diagram = _png(architecture.plot().figure)
    problem = architecture.problem
    lines = [problem.problem, f"Business metric: {problem.business_metric}", f"Baseline: {problem.baseline}"] \
        if problem is not None else []
    return WriteUp(
        title=architecture.title, problem=lines, diagram_png=diagram, in_words=architecture.in_words(),
        components=[(c.label, c.kind, c.description) for c in architecture.components],
        decisions=[(d.topic, d.choice, d.reason, "; ".join(d.alternatives)) for d in architecture.decisions],
    )


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def _from_markdown(path: Path) -> WriteUp:
    if not path.exists():
        raise KitError(f"no architecture write-up at {path}: save one first with architecture.save() (notebook 10, "
                       "section 11), or pass the Architecture object itself.")
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^# Architecture: (.+)$", text, re.M)
    if not title:
        raise KitError(f"{path.name} has no '# Architecture: <title>' line: it was not written by Architecture.save(); "
                       "save the write-up again, or pass the Architecture object.")
    problem = [line.strip().replace("**", "").lstrip("- ") for line in _section(text, "The problem").splitlines()
               if line.strip() and "problem_statement.md" not in line]
    components = [tuple(cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)[1:4])
                  for row in _section(text, "Components").splitlines()
                  if row.startswith("| ") and not row.startswith("| component |")]
    decisions = []
    for block in re.split(r"^### \d+\. ", _section(text, "Decisions"), flags=re.M)[1:]:
        topic = block.splitlines()[0].strip()
        get = lambda key: (re.search(rf"^- \*\*{key}:\*\* (.+)$", block, re.M) or [None, ""])[1]
        decisions.append((topic, get("Choice"), get("Why"), get("Alternatives considered")))
    words = re.search(r"accDescr: (.+)$", text, re.M)
    image = re.search(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    png = path.parent / image.group(1) if image else None
    return WriteUp(title=title.group(1).strip(), problem=problem, components=components, decisions=decisions,
                   diagram_png=png.read_bytes() if png and png.exists() else None,
                   in_words=words.group(1).strip() if words else "")


def read_write_up(architecture: Any) -> WriteUp:
    """A :class:`WriteUp` from an Architecture or the path of its saved ``architecture.md``."""
    from helpers.architecture import Architecture

    if isinstance(architecture, Architecture):
        return _from_architecture(architecture)
    if isinstance(architecture, (str, Path)):
        return _from_markdown(Path(architecture))
    raise KitError(f"the write-up is a {type(architecture).__name__}: pass the team's Architecture (notebook 10, "
                   "section 11) or the path of the architecture.md that architecture.save() wrote.")


def _money(text: str) -> str:
    """Deck text is Markdown with TeX in $...$: a dollar sign for money is escaped."""
    return re.sub(r"(?<!\\)\$", r"\\$", text)


def _cost_chart(report: Any) -> bytes:
    """A horizontal bar per option (model, baseline, doing nothing): holdout dollars, labelled with the value."""
    import matplotlib.pyplot as plt

    from helpers.plots import PALETTE

    rows = [("your model", report.model_cost), (f"baseline: {report.baseline_name}", report.baseline_cost),
            ("act on nothing", report.nothing_cost)]
    rows = [(name, value) for name, value in rows if value is not None]
    fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.7 * len(rows)))
    hatches = ["", "//", ".."]  # a second cue besides the colour
    for i, (name, value) in enumerate(rows):
        ax.barh(i, value, color=PALETTE[i % len(PALETTE)], hatch=hatches[i], edgecolor="black")
        ax.text(value, i, f" ${value:,.0f}", va="center")
    ax.set_yticks(range(len(rows)), [name if len(name) < 40 else name[:37] + "..." for name, _ in rows])
    ax.invert_yaxis()
    ax.set_xlabel(f"cost on the {report.holdout_rows:,} holdout rows (US dollars; lower is better)")
    ax.set_xlim(0, max(value for _, value in rows) * 1.3)
    return _png(fig)


def _next_steps(kit: Any, report: Any, statement: Any) -> list[str]:
    steps = [f"{item.name}: {item.hint}" for item in report.items if not item.passed and item.hint]
    steps.append(f"Run the model in shadow beside today's process ({report.baseline_name}) and compare the dollars "
                 "week by week before switching over.")
    if statement is not None and statement.bias:
        steps.append(f"Check the bias named on Day 1: {statement.bias}")
    steps.append("Monitor the inputs for drift and retrain when the labels of new weeks arrive.")
    return steps


def presentation_slides(kit: Any, write_up: WriteUp, report: Any, *, statement: Any = None,
                        next_steps: list[str] | None = None) -> list[Any]:
    """The deck's slides (``helpers.deck.Slide``), in the order of the talk."""
    from helpers.deck import Slide

    problem = ([statement.problem, f"Why: {statement.why}", f"Business metric: {statement.business_metric}",
                f"Baseline: {statement.baseline}"] if statement is not None else write_up.problem)
    slides = [Slide("The problem", [_money(line) for line in problem] or ["(the write-up has no problem statement)"])]
    data_lines = [f"Dataset: **{kit.dataset}** ({kit.datasheet()})", f"Frame: {report.framing or '(not built)'}",
                  f"Features used: {', '.join(report.features) or '(none yet)'}"]
    slides.append(Slide("The data", [_money(line) for line in data_lines],
                        notes="Split by time: the oldest 60 % of rows train, the next 20 % choose the threshold, "
                              "the last 20 % are the holdout the costs below come from."))
    if report.model_cost is not None:
        verdict = (f"Saves **${report.saving:,.0f}** against the baseline on {report.holdout_rows:,} later rows"
                   if report.saving > 0 else f"Costs ${-report.saving:,.0f} more than the baseline: not yet shippable")
        lines = [f"Model: ${report.model_cost:,.0f}; baseline ({report.baseline_name}): ${report.baseline_cost:,.0f}; "
                 f"acting on nothing: ${report.nothing_cost:,.0f}", verdict]
        if report.threshold is not None:
            lines.append(f"Acts on scores >= {report.threshold:.3g}, the cheapest threshold on the validation rows")
        lines.append("Prices: " + "; ".join(kit.cost_model.lines()))
        slides.append(Slide("The model and its cost against the baseline", [_money(line) for line in lines],
                            image_png=_cost_chart(report),
                            notes=_money("\n".join(f"- {line}" for line in str(report).splitlines()))))
    else:
        slides.append(Slide("The model", [_money(str(item)) for item in report.items]))
    slides.append(Slide("The architecture", [_money(f"**{label}** ({kind}): {description or '-'}")
                                             for label, kind, description in write_up.components],
                        image_png=write_up.diagram_png, notes=_money(write_up.in_words)))
    decisions = [_money(f"**{topic}**: {choice}. Why: {reason}" + (f" (instead of: {alternatives})" if alternatives else ""))
                 for topic, choice, reason, alternatives in write_up.decisions]
    for start in range(0, max(len(decisions), 1), 4):  # four decisions a slide stay readable
        more = " (continued)" if start else ""
        slides.append(Slide(f"Decisions and their reasons{more}", decisions[start:start + 4] or ["(none recorded)"]))
    steps = next_steps if next_steps is not None else _next_steps(kit, report, statement)
    slides.append(Slide("Next steps", [_money(step) for step in steps]))
    return slides


def write_presentation(kit: Any, architecture: Any, report: Any, path: str | Path, *, statement: Any = None,
                       next_steps: list[str] | None = None) -> Path:
    """Write the deck to ``path`` (an ``.html`` file); return its path. See the module's docstring."""
    from helpers.capstone.milestone import MilestoneReport
    from helpers.deck import write_deck

    if not isinstance(report, MilestoneReport):
        raise KitError(f"the presentation needs the Day-2 milestone report, got a {type(report).__name__}: "
                       "report = kit.check_milestone(model, statement).")
    write_up = read_write_up(architecture)
    slides = presentation_slides(kit, write_up, report, statement=statement, next_steps=next_steps)
    return write_deck(_money(write_up.title), slides, path)
