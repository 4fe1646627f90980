"""Execute solution notebooks in place and store their outputs with clean, stable metadata.

``python -m helpers execute [NN ...]`` runs ``solutions/NN_*.ipynb`` (all when no number is given) in
SMOKE mode with the ``flywheel`` kernel, as CI does, so the stored outputs are what CI compares
against. Re-running with the same results leaves the files byte-identical.

Each notebook runs in a fresh, empty Flywheel home (``FLYWHEEL_HOME``, as the tests give every notebook):
what an author's own ``~/.flywheel`` holds (lake tables, jobs, endpoints from other notebooks) must never
reach a stored output.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import nbformat

from helpers.authoring.plan import TIMINGS
from helpers.platform_home import write_atomic

KERNEL_NAME = "flywheel"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3 (Flywheel)", "language": "python"}
# Cell metadata that changes from run to run or from one JupyterLab session to the next.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "jupyter", "papermill", "ExecuteTime")


def normalise(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip volatile metadata (what ``nbstripout --keep-output --keep-count`` keeps, minus widgets)."""
    notebook.metadata = nbformat.from_dict(
        {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        }
    )
    for cell in notebook.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            output.get("metadata", {}).pop("execution", None)
            data = output.get("data", {})
            # A widget's view points at a model id that is new on every run and whose state is not
            # stored: keep only its plain-text stand-in.
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if not data:
                    continue
            previous = outputs[-1] if outputs else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                # The kernel may flush one print in two pieces; merge them as nbval does.
                previous.text += output.text
                continue
            outputs.append(output)
        cell.outputs = outputs
    return notebook


def execute(path: Path, timeout: int = 900) -> float:
    """Execute one notebook in place (cwd = its folder); return the wall time in seconds."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
    )
    with fresh_home():
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
    nbformat.validate(notebook)
    write_atomic(path, nbformat.writes(normalise(notebook)) + "\n", file_mode=None)  # never half a solution
    return elapsed


@contextlib.contextmanager
def fresh_home() -> Iterator[Path]:
    """Point ``FLYWHEEL_HOME`` at a new empty folder (private, removed afterwards) for the kernels started inside."""
    previous = os.environ.get("FLYWHEEL_HOME")
    with tempfile.TemporaryDirectory(prefix="flywheel-execute-") as folder:
        os.environ["FLYWHEEL_HOME"] = folder
        try:
            yield Path(folder)
        finally:
            if previous is None:
                os.environ.pop("FLYWHEEL_HOME", None)
            else:
                os.environ["FLYWHEEL_HOME"] = previous


def select(solutions: Path, wanted: list[str]) -> list[Path]:
    paths = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    if not wanted:
        return paths
    chosen = [p for p in paths if any(p.name.startswith(w) for w in wanted)]
    missing = [w for w in wanted if not any(p.name.startswith(w) for p in paths)]
    if missing:
        names = ", ".join(p.stem for p in paths)
        raise SystemExit(f"no solution notebook starts with {', '.join(missing)}; there are: {names}")
    return chosen


def record_timing(root: Path, notebook_id: str, seconds: float) -> None:
    """Store the SMOKE execution time (rounded up to 5 s, so re-runs rarely change the file)."""
    path = root / TIMINGS
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[notebook_id] = int(math.ceil(seconds / 5.0) * 5)
    write_atomic(path, json.dumps(dict(sorted(timings.items())), indent=2) + "\n", file_mode=None)


USAGE = """usage: python -m helpers execute [NN ...]

Execute solutions/NN_*.ipynb in place (every solution when no number is given) in SMOKE mode and store
their outputs; `make solutions NB=NN` does this and regenerates the lab."""


def main(argv: list[str], root: Path) -> int:
    if any(a in {"-h", "--help"} for a in argv):
        print(USAGE)
        return 0
    # Executing rewrites notebooks in place: an unknown option must not fall through to "all of them".
    unknown = [a for a in argv if a.startswith("-")]
    if unknown:
        print(f"execute: unknown option {unknown[0]!r}; nothing was executed.\n\n{USAGE}", file=sys.stderr)
        return 2
    from nbclient.exceptions import CellExecutionError

    os.environ.setdefault("FLYWHEEL_SMOKE", "1")
    # As `make test` runs them: on 2 cores, BLAS threads only fight each other.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    failures = 0
    for path in select(root / "solutions", argv):
        print(f"executing {path.relative_to(root)} ...", flush=True)
        try:
            seconds = execute(path)
        except CellExecutionError as error:
            failures += 1
            print(f"FAILED {path.name}: the file was left unchanged.\n{error}", file=sys.stderr)
            continue
        record_timing(root, path.stem, seconds)
        print(f"  done in {seconds:.1f} s")
    return 1 if failures else 0
