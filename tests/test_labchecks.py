"""Every lab check can fail, is used by its solution, and passes there."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers.checks import CheckFailed, all_lab_checks

ROOT = Path(__file__).resolve().parent.parent
LABS = {name: lab for name, lab in all_lab_checks().items() if not name.startswith("98_")}
EXERCISES = [exercise for lab in LABS.values() for exercise in lab.exercises.values()]


def solution(lab: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4)


def test_every_lab_with_checks_has_a_solution():
    missing = [lab for lab in LABS if not (ROOT / "solutions" / f"{lab}.ipynb").exists()]
    assert not missing, f"checks declared for notebooks that do not exist: {missing}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: f"{e.lab}.{e.name}")
def test_check_fails_on_every_wrong_answer(exercise):
    wrong_answers = exercise.wrong()
    assert wrong_answers, f"{exercise.lab}.{exercise.name} declares no wrong answers"
    for arguments in wrong_answers:
        with pytest.raises(CheckFailed):
            exercise.function(*arguments)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: f"{e.lab}.{e.name}")
def test_check_is_called_and_passes_in_its_solution(exercise):
    notebook = solution(exercise.lab)
    calling = [c for c in notebook.cells if c.cell_type == "code" and f"check.{exercise.name}(" in c.source]
    assert calling, f"solutions/{exercise.lab}.ipynb never calls check.{exercise.name}(...)"
    printed = "".join(
        output.get("text", "") for cell in calling for output in cell.get("outputs", []) if output.get("name") == "stdout"
    )
    assert f"✔ {exercise.title}: correct." in printed, (
        f"the stored output of solutions/{exercise.lab}.ipynb does not show check.{exercise.name} passing: "
        "run `make solutions`"
    )
