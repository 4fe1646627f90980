"""``python -m helpers build-labs``: generate ``labs/`` from ``solutions/``, the single-source rule of the course.

How a solution region becomes an exercise stub is in :mod:`helpers.course.labs` (shared with the
learners' ``reset-lab``).

``labs/`` is also where learners work, so regenerating never destroys anything (README, "How the
labs work"):

* a lab that differs from what its solution generates is copied to ``labs/.backup/`` (a unique
  name, never overwriting an earlier backup) before it is replaced; that includes a lab that was
  only run and saved (outputs can take minutes to recompute, a backup costs nothing), and a lab that
  is not readable JSON, e.g. after a ``git stash pop`` left conflict markers in it;
* no backup is made when nothing can be lost: the lab is missing, holds the same notebook in another
  JSON layout, or is byte for byte what build-labs wrote last time (``labs/.backup/last-generated.json``
  records a hash of every lab it writes; without that record a differing lab is simply backed up);
* notebooks in ``labs/`` without a solution (``Untitled.ipynb``, ``*-Copy1.ipynb``, notes) are never
  touched. ``--check`` reports the ones named like a lab (``NN_topic.ipynb``): that name is reserved.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path

import nbformat

from helpers.course.labs import (  # noqa: F401  (BEGIN, INSTRUCTOR_TAG...: the lab format, re-exported)
    BACKUP_DIR,
    BEGIN,
    INSTRUCTOR_TAG,
    NOTEBOOK_NAME,
    RECORD,
    LabBuildError,
    keep_backup,
    lab_from_solution,
    read_record,
    read_text,
    remember,
    render,
    sha256,
    stub_source,
    write_atomically,
)

SAFE_COMMAND = "`make labs` (python -m helpers build-labs)"
GLOSSARY = "glossary.md"  # the course glossary the notebooks link to (helpers.authoring.glossary)


class LabState(Enum):
    """How a lab on disk compares with the lab its solution generates now."""

    CURRENT = "current"  # byte for byte what the solution generates
    MISSING = "missing"
    REFORMATTED = "reformatted"  # the same notebook in another JSON layout: nothing to lose
    OUTDATED = "outdated"  # exactly what build-labs wrote last time, untouched since: nothing to lose
    OUTPUTS = "outputs"  # the generated cells, plus outputs or metadata from running and saving it
    EDITED = "edited"  # its cells differ: the learner's work, or an older lab nobody recorded
    UNREADABLE = "unreadable"  # not a notebook: half-written, or git conflict markers in the JSON

    @property
    def needs_backup(self) -> bool:
        return self in {LabState.OUTPUTS, LabState.EDITED, LabState.UNREADABLE}


@dataclass
class Backup:
    """A lab whose previous content was kept before it was replaced."""

    lab: Path
    backup: Path
    state: LabState


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)  # written or replaced (with ``check``: would be)
    unchanged: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)  # NN_topic.ipynb in labs/ without a solution: never touched
    backups: list[Backup] = field(default_factory=list)  # every replaced lab whose content was kept first
    states: dict[Path, LabState] = field(default_factory=dict)  # every lab that is (or was) not current


def cells_of(notebook: object) -> list[tuple] | None:
    """What a learner writes in a notebook: each cell's type, source and attachments (pasted images).

    Outputs, execution counts, cell ids and metadata are left out: running and saving adds them.
    ``None`` when ``notebook`` (parsed JSON) is not a notebook.
    """
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    cells = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or "cell_type" not in cell:
            return None
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        cells.append((cell["cell_type"], source, json.dumps(cell.get("attachments"), sort_keys=True)))
    return cells


def classify(current: str | None, generated: str, recorded: str | None) -> LabState:
    """Compare a lab's text on disk (``None``: no file) with the generated text.

    ``recorded`` is the sha256 of what build-labs wrote to this lab last time, if known.
    """
    if current is None:
        return LabState.MISSING
    if current == generated:
        return LabState.CURRENT
    if recorded is not None and sha256(current) == recorded:
        return LabState.OUTDATED
    try:
        on_disk = json.loads(current)
    except ValueError:  # JSONDecodeError, or text that is not even UTF-8
        return LabState.UNREADABLE
    if cells_of(on_disk) is None:
        return LabState.UNREADABLE
    wanted = json.loads(generated)
    if on_disk == wanted:
        return LabState.REFORMATTED
    return LabState.OUTPUTS if cells_of(on_disk) == cells_of(wanted) else LabState.EDITED


def select(solutions: Path, wanted: list[str]) -> list[Path]:
    """The solution notebooks named by ``wanted`` (``"5"``, ``"05"``, ``"05_builtin_algorithms"``,
    ``"labs/05_builtin_algorithms.ipynb"``); all of them when ``wanted`` is empty."""
    paths = sorted(solutions.glob("*.ipynb"))
    if not wanted:
        return paths
    chosen = []
    for item in wanted:
        name = Path(item).name.removesuffix(".ipynb")
        matches = [p for p in paths if (p.name.startswith(f"{int(name):02d}_") if name.isdigit() else p.stem == name)]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in paths) or "none"
            raise LabBuildError(f"no solution notebook {item!r}; there are: {known}")
        chosen += [p for p in matches if p not in chosen]
    return chosen


def generated_labs(solutions: Path, wanted: list[str] | None = None) -> dict[str, str]:
    """Lab file name -> the lab's text, for every solution notebook (or those ``wanted``, see ``select``)."""
    texts = {}
    for solution_path in select(solutions, wanted or []):
        if not NOTEBOOK_NAME.match(solution_path.name):
            raise LabBuildError(f"{solution_path}: notebook names are NN_topic.ipynb (two digits, lower case).")
        try:
            solution = nbformat.read(solution_path, as_version=4)
        except ValueError as error:  # NotJSONError: e.g. git conflict markers in the solution
            raise LabBuildError(f"{solution_path} is not a readable notebook ({error}); repair it first.") from None
        texts[solution_path.name] = render(lab_from_solution(solution, solution_path.stem))
    return texts


