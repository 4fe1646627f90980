"""``python -m helpers agenda``: the three-day plan a room follows, from ``helpers/course/agenda.yaml``.

Each day is printed slot by slot with its clock times and kind (talk, notebook, break, lunch, team-up,
build, present, quiz, wrap-up; :data:`KINDS`), each notebook with its objectives, its core parts (done
in the room) and extension parts (homework / fast finishers), and the measured execution time of its
solution in SMOKE mode (``helpers/authoring/timings.json``, written by ``python -m helpers execute``).
A notebook named in the agenda whose solution does not exist yet is shown as "planned".

    python -m helpers agenda                 # the whole plan, as text (and the linter's warnings)
    python -m helpers agenda --day 2         # one day
    python -m helpers agenda --check         # only the linter: exit 1 when the plan has a problem
    python -m helpers agenda --html plan.html     # a printable page (plain HTML + print CSS)
    python -m helpers agenda --guide guide.md     # the facilitator guide (.html for HTML)
    python -m helpers agenda --retime progress/*.json [--write]   # re-time from learners' measured minutes
"""

from __future__ import annotations

import argparse
import copy
import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import learning_record
from helpers.authoring.plan import (  # noqa: F401  (the plan, re-exported: PUB's slides and site read it here)
    AGENDA,
    KINDS,
    TIMINGS,
    Agenda,
    AgendaError,
    Day,
    Notebook,
    Part,
    Slot,
    agenda_from_data,
    clock,
    is_rest,
    load_agenda,
    load_timings,
    problems,
    read_agenda,
)

RETIME_QUANTILE = 0.8


def measured(notebook: Notebook) -> str:
    if not notebook.ready:
        return "planned (no solution yet)"
    if notebook.measured_seconds is None:
        return "not measured"
    seconds = notebook.measured_seconds
    shown = f"{seconds:.0f}" if seconds == int(seconds) else f"{seconds:.1f}"
    return f"executes in {shown} s (SMOKE)"


def total_seconds(notebooks: list[Notebook]) -> str:
    seconds = [nb.measured_seconds for nb in notebooks if nb.measured_seconds is not None]
    text = f"{sum(seconds):.0f} s measured"
    return text if len(seconds) == len(notebooks) else f"{text} for {len(seconds)} of {len(notebooks)} notebooks"


def day_summary(day: Day) -> str:
    """``09:00-17:00 · 330 min of notebooks · 95 min of breaks``: how the day's time is spent."""
    by_kind: dict[str, int] = {}
    for slot in day.slots:
        by_kind[slot.kind] = by_kind.get(slot.kind, 0) + slot.minutes
    rest = sum(m for k, m in by_kind.items() if is_rest(k))
    other = ", ".join(f"{m} {k}" for k, m in by_kind.items() if k != "notebook" and not is_rest(k))
    return (
        f"{clock(day.start)}-{clock(day.end)} · {by_kind.get('notebook', 0)} min of notebooks · "
        f"{rest} min of breaks and lunch · {other or 'no other slots'} (min)"
    )


def _part(part: Part) -> str:
    exercises = f", ex {', '.join(map(str, part.exercises))}" if part.exercises else ""
    return f"{part.heading} ({part.minutes} min{exercises})"


def slot_headline(slot: Slot) -> str:
    """One line per slot: clock, kind, and what happens."""
    head = f"{clock(slot.start)}-{clock(slot.end)}  {slot.kind:<9}"
    notebook = slot.notebook
    if notebook is None:
        quiz = f" (quiz {slot.quiz})" if slot.quiz else ""
        return f"{head} {slot.title}{quiz} · {slot.minutes} min"
    piece = f" ({slot.piece[0]}/{slot.piece[1]})" if slot.piece else ""
    if notebook.parts:
        time = f"{notebook.core_minutes} min core + {notebook.extension_minutes} min extension"
    else:
        time = f"{notebook.learner_minutes} min"
    if slot.piece:
        time = f"{slot.minutes} min here, {time} in all"
    return f"{head} {notebook.notebook_id}{piece} · {notebook.title} · {time} · {measured(notebook)}"


