"""Server processes of the local platform: start them detached, tell alive from dead, stop them.

A process is identified by its pid **and** its start time, so a recycled pid is never mistaken for
our server (and never signalled): a reference without a start time is never taken for a live server,
unless it is a child this Python process started and has not reaped. Servers run in their own
session: interrupting or restarting a notebook kernel leaves them running, exactly as a real endpoint
keeps running (and billing) until it is deleted — ``python -m helpers cleanup`` finds and stops them.

A server's arguments (its folder, which names the endpoint or job) travel in its environment, not on
its command line: every user of the machine can read ``/proc/<pid>/cmdline`` (``ps``), only the
process's owner its ``/proc/<pid>/environ``. The command line says only what kind of process it is
(``python -m helpers.platform.serving.server``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from helpers.platform_home import PRIVATE_UMASK, open_private, private_dir

# Children started by this Python process, kept so they are reaped (no zombies) when they stop.
_children: dict[int, subprocess.Popen] = {}

SERVER_MODULES = ("helpers.platform.serving.server", "helpers.platform.serving.router")
#: Seconds a recorded start time may differ from psutil's (both are psutil create_time: boot time + ticks).
START_TIME_TOLERANCE = 0.05
#: The variable :func:`spawn` passes a process's arguments in (a JSON list of strings), read back by :func:`args`.
ARGS_ENV = "FLYWHEEL_PROCESS_ARGS"


@dataclass(frozen=True)
class ProcessRef:
    pid: int
    create_time: float

    def to_dict(self) -> dict:
        return {"Pid": self.pid, "PidCreateTime": self.create_time}

    @classmethod
    def from_dict(cls, values: dict | None) -> "ProcessRef | None":
        """The reference a state file holds; None when it has no usable pid (missing, not a positive
        integer); a start time that is not a number counts as unknown (0.0: never taken for alive)."""
        if not isinstance(values, dict):
            return None
        pid, created = values.get("Pid"), values.get("PidCreateTime")
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            return None
        if isinstance(created, bool) or not isinstance(created, (int, float)):
            created = 0.0
        return cls(pid, float(created))


def spawn(module: str, args: list[str], log_path: Path, env: dict | None = None,
          pass_fds: tuple[int, ...] = ()) -> ProcessRef:
    """Start ``python -m module`` detached with ``args`` (read in the child by :func:`args`), output
    appended to ``log_path``; ``pass_fds``: open descriptors the child inherits (a listening socket)."""
    private_dir(log_path.parent)
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("OMP_NUM_THREADS", "1")  # 2 cores shared with the notebook and tests
    full_env["PYTHONUNBUFFERED"] = "1"
    full_env[ARGS_ENV] = json.dumps([str(arg) for arg in args])  # owner-only, unlike the command line
    with open_private(log_path, "ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", module], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, pass_fds=pass_fds, env=full_env,
            umask=PRIVATE_UMASK)
    _children[child.pid] = child
    try:
        created = psutil.Process(child.pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0
    return ProcessRef(child.pid, created)


def args() -> list[str]:
    """This process's arguments: what :func:`spawn` passed, else the command line's (a server started by
    hand, ``python -m helpers.platform.serving.server <folder>``).

    The variable is taken out of ``os.environ`` so the process's own children (a router it restarts,
    the capture process, a model's subprocesses) do not inherit it; ``/proc/<pid>/environ`` keeps it
    (the process's starting environment), where :func:`find_servers` reads it."""
    passed = os.environ.pop(ARGS_ENV, None)
    return sys.argv[1:] if passed is None else _decode_args(passed)


def _decode_args(text: str) -> list[str]:
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError(f"{ARGS_ENV} must hold a JSON list of strings, not {text[:80]!r}")
    return values


def is_alive(ref: ProcessRef | None) -> bool:
    """True when the process still runs and is the one we started (same start time)."""
    if ref is None:
        return False
    child = _children.get(ref.pid)
    if child is not None:
        if child.poll() is not None:
            _children.pop(ref.pid, None)
            return False
        return True  # not reaped yet, so the pid cannot have been reused
    if not ref.create_time:
        return False  # a pid alone proves nothing: it may belong to anyone now
    try:
        process = psutil.Process(ref.pid)
        if abs(process.create_time() - ref.create_time) > START_TIME_TOLERANCE:
            return False
        return process.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def exit_code(ref: ProcessRef) -> int | None:
    """The exit code of a child we started that has exited, else None."""
    child = _children.get(ref.pid)
    return None if child is None else child.poll()


def stop(ref: ProcessRef | None, timeout: float = 10.0) -> bool:
    """SIGTERM (graceful: flushes captured data), then SIGKILL after ``timeout``. True if it was running."""
    if not is_alive(ref):
        _reap(ref)
        return False
    try:
        process = psutil.Process(ref.pid)
        process.terminate()
        if not wait_until(lambda: _ended(process), timeout):
            process.kill()
            wait_until(lambda: _ended(process), 5)
    except psutil.NoSuchProcess:
        pass
    _reap(ref)
    return True


def _ended(process: psutil.Process) -> bool:
    """Gone, or a zombie: it has ended, and its parent (maybe another process, e.g. the kernel that
    deployed an endpoint the router deletes) has yet to reap it. psutil's wait() would wait for that."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _reap(ref: ProcessRef | None) -> None:
    if ref is None:
        return
    child = _children.pop(ref.pid, None)
    if child is not None:
        try:
            child.wait(1)
        except subprocess.TimeoutExpired:
            pass


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def find_servers(home: Path) -> list[tuple[ProcessRef, str, list[str]]]:
    """Every server process of this user whose arguments name ``home``: (ref, module, args). Another
    user's servers are skipped: their arguments (in their environment) are not readable."""
    found = []
    home_text = str(home)
    for process in psutil.process_iter(["pid", "cmdline", "create_time"]):
        cmdline = process.info.get("cmdline") or []
        if len(cmdline) < 3 or "-m" not in cmdline:
            continue
        module = cmdline[cmdline.index("-m") + 1] if cmdline.index("-m") + 1 < len(cmdline) else ""
        if module not in SERVER_MODULES:
            continue
        args = _server_args(process, cmdline[cmdline.index("-m") + 2:])
        if args is None or not any(arg == home_text or arg.startswith(home_text + os.sep) for arg in args):
            continue
        found.append((ProcessRef(process.info["pid"], process.info["create_time"]), module, args))
    return found


def _server_args(process: psutil.Process, command_args: list[str]) -> list[str] | None:
    """A server's arguments: from its starting environment (:func:`spawn`), else its command line (started
    by hand); None when its environment is not ours to read, or it ended meanwhile."""
    try:
        passed = process.environ().get(ARGS_ENV)
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    if passed is None:
        return command_args
    try:
        return _decode_args(passed)
    except ValueError:
        return None
