"""How big a server does a classroom need? Memory and CPU per idle and per active learner, and the room.

    python tests/benchmarks/bench_classroom.py idle
    python tests/benchmarks/bench_classroom.py active [--smoke] [--memory-limit 1G]
    python tests/benchmarks/bench_classroom.py room [--learners 1,2,4,8,12,16] [--smoke] [--budget 900]
    python tests/benchmarks/bench_classroom.py all        # idle, active, active --smoke, then room

Prints tables (it asserts nothing; pytest does not collect it). Each learner is what a hub gives one
person: a Jupyter server with JupyterLab (``jupyter lab`` on a free 127.0.0.1 port with a token, the
stand-in for ``jupyterhub-singleuser``: the same server, extensions and kernel), its own ``HOME`` and
``FLYWHEEL_HOME`` in a temporary folder, and the clean environment a spawner passes (``PATH``, ``LANG``
and the learner's variables only; ``FLYWHEEL_SMOKE`` unset unless ``--smoke``).

* **idle** — the server after startup and the first page load (``GET /lab``, plus the settings and
  kernelspecs the page asks for next), then with an idle ``flywheel`` kernel (``POST /api/kernels``),
  then 10 s of doing nothing: memory, startup CPU and idle CPU.
* **active** — the server plus notebook 08 (``solutions/08_deployment.ipynb``) executed cell by cell in
  the learner's home by a driver process (nbclient: the stand-in for the browser, its own CPU and memory
  not counted) whose kernel, and the jobs, endpoints and runtime router the kernel starts, are the
  learner's. Sampled every 0.2 s: peak memory, CPU seconds, wall, the slowest cell; then the learner
  "after 08" (notebook done, kernel still open, as a learner leaves it).
* **room** — N learners at once (servers started first, then every notebook at the same moment): wall
  per learner, the slowest cell, peak memory of the whole room, CPU, and whether every notebook ran.
  The scan stops before the next N when its predicted memory passes 80 % of this machine's, its
  predicted wall passes 08's slot in the agenda (``helpers/course/agenda.yaml``: learner_minutes), or
  the run would overrun ``--budget`` seconds. Then it states the largest room the CPUs and the memory
  hold, and which bound binds.

What counts as a learner's: every process below its server or its driver's kernel, and every process
whose environment holds its ``FLYWHEEL_HOME`` (an endpoint started in its own session, a router left
when its kernel died). Memory: the sum over those processes of RSS (which counts shared libraries once
per process, so it overstates a room), of PSS (shared pages split between their users: sums to what
the room really takes) and of USS (pages no other process has: what stopping the learner frees). PSS
and USS are read every 5th sample (smaps_rollup costs more) and estimated in between from RSS minus the
shared part each process had at its last read. CPU: user + system seconds, exactly from
the learner's cgroup when this machine lets us make one (``flywheel/bench-<pid>-<i>``, made by
``helpers.course.cgroups`` as the hub makes a learner's, removed afterwards; the driver joins only its
kernel to it), else the sum of the last sample of every process seen (misses processes that lived less
than 0.2 s). The cgroup also gives each learner's memory peak as a memory limit counts it (page cache
included: the "cgroup" figures); ``active --memory-limit 1G`` runs 08 under such a limit, as the hub's
``--memory`` sets it, and says whether anything was killed for memory. The load average is printed
before and after each measurement: the machine may be shared, and other work slows the walls (not the
CPU seconds).

Everything is cleaned up afterwards: ``python -m helpers cleanup`` in each learner's home, then any of
the learner's processes still alive is terminated, by pid, and the temporary folders are removed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from helpers.authoring.plan import load_agenda
from helpers.course import cgroups

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "solutions" / "08_deployment.ipynb"
AGENDA = ROOT / "helpers" / "course" / "agenda.yaml"
INTERVAL = 0.2  # seconds between samples
PSS_EVERY = 5  # PSS/USS on every 5th sample
MEMORY_SHARE = 0.8  # the room may use this share of the machine's memory
GB = 1e9
MB = 1e6

# The browser's stand-in: executes the notebook through its own kernel, cell by cell, prints one JSON line
# when done (wall, slowest cell, error), keeps the kernel open until a line arrives on stdin (a learner
# leaves a finished notebook open). Its kernel starts in the learner's cgroup (argv: notebook, group or "",
# memory limit in bytes or null); the driver stays out of it.
DRIVER = r'''
import json, os, sys, time
import nbformat
from nbclient import NotebookClient

report = os.fdopen(os.dup(1), "w")  # the bench reads this; the kernel and what it starts write to the log
os.dup2(2, 1)
path, group, memory = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
join = None
if group:  # the kernel (and all it starts) in the learner's cgroup, the driver itself outside
    from helpers.course import cgroups
    limits = cgroups.Limits(memory_bytes=memory)
    join = lambda: cgroups.join(group, limits)
notebook = nbformat.read(path, as_version=4)
client = NotebookClient(notebook, kernel_name="flywheel", timeout=1800, store_widget_state=False,
                        resources={"metadata": {"path": os.path.dirname(path)}})
error, slowest = None, (0.0, -1)
start = time.perf_counter()
with client.setup_kernel(**({"preexec_fn": join} if join else {})):
    try:
        for index, cell in enumerate(notebook.cells):
            began = time.perf_counter()
            client.execute_cell(cell, index)
            slowest = max(slowest, (time.perf_counter() - began, index))
    except Exception as exc:  # reported, not raised: the bench counts failures
        error = f"{type(exc).__name__}: {str(exc)[-300:]}"
    print(json.dumps({"wall": time.perf_counter() - start, "slowest": slowest, "error": error}), file=report, flush=True)
    sys.stdin.readline()
'''


# ---------------------------------------------------------------- each learner's cgroup (best effort)

def learner_group(index: int) -> str | None:
    """The learner's cgroup name (``flywheel/<name>``, as the hub's), or None when cgroups are not writable here."""
    return None if cgroups.available() else f"bench-{os.getpid()}-{index}"


# ---------------------------------------------------------------- one learner

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Learner:
    index: int
    home: Path  # the learner's $HOME; FLYWHEEL_HOME is home/.flywheel
    smoke: bool
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    port: int = field(default_factory=free_port)
    server: subprocess.Popen | None = None
    driver: subprocess.Popen | None = None
    memory_limit: int | None = None  # bytes, the cgroup's limit (None: unlimited)
    group: str | None = None  # its cgroup, flywheel/<group>
    result: dict | None = None  # the driver's report
    started: float = 0.0

    @property
    def flywheel_home(self) -> Path:
        return self.home / ".flywheel"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What a spawner passes: PATH, locale and PYTHONPATH, the learner's home, nothing of the bench's own."""
        env = {k: os.environ[k] for k in ("LANG", "LC_ALL", "PYTHONPATH") if k in os.environ}  # JupyterHub's env_keep
        env.update(PATH=f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}", HOME=str(self.home),
                   FLYWHEEL_HOME=str(self.flywheel_home), TMPDIR=str(self.home / "tmp"))
        if self.smoke:
            env["FLYWHEEL_SMOKE"] = "1"
        return env

    def prepare(self) -> None:
        for folder in (self.home / "tmp", self.home / "flywheel"):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(NOTEBOOK, self.home / "flywheel" / NOTEBOOK.name)
        self.group = learner_group(self.index)
        if self.group:
            cgroups.prepare(self.group, self.limits())  # here, where an error keeps its message

    def limits(self) -> "cgroups.Limits":
        return cgroups.Limits(memory_bytes=self.memory_limit)

    def _preexec(self):
        if not self.group:
            return None
        group, limits = self.group, self.limits()
        return lambda: cgroups.join(group, limits)

    def start_server(self) -> None:
        command = [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.home / 'flywheel'}",
                   "--ServerApp.port_retries=0"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        log = open(self.home / "server.log", "ab")
        self.server = subprocess.Popen(command, env=self.env(), stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, preexec_fn=self._preexec(), cwd=self.home)
        log.close()

    def request(self, path: str, method: str = "GET", body: dict | None = None) -> dict | str:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if response.headers.get_content_type() == "application/json" else text

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"learner {self.index}'s Jupyter server exited: see {self.home / 'server.log'}")
            try:
                self.request("/api/status")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"learner {self.index}'s Jupyter server did not answer in {timeout:.0f} s")

    def load_page(self) -> None:
        """What a browser's first visit asks the server for (the static bundles are files: not counted)."""
        for path in ("/lab", "/lab/api/settings", "/api/kernelspecs", "/api/sessions", "/api/contents"):
            self.request(path)

    def start_kernel(self, timeout: float = 120.0) -> None:
        """Start a kernel as the page does, and wait for its answer to kernel_info over the websocket."""
        kernel = self.request("/api/kernels", "POST", {"name": "flywheel"})
        asyncio.run(asyncio.wait_for(self._kernel_info(kernel["id"]), timeout))

    async def _kernel_info(self, kernel_id: str) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        socket_ = await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels",
            headers={"Authorization": f"token {self.token}"}))
        msg_id = uuid.uuid4().hex
        await socket_.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "session": uuid.uuid4().hex,
                       "username": "bench", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": []}))
        while True:
            message = await socket_.read_message()
            if message is None:
                raise RuntimeError(f"learner {self.index}'s kernel closed its websocket before answering")
            reply = json.loads(message)
            if reply.get("parent_header", {}).get("msg_id") == msg_id and reply["msg_type"] == "kernel_info_reply":
                socket_.close()
                return

    def start_driver(self) -> None:
        self.started = time.perf_counter()
        with open(self.home / "driver.log", "ab") as log:
            self.driver = subprocess.Popen(
                [sys.executable, "-c", DRIVER, str(self.home / "flywheel" / NOTEBOOK.name), self.group or "",
                 json.dumps(self.memory_limit)], env=self.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, cwd=self.home / "flywheel")
        os.set_blocking(self.driver.stdout.fileno(), False)

    def release_driver(self) -> None:
        """Let the driver close its kernel and exit."""
        os.set_blocking(self.driver.stdout.fileno(), True)
        self.driver.communicate(b"\n", timeout=120)

    def usage(self) -> "cgroups.Usage | None":
        """The learner's cgroup counters (every process it ever ran, the driver excluded); None without one."""
        return cgroups.usage(self.group) if self.group else None

    def cpu_seconds(self) -> float | None:
        """CPU seconds of everything the learner ran; None without a cgroup."""
        usage = self.usage()
        return None if usage is None else usage.cpu_seconds

    def stop(self) -> None:
        """Stop the server and driver, clean the learner's home as the kit does, end what is left (by pid)."""
        leftovers = processes_of([self])[self.index]
        for popen in (self.driver, self.server):
            if popen is not None and popen.poll() is None:
                popen.terminate()  # the server shuts its kernels down on SIGTERM
        for popen in (self.driver, self.server):
            if popen is not None:
                try:
                    popen.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait()
        subprocess.run([sys.executable, "-m", "helpers", "cleanup"], env=self.env(), cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        alive = [p for p in leftovers.values() if p.is_running()] + list(processes_of([self])[self.index].values())
        for process in {p.pid: p for p in alive}.values():
            try:
                process.terminate()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=10)
        if self.group:
            try:
                cgroups.remove(self.group)
            except cgroups.CgroupError as error:
                print(f"    learner {self.index}: {error}")


