"""reset-lab: a lab goes back to what build-labs generates, and the learner's work is never lost.

Also in the learner's own copy of the labs (``FLYWHEEL_LABS`` or ``--labs``: the classroom hub's ~/flywheel,
which nbgitpuller keeps in step with the published labs): the reset and its backup happen there, the
checkout's labs/ is untouched, and nbgitpuller's next pull neither fails nor loses the backup."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from helpers import ROOT
from helpers.course import reset_lab
from helpers.authoring.build_labs import LabState, build_labs
from helpers.course.reset_lab import LABS_ENV, Outcome, ResetError
from lab_support import block_backups

NOW = datetime(2026, 11, 23, 14, 5, 9)


@pytest.fixture(autouse=True)
def no_labs_folder_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts as on a laptop: no FLYWHEEL_LABS (the tests of a learner's copy set it)."""
    monkeypatch.delenv(LABS_ENV, raising=False)


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
    # make lab's JupyterLab starts in labs/: File > Open from Path... takes the path from there
    assert "File > Open from Path..., then .backup/04_linear_regression_gd-" in out


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


# --- a learner's own copy of the labs (FLYWHEEL_LABS / --labs): the classroom hub's ~/flywheel ----------------


@pytest.mark.parametrize("argv, served", [([], False), ([reset_lab.ALLOW_HIDDEN], True)], ids=["default", "allowed"])
def test_jupyter_serves_the_backups_only_with_the_option_make_lab_and_the_hub_pass(course: Path, argv, served,
                                                                                   monkeypatch: pytest.MonkeyPatch):
    # Jupyter's own contents manager, configured from the command line as `jupyter lab` is: what JupyterLab's
    # File > Open from Path... (GET /api/contents/.backup/<file>) gets
    from jupyter_events import EventLogger
    from jupyter_server.serverapp import ServerApp
    from tornado.web import HTTPError

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(course / "jupyter-data"))  # no key written outside tmp
    learner_edit(course / "labs" / "04_linear_regression_gd.ipynb")
    _, _, backup = reset_lab.reset_lab(course, "04", now=NOW)
    server = ServerApp()
    server.parse_command_line(argv)
    contents = server.contents_manager_class(parent=server, root_dir=str(course / "labs"), event_logger=EventLogger())
    path = reset_lab.jupyter_path(backup, course)
    if served:
        assert asyncio.run(contents.get(path, content=False))["type"] == "notebook"
    else:
        with pytest.raises(HTTPError) as refused:
            asyncio.run(contents.get(path, content=False))
        assert refused.value.status_code == 404  # "file or directory does not exist": the learner's work, hidden


@pytest.fixture
def copy(course: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The learner's copy of the labs, in their home (``~/flywheel``, outside the checkout), as the hub's
    nbgitpuller makes it."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    mine = home / "flywheel"
    shutil.copytree(course / "labs", mine, ignore=shutil.ignore_patterns(".backup"))
    return mine


def test_flywheel_labs_resets_the_learners_copy_with_the_backup_there(course: Path, copy: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture):
    checkout = files(course / "labs")  # pristine: the old code said "already pristine" and did nothing
    work = learner_edit(copy / "04_linear_regression_gd.ipynb")
    monkeypatch.setenv(LABS_ENV, str(copy))
    assert reset_lab.main(["04"], course) == 0
    [backup] = (copy / ".backup").glob("04_*.ipynb")
    assert backup.read_text(encoding="utf-8") == work
    pristine = checkout[course / "labs" / "04_linear_regression_gd.ipynb"]
    assert (copy / "04_linear_regression_gd.ipynb").read_bytes() == pristine
    assert files(course / "labs") == checkout
    out = capsys.readouterr().out
    assert ("~/flywheel/04_linear_regression_gd.ipynb is pristine again. "
            f"Your work is kept in ~/flywheel/.backup/{backup.name}") in out
    # the hub's JupyterLab starts in the learner's home
    assert f"File > Open from Path..., then flywheel/.backup/{backup.name} " in out


def test_the_labs_option_wins_over_the_environment_and_may_be_relative(course: Path, copy: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture):
    monkeypatch.setenv(LABS_ENV, str(course / "labs"))
    learner_edit(copy / "10_capstone.ipynb")
    monkeypatch.chdir(copy.parent)
    assert reset_lab.main(["--labs", "flywheel", "10"], course) == 0
    assert "~/flywheel/10_capstone.ipynb is pristine again" in capsys.readouterr().out
    assert len(list((copy / ".backup").glob("10_capstone-*.ipynb"))) == 1
    assert backups(course) == []


def test_help_names_the_labs_folder_and_what_chose_it(course: Path, copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture):
    monkeypatch.setenv(LABS_ENV, str(copy))
    assert reset_lab.main(["--help"], course) == 0
    assert "labs folder: ~/flywheel (from FLYWHEEL_LABS)" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["env", "option"])
