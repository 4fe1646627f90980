"""The three-day plan as data: ``helpers/course/agenda.yaml`` laid out on the clock, and its linter.

A day lists its **notebooks** (the catalogue ``setup()`` reads: id, title, learner_minutes, objectives,
optional core/extension ``parts``) and its **slots**, the schedule a room follows: talks, notebooks,
breaks, lunch, team-up, build, present, quiz, wrap-up (:data:`KINDS`). A slot with a ``start`` begins
then; one without runs right after the previous slot. Clock times are minutes since midnight.

Both the ``agenda`` command and the facilitator guide read the plan from here, so neither imports the
other. ``agenda.yaml`` stays in ``helpers/course/``: ``setup()`` in every notebook reads it. The measured
execution time of each solution (``helpers/authoring/timings.json``, ``{"NN_topic": seconds}``, written
by ``python -m helpers execute``) is shown beside it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

AGENDA = Path("helpers/course/agenda.yaml")
TIMINGS = Path("helpers/authoring/timings.json")
QUIZZES = Path("helpers/quizzes")
CLOCK = re.compile(r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)$")
MINUTES_PER_DAY = 24 * 60
MAX_BLOCK_MINUTES = 90  # the longest a room sits without a break (agenda.yaml's max_block_minutes)


class AgendaError(ValueError):
    """agenda.yaml or timings.json cannot be read; the message names the entry and the fix."""


@dataclass(frozen=True)
class Kind:
    """What a slot kind is and what the linter requires of it."""

    requires: tuple[str, ...]  # keys a slot of this kind must have (besides kind and minutes)
    rest: bool  # a break: the room stands up, so the sitting time starts again after it
    about: str


# Every slot kind the plan knows. `minutes` is required for all but notebook slots, whose minutes
# default to the notebook's core minutes.
KINDS: dict[str, Kind] = {
    "notebook": Kind(("id",), False, "a notebook of the day's list; minutes default to its core minutes"),
    "talk": Kind(("title", "points"), False, "the facilitator talks; `points` are the talking points"),
    "break": Kind((), True, "a short break"),
    "lunch": Kind((), True, "lunch"),
    "team-up": Kind(("title", "points"), False, "teams form or agree on their project"),
    "build": Kind(("title", "points"), False, "teams build on their own project (the capstone kit)"),
    "present": Kind(("title", "points"), False, "teams present their work"),
    "quiz": Kind(("quiz",), False, "a knowledge check: `quiz` names helpers/quizzes/<quiz>.yaml"),
    "wrap-up": Kind(("points",), False, "the day's summary and what comes next"),
}
SLOT_KEYS = {"kind", "start", "minutes", "title", "points", "id", "quiz"}


def is_rest(kind: str) -> bool:
    """A break or lunch (an unknown kind is not)."""
    return kind in KINDS and KINDS[kind].rest


@dataclass(frozen=True)
class Part:
    """A stretch of a notebook from one of its ``##`` headings to the next part's (the first part also
    holds the introduction above it). Core parts are done in the room; extension parts are homework or
    for fast finishers."""

    heading: str
    minutes: int
    extension: bool
    exercises: tuple[int, ...]  # the exercise numbers (1-based, in notebook order) inside the part


@dataclass(frozen=True)
class Notebook:
    """One entry of a day's ``notebooks:`` list."""

    day: int
    notebook_id: str
    title: str
    learner_minutes: int  # the estimate shown at the top of the notebook
    objectives: tuple[str, ...]
    parts: tuple[Part, ...]
    measured_seconds: float | None  # SMOKE-mode execution time; None when not measured
    ready: bool  # the solution notebook exists (else the notebook is only planned)

    @property
    def core_minutes(self) -> int:
        """Minutes the room needs for the core: the core parts, or the whole notebook without parts."""
        if not self.parts:
            return self.learner_minutes
        return sum(p.minutes for p in self.core)

    @property
    def extension_minutes(self) -> int:
        return sum(p.minutes for p in self.extension)

    @property
    def core(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if not p.extension)

    @property
    def extension(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.extension)


