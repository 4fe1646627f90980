"""Pilot timings from SCRIPTED learner runs plus a stated reading/typing model: not learner data.

    .venv/bin/python -m helpers.course.pilot.make_pilot [--learners 8] [--seed 22] [--out helpers/course/pilot]

Until a room's exported progress files exist, ``agenda --retime`` can read these. Each file is one
scripted learner, in the format of ``python -m helpers progress --export``, with the header
``"source": "pilot: scripted runs + reading model, not learner data"`` and the model below in ``"model"``.

How a scripted learner does a lab (every component is printed per lab):

1. Opens the lab: the machine time of running its cells (``helpers/authoring/timings.json`` as committed:
   SMOKE-mode seconds; full mode runs longer, about 4 minutes for all notebooks together).
2. Per exercise, in the notebook's order: reads the markdown and the given code before the exercise's
   check (words, code as whitespace-separated tokens, / ``READ_WPM``; instructor-only cells excluded, the
   closer hints included) and types the solution's code (non-blank lines between BEGIN and END SOLUTION,
   without the HINT line, indentation not counted: characters / ``TYPE_CPM``).
3. Runs the check with the typical mistakes of its variant suite (``tests/labchecks/test_labNN_variants.py``,
   every ``rejects(...)``, in the suite's order), each made with probability ``MISTAKE_PROBABILITY``
   (seeded per learner). A mistake costs its check's measured machine time, reading the failure message
   (words / ``READ_WPM``) and retyping ``REWORK_SHARE`` of the solution's characters.
4. Runs the check with a right answer (the suite's first ``accepts(...)``): its measured machine time.

Not modelled, so the pilot is a lower bound: thinking, experimenting in scratch cells, discussion,
reading after the lab's last check, a learner slower than 200 wpm. Learners differ only in the mistakes
they make (one generator per learner and lab, from ``--seed``). The machine times are measured once and
kept in ``machine_times.json`` (with the load at the time); ``--measure`` measures them again. So the
same notebooks, suites, seed and machine times give the same files, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from helpers import ROOT, learning_record

SOURCE = "pilot: scripted runs + reading model, not learner data"
READ_WPM = 200.0            # words of prose per minute
TYPE_CPM = 150.0            # characters of code per minute (about 30 words per minute)
MISTAKE_PROBABILITY = 1 / 3  # each typical mistake of an exercise is made with this probability
REWORK_SHARE = 0.3          # after a mistake, this share of the solution's characters is typed again
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # the synthetic clock every scripted lab starts at
OUT = Path(__file__).resolve().parent
MEASURED = OUT / "machine_times.json"  # the checks' and cells' measured seconds the pilot was made from


@dataclass
class CheckTimes:
    """What one check's variant suite measured: seconds per right answer, and per mistake (seconds, words)."""

    accepts: list[float] = field(default_factory=list)
    mistakes: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class ExerciseText:
    """The notebook around one exercise: prose words read before its check, solution characters typed."""

    name: str
    words: int  # markdown words plus the words (whitespace-separated tokens) of the code given, not typed
    chars: int  # characters of the solution's code the learner types


# --- the notebooks -----------------------------------------------------------------------------------


def exercises_in_notebook(path: Path, names: list[str]) -> list[ExerciseText]:
    """The exercises ``names`` in the order the notebook checks them, each with the prose and code before it.

    An exercise whose check call is not found comes last with nothing to read or type (printed).
    """
    cells = _learner_cells(path)
    first_call = {}
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            for name in re.findall(r"\bcheck\.(\w+)\(", _source(cell)):
                first_call.setdefault(name, index)
    ordered = sorted((n for n in names if n in first_call), key=first_call.get)
    found, start = [], 0
    for name in ordered:
        segment = cells[start:first_call[name] + 1]
        words = sum(_split(c)[0] for c in segment)
        chars = sum(_split(c)[1] for c in segment)
        found.append(ExerciseText(name, words, chars))
        start = first_call[name] + 1
    return found + [ExerciseText(n, 0, 0) for n in names if n not in first_call]