# ---------------------------------------------------------------- finding and sampling processes

_owners: dict[tuple[int, float], str | None] = {}  # (pid, start time) -> FLYWHEEL_HOME in its environment


def flywheel_home_of(process: psutil.Process) -> str | None:
    key = (process.pid, process.create_time())
    if key not in _owners:
        try:
            _owners[key] = process.environ().get("FLYWHEEL_HOME")
        except (psutil.AccessDenied, psutil.ZombieProcess):
            _owners[key] = None
    return _owners[key]


def processes_of(learners: list[Learner]) -> dict[int, dict[int, psutil.Process]]:
    """Each learner's processes by pid: below its server or driver (the driver itself excluded), or
    holding its FLYWHEEL_HOME. One pass over the process table (psutil's children() would walk it per root)."""
    homes = {str(learner.flywheel_home): learner.index for learner in learners}
    owner_of_root = {popen.pid: learner.index for learner in learners
                     for popen in (learner.server, learner.driver) if popen is not None and popen.poll() is None}
    drivers = {learner.driver.pid for learner in learners if learner.driver}
    children: dict[int, list[psutil.Process]] = {}
    table: dict[int, psutil.Process] = {}
    found: dict[int, dict[int, psutil.Process]] = {learner.index: {} for learner in learners}
    for process in psutil.process_iter(["ppid"]):
        table[process.pid] = process
        children.setdefault(process.info["ppid"], []).append(process)
        try:
            owner = homes.get(flywheel_home_of(process))
        except psutil.NoSuchProcess:
            continue
        if owner is not None and process.pid not in drivers and process.pid != os.getpid():
            found[owner].setdefault(process.pid, process)
    for root, owner in owner_of_root.items():
        stack = [table[root]] if root in table else []
        while stack:
            process = stack.pop()
            if process.pid not in drivers:
                found[owner][process.pid] = process
            stack.extend(children.get(process.pid, []))
    return found


