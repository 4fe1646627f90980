"""``python -m helpers slides``: one reveal.js deck per course day, generated from the solutions.

    python -m helpers slides                  # build/slides/day1.html ... day3.html
    python -m helpers slides --day 2 --out /tmp/decks

A day's deck: a title slide, the day's agenda (clock times and slot kinds, from
``helpers/course/agenda.yaml``), then for each notebook of the day its title and objectives and one
slide per ``##`` section: its first sentences as bullets, its exercises, the section's first figure
(the first PNG output of the executed solution in that section) and, as speaker notes (``s``), the
notebook's instructor notes (markdown cells tagged ``instructor``). Talks, breaks and other slots
get a slide of their own where they fall. The decks run offline (``helpers.deck``); build/ is not
committed.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.authoring.plan import clock, load_agenda
from helpers.course.labs import INSTRUCTOR_TAG
from helpers.deck import Slide, write_deck

DEFAULT_OUT = Path("build/slides")
BULLET_SENTENCES = 3  # first sentences of a section shown as bullets
BULLET_CHARS = 220  # a longer sentence is cut at a word, with an ellipsis
FIGURE_MAX_PX = (1100, 700)  # figures larger than this (width, height) are scaled down in the deck


# --- the plan: AG's slot kinds when they exist, else the notebooks of agenda.yaml -----------------


@dataclass(frozen=True)
class PlanSlot:
    """One slot of a day: ``kind`` ("notebook", "talk", "break"...), ``start`` minutes since midnight.

    ``piece`` is (k, n) for the k-th of n slots of one notebook; ``extension`` names the notebook's
    ``##`` headings that are extension (homework) rather than core.
    """

    kind: str
    start: int
    minutes: int
    title: str
    notebook_id: str | None = None
    objectives: tuple[str, ...] = ()
    piece: tuple[int, int] | None = None
    extension: tuple[str, ...] = ()
    points: tuple[str, ...] = ()  # talking points of a talk, team-up, build, present or wrap-up slot

    @property
    def when(self) -> str:
        return f"{clock(self.start)}-{clock(self.start + self.minutes)}"


@dataclass(frozen=True)
class PlanDay:
    number: int
    theme: str
    slots: tuple[PlanSlot, ...]


def course_plan(root: Path) -> list[PlanDay]:
    """The days and their slots (kinds, clock times, core/extension parts) from ``agenda.yaml``."""
    return [PlanDay(day.number, day.theme, tuple(map(_plan_slot, day.slots))) for day in load_agenda(root).days]


def _plan_slot(slot) -> PlanSlot:
    notebook = slot.notebook
    return PlanSlot(
        kind=slot.kind,
        start=slot.start,
        minutes=slot.minutes,
        title=slot.title or (notebook.title if notebook else slot.kind.capitalize()),
        notebook_id=notebook.notebook_id if notebook else None,
        objectives=notebook.objectives if notebook else (),
        piece=slot.piece,
        extension=tuple(part.heading for part in notebook.parts if part.extension) if notebook else (),
        points=tuple(slot.points),
    )


# --- a notebook, read as an outline ---------------------------------------------------------------


@dataclass
class Section:
    """A ``##`` section of a notebook: its prose, exercise titles, first figure and instructor notes."""

    title: str
    prose: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # list items, the bullets of a section without prose
    exercises: list[str] = field(default_factory=list)
    figure: bytes | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Outline:
    title: str
    intro: Section
    sections: list[Section]


HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def outline(path: Path) -> Outline:
    """Read a solution notebook's title (``#``), sections (``##``), prose, exercises, figures and notes."""
    notebook = nbformat.read(path, as_version=4)
    title = path.stem
    intro = current = Section("")
    sections: list[Section] = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if current.figure is None:
                current.figure = _first_png(cell)
            continue
        if cell.cell_type != "markdown":
            continue
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            current.notes.append(cell.source.strip())
            continue
        for block in _blocks(cell.source):
            heading = HEADING.match(block) if "\n" not in block else None
            if heading and len(heading.group(1)) == 1 and title == path.stem:
                title = heading.group(2)
            elif heading and len(heading.group(1)) == 2:
                current = Section(heading.group(2))
                sections.append(current)
            elif heading and re.match(r"exercise\b", heading.group(2), re.IGNORECASE):
                current.exercises.append(heading.group(2))
            elif not heading and _is_prose(block):
                current.prose.append(block)
            elif not heading and LIST_ITEM.match(block):
                current.items += [item for item in LIST_ITEM.split(block) if item.strip()]
    return Outline(title, intro, sections)


