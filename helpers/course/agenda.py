"""``python -m helpers agenda``: the three-day plan, from ``helpers/course/agenda.yaml``.

The plan lists, per day, its sessions and their notebooks with clock times, learning objectives, the
learner's time estimate and the measured execution time of each solution in SMOKE mode (read from
``helpers/course/timings.json``, ``{"NN_topic": seconds}``, written by ``python -m helpers execute``).
A notebook named in the agenda whose solution does not exist yet is shown as "planned".

    python -m helpers agenda                 # the whole plan, as text
    python -m helpers agenda --day 2         # one day
    python -m helpers agenda --html plan.html     # a printable page (plain HTML + print CSS)
    python -m helpers agenda --guide guide.md     # the facilitator guide (.html for HTML)
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

AGENDA = Path("helpers/course/agenda.yaml")
TIMINGS = Path("helpers/course/timings.json")
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


def measured(slot: Slot) -> str:
    if not slot.ready:
        return "planned (no solution yet)"
    if slot.measured_seconds is None:
        return "not measured"
    seconds = slot.measured_seconds
    shown = f"{seconds:.0f}" if seconds == int(seconds) else f"{seconds:.1f}"
    return f"executes in {shown} s (SMOKE)"


def total_seconds(slots: list[Slot]) -> str:
    seconds = [s.measured_seconds for s in slots if s.measured_seconds is not None]
    text = f"{sum(seconds):.0f} s measured"
    return text if len(seconds) == len(slots) else f"{text} for {len(seconds)} of {len(slots)} notebooks"


def render_text(days: list[Day]) -> str:
    lines = [f"Flywheel · workshop plan (from {AGENDA}; execution times from {TIMINGS})", ""]
    for day in days:
        minutes = sum(s.learner_minutes for s in day.slots)
        lines.append(f"Day {day.number} · {day.theme} · {minutes} min of lab work · {total_seconds(day.slots)}")
        for session in day.sessions:
            if not session.slots:
                continue
            lines.append(f"  {session.name} · {clock(session.start)}-{clock(session.end)}")
            for slot in session.slots:
                lines.append(
                    f"    {clock(slot.start)}-{clock(slot.end)}  {slot.notebook_id} · {slot.title} · "
                    f"{slot.learner_minutes} min · {measured(slot)}"
                )
                lines += [f"        - {objective}" for objective in slot.objectives]
        lines.append("")
    return "\n".join(lines)


PRINT_CSS = """
body { font-family: system-ui, sans-serif; font-size: 11pt; margin: 2em; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { white-space: nowrap; } ul { margin: 0; padding-left: 1.2em; }
.session td { background: #f6f6f6; font-weight: bold; } .planned { color: #777; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  section.day { break-after: page; } section.day:last-child { break-after: auto; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
}
"""


def render_html(days: list[Day]) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Flywheel · workshop plan</title>',
        f"<style>{PRINT_CSS}</style></head><body>",
        "<h1>Flywheel · workshop plan</h1>",
        f"<p>From <code>{AGENDA}</code>; execution times measured in SMOKE mode (<code>{TIMINGS}</code>).</p>",
    ]
    for day in days:
        minutes = sum(s.learner_minutes for s in day.slots)
        parts += [
            '<section class="day">',
            f"<h2>Day {day.number} · {esc(day.theme)}</h2>",
            f"<p>{minutes} min of lab work · {esc(total_seconds(day.slots))}</p>",
            "<table><thead><tr><th>Time</th><th>Notebook</th><th>Objectives</th>"
            "<th>Learner</th><th>Execution</th></tr></thead><tbody>",
        ]
        for session in day.sessions:
            if not session.slots:
                continue
            parts.append(
                f'<tr class="session"><td colspan="5">{esc(session.name)} · '
                f"{clock(session.start)}-{clock(session.end)}</td></tr>"
            )
            for slot in session.slots:
                objectives = "".join(f"<li>{esc(o)}</li>" for o in slot.objectives)
                css = "" if slot.ready else ' class="planned"'
                parts.append(
                    f"<tr{css}><td class=\"num\">{clock(slot.start)}-{clock(slot.end)}</td>"
                    f"<td><b>{esc(slot.notebook_id)}</b><br>{esc(slot.title)}</td>"
                    f"<td><ul>{objectives}</ul></td><td class=\"num\">{slot.learner_minutes} min</td>"
                    f"<td>{esc(measured(slot))}</td></tr>"
                )
        parts += ["</tbody></table>", "</section>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m helpers agenda", description="Print the three-day plan.")
    p.add_argument("--day", type=int, help="only this day (1, 2 or 3)")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write a printable HTML page to FILE")
    p.add_argument(
        "--guide", type=Path, metavar="FILE", help="write the facilitator guide to FILE (.html for HTML, else markdown)"
    )
    return p


def main(argv: list[str], root: Path) -> int:
    args = parser().parse_args(argv)
    try:
        days = load_plan(root)
    except AgendaError as error:
        print(f"agenda: {error}", file=sys.stderr)
        return 2
    if args.day is not None:
        chosen = [day for day in days if day.number == args.day]
        if not chosen:
            numbers = ", ".join(str(day.number) for day in days)
            print(f"agenda: there is no day {args.day} in {AGENDA}; the days are {numbers}.", file=sys.stderr)
            return 2
        days = chosen
    if args.html is None and args.guide is None:
        print(render_text(days))
    if args.day is None:
        for problem in problems(days, root / "solutions"):
            print(f"agenda: warning: {problem}", file=sys.stderr)
    if args.html is not None:
        args.html.write_text(render_html(days), encoding="utf-8")
        print(f"wrote the plan to {args.html}")
    if args.guide is not None:
        from helpers.course import facilitator

        guide = facilitator.collect(root / "solutions", days, include_unplanned=args.day is None)
        text = facilitator.render_html(guide) if args.guide.suffix.lower() in {".html", ".htm"} else (
            facilitator.render_markdown(guide)
        )
        args.guide.write_text(text, encoding="utf-8")
        print(f"wrote the facilitator guide to {args.guide} ({guide.summary()})")
    return 0
