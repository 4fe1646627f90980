"""``python -m helpers reset-lab NN``: put a lab back to its pristine state, keeping the learner's work.

The pristine lab is generated afresh from ``solutions/NN_topic.ipynb`` exactly as ``build-labs`` does.
Before ``labs/NN_topic.ipynb`` is overwritten, the current file is copied byte for byte to
``labs/.backup/NN_topic-<YYYYmmdd-HHMMSS>.ipynb`` (``-1``, ``-2``... when that name is taken; a backup
is never overwritten), whatever it holds: edits, outputs, or text that is not JSON. A lab that is
already pristine is left alone.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path

import nbformat

from helpers.course.labs import (
    LabBuildError,
    keep_backup,
    lab_from_solution,
    read_text,
    remember,
    render,
    write_atomically,
)

NUMBER = re.compile(r"^\d{1,2}$")


class ResetError(ValueError):
    """The lab cannot be reset; the message says which labs exist or what to fix. Nothing was changed."""


class Outcome(Enum):
    RESET = "reset"  # the learner's file was backed up and replaced
    PRISTINE = "already pristine"  # nothing to do
    RESTORED = "restored"  # the lab file was missing and has been written


def available(root: Path) -> list[str]:
    """Notebook ids that can be reset (one per solution notebook)."""
    return [p.stem for p in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))]


def resolve(root: Path, wanted: str) -> str:
    """``"4"``, ``"04"``, ``"04_linear_regression_gd"`` or ``"labs/04_...ipynb"`` -> the notebook id."""
    ids = available(root)
    name = Path(wanted).name.removesuffix(".ipynb")
    if NUMBER.match(name):
        matches = [i for i in ids if i.startswith(f"{int(name):02d}_")]
    else:
        matches = [i for i in ids if i == name]
    if len(matches) == 1:
        return matches[0]
    listing = "\n".join(f"  {i[:2]}  labs/{i}.ipynb" for i in ids) or "  (none: solutions/ has no notebooks)"
    raise ResetError(f"there is no lab {wanted!r}. The labs are:\n{listing}\nUsage: python -m helpers reset-lab NN")


def pristine_text(root: Path, notebook_id: str) -> str:
    solution = root / "solutions" / f"{notebook_id}.ipynb"
    try:
        return render(lab_from_solution(nbformat.read(solution, as_version=4), notebook_id))
    except LabBuildError as error:
        raise ResetError(f"cannot build the pristine lab: {error} (the lab was left unchanged)") from None


def same_notebook(current: str, pristine: str) -> bool:
    """True when the two texts hold the same notebook, whatever the JSON layout (JupyterLab re-saves)."""
    if current == pristine:
        return True
    try:
        return json.loads(current) == json.loads(pristine)
    except json.JSONDecodeError:  # a damaged file is work to keep, not a pristine lab
        return False


def reset_lab(root: Path, wanted: str, now: datetime | None = None) -> tuple[Outcome, Path, Path | None]:
    """Reset one lab; return what happened, the lab's path and the backup's path (if one was made)."""
    notebook_id = resolve(root, wanted)
    labs = root / "labs"
    lab = labs / f"{notebook_id}.ipynb"
    text = pristine_text(root, notebook_id)
    current = read_text(lab)
    if current is None:
        labs.mkdir(parents=True, exist_ok=True)
        write_atomically(lab, text)
        outcome, backup = Outcome.RESTORED, None
    elif same_notebook(current, text):
        return Outcome.PRISTINE, lab, None
    else:
        backup = keep_backup(lab, now)  # the work is safe on disk before the lab is touched
        write_atomically(lab, text)
        outcome = Outcome.RESET
    remember(labs, {lab.name: text})  # so build-labs knows this file is the generated lab
    return outcome, lab, backup


def main(argv: list[str], root: Path) -> int:
    if not argv or any(a in {"-h", "--help"} for a in argv):
        ids = ", ".join(i[:2] for i in available(root)) or "none yet"
        print(f"usage: python -m helpers reset-lab NN [NN ...]\n\n{__doc__.strip()}\n\nlabs: {ids}")
        return 0 if argv else 2
    status = 0
    for wanted in argv:
        try:
            outcome, lab, backup = reset_lab(root, wanted)
        except ResetError as error:
            print(f"reset-lab: {error}", file=sys.stderr)
            status = 2
            continue
        except OSError as error:  # disk full, permissions: the backup comes first, so the lab is intact
            print(f"reset-lab: {wanted}: stopped: {error}. The lab was left as it was; fix that, then retry.",
                  file=sys.stderr)
            status = 1
            continue
        shown = lab.relative_to(root)
        if outcome is Outcome.PRISTINE:
            print(f"{shown} is already pristine: nothing changed, no backup needed.")
        elif outcome is Outcome.RESTORED:
            print(f"{shown} was missing: wrote the pristine lab.")
        else:
            print(
                f"{shown} is pristine again. Your work is kept in {backup.relative_to(root)}; "
                "reload the notebook in JupyterLab (File > Reload Notebook from Disk)."
            )
    return status