def build_labs(
    solutions: Path,
    labs: Path,
    check: bool = False,
    now: datetime | None = None,
    wanted: list[str] | None = None,
) -> BuildResult:
    """Write (or, with ``check``, only compare) every lab, keeping a backup of anything that could be lost.

    ``wanted`` limits the run to some labs (``["00", "05"]``); orphans are then not looked for.
    Every solution is turned into its lab before any file is touched, so a broken solution changes
    nothing. Notebooks in ``labs/`` without a solution are never touched.
    """
    texts = generated_labs(solutions, wanted)
    record = read_record(labs)
    result = BuildResult()
    in_sync: dict[str, str] = {}
    for name, text in texts.items():
        lab_path = labs / name
        state = classify(read_text(lab_path), text, record.get(name))
        if state is LabState.CURRENT:
            result.unchanged.append(lab_path)
            in_sync[name] = text
            continue
        result.states[lab_path] = state
        result.written.append(lab_path)
        if check:
            continue
        labs.mkdir(parents=True, exist_ok=True)
        if state.needs_backup:
            result.backups.append(Backup(lab_path, keep_backup(lab_path, now), state))
        write_atomically(lab_path, text)
        in_sync[name] = text
    _copy_glossary(solutions, labs, check, result)
    if not wanted:
        named_like_labs = (p for p in sorted(labs.glob("*.ipynb")) if NOTEBOOK_NAME.match(p.name))
        result.orphans = [p for p in named_like_labs if p.name not in texts]
    if not check:
        remember(labs, in_sync)
    return result


def _copy_glossary(solutions: Path, labs: Path, check: bool, result: BuildResult) -> None:
    """Keep ``labs/glossary.md`` a copy of ``solutions/glossary.md``: the labs link to it, and JupyterLab
    (opened on labs/) cannot follow a link out of its root. It is reference text, never a learner's work."""
    source = solutions / GLOSSARY
    if not source.exists():
        return
    copy, text = labs / GLOSSARY, source.read_text(encoding="utf-8")
    current = read_text(copy)
    if current == text:
        result.unchanged.append(copy)
        return
    result.written.append(copy)
    result.states[copy] = LabState.MISSING if current is None else LabState.OUTDATED
    if not check:
        labs.mkdir(parents=True, exist_ok=True)
        write_atomically(copy, text)


