"""``python -m helpers progress``: a learner's own progress, their consent, and a room's merged times.

    python -m helpers progress                 # your labs, exercises and quizzes, and where the file is
    python -m helpers progress --on | --off    # start or stop recording (off until you say --on)
    python -m helpers progress --export FILE   # a file to hand to your instructor: times and counts only
    python -m helpers progress --merge FILE... # the instructor: per exercise median / p80 minutes, pass rate

What is recorded, and what is not, is in ``helpers/learning_record.py``'s docstring.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers import learning_record

PRIVACY = ("Recorded: a random learner id, lab and exercise ids, UTC times of the first attempt and first pass, "
           "counts of attempts and quiz answers. Never your code, name or paths.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers progress",
                                     description="Your progress through the labs (recorded only if you opt in).")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--on", action="store_true", help="start recording your progress on this machine")
    group.add_argument("--off", action="store_true", help="stop recording (what is recorded stays until you delete it)")
    group.add_argument("--export", metavar="FILE", help="write a shareable copy (no paths, an anonymous id)")
    group.add_argument("--merge", metavar="FILE", nargs="+", help="merge exported files from a room")
    return parser


def main(argv: list[str], root: Path | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.on or args.off:
        return consent(args.on)
    if args.export:
        return export(Path(args.export))
    if args.merge:
        return merge(args.merge)
    return show()


def consent(on: bool) -> int:
    learning_record.set_consent(on)
    if on:
        print(f"Recording your progress in {learning_record.record_path()}.\n{PRIVACY}")
        if not learning_record.enabled():  # CI, SMOKE, pytest or FLYWHEEL_PROGRESS=0; FLYWHEEL_PROGRESS=1 outranks them
            print(f"Note: this shell does not record now ({_why_off()}).")
    else:
        print(f"Recording stopped. What was recorded stays in {learning_record.record_path()} (delete it if you wish).")
    return 0


def _why_off() -> str:
    import os

    forced = os.environ.get(learning_record.ENV)
    if forced is not None and not learning_record.enabled():
        return f"{learning_record.ENV}={forced}"
    return learning_record.automated_run() or "consent not given"


def export(path: Path) -> int:
    try:
        learning_record.export(path)
    except (OSError, learning_record.RecordError) as error:
        print(f"progress: could not export to {path}: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path}: your anonymous id, lab and exercise ids, times and counts; no paths, no code.")
    return 0


# --- a learner's view ---------------------------------------------------------------------------------


def show() -> int:
    try:
        record = learning_record.load()
    except (OSError, learning_record.RecordError) as error:
        print(f"progress: {error}\nThe next check you run moves it aside and starts a new record.", file=sys.stderr)
        return 1
    state = "on" if learning_record.enabled() else f"off ({_why_off()}; `progress --on` starts it)"
    print(f"Recording: {state}\nRecord: {learning_record.record_path()}\n")
    if not record["labs"] and not record.get("quizzes"):
        print("Nothing recorded yet: run an exercise's check in a lab.")
        return 0
    for lab, entry in sorted(record["labs"].items()):
        print("\n".join(lab_lines(lab, entry)))
    if record.get("quizzes"):
        print("\n".join(quiz_lines(record["quizzes"])))
    return 0


def lab_lines(lab: str, entry: dict) -> list[str]:
    """A lab's heading (passed / total) and one line per exercise, in the lab's order."""
    rows = sorted(entry["exercises"].items(), key=lambda item: (item[1].get("position", 1e9), item[0]))
    passed = sum("first_pass" in row for _, row in rows)
    total = entry.get("total") or len(rows)
    lines = [f"{lab}: {passed} of {total} exercises passed"]
    width = max(len(name) for name, _ in rows)
    for name, row in rows:
        lines.append(f"  {name:<{width}}  {exercise_text(row)}")
    return lines


def exercise_text(row: dict) -> str:
    attempts = row["attempts"]
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    if "first_pass" not in row:
        return f"not passed yet ({tries})"
    minutes = learning_record.minutes_between(row["first_attempt"], row["first_pass"])
    return f"passed, {minutes:.1f} min from first attempt to first pass ({tries})"


def quiz_lines(quizzes: dict) -> list[str]:
    lines = ["Quizzes (right at the first answer / answered / questions):"]
    for name, questions in sorted(quizzes.items()):
        first_right = sum(bool(q.get("first_correct")) for q in questions.values())
        size = _quiz_size(name)
        of = f" / {size}" if size else ""
        lines.append(f"  {name}: {first_right} / {len(questions)}{of}")
    return lines


def _quiz_size(name: str) -> int | None:
    try:
        from helpers import quiz

        return len(quiz.load(name))
    except Exception:  # noqa: BLE001 - a quiz renamed since does not stop the report
        return None


# --- an instructor's view -----------------------------------------------------------------------------


def merge(paths: list[str]) -> int:
    stats = learning_record.merge(paths)
    for error in stats.errors:
        print(f"progress: skipped {error}", file=sys.stderr)
    if not stats.records:
        print("progress: no usable progress file to merge.", file=sys.stderr)
        return 1
    print(f"Merged {len(stats.records)} learners' files; source: {'; '.join(stats.sources)}\n")
    print("\n".join(room_table(stats)))
    return 1 if stats.errors else 0


def room_table(stats: learning_record.RoomStats) -> list[str]:
    """Per exercise: learners who attempted it, median and p80 minutes attempt -> pass, pass rate;
    then per lab the median and p80 of learners' total minutes."""
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    width = max([len(f"{r.lab} {r.exercise}") for r in stats.exercises] + [20])
    lines = [f"{'lab exercise':<{width}}  learners  median min  p80 min  pass rate"]
    for row in stats.exercises:
        lines.append(f"{row.lab + ' ' + row.exercise:<{width}}  {row.learners:>8}  {cell(row.median_minutes):>10}  "
                     f"{cell(row.p80_minutes):>7}  {row.pass_rate:>9.0%}")
    lines += ["", f"lab totals (opening to last first pass, pauses over "
                  f"{learning_record.IDLE_CAP_MINUTES:g} min counted as {learning_record.IDLE_CAP_MINUTES:g}):",
              f"{'lab':<{width}}  median min  p80 min"]
    for lab in stats.labs():
        lines.append(f"{lab:<{width}}  {cell(stats.lab_minutes(lab, 0.5)):>10}  {cell(stats.lab_minutes(lab, 0.8)):>7}")
    return lines
