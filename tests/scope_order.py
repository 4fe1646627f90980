"""Start the slowest test scopes first, so that the two workers of ``make test`` finish together.

``make test`` runs pytest-xdist with ``--dist loadscope``: a module (or class) is one unit of work that
one worker runs whole, and a worker asks for the next unit when it is done. xdist's own order puts the
scopes with the most items first, which sends a module of a few long tests (the browser tests: one
JupyterLab, ~2 minutes) to the end, where one worker runs it while the other has nothing left to do.
Longest-first is the classic fix for that tail (LPT scheduling), so the Makefile passes
``--no-loadscope-reorder`` and this module orders the items instead: scopes by their expected seconds,
longest first, each scope's items kept in their order.

Expected seconds come from measurements, not guesses where one exists: a solution notebook's nbval
scope costs what ``helpers/authoring/timings.json`` says its SMOKE execution takes (written by
``python -m helpers execute``); the modules in ``MEASURED`` took that long in a full run
(``--durations``); any other scope is charged a small cost per item, as xdist's own order assumes.
The order only changes when a worker starts a scope, never what runs or what a test sees.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Wall seconds of the slowest scopes in `make test` at 119441a (2 workers, load ~2), rounded.
MEASURED = {
    "tests/test_browser.py": 120.0,  # one JupyterLab + Chromium; the learning-rate slider test alone 31 s
    # papermill + nbval comparison of 05 (50 s), 02 (19 s), 00; no lab runs of its own any more: each lab's
    # first TODO runs inside nbval's or papermill's execution of its solution (nbval_reuse.delegate_lab_todos)
    "tests/test_notebooks.py": 75.0,
    "tests/course/test_classroom_hub.py": 35.0,  # one JupyterHub, two learners (ACC: 27 s idle, 35-47 s at load 4-6)
    "tests/labchecks/test_variant_coverage.py": 30.0,
    "tests/platform/serving/test_boto3_control_create.py": 15.0,
    "tests/ports/test_port_deepar_synthetic.py": 14.0,
}
SECONDS_PER_ITEM = 0.05  # a typical unit test, for scopes nobody measured


def scope_of(nodeid: str) -> str:
    """xdist's loadscope unit: the node id up to its last ``::`` (a module, or a class in one)."""
    return nodeid.rsplit("::", 1)[0]


def expected_seconds(scope: str, items: int, notebook_seconds: dict[str, float]) -> float:
    """What one scope is expected to take, in seconds (see the module docstring for the sources)."""
    if scope in MEASURED:
        return MEASURED[scope]
    path = Path(scope)
    if path.suffix == ".ipynb" and path.stem in notebook_seconds:
        return float(notebook_seconds[path.stem])
    return SECONDS_PER_ITEM * items


def read_notebook_seconds(root: Path) -> dict[str, float]:
    """The SMOKE execution seconds per solution (``timings.json``), or {} when it cannot be read."""
    try:
        return json.loads((root / "helpers" / "authoring" / "timings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def slowest_scopes_first(items: list[pytest.Item], notebook_seconds: dict[str, float]) -> None:
    """Reorder ``items`` in place: scopes longest first, ties in collection order, items within a scope
    in their own order. Every xdist worker computes the same order from the same collection."""
    scopes: dict[str, list[pytest.Item]] = {}
    for item in items:
        scopes.setdefault(scope_of(item.nodeid), []).append(item)
    ranked = sorted(scopes.items(), key=lambda kv: -expected_seconds(kv[0], len(kv[1]), notebook_seconds))
    items[:] = [item for _, members in ranked for item in members]