@dataclass(frozen=True)
class Slot:
    """One entry of a day's schedule. ``start``/``end`` are minutes since midnight."""

    day: int
    position: int  # 1-based place in the day's slots
    kind: str
    title: str
    start: int
    minutes: int
    fixed: bool  # the start was written in agenda.yaml (else: right after the previous slot)
    notebook: Notebook | None = None  # for notebook slots
    points: tuple[str, ...] = ()  # talking points
    quiz: str | None = None  # for quiz slots
    piece: tuple[int, int] | None = None  # (k, n): the k-th of n slots of the same notebook

    @property
    def end(self) -> int:
        return self.start + self.minutes

    @property
    def notebook_id(self) -> str | None:
        return self.notebook.notebook_id if self.notebook else None

    @property
    def rest(self) -> bool:
        return is_rest(self.kind)

    @property
    def label(self) -> str:
        """How a message names the slot: ``day 2 slot 4 (notebook 05_builtin_algorithms, 13:15)``."""
        named = self.title if self.title != _default_title(self.kind) else ""
        what = f"{self.kind} {self.notebook_id or self.quiz or named}".strip()
        return f"day {self.day} slot {self.position} ({what}, {clock(self.start)})"


@dataclass
class Day:
    number: int
    theme: str
    start: int
    end: int
    notebooks: list[Notebook]
    slots: list[Slot] = field(default_factory=list)

    @property
    def notebook_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.notebook is not None]


@dataclass
class Agenda:
    """The whole plan. ``days`` is in day order (``days[0]`` is Day 1); :meth:`day` finds one by number."""

    days: list[Day]
    max_block_minutes: int = MAX_BLOCK_MINUTES

    def day(self, number: int) -> Day:
        for day in self.days:
            if day.number == number:
                return day
        raise KeyError(f"there is no day {number}; the days are {', '.join(str(d.number) for d in self.days)}.")

    @property
    def notebooks(self) -> list[Notebook]:
        return [nb for day in self.days for nb in day.notebooks]

    def slots_of(self, notebook_id: str) -> list[Slot]:
        return [s for day in self.days for s in day.slots if s.notebook_id == notebook_id]


