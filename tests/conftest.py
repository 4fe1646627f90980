"""Fixtures shared by the tests. The environment every test and notebook kernel runs in (SMOKE mode,
a temporary store per notebook) is set by the top-level conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbval_reuse
import scope_order

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


@pytest.hookimpl(trylast=True)  # after -k / -m have deselected what they will
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A solution that both nbval and the papermill test run executes once, and so does a lab's part
    before its first TODO: see nbval_reuse.py. Under
    ``make test``'s ``--dist loadscope --no-loadscope-reorder``, the slowest scopes go first: see
    scope_order.py."""
    nbval_reuse.move_nbval_items(config, items)
    nbval_reuse.delegate_lab_todos(config, items)
    if config.getoption("dist", "no") == "loadscope" and not config.getoption("loadscopereorder", True):
        scope_order.slowest_scopes_first(items, scope_order.read_notebook_seconds(ROOT))


@pytest.fixture
def nbval_comparison(request: pytest.FixtureRequest, flywheel_home: Path):
    """``compare(path, executed)``: nbval's checks of ``path`` on ``executed``, when nbval left them to it.

    The kernel's store is owner-only, as nbval's (``tempfile.mkdtemp``) are: in a store others can read
    the first cell would also print the platform's warning that it made it owner-only, an output the
    stored notebook does not have."""
    flywheel_home.chmod(0o700)
    return lambda path, executed: nbval_reuse.compare(request.config, path, executed)