CHECK_MESSAGES = {
    LabState.MISSING: "is missing: run {safe} to write it",
    LabState.REFORMATTED: "is the right notebook in another JSON layout: run {safe} to rewrite it",
    LabState.OUTDATED: "is out of date with {solution}: run {safe} to regenerate it (it was not edited)",
    LabState.OUTPUTS: (
        "holds outputs or metadata saved after running it (no edits): run {safe}; it keeps a copy in "
        "labs/.backup/ before writing the lab"
    ),
    LabState.EDITED: (
        "differs from what {solution} generates (edits, or an older lab): run {safe}; it keeps the "
        "current file in labs/.backup/ before writing the lab, so nothing is lost"
    ),
    LabState.UNREADABLE: (
        "is not a readable notebook (git conflict markers?): run {safe}; it moves the file to labs/.backup/ "
        "and writes a fresh lab"
    ),
}

BACKUP_MESSAGES = {
    LabState.OUTPUTS: "had outputs from running it (no edits): a copy with them is in {backup}",
    LabState.EDITED: "differed from the generated lab (your edits?): your version is kept in {backup}",
    LabState.UNREADABLE: (
        "was not a readable notebook (git conflict markers?): moved to {backup}; repair it there with a "
        "text editor, then copy your cells back (after a merge conflict, `git add` the fresh lab)"
    ),
}


def report_check(result: BuildResult, root: Path) -> int:
    problems = [
        f"{lab.relative_to(root)} "
        + CHECK_MESSAGES[state].format(safe=SAFE_COMMAND, solution=f"solutions/{lab.name}")
        for lab, state in result.states.items()
    ]
    problems += [
        f"{path.relative_to(root)} has no solution in solutions/ (NN_topic.ipynb names are reserved for labs): "
        "build-labs never deletes a notebook; if it is an old lab, `git rm` it; if it is your own, rename it"
        for path in result.orphans
    ]
    for problem in problems:
        print(f"build-labs --check: {problem}", file=sys.stderr)
    if not problems:
        print(f"build-labs --check: {len(result.unchanged)} labs in sync with solutions/")
    return 1 if problems else 0


def report_build(result: BuildResult, root: Path) -> int:
    backed_up = {b.lab: b for b in result.backups}
    for path in result.written:
        if path in backed_up:
            message = BACKUP_MESSAGES[backed_up[path].state].format(backup=backed_up[path].backup.relative_to(root))
            print(f"wrote {path.relative_to(root)}; the previous file {message}")
        else:
            print(f"wrote {path.relative_to(root)}")
    for path in result.orphans:
        print(f"left {path.relative_to(root)} alone: it has no solution (build-labs never deletes a notebook)")
    print(f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.backups)} backed up")
    if result.backups:
        print("Open in JupyterLab? File > Reload Notebook from Disk shows the new lab.")
    return 0


USAGE = """usage: python -m helpers build-labs [--check] [NN ...]

Write labs/ from solutions/ (only labs NN ... when given). A lab that differs from what its solution
generates (your edits, outputs, a damaged file) is copied to labs/.backup/ first; notebooks without a
solution are never touched.
--check: change nothing; exit 1 when a lab differs from its solution or a NN_topic.ipynb has none."""


def main(argv: list[str], root: Path) -> int:
    if any(a in {"-h", "--help"} for a in argv):
        print(USAGE)
        return 0
    unknown = [a for a in argv if a.startswith("-") and a != "--check"]
    if unknown:
        print(f"build-labs: unknown option {unknown[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    check = "--check" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    try:
        result = build_labs(root / "solutions", root / "labs", check=check, wanted=wanted)
    except LabBuildError as error:
        print(f"build-labs: {error} (no lab was changed)", file=sys.stderr)
        return 2
    except OSError as error:  # disk full, permissions, a file where labs/.backup/ should be...
        print(
            f"build-labs: stopped: {error}. Nothing was deleted: a lab is replaced only once its backup is on "
            "disk. Fix that (free space, permissions), then run it again.",
            file=sys.stderr,
        )
        return 1
    return report_check(result, root) if check else report_build(result, root)
