"""What every user of the machine sees of the processes a test starts: their command lines and thread names
(``ps``, ``/proc/<pid>/cmdline``, ``/proc/<pid>/task/*/comm``), sampled while they run."""

from __future__ import annotations

import subprocess
import threading
from contextlib import suppress
from pathlib import Path

import psutil

# The opening of a script a test runs while the Sampler reads its command line: it waits (at most 20 s) for
# the file $RELEASE, which the test writes once the sampler has seen the process.
WAIT_FOR_RELEASE = """
import os, sys, time
deadline = time.monotonic() + 20
while not os.path.exists(os.environ["RELEASE"]) and time.monotonic() < deadline:
    time.sleep(0.02)
"""


class Sampler:
    """Reads, every 20 ms on a thread, the command line and thread names of every process this one
    started (children, grandchildren...): ``seen[pid] = (cmdline, thread names)``, the latest read."""

    def __init__(self):
        self.seen: dict[int, tuple[str, set[str]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        for child in psutil.Process().children(recursive=True):
            try:
                cmdline = Path(f"/proc/{child.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                names = {Path(task, "comm").read_text().strip() for task in Path(f"/proc/{child.pid}/task").iterdir()}
            except OSError:
                continue  # ended meanwhile
            before = self.seen.get(child.pid, ("", set()))
            self.seen[child.pid] = (cmdline or before[0], names | before[1])

    def saw(self, text: str) -> bool:
        """True once a command line holding ``text`` was read."""
        return any(text in cmdline for cmdline, _ in list(self.seen.values()))

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.sample()


def stop_process_tree(process: subprocess.Popen, timeout: float, grace: float) -> list[psutil.Process]:
    """SIGTERM ``process`` and wait for it (``timeout`` s, then SIGKILL); then kill the processes it had
    started (children, grandchildren...) that had not ended ``grace`` s after it, and return those."""
    if process.poll() is not None:
        return []  # stopped already (its pid may be another process's by now: never look it up)
    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:  # it ended meanwhile
        started = []
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    _, alive = psutil.wait_procs(started, timeout=grace)
    for leftover in alive:
        with suppress(psutil.NoSuchProcess):
            leftover.kill()
    return alive
