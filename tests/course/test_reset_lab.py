"""reset-lab: a lab goes back to what build-labs generates, and the learner's work is never lost."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from helpers.course import reset_lab
from helpers.authoring.build_labs import LabState, build_labs
from helpers.course.reset_lab import Outcome, ResetError
from lab_support import block_backups

NOW = datetime(2026, 11, 23, 14, 5, 9)


def solution() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# 04 · Gradient descent"),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\n# HINT: X.T @ residual\ngrad = 2 * X.T @ r\n### END SOLUTION"),
        nbformat.v4.new_markdown_cell("Say why.", metadata={"tags": ["instructor"]}),
    ]
    return notebook


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A fake course root with two solutions and their labs, generated as `make labs` does."""
    (tmp_path / "solutions").mkdir()
    nbformat.write(solution(), tmp_path / "solutions" / "04_linear_regression_gd.ipynb")
    nbformat.write(solution(), tmp_path / "solutions" / "10_capstone.ipynb")
    build_labs(tmp_path / "solutions", tmp_path / "labs")
    return tmp_path


def backups(course: Path) -> list[str]:
    """The backup notebooks in labs/.backup/ (the folder also holds build-labs' record)."""
    return sorted(p.name for p in (course / "labs" / ".backup").glob("*.ipynb"))


def files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def learner_edit(lab: Path) -> str:
    """What a learner does: fill in the TODO, run it (outputs) and save."""
    notebook = nbformat.read(lab, as_version=4)
    notebook.cells[1].source = "grad = 2 * X.T @ r  # my answer"
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="ok\n")]
    text = nbformat.writes(notebook)
    lab.write_text(text, encoding="utf-8")
    return text


def test_edited_lab_is_backed_up_then_made_pristine(course: Path):
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    pristine = lab.read_text(encoding="utf-8")
    work = learner_edit(lab)
    outcome, path, backup = reset_lab.reset_lab(course, "04", now=NOW)
    assert outcome is Outcome.RESET and path == lab
    assert backup == course / "labs" / ".backup" / "04_linear_regression_gd-20261123-140509.ipynb"
    assert backup.read_text(encoding="utf-8") == work  # byte for byte
    assert lab.read_text(encoding="utf-8") == pristine
    assert "NotImplementedError" in pristine and "Say why." not in pristine
    names = sorted(p.name for p in (course / "labs").iterdir())
    assert names == [".backup", "04_linear_regression_gd.ipynb", "10_capstone.ipynb"]  # no stray temp file


def test_pristine_lab_is_left_alone_without_a_backup(course: Path, capsys: pytest.CaptureFixture):
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    before = lab.stat().st_mtime_ns
    assert reset_lab.main(["04"], course) == 0
    assert "labs/04_linear_regression_gd.ipynb is already pristine: nothing changed, no backup needed." in (
        capsys.readouterr().out
    )
    assert lab.stat().st_mtime_ns == before
    assert backups(course) == []


def test_resaved_but_unchanged_lab_counts_as_pristine(course: Path):
    # JupyterLab may write the same notebook with another JSON layout: that is not work to back up.
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    lab.write_text(json.dumps(json.loads(lab.read_text(encoding="utf-8")), indent=4), encoding="utf-8")
    assert reset_lab.reset_lab(course, "4")[0] is Outcome.PRISTINE


def test_two_resets_in_the_same_second_keep_both_backups(course: Path):
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    first = learner_edit(lab)
    _, _, backup1 = reset_lab.reset_lab(course, "04", now=NOW)
    lab.write_text(first.replace("my answer", "second try"), encoding="utf-8")
    _, _, backup2 = reset_lab.reset_lab(course, "04", now=NOW)
    assert backup1 != backup2 and backup2.name == "04_linear_regression_gd-20261123-140509-1.ipynb"
    assert "my answer" in backup1.read_text(encoding="utf-8")
    assert "second try" in backup2.read_text(encoding="utf-8")