def _first_png(cell) -> bytes | None:
    for output in cell.get("outputs", []):
        data = output.get("data", {}).get("image/png")
        if data:
            return base64.b64decode(data if isinstance(data, str) else "".join(data))
    return None


LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M)


def _blocks(source: str) -> list[str]:
    """Markdown split into blocks at blank lines, headings and the start of a list; fenced code dropped."""
    source = re.sub(r"^```.*?^```[^\n]*$", "", source, flags=re.S | re.M)
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", source):
        lines, text = chunk.strip().splitlines(), []
        for line in lines:
            starts_list = LIST_ITEM.match(line) and text and not LIST_ITEM.match(text[0])
            if HEADING.match(line) or starts_list:
                if text:
                    blocks.append("\n".join(text))
                    text = []
                if starts_list:
                    text = [line]
                else:
                    blocks.append(line.strip())
            else:
                text.append(line)
        if text:
            blocks.append("\n".join(text))
    return [block for block in blocks if block.strip()]


def _is_prose(block: str) -> bool:
    """A paragraph of sentences: not a list, table, quote, HTML, image or display equation."""
    return not re.match(r"\s*([-*+]\s|\d+[.)]\s|\||>|<|!\[|\$\$)", block)


def plain_markdown(text: str) -> str:
    """Slide-ready Markdown: links become their text (their targets are not beside the deck), one line."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


# A sentence ends at . ! or ? before a capital, code, bold or math; not after e.g., i.e. or vs.
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)(?<!\bvs\.)\s+(?=[A-Z(`*\"'$])")


def first_sentences(paragraphs: list[str], count: int = BULLET_SENTENCES) -> list[str]:
    """The first ``count`` sentences of the paragraphs, each cut to ``BULLET_CHARS`` at a word."""
    sentences: list[str] = []
    for paragraph in paragraphs:
        for sentence in SENTENCE_END.split(plain_markdown(paragraph)):
            if sentence:
                sentences.append(_shorten(sentence))
            if len(sentences) == count:
                return sentences
    return sentences


def _shorten(sentence: str) -> str:
    if len(sentence) <= BULLET_CHARS:
        return sentence
    cut = sentence[:BULLET_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    # A cut inside `code`, **bold** or $math$ would leave it open: close what the cut opened.
    for mark in ("`", "$", "**"):
        if cut.count(mark) % 2:
            cut = cut[: cut.rfind(mark)].rstrip()
    return cut + " …"


def scaled_png(png: bytes, max_px: tuple[int, int] = FIGURE_MAX_PX) -> bytes:
    """The PNG itself when it fits ``max_px`` (width, height), else a smaller copy keeping its aspect."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        if image.width <= max_px[0] and image.height <= max_px[1]:
            return png
        image.thumbnail(max_px)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


# --- slides ---------------------------------------------------------------------------------------


def notebook_slides(path: Path, objectives: tuple[str, ...] = (), extension: tuple[str, ...] = ()) -> list[Slide]:
    """A notebook's title + objectives slide, then one slide per ``##`` section (``extension``: the
    headings of extension parts, marked as such)."""
    book = outline(path)
    extra = {_heading_key(heading) for heading in extension}
    opening = Slide(
        book.title,
        [f"You will: {objective}" for objective in objectives] or first_sentences(book.intro.prose),
        notes="\n\n".join(first_sentences(book.intro.prose, 5) + book.intro.notes),
    )
    slides = [opening]
    for section in book.sections:
        bullets = first_sentences(section.prose) or [_shorten(plain_markdown(i)) for i in section.items[:BULLET_SENTENCES + 1]]
        bullets += [f"**{plain_markdown(exercise)}**" for exercise in section.exercises]
        title = plain_markdown(section.title)
        slides.append(Slide(
            f"{title} (extension)" if _heading_key(section.title) in extra else title,
            bullets,
            image_png=scaled_png(section.figure) if section.figure else None,
            image_alt=f"The first figure of “{plain_markdown(section.title)}” in {book.title}",
            notes="\n\n".join(section.notes),
        ))
    return slides