def clock(minutes: int) -> str:
    """``545`` -> ``"09:05"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(value: object, where: str) -> int:
    if not isinstance(value, str) or not CLOCK.match(value):
        raise AgendaError(
            f"{AGENDA}: {where} is {value!r}; write it as a quoted 24-hour time such as \"09:00\" "
            "(unquoted 13:00 is read by YAML as a number)."
        )
    match = CLOCK.match(value)
    return int(match["h"]) * 60 + int(match["m"])


def _minutes(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AgendaError(f"{AGENDA}: {where} has minutes {value!r}; give a whole number of minutes above 0.")
    return value


def load_timings(root: Path) -> dict[str, float]:
    """Measured SMOKE execution seconds per notebook id; empty when nothing was measured yet."""
    path = root / TIMINGS
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise AgendaError(
            f"{TIMINGS} is not valid JSON ({error}); delete it and run `python -m helpers execute` to measure again."
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
        for k, v in data.items()
    ):
        raise AgendaError(
            f'{TIMINGS} must map notebook ids to seconds, like {{"04_linear_regression_gd": 12.5}}; '
            "delete it and run `python -m helpers execute` to measure again."
        )
    return {key: float(value) for key, value in data.items()}


def read_agenda(root: Path) -> dict:
    path = root / AGENDA
    if not path.exists():
        raise AgendaError(f"{AGENDA} is missing: restore it from git (`git checkout -- {AGENDA}`).")
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or not isinstance(data.get("days"), dict) or not data["days"]:
        raise AgendaError(f"{AGENDA} needs a top-level 'days:' mapping, day number -> theme and notebooks.")
    return data


def _parts(entry: dict, where: str) -> tuple[Part, ...]:
    parts = []
    for i, raw in enumerate(entry.get("parts") or (), 1):
        here = f"{where} part {i}"
        if not isinstance(raw, dict) or not isinstance(raw.get("heading"), str):
            raise AgendaError(
                f"{AGENDA}: {here} needs `heading:` (the text of one of the notebook's ## headings) and `minutes:`."
            )
        exercises = raw.get("exercises") or []
        if not isinstance(exercises, list) or not all(type(e) is int for e in exercises):
            raise AgendaError(f"{AGENDA}: {here} has exercises {exercises!r}; list exercise numbers, like [1, 2].")
        minutes = _minutes(raw.get("minutes"), here)
        parts.append(Part(raw["heading"], minutes, bool(raw.get("extension")), tuple(exercises)))
    return tuple(parts)


def _notebook(entry: object, number: int, timings: dict[str, float], solutions: Path) -> Notebook:
    where = f"day {number}"
    if not isinstance(entry, dict):
        raise AgendaError(f"{AGENDA}: {where} entry {entry!r} must be a mapping with id, title, learner_minutes.")
    missing = [key for key in ("id", "title", "learner_minutes") if key not in entry]
    if missing:
        raise AgendaError(f"{AGENDA}: {where} entry {entry!r} lacks {', '.join(missing)}.")
    notebook_id = str(entry["id"])
    return Notebook(
        day=number,
        notebook_id=notebook_id,
        title=str(entry["title"]),
        learner_minutes=_minutes(entry["learner_minutes"], notebook_id),
        objectives=tuple(str(o) for o in entry.get("objectives") or ()),
        parts=_parts(entry, notebook_id),
        measured_seconds=timings.get(notebook_id),
        ready=(solutions / f"{notebook_id}.ipynb").exists(),
    )


def _lay_out(number: int, raw_slots: list, notebooks: dict[str, Notebook], start: int) -> list[Slot]:
    """Put the day's slots on the clock: a written start wins, else right after the previous slot."""
    slots: list[Slot] = []
    at = start
    for position, raw in enumerate(raw_slots, 1):
        where = f"day {number} slot {position}"
        if not isinstance(raw, dict) or "kind" not in raw:
            raise AgendaError(f"{AGENDA}: {where} is {raw!r}; give it a `kind:` ({', '.join(KINDS)}).")
        unknown = sorted(set(map(str, raw)) - SLOT_KEYS)
        if unknown:
            raise AgendaError(
                f"{AGENDA}: {where} has unknown key(s) {', '.join(unknown)}; "
                f"a slot takes {', '.join(sorted(SLOT_KEYS))}."
            )
        kind = str(raw["kind"])
        notebook = notebooks.get(str(raw.get("id"))) if kind == "notebook" else None
        if "minutes" in raw:
            minutes = _minutes(raw["minutes"], where)
        elif notebook is not None:
            minutes = notebook.core_minutes
        else:
            raise AgendaError(f"{AGENDA}: {where} ({kind}) needs `minutes:`; only notebook slots default to theirs.")
        fixed = "start" in raw
        begin = parse_clock(raw["start"], f"{where} start") if fixed else at
        points = raw.get("points") or []
        slots.append(
            Slot(
                day=number,
                position=position,
                kind=kind,
                title=str(raw.get("title") or (notebook.title if notebook else "") or _default_title(kind)),
                start=begin,
                minutes=minutes,
                fixed=fixed,
                notebook=notebook,
                points=tuple(str(p) for p in (points if isinstance(points, list) else [points])),
                quiz=str(raw["quiz"]) if raw.get("quiz") is not None else None,
            )
        )
        at = begin + minutes
    return _number_pieces(slots)


def _default_title(kind: str) -> str:
    return {"break": "Break", "lunch": "Lunch", "wrap-up": "Wrap-up", "quiz": "Knowledge check"}.get(kind, "")


