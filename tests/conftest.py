"""Test-wide settings: every test and every notebook kernel runs offline, seeded and in SMOKE mode,
with the local platform's store in a temporary folder (never the learner's ~/.flywheel)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    # Kernels started by nbval/papermill inherit this environment.
    os.environ["FLYWHEEL_SMOKE"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # Inline figures vanish under Agg and nbval would then fail: never force a backend on kernels.
    os.environ.pop("MPLBACKEND", None)
    if "FLYWHEEL_HOME" not in os.environ:
        os.environ["FLYWHEEL_HOME"] = tempfile.mkdtemp(prefix="flywheel-home-")


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
