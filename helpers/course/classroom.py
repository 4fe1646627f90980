"""``python -m helpers classroom``: the instructor's view of a room of learners on one server.

    python -m helpers classroom status --homes '/home/*/.flywheel'          # progress, stuck, endpoints
    python -m helpers classroom stop-endpoints --homes '/home/*/.flywheel'  # end of the day
    python -m helpers classroom hub --roster roster.txt ...                 # the hub: helpers.course.hub

Each learner has a Unix user and their own ``FLYWHEEL_HOME`` (mode 0700); ``--homes`` is a glob that
matches every learner's home, and a learner is named after the owner of theirs, or after their folder (what the
glob's ``*`` matched: ``alice`` in ``/srv/room/alice/.flywheel``) when two homes share an owner (Kubernetes: every
learner pod is uid 1000) or with ``--name-by folder``. Without ``--homes``, the
room the hub last started (``classroom/.state/room.json``, or ``--state``'s) names the homes; from it
``stop-endpoints`` also takes the Python the learners may run (``--learner-python``). Run it as root
(``sudo .venv/bin/python -m helpers classroom ...``): an instructor's own user cannot read learners'
homes, and such a home is reported with that fix, never a crash.

``status`` shows, per learner, the exercises passed per lab (only learners who opted in with
``progress --on``: their ``progress/record.json``), the exercises where the room is stuck (learners
with ``--stuck-attempts`` attempts or more and no pass, with the room's pass rate from
:func:`helpers.learning_record.merge`), each learner's live endpoints, and their memory and CPU use from the
cgroup the hub put their server in (with processes killed for memory: a kernel that "died"). It only reads.

``stop-endpoints`` runs ``python -m helpers cleanup`` for each home *as the home's owner* (root drops
to that user for it), so nothing in a learner's home becomes root's and the stop goes through the
same code as a learner's own cleanup.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import pwd
import subprocess
import sys
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from helpers import learning_record
from helpers.course import cgroups

STUCK_ATTEMPTS = 3  # attempts without a pass after which a learner counts as stuck on an exercise
STOP_TIMEOUT_SECONDS = 120
ROOT_FIX = "run this command as root (sudo .venv/bin/python -m helpers classroom ...)"
HUB_STATE = Path("classroom") / ".state"  # where `classroom hub` keeps its room (helpers.course.hub's default)
ROOM_FILE = "room.json"  # in HUB_STATE: the room the hub started, as helpers.course.hub.Room wrote it
NAME_BY = ("owner", "folder")  # what names a learner: their home's owner, or the folder --homes' wildcard matched


@dataclass
class Learner:
    """One learner's home as the instructor sees it."""

    name: str                      # the home's owner (a user name, or the uid when it has no name), or its folder
    home: Path
    uid: int
    owner: str = ""                # the home's owner, whatever names the learner
    sharing: bool = False          # opted in to progress recording
    record: dict | None = None     # their progress record, when sharing and there is one
    record_path: Path | None = None
    endpoints: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def find_homes(pattern: str) -> list[Path]:
    """The learner homes ``pattern`` (a glob) names, sorted; ValueError with an example when none.

    In ``/home/*/.flywheel`` the ``*`` is matched and ``.flywheel`` taken in each folder found, so a home
    this user may not look into is still listed (and reported unreadable) instead of silently missing.
    """
    pattern = os.path.expanduser(pattern)
    parent, leaf = os.path.split(pattern)
    if glob.has_magic(leaf) or not glob.has_magic(parent):
        homes = [Path(path) for path in glob.glob(pattern) if os.path.isdir(path)]
    else:
        homes = [Path(folder) / leaf for folder in glob.glob(parent) if _may_be_home(Path(folder) / leaf)]
    if not homes:
        raise ValueError(f"no folder matches --homes {pattern!r}: give a glob matching every learner's "
                         f"FLYWHEEL_HOME, e.g. --homes '/home/*/.flywheel' (quoted, so the shell leaves it).")
    return sorted(homes)


def _may_be_home(path: Path) -> bool:
    try:
        return path.is_dir()
    except PermissionError:  # behind a folder this user may not enter: read_learner says so
        return True