def slot_details(slot: Slot) -> list[str]:
    """Objectives and parts under a notebook's first slot; talking points under a talk."""
    notebook = slot.notebook
    if notebook is None:
        return [f"- {point}" for point in slot.points]
    if slot.piece and slot.piece[0] > 1:
        return []
    lines = [f"- {objective}" for objective in notebook.objectives]
    if notebook.parts:
        lines.append("core: " + "; ".join(_part(p) for p in notebook.core))
        if notebook.extension:
            lines.append("extension (homework / fast finishers): " + "; ".join(_part(p) for p in notebook.extension))
    return lines


def render_text(days: list[Day]) -> str:
    lines = [f"Flywheel · workshop plan (from {AGENDA}; execution times from {TIMINGS})", ""]
    for day in days:
        lines.append(f"Day {day.number} · {day.theme} · {day_summary(day)} · {total_seconds(day.notebooks)}")
        previous = None
        for slot in day.slots:
            if previous is not None and slot.start > previous.end:
                lines.append(f"  {clock(previous.end)}-{clock(slot.start)}  (free: {slot.start - previous.end} min)")
            lines.append(f"  {slot_headline(slot)}")
            lines += [f"                         {detail}" for detail in slot_details(slot)]
            previous = slot
        lines.append("")
    return "\n".join(lines)


PRINT_CSS = """
body { font-family: system-ui, sans-serif; font-size: 11pt; margin: 2em; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { white-space: nowrap; } ul { margin: 0; padding-left: 1.2em; }
tr.rest td { background: #f6f6f6; font-style: italic; } .planned { color: #777; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  section.day { break-after: page; } section.day:last-child { break-after: auto; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
}
"""


