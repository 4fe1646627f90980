"""The three-day plan as data: ``helpers/course/agenda.yaml`` laid out on the clock, with the measured
execution time of each solution (``helpers/authoring/timings.json``, ``{"NN_topic": seconds}``, written
by ``python -m helpers execute``).

Both the ``agenda`` command and the facilitator guide read the plan from here, so neither imports
the other. ``agenda.yaml`` stays in ``helpers/course/``: ``setup()`` in every notebook reads it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

AGENDA = Path("helpers/course/agenda.yaml")
TIMINGS = Path("helpers/authoring/timings.json")
CLOCK = re.compile(r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


class AgendaError(ValueError):
    """agenda.yaml or timings.json cannot be read; the message names the entry and the fix."""


@dataclass(frozen=True)
class Slot:
    """One notebook in the plan. Clock times are minutes since midnight."""

    day: int
    session: str
    notebook_id: str
    title: str
    learner_minutes: int
    start: int
    objectives: tuple[str, ...]
    measured_seconds: float | None  # SMOKE-mode execution time; None when not measured
    ready: bool  # the solution notebook exists (else the notebook is only planned)

    @property
    def end(self) -> int:
        return self.start + self.learner_minutes


@dataclass
class Session:
    name: str
    start: int
    slots: list[Slot] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.slots[-1].end if self.slots else self.start


@dataclass
class Day:
    number: int
    theme: str
    sessions: list[Session]

    @property
    def slots(self) -> list[Slot]:
        return [slot for session in self.sessions for slot in session.slots]


def clock(minutes: int) -> str:
    """``545`` -> ``"09:05"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(value: object, where: str) -> int:
    if not isinstance(value, str) or not CLOCK.match(value):
        raise AgendaError(
            f"{AGENDA}: {where} start is {value!r}; write it as a quoted 24-hour time such as \"09:00\" "
            "(unquoted 13:00 is read by YAML as a number)."
        )
    match = CLOCK.match(value)
    return int(match["h"]) * 60 + int(match["m"])


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


def load_plan(root: Path) -> list[Day]:
    """Read the agenda and the measured timings; lay each day's notebooks out on the clock."""
    data = read_agenda(root)
    timings = load_timings(root)
    solutions = root / "solutions"
    days = []
    for number, spec in sorted(data["days"].items(), key=lambda item: int(item[0])):
        where = f"day {number}"
        if not isinstance(spec, dict) or not spec.get("notebooks"):
            raise AgendaError(f"{AGENDA}: {where} needs a 'notebooks:' list (id, title, learner_minutes).")
        sessions = [
            Session(str(s.get("name", f"Session {i + 1}")), parse_clock(s.get("start"), f"{where} session {i + 1}"))
            for i, s in enumerate(spec.get("sessions") or [{"name": "Day", "start": "09:00"}])
        ]
        by_name = {s.name: s for s in sessions}
        current = sessions[0]
        for entry in spec["notebooks"]:
            missing = [key for key in ("id", "title", "learner_minutes") if key not in entry]
            if missing:
                raise AgendaError(f"{AGENDA}: {where} entry {entry!r} lacks {', '.join(missing)}.")
            if "session" in entry:
                if entry["session"] not in by_name:
                    raise AgendaError(
                        f"{AGENDA}: {entry['id']} is in session {entry['session']!r}, which {where} does not "
                        f"define; its sessions are {', '.join(by_name)}."
                    )
                current = by_name[entry["session"]]
            notebook_id = str(entry["id"])
            current.slots.append(
                Slot(
                    day=int(number),
                    session=current.name,
                    notebook_id=notebook_id,
                    title=str(entry["title"]),
                    learner_minutes=int(entry["learner_minutes"]),
                    start=current.end,
                    objectives=tuple(str(o) for o in entry.get("objectives") or ()),
                    measured_seconds=timings.get(notebook_id),
                    ready=(solutions / f"{notebook_id}.ipynb").exists(),
                )
            )
        days.append(Day(int(number), str(spec.get("theme", "")), sessions))
    return days


def problems(days: list[Day], solutions: Path) -> list[str]:
    """What is wrong with the plan: solutions not in it, duplicates, overlapping sessions, objectives."""
    found: list[str] = []
    ids = [slot.notebook_id for day in days for slot in day.slots]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"{duplicate} appears more than once in {AGENDA}: keep one entry.")
    for path in sorted(solutions.glob("*.ipynb")):
        if path.stem not in ids:
            found.append(f"solutions/{path.name} is not in {AGENDA}: add it under the day it is taught.")
    for day in days:
        ordered = sorted(day.sessions, key=lambda s: s.start)
        for before, after in zip(ordered, ordered[1:]):
            if before.end > after.start:
                found.append(
                    f"day {day.number}: session {before.name} runs until {clock(before.end)}, past the start of "
                    f"{after.name} at {clock(after.start)}: move a notebook or start {after.name} later."
                )
        if ordered and ordered[-1].end > MINUTES_PER_DAY:
            found.append(f"day {day.number}: session {ordered[-1].name} runs past midnight.")
        for slot in day.slots:
            if not 2 <= len(slot.objectives) <= 4:
                found.append(
                    f"{slot.notebook_id} has {len(slot.objectives)} objectives in {AGENDA}; give it 2 to 4."
                )
    return found