@dataclass
class Sample:
    rss: float = 0.0
    pss: float | None = None
    uss: float | None = None
    processes: int = 0
    parts: list[tuple[str, float]] = field(default_factory=list)  # (what, PSS bytes) when PSS was read

    def include(self, other: "Sample") -> None:
        """Add ``other``'s memory (bytes) and processes to this total (its parts are not kept)."""
        self.rss += other.rss
        self.pss += other.pss
        self.uss += other.uss
        self.processes += other.processes


def role(process: psutil.Process) -> str:
    """A short name for what a process is: its module (``-m x``), script or program name."""
    command = process.cmdline()
    if "-c" in command[:-1]:  # python -c CODE FILE...: the file names it (the capture process)
        rest = command[command.index("-c") + 2:]
        return Path(rest[0]).name if rest else "python -c"
    if "-m" in command[:-1]:
        return command[command.index("-m") + 1]
    scripts = [Path(part).name for part in command[1:3] if not part.startswith("-")]
    return scripts[0] if scripts else Path(command[0]).name if command else process.name()


_shared: dict[tuple[int, float], tuple[float, float]] = {}  # (pid, start time) -> (RSS - PSS, RSS - USS) last read


def measure(processes: dict[int, psutil.Process], full: bool, cpu: dict[tuple[int, float], float]) -> Sample:
    """Sum the memory of ``processes`` (bytes); record each one's CPU seconds in ``cpu``.

    ``full`` reads PSS and USS (smaps_rollup); otherwise they are estimated from RSS minus the shared part
    each process had at its last full read (what grows between reads is the process's own memory; a
    process never fully read counts its RSS)."""
    sample = Sample(pss=0.0, uss=0.0)
    for process in processes.values():
        try:
            with process.oneshot():
                key = (process.pid, process.create_time())
                times = process.cpu_times()
                cpu[key] = times.user + times.system
                if full:
                    info = process.memory_full_info()
                    _shared[key] = (info.rss - info.pss, info.rss - info.uss)
                    pss, uss, rss = info.pss, info.uss, info.rss
                    sample.parts.append((role(process), info.pss))
                else:
                    rss = process.memory_info().rss
                    to_pss, to_uss = _shared.get(key, (0.0, 0.0))
                    pss, uss = max(rss - to_pss, 0.0), max(rss - to_uss, 0.0)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        sample.rss += rss
        sample.pss += pss
        sample.uss += uss
        sample.processes += 1
    return sample


