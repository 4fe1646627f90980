"""nbval_reuse.compare fails on an output that differs from the stored one, and passes on the same one;
nbval's kernel runs an unmodified lab's first TODO where Run All reaches it, and fails when it does not raise.

A child pytest collects a one-cell notebook under nbval next to a test named like the papermill test:
nbval's item is moved (deselected), and the test hands ``compare`` an "executed" copy whose output is
set by the environment, so no kernel runs. Another child runs two small solutions under nbval (one
kernel each) beside a test named like the lab test; papermill runs them with the lab's TODO on the way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import nbval_reuse
import pytest

HERE = Path(__file__).parent

CONFTEST = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
import nbval_reuse


def pytest_collection_modifyitems(config, items):
    nbval_reuse.move_nbval_items(config, items)
"""

TEST = """
import os
from pathlib import Path

import nbformat
import pytest

import nbval_reuse

NOTEBOOK = Path(__file__).parent / "demo.ipynb"


@pytest.mark.parametrize("path", [NOTEBOOK])
def test_solution_showing_a_failure_runs_green_under_papermill(path, request):
    executed = nbformat.read(path, as_version=4)
    executed.cells[0].outputs[0]["text"] = os.environ["DEMO_OUTPUT"]
    nbval_reuse.compare(request.config, path, executed)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nbval-reuse")
    cell = nbformat.v4.new_code_cell("print('stored')", execution_count=1,
                                     outputs=[nbformat.v4.new_output("stream", name="stdout", text="stored\n")])
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), root / "demo.ipynb")
    (root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "test_demo.py").write_text(TEST, encoding="utf-8")
    return root


def run(project: Path, output: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
         "--rootdir", str(project), "-c", os.devnull, "--nbval", str(project)],
        cwd=project, env={**os.environ, "DEMO_OUTPUT": output}, capture_output=True, text=True, timeout=120)


def test_the_same_output_passes_and_nbvals_own_item_is_moved(project: Path):
    done = run(project, "stored\n")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 passed, 1 deselected" in done.stdout


def test_a_different_output_fails_naming_the_cell(project: Path):
    done = run(project, "changed\n")
    assert done.returncode == 1, done.stdout[-2000:]
    assert "Cell outputs differ" in done.stdout and "demo.ipynb (nbval's comparison)" in done.stdout


# --- a lab's first TODO, run by nbval's kernel ---------------------------------------------------------

LAB_CONFTEST = CONFTEST + "    nbval_reuse.delegate_lab_todos(config, items)\n"

LAB_TEST = """
from pathlib import Path

import pytest

import nbval_reuse

LABS = sorted((Path(__file__).parent / "labs").glob("*.ipynb"))


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_unmodified_lab_stops_at_its_first_todo(lab, request):
    assert lab in request.config.stash[nbval_reuse.LAB_TODOS]