def _number_pieces(slots: list[Slot]) -> list[Slot]:
    """Mark a notebook split over several slots: (1, 3), (2, 3), (3, 3)."""
    counts: dict[str, int] = {}
    for slot in slots:
        if slot.notebook_id:
            counts[slot.notebook_id] = counts.get(slot.notebook_id, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for slot in slots:
        key = slot.notebook_id
        if key and counts[key] > 1:
            seen[key] = seen.get(key, 0) + 1
            slot = replace(slot, piece=(seen[key], counts[key]))
        out.append(slot)
    return out


def _unknown_notebook_slots(number: int, raw_slots: list, notebooks: dict[str, Notebook]) -> list[str]:
    return [
        f"day {number} slot {i} names notebook {raw.get('id')!r}, which is not in day {number}'s `notebooks:` "
        f"list ({', '.join(notebooks) or 'empty'}): fix the id or add the notebook there."
        for i, raw in enumerate(raw_slots, 1)
        if isinstance(raw, dict) and raw.get("kind") == "notebook" and str(raw.get("id")) not in notebooks
    ]


def agenda_from_data(data: dict, root: Path) -> Agenda:
    """Build the plan from agenda.yaml's data (already read), with the measured timings of ``root``."""
    timings = load_timings(root)
    solutions = root / "solutions"
    days = []
    for number, spec in sorted(data["days"].items(), key=lambda item: int(item[0])):
        number = int(number)
        if not isinstance(spec, dict) or not spec.get("notebooks"):
            raise AgendaError(f"{AGENDA}: day {number} needs a 'notebooks:' list (id, title, learner_minutes).")
        entries = [_notebook(entry, number, timings, solutions) for entry in spec["notebooks"]]
        notebooks = {nb.notebook_id: nb for nb in entries}
        start = parse_clock(spec.get("start", "09:00"), f"day {number} start")
        end = parse_clock(spec.get("end", "17:00"), f"day {number} end")
        raw_slots = spec.get("slots")
        if raw_slots is None:  # no schedule written: the notebooks back to back from the start
            raw_slots = [{"kind": "notebook", "id": nb_id} for nb_id in notebooks]
        if not isinstance(raw_slots, list):
            raise AgendaError(f"{AGENDA}: day {number} `slots:` must be a list of slots, each with a `kind:`.")
        unknown = _unknown_notebook_slots(number, raw_slots, notebooks)
        if unknown:
            raise AgendaError(f"{AGENDA}: {unknown[0]}")
        slots = _lay_out(number, raw_slots, notebooks, start)
        days.append(Day(number, str(spec.get("theme", "")), start, end, entries, slots))
    block = data.get("max_block_minutes", MAX_BLOCK_MINUTES)
    return Agenda(days, _minutes(block, "max_block_minutes"))


def load_agenda(root: Path) -> Agenda:
    """Read ``helpers/course/agenda.yaml`` under ``root`` and lay every day out on the clock."""
    return agenda_from_data(read_agenda(root), root)


# --- the linter ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A ``##`` heading of a solution notebook and the exercises (numbers) under it, up to the next."""

    heading: str
    exercises: tuple[int, ...]


LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def plain_heading(text: str) -> str:
    """A heading as the agenda names it: markdown links reduced to their text, spaces trimmed."""
    return LINK.sub(r"\1", text).strip()


def notebook_sections(path: Path) -> list[Section]:
    """The ``##`` headings of a notebook in order, each with the exercise numbers below it."""
    import nbformat

    from helpers.course.labs import BEGIN, INSTRUCTOR_TAG

    sections: list[list] = [["", []]]  # the introduction, before the first heading
    exercise = 0
    for cell in nbformat.read(path, as_version=4).cells:
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    sections.append([plain_heading(line[3:]), []])
        elif cell.cell_type == "code":
            for line in cell.source.splitlines():
                if BEGIN.match(line):
                    exercise += 1
                    sections[-1][1].append(exercise)
    return [Section(h, tuple(e)) for h, e in sections]


def part_problems(notebook: Notebook, solutions: Path) -> list[str]:
    """Each part's heading exists in the notebook, in order, and the part lists exactly its exercises."""
    path = solutions / f"{notebook.notebook_id}.ipynb"
    if not notebook.parts or not path.exists():
        return []
    sections = notebook_sections(path)
    headings = [s.heading for s in sections]
    found, starts = [], []
    for part in notebook.parts:
        wanted = plain_heading(part.heading)
        if wanted not in headings:
            found.append(
                f"{notebook.notebook_id}: part {part.heading!r} names no `##` heading of solutions/{path.name}; "
                f"use one of: {'; '.join(h for h in headings if h)}."
            )
            continue
        starts.append((headings.index(wanted), part))
    if found:
        return found
    if [i for i, _ in starts] != sorted(i for i, _ in starts):
        return [f"{notebook.notebook_id}: its parts are not in the notebook's order; list them top to bottom."]
    starts[0] = (0, starts[0][1])  # the first part also holds the introduction
    bounds = [i for i, _ in starts[1:]] + [len(sections)]
    all_exercises = [e for s in sections for e in s.exercises]
    for (begin, part), stop in zip(starts, bounds):
        inside = tuple(e for s in sections[begin:stop] for e in s.exercises)
        if part.exercises != inside:
            what = "core" if not part.extension else "extension"
            found.append(
                f"{notebook.notebook_id}: {what} part {part.heading!r} lists exercises {list(part.exercises)}, "
                f"but the notebook has {list(inside)} there (of {len(all_exercises)}): "
                f"write `exercises: {list(inside)}`."
            )
    return found


def slot_problems(day: Day, max_block: int, root: Path) -> list[str]:
    """Kinds, required keys, overlaps, midnight, the day's length and the longest sitting block."""
    found: list[str] = []
    for slot in day.slots:
        kind = KINDS.get(slot.kind)
        if kind is None:
            found.append(f"{slot.label}: unknown kind {slot.kind!r}; use one of {', '.join(KINDS)}.")
            continue
        for key in kind.requires:
            value = {"points": slot.points, "quiz": slot.quiz, "title": slot.title, "id": slot.notebook_id}[key]
            if not value:
                found.append(f"{slot.label}: a {slot.kind} slot needs `{key}:` ({kind.about}); add it.")
        if slot.quiz and not (root / QUIZZES / f"{slot.quiz}.yaml").exists():
            found.append(f"{slot.label}: there is no quiz {QUIZZES}/{slot.quiz}.yaml; write it or name another quiz.")
    for before, after in zip(day.slots, day.slots[1:]):
        if after.start < before.end:
            found.append(
                f"{before.label} runs until {clock(before.end)}, past the start of {after.label}: "
                f"shorten it by {before.end - after.start} min or start the next slot later."
            )
    if day.slots and day.slots[-1].end > MINUTES_PER_DAY:
        found.append(f"{day.slots[-1].label} runs past midnight: end the day before 24:00.")
    if day.slots and day.slots[0].start < day.start:
        found.append(
            f"{day.slots[0].label} starts before the day does ({clock(day.start)}): move it or start the day earlier."
        )
    if day.slots and day.slots[-1].end > day.end:
        found.append(
            f"day {day.number} runs until {clock(day.slots[-1].end)}, past its end at {clock(day.end)} "
            f"({day.slots[-1].end - day.end} min over): move a slot to another day, shorten one, or end the day later."
        )
    found += _block_problems(day, max_block)
    return found


def _block_problems(day: Day, max_block: int) -> list[str]:
    """A room sits at most ``max_block`` minutes between breaks (gaps between slots count as rest)."""
    found, begin, last = [], None, None
    for slot in day.slots + [None]:
        ends_block = slot is None or slot.rest or (last is not None and slot.start > last.end)
        if ends_block and begin is not None and last.end - begin.start > max_block:
            found.append(
                f"day {day.number}: {clock(begin.start)}-{clock(last.end)} is {last.end - begin.start} min without a "
                f"break (from {begin.label} to {last.label}); put a break within every {max_block} min."
            )
        if ends_block:
            begin = None
        if slot is not None and not slot.rest:
            begin = begin or slot
            last = slot
    return found


def notebook_problems(agenda: Agenda, solutions: Path) -> list[str]:
    """Every notebook is scheduled on its day, its core fits its slots, its parts match the notebook."""
    found: list[str] = []
    for day in agenda.days:
        for notebook in day.notebooks:
            slots = [s for s in day.slots if s.notebook_id == notebook.notebook_id]
            if not slots:
                found.append(
                    f"{notebook.notebook_id} is in day {day.number}'s notebooks but in none of its slots: "
                    f"add `- {{kind: notebook, id: \"{notebook.notebook_id}\"}}` where it is taught."
                )
                continue
            given = sum(s.minutes for s in slots)
            if notebook.core_minutes > given:
                where = " + ".join(s.label for s in slots)
                core = "core parts" if notebook.parts else "learner_minutes (no parts: the whole notebook is core)"
                found.append(
                    f"{notebook.notebook_id}: its {core} need {notebook.core_minutes} min but {where} "
                    f"give{'s' if len(slots) == 1 else ''} {given}: lengthen the slot, or move parts to "
                    "`extension: true` (homework / fast finishers)."
                )
            found += part_problems(notebook, solutions)
            if not 2 <= len(notebook.objectives) <= 4:
                found.append(
                    f"{notebook.notebook_id} has {len(notebook.objectives)} objectives in {AGENDA}; give it 2 to 4."
                )
    return found


def problems(agenda: Agenda, root: Path) -> list[str]:
    """Everything wrong with the plan, each message naming the slot or notebook and the fix."""
    solutions = root / "solutions"
    found: list[str] = []
    ids = [nb.notebook_id for nb in agenda.notebooks]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"{duplicate} appears more than once in {AGENDA}: keep one entry.")
    for path in sorted(solutions.glob("*.ipynb")):
        if path.stem not in ids:
            found.append(f"solutions/{path.name} is not in {AGENDA}: add it under the day it is taught.")
    for day in agenda.days:
        found += slot_problems(day, agenda.max_block_minutes, root)
    found += notebook_problems(agenda, solutions)
    return found