@dataclass
class Peaks:
    rss: float = 0.0
    pss: float = 0.0
    uss: float = 0.0
    processes: int = 0

    def add(self, sample: Sample) -> None:
        self.rss = max(self.rss, sample.rss)
        self.pss = max(self.pss, sample.pss or 0.0)
        self.uss = max(self.uss, sample.uss or 0.0)
        self.processes = max(self.processes, sample.processes)


def memory_columns(sample: "Sample | Peaks") -> str:
    """procs, RSS, PSS and USS in MB, aligned under the tables' headers."""
    return f"{sample.processes:5d} {sample.rss / MB:8.0f} {sample.pss / MB:8.0f} {sample.uss / MB:8.0f}"


def uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def used_memory() -> float:
    memory = psutil.virtual_memory()
    return memory.total - memory.available


# ---------------------------------------------------------------- the three measurements

def new_learners(count: int, smoke: bool, root: Path, memory_limit: int | None = None) -> list[Learner]:
    learners = [Learner(i, root / f"learner{i:02d}", smoke, memory_limit=memory_limit) for i in range(count)]
    for learner in learners:
        learner.prepare()
    return learners


def start_servers(learners: list[Learner]) -> None:
    for learner in learners:
        learner.start_server()
    for learner in learners:
        learner.wait_ready()
        learner.load_page()


