"""One execution of a solution that shows a failure, checked both ways.

``make test`` runs each solution under nbval (every cell's fresh output must match the stored one) and,
in tests/test_notebooks.py, runs the solutions that show a failure on purpose again under plain
papermill (no cell may raise, whatever its tags). Those are the same notebook, the same kernel, the same
folder and a fresh store each time, so the second execution only repeated the first (05 costs ~27 s
of CPU each time). When one session collects both, tests/conftest.py deselects nbval's items for
these notebooks and keeps them here; the papermill test then hands its executed notebook to
``compare``, which applies nbval's own per-cell options and comparison (its sanitize file included)
to papermill's outputs. The stored outputs are written by nbclient (helpers.authoring.execute), the
engine papermill uses, so the outputs compared are the kind that were stored. What changes is the
report: one failing papermill test names the cells whose outputs differ, instead of one nbval item per
cell. A run without nbval, or of nbval alone, is unchanged.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

MOVED = pytest.StashKey[dict]()  # notebook path -> nbval's deselected cell items, in order
PAPERMILL_TEST = "test_solution_showing_a_failure_runs_green_under_papermill"


def move_nbval_items(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect nbval's cells of every notebook the papermill test also runs; stash them for ``compare``."""
    papermill_runs = {Path(item.callspec.params["path"]) for item in items
                      if getattr(item, "originalname", None) == PAPERMILL_TEST}
    moved: dict[Path, list[pytest.Item]] = {}
    for item in items:
        if type(item).__name__ == "IPyNbCell" and Path(str(item.path)) in papermill_runs:
            moved.setdefault(Path(str(item.path)), []).append(item)
    config.stash[MOVED] = moved
    if moved:
        gone = [item for cells in moved.values() for item in cells]
        config.hook.pytest_deselected(items=gone)
        gone_ids = {id(item) for item in gone}
        items[:] = [item for item in items if id(item) not in gone_ids]


def compare(config: pytest.Config, path: Path, executed: nbformat.NotebookNode) -> None:
    """What nbval checks of ``path``'s cells, on the outputs of ``executed`` (the same notebook run once).

    Does nothing when this session's nbval does not run ``path`` itself."""
    from nbval.plugin import coalesce_streams

    cells = config.stash.get(MOVED, {}).get(Path(path))
    if not cells:
        return
    notebook = cells[0].parent
    if not notebook.sanitize_patterns:  # nbval loads them when it starts a kernel, which it did not
        notebook.setup_sanitize_files()
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert len(code) == len(cells), f"{path.name}: papermill ran {len(code)} code cells, nbval has {len(cells)}"
    differ = []
    for item, ran in zip(cells, code):
        assert ran.source == item.cell.source, f"{path.name} {item.name}: not the cell nbval collected"
        if item.options["skip"]:
            continue
        unrun = item.cell.execution_count is None
        assert not (unrun and item.cell.outputs), f"{path.name} {item.name}: Unrun reference cell has outputs"
        if item.options["check"] and not unrun:
            if not item.compare_outputs(coalesce_streams(copy.deepcopy(ran.outputs)),
                                      coalesce_streams(copy.deepcopy(item.cell.outputs))):
                differ.append(f"{item.name}: Cell outputs differ\n" + "\n".join(item.comparison_traceback))
    assert not differ, f"{path.name} (nbval's comparison):\n" + "\n\n".join(differ)
