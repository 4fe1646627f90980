from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from helpers.authoring import build_labs
from helpers.authoring.build_labs import (
    LabBuildError,
    LabState,
    build_labs as build,
    keep_backup,
    lab_from_solution,
    stub_source,
)
from lab_support import block_backups

NOW = datetime(2026, 12, 7, 10, 30, 0)


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
    code = [c for c in lab.cells if c.cell_type == "code"]
    assert "exercise 1: one" in code[0].source
    assert "exercise 2: two" in code[1].source and "exercise 3: three" in code[1].source


def test_each_exercise_cell_is_followed_by_its_answer_collapsed_with_a_stable_id():
    cell = nbformat.v4.new_code_cell(SOLVED)
    cell.id = "nb04-13"
    plain = nbformat.v4.new_code_cell("print('no exercise here')")
    lab = lab_from_solution(make_notebook(cell, plain), "04_gd")
    assert [c.cell_type for c in lab.cells] == ["code", "markdown", "code"]  # no answer after a plain cell
    answer = lab.cells[1]
    assert answer.metadata["tags"] == ["answer"] and answer.id == "nb04-13-answer"
    assert answer.source.startswith("<details><summary>Show the answer to exercise 1</summary>")
    assert answer.source.rstrip().endswith("</details>")  # collapsed: read only on request
    # The solved cell as a learner writes it: the markers and the HINT line are not part of the answer.
    assert "    return 2 / len(y) * X.T @ residual\ncheck.gradient(gradient)\n```" in answer.source
    assert "### BEGIN" not in answer.source and "# HINT" not in answer.source
    assert lab_from_solution(make_notebook(cell, plain), "04_gd") == lab  # regenerating gives the same lab


def test_a_cell_with_two_regions_gets_one_answer_naming_both():
    two = nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\n# HINT: two\ny = 2\n### END SOLUTION\n### BEGIN SOLUTION\n# HINT: three\nz = 3\n### END SOLUTION"
    )
    lab = lab_from_solution(make_notebook(two), "99_demo")
    assert "Show the answer to exercises 1 and 2" in lab.cells[1].source
    assert "y = 2\nz = 3" in lab.cells[1].source


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


CHANGED = SOLVED.replace("2 /", "3 /").replace("2/n", "3/n")  # an instructor's edit of the solution