def idle(root: Path) -> dict:
    print(f"\n== idle learner: Jupyter server + first page load, then an idle kernel   ({uptime()})")
    (learner,) = new_learners(1, False, root)
    cpu: dict = {}
    rows = {}
    try:
        start = time.perf_counter()
        start_servers([learner])
        ready = time.perf_counter() - start
        time.sleep(2)
        rows["server, after GET /lab"] = (measure(processes_of([learner])[0], True, cpu), learner.cpu_seconds())
        learner.start_kernel()
        time.sleep(3)
        rows["server + idle kernel"] = (measure(processes_of([learner])[0], True, cpu), learner.cpu_seconds())
        before = learner.cpu_seconds() if learner.group else sum(cpu.values())
        time.sleep(10)
        rows["the same, 10 s later"] = (measure(processes_of([learner])[0], True, cpu), learner.cpu_seconds())
        after = learner.cpu_seconds() if learner.group else sum(cpu.values())
    finally:
        learner.stop()
    print(f"server ready (GET /api/status answered) {ready:.1f} s after start")
    print(f"{'':26} {'procs':>5} {'RSS MB':>8} {'PSS MB':>8} {'USS MB':>8} {'CPU s':>7}")
    for label, (sample, seconds) in rows.items():
        shown = f"{seconds:7.2f}" if seconds is not None else f"{sum(cpu.values()):6.2f}~"
        print(f"{label:26} {memory_columns(sample)} {shown}")
    print(f"idle CPU: {(after - before) / 10 * 100:.2f} % of one core   ({uptime()})")
    final = rows["server + idle kernel"][0]
    return {"pss": final.pss, "rss": final.rss, "uss": final.uss}