"""


def write_pair(root: Path, name: str, todo: str) -> None:
    """solutions/<name>.ipynb: x = 1, the exercise (y = x + 1), print(y) stored as "2"; labs/<name>.ipynb:
    the same with ``todo`` for the exercise."""
    def cells(exercise: str) -> list:
        return [nbformat.v4.new_code_cell("x = 1", execution_count=1),
                nbformat.v4.new_code_cell(exercise, execution_count=2),
                nbformat.v4.new_code_cell("print(y)", execution_count=3, outputs=[
                    nbformat.v4.new_output("stream", name="stdout", text="2\n")])]
    for folder, exercise in (("solutions", "y = x + 1"), ("labs", todo)):
        (root / folder).mkdir(exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(cells=cells(exercise)), root / folder / f"{name}.ipynb")


@pytest.fixture(scope="module")
def lab_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lab-todo")
    # The TODO needs the state Run All gives it: the cell before it ran, the solution's exercise not yet.
    write_pair(root, "raising", 'assert x == 1 and "y" not in dir()\n'
                                'raise NotImplementedError("TODO raising exercise 1: add one")')
    write_pair(root, "silent", 'if x == 2:\n    raise NotImplementedError("TODO silent exercise 1: add one")')
    (root / "conftest.py").write_text(LAB_CONFTEST, encoding="utf-8")
    (root / "test_labs.py").write_text(LAB_TEST, encoding="utf-8")
    return root


def test_nbvals_kernel_runs_the_labs_todo_at_its_place_and_fails_one_that_does_not_raise(lab_project: Path):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
         "--rootdir", str(lab_project), "-c", os.devnull, "--nbval", "--nbval-current-env", "-rf",
         "test_labs.py", "solutions"],
        cwd=lab_project, capture_output=True, text=True, timeout=120)
    # Both labs are handed to nbval; the raising one passes, and the solution's later cell still prints 2.
    assert "1 failed, 7 passed" in done.stdout, done.stdout[-3000:]
    assert "FAILED solutions/silent.ipynb::Cell 1" in done.stdout
    assert ("labs/silent.ipynb: an unmodified lab's Run All should stop at its first TODO with "
            "NotImplementedError('TODO silent exercise 1: add one'); the TODO cell raised nothing") in done.stdout


@pytest.mark.parametrize("name, problem", [("raising", None), ("silent", "the TODO cell raised nothing")])
def test_papermill_runs_the_labs_todo_on_the_way(lab_project: Path, tmp_path: Path, name: str, problem: str | None):
    import papermill

    from helpers.authoring.execute import KERNEL_NAME

    solution, lab = lab_project / "solutions" / f"{name}.ipynb", lab_project / "labs" / f"{name}.ipynb"
    todo = nbval_reuse.TodoOnTheWay(solution, lab, *nbval_reuse.first_todo_code_cell(lab, solution))
    try:
        executed = papermill.execute_notebook(str(solution), str(tmp_path / "out.ipynb"), kernel_name=KERNEL_NAME,
                                              cwd=str(tmp_path), progress_bar=False, **todo.papermill_kwargs())
    finally:
        todo.stop()
    assert not todo.km.has_kernel
    assert executed.cells[2].outputs[0]["text"] == "2\n"  # the solution ran on after the TODO, as it would alone
    if problem is None:
        todo.check()
    else:
        with pytest.raises(AssertionError, match=problem):
            todo.check()


class IPyNbCell:  # nbval's item, as delegate_lab_todos sees it
    def __init__(self, path: Path, skip: bool = False):
        self.path, self.options = path, {"skip": skip}


def lab_test(lab: Path):
    return SimpleNamespace(originalname="test_unmodified_lab_stops_at_its_first_todo", callspec=SimpleNamespace(
        params={"lab": lab}))


@pytest.mark.parametrize("nbval_runs", ["no cell", "the first two cells", "every cell, one skipped"])
def test_a_lab_whose_solution_nbval_does_not_run_whole_runs_itself(lab_project: Path, nbval_runs: str):
    lab, solution = lab_project / "labs" / "raising.ipynb", lab_project / "solutions" / "raising.ipynb"
    cells = {"no cell": [], "the first two cells": [IPyNbCell(solution), IPyNbCell(solution)],
             "every cell, one skipped": [IPyNbCell(solution, skip=True), IPyNbCell(solution), IPyNbCell(solution)]}
    config = SimpleNamespace(stash={})
    nbval_reuse.delegate_lab_todos(config, [lab_test(lab), *cells[nbval_runs]])
    assert config.stash[nbval_reuse.LAB_TODOS] == set()


def test_a_lab_that_is_no_longer_its_solution_before_the_todo_is_named(lab_project: Path, tmp_path: Path):
    lab = tmp_path / "labs" / "raising.ipynb"
    lab.parent.mkdir()
    notebook = nbformat.read(lab_project / "labs" / "raising.ipynb", as_version=4)
    notebook.cells[0].source = "x = 2"
    nbformat.write(notebook, lab)
    with pytest.raises(AssertionError, match=r"raising.ipynb: code cells \[0\] before the first TODO differ"):
        nbval_reuse.first_todo_code_cell(lab, lab_project / "solutions" / "raising.ipynb")
