"""pytest settings for the whole run, notebooks in solutions/ included (hence at the top level: a
conftest in tests/ would not reach them). Every test and every notebook kernel runs offline, seeded
and in SMOKE mode, with the local platform's store in a temporary folder, never the learner's
~/.flywheel. Shared fixtures are in tests/conftest.py."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Kernels started by nbval/papermill inherit this environment.
    os.environ["FLYWHEEL_SMOKE"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # Inline figures vanish under Agg and nbval would then fail: never force a backend on kernels.
    os.environ.pop("MPLBACKEND", None)
    if "FLYWHEEL_HOME" not in os.environ:
        os.environ["FLYWHEEL_HOME"] = tempfile.mkdtemp(prefix="flywheel-home-")


_notebook_homes: dict[str, str] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Give every notebook nbval executes a store of its own, as a learner's fresh laptop has.

    nbval starts a notebook's kernel when the notebook's first cell is set up, and the kernel inherits
    this process's environment; so switching FLYWHEEL_HOME here, before that setup, isolates the
    notebooks that one pytest worker runs one after the other (a lake table or an endpoint of one
    must not show up in the next).
    """
    path = str(item.path)
    if path.endswith(".ipynb") and path not in _notebook_homes:
        _notebook_homes[path] = tempfile.mkdtemp(prefix=f"flywheel-home-{item.path.stem[:2]}-")
        os.environ["FLYWHEEL_HOME"] = _notebook_homes[path]
