"""Generate ``labs/`` from ``solutions/``: the single-source rule of the course.

In a solution cell, a region

    ### BEGIN SOLUTION
    # HINT: vectorise: X.T @ residual
    gradient = 2 / n * X.T @ (X @ w - y)
    ### END SOLUTION

becomes, in the lab,

    # TODO exercise 2: vectorise: X.T @ residual
    raise NotImplementedError("TODO 04_linear_regression_gd exercise 2: vectorise: X.T @ residual")

Regions are numbered 1, 2, ... in notebook order. Every region must carry one ``# HINT:`` line.
Cells tagged ``instructor`` are dropped; outputs and execution counts are cleared.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
HINT = re.compile(r"^\s*# HINT:\s*(?P<hint>.+?)\s*$")
INSTRUCTOR_TAG = "instructor"
NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


class LabBuildError(ValueError):
    """A solution notebook cannot be turned into a lab; the message names the cell."""


@dataclass
class BuildResult:
    written: list[Path]
    unchanged: list[Path]
    removed: list[Path]


def stub_source(source: str, lab: str, first_number: int, where: str) -> tuple[str, int]:
    """Replace every solution region in ``source``; return the new source and the regions replaced."""
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    number = first_number
    for line in source.splitlines():
        begin = BEGIN.match(line)
        if begin:
            if region is not None:
                raise LabBuildError(f"{where}: '### BEGIN SOLUTION' inside another solution region.")
            region, indent = [], begin.group("indent")
            continue
        if END.match(line):
            if region is None:
                raise LabBuildError(f"{where}: '### END SOLUTION' without a BEGIN.")
            hints = [m.group("hint") for m in map(HINT.match, region) if m]
            if len(hints) != 1:
                raise LabBuildError(
                    f"{where}: solution region {number} needs exactly one '# HINT: ...' line "
                    f"(found {len(hints)}); the hint is what the learner sees in the lab."
                )
            message = f"TODO {lab} exercise {number}: {hints[0]}"
            out.append(f"{indent}# TODO exercise {number}: {hints[0]}")
            out.append(f"{indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})")
            region, number = None, number + 1
            continue
        if region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise LabBuildError(f"{where}: '### BEGIN SOLUTION' is never closed by '### END SOLUTION'.")
    return "\n".join(out), number - first_number


def lab_from_solution(solution: nbformat.NotebookNode, lab: str) -> nbformat.NotebookNode:
    """Return the lab notebook for a solution notebook (the input is not modified)."""
    notebook = nbformat.from_dict(json.loads(json.dumps(solution)))
    cells = []
    number = 1
    for index, cell in enumerate(notebook.cells):
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source, count = stub_source(cell.source, lab, number, f"{lab}.ipynb cell {index}")
            number += count
            cell.outputs = []
            cell.execution_count = None
        # Cell ids stay as in the solution so a lab diff reads like the solution diff.
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    return notebook


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def build_labs(solutions: Path, labs: Path, check: bool = False) -> BuildResult:
    """Write (or, with ``check``, only compare) every lab; remove labs that have no solution."""
    written, unchanged, removed = [], [], []
    expected: set[str] = set()
    for solution_path in sorted(solutions.glob("*.ipynb")):
        if not NOTEBOOK_NAME.match(solution_path.name):
            raise LabBuildError(f"{solution_path}: notebook names are NN_topic.ipynb (two digits, lower case).")
        expected.add(solution_path.name)
        solution = nbformat.read(solution_path, as_version=4)
        text = render(lab_from_solution(solution, solution_path.stem))
        lab_path = labs / solution_path.name
        if lab_path.exists() and lab_path.read_text(encoding="utf-8") == text:
            unchanged.append(lab_path)
            continue
        written.append(lab_path)
        if not check:
            labs.mkdir(parents=True, exist_ok=True)
            lab_path.write_text(text, encoding="utf-8")
    for lab_path in sorted(labs.glob("*.ipynb")):
        if lab_path.name not in expected:
            removed.append(lab_path)
            if not check:
                lab_path.unlink()
    return BuildResult(written, unchanged, removed)


def main(argv: list[str], root: Path) -> int:
    check = "--check" in argv
    try:
        result = build_labs(root / "solutions", root / "labs", check=check)
    except LabBuildError as error:
        print(f"build-labs: {error}", file=sys.stderr)
        return 2
    if check:
        problems = [f"{p.relative_to(root)} is stale: run `make labs`" for p in result.written]
        problems += [f"{p.relative_to(root)} has no solution (orphaned): run `make labs`" for p in result.removed]
        for problem in problems:
            print(f"build-labs --check: {problem}", file=sys.stderr)
        if not problems:
            print(f"build-labs --check: {len(result.unchanged)} labs in sync with solutions/")
        return 1 if problems else 0
    for path in result.written:
        print(f"wrote {path.relative_to(root)}")
    for path in result.removed:
        print(f"removed {path.relative_to(root)} (no solution)")
    print(f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed")
    return 0
