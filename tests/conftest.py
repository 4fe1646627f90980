"""Fixtures shared by the tests. The environment every test and notebook kernel runs in (SMOKE mode,
a temporary store per notebook) is set by the top-level conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def flywheel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty local store for one test."""
    home = tmp_path / "flywheel-home"
    home.mkdir()
    monkeypatch.setenv("FLYWHEEL_HOME", str(home))
    return home