def run_room(learners: list[Learner]) -> dict:
    """Start every learner's notebook at once, sample until all are done; the learners stay up."""
    cpu: dict[tuple[int, float], float] = {}
    peaks = Peaks()
    busiest = Sample(pss=0.0)  # the first learner's sample of highest PSS: what its memory is made of
    baseline, peak_used = used_memory(), used_memory()
    own_before = sum(psutil.Process().cpu_times()[:2])
    selector = selectors.DefaultSelector()
    for learner in learners:
        learner.start_driver()
        selector.register(learner.driver.stdout, selectors.EVENT_READ, learner)
    pending, count, buffers = {learner.index for learner in learners}, 0, {learner.index: b"" for learner in learners}
    while pending:
        for key, _ in selector.select(timeout=INTERVAL):
            learner = key.data
            chunk = learner.driver.stdout.read() or b""
            buffers[learner.index] += chunk
            if b"\n" in buffers[learner.index]:
                learner.result = json.loads(buffers[learner.index].split(b"\n")[0])
                learner.result["learner_wall"] = time.perf_counter() - learner.started
                selector.unregister(learner.driver.stdout)
                pending.discard(learner.index)
            elif not chunk and learner.driver.poll() is not None:
                learner.result = {"wall": time.perf_counter() - learner.started, "slowest": (0, -1),
                                  "error": f"driver exited {learner.driver.returncode}: see {learner.home / 'driver.log'}"}
                selector.unregister(learner.driver.stdout)
                pending.discard(learner.index)
        full = count % PSS_EVERY == 0
        found = processes_of(learners)
        total = Sample(pss=0.0, uss=0.0)
        for learner in learners:
            sample = measure(found[learner.index], full, cpu)
            if learner is learners[0] and full and sample.pss > busiest.pss:
                busiest = sample
            total.include(sample)
        peaks.add(total)
        peak_used = max(peak_used, used_memory())
        count += 1
    after = Sample(pss=0.0, uss=0.0)
    found = processes_of(learners)
    for learner in learners:
        after.include(measure(found[learner.index], True, cpu))
    sampler_cpu = sum(psutil.Process().cpu_times()[:2]) - own_before
    for learner in learners:
        learner.release_driver()
    sampled_cpu = sum(cpu.values())
    exact = [learner.cpu_seconds() for learner in learners]
    usages = [learner.usage() for learner in learners]
    return {"peaks": peaks, "after": after, "samples": count, "busiest": busiest, "usages": usages,
            "cpu": sum(exact) if None not in exact else None, "sampled_cpu": sampled_cpu,
            "used_delta": peak_used - baseline, "sampler_cpu": sampler_cpu}


def active(root: Path, smoke: bool, memory_limit: int | None = None) -> dict:
    mode = "SMOKE (FLYWHEEL_SMOKE=1)" if smoke else "full size (FLYWHEEL_SMOKE unset)"
    limit = f", memory limit {cgroups.format_bytes(memory_limit)}" if memory_limit else ""
    print(f"\n== active learner: server + notebook 08, {mode}{limit}   ({uptime()})")
    (learner,) = new_learners(1, smoke, root, memory_limit)
    try:
        start_servers([learner])
        server_cpu = learner.cpu_seconds()
        room = run_room([learner])
    finally:
        learner.stop()
    peaks, result = room["peaks"], learner.result
    cpu = room["cpu"] if room["cpu"] is not None else room["sampled_cpu"]
    print(f"notebook: {'ok' if not result['error'] else 'FAILED: ' + result['error']}; wall {result['wall']:.1f} s; "
          f"slowest cell #{result['slowest'][1]} {result['slowest'][0]:.1f} s; {room['samples']} samples")
    print(f"{'':30} {'procs':>5} {'RSS MB':>8} {'PSS MB':>8} {'USS MB':>8}")
    print(f"{'peak while running 08':30} {memory_columns(peaks)}")
    after = room["after"]
    print(f"{'after 08 (kernel left open)':30} {memory_columns(after)}")
    parts = ", ".join(f"{what} {pss / MB:.0f}" for what, pss in sorted(room["busiest"].parts, key=lambda p: -p[1]))
    print(f"at the peak, PSS MB by process: {parts}")
    exact = "cgroup cpuacct" if room["cpu"] is not None else "sampled"
    print(f"CPU for 08 (server startup excluded): {cpu - (server_cpu or 0):.1f} s "
          f"({exact}; sampled {room['sampled_cpu']:.1f} s); "
          f"machine memory used rose by {room['used_delta'] / MB:.0f} MB at most   ({uptime()})")
    usage = room["usages"][0]
    if usage is not None:
        print(f"cgroup: {cgroups.describe(usage)}")
    return {"pss": peaks.pss, "rss": peaks.rss, "cpu": cpu - (server_cpu or 0), "wall": result["wall"],
            "ok": not result["error"]}