def test_damaged_lab_is_kept_as_backup(course: Path):
    lab = course / "labs" / "10_capstone.ipynb"
    lab.write_text('{"cells": [ half a notebo', encoding="utf-8")
    outcome, _, backup = reset_lab.reset_lab(course, "10_capstone", now=NOW)
    assert outcome is Outcome.RESET
    assert backup.read_text(encoding="utf-8") == '{"cells": [ half a notebo'
    nbformat.validate(nbformat.read(lab, as_version=4))


def test_missing_lab_is_written(course: Path, capsys: pytest.CaptureFixture):
    (course / "labs" / "10_capstone.ipynb").unlink()
    assert reset_lab.main(["labs/10_capstone.ipynb"], course) == 0
    assert "labs/10_capstone.ipynb was missing: wrote the pristine lab." in capsys.readouterr().out
    assert (course / "labs" / "10_capstone.ipynb").exists()


def test_cli_reports_where_the_work_went(course: Path, capsys: pytest.CaptureFixture):
    learner_edit(course / "labs" / "04_linear_regression_gd.ipynb")
    assert reset_lab.main(["04"], course) == 0
    out = capsys.readouterr().out
    assert "labs/04_linear_regression_gd.ipynb is pristine again. Your work is kept in labs/.backup/04_" in out
    assert "Reload Notebook from Disk" in out


@pytest.mark.parametrize("wanted", ["7", "99", "04_linear", "lab"])
def test_unknown_lab_lists_the_labs_and_changes_nothing(course: Path, wanted: str, capsys: pytest.CaptureFixture):
    before = files(course / "labs")
    assert reset_lab.main([wanted], course) == 2
    err = capsys.readouterr().err
    assert f"there is no lab {wanted!r}. The labs are:" in err
    assert "  04  labs/04_linear_regression_gd.ipynb" in err and "  10  labs/10_capstone.ipynb" in err
    assert files(course / "labs") == before


def test_broken_solution_leaves_the_lab_untouched(course: Path):
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    work = learner_edit(lab)
    broken = solution()
    broken.cells[1].source = "### BEGIN SOLUTION\ngrad = 1\n### END SOLUTION"  # no HINT line
    nbformat.write(broken, course / "solutions" / "04_linear_regression_gd.ipynb")
    with pytest.raises(ResetError, match="needs exactly one '# HINT: ...' line.*lab was left unchanged"):
        reset_lab.reset_lab(course, "04")
    assert lab.read_text(encoding="utf-8") == work
    assert backups(course) == []


def test_no_argument_prints_usage_with_the_labs(course: Path, capsys: pytest.CaptureFixture):
    assert reset_lab.main([], course) == 2
    assert reset_lab.main(["--help"], course) == 0
    out = capsys.readouterr().out
    assert "usage: python -m helpers reset-lab NN" in out and "labs: 04, 10" in out


def test_after_a_reset_build_labs_knows_the_lab_is_its_own(course: Path):
    # A fresh clone has no record of what build-labs wrote; reset-lab writes the lab, so it records it.
    (course / "labs" / ".backup" / "last-generated.json").unlink()
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    learner_edit(lab)
    reset_lab.reset_lab(course, "04", now=NOW)
    changed = solution()
    changed.cells[0].source = "# 04 · Gradient descent, revised"
    nbformat.write(changed, course / "solutions" / "04_linear_regression_gd.ipynb")
    result = build_labs(course / "solutions", course / "labs")
    assert result.states == {lab: LabState.OUTDATED}  # replaced without a second, needless backup
    assert backups(course) == ["04_linear_regression_gd-20261123-140509.ipynb"]


def test_a_backup_that_cannot_be_written_leaves_the_lab_as_it_was(course: Path, capsys: pytest.CaptureFixture):
    lab = course / "labs" / "04_linear_regression_gd.ipynb"
    work = learner_edit(lab)
    block_backups(course / "labs")
    assert reset_lab.main(["04"], course) == 1
    assert "reset-lab: 04: stopped: " in capsys.readouterr().err
    assert lab.read_text(encoding="utf-8") == work
