"""The facilitator guide: every instructor-only cell of the solution notebooks, in agenda order.

Facilitator notes (common mistakes, discussion prompts, timing tips) live next to the material they
are about, in the solution notebooks, as cells tagged ``instructor``; ``build-labs`` drops them from
``labs/``. This module gathers them into one document, one section per notebook, each note headed by
where it sits in the notebook (the nearest heading above it) so a facilitator can find the spot.

    python -m helpers agenda --guide facilitator-guide.md    # or .html
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.authoring.plan import Day, Slot, clock
from helpers.course.labs import BEGIN, INSTRUCTOR_TAG

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Note:
    """One instructor cell. ``where`` is the nearest learner-visible heading above it ("" at the top)."""

    where: str
    exercise: int  # solution regions before the note (0: before the first exercise)
    cell_type: str
    source: str


@dataclass
class Section:
    notebook_id: str
    title: str
    slot: Slot | None  # None when the notebook is not in the agenda
    notes: list[Note] = field(default_factory=list)


@dataclass
class Guide:
    sections: list[Section]
    planned: list[str]  # agenda entries with no solution notebook yet

    @property
    def without_notes(self) -> list[str]:
        return [s.notebook_id for s in self.sections if not s.notes]

    def summary(self) -> str:
        notes = sum(len(s.notes) for s in self.sections)
        text = f"{notes} notes from {len(self.sections)} notebooks"
        if self.without_notes:
            text += f"; no notes yet in {', '.join(self.without_notes)}"
        return text


def is_instructor(cell: nbformat.NotebookNode) -> bool:
    return INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", [])


def notebook_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The ``# NN · Title`` line of the first markdown cell, without the ``#``."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and not is_instructor(cell):
            for line in cell.source.splitlines():
                match = HEADING.match(line)
                if match and len(match.group(1)) == 1:
                    return match.group(2)
            break
    return fallback


def notes_from_notebook(notebook: nbformat.NotebookNode) -> list[Note]:
    """The instructor cells of one notebook, in order, each with its place in the notebook."""
    notes, where, exercises = [], "", 0
    for cell in notebook.cells:
        source = cell.source.strip()
        if is_instructor(cell):
            if source:
                notes.append(Note(where, exercises, cell.cell_type, source))
            continue
        if cell.cell_type == "markdown":
            headings = [m.group(2) for m in map(HEADING.match, source.splitlines()) if m]
            where = headings[-1] if headings else where
        elif cell.cell_type == "code":
            exercises += sum(1 for line in source.splitlines() if BEGIN.match(line))
    return notes


def collect(solutions: Path, days: list[Day], include_unplanned: bool = True) -> Guide:
    """One section per solution notebook, in agenda order; notebooks missing from the agenda last."""
    sections, planned, seen = [], [], set()
    for day in days:
        for slot in day.slots:
            seen.add(slot.notebook_id)
            path = solutions / f"{slot.notebook_id}.ipynb"
            if not path.exists():
                planned.append(slot.notebook_id)
                continue
            sections.append(_section(path, slot))
    if include_unplanned:
        for path in sorted(solutions.glob("*.ipynb")):
            if path.stem not in seen:
                sections.append(_section(path, None))
    return Guide(sections, planned)


def _section(path: Path, slot: Slot | None) -> Section:
    notebook = nbformat.read(path, as_version=4)
    fallback = f"{path.stem} · {slot.title}" if slot else path.stem
    return Section(path.stem, notebook_title(notebook, fallback), slot, notes_from_notebook(notebook))


def demote_headings(markdown: str, levels: int = 2) -> str:
    """Push a note's own headings below the guide's section headings (code fences left alone)."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and HEADING.match(line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + levels) + line[hashes:]
        out.append(line)
    return "\n".join(out)


def _place(note: Note) -> str:
    where = f"at “{note.where}”" if note.where else "at the top"
    if note.exercise:
        where += f", after exercise {note.exercise}"
    return where


def render_markdown(guide: Guide) -> str:
    lines = [
        "# Flywheel · facilitator guide",
        "",
        "The instructor-only cells (tag `instructor`) of every solution notebook, in the order of the agenda. "
        "Learners never see them: `build-labs` drops them from `labs/`. "
        "Regenerate with `python -m helpers agenda --guide FILE`.",
        "",
    ]
    for section in guide.sections:
        lines += [f"## {section.title}", ""]
        if section.slot is not None:
            slot = section.slot
            lines += [
                f"*Day {slot.day} · {slot.session} · {clock(slot.start)}-{clock(slot.end)} · "
                f"about {slot.learner_minutes} min for learners · `solutions/{section.notebook_id}.ipynb`*",
                "",
            ]
        else:
            lines += [f"*Not in the agenda · `solutions/{section.notebook_id}.ipynb`*", ""]
        if not section.notes:
            lines += ["No facilitator notes in this notebook yet.", ""]
        for note in section.notes:
            lines += [f"**Note {_place(note)}**", ""]
            if note.cell_type == "code":
                lines += ["```python", note.source, "```", ""]
            else:
                lines += [demote_headings(note.source), ""]
    if guide.planned:
        lines += ["## Planned notebooks (no solution yet)", ""]
        lines += [f"- {notebook_id}" for notebook_id in guide.planned]
        lines.append("")
    return "\n".join(lines)


GUIDE_CSS = """
body { font-family: system-ui, sans-serif; font-size: 11pt; max-width: 50em; margin: 2em auto; color: #111; }
h2 { border-bottom: 1px solid #999; margin-top: 2em; } pre { background: #f4f4f4; padding: 0.5em; overflow-x: auto; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; } h2 { break-before: page; } h2:first-of-type { break-before: auto; }
  pre, li { break-inside: avoid; } }
"""


def render_html(guide: Guide) -> str:
    """The markdown guide as one printable HTML page (mistune ships with JupyterLab's nbconvert)."""
    import mistune

    body = mistune.html(render_markdown(guide))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape('Flywheel · facilitator guide')}</title><style>{GUIDE_CSS}</style></head>"
        f"<body>\n{body}</body></html>\n"
    )