def test_a_missing_labs_folder_is_refused_naming_the_fix_and_nothing_is_made(course: Path, tmp_path: Path, how: str,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            capsys: pytest.CaptureFixture):
    missing = tmp_path / "flywhel"  # a typo
    argv = ["04", "10"]
    if how == "env":
        monkeypatch.setenv(LABS_ENV, str(missing))
    else:
        argv += [f"--labs={missing}"]
    before = files(course / "labs")
    assert reset_lab.main(argv, course) == 2
    err = capsys.readouterr().err
    named_by = "FLYWHEEL_LABS" if how == "env" else "--labs"
    assert err.count("reset-lab: ") == 1  # said once, not once per lab
    assert f"reset-lab: {named_by} names {missing}, which does not exist." in err
    assert ("unset it to use the checkout's labs/" in err) == (how == "env")
    assert "--labs ~/flywheel" in err
    assert not missing.exists() and files(course / "labs") == before


def test_a_labs_folder_that_is_a_file_or_a_bare_option_is_refused(course: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture):
    (tmp_path / "notes.txt").write_text("not labs")
    assert reset_lab.main(["04", "--labs", str(tmp_path / "notes.txt")], course) == 2
    assert reset_lab.main(["04", "--labs"], course) == 2
    assert reset_lab.main(["--labs", str(tmp_path)], course) == 2  # a folder but no lab: the usage
    err = capsys.readouterr().err
    assert f"--labs names {tmp_path / 'notes.txt'}, which is not a folder." in err
    assert "--labs needs a folder, e.g. --labs ~/flywheel" in err
    assert err.count("usage: python -m helpers reset-lab NN [NN ...] [--labs DIR]") == 2