def words_after_last_check(path: Path) -> int:
    """Words (prose and given code) after the notebook's last check: read, but after the record ends."""
    cells = _learner_cells(path)
    last = max((i for i, c in enumerate(cells) if c["cell_type"] == "code" and re.search(r"\bcheck\.\w+\(", _source(c))),
               default=-1)
    return sum(_split(c)[0] for c in cells[last + 1:])


def _learner_cells(path: Path) -> list[dict]:
    """The notebook's cells a learner sees (instructor-only cells left out)."""
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if "instructor" not in c.get("metadata", {}).get("tags", [])]


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def text_measures(exercises: list[ExerciseText]) -> dict[str, int]:
    """What the pilot read and typed in a lab, kept in each file so a test can tell when it went stale."""
    return {"words": sum(e.words for e in exercises), "chars": sum(e.chars for e in exercises)}


def _split(cell: dict) -> tuple[int, int]:
    """(words read, characters typed) of a cell: a markdown cell is read; a code cell's solution is
    typed (non-blank lines without the HINT line, indentation not counted) and the rest of it read."""
    if cell["cell_type"] != "code":
        return len(_source(cell).split()), 0
    inside, typed, given = False, 0, []
    for line in _source(cell).splitlines():
        text = line.strip()
        if text.startswith("### BEGIN SOLUTION"):
            inside = True
        elif text.startswith("### END SOLUTION"):
            inside = False
        elif inside and text and not text.startswith("# HINT"):
            typed += len(text)
        elif not inside:
            given.append(text)
    return len(" ".join(given).split()), typed


# --- the checks, timed through their variant suites ----------------------------------------------------


def measure_checks(labs: list[str]) -> dict[str, CheckTimes]:
    """Run each lab's variant suite once under pytest, timing every accepts/rejects call; by check key."""
    import pytest

    from helpers.authoring.execute import fresh_home

    suites = [ROOT / "tests" / "labchecks" / f"test_lab{lab[:2]}_variants.py" for lab in labs]
    sys.path.insert(0, str(ROOT / "tests" / "labchecks"))
    import variant_harness  # the suites import accepts/rejects from it: timing them here times every call

    times: dict[str, CheckTimes] = {}
    accepts, rejects = variant_harness.accepts, variant_harness.rejects

    def timed_accepts(check, *args, **kwargs):
        began = time.perf_counter()
        printed = accepts(check, *args, **kwargs)
        times.setdefault(_key(check), CheckTimes()).accepts.append(time.perf_counter() - began)
        return printed

    def timed_rejects(check, *args, **kwargs):
        began = time.perf_counter()
        message = rejects(check, *args, **kwargs)
        elapsed = time.perf_counter() - began
        times.setdefault(_key(check), CheckTimes()).mistakes.append((elapsed, len(message.split())))
        return message

    variant_harness.accepts, variant_harness.rejects = timed_accepts, timed_rejects
    with fresh_home():
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-n", "0", "-x", *map(str, suites)])
    variant_harness.accepts, variant_harness.rejects = accepts, rejects
    if code != 0:
        raise SystemExit(f"the variant suites failed (pytest exit {code}): fix them before measuring a pilot.")
    return times


def _key(check) -> str:
    return f"{check.__module__}.{check.__name__}"


# --- scripted learners --------------------------------------------------------------------------------


@dataclass
class LabPlan:
    """Everything a scripted learner needs for one lab."""

    lab: str
    opening_seconds: float
    exercises: list[ExerciseText]
    checks: dict[str, CheckTimes]  # by exercise name
    words_after: int  # read after the last check, so outside the record (printed, not counted)


