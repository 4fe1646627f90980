"""``python -m helpers reset-lab NN``: put a lab back to its pristine state, keeping the learner's work.

The pristine lab is generated afresh from ``solutions/NN_topic.ipynb`` exactly as ``build-labs`` does.
Before ``labs/NN_topic.ipynb`` is overwritten, the current file is copied byte for byte to
``labs/.backup/NN_topic-<YYYYmmdd-HHMMSS>.ipynb`` (``-1``, ``-2``... when that name is taken; a backup
is never overwritten), whatever it holds: edits, outputs, or text that is not JSON. A lab that is
already pristine is left alone. JupyterLab opens a backup with File > Open from Path... (`make lab` and the
classroom hub start Jupyter with :data:`ALLOW_HIDDEN`; by default it refuses names starting with a dot).

Which folder of labs: ``--labs DIR``, else the environment variable ``FLYWHEEL_LABS``, else the checkout's
``labs/`` (:func:`labs_folder`). The classroom hub sets ``FLYWHEEL_LABS`` to each learner's own copy,
``~/flywheel``, which nbgitpuller keeps in step with the published labs; the backups then go to that
folder's ``.backup/``, which git does not track, so nbgitpuller's next pull neither fails on them nor
removes them. The pristine text always comes from the checkout's ``solutions/``.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import sys
from collections.abc import Mapping
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
LABS_ENV = "FLYWHEEL_LABS"  # the folder of labs learner commands act on (the classroom hub: ~/flywheel)
# Jupyter's option that lets JupyterLab open the backups: its default hides (and refuses to serve) any
# file or folder whose name starts with a dot. `make lab` and the classroom hub's servers pass it.
ALLOW_HIDDEN = "--ContentsManager.allow_hidden=True"
USAGE = "usage: python -m helpers reset-lab NN [NN ...] [--labs DIR]"


class ResetError(ValueError):
    """The lab cannot be reset; the message says which labs exist or what to fix. Nothing was changed."""


class Outcome(Enum):
    RESET = "reset"  # the learner's file was backed up and replaced
    PRISTINE = "already pristine"  # nothing to do
    RESTORED = "restored"  # the lab file was missing and has been written


def labs_folder(root: Path, chosen: str | Path | None = None,
                environ: Mapping[str, str] | None = None) -> tuple[Path, str | None]:
    """The folder of labs a learner command acts on, and what named it.

    ``chosen`` (``--labs``) first, else ``$FLYWHEEL_LABS``, else the checkout's ``labs/``; what named it is
    ``"--labs"``, ``"FLYWHEEL_LABS"`` or None (the checkout's). Relative paths are from the current folder,
    ``~`` is the user's home. Nothing is checked here: see :func:`usable_labs`."""
    environ = os.environ if environ is None else environ
    if chosen:
        return Path(chosen).expanduser().absolute(), "--labs"
    if environ.get(LABS_ENV):
        return Path(environ[LABS_ENV]).expanduser().absolute(), LABS_ENV
    return root / "labs", None


def usable_labs(root: Path, chosen: str | Path | None = None) -> Path:
    """:func:`labs_folder`, once it is known the caller may write there; else ResetError with the fix.

    A folder named by ``--labs`` or ``FLYWHEEL_LABS`` must exist (a typo must not make a new, empty one);
    the checkout's ``labs/`` may be missing (a lab is then written, as before). A folder the caller cannot
    write is refused before anything is read, so a learner on a shared server is never told "already
    pristine" about somebody else's copy."""
    labs, named_by = labs_folder(root, chosen)
    if named_by and not labs.is_dir():
        what = "does not exist" if not labs.exists() else "is not a folder"
        raise ResetError(f"{named_by} names {labs}, which {what}. {_choose_fix(named_by)}")
    if labs.is_dir() and not os.access(labs, os.W_OK | os.X_OK):
        whose = _owner(labs)
        where = f"{named_by} names {labs}" if named_by else f"the checkout's labs/ ({labs})"
        raise ResetError(f"{where}, a folder you cannot write (it is {whose}'s). {_choose_fix(named_by)}")
    return labs


def _choose_fix(named_by: str | None) -> str:
    """How to name the folder that holds the caller's own labs."""
    hub = ("If the classroom hub gave you your labs, run the command in a terminal or notebook of your "
           "JupyterLab, where FLYWHEEL_LABS names your copy, or add --labs ~/flywheel.")
    if named_by == "--labs":
        return f"Give --labs the folder that holds your labs. {hub}"
    if named_by == LABS_ENV:
        return (f"Set {LABS_ENV} to the folder that holds your labs, or unset it to use the checkout's labs/. "
                f"{hub}")
    return f"Your own copy of the labs is elsewhere: name it with --labs DIR or {LABS_ENV}=DIR. {hub}"


def _owner(path: Path) -> str:
    uid = path.stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def shown(path: Path, root: Path) -> str:
    """``path`` as the learner should read it: from the checkout (``labs/04_x.ipynb``), else from their home
    (``~/flywheel/04_x.ipynb``), else whole."""
    for base, prefix in ((root, ""), (Path.home(), "~/")):
        try:
            return f"{prefix}{path.relative_to(base)}"
        except ValueError:
            continue
    return str(path)


def jupyter_path(path: Path, root: Path) -> str:
    """``path`` as typed in JupyterLab's File > Open from Path..., which starts at the server's folder: the
    checkout's ``labs/`` under `make lab`, the learner's home under the classroom hub; else whole."""
    for base in (root / "labs", Path.home()):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def available(root: Path) -> list[str]:
    """Notebook ids that can be reset (one per solution notebook)."""
    return [p.stem for p in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))]