def owner(home: Path) -> tuple[str, int]:
    """(user name, uid) of the home's owner (of its folder, when the home cannot be reached); the uid
    as the name when the user has none."""
    try:
        uid = home.stat().st_uid
    except PermissionError:
        uid = home.parent.stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name, uid
    except KeyError:
        return str(uid), uid


def folder_name(home: Path, pattern: str) -> str:
    """The part of ``home`` that the wildcards of ``pattern`` (the ``--homes`` glob that found it) matched:
    ``alice`` for ``/srv/room/alice/.flywheel`` and ``'/srv/room/*/.flywheel'``; parts from several wildcards
    are joined by ``/``. A pattern without wildcards (one home) gives the home's folder, or for a hidden home
    like ``.flywheel`` the folder holding it."""
    wild = Path(os.path.expanduser(pattern)).parts
    if len(wild) == len(home.parts):  # glob's wildcards never span a '/', so the parts line up
        matched = [part for part, spec in zip(home.parts, wild) if glob.has_magic(spec)]
        if matched:
            return "/".join(matched)
    return home.parent.name if home.name.startswith(".") and home.parent.name else home.name


def learner_names(homes: list[tuple[Path, str, int]], pattern: str,
                  name_by: str | None = None) -> tuple[list[str], str | None]:
    """A name per (home, owner's name, owner's uid) of ``pattern``, by ``name_by`` ('owner', 'folder', or None:
    by owner unless two homes share an owner, then by folder), and the line saying so when None chose folder."""
    shared = {uid: count for uid, count in Counter(uid for _, _, uid in homes).items() if count > 1}
    if (name_by or ("folder" if shared else "owner")) == "owner":
        return [name for _, name, _ in homes], None
    names = [folder_name(home, pattern) for home, _, _ in homes]
    if name_by is not None:
        return names, None  # asked for: nothing to explain
    owner_of = {uid: name for _, name, uid in homes}
    owners = ", ".join(f"{count} belong to {owner_of[uid]}" for uid, count in shared.items())
    return names, (f"Learners are named by their folder in --homes, as homes share an owner ({owners}); "
                   f"--name-by owner names them by owner.")


@contextmanager
def store_of(home: Path) -> Iterator[None]:
    """Point the kit's store functions (which read ``FLYWHEEL_HOME``) at ``home`` for the block."""
    before = os.environ.get("FLYWHEEL_HOME")
    os.environ["FLYWHEEL_HOME"] = str(home)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("FLYWHEEL_HOME", None)
        else:
            os.environ["FLYWHEEL_HOME"] = before


def read_learner(home: Path) -> Learner:
    """What the instructor sees of one home; what cannot be read goes to ``errors`` with the fix."""
    name, uid = owner(home)
    learner = Learner(name, home, uid, owner=name)
    try:
        os.listdir(home)
    except OSError as error:
        learner.errors.append(f"cannot read {home} (owned by {name}: {error.strerror or error}); {ROOT_FIX}.")
        return learner
    with store_of(home):
        _read_progress(learner)
        _read_endpoints(learner)
    return learner