def scripted_lab(plan: LabPlan, rng: random.Random) -> tuple[dict, dict[str, float]]:
    """One learner's record of one lab and the minutes of each component."""
    clock = START + timedelta(seconds=plan.opening_seconds)
    spent = {"cells (machine)": plan.opening_seconds / 60, "reading": 0.0, "typing": 0.0,
             "checks (machine)": 0.0, "mistakes: reading + rework": 0.0}
    rows = {}
    for position, exercise in enumerate(plan.exercises):
        reading, typing = exercise.words / READ_WPM, exercise.chars / TYPE_CPM
        spent["reading"] += reading
        spent["typing"] += typing
        clock += timedelta(minutes=reading + typing)
        row = {"first_attempt": learning_record.stamp(clock), "attempts": 0, "passes": 0, "position": position}
        times = plan.checks.get(exercise.name, CheckTimes())
        for seconds, words in times.mistakes:
            if rng.random() < MISTAKE_PROBABILITY:
                rework = words / READ_WPM + REWORK_SHARE * exercise.chars / TYPE_CPM
                spent["checks (machine)"] += seconds / 60
                spent["mistakes: reading + rework"] += rework
                clock += timedelta(seconds=seconds, minutes=rework)
                row["attempts"] += 1
        right = times.accepts[0] if times.accepts else 0.0
        spent["checks (machine)"] += right / 60
        clock += timedelta(seconds=right)
        row.update(attempts=row["attempts"] + 1, passes=1, first_pass=learning_record.stamp(clock))
        rows[exercise.name] = row
    return {"opened": learning_record.stamp(START), "total": len(plan.exercises), "exercises": rows}, spent


def plans(labs: list[str], measure: bool = False) -> list[LabPlan]:
    """Each lab's plan, from the notebooks and the machine times (``MEASURED``; measured again when asked
    or when a lab is missing from it)."""
    from helpers.checks import all_lab_checks

    registry = all_lab_checks()
    measured = machine_times(labs, measure)
    found = []
    for lab in labs:
        checks = registry[lab]
        module = next(iter(checks.exercises.values())).function.__module__
        notebook = ROOT / "solutions" / f"{lab}.ipynb"
        texts = exercises_in_notebook(notebook, list(checks.exercises))
        times = {name: CheckTimes(**measured["checks"].get(f"{module}.{name}", {})) for name in checks.exercises}
        found.append(LabPlan(lab, float(measured["cells_seconds"].get(lab, 0)), texts, times,
                             words_after_last_check(notebook)))
    return found


def machine_times(labs: list[str], measure: bool) -> dict:
    """The stored machine times, measured first for the labs that need it, so a pilot made again from
    the same notebooks, suites and seed is the same, byte for byte."""
    stored = json.loads(MEASURED.read_text(encoding="utf-8")) if MEASURED.exists() else {"cells_seconds": {}, "checks": {}}
    missing = [lab for lab in labs if lab not in stored["cells_seconds"]]
    todo = labs if measure else missing
    if todo:
        smoke = committed_timings()
        for key, times in measure_checks(todo).items():
            stored["checks"][key] = {"accepts": [round(t, 3) for t in times.accepts],
                                     "mistakes": [[round(t, 3), words] for t, words in times.mistakes]}
        stored["cells_seconds"].update({lab: smoke.get(lab, 0) for lab in todo})
        now = learning_record.stamp(datetime.now(timezone.utc))
        stored["measured"] = f"{now}, load average {os.getloadavg()[0]:.1f}"
        MEASURED.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for times in stored["checks"].values():
        times["mistakes"] = [tuple(m) for m in times["mistakes"]]
    return stored


def committed_timings() -> dict[str, float]:
    """The SMOKE seconds per notebook as committed (a re-execution rewrites the working copy, under
    whatever load the machine had then); the working copy outside a git checkout."""
    import subprocess

    from helpers.authoring.plan import TIMINGS

    path = TIMINGS.as_posix()
    try:
        text = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        text = (ROOT / path).read_text(encoding="utf-8")
    return json.loads(text)


