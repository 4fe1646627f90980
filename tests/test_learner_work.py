"""A learner's work survives every command a learner or instructor runs, in a throwaway git clone.

The course (this working tree's Makefile, ``helpers`` command line, solutions and labs) is copied to
``tmp_path/upstream`` and committed there, as the instructor's repository; the learner clones it.
The learner then edits a lab, runs another without editing it, adds notebooks of their own, and runs
``make lab`` (dry run: it starts a server), ``make test``'s ``build-labs --check``, ``make labs``,
``reset-lab`` and ``git pull`` (with the ``git stash`` / ``git stash pop`` that leaves conflict
markers in a lab). After each step, every version of the learner's work is still somewhere under
``labs/``, byte for byte.

``make`` runs with ``-o install`` and this interpreter's venv, so it never installs anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.authoring.build_labs import GLOSSARY

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)
COURSE_FILES = ["Makefile", "pyproject.toml", "requirements.lock", "requirements-test.lock", ".gitignore",
                "helpers/__init__.py", "helpers/__main__.py",
                "classroom/proxy/package.json", "classroom/proxy/package-lock.json"]  # `make test` installs the proxy
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Flywheel test",
    "GIT_AUTHOR_EMAIL": "test@flywheel.invalid",
    "GIT_COMMITTER_NAME": "Flywheel test",
    "GIT_COMMITTER_EMAIL": "test@flywheel.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

pytestmark = pytest.mark.skipif(
    not (shutil.which("git") and shutil.which("make") and (VENV / "bin" / "python").exists()),
    reason="needs git, make and a venv",
)


def run(cwd: Path, *command: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd.parent)}  # no user git config leaks in
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        # Under `make test` these say "sub-make": make would then print "Entering directory" lines.
        env.pop(name, None)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def make(cwd: Path, target: str, dry_run: bool = False) -> subprocess.CompletedProcess:
    """``make <target>`` with the Makefile's own recipe, minus the install step."""
    flags = ["-n"] if dry_run else []
    return run(cwd, "make", *flags, "-o", "install", target, f"VENV={VENV}", ok=dry_run)


def commit(repo: Path, message: str) -> None:
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def built_upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The instructor's repository: this working tree's course, labs generated, committed (built once)."""
    repo = tmp_path_factory.mktemp("built") / "upstream"
    for name in COURSE_FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    no_cache = shutil.ignore_patterns("__pycache__")
    for package in ("course", "authoring"):  # reset-lab and build-labs
        shutil.copytree(ROOT / "helpers" / package, repo / "helpers" / package, ignore=no_cache)
    shutil.copytree(ROOT / "solutions", repo / "solutions", ignore=shutil.ignore_patterns(".*"))
    run(repo, str(VENV / "bin" / "python"), "-m", "helpers", "build-labs")
    run(repo, "git", "init", "-q", "-b", "main")
    commit(repo, "course")
    return repo


@pytest.fixture
def upstream(tmp_path: Path, built_upstream: Path) -> Path:
    """A test's own copy of the instructor's repository (a test may commit to it)."""
    repo = tmp_path / "upstream"
    shutil.copytree(built_upstream, repo, symlinks=True)
    return repo


@pytest.fixture
def learner(upstream: Path) -> Path:
    clone = upstream.parent / "learner"
    run(upstream.parent, "git", "clone", "-q", str(upstream), str(clone))
    return clone


def edit_first_todo(lab: Path, answer: str) -> bytes:
    """The learner replaces the lab's first TODO with their answer, runs the cell and saves."""
    notebook = nbformat.read(lab, as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and "raise NotImplementedError" in c.source)
    lines = cell.source.splitlines()
    todo = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    indent = lines[todo][: len(lines[todo]) - len(lines[todo].lstrip())]
    lines[todo] = f"{indent}{answer}"
    cell.source = "\n".join(lines)
    cell.outputs = [nbformat.v4.new_output("stream", text="✔ correct.\n")]
    cell.execution_count = 7
    nbformat.write(notebook, lab)
    return lab.read_bytes()