def files(folder: Path) -> dict[Path, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def backups(labs: Path) -> list[Path]:
    return sorted((labs / ".backup").glob("*.ipynb"))


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


def test_check_reports_stale_and_orphaned_labs_and_writes_nothing(tmp_path: Path, capsys):
    write_solution(tmp_path / "solutions", "01_demo.ipynb")
    build(tmp_path / "solutions", tmp_path / "labs")
    write_solution(tmp_path / "solutions", "01_demo.ipynb", SOLVED.replace("2 /", "3 /").replace("2/n", "3/n"))
    write_solution(tmp_path / "labs", "02_gone.ipynb")
    before = files(tmp_path)
    assert build_labs.main(["--check"], tmp_path) == 1
    err = capsys.readouterr().err
    assert "labs/01_demo.ipynb is out of date with solutions/01_demo.ipynb: run `make labs`" in err
    assert "labs/02_gone.ipynb has no solution in solutions/" in err and "never deletes" in err
    assert files(tmp_path) == before  # --check never writes, not even a backup or the record
    assert build_labs.main([], tmp_path) == 0
    assert "left labs/02_gone.ipynb alone" in capsys.readouterr().out
    assert (tmp_path / "labs" / "02_gone.ipynb").read_bytes() == before[tmp_path / "labs" / "02_gone.ipynb"]
    assert backups(tmp_path / "labs") == []  # the lab was what build-labs wrote: nothing to keep
    # The orphan stays, so --check keeps failing until a person decides what it is.
    assert build_labs.main(["--check"], tmp_path) == 1


def test_bad_notebook_name_is_rejected(tmp_path: Path, capsys):
    write_solution(tmp_path / "solutions", "Demo Notebook.ipynb")
    assert build_labs.main([], tmp_path) == 2
    assert "NN_topic.ipynb" in capsys.readouterr().err


def test_repository_labs_are_in_sync(root: Path):
    result = build(root / "solutions", root / "labs", check=True)
    assert result.written == [] and result.orphans == [], (
        "run `make labs` (it backs up any lab it replaces, in labs/.backup/) and commit labs/"
    )


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


# --- a learner's work is never lost ---------------------------------------------------------------


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course root with one solution and its lab, as `make labs` leaves it."""
    write_solution(tmp_path / "solutions", "01_demo.ipynb")
    build(tmp_path / "solutions", tmp_path / "labs")
    return tmp_path


def learner_edit(lab: Path, answer: str = "return X.T @ (X @ w - y)  # mine") -> bytes:
    """Fill in the TODO, run the cell (an output) and save, as JupyterLab does."""
    notebook = nbformat.read(lab, as_version=4)
    notebook.cells[0].source = notebook.cells[0].source.replace(
        'raise NotImplementedError("TODO 01_demo exercise 1: 2/n X.T (Xw - y)")', answer
    )
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", text="✔ correct\n")]
    notebook.cells[0].execution_count = 3
    nbformat.write(notebook, lab)
    return lab.read_bytes()


def run_only(lab: Path) -> bytes:
    """Run the lab's cells without editing them, then save: outputs and counts, same sources."""
    notebook = nbformat.read(lab, as_version=4)
    error = nbformat.v4.new_output("error", ename="NotImplementedError", evalue="TODO", traceback=[])
    notebook.cells[0].outputs = [error]
    notebook.cells[0].execution_count = 1
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    nbformat.write(notebook, lab)
    return lab.read_bytes()


CONFLICTED = b"""{
 "cells": [
<<<<<<< Updated upstream
  {"cell_type": "code", "source": "x = 1"}
=======
  {"cell_type": "code", "source": "x = 2  # my work"}
>>>>>>> Stashed changes
 ]
}
"""


@pytest.mark.parametrize("change_solution", [False, True], ids=["same-solution", "solution-changed"])
def test_edited_lab_is_backed_up_byte_for_byte_before_it_is_replaced(course: Path, change_solution: bool, capsys):
    lab = course / "labs" / "01_demo.ipynb"
    work = learner_edit(lab)
    if change_solution:
        write_solution(course / "solutions", "01_demo.ipynb", CHANGED)
    assert build_labs.main([], course) == 0
    [backup] = backups(course / "labs")
    assert backup.read_bytes() == work
    assert re.fullmatch(r"01_demo-\d{8}-\d{6}\.ipynb", backup.name)  # stamped with the time of the run
    assert "raise NotImplementedError" in lab.read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert "wrote labs/01_demo.ipynb; the previous file differed from the generated lab (your edits?): " in out
    assert f"your version is kept in labs/.backup/{backup.name}" in out
    assert build_labs.main(["--check"], course) == 0  # `make labs` converges


def test_lab_that_was_only_run_is_backed_up_and_said_to_have_no_edits(course: Path, capsys):
    lab = course / "labs" / "01_demo.ipynb"
    ran = run_only(lab)
    assert build_labs.main(["--check"], course) == 1
    assert "holds outputs or metadata saved after running it (no edits): run `make labs`" in capsys.readouterr().err
    build_labs.main([], course)
    [backup] = backups(course / "labs")
    assert backup.read_bytes() == ran
    assert "had outputs from running it (no edits): a copy with them is in labs/.backup/" in capsys.readouterr().out


def test_lab_with_conflict_markers_is_moved_aside_not_deleted(course: Path, capsys):
    lab = course / "labs" / "01_demo.ipynb"
    lab.write_bytes(CONFLICTED)
    assert build_labs.main(["--check"], course) == 1
    assert "is not a readable notebook (git conflict markers?): run `make labs`" in capsys.readouterr().err
    assert lab.read_bytes() == CONFLICTED
    build_labs.main([], course)
    [backup] = backups(course / "labs")
    assert backup.read_bytes() == CONFLICTED
    nbformat.validate(nbformat.read(lab, as_version=4))
    out = capsys.readouterr().out
    assert f"was not a readable notebook (git conflict markers?): moved to labs/.backup/{backup.name}" in out


def test_undecodable_bytes_are_kept_byte_for_byte(course: Path):
    lab = course / "labs" / "01_demo.ipynb"
    lab.write_bytes(b'{"cells": ["\xff\xfe caf\xe9"]}')
    build(course / "solutions", course / "labs", now=NOW)
    assert backups(course / "labs")[0].read_bytes() == b'{"cells": ["\xff\xfe caf\xe9"]}'


def test_outdated_lab_nobody_touched_is_replaced_without_a_backup(course: Path, capsys):
    # The instructor's loop: edit a solution, `make labs`. The lab is what build-labs wrote last time.
    write_solution(course / "solutions", "01_demo.ipynb", CHANGED)
    assert build_labs.main(["--check"], course) == 1
    assert "(it was not edited)" in capsys.readouterr().err
    result = build(course / "solutions", course / "labs")
    assert result.states == {course / "labs" / "01_demo.ipynb": LabState.OUTDATED}
    assert backups(course / "labs") == []
    assert "3/n" in (course / "labs" / "01_demo.ipynb").read_text(encoding="utf-8")


def test_without_the_record_a_differing_lab_is_backed_up(course: Path):
    # A fresh clone has no record: an older lab cannot be told from an edited one, so it is kept.
    (course / "labs" / ".backup" / "last-generated.json").unlink()
    old = (course / "labs" / "01_demo.ipynb").read_bytes()
    write_solution(course / "solutions", "01_demo.ipynb", CHANGED)
    result = build(course / "solutions", course / "labs")
    assert [b.state for b in result.backups] == [LabState.EDITED]
    assert result.backups[0].backup.read_bytes() == old


def test_a_damaged_record_only_costs_a_backup(course: Path):
    (course / "labs" / ".backup" / "last-generated.json").write_text("<<<<<<< not json")
    write_solution(course / "solutions", "01_demo.ipynb", CHANGED)
    assert len(build(course / "solutions", course / "labs").backups) == 1


def test_same_notebook_in_another_json_layout_is_rewritten_without_a_backup(course: Path):
    lab = course / "labs" / "01_demo.ipynb"
    lab.write_text(json.dumps(json.loads(lab.read_text(encoding="utf-8")), indent=4), encoding="utf-8")
    result = build(course / "solutions", course / "labs")
    assert result.states == {lab: LabState.REFORMATTED} and result.backups == []


def test_notebooks_without_a_solution_are_never_touched(course: Path, capsys):
    labs = course / "labs"
    own = {
        labs / "Untitled.ipynb": b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        labs / "01_demo-Copy1.ipynb": learner_edit(labs / "01_demo.ipynb"),
        labs / "my notes.ipynb": b"not even json",
        labs / "02_old_lab.ipynb": b'{"cells": []}',
    }
    (labs / "01_demo.ipynb").unlink()
    for path, data in own.items():
        path.write_bytes(data)
    stamps = {path: path.stat().st_mtime_ns for path in own}
    assert build_labs.main(["--check"], course) == 1
    err = capsys.readouterr().err
    assert "labs/02_old_lab.ipynb has no solution" in err  # named like a lab: a person must decide
    assert "Copy1" not in err and "Untitled" not in err and "my notes" not in err
    assert build_labs.main([], course) == 0
    assert "wrote labs/01_demo.ipynb\n" in capsys.readouterr().out  # the missing lab, no backup needed
    for path, data in own.items():
        assert path.read_bytes() == data and path.stat().st_mtime_ns == stamps[path], path.name
    assert backups(labs) == []


def test_backups_of_two_runs_in_the_same_second_never_overwrite_each_other(course: Path):
    lab = course / "labs" / "01_demo.ipynb"
    first = learner_edit(lab, "return 1  # first try")
    build(course / "solutions", course / "labs", now=NOW)
    second = learner_edit(lab, "return 2  # second try")
    build(course / "solutions", course / "labs", now=NOW)
    names = [b.name for b in backups(course / "labs")]
    assert names == ["01_demo-20261207-103000-1.ipynb", "01_demo-20261207-103000.ipynb"]
    assert {b.read_bytes() for b in backups(course / "labs")} == {first, second}


def test_concurrent_backups_claim_distinct_names(course: Path):
    lab = course / "labs" / "01_demo.ipynb"
    made: list[Path] = []
    threads = [threading.Thread(target=lambda: made.append(keep_backup(lab, NOW))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 8 and len(backups(course / "labs")) == 8
    assert all(b.read_bytes() == lab.read_bytes() for b in made)


def test_a_broken_solution_changes_no_lab(course: Path, capsys):
    write_solution(course / "solutions", "00_first.ipynb", CHANGED)
    (course / "solutions" / "02_broken.ipynb").write_text(CONFLICTED.decode(), encoding="utf-8")
    before = files(course / "labs")
    assert build_labs.main([], course) == 2
    err = capsys.readouterr().err
    assert "solutions/02_broken.ipynb is not a readable notebook" in err and "no lab was changed" in err
    assert files(course / "labs") == before


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--chek"], ["--check", "-n"]])
def test_help_or_a_typo_writes_nothing(course: Path, argv: list[str], capsys):
    learner_edit(course / "labs" / "01_demo.ipynb")
    before = files(course)
    assert build_labs.main(argv, course) == (0 if argv[0] in {"-h", "--help"} else 2)
    shown = capsys.readouterr()
    assert "usage: python -m helpers build-labs [--check]" in shown.out + shown.err
    assert files(course) == before


def test_named_labs_only_are_built_or_checked(course: Path, capsys):
    write_solution(course / "solutions", "02_other.ipynb")
    write_solution(course / "solutions", "01_demo.ipynb", CHANGED)
    assert build_labs.main(["--check", "2"], course) == 1
    assert "labs/02_other.ipynb is missing" in capsys.readouterr().err
    assert build_labs.main(["solutions/02_other.ipynb"], course) == 0
    assert capsys.readouterr().out.splitlines() == ["wrote labs/02_other.ipynb", "1 written, 0 unchanged, 0 backed up"]
    assert "3/n" not in (course / "labs" / "01_demo.ipynb").read_text(encoding="utf-8")  # not named: untouched
    assert build_labs.main(["--check", "02_other"], course) == 0
    assert build_labs.main(["--check"], course) == 1


@pytest.mark.parametrize("wanted", ["7", "03", "demo", "01_demo_x"])
def test_an_unknown_lab_name_changes_nothing(course: Path, wanted: str, capsys):
    before = files(course)
    assert build_labs.main([wanted], course) == 2
    assert f"no solution notebook {wanted!r}; there are: 01_demo" in capsys.readouterr().err
    assert files(course) == before


def test_written_labs_keep_readable_permissions(course: Path):
    lab = course / "labs" / "01_demo.ipynb"
    assert lab.stat().st_mode & 0o777 == 0o644  # new: as a plain write would make it (not mkstemp's 0600)
    lab.chmod(0o664)
    write_solution(course / "solutions", "01_demo.ipynb", CHANGED)
    build(course / "solutions", course / "labs")
    assert lab.stat().st_mode & 0o777 == 0o664  # replaced: keeps its mode


def test_a_backup_that_cannot_be_written_leaves_the_lab_as_it_was(course: Path, capsys):
    lab = course / "labs" / "01_demo.ipynb"
    work = learner_edit(lab)
    block_backups(course / "labs")
    assert build_labs.main([], course) == 1
    err = capsys.readouterr().err
    assert err.startswith("build-labs: stopped: ") and "Nothing was deleted" in err
    assert lab.read_bytes() == work