def _html_row(slot: Slot) -> str:
    esc = html.escape
    details = "".join(f"<li>{esc(d.removeprefix('- '))}</li>" for d in slot_details(slot))
    notebook = slot.notebook
    what = esc(slot.title) if notebook is None else f"<b>{esc(notebook.notebook_id)}</b><br>{esc(notebook.title)}"
    css = ' class="rest"' if slot.rest else (' class="planned"' if notebook is not None and not notebook.ready else "")
    execution = esc(measured(notebook)) if notebook is not None else ""
    return (
        f"<tr{css}><td class=\"num\">{clock(slot.start)}-{clock(slot.end)}</td><td>{esc(slot.kind)}</td>"
        f"<td>{what}</td><td><ul>{details}</ul></td><td class=\"num\">{slot.minutes} min</td><td>{execution}</td></tr>"
    )


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
        parts += [
            '<section class="day">',
            f"<h2>Day {day.number} · {esc(day.theme)}</h2>",
            f"<p>{esc(day_summary(day))} · {esc(total_seconds(day.notebooks))}</p>",
            "<table><thead><tr><th>Time</th><th>Kind</th><th>What</th><th>Objectives, parts, talking points</th>"
            "<th>Minutes</th><th>Execution</th></tr></thead><tbody>",
        ]
        parts += [_html_row(slot) for slot in day.slots]
        parts += ["</tbody></table>", "</section>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- re-timing from learners' measured minutes -----------------------------------------------------


@dataclass(frozen=True)
class Retimed:
    notebook_id: str
    old_minutes: int
    new_minutes: int | None  # None: no measurement for this notebook
    source: str


def _scale_notebook(entry: dict, new_minutes: int) -> None:
    """Give the notebook ``new_minutes``; its parts keep their share of the whole."""
    parts = entry.get("parts") or []
    total = sum(p.get("minutes", 0) for p in parts if isinstance(p, dict))
    for part in parts:
        if isinstance(part, dict) and total:
            part["minutes"] = max(1, round(part["minutes"] * new_minutes / total))
    entry["learner_minutes"] = new_minutes


def retime_data(data: dict, stats, files: list[Path]) -> tuple[dict, list[Retimed]]:
    """A copy of agenda.yaml's data with each measured notebook's minutes replaced by the room's p80.

    ``stats`` is ``helpers.learning_record.merge(files)``: its ``lab_minutes(notebook_id, quantile)`` is
    the room's quantile of the lab's total minutes (None when nobody completed it). The notebook's slots
    keep the minutes they give (the room's day does not grow by itself); slots without minutes take the
    new core minutes. The linter then shows which slots no longer fit.
    """
    data = copy.deepcopy(data)
    where = f"{len(files)} file{'s' if len(files) != 1 else ''} ({_names(files)})"
    changes = []
    for spec in data["days"].values():
        for entry in spec.get("notebooks") or []:
            notebook_id = str(entry["id"])
            minutes = stats.lab_minutes(notebook_id, quantile=RETIME_QUANTILE)
            old = int(entry["learner_minutes"])
            if minutes is None:
                changes.append(Retimed(notebook_id, old, None, f"nobody completed it in {where}: kept"))
                continue
            new = max(1, round(minutes))
            _scale_notebook(entry, new)
            changes.append(Retimed(notebook_id, old, new, f"p{round(RETIME_QUANTILE * 100)} of {where}"))
    return data, changes


def _names(files: list[Path], shown: int = 3) -> str:
    names = [path.name for path in files]
    return ", ".join(names) if len(names) <= shown else f"{', '.join(names[:shown])}, ... {names[-1]}"


def render_retime(changes: list[Retimed], agenda: Agenda, sources: list[str]) -> str:
    lines = [
        "Re-timed from measured minutes (each notebook's learner_minutes -> the room's 80th percentile).",
        f"The files say they are: {'; '.join(sources) or 'unlabelled'}.",
        "",
    ]
    lines.append(f"  {'notebook':<26} {'old':>5} {'p80':>5}  {'core/slots':>10}  source")
    for change in changes:
        new = "-" if change.new_minutes is None else str(change.new_minutes)
        notebook = next(nb for nb in agenda.notebooks if nb.notebook_id == change.notebook_id)
        given = sum(s.minutes for s in agenda.slots_of(change.notebook_id))
        fit = f"{notebook.core_minutes}/{given}" + (" !" if notebook.core_minutes > given else "")
        lines.append(f"  {change.notebook_id:<26} {change.old_minutes:>5} {new:>5}  {fit:>10}  {change.source}")
    return "\n".join(lines)


LEARNER_MINUTES = re.compile(r"^(?P<lead>\s*learner_minutes:\s*)(?P<value>\d+)(?P<rest>.*)$")
PART_MINUTES = re.compile(r"^(?P<lead>\s*-\s*\{\s*heading:.*?\bminutes:\s*)(?P<value>\d+)(?P<rest>.*)$")
ENTRY_ID = re.compile(r"""^\s*-\s*id:\s*["']?(?P<id>[^"'\s#]+)["']?""")
DAY_KEY = re.compile(r"^\s*(\d+|slots|notebooks|theme|start|end|days):")  # a line that ends an entry


@dataclass(frozen=True)
class NewMinutes:
    """What ``--write`` puts in agenda.yaml for one notebook: its learner_minutes and its parts' minutes."""

    learner_minutes: int
    parts: tuple[int, ...] = ()


def new_minutes(data: dict, notebook_ids: set[str]) -> dict[str, NewMinutes]:
    """The re-timed minutes of ``notebook_ids`` as :func:`retime_data` left them in agenda.yaml's data."""
    found = {}
    for spec in data["days"].values():
        for entry in spec.get("notebooks") or []:
            if str(entry["id"]) in notebook_ids:
                parts = tuple(int(part["minutes"]) for part in entry.get("parts") or ())
                found[str(entry["id"])] = NewMinutes(int(entry["learner_minutes"]), parts)
    return found


def write_minutes(text: str, minutes: dict[str, NewMinutes]) -> str:
    """agenda.yaml with the given notebooks' ``learner_minutes`` and part minutes replaced, all else
    (comments, order, spacing) kept byte for byte. Parts must be written one per line,
    ``- {heading: "...", minutes: N, ...}``. Raises AgendaError naming an entry it cannot edit."""
    lines = text.splitlines(keepends=True)
    current, written, parts = None, set(), {}
    for i, line in enumerate(lines):
        body, ending = line.rstrip("\n"), line[len(line.rstrip("\n")):]
        entry = ENTRY_ID.match(body)
        if entry or DAY_KEY.match(body):
            current = entry["id"] if entry and entry["id"] in minutes else None
            continue
        if current is None:
            continue
        learner = LEARNER_MINUTES.match(body)
        part = PART_MINUTES.match(body)
        if learner and current not in written:
            lines[i] = f"{learner['lead']}{minutes[current].learner_minutes}{learner['rest']}{ending}"
            written.add(current)
        elif part and parts.get(current, 0) < len(minutes[current].parts):
            lines[i] = f"{part['lead']}{minutes[current].parts[parts.get(current, 0)]}{part['rest']}{ending}"
            parts[current] = parts.get(current, 0) + 1
    unwritten = sorted(n for n, m in minutes.items() if n not in written or parts.get(n, 0) != len(m.parts))
    if unwritten:
        raise AgendaError(
            f"{AGENDA}: cannot find the minutes of {', '.join(unwritten)} to rewrite; write each notebook entry as "
            '`- id: "NN_topic"` with `learner_minutes: N` on its own line, and each part on one line as '
            '`- {heading: "...", minutes: N}`.'
        )
    return "".join(lines)


def retime(root: Path, files: list[Path], write: bool) -> int:
    missing = [str(path) for path in files if not path.exists()]
    if missing:
        print(f"agenda: no such progress file: {', '.join(missing)}; export one with "
              "`python -m helpers progress --export FILE`.", file=sys.stderr)
        return 2
    data = read_agenda(root)
    stats = learning_record.merge(files)
    for error in stats.errors:
        print(f"agenda: skipped: {error}", file=sys.stderr)
    new_data, changes = retime_data(data, stats, files)
    agenda = agenda_from_data(new_data, root)
    print(render_retime(changes, agenda, stats.sources))
    print()
    print(render_text(agenda.days))
    found = problems(agenda, root)
    for problem in found:
        print(f"agenda: after re-timing: {problem}", file=sys.stderr)
    if not found:
        print("Every slot still fits.")
    if write:
        measured = new_minutes(new_data, {c.notebook_id for c in changes if c.new_minutes is not None})
        path = root / AGENDA
        path.write_text(write_minutes(path.read_text(encoding="utf-8"), measured), encoding="utf-8")
        print(f"wrote the minutes of {len(measured)} notebooks (and their parts) to {AGENDA}; re-run "
              "`python -m helpers execute NN` for each so the notebook's first line shows the new estimate.")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m helpers agenda", description="Print the three-day plan.")
    p.add_argument("--day", type=int, help="only this day (1, 2 or 3)")
    p.add_argument("--check", action="store_true", help="only lint the plan; exit 1 when it has a problem")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write a printable HTML page to FILE")
    p.add_argument(
        "--guide", type=Path, metavar="FILE", help="write the facilitator guide to FILE (.html for HTML, else markdown)"
    )
    p.add_argument("--retime", type=Path, nargs="+", metavar="FILE",
                   help="re-time each notebook from exported progress files (the room's 80th percentile)")
    p.add_argument("--write", action="store_true", help="with --retime: write the new learner_minutes to agenda.yaml")
    return p


def main(argv: list[str], root: Path) -> int:
    args = parser().parse_args(argv)
    if args.write and not args.retime:
        print("agenda: --write goes with --retime FILE...: it writes the re-timed minutes.", file=sys.stderr)
        return 2
    try:
        if args.retime:
            return retime(root, args.retime, args.write)
        agenda = load_agenda(root)
    except AgendaError as error:
        print(f"agenda: {error}", file=sys.stderr)
        return 2
    found = problems(agenda, root)
    if args.check:
        for problem in found:
            print(f"agenda: {problem}", file=sys.stderr)
        print(f"{AGENDA}: {len(found)} problem(s)" if found else f"{AGENDA}: the plan fits.")
        return 1 if found else 0
    days = agenda.days
    if args.day is not None:
        days = [day for day in agenda.days if day.number == args.day]
        if not days:
            numbers = ", ".join(str(day.number) for day in agenda.days)
            print(f"agenda: there is no day {args.day} in {AGENDA}; the days are {numbers}.", file=sys.stderr)
            return 2
    if args.html is None and args.guide is None:
        print(render_text(days))
    if args.day is None:
        for problem in found:
            print(f"agenda: warning: {problem}", file=sys.stderr)
    if args.html is not None:
        args.html.write_text(render_html(days), encoding="utf-8")
        print(f"wrote the plan to {args.html}")
    if args.guide is not None:
        from helpers.authoring import facilitator

        guide = facilitator.collect(root, days, include_unplanned=args.day is None)
        text = facilitator.render_html(guide) if args.guide.suffix.lower() in {".html", ".htm"} else (
            facilitator.render_markdown(guide)
        )
        args.guide.write_text(text, encoding="utf-8")
        print(f"wrote the facilitator guide to {args.guide} ({guide.summary()})")
    return 0
