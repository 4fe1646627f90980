"""The facilitator guide: the day plan slot by slot, with what a facilitator needs at each.

Per slot, in agenda order: a talk's (team-up's, build's, present's, wrap-up's) talking points from
``agenda.yaml``; for a notebook, every instructor-only cell of its solution, each headed by where it sits
in the notebook (the nearest heading above it) so a facilitator can find the spot, then the answer keys
of the quizzes it runs (``helpers/quizzes/NN.yaml`` and any ``quiz.load("...")`` in its cells) with the
one-line why; for a quiz slot, that quiz's keys; at the presentations, the capstone rubric
(``helpers/capstone/rubric.yaml``) when it exists. Facilitator notes live next to the material they are
about, in the solution notebooks, as cells tagged ``instructor``; ``build-labs`` drops them from ``labs/``.

    python -m helpers agenda --guide facilitator-guide.md    # or .html
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from helpers.authoring.plan import QUIZZES, Day, Slot, clock
from helpers.course.labs import BEGIN, INSTRUCTOR_TAG

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
QUIZ_LOAD = re.compile(r"""quiz\.load\(\s*["']([A-Za-z0-9_]+)["']\s*\)""")
RUBRIC = Path("helpers/capstone/rubric.yaml")


@dataclass(frozen=True)
class Note:
    """One instructor cell. ``where`` is the nearest learner-visible heading above it ("" at the top)."""

    where: str
    exercise: int  # solution regions before the note (0: before the first exercise)
    cell_type: str
    source: str


@dataclass(frozen=True)
class Key:
    """The right answer of one quiz question and why it is right."""

    number: int
    prompt: str
    letter: str
    answer: str
    why: str


@dataclass(frozen=True)
class QuizKeys:
    name: str
    title: str  # "" when the quiz does not exist yet
    keys: tuple[Key, ...] = ()
    problem: str = ""  # why the quiz could not be read ("" when it was)


@dataclass
class Section:
    """A notebook of the guide: its notes and the quizzes it runs."""

    notebook_id: str
    title: str
    slot: Slot | None  # its first slot; None when the notebook is not in the agenda
    notes: list[Note] = field(default_factory=list)
    quizzes: list[QuizKeys] = field(default_factory=list)


@dataclass
class Item:
    """A slot of the guide other than a notebook: a talk, a break, a quiz, the presentations..."""

    slot: Slot
    quiz: QuizKeys | None = None
    rubric: str | None = None  # markdown; None when not the presentations


@dataclass
class Guide:
    days: list[tuple[Day, list[Section | Item]]]
    unplanned: list[Section]  # solutions not in the agenda
    planned: list[str]  # agenda entries with no solution notebook yet

    @property
    def sections(self) -> list[Section]:
        return [e for _, entries in self.days for e in entries if isinstance(e, Section)] + self.unplanned

    @property
    def without_notes(self) -> list[str]:
        return [s.notebook_id for s in self.sections if not s.notes]

    def summary(self) -> str:
        notes = sum(len(s.notes) for s in self.sections)
        keys = sum(len(q.keys) for s in self.sections for q in s.quizzes)
        text = f"{notes} notes from {len(self.sections)} notebooks, {keys} quiz answer keys"
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


def quizzes_of(notebook: nbformat.NotebookNode, notebook_id: str) -> list[str]:
    """The quizzes a notebook runs: its own (``NN``) first, then every ``quiz.load("...")`` in its cells."""
    names = [notebook_id[:2]]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            names += [name for name in QUIZ_LOAD.findall(cell.source) if name not in names]
    return names


def quiz_keys(root: Path, name: str) -> QuizKeys:
    """The answer keys of ``helpers/quizzes/<name>.yaml``; a missing quiz is "no quiz yet", not an error."""
    from helpers.quiz import LETTERS, Quiz, QuizError

    path = root / QUIZZES / f"{name}.yaml"
    if not path.exists():
        return QuizKeys(name, "")
    try:
        quiz = Quiz.from_yaml(path)
    except (QuizError, OSError, yaml.YAMLError) as error:
        return QuizKeys(name, "", problem=str(error))
    keys = []
    for number, question in enumerate(quiz.questions, 1):
        right = question.options[question.answer]  # its `why` falls back to the question's explanation
        first_line = right.why.splitlines()[0] if right.why else ""
        keys.append(Key(number, question.prompt, LETTERS[question.answer], right.text, first_line))
    return QuizKeys(name, quiz.title, tuple(keys))


def rubric_markdown(root: Path) -> str | None:
    """``helpers/capstone/rubric.yaml`` as markdown (a table per criterion, from the capstone kit's own
    ``rubric_markdown``), its headings below the presentations slot's; None when there is no rubric."""
    path = root / RUBRIC
    if not path.exists():
        return None
    from helpers.capstone import KitError
    from helpers.capstone import rubric_markdown as capstone_rubric

    try:
        return demote_headings(capstone_rubric(path), levels=2)
    except (KitError, yaml.YAMLError) as error:
        return f"*{RUBRIC} cannot be read: {error}*"


def collect(root: Path, days: list[Day], include_unplanned: bool = True) -> Guide:
    """The guide's entries day by day in agenda order; solutions missing from the agenda last."""
    solutions = root / "solutions"
    out, planned, seen = [], [], set()
    for day in days:
        entries: list[Section | Item] = []
        for slot in day.slots:
            if slot.notebook is None:
                quiz = quiz_keys(root, slot.quiz) if slot.quiz else None
                entries.append(Item(slot, quiz, rubric_markdown(root) if slot.kind == "present" else None))
                continue
            if slot.notebook_id in seen:
                continue  # a notebook split over slots: one section, at its first slot
            seen.add(slot.notebook_id)
            path = solutions / f"{slot.notebook_id}.ipynb"
            if not path.exists():
                planned.append(slot.notebook_id)
                continue
            entries.append(_section(root, path, slot))
        out.append((day, entries))
    unplanned = []
    if include_unplanned:
        unplanned = [_section(root, p, None) for p in sorted(solutions.glob("*.ipynb")) if p.stem not in seen]
    return Guide(out, unplanned, planned)


def _section(root: Path, path: Path, slot: Slot | None) -> Section:
    notebook = nbformat.read(path, as_version=4)
    fallback = f"{path.stem} · {slot.title}" if slot else path.stem
    quizzes = [quiz_keys(root, name) for name in quizzes_of(notebook, path.stem)]
    return Section(path.stem, notebook_title(notebook, fallback), slot, notes_from_notebook(notebook), quizzes)


def demote_headings(markdown: str, levels: int = 3) -> str:
    """Push a note's own headings below the guide's slot headings (code fences left alone)."""
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


def _quiz_markdown(quiz: QuizKeys) -> list[str]:
    if quiz.problem:
        return [f"**Quiz {quiz.name}**: cannot be read ({quiz.problem}).", ""]
    if not quiz.title:
        return [f"**Quiz {quiz.name}**: no quiz yet (`{QUIZZES}/{quiz.name}.yaml`).", ""]
    lines = [f"**Quiz {quiz.name} · {quiz.title}: answer keys**", ""]
    for key in quiz.keys:
        why = f" Why: {key.why}" if key.why else ""
        lines.append(f"{key.number}. {key.prompt} → **{key.letter}** {key.answer}{why}")
    return lines + [""]


def _slot_heading(slot: Slot) -> str:
    return f"### {clock(slot.start)}-{clock(slot.end)} · {slot.kind} · "


def _section_markdown(section: Section) -> list[str]:
    slot = section.slot
    if slot is not None:
        lines = [f"{_slot_heading(slot)}{section.title}", ""]
        slots = f"{clock(slot.start)}, {slot.minutes} min" if slot.piece is None else "split over several slots"
        notebook = slot.notebook
        where = f"`solutions/{section.notebook_id}.ipynb`"
        lines += [f"*{slots} · about {notebook.learner_minutes} min for learners · {where}*", ""]
        if notebook.parts:
            lines.append("Core: " + "; ".join(f"{p.heading} ({p.minutes} min)" for p in notebook.core) + ".")
            if notebook.extension:
                lines.append("Extension (homework / fast finishers): "
                             + "; ".join(f"{p.heading} ({p.minutes} min)" for p in notebook.extension) + ".")
            lines.append("")
    else:
        lines = [f"### {section.title}", "", f"*Not in the agenda · `solutions/{section.notebook_id}.ipynb`*", ""]
    if not section.notes:
        lines += ["No facilitator notes in this notebook yet.", ""]
    for note in section.notes:
        lines += [f"**Note {_place(note)}**", ""]
        if note.cell_type == "code":
            lines += ["```python", note.source, "```", ""]
        else:
            lines += [demote_headings(note.source), ""]
    for quiz in section.quizzes:
        lines += _quiz_markdown(quiz)
    return lines


def _item_markdown(item: Item) -> list[str]:
    slot = item.slot
    if slot.rest:
        return [f"*{clock(slot.start)}-{clock(slot.end)} · {slot.title.lower()}*", ""]
    lines = [f"{_slot_heading(slot)}{slot.title}", ""]
    lines += [f"- {point}" for point in slot.points]
    lines += [""] if slot.points else []
    if item.quiz is not None:
        lines += _quiz_markdown(item.quiz)
    if slot.kind == "present":
        if item.rubric is None:
            lines += [f"No capstone rubric yet (`{RUBRIC}`).", ""]
        else:
            lines += [item.rubric, ""]
    return lines


def render_markdown(guide: Guide) -> str:
    lines = [
        "# Flywheel · facilitator guide",
        "",
        "The day plan slot by slot: talking points, the instructor-only cells (tag `instructor`) of every "
        "solution notebook, and the quiz answer keys. Learners never see the notes: `build-labs` drops them "
        "from `labs/`. Regenerate with `python -m helpers agenda --guide FILE`.",
        "",
    ]
    for day, entries in guide.days:
        lines += [f"## Day {day.number} · {day.theme} ({clock(day.start)}-{clock(day.end)})", ""]
        for entry in entries:
            lines += _section_markdown(entry) if isinstance(entry, Section) else _item_markdown(entry)
    if guide.unplanned:
        lines += ["## Not in the agenda", ""]
        for section in guide.unplanned:
            lines += _section_markdown(section)
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
