"""nbval_reuse.compare fails on an output that differs from the stored one, and passes on the same one.

A child pytest collects a one-cell notebook under nbval next to a test named like the papermill test:
nbval's item is moved (deselected), and the test hands ``compare`` an "executed" copy whose output is
set by the environment, so no kernel runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
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