# --- with nbgitpuller, as the classroom hub pulls the published labs into ~/flywheel --------------------------


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def pulled(course: Path, copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The course's labs published as the hub does, and ``pull()`` (nbgitpuller) into the learner's copy."""
    hub = pytest.importorskip("helpers.course.hub", reason="the classroom extra (jupyterhub) is not installed")
    GitPuller = pytest.importorskip("nbgitpuller.pull").GitPuller
    repo = tmp_path / "state" / hub.LABS_REPO
    shutil.rmtree(copy)  # nbgitpuller clones it

    def publish() -> None:
        build_labs(course / "solutions", course / "labs")
        hub.publish_labs(course / "labs", repo)

    def pull() -> None:
        for _ in GitPuller(f"file://{repo}", str(copy), branch=hub.LABS_BRANCH).pull():
            pass

    publish()
    pull()
    monkeypatch.setenv(LABS_ENV, str(copy))
    return publish, pull


def test_after_a_reset_the_next_pull_works_and_keeps_the_backup(course: Path, copy: Path, pulled):
    publish, pull = pulled
    lab = copy / "04_linear_regression_gd.ipynb"
    work = learner_edit(lab)
    pull()  # nbgitpuller commits the learner's edit in their copy
    assert "my answer" in git(copy, "show", "HEAD:04_linear_regression_gd.ipynb")
    outcome, _, backup = reset_lab.reset_lab(course, "04", now=NOW)
    assert outcome is Outcome.RESET and backup.parent == copy / ".backup"
    assert git(copy, "diff", "origin/main", "--", lab.name) == ""  # the reset lab is the published one
    pull()
    assert git(copy, "diff", "origin/main") == ""  # every tracked file as published, nothing to merge
    assert backup.read_text(encoding="utf-8") == work  # untracked: nbgitpuller left it alone
    assert git(copy, "ls-files", ".backup") == ""  # and never committed it


def test_a_lab_reset_to_a_revision_not_yet_pulled_merges_cleanly_with_it(course: Path, copy: Path, pulled):
    publish, pull = pulled
    lab = copy / "04_linear_regression_gd.ipynb"
    work = learner_edit(lab)  # not committed: no pull since
    revised = solution()
    revised.cells[0].source = "# 04 · Gradient descent, revised"
    nbformat.write(revised, course / "solutions" / "04_linear_regression_gd.ipynb")
    publish()  # the instructor publishes the revision; the learner resets before their next pull
    outcome, _, backup = reset_lab.reset_lab(course, "04", now=NOW)
    assert outcome is Outcome.RESET and "revised" in lab.read_text(encoding="utf-8")
    pull()
    assert git(copy, "diff", "origin/main") == ""  # the same change on both sides: no conflict
    assert "revised" in lab.read_text(encoding="utf-8") and backup.read_text(encoding="utf-8") == work


# --- as a learner (another Unix user) on a shared server: the checkout's labs/ is not theirs ------------------


@pytest.fixture(scope="module")
def learner():
    """Run ``python -m helpers reset-lab`` as user nobody with the checkout's kit, in a folder of theirs."""
    if os.geteuid() != 0:
        pytest.skip("running a command as another user needs root")
    from classroom_support import learner_python

    base = Path(tempfile.mkdtemp(prefix="flywheel-reset-"))
    base.chmod(0o755)
    try:
        python, python_env = learner_python(base)
        home = base / "home"
        home.mkdir()
        os.chown(home, 65534, 65534)

        def run(*argv: str, **env: str) -> subprocess.CompletedProcess:
            return subprocess.run([python, "-m", "helpers", "reset-lab", *argv], cwd=home, user=65534, group=65534,
                                  extra_groups=[], capture_output=True, text=True, timeout=60,
                                  env={"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(ROOT),
                                       **python_env, **env})

        yield home, run
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_learner_resets_their_own_copy_and_is_told_the_fix_for_the_checkouts(learner):
    home, run = learner
    mine = home / "flywheel"
    mine.mkdir()
    lab = mine / "00_welcome.ipynb"
    lab.write_text('{"cells": [ my half-saved work', encoding="utf-8")
    for path in (mine, lab):
        os.chown(path, 65534, 65534)
    done = run("00", FLYWHEEL_LABS=str(mine))
    assert done.returncode == 0, done.stderr
    assert "~/flywheel/00_welcome.ipynb is pristine again" in done.stdout
    assert lab.read_text(encoding="utf-8") == reset_lab.pristine_text(ROOT, "00_welcome")
    [backup] = (mine / ".backup").glob("00_welcome-*.ipynb")
    assert backup.read_text(encoding="utf-8") == '{"cells": [ my half-saved work' and backup.stat().st_uid == 65534
    checkout = run("00")  # no FLYWHEEL_LABS (a plain ssh shell): the checkout's labs/, root's
    assert checkout.returncode == 2 and "already pristine" not in checkout.stdout
    assert f"reset-lab: the checkout's labs/ ({ROOT / 'labs'}), a folder you cannot write (it is root's)." \
        in checkout.stderr
    assert "add --labs ~/flywheel" in checkout.stderr
