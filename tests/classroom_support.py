"""What the classroom tests share: throwaway Unix users, a Python they may run, and ending their processes.

Root only (the tests that import it skip otherwise): ``throwaway_users(n)`` makes ``n`` system users for
a test module and, when it ends, kills every process still running as one of them and removes them.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest


def _others_may_run(path: Path) -> bool:
    """Whether a user other than its owner may run ``path`` (it and every folder above it: o+x)."""
    return all(stat.S_IMODE(folder.stat().st_mode) & stat.S_IXOTH for folder in [path, *path.parents])


def learner_python(folder: Path) -> tuple[str, dict]:
    """An interpreter the learners may run with the kit's packages, and the variables it needs.

    This one when others may run it; when it lives in a private home (pyenv under /root, mode 0700), a
    copy in ``folder`` made of hard links (nothing is copied or installed: same disk, no new bytes) of
    its binary, libpython and standard library, as a venv whose site-packages is this venv's.
    """
    if _others_may_run(Path(os.path.realpath(sys.executable))):
        return sys.executable, {}
    base = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    binary, library = Path(os.path.realpath(sys.executable)), base / "lib" / f"lib{version}.so.1.0"
    if binary.stat().st_dev != folder.stat().st_dev or not library.exists():
        pytest.skip(f"{sys.executable} is in a folder other users cannot enter: build .venv from a Python "
                    f"outside any private home (e.g. /usr/bin/{version}) to run this test")
    python = folder / "python"
    (python / "bin").mkdir(parents=True)
    os.link(binary, python / "bin" / version)
    shutil.copytree(base / "lib" / version, python / "lib" / version, copy_function=os.link,
                    ignore=shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter"))
    os.link(library, python / "lib" / library.name)
    venv = folder / "learner-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(python / "bin" / version)
    (venv / "pyvenv.cfg").write_text(f"home = {python / 'bin'}\ninclude-system-site-packages = false\n")
    (venv / "lib" / version).mkdir(parents=True)
    (venv / "lib" / version / "site-packages").symlink_to(sysconfig.get_paths()["purelib"])
    for path in [folder / "python", *(folder / "python").rglob("*")]:  # the copied folders: 0755
        if path.is_dir():
            path.chmod(0o755)
    return str(venv / "bin" / "python"), {"LD_LIBRARY_PATH": str(python / "lib")}  # its RUNPATH is under /root


def ended(pid: int, timeout: float = 10.0) -> bool:
    """True once ``pid`` is gone or a zombie (stopped; its parent, maybe init, has yet to reap it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def processes_of(uid: int) -> list[psutil.Process]:
    """The live (not zombie) processes whose real user is ``uid``."""
    found = []
    for process in psutil.process_iter(["uids", "status"]):
        if process.info["uids"] and process.info["uids"].real == uid \
                and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def kill_processes_of(uid: int, timeout: float = 5.0) -> list[psutil.Process]:
    """Kill every process of ``uid`` (a throwaway user's: ours) and wait; return those still alive."""
    for process in processes_of(uid):
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes_of(uid), timeout=timeout)
    return [process for process in alive if process.is_running()
            and process.status() != psutil.STATUS_ZOMBIE]


@contextmanager
def throwaway_users(count: int, prefix: str = "fw", homes: Path | None = None) -> Iterator[list[str]]:
    """``count`` new system users (no login shell) named ``<prefix><letter><token>``; on exit, their
    processes are killed and the users removed (also when making one of them failed).

    Their home is ``homes/<name>`` when ``homes`` is given (as /home is a hub's), else useradd's default;
    it is not made here (the test or the hub makes it).
    """
    token = secrets.token_hex(3)
    names = [f"{prefix}{chr(ord('a') + index)}{token}" for index in range(count)]
    made = []
    try:
        for name in names:
            home = ["--home-dir", str(homes / name)] if homes else []
            subprocess.run(["useradd", "--system", "--no-create-home", *home, "--shell", "/usr/sbin/nologin", name],
                           check=True, capture_output=True)
            made.append(name)
        yield names
    finally:
        for name in made:
            kill_processes_of(pwd.getpwnam(name).pw_uid)
            subprocess.run(["userdel", name], capture_output=True)
