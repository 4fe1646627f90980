"""The shipped pilot timings: labelled as scripted, readable by merge, and the reading model's arithmetic."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from helpers import ROOT, learning_record
from helpers.course.pilot import make_pilot

PILOT = ROOT / "helpers" / "course" / "pilot"
LABS = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def files() -> list[Path]:
    found = sorted(PILOT.glob("pilot-*.json"))
    assert len(found) >= 5, "run `.venv/bin/python -m helpers.course.pilot.make_pilot` to make the pilot files"
    return found


def test_every_pilot_file_says_it_is_scripted_and_not_learner_data(files):
    for path in files:
        data = json.loads(path.read_text())
        assert data["source"] == "pilot: scripted runs + reading model, not learner data", path.name
        assert data["model"]["read_words_per_minute"] == make_pilot.READ_WPM
        assert data["learner"].startswith("pilot-")


def test_the_pilot_merges_cleanly_with_a_time_for_every_lab(files):
    stats = learning_record.merge(files)
    assert stats.errors == []
    assert stats.sources == [make_pilot.SOURCE]
    for lab in LABS:
        median, p80 = stats.lab_minutes(lab, 0.5), stats.lab_minutes(lab, 0.8)
        assert median is not None and 0 < median <= p80, lab
    assert all(row.pass_rate == 1.0 and row.learners == len(files) for row in stats.exercises)


def test_the_pilot_read_the_notebooks_as_they_are_now_within_five_percent(files):
    data = json.loads(files[0].read_text())
    for lab in LABS:
        order = sorted(data["labs"][lab]["exercises"].items(), key=lambda item: item[1]["position"])
        now = make_pilot.text_measures(make_pilot.exercises_in_notebook(ROOT / "solutions" / f"{lab}.ipynb",
                                                                        [name for name, _ in order]))
        for what in ("words", "chars"):
            assert now[what] == pytest.approx(data["notebooks"][lab][what], rel=0.05), (
                f"{lab}'s {what} changed since the pilot was made: run "
                f"`.venv/bin/python -m helpers.course.pilot.make_pilot` and commit helpers/course/pilot/")


def cell(kind: str, text: str, *tags: str) -> dict:
    return {"cell_type": kind, "source": text, "metadata": {"tags": list(tags)}}


def test_the_reading_model_counts_prose_given_code_and_typed_solution_in_the_checks_order(tmp_path: Path):
    notebook = tmp_path / "99_x.ipynb"
    notebook.write_text(json.dumps({"cells": [
        cell("markdown", "one two three"),
        cell("markdown", "secret facilitator words", "instructor"),
        cell("code", "x = 1\ndef b():\n    ### BEGIN SOLUTION\n    # HINT: nudge\n    return 12345\n    ### END SOLUTION\n"
                     "check.second(b)"),
        cell("markdown", "four five"),
        cell("code", "check.first(a)"),
        cell("markdown", "after the last check"),
    ]}))
    texts = make_pilot.exercises_in_notebook(notebook, ["first", "second", "never_called"])
    # second: 3 prose words + "x = 1 def b(): check.second(b)" (6 tokens) read; "return 12345" (12 chars) typed.
    assert [(t.name, t.words, t.chars) for t in texts] == [("second", 9, 12), ("first", 3, 0), ("never_called", 0, 0)]
    assert make_pilot.words_after_last_check(notebook) == 4


class AlwaysMistaken(random.Random):
    def random(self) -> float:
        return 0.0


def test_a_scripted_learner_adds_reading_typing_mistakes_and_machine_time():
    exercise = make_pilot.ExerciseText("only", words=400, chars=300)  # 2 min reading, 2 min typing
    checks = {"only": make_pilot.CheckTimes(accepts=[6.0], mistakes=[(3.0, 100)])}
    plan = make_pilot.LabPlan("99_x", opening_seconds=60.0, exercises=[exercise], checks=checks, words_after=0)
    entry, spent = make_pilot.scripted_lab(plan, AlwaysMistaken())
    row = entry["exercises"]["only"]
    assert (row["attempts"], row["passes"]) == (2, 1)
    rework = 100 / make_pilot.READ_WPM + make_pilot.REWORK_SHARE * 300 / make_pilot.TYPE_CPM  # 0.5 + 0.6 min
    assert learning_record.minutes_between(entry["opened"], row["first_attempt"]) == pytest.approx(1 + 2 + 2)
    assert learning_record.minutes_between(row["first_attempt"], row["first_pass"]) == pytest.approx(
        rework + 9 / 60, abs=1 / 60)
    assert sum(spent.values()) == pytest.approx(1 + 2 + 2 + rework + 9 / 60)
