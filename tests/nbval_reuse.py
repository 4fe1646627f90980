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

The same holds for an unmodified lab's first TODO (tests/test_notebooks.py runs each lab until it stops):
the lab's code cells before its first TODO are its solution's code cells before exercise 1, source for
source, so a fresh kernel that ran them up to the TODO only repeated what nbval runs in the solution.
When one session collects both, ``delegate_lab_todos`` makes nbval's item for the solution's exercise-1
cell first run the lab's TODO cell in that kernel, at the point a learner's Run All reaches it, and
require its NotImplementedError with the TODO's message (``store_history=False``, as nbval runs every
cell, so later execution counts and outputs are unchanged; a TODO stub records no check attempt). A
solution the papermill test runs gets the same from ``TodoOnTheWay``, papermill's hook before that cell.
The lab test keeps the static half (the cells are the solution's) and runs the lab itself only when
neither runs that solution whole in this session (a run of the lab test alone, say). What changes: the
folder (solutions/, not labs/: the cells before the TODO name no path of their own notebook folder) and
the report, which is nbval's item or the papermill test.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

MOVED = pytest.StashKey[dict]()  # notebook path -> nbval's deselected cell items, in order
PAPERMILL_TEST = "test_solution_showing_a_failure_runs_green_under_papermill"
LAB_TODOS = pytest.StashKey[set]()  # labs whose first TODO nbval's or papermill's execution of the solution runs
PAPERMILL_TODOS = pytest.StashKey[dict]()  # solution path -> (lab, n, source, message) for TodoOnTheWay
LAB_TEST = "test_unmodified_lab_stops_at_its_first_todo"
TODO = re.compile(r'raise NotImplementedError\((".*")\)')


def params_of(items: list[pytest.Item], test: str, param: str) -> set[Path]:
    """The ``param`` of each collected case of the parametrized ``test`` (a path)."""
    return {Path(item.callspec.params[param]) for item in items if getattr(item, "originalname", None) == test}


def move_nbval_items(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect nbval's cells of every notebook the papermill test also runs; stash them for ``compare``."""
    papermill_runs = params_of(items, PAPERMILL_TEST, "path")
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


# --- an unmodified lab's first TODO, run inside nbval's execution of its solution ------------------


def code_sources(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def cell_index(path: Path, n: int) -> int:
    """The index among all of ``path``'s cells (papermill's ``cell_index``) of its code cell ``n``."""
    return [i for i, cell in enumerate(nbformat.read(path, as_version=4).cells) if cell.cell_type == "code"][n]


def first_todo_code_cell(lab: Path, solution: Path) -> tuple[int, str, str]:
    """(n, source, message): the lab's first TODO is its code cell ``n`` (0-based among code cells), whose
    ``source`` raises NotImplementedError(``message``); asserts its code cells before it are the solution's."""
    lab_code, solution_code = code_sources(lab), code_sources(solution)
    n = next((i for i, source in enumerate(lab_code) if TODO.search(source)), None)
    assert n is not None, f"{lab.name} has no TODO: every lab needs at least one exercise"
    differ = [i for i in range(n) if i >= len(solution_code) or lab_code[i] != solution_code[i]]
    assert not differ, (f"{lab.name}: code cells {differ} before the first TODO differ from {solution}'s: "
                        "run `make labs` (labs are generated from solutions/)")
    return n, lab_code[n], json.loads(TODO.search(lab_code[n]).group(1))


def delegate_lab_todos(config: pytest.Config, items: list[pytest.Item]) -> None:
    """For each lab test whose solution the papermill test or nbval runs whole in this session, have that
    execution run the lab's first TODO where Run All reaches it (see the module docstring): stash the
    solutions for ``TodoOnTheWay`` and wrap nbval's item for the cell; stash the labs so handled.

    Call after ``move_nbval_items``, which hands nbval's items of the papermill test's solutions to it."""
    labs = params_of(items, LAB_TEST, "lab")
    papermill_runs = params_of(items, PAPERMILL_TEST, "path")
    cells: dict[Path, list[pytest.Item]] = {}
    for item in items:
        if type(item).__name__ == "IPyNbCell":
            cells.setdefault(Path(str(item.path)), []).append(item)
    delegated, on_the_way = set(), {}
    for lab in sorted(labs):
        solution = lab.parent.parent / "solutions" / lab.name
        if solution in papermill_runs:
            on_the_way[solution] = (lab, *first_todo_code_cell(lab, solution))
            delegated.add(lab)
            continue
        ran = cells.get(solution, [])
        if not ran or len(ran) != len(code_sources(solution)):
            continue  # nbval does not run this solution whole here: the lab test runs the lab
        n, source, message = first_todo_code_cell(lab, solution)
        if any(item.options["skip"] for item in ran[:n + 1]):
            continue  # a skipped cell: the kernel would not hold what Run All gives the TODO
        run_todo_before(ran[n], lab, source, message)
        delegated.add(lab)
    config.stash[LAB_TODOS] = delegated
    config.stash[PAPERMILL_TODOS] = on_the_way


def run_todo_before(item: pytest.Item, lab: Path, source: str, message: str) -> None:
    """Make ``item`` (nbval's cell) run the lab's TODO ``source`` in its kernel first, then its own cell;
    the item fails naming the lab when the TODO did not raise NotImplementedError(``message``)."""
    from nbval.plugin import NbCellError

    own = item.runtest

    def runtest() -> None:
        errors = execute(item.parent.kernel, source, item.config.option.nbval_cell_timeout)
        own()  # the solution's cell, so the kernel holds what the next cells expect
        problem = todo_problem(lab, message, [(e["ename"], e["evalue"]) for e in errors])
        if problem:
            raise NbCellError(item.cell_num, problem, source,
                              "\n".join(line for e in errors for line in e["traceback"]) or None)

    item.runtest = runtest


def todo_problem(lab: Path, message: str, raised: list[tuple[str, str]]) -> str | None:
    """What is wrong when the lab's TODO cell raised ``raised`` [(name, value)]; None when it stopped Run All
    with NotImplementedError(``message``)."""
    if raised == [("NotImplementedError", message)]:
        return None
    return (f"{lab.parent.name}/{lab.name}: an unmodified lab's Run All should stop at its first TODO with "
            f"NotImplementedError({message!r}); the TODO cell raised {raised or 'nothing'}")


def execute(kernel, source: str, timeout: float) -> list[dict]:
    """Run ``source`` in nbval's ``kernel`` as nbval runs a cell; the contents of its error messages."""
    msg_id = kernel.execute_cell_input(source, allow_stdin=False)
    kernel.await_reply(msg_id, timeout=timeout)
    errors = []
    while True:  # read this execution's iopub messages up to its idle, so the next cell sees only its own
        msg = kernel.get_message(stream="iopub", timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "error":
            errors.append(msg["content"])
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return errors


class TodoOnTheWay:
    """papermill's ``on_cell_execute`` hook (nbclient's) that runs a lab's first TODO just before its
    solution's code cell ``n``, in the same kernel, through a second client of that kernel.

    ``run_with_papermill(..., **todo.papermill_kwargs())``, then ``todo.check()`` (and ``todo.stop()`` in any
    case: papermill leaves a kernel it did not start running). The TODO is run with ``store_history=False``;
    its outputs go to no cell (nbclient reads only its own cell's messages)."""

    def __init__(self, solution: Path, lab: Path, n: int, source: str, message: str):
        from jupyter_client.manager import AsyncKernelManager

        from helpers.authoring.execute import KERNEL_NAME

        self.lab, self.source, self.message = lab, source, message
        self.index = cell_index(solution, n)
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        self.reply: dict | None = None

    def papermill_kwargs(self) -> dict:
        return {"km": self.km, "on_cell_execute": self.before_cell}

    async def before_cell(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        if cell_index != self.index:
            return
        from jupyter_client.session import Session

        # A Session of its own: sharing nbclient's would share its record of the signatures seen, and the
        # kernel's broadcast (IOPub) messages that both clients read would then look replayed to nbclient.
        session = Session(key=self.km.session.key, signature_scheme=self.km.session.signature_scheme)
        client = self.km.client(session=session)
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            msg_id = client.execute(self.source, store_history=False, stop_on_error=False)
            while True:  # the reply comes to this client alone, and carries the error's name and value
                reply = await client.get_shell_msg(timeout=600)
                if reply["parent_header"].get("msg_id") == msg_id:
                    self.reply = reply["content"]
                    return
        finally:
            client.stop_channels()

    def check(self) -> None:
        assert self.reply is not None, f"{self.lab.name}: papermill never reached the cell of the lab's first TODO"
        raised = [(self.reply["ename"], self.reply["evalue"])] if self.reply["status"] == "error" else []
        problem = todo_problem(self.lab, self.message, raised)
        assert not problem, problem + "\n" + "\n".join(self.reply.get("traceback", []))

    def stop(self) -> None:
        from jupyter_core.utils import run_sync

        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)


def todo_on_the_way(config: pytest.Config, solution: Path) -> TodoOnTheWay | None:
    """The hook that runs ``solution``'s lab's first TODO during the papermill test, when this session has it."""
    found = config.stash.get(PAPERMILL_TODOS, {}).get(Path(solution))
    return TodoOnTheWay(Path(solution), *found) if found else None
