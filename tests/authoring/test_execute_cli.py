"""`python -m helpers execute` rewrites solution notebooks in place, so a typo must execute nothing."""

from __future__ import annotations

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
