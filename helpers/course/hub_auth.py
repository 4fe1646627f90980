"""The classroom roster and JupyterHub's login by it: a learner's name and their own code.

Standard library, JupyterHub and traitlets only (no kit import), so the same file serves a hub that
runs without the kit: Zero to JupyterHub's hub image loads it from ``hub.extraFiles``
(classroom/kubernetes.md). ``python -m helpers classroom roster`` writes rosters (helpers.course.hub).

A roster is a text file, mode 0600 (it holds every code), one learner per line::

    # name code [admin]
    ana  k7dm-q2xa-9fpe
    lee  3hwt-cj8n-v4ra admin
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Unicode

NAME_PATTERN = re.compile(r"[a-z_][a-z0-9_-]{0,31}")  # a portable Unix user name (JupyterHub lowercases)
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read aloud and typed
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4  # "k7dm-q2xa-9fpe": 12 random characters of 31, 59 bits
MIN_CODE_LENGTH = 10


class ClassroomError(ValueError):
    """A room that cannot work as asked; the message names the problem and the fix."""


@dataclass(frozen=True)
class Entry:
    """One roster line: ``name code`` (``admin`` as a third word: the instructor, a hub admin)."""

    name: str
    code: str
    admin: bool = False


def new_code() -> str:
    """A fresh login code: 3 groups of 4 characters from an alphabet without look-alikes."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
                    for _ in range(CODE_GROUPS))


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise ClassroomError(f"{name!r} cannot be a learner's name: use a Unix user name (lower-case letters, "
                             f"digits, '_' or '-', starting with a letter or '_', at most 32), e.g. 'ana' or 'ben_k'.")
    return name


def read_roster(path: str | Path) -> dict[str, Entry]:
    """The roster at ``path`` by name; ClassroomError naming the line and the fix for anything wrong,
    or when users other than its owner may read it, or another user than this process's owns it."""
    path = Path(path)
    try:
        info = path.stat()
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ClassroomError(f"no roster at {path}: make one with `python -m helpers classroom roster "
                             f"--names ana,ben,caro --out {path}`") from None
    except OSError as error:
        raise ClassroomError(f"cannot read the roster {path}: {error.strerror or error}") from None
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid():  # whoever may write it may log in as anyone, or make themselves admin
        raise ClassroomError(f"{path} belongs to uid {info.st_uid}, not to the hub's user (uid {os.geteuid()}): "
                             f"chown {os.geteuid()} {path}")
    if mode & 0o077:
        raise ClassroomError(f"{path} may be read by other users (mode {mode:04o}) and holds every learner's "
                             f"code: chmod 600 {path}")
    entries: dict[str, Entry] = {}
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) not in (2, 3) or (len(words) == 3 and words[2] != "admin"):
            raise ClassroomError(f"{path}:{number}: expected 'name code' or 'name code admin', got {line.strip()!r}")
        name, code = check_name(words[0]), words[1]
        if len(code) < MIN_CODE_LENGTH:
            raise ClassroomError(f"{path}:{number}: {name}'s code is shorter than {MIN_CODE_LENGTH} characters; "
                                 f"make codes with `python -m helpers classroom roster`")
        if name in entries:
            raise ClassroomError(f"{path}:{number}: {name} is listed twice; keep one line per learner")
        entries[name] = Entry(name, code, len(words) == 3)
    if not entries:
        raise ClassroomError(f"{path} lists no learner: one 'name code' line each")
    return entries


def code_matches(roster: dict[str, Entry], name: str, code: str) -> bool:
    """Whether ``code`` is ``name``'s own code (compared in constant time; an unknown name is compared
    too, so the time taken tells nothing)."""
    entry = roster.get(name)
    expected = entry.code if entry is not None else new_code()
    return secrets.compare_digest(expected.encode(), code.encode()) and entry is not None


class RosterAuthenticator(Authenticator):
    """Log in with a name and that learner's own code from the roster: one learner cannot log in as
    another (unlike JupyterHub's "shared-password", where anyone with the password can be anyone).

    The roster is read at each login, so a code changed in the file applies at once; who may log in
    at all is ``allowed_users`` (the hub sets it to the roster at its start, when their homes exist);
    roster lines marked ``admin`` log in as hub admins."""

    roster_file = Unicode("", config=True, help="the roster: 'name code [admin]' lines, mode 0600")

    async def authenticate(self, handler, data):
        name = self.normalize_username(str(data.get("username", "")))
        try:
            roster = read_roster(self.roster_file)
        except ClassroomError as error:
            self.log.error("cannot check %s's code: %s", name, error)
            return None
        if not code_matches(roster, name, str(data.get("password", ""))):
            self.log.warning("refused a login as %r: not that learner's code", name)
            return None
        return {"name": name, "admin": roster[name].admin}