def resolve(root: Path, wanted: str, labs: Path | None = None) -> str:
    """``"4"``, ``"04"``, ``"04_linear_regression_gd"`` or ``"labs/04_...ipynb"`` -> the notebook id."""
    ids = available(root)
    name = Path(wanted).name.removesuffix(".ipynb")
    if NUMBER.match(name):
        matches = [i for i in ids if i.startswith(f"{int(name):02d}_")]
    else:
        matches = [i for i in ids if i == name]
    if len(matches) == 1:
        return matches[0]
    labs = root / "labs" if labs is None else labs
    listing = "\n".join(f"  {i[:2]}  {shown(labs / f'{i}.ipynb', root)}" for i in ids) or \
        "  (none: solutions/ has no notebooks)"
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


def reset_lab(root: Path, wanted: str, now: datetime | None = None,
              labs: str | Path | None = None) -> tuple[Outcome, Path, Path | None]:
    """Reset one lab of the folder :func:`usable_labs` picks (``labs``: as ``--labs``); return what happened,
    the lab's path and the backup's path (if one was made)."""
    return reset_in(usable_labs(root, labs), root, wanted, now)


def reset_in(folder: Path, root: Path, wanted: str,
             now: datetime | None = None) -> tuple[Outcome, Path, Path | None]:
    """:func:`reset_lab` in ``folder``, a folder of labs :func:`usable_labs` already accepted."""
    notebook_id = resolve(root, wanted, folder)
    lab = folder / f"{notebook_id}.ipynb"
    text = pristine_text(root, notebook_id)
    current = read_text(lab)
    if current is None:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(lab, text)
        outcome, backup = Outcome.RESTORED, None
    elif same_notebook(current, text):
        return Outcome.PRISTINE, lab, None
    else:
        backup = keep_backup(lab, now)  # the work is safe on disk before the lab is touched
        write_atomically(lab, text)
        outcome = Outcome.RESET
    remember(folder, {lab.name: text})  # so build-labs knows this file is the generated lab
    return outcome, lab, backup


def parse(argv: list[str]) -> tuple[list[str], str | None]:
    """The labs wanted and the ``--labs`` folder (None when not given); ResetError on a bare ``--labs``."""
    wanted, chosen, rest = [], None, list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--labs" or arg.startswith("--labs="):
            chosen = arg.partition("=")[2] if "=" in arg else (rest.pop(0) if rest else "")
            if not chosen:
                raise ResetError(f"--labs needs a folder, e.g. --labs ~/flywheel\n{USAGE}")
        else:
            wanted.append(arg)
    return wanted, chosen


def main(argv: list[str], root: Path) -> int:
    if not argv or any(a in {"-h", "--help"} for a in argv):
        ids = ", ".join(i[:2] for i in available(root)) or "none yet"
        folder, named_by = labs_folder(root)
        source = f" (from {named_by})" if named_by else ""
        print(f"{USAGE}\n\n{__doc__.strip()}\n\nlabs: {ids}\nlabs folder: {shown(folder, root)}{source}")
        return 0 if argv else 2
    try:
        wanted, chosen = parse(argv)
        labs = usable_labs(root, chosen)  # once, before any lab: the same problem for each
    except ResetError as error:
        print(f"reset-lab: {error}", file=sys.stderr)
        return 2
    if not wanted:
        print(f"reset-lab: which lab? Give its number.\n{USAGE}", file=sys.stderr)
        return 2
    status = 0
    for name in wanted:
        try:
            outcome, lab, backup = reset_in(labs, root, name)
        except ResetError as error:
            print(f"reset-lab: {error}", file=sys.stderr)
            status = 2
            continue
        except OSError as error:  # disk full, permissions: the backup comes first, so the lab is intact
            print(f"reset-lab: {name}: stopped: {error}. The lab was left as it was; fix that, then retry.",
                  file=sys.stderr)
            status = 1
            continue
        if outcome is Outcome.PRISTINE:
            print(f"{shown(lab, root)} is already pristine: nothing changed, no backup needed.")
        elif outcome is Outcome.RESTORED:
            print(f"{shown(lab, root)} was missing: wrote the pristine lab.")
        else:
            print(
                f"{shown(lab, root)} is pristine again. Your work is kept in {shown(backup, root)}; "
                "reload the notebook in JupyterLab (File > Reload Notebook from Disk). To open your work: "
                f"File > Open from Path..., then {jupyter_path(backup, root)} (View > Show Hidden Files lists "
                "the .backup folder in the file browser)."
            )
    return status