def _read_progress(learner: Learner) -> None:
    from helpers.platform_home import progress_root

    folder = progress_root()
    try:
        consent = json.loads((folder / learning_record.CONSENT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return  # never opted in
    except (OSError, ValueError) as error:
        learner.errors.append(f"{folder / learning_record.CONSENT_FILE}: cannot be read ({error}); "
                              f"the learner can run `python -m helpers progress --on` again.")
        return
    learner.sharing = isinstance(consent, dict) and consent.get("recording") is True
    path = folder / learning_record.RECORD_FILE
    if not learner.sharing or not path.exists():
        return
    try:
        learner.record, learner.record_path = learning_record.load(path), path
    except (OSError, learning_record.RecordError) as error:
        learner.errors.append(f"progress record unusable: {error}")


def _read_endpoints(learner: Learner) -> None:
    from helpers.platform.records import CorruptRecordWarning
    from helpers.platform.serving.limits import live_endpoints

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CorruptRecordWarning)  # the learner's cleanup reports those
            learner.endpoints = live_endpoints()
    except OSError as error:
        learner.errors.append(f"cannot list endpoints in {learner.home}: {error.strerror or error}; {ROOT_FIX}.")


# --- status -------------------------------------------------------------------------------------------


def passed_per_lab(record: dict) -> list[tuple[str, int, int]]:
    """(lab, exercises passed, exercises in the lab) per lab of one progress record, by lab id."""
    rows = []
    for lab, entry in sorted(record.get("labs", {}).items()):
        exercises = entry["exercises"]
        passed = sum("first_pass" in row for row in exercises.values())
        rows.append((lab, passed, max(int(entry.get("total") or 0), len(exercises))))
    return rows


@dataclass(frozen=True)
class StuckRow:
    """An exercise some learners are stuck on: ``stuck`` of the ``learners`` who tried it have made
    at least the threshold's attempts without a pass; ``pass_rate`` is the room's (0..1)."""

    lab: str
    exercise: str
    stuck: list[str]
    learners: int
    pass_rate: float


def stuck_exercises(learners: list[Learner], min_attempts: int = STUCK_ATTEMPTS) -> list[StuckRow]:
    """Exercises with a learner stuck on them, the most stuck learners first."""
    sharing = [learner for learner in learners if learner.record is not None]
    room = {(row.lab, row.exercise): row for row in learning_record.merge([lr.record_path for lr in sharing]).exercises}
    stuck: dict[tuple[str, str], list[str]] = {}
    for learner in sharing:
        for lab, entry in learner.record["labs"].items():
            for exercise, row in entry["exercises"].items():
                if "first_pass" not in row and row["attempts"] >= min_attempts:
                    stuck.setdefault((lab, exercise), []).append(learner.name)
    rows = [StuckRow(lab, exercise, sorted(names), room[(lab, exercise)].learners, room[(lab, exercise)].pass_rate)
            for (lab, exercise), names in stuck.items() if (lab, exercise) in room]
    return sorted(rows, key=lambda row: (-len(row.stuck), row.pass_rate, row.lab, row.exercise))


def status_lines(learners: list[Learner], pattern: str, min_attempts: int = STUCK_ATTEMPTS) -> list[str]:
    """The ``status`` report: one line per learner, the stuck exercises, then what could not be read."""
    sharing = sum(learner.sharing for learner in learners)
    width = max([len(learner.name) for learner in learners] + [7])
    lines = [f"{len(learners)} learner home(s) match {pattern}; {sharing} share their progress.", "",
             f"{'learner':<{width}}  {'live endpoints':<30}  exercises passed per lab"]
    for learner in learners:
        endpoints = ", ".join(learner.endpoints) or "-"
        if learner.errors and learner.record is None and not learner.endpoints:
            progress = "(see below)"
        elif learner.record is not None:
            progress = "  ".join(f"{lab.split('_', 1)[0]} {passed}/{total}"
                                 for lab, passed, total in passed_per_lab(learner.record)) or "(nothing yet)"
        else:
            progress = "(shares nothing: progress --on is off)" if not learner.sharing else "(nothing yet)"
        lines.append(f"{learner.name:<{width}}  {endpoints:<30}  {progress}")
    stuck = stuck_exercises(learners, min_attempts)
    lines += ["", f"Where the room is stuck ({min_attempts}+ attempts, no pass):"]
    lines += [f"  {row.lab} {row.exercise}: {len(row.stuck)} of {row.learners} stuck ({', '.join(row.stuck)}); "
              f"room pass rate {row.pass_rate:.0%}" for row in stuck] or ["  nowhere"]
    running = [learner for learner in learners if learner.endpoints]
    if running:
        lines += ["", f"{sum(len(lr.endpoints) for lr in running)} endpoint(s) live for {len(running)} learner(s): "
                      f"`python -m helpers classroom stop-endpoints --homes '{pattern}'` stops them all."]
    problems = [(learner, error) for learner in learners for error in learner.errors]
    if problems:
        lines += ["", "Could not read:"] + [f"  {learner.name}: {error}" for learner, error in problems]
    return lines


def resource_lines(learners: list[Learner]) -> list[str]:
    """Each learner's memory and CPU from their cgroup (the hub's ``--memory``/``--cpus``), with the
    processes killed for memory; nothing when no learner has a group (no hub, or no limits here)."""
    lines = []
    for learner in learners:
        try:
            found = cgroups.usage(learner.name)
        except (OSError, ValueError):  # a name that cannot be a group (a bare uid is fine): it has none
            continue
        if found is not None:
            lines.append(f"  {learner.name}: {cgroups.describe(found)}")
    return ["", "Resources (each learner's cgroup, limits from the hub):", *lines] if lines else []


def status(pattern: str, min_attempts: int, name_by: str | None = None) -> int:
    """Print the room's report; ``name_by``: what names a learner (see :func:`learner_names`)."""
    learners = [read_learner(home) for home in find_homes(pattern)]
    names, note = learner_names([(lr.home, lr.owner, lr.uid) for lr in learners], pattern, name_by)
    for learner, name in zip(learners, names):
        learner.name = name
    lines = ([note] if note else []) + status_lines(learners, pattern, min_attempts) + resource_lines(learners)
    print("\n".join(lines))
    return 1 if any(learner.errors for learner in learners) else 0


# --- stop-endpoints -----------------------------------------------------------------------------------


def cleanup_command(home: Path, uid: int, root: Path, python: str | None = None,
                    extra_env: dict | None = None) -> tuple[list[str], dict]:
    """The ``cleanup`` command for ``home`` and how to run it (as its owner): (argv, Popen keywords).
    ``python``: the interpreter (default this one; the learners must be allowed to run it), and
    ``extra_env`` what it needs (the hub's ``--learner-env``, e.g. LD_LIBRARY_PATH).

    PermissionError when this user may act neither as the owner nor as root."""
    me = os.geteuid()
    env = {**os.environ, **(extra_env or {}), "FLYWHEEL_HOME": str(home)}
    options: dict = {"env": env, "cwd": str(root)}
    if uid != me:
        if me != 0:
            raise PermissionError(f"{home} belongs to another user: {ROOT_FIX}")
        try:
            account = pwd.getpwuid(uid)
            user, gid, user_home = account.pw_name, account.pw_gid, account.pw_dir
        except KeyError:  # volumes copied or mounted from pods (uid 1000 there): no such user here
            user, gid, user_home = str(uid), home.stat().st_gid, str(home.parent)
        # the learner's own process stops the learner's servers: nothing in the home becomes root's
        env.update(HOME=user_home, USER=user, LOGNAME=user)
        options.update(user=uid, group=gid, extra_groups=[])
    return [python or sys.executable, "-m", "helpers", "cleanup"], options


def stop_endpoints(pattern: str, root: Path, python: str | None = None, extra_env: dict | None = None,
                   name_by: str | None = None) -> int:
    """Run each home's ``cleanup`` as its owner, printing its lines after the learner's name (``name_by``, as
    in ``status``); 1 if any failed."""
    failed, owned = 0, []
    for home in find_homes(pattern):
        try:
            owned.append((home, *owner(home)))
        except OSError as error:
            failed += 1
            print(f"{home}: could not stop its endpoints: {error}")
    names, note = learner_names(owned, pattern, name_by)
    if note:
        print(note)
    for (home, _, uid), name in zip(owned, names):
        try:
            argv, options = cleanup_command(home, uid, root, python, extra_env)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=STOP_TIMEOUT_SECONDS, **options)
        except (OSError, KeyError, subprocess.SubprocessError) as error:
            failed += 1
            print(f"{home}: could not stop its endpoints: {error}")
            continue
        output = (done.stdout + done.stderr).strip().splitlines() or ["(no output)"]
        print("\n".join(f"{name}: {line}" for line in output))
        failed += done.returncode != 0
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers classroom",
                                     description="The instructor's view of a room of learners on one server.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("hub", "start JupyterHub for the room (as root): `classroom hub --help`"),
                       ("roster", "write a roster with a code per learner: `classroom roster --help`"),
                       ("publish-labs", "commit labs/ to the room's labs.git: `classroom publish-labs --help`")):
        commands.add_parser(name, help=text, add_help=False)  # handled by helpers.course.hub
    for name, text in (("status", "each learner's progress and live endpoints, and where the room is stuck"),
                       ("stop-endpoints", "stop every learner's endpoints and servers (their cleanup, as them)")):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--homes", metavar="GLOB",
                             help="a glob matching every learner's FLYWHEEL_HOME, e.g. '/home/*/.flywheel' "
                                  "(default: the homes of the room `classroom hub` started from --state)")
        command.add_argument("--state", default=str(HUB_STATE), metavar="DIR",
                             help=f"the hub's state folder, whose room.json names the homes and the learners' "
                                  f"Python (default {HUB_STATE})")
        command.add_argument("--name-by", choices=NAME_BY,
                             help="name learners by their home's owner, or by their folder (what --homes' * "
                                  "matched: alice in /srv/room/alice/.flywheel); default: by owner unless two "
                                  "homes share one (Kubernetes: every pod is uid 1000), then by folder")
        if name == "status":
            command.add_argument("--stuck-attempts", type=int, default=STUCK_ATTEMPTS, metavar="N",
                                 help=f"attempts without a pass that count as stuck (default {STUCK_ATTEMPTS})")
    return parser