def run_without_editing(lab: Path) -> bytes:
    notebook = nbformat.read(lab, as_version=4)
    for count, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", text=f"output {count}\n")]
    nbformat.write(notebook, lab)
    return lab.read_bytes()


def generated_files(solutions: Path) -> int:
    """What build-labs keeps in labs/ from ``solutions``: a lab per solution, and the glossary's copy."""
    return len(list(solutions.glob("*.ipynb"))) + len(list(solutions.glob(GLOSSARY)))


def everything_under(folder: Path) -> set[bytes]:
    return {p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_nothing_lost(labs: Path, work: dict[str, bytes]) -> None:
    kept = everything_under(labs)
    lost = [name for name, data in work.items() if data not in kept]
    assert not lost, f"lost: {lost}; labs/ holds {sorted(str(p.relative_to(labs)) for p in labs.rglob('*'))}"


def test_every_command_keeps_the_learners_work(learner: Path):
    labs = learner / "labs"
    checkpoint = labs / ".ipynb_checkpoints" / "00_welcome-checkpoint.ipynb"
    checkpoint.parent.mkdir()
    shutil.copy2(labs / "00_welcome.ipynb", checkpoint)
    work = {
        "edited lab": edit_first_todo(labs / "00_welcome.ipynb", "return 0.75  # my first answer"),
        "lab run without edits": run_without_editing(labs / "05_builtin_algorithms.ipynb"),
    }
    own = {
        labs / "Untitled.ipynb": nbformat.writes(nbformat.v4.new_notebook()).encode(),
        labs / "00_welcome-Copy1.ipynb": work["edited lab"],
        labs / "my notes.ipynb": b'{"cells": [{"cell_type": "markdown", "source": "remember: zip"}]}',
        labs / "notes.md": b"- accuracy is a fraction\n",
        checkpoint: checkpoint.read_bytes(),
    }
    work.update({path.name: data for path, data in own.items()})
    for path, data in own.items():
        path.write_bytes(data)

    # `make lab` starts JupyterLab on labs/ and runs nothing else that could write there...
    plan = make(learner, "lab", dry_run=True).stdout
    commands = [line for line in plan.replace("\\\n", " ").splitlines() if line.strip() and not line.startswith("echo ")]
    assert len(commands) == 1 and f"{VENV}/bin/jupyter lab " in commands[0], plan
    assert "--ServerApp.root_dir=labs" in plan
    assert plan.count(f"{VENV}/bin/") == 1, plan
    # ... nor does its first-time setup (venv, pip, kernel), printed here without being run.
    fresh = learner.parent / "no-venv-yet"
    setup = run(learner, "make", "-n", "lab", f"VENV={fresh}").stdout
    assert f"helpers/course/envlock.py install lab {fresh}" in setup, setup
    for line in setup.splitlines():
        if line.startswith("echo "):
            continue
        assert not any(word in line for word in ("build-labs", "reset-lab", "git ", "labs/")), line
        assert not line.lstrip().startswith("rm ") or f"rm -f {fresh}/.installed-" in line, line

    # `make test` begins with `build-labs --check`: it fails, names the safe command, writes nothing.
    before = {p: p.read_bytes() for p in labs.rglob("*") if p.is_file()}
    checks = [line for line in make(learner, "test", dry_run=True).stdout.splitlines() if "build-labs" in line]
    assert checks == [f"{VENV}/bin/python -m helpers build-labs --check"]
    done = run(learner, *checks[0].split(), ok=False)
    assert done.returncode == 1
    assert "labs/00_welcome.ipynb differs from what solutions/00_welcome.ipynb generates" in done.stderr
    assert "run `make labs` (python -m helpers build-labs); it keeps the current file in labs/.backup/" in done.stderr
    assert "labs/05_builtin_algorithms.ipynb holds outputs" in done.stderr
    assert {p: p.read_bytes() for p in labs.rglob("*") if p.is_file()} == before

    # Following that advice: `make labs` regenerates the two labs and keeps both files.
    done = make(learner, "labs")
    assert "wrote labs/00_welcome.ipynb; the previous file differed from the generated lab" in done.stdout
    assert_nothing_lost(labs, work)
    for path, data in own.items():
        assert path.read_bytes() == data, f"{path.name} was touched"
    assert run(learner, *checks[0].split()).returncode == 0
    labs_count = generated_files(learner / "solutions")
    assert make(learner, "labs").stdout.splitlines()[-1] == f"0 written, {labs_count} unchanged, 0 backed up"

    # Work on, then start over with reset-lab.
    work["second attempt"] = edit_first_todo(labs / "00_welcome.ipynb", "return 3 / 4  # second attempt")
    run(learner, str(VENV / "bin" / "python"), "-m", "helpers", "reset-lab", "00")
    assert_nothing_lost(labs, work)

    # git sees the learner's own notebooks as theirs, and neither backups nor checkpoints.
    status = run(learner, "git", "status", "--porcelain", "--untracked-files=all").stdout
    assert sorted(status.splitlines()) == sorted(
        ['?? "labs/my notes.ipynb"', "?? labs/00_welcome-Copy1.ipynb", "?? labs/Untitled.ipynb", "?? labs/notes.md"]
    )


def test_git_pull_and_a_conflicted_stash_pop_lose_nothing(upstream: Path, learner: Path):
    # The instructor changes lab 00's title line; the learner wrote a note on that same line.
    solution = upstream / "solutions" / "00_welcome.ipynb"
    solution.write_text(
        solution.read_text(encoding="utf-8").replace("# 00 · Welcome to Flywheel", "# 00 · Welcome to Flywheel, v2"),
        encoding="utf-8",
    )
    done = run(upstream, str(VENV / "bin" / "python"), "-m", "helpers", "build-labs")
    others = generated_files(upstream / "solutions") - 1
    assert done.stdout.splitlines()[-1] == f"1 written, {others} unchanged, 0 backed up"  # untouched: no backup
    commit(upstream, "00: new title")
    lab = learner / "labs" / "00_welcome.ipynb"
    text = lab.read_text(encoding="utf-8").replace("# 00 · Welcome to Flywheel", "# 00 · Welcome (my notes: zip!)")
    lab.write_text(text, encoding="utf-8")
    work = {"edited lab": lab.read_bytes()}

    # A plain pull refuses to overwrite the edited lab: git keeps it.
    pulled = run(learner, "git", "-c", "pull.rebase=false", "pull", "-q", ok=False)
    assert pulled.returncode != 0 and lab.read_bytes() == work["edited lab"]

    # The usual way around: stash, pull, pop. The pop conflicts and leaves markers in the lab.
    run(learner, "git", "stash", "-q")
    run(learner, "git", "-c", "pull.rebase=false", "pull", "-q")
    popped = run(learner, "git", "stash", "pop", ok=False)
    assert popped.returncode != 0 and "CONFLICT" in popped.stdout + popped.stderr
    work["conflicted lab"] = lab.read_bytes()
    assert b"<<<<<<<" in work["conflicted lab"]

    done = run(learner, str(VENV / "bin" / "python"), "-m", "helpers", "build-labs", "--check", ok=False)
    assert done.returncode == 1 and "is not a readable notebook (git conflict markers?)" in done.stderr
    done = make(learner, "labs")
    assert "labs/00_welcome.ipynb; the previous file was not a readable notebook" in done.stdout
    assert_nothing_lost(learner / "labs", {"conflicted lab": work["conflicted lab"]})
    assert nbformat.read(lab, as_version=4).cells[0].source.startswith("# 00 · Welcome to Flywheel, v2")
    # The stash that did not apply cleanly is still there too (git keeps it after a conflict).
    assert "my notes: zip!" in run(learner, "git", "stash", "show", "-p").stdout
