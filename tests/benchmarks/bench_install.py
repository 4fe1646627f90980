"""How long a new learner waits: `git clone` to a working .venv and to the first JupyterLab page.

Clones this repository's HEAD into a temporary folder, with empty uv and pip caches there, and times:

1. `make install` with uv (the default), no cache: seconds, size of .venv;
2. `make lab` on a free port until GET /lab answers 200, counted from the start of `git clone`;
3. `make install` again after `rm -rf .venv`, the cache now warm;
4. the same lock installed by pip (FLYWHEEL_INSTALLER=pip), no cache, in a second clone
   (skip with --no-pip; add --pip-warm for pip's warm re-install too).

A uv on PATH is used as a learner's would be; otherwise the first install fetches the user-level uv.

Figures are printed, with the 1-minute load average after each, against the targets of issue 16
(install < 45 s and .venv < 2 GB cold; first page < 60 s from clone; warm re-install < 15 s). It never
fails on a slow machine. Uses the network (the package index) and ~4 GB of /tmp while it runs.

    .venv/bin/python tests/benchmarks/bench_install.py [--no-pip] [--pip-warm] [--keep]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"cold install": 45.0, "first page": 60.0, "warm re-install": 15.0}
MAX_VENV_GB = 2.0
PAGE_TIMEOUT_S = 300


def load() -> float:
    return os.getloadavg()[0]


def clean_env(cache: Path, **extra: str) -> dict[str, str]:
    """This environment without any active venv, with caches of its own (empty at first): uv's, pip's
    and XDG's, where the first install puts the user-level uv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_CACHE_DIR", "PIP_CACHE_DIR", "XDG_CACHE_HOME")}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env |= {"UV_CACHE_DIR": str(cache / "uv"), "PIP_CACHE_DIR": str(cache / "pip"), "XDG_CACHE_HOME": str(cache / "xdg")} | extra
    return env


def run(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run ``command``, its output appended to ``log``; seconds taken. Raises, showing the log's end, on failure."""
    start = time.perf_counter()
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        code = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    if code:
        raise RuntimeError(f"`{' '.join(command)}` exited {code}; end of {log}:\n{log.read_text()[-3000:]}")
    return time.perf_counter() - start


def size_gb(folder: Path) -> float:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total / 1e9


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_page(clone: Path, env: dict[str, str], log: Path) -> float:
    """Start `make lab`, return the seconds until /lab answers 200 (then stop the server)."""
    port, token = free_port(), secrets.token_urlsafe(16)
    start = time.perf_counter()
    with open(log, "a") as out:
        server = subprocess.Popen(["make", "lab", f"PORT={port}", f"TOKEN={token}"], cwd=clone, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while time.perf_counter() - start < PAGE_TIMEOUT_S:
            if server.poll() is not None:
                raise RuntimeError(f"`make lab` exited {server.returncode}; end of {log}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as page:
                    if page.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"JupyterLab did not serve /lab in {PAGE_TIMEOUT_S} s; see {log}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def verdict(name: str, seconds: float) -> str:
    return "meets" if seconds < TARGETS[name] else "MISSES"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pip", action="store_true", help="skip the pip comparison")
    parser.add_argument("--pip-warm", action="store_true", help="also time pip's re-install with a warm cache")
    parser.add_argument("--keep", action="store_true", help="keep the temporary clones and caches")
    args = parser.parse_args()

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-install-"))
    rows: list[tuple[str, str, str]] = []

    def row(what: str, figure: str, note: str = "") -> None:
        rows.append((what, figure, f"load {load():.2f}" + (f"; {note}" if note else "")))
        print(f"  {what}: {figure} (load {load():.2f}) {note}", flush=True)

    print(f"Installing Flywheel at {head} in {work} ({os.cpu_count()} CPUs, load {load():.2f} before)", flush=True)
    try:
        uv_env = clean_env(work / "cache-uv")
        clone, log = work / "uv", work / "uv.log"
        start = time.perf_counter()
        clone_s = run(["git", "clone", "--quiet", str(ROOT), str(clone)], work, uv_env, log)
        install_s = run(["make", "install"], clone, uv_env, log)
        row("uv, no cache: make install", f"{install_s:.1f} s", f"target < {TARGETS['cold install']:.0f} s: {verdict('cold install', install_s)}")
        page_s = first_page(clone, uv_env, log)
        total_s = time.perf_counter() - start
        row("git clone -> first JupyterLab page", f"{total_s:.1f} s",
            f"clone {clone_s:.1f} + install {install_s:.1f} + lab {page_s:.1f}; target < {TARGETS['first page']:.0f} s: {verdict('first page', total_s)}")
        venv_gb = size_gb(clone / ".venv")
        row("uv: .venv size", f"{venv_gb:.2f} GB", f"target < {MAX_VENV_GB:.0f} GB: {'meets' if venv_gb < MAX_VENV_GB else 'MISSES'}")
        shutil.rmtree(clone / ".venv")
        warm_s = run(["make", "install"], clone, uv_env, log)
        row("uv, warm cache: rm -rf .venv; make install", f"{warm_s:.1f} s",
            f"target < {TARGETS['warm re-install']:.0f} s: {verdict('warm re-install', warm_s)}")

        if not args.no_pip:
            pip_env = clean_env(work / "cache-pip", FLYWHEEL_INSTALLER="pip")
            clone, log = work / "pip", work / "pip.log"
            run(["git", "clone", "--quiet", str(ROOT), str(clone)], work, pip_env, log)
            pip_s = run(["make", "install"], clone, pip_env, log)
            row("pip, no cache: make install (same lock)", f"{pip_s:.1f} s", f"uv was {pip_s / install_s:.1f}x faster")
            row("pip: .venv size", f"{size_gb(clone / '.venv'):.2f} GB", "pip byte-compiles; uv does not")
            if args.pip_warm:
                shutil.rmtree(clone / ".venv")
                pip_warm_s = run(["make", "install"], clone, pip_env, log)
                row("pip, warm cache: rm -rf .venv; make install", f"{pip_warm_s:.1f} s", f"uv was {pip_warm_s / warm_s:.1f}x faster")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    width = max(len(r[0]) for r in rows)
    print(f"\nFlywheel install at {head}, {os.cpu_count()} CPUs:")
    for what, figure, note in rows:
        print(f"  {what.ljust(width)}  {figure:>9}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
