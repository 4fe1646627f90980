from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from helpers.course import build_labs
from helpers.course.build_labs import LabBuildError, build_labs as build, lab_from_solution, stub_source


def make_notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


SOLVED = """import numpy as np
def gradient(X, y, w):
    ### BEGIN SOLUTION
    # HINT: 2/n X.T (Xw - y)
    residual = X @ w - y
    return 2 / len(y) * X.T @ residual
    ### END SOLUTION
check.gradient(gradient)"""


def test_region_becomes_stub_with_lab_number_and_hint():
    source, count = stub_source(SOLVED, "04_gd", 3, "cell 1")
    assert count == 1
    assert "residual" not in source
    assert '    raise NotImplementedError("TODO 04_gd exercise 3: 2/n X.T (Xw - y)")' in source
    assert "    # TODO exercise 3: 2/n X.T (Xw - y)" in source
    assert source.splitlines()[0] == "import numpy as np"
    assert source.splitlines()[-1] == "check.gradient(gradient)"


def test_numbering_runs_across_cells_and_outputs_are_cleared():
    solved = nbformat.v4.new_code_cell("### BEGIN SOLUTION\n# HINT: one\nx = 1\n### END SOLUTION")
    solved.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    solved.execution_count = 4
    second = nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\n# HINT: two\ny = 2\n### END SOLUTION\n### BEGIN SOLUTION\n# HINT: three\nz = 3\n### END SOLUTION"
    )
    lab = lab_from_solution(make_notebook(solved, second), "99_demo")
    assert lab.cells[0].outputs == [] and lab.cells[0].execution_count is None
    assert "exercise 1: one" in lab.cells[0].source
    assert "exercise 2: two" in lab.cells[1].source and "exercise 3: three" in lab.cells[1].source


def test_instructor_cells_are_dropped():
    note = nbformat.v4.new_markdown_cell("Facilitator notes: watch the clock", metadata={"tags": ["instructor"]})
    keep = nbformat.v4.new_markdown_cell("# Title")
    lab = lab_from_solution(make_notebook(keep, note), "99_demo")
    assert [c.source for c in lab.cells] == ["# Title"]


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "exactly one '# HINT"),
        ("### BEGIN SOLUTION\n# HINT: a\n# HINT: b\n### END SOLUTION", "exactly one '# HINT"),
        ("### BEGIN SOLUTION\n# HINT: a\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n", "inside another"),
    ],
)
def test_malformed_regions_name_the_cell(source, problem):
    with pytest.raises(LabBuildError, match=problem) as info:
        stub_source(source, "99_demo", 1, "99_demo.ipynb cell 7")
    assert "cell 7" in str(info.value)


def write_solution(folder: Path, name: str, source: str = SOLVED) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(make_notebook(nbformat.v4.new_code_cell(source)), path)
    return path


def test_build_then_check_is_clean_and_idempotent(tmp_path: Path):
    write_solution(tmp_path / "solutions", "01_demo.ipynb")
    first = build(tmp_path / "solutions", tmp_path / "labs")
    assert [p.name for p in first.written] == ["01_demo.ipynb"]
    again = build(tmp_path / "solutions", tmp_path / "labs")
    assert again.written == [] and [p.name for p in again.unchanged] == ["01_demo.ipynb"]
    assert build(tmp_path / "solutions", tmp_path / "labs", check=True).written == []


def test_check_reports_stale_and_orphaned_labs(tmp_path: Path, capsys):
    solution = write_solution(tmp_path / "solutions", "01_demo.ipynb")
    build(tmp_path / "solutions", tmp_path / "labs")
    write_solution(tmp_path / "solutions", "01_demo.ipynb", SOLVED.replace("2 /", "3 /").replace("2/n", "3/n"))
    write_solution(tmp_path / "labs", "02_gone.ipynb")
    assert build_labs.main(["--check"], tmp_path) == 1
    err = capsys.readouterr().err
    assert "labs/01_demo.ipynb is stale" in err
    assert "labs/02_gone.ipynb has no solution (orphaned)" in err
    # --check never writes.
    assert (tmp_path / "labs" / "02_gone.ipynb").exists()
    assert solution.exists()
    assert build_labs.main([], tmp_path) == 0
    assert not (tmp_path / "labs" / "02_gone.ipynb").exists()
    assert build_labs.main(["--check"], tmp_path) == 0


def test_bad_notebook_name_is_rejected(tmp_path: Path, capsys):
    write_solution(tmp_path / "solutions", "Demo Notebook.ipynb")
    assert build_labs.main([], tmp_path) == 2
    assert "NN_topic.ipynb" in capsys.readouterr().err


def test_repository_labs_are_in_sync(root: Path):
    result = build(root / "solutions", root / "labs", check=True)
    assert result.written == [] and result.removed == [], "run `make labs` and commit labs/"


def test_generated_stub_is_valid_python_that_raises():
    source, _ = stub_source(SOLVED, "04_gd", 1, "cell")
    namespace: dict = {"check": None}
    exec(compile(source.replace("check.gradient(gradient)", ""), "<lab>", "exec"), namespace)
    with pytest.raises(NotImplementedError, match=r"^TODO 04_gd exercise 1: 2/n X.T \(Xw - y\)$"):
        namespace["gradient"](None, None, None)


def test_lab_json_is_stable_text(tmp_path: Path):
    write_solution(tmp_path / "solutions", "01_demo.ipynb")
    build(tmp_path / "solutions", tmp_path / "labs")
    text = (tmp_path / "labs" / "01_demo.ipynb").read_text()
    assert text.endswith("}\n\n") or text.endswith("}\n")
    assert json.loads(text)["cells"][0]["outputs"] == []