def slot_minutes(notebook_id: str = "08_deployment") -> float:
    """The agenda's learner_minutes for a notebook."""
    found = [notebook.learner_minutes for notebook in load_agenda(ROOT).notebooks if notebook.notebook_id == notebook_id]
    if not found:
        raise SystemExit(f"{AGENDA} gives no learner_minutes for {notebook_id}")
    return float(found[0])


def cgroup_peaks(usages: list) -> str:
    """The sum of the learners' cgroup memory peaks in GB (page cache included); "-" without cgroups."""
    peaks = [usage.memory_peak_bytes for usage in usages if usage is not None]
    return f"{sum(peaks) / GB:.2f}" if peaks and len(peaks) == len(usages) and None not in peaks else "-"


def per_learner_memory(rows: list[dict]) -> tuple[float, float]:
    """(bytes every learner shares, bytes per added learner) at the room's peak PSS.

    From the last two room sizes: PSS splits shared libraries among all their users, so a small room's
    PSS per learner carries a share of pages the next learner adds nothing to. With one size only: (0, PSS / N).
    """
    if len(rows) < 2:
        return 0.0, rows[-1]["pss"] / rows[-1]["n"]
    small, large = rows[-2], rows[-1]
    per = (large["pss"] - small["pss"]) / (large["n"] - small["n"])
    if per <= 0:  # noise on a tiny room: fall back to the average
        return 0.0, large["pss"] / large["n"]
    return max(large["pss"] - per * large["n"], 0.0), per


