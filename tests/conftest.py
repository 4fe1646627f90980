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


@pytest.fixture(autouse=True)
def backend_choice_stays_in_its_test():
    """``use_backend()`` makes a process-wide choice that outranks ``FLYWHEEL_BACKEND``: a test that
    chose (a port runs ``use_backend("local")`` as a learner's kernel does) must not decide the backend
    of the next test in the same worker."""
    from helpers.platform import backend

    chosen = backend._chosen
    yield
    backend._chosen = chosen