# The hub's commands live in helpers.course.hub, which imports JupyterHub (the `classroom` extra).
HUB_COMMANDS = ("hub", "roster", "publish-labs")


@dataclass(frozen=True)
class HubRoom:
    """What ``status`` and ``stop-endpoints`` take from the room the hub last started (its room.json)."""

    homes: str                  # the glob of every learner's FLYWHEEL_HOME
    python: str | None = None   # the interpreter learners may run (this one may live in a private home)
    env: dict = field(default_factory=dict)  # what that interpreter needs, e.g. LD_LIBRARY_PATH


def hub_room(state: Path) -> HubRoom | None:
    """The room in ``state``/room.json (written by ``classroom hub``), or None when no hub ran there."""
    path = state / ROOM_FILE
    try:
        room = json.loads(path.read_text(encoding="utf-8"))
        return HubRoom(f"{room['homes']}/*/.flywheel", room.get("learner_python"), room.get("learner_env") or {})
    except FileNotFoundError:
        return None
    except PermissionError:
        raise ValueError(f"cannot read {path}: {ROOT_FIX}") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a room `classroom hub` wrote ({error}): give --homes") from None


def state_folder(state: str, root: Path) -> Path:
    """``--state`` as a folder: under the checkout ``root`` unless absolute (``root / '/abs'`` is ``/abs``)."""
    return root / state


def room_for(args: argparse.Namespace, root: Path) -> HubRoom:
    """The homes (``--homes``, else the hub's room) and, from the hub's room when there is one, the
    learners' Python; ValueError naming --homes when neither says where the learners are."""
    state = state_folder(args.state, root)
    room = hub_room(state)
    if args.homes:
        return HubRoom(args.homes, room.python if room else None, room.env if room else {})
    if room is None:
        raise ValueError(f"no --homes, and no hub has run from {state} (no room.json): give the learners' homes, "
                         f"e.g. --homes '/home/*/.flywheel', or --state of the hub.")
    return room


def main(argv: list[str], root: Path) -> int:
    if argv and argv[0] in HUB_COMMANDS:
        try:
            hub = importlib.import_module("helpers.course.hub")
        except ImportError as error:
            print(f"classroom {argv[0]} needs JupyterHub ({error}): `make classroom` installs it.", file=sys.stderr)
            return 2
        return hub.main(argv, root)
    args = build_parser().parse_args(argv)
    try:
        room = room_for(args, root)
        if args.command == "status":
            return status(room.homes, max(1, args.stuck_attempts), args.name_by)
        return stop_endpoints(room.homes, root, room.python, room.env, args.name_by)
    except ValueError as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 2