def model() -> dict:
    return {"bound": "a lower bound on learner minutes: only reading, typing, mistakes and machine time",
            "read_words_per_minute": READ_WPM, "type_characters_per_minute": TYPE_CPM,
            "mistake_probability": round(MISTAKE_PROBABILITY, 4), "rework_share": REWORK_SHARE,
            "mistakes": "tests/labchecks/test_labNN_variants.py rejects(...), in order",
            "right answer": "the first accepts(...) of the same suite",
            "cells": "helpers/authoring/timings.json as committed (SMOKE seconds)",
            "not modelled": "thinking, scratch cells, discussion, reading after the last check"}


def write_pilot(out: Path, learners: int, seed: int, labs: list[str], measure: bool = False) -> list[Path]:
    lab_plans = plans(labs, measure)
    components: dict[str, list[dict[str, float]]] = {plan.lab: [] for plan in lab_plans}
    written = []
    for number in range(1, learners + 1):
        record = {"schema": learning_record.SCHEMA, "kind": learning_record.KIND, "source": SOURCE,
                  "learner": f"pilot-{number:02d}", "exported": learning_record.stamp(START), "seed": seed,
                  "model": model(),
                  "notebooks": {plan.lab: text_measures(plan.exercises) for plan in lab_plans},
                  "labs": {}, "quizzes": {}}
        for plan in lab_plans:
            # One generator per learner and lab: a lab's pilot does not change when another lab is added.
            rng = random.Random(f"{seed}-{number}-{plan.lab}")
            record["labs"][plan.lab], spent = scripted_lab(plan, rng)
            components[plan.lab].append(spent)
        path = out / f"pilot-{number:02d}.json"
        path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    print_components(lab_plans, components)
    return written


def print_components(lab_plans: list[LabPlan], components: dict[str, list[dict[str, float]]]) -> None:
    """Per lab: words, characters, mistakes available, and the mean minutes of each component."""
    names = list(next(iter(components.values()))[0])
    print(f"{SOURCE}\nmodel: {json.dumps(model())}\n")
    print(f"{'lab':<26}{'ex':>3}{'words':>7}{'chars':>7}{'mistakes':>9}  " + "  ".join(names)
          + "  (mean minutes)  after last check (not counted)")
    for plan in lab_plans:
        runs = components[plan.lab]
        means = [sum(run[name] for run in runs) / len(runs) for name in names]
        mistakes = sum(len(plan.checks[e.name].mistakes) for e in plan.exercises)
        print(f"{plan.lab:<26}{len(plan.exercises):>3}{sum(e.words for e in plan.exercises):>7}"
              f"{sum(e.chars for e in plan.exercises):>7}{mistakes:>9}  "
              + "  ".join(f"{m:>{len(n)}.1f}" for n, m in zip(names, means))
              + f"  {plan.words_after} words = {plan.words_after / READ_WPM:.1f} min")
        for exercise in plan.exercises:
            if not plan.checks[exercise.name].accepts:
                print(f"  note: {plan.lab} {exercise.name}: no accepts(...) in its variant suite; right answer timed as 0 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.course.pilot.make_pilot", description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=8)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--lab", action="append", help="only these labs (ids such as 04_linear_regression_gd)")
    parser.add_argument("--measure", action="store_true",
                        help=f"time the checks and read timings.json again (else reuse {MEASURED.name})")
    args = parser.parse_args(argv)
    from helpers.checks import all_lab_checks

    labs = args.lab or sorted(all_lab_checks())
    args.out.mkdir(parents=True, exist_ok=True)
    paths = write_pilot(args.out, args.learners, args.seed, labs, args.measure)
    stats = learning_record.merge(paths)
    print(f"\nwrote {len(paths)} files to {args.out}; lab minutes (median / p80 over the scripted learners):")
    for lab in labs:
        print(f"  {lab:<26} {stats.lab_minutes(lab, 0.5):6.1f} {stats.lab_minutes(lab, 0.8):6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
