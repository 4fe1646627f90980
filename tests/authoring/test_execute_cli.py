"""`python -m helpers execute` rewrites solution notebooks in place, so a typo must execute nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.authoring import execute


@pytest.fixture
def course(tmp_path: Path) -> Path:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "00_welcome.ipynb").write_text("{}")
    return tmp_path


@pytest.mark.parametrize("argv", [["--hepl"], ["-n"], ["00", "--all"]])
def test_an_unknown_option_executes_nothing(course: Path, argv, capsys, monkeypatch):
    monkeypatch.setattr(execute, "execute", lambda path: pytest.fail(f"executed {path}"))
    assert execute.main(argv, course) == 2
    assert f"unknown option {[a for a in argv if a.startswith('-')][0]!r}; nothing was executed" in capsys.readouterr().err


def test_help_prints_the_usage_and_executes_nothing(course: Path, capsys, monkeypatch):
    monkeypatch.setattr(execute, "execute", lambda path: pytest.fail(f"executed {path}"))
    assert execute.main(["--help"], course) == 0
    assert capsys.readouterr().out.startswith("usage: python -m helpers execute [NN ...]")


def test_a_number_selects_its_notebook(course: Path, monkeypatch):
    ran = []
    monkeypatch.setattr(execute, "execute", lambda path: ran.append(path.name) or 1.0)
    monkeypatch.setattr(execute, "record_timing", lambda *args: None)
    assert execute.main(["00"], course) == 0
    assert ran == ["00_welcome.ipynb"]


def test_each_notebook_runs_in_a_fresh_empty_home_whatever_the_authors_holds(tmp_path: Path, monkeypatch):
    import nbformat

    own = tmp_path / "my-flywheel"
    (own / "lake" / "curated" / "customers").mkdir(parents=True)  # another notebook's table
    monkeypatch.setenv("FLYWHEEL_HOME", str(own))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "import os\nhome = os.environ['FLYWHEEL_HOME']\nprint(home != %r, os.path.isdir(home), os.listdir(home))" % str(own)
    )]
    path = tmp_path / "solutions" / "99_probe.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    execute.execute(path)
    printed = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]
    assert printed == "True True []\n"
    assert os.environ["FLYWHEEL_HOME"] == str(own)  # the author's setting is back afterwards
