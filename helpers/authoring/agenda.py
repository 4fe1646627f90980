"""``python -m helpers agenda``: the three-day plan, from ``helpers/course/agenda.yaml``.

The plan lists, per day, its sessions and their notebooks with clock times, learning objectives, the
learner's time estimate and the measured execution time of each solution in SMOKE mode (read from
``helpers/authoring/timings.json``, ``{"NN_topic": seconds}``, written by ``python -m helpers execute``).
A notebook named in the agenda whose solution does not exist yet is shown as "planned".

    python -m helpers agenda                 # the whole plan, as text
    python -m helpers agenda --day 2         # one day
    python -m helpers agenda --html plan.html     # a printable page (plain HTML + print CSS)
    python -m helpers agenda --guide guide.md     # the facilitator guide (.html for HTML)
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

from helpers.authoring.plan import (  # noqa: F401  (load_timings, Day...: the plan, re-exported)
    AGENDA,
    TIMINGS,
    AgendaError,
    Day,
    Slot,
    clock,
    load_plan,
    load_timings,
    problems,
)


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
        from helpers.authoring import facilitator

        guide = facilitator.collect(root / "solutions", days, include_unplanned=args.day is None)
        text = facilitator.render_html(guide) if args.guide.suffix.lower() in {".html", ".htm"} else (
            facilitator.render_markdown(guide)
        )
        args.guide.write_text(text, encoding="utf-8")
        print(f"wrote the facilitator guide to {args.guide} ({guide.summary()})")
    return 0
