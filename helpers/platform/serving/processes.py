"""Server processes of the local platform: start them detached, tell alive from dead, stop them.

A process is identified by its pid **and** its start time, so a recycled pid is never mistaken for
our server (and never signalled): a reference without a start time is never taken for a live server,
unless it is a child this Python process started and has not reaped. Servers run in their own
session: interrupting or restarting a notebook kernel leaves them running, exactly as a real endpoint
keeps running (and billing) until it is deleted — ``python -m helpers cleanup`` finds and stops them.
"""

from __future__ import annotations

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
    """Start ``python -m module args...`` detached, output appended to ``log_path``; ``pass_fds``: open
    descriptors the child inherits (a listening socket)."""
    private_dir(log_path.parent)
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("OMP_NUM_THREADS", "1")  # 2 cores shared with the notebook and tests
    full_env["PYTHONUNBUFFERED"] = "1"
    with open_private(log_path, "ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", module, *args], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, pass_fds=pass_fds, env=full_env,
            umask=PRIVATE_UMASK)
    _children[child.pid] = child
    try:
        created = psutil.Process(child.pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0
    return ProcessRef(child.pid, created)


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
    """Every server process of this machine whose command line names ``home``: (ref, module, args)."""
    found = []
    home_text = str(home)
    for process in psutil.process_iter(["pid", "cmdline", "create_time"]):
        cmdline = process.info.get("cmdline") or []
        if len(cmdline) < 3 or "-m" not in cmdline:
            continue
        module = cmdline[cmdline.index("-m") + 1] if cmdline.index("-m") + 1 < len(cmdline) else ""
        if module not in SERVER_MODULES:
            continue
        args = cmdline[cmdline.index("-m") + 2:]
        if not any(arg == home_text or arg.startswith(home_text + os.sep) for arg in args):
            continue
        found.append((ProcessRef(process.info["pid"], process.info["create_time"]), module, args))
    return found
