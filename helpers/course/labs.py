"""A lab and its solution: how ``solutions/NN_topic.ipynb`` becomes ``labs/NN_topic.ipynb``, and how a
lab is replaced without losing a learner's work.

Used by ``python -m helpers reset-lab`` (learners) and by the authoring tool ``build-labs``
(``helpers.authoring.build_labs``), which imports it; nothing here imports the authoring tools.

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

The hints come in tiers, so a learner is nudged before being told: the ``# HINT:`` line and the
exercise's ``*Hint:*`` are nudges; a collapsed "A closer hint" in the exercise's markdown comes next;
the answer itself only on request: after each cell with a region the lab gets a markdown cell tagged
``answer``, a collapsed ``<details>`` block holding the solved cell (see :func:`answer_cell`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import nbformat

from helpers.platform_home import write_atomic

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
HINT = re.compile(r"^\s*# HINT:\s*(?P<hint>.+?)\s*$")
INSTRUCTOR_TAG = "instructor"
ANSWER_TAG = "answer"  # the generated, collapsed answer cell after an exercise
NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
BACKUP_DIR = ".backup"
RECORD = "last-generated.json"  # in labs/.backup/: sha256 of the text build-labs last wrote, per lab


class LabBuildError(ValueError):
    """A solution notebook cannot be turned into a lab; the message names the cell."""


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


def solved_source(source: str) -> str:
    """A solution cell's source as a learner would write it: the region markers and ``# HINT:`` lines removed."""
    kept = [line for line in source.splitlines() if not (BEGIN.match(line) or END.match(line) or HINT.match(line))]
    return "\n".join(kept).strip("\n")


def answer_cell(solved: str, numbers: list[int], cell_id: str | None) -> nbformat.NotebookNode:
    """The collapsed answer to exercise(s) ``numbers``: a markdown ``<details>`` holding ``solved``.

    Collapsed, so the answer is there on request and never read by accident; after the exercise's
    cell, so a learner reaches it only after trying (and failing) the check.
    """
    which = f"exercise {numbers[0]}" if len(numbers) == 1 else "exercises " + " and ".join(map(str, numbers))
    fence = "````" if "```" in solved else "```"
    cell = nbformat.v4.new_markdown_cell(
        f"<details><summary>Show the answer to {which}</summary>\n\n"
        "Try the hint and the closer hint first. The solved cell:\n\n"
        f"{fence}python\n{solved}\n{fence}\n\n</details>"
    )
    cell.metadata["tags"] = [ANSWER_TAG]
    if cell_id:
        cell.id = f"{cell_id}-answer"[:64]  # stable ids: regenerating a lab gives the same file
    else:
        cell.pop("id", None)  # a notebook without cell ids (nbformat < 4.5) must not get a random one
    return cell


def lab_from_solution(solution: nbformat.NotebookNode, lab: str) -> nbformat.NotebookNode:
    """Return the lab notebook for a solution notebook (the input is not modified)."""
    notebook = nbformat.from_dict(json.loads(json.dumps(solution)))
    cells = []
    number = 1
    for index, cell in enumerate(notebook.cells):
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        answer = None
        if cell.cell_type == "code":
            solved = solved_source(cell.source)
            cell.source, count = stub_source(cell.source, lab, number, f"{lab}.ipynb cell {index}")
            if count:
                answer = answer_cell(solved, list(range(number, number + count)), cell.get("id"))
            number += count
            cell.outputs = []
            cell.execution_count = None
        # Cell ids stay as in the solution so a lab diff reads like the solution diff.
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
        if answer is not None:
            cells.append(answer)
    notebook.cells = cells
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    return notebook


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).hexdigest()


def read_text(path: Path) -> str | None:
    """The file's text (undecodable bytes kept as surrogates, so nothing is lost), or None if absent."""
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a crash never leaves half a notebook.

    The file keeps its permissions (a new one gets rw-r--r--: a lab is the learner's file in the
    repository, not a private record).
    """
    write_atomic(path, text, file_mode=None, errors="surrogateescape")


def keep_backup(lab: Path, now: datetime | None = None) -> Path:
    """Copy ``lab`` byte for byte to ``labs/.backup/<stem>-<YYYYmmdd-HHMMSS>[-N].ipynb``; return the copy.

    The name is claimed with an exclusive create, so two runs (even at the same moment, in two
    processes) never write to the same backup.
    """
    folder = lab.parent / BACKUP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{lab.stem}-{(now or datetime.now()):%Y%m%d-%H%M%S}"
    for n in range(10_000):
        path = folder / (f"{stem}.ipynb" if n == 0 else f"{stem}-{n}.ipynb")
        try:
            target = open(path, "xb")
        except FileExistsError:
            continue
        try:
            with target, open(lab, "rb") as source:
                shutil.copyfileobj(source, target)
                target.flush()
                os.fsync(target.fileno())  # the work is on disk before the lab is replaced
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        shutil.copystat(lab, path)
        return path
    raise OSError(f"{folder}: 10000 backups of {lab.name} in one second; clean up that folder")


def read_record(labs: Path) -> dict[str, str]:
    """What build-labs wrote last time: lab file name -> sha256. Empty when unknown or damaged."""
    try:
        record = json.loads((labs / BACKUP_DIR / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def remember(labs: Path, texts: dict[str, str]) -> None:
    """Record the sha256 of the generated text of each lab now on disk (``texts``: file name -> text)."""
    if not texts:
        return
    record = read_record(labs)
    record.update({name: sha256(text) for name, text in texts.items()})
    (labs / BACKUP_DIR).mkdir(parents=True, exist_ok=True)
    write_atomically(labs / BACKUP_DIR / RECORD, json.dumps(dict(sorted(record.items())), indent=1) + "\n")