def _heading_key(heading: str) -> str:
    """A heading compared without its number and punctuation: "## 5 · Tuning" and "Tuning" match."""
    return re.sub(r"[^a-z0-9]+", " ", re.sub(r"^\W*\d+\s*[·.:-]?\s*", "", heading.lower())).strip()


def _piece(slot: PlanSlot) -> str:
    return f" (part {slot.piece[0]} of {slot.piece[1]})" if slot.piece and slot.piece[1] > 1 else ""


def agenda_slide(day: PlanDay) -> Slide:
    bullets = [
        f"**{slot.when}** · {slot.title}{_piece(slot)}" + ("" if slot.kind == "notebook" else f" *({slot.kind})*")
        for slot in day.slots
    ]
    return Slide(f"Day {day.number} agenda", bullets)


def slot_slide(slot: PlanSlot) -> Slide:
    """A talk, break, team-up or other non-notebook slot, or a notebook's later piece: what, until when,
    and its talking points."""
    when = f"*{slot.kind.capitalize()}, {slot.minutes} min, until {clock(slot.start + slot.minutes)}*"
    return Slide(f"{slot.title}{_piece(slot)}", [when, *slot.points])


def day_slides(root: Path, day: PlanDay) -> list[Slide]:
    """The agenda slide, then each slot in order: a notebook's slides at its first slot, else one slide."""
    slides, shown = [agenda_slide(day)], set()
    for slot in day.slots:
        solution = root / "solutions" / f"{slot.notebook_id}.ipynb"
        if slot.notebook_id and slot.notebook_id not in shown and solution.exists():
            shown.add(slot.notebook_id)
            slides += notebook_slides(solution, slot.objectives, slot.extension)
        elif slot.kind != "notebook" or slot.notebook_id in shown:
            slides.append(slot_slide(slot))
    return slides


def write_day(root: Path, day: PlanDay, out: Path) -> Path:
    """Write ``out/day<N>.html`` (and reveal.js beside it); returns its path."""
    timed = day.slots
    span = f" · {clock(timed[0].start)}-{clock(timed[-1].start + timed[-1].minutes)}" if timed else ""
    return write_deck(
        f"Day {day.number} · {day.theme}" if day.theme else f"Day {day.number}",
        day_slides(root, day),
        out / f"day{day.number}.html",
        subtitle=f"Flywheel{span}",
    )


def build(root: Path, out: Path, days: list[int] | None = None) -> list[Path]:
    """Write the decks of ``days`` (all when None) into ``out``; raises ValueError for an unknown day."""
    plan = course_plan(root)
    known = [day.number for day in plan]
    unknown = sorted(set(days or []) - set(known))
    if unknown:
        raise ValueError(f"no day {', '.join(map(str, unknown))} in the agenda: the days are {', '.join(map(str, known))}")
    return [write_day(root, day, out) for day in plan if days is None or day.number in days]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers slides", description=__doc__.split("\n\n")[0])
    parser.add_argument("--day", type=int, action="append", help="only this day (repeatable); default: every day")
    parser.add_argument("--out", type=Path, default=None, help=f"folder for the decks (default: {DEFAULT_OUT})")
    return parser


def main(argv: list[str], root: Path) -> int:
    args = parser().parse_args(argv)
    out = args.out or root / DEFAULT_OUT
    try:
        paths = build(root, out, args.day)
    except ValueError as error:
        print(f"slides: {error}")
        return 2
    for path in paths:
        print(f"wrote {path}")
    print(f"open one in a browser (file://); arrow keys move, s shows the speaker notes, reveal.js is in {out / 'deck_assets'}")
    return 0