def room(root: Path, sizes: list[int], smoke: bool, budget: float) -> None:
    slot = slot_minutes() * 60
    total_memory = psutil.virtual_memory().total
    allowed = MEMORY_SHARE * total_memory
    print(f"\n== room: N learners each running notebook 08 at once ({'SMOKE' if smoke else 'full size'}); "
          f"08's slot {slot / 60:.0f} min; memory {total_memory / GB:.1f} GB, {MEMORY_SHARE:.0%} = {allowed / GB:.1f} GB; "
          f"{os.cpu_count()} CPUs; budget {budget:.0f} s")
    print(f"{'N':>3} {'ok':>5} {'wall/learner s':>15} {'slowest cell s':>14} {'peak RSS GB':>11} {'peak PSS GB':>11} "
          f"{'PSS/learner MB':>14} {'after PSS GB':>12} {'CPU s':>7} {'CPU/learner':>11} {'used +GB':>8} {'cgroup GB':>9} {'bench s':>8}"
          "  load before -> after")
    began, rows = time.perf_counter(), []
    for n in sizes:
        if rows:
            last = rows[-1]
            fixed, per_pss = per_learner_memory(rows)
            per_cpu = last["cpu"] / last["n"]
            predicted_wall = max(last["wall"] * n / last["n"], per_cpu * n / (os.cpu_count() or 1))
            used_elsewhere = used_memory()
            reason = None
            if used_elsewhere + fixed + per_pss * n > allowed:
                reason = (f"memory: {fixed / GB:.1f} GB + {n} x {per_pss / MB:.0f} MB + {used_elsewhere / GB:.1f} GB "
                          f"in use now > {allowed / GB:.1f} GB")
            elif predicted_wall > slot:
                reason = f"wall: about {predicted_wall:.0f} s > 08's slot of {slot:.0f} s"
            elif time.perf_counter() - began + predicted_wall + last["overhead"] * n > budget:
                more = predicted_wall + last["overhead"] * n
                reason = f"budget: about {more:.0f} s more would pass --budget {budget:.0f} s"
            if reason:
                print(f"stopped before N={n}: {reason}")
                break
        load_before, size_began = uptime(), time.perf_counter()
        learners = new_learners(n, smoke, root / f"room{n}")
        try:
            start_servers(learners)
            server_cpu = [learner.cpu_seconds() or 0 for learner in learners]
            result = run_room(learners)
        finally:
            for learner in learners:
                learner.stop()
        walls = [learner.result["learner_wall"] if "learner_wall" in learner.result else learner.result["wall"]
                 for learner in learners]
        slowest = max(learner.result["slowest"][0] for learner in learners)
        ok = sum(not learner.result["error"] for learner in learners)
        cpu = (result["cpu"] if result["cpu"] is not None else result["sampled_cpu"]) - sum(server_cpu)
        peaks = result["peaks"]
        overhead = (time.perf_counter() - size_began - max(walls)) / n  # start, stop and clean up, per learner
        rows.append({"n": n, "pss": peaks.pss, "cpu": cpu, "wall": max(walls), "ok": ok, "overhead": overhead})
        print(f"{n:3d} {ok:>2}/{n:<2} {statistics.median(walls):7.0f} (max {max(walls):4.0f}) {slowest:14.1f} "
              f"{peaks.rss / GB:11.2f} {peaks.pss / GB:11.2f} {peaks.pss / n / MB:14.0f} {result['after'].pss / GB:12.2f} "
              f"{cpu:7.0f} {cpu / n:11.1f} {result['used_delta'] / GB:8.2f} {cgroup_peaks(result['usages']):>9} "
              f"{result['sampler_cpu']:8.1f}  "
              f"{load_before} -> {uptime()}", flush=True)
        for learner in learners:
            if learner.result["error"]:
                print(f"    learner {learner.index}: {learner.result['error']}")
    if not rows:
        return
    largest = rows[-1]
    fixed, per_pss = per_learner_memory(rows)
    per_cpu = largest["cpu"] / largest["n"]
    by_memory = math.floor((allowed - fixed) / per_pss)
    by_cpu = math.floor((os.cpu_count() or 1) * slot / per_cpu)
    binding = "memory" if by_memory <= by_cpu else "CPU"
    print(f"\nLargest room, from N={largest['n']} ({per_pss / MB:.0f} MB PSS per added learner at the room's peak, "
          f"{fixed / MB:.0f} MB shared by all; {per_cpu:.1f} CPU s per learner):")
    print(f"  memory: ({allowed / GB:.1f} GB - {fixed / GB:.2f} GB) / {per_pss / MB:.0f} MB = {by_memory} learners, "
          f"each with 08 at its peak at once (the hub and proxy not included)")
    print(f"  CPU:    {os.cpu_count()} CPUs x {slot:.0f} s slot / {per_cpu:.1f} CPU s = {by_cpu} learners, "
          f"if every learner runs 08 once within its slot")
    print(f"  -> {min(by_memory, by_cpu)} learners; {binding} binds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("idle", "active", "room", "all"))
    parser.add_argument("--smoke", action="store_true", help="FLYWHEEL_SMOKE=1 (the fast pass CI runs)")
    parser.add_argument("--learners", default="1,2,4,8,12,16", help="room sizes to try, in order")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds the room scan may take")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (logs)")
    parser.add_argument("--memory-limit", type=cgroups.parse_memory, default=None,
                        help="active only: each learner's cgroup memory limit, as the hub's --memory (e.g. 1G)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="flywheel-classroom-bench-"))
    print(f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / GB:.1f} GB; learners under {root}")
    try:
        if args.what in ("idle", "all"):
            idle(root)
        if args.what in ("active", "all"):
            active(root, args.smoke, args.memory_limit)
            if args.what == "all" and not args.smoke:
                active(root, True)
        if args.what in ("room", "all"):
            room(root, [int(n) for n in args.learners.split(",")], args.smoke, args.budget)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
