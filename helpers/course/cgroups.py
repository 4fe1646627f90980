"""Per-learner resource limits with Linux cgroups (v2, the unified tree, and v1), standard library only.

A classroom hub puts each learner's Jupyter server, and so every kernel, endpoint and training job it
starts, into its own group ``flywheel/<group>``::

    limits = Limits(memory_bytes=parse_memory("3G"), cpus=1.0, pids=1024)
    prepare("alice", limits)                       # in the hub: errors arrive with their message
    Popen(..., preexec_fn=lambda: join("alice", limits))   # in the child, before setuid
    print(explain("alice"))   # "learner alice: 2 processes killed for memory (limit 3.0 GiB, ...)"

The groups live at a fixed place so that any process (the hub, ``classroom status``, the learner's
``doctor``) finds them: ``<root>/flywheel/<group>`` on v2 and ``<root>/<controller>/flywheel/<group>``
for each v1 controller (memory, cpu, cpuacct, pids). ``root`` defaults to ``/sys/fs/cgroup`` and is a
parameter everywhere so tests use a fake tree.

Memory limits count swap too (v1 ``memory.memsw.limit_in_bytes``, v2 ``memory.swap.max = 0``), so
"3G" means 3 GiB whether or not the server has swap. A group's counters (processes killed for memory,
CPU seconds) outlive its processes: keep the group until the hub stops, then :func:`remove` it.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
OWN = Path("/proc/self/cgroup")                # the calling process's groups, one line per hierarchy
BASE = "flywheel"                              # every group is flywheel/<group>
V1_CONTROLLERS = ("memory", "cpu", "cpuacct", "pids")
V2_CONTROLLERS = ("memory", "cpu", "pids")     # enabled in the parents' cgroup.subtree_control
PERIOD_US = 100_000                            # CPU quota period: the kernel's default, 100 ms
MIN_QUOTA_US = 1_000                           # the kernel refuses a quota under 1 ms per period
MIN_MEMORY_BYTES = 16 << 20                    # no Python starts under 16 MiB: a smaller limit is a typo
UNLIMITED_V1 = 1 << 62                         # v1 reports "no limit" as ~2**63 rounded to a page
GROUP_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}")
MEMORY_FORMS = "a number of bytes, or a number with K, M, G or T (binary: 1G = 1 GiB), e.g. 3G, 512M, 1.5GiB"
NO_CGROUPS_FIX = ("run the hub as root on Linux with cgroups mounted read-write at /sys/fs/cgroup (in a "
                  "container: --cgroupns=private and a writable /sys/fs/cgroup), or start it without limits")


class CgroupError(ValueError):
    """Limits cannot be applied here; the message names the problem and the fix."""


@dataclass(frozen=True)
class Limits:
    """What one group may use. ``memory_bytes``: RAM plus swap, bytes; ``cpus``: hard quota in cores
    (0.5 = half a core, 2 = two cores); ``cpu_weight``: share when the CPU is contended, v2 scale
    1..10000 with 100 the fair share (v1: ``cpu.shares = weight * 1024 / 100``); ``pids``: most tasks
    (processes and threads). None: no limit."""

    memory_bytes: int | None = None
    cpus: float | None = None
    cpu_weight: int = 100
    pids: int | None = None

    def __post_init__(self) -> None:
        if self.memory_bytes is not None and self.memory_bytes < MIN_MEMORY_BYTES:
            raise ValueError(f"memory limit {self.memory_bytes} bytes is below {format_bytes(MIN_MEMORY_BYTES)}, "
                             f"too small to start Python: give {MEMORY_FORMS}")
        if self.cpus is not None and not self.cpus > 0:
            raise ValueError(f"cpus must be a number of cores above 0 (e.g. 1 or 0.5), not {self.cpus!r}")
        if not 1 <= self.cpu_weight <= 10_000:
            raise ValueError(f"cpu_weight must be from 1 to 10000 (100 = a fair share), not {self.cpu_weight!r}")
        if self.pids is not None and self.pids < 1:
            raise ValueError(f"pids must be at least 1 (e.g. 1024), not {self.pids!r}")


@dataclass(frozen=True)
class Usage:
    """A group's use and limits now. Bytes, seconds and cores; None where this kernel does not say.

    ``oom_kills``: processes the kernel killed for the memory limit (v1 kernels before 4.13 do not
    count them: see ``memory_limit_hits``, the times the group reached its limit)."""

    memory_bytes: int | None
    memory_peak_bytes: int | None
    memory_limit_bytes: int | None
    oom_kills: int | None
    cpu_seconds: float | None
    cpu_limit_cores: float | None = None
    cpu_throttled_seconds: float | None = None
    memory_limit_hits: int | None = None
    pids: int | None = None
    pids_limit: int | None = None


# --- values -------------------------------------------------------------------------------------------

def parse_memory(text: str | int) -> int:
    """Bytes from "3G", "512M", "1.5GiB", "3gb" or "3221225472" (K/M/G/T are binary: 1G = 2**30).

    ValueError naming the accepted forms for anything else, or for under 16 MiB."""
    if isinstance(text, int):
        raw, number, unit = str(text), str(text), ""
    else:
        raw = str(text)
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", raw, re.IGNORECASE)
        if match is None:
            raise ValueError(f"memory limit {raw!r} is not understood: give {MEMORY_FORMS}")
        number, unit = match.group(1), match.group(2).upper()
    value = int(float(number) * (1 << (10 * " KMGT".index(unit or " "))))
    if value < MIN_MEMORY_BYTES:
        hint = f" (did you mean {raw}G?)" if not unit else ""
        raise ValueError(f"memory limit {raw!r} is below {format_bytes(MIN_MEMORY_BYTES)}, too small to start "
                         f"Python{hint}: give {MEMORY_FORMS}")
    return value


def parse_cpus(text: str | float) -> float:
    """Cores from "1", "0.5" or 2; ValueError for anything not a number above 0."""
    try:
        cores = float(text)
    except (TypeError, ValueError):
        cores = float("nan")
    if not cores > 0 or cores == float("inf"):
        raise ValueError(f"cpus {text!r} is not a number of cores above 0: give e.g. 1 (one core) or 0.5")
    return cores


def format_bytes(value: int) -> str:
    """``3221225472`` -> ``"3.0 GiB"`` (binary units, one decimal)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if value >= 1 << shift:
            return f"{value / (1 << shift):.1f} {unit}"
    return f"{value} B"


def check_group(group: str) -> str:
    """``group`` when it is a safe single path component, else ValueError naming the allowed form."""
    if not isinstance(group, str) or GROUP_NAME.fullmatch(group) is None:
        raise ValueError(f"cgroup name {group!r} must be 1-64 letters, digits, '_', '.', '@' or '-', not "
                         "starting with '.' or '-' (a learner's user name is)")
    return group


def cpu_shares(weight: int) -> int:
    """v1 ``cpu.shares`` for a v2 ``cpu.weight``: 100 -> 1024 (the kernel's minimum is 2)."""
    return max(2, weight * 1024 // 100)


def quota_us(cpus: float) -> int:
    """CPU time per :data:`PERIOD_US` for ``cpus`` cores, in microseconds."""
    return max(MIN_QUOTA_US, round(cpus * PERIOD_US))


def v2_settings(limits: Limits) -> list[tuple[str, str]]:
    """(file, value) to write in a v2 group, in order; unlimited values reset an earlier limit."""
    memory = "max" if limits.memory_bytes is None else str(limits.memory_bytes)
    cpu = "max" if limits.cpus is None else str(quota_us(limits.cpus))
    return [("memory.max", memory), ("memory.swap.max", "max" if limits.memory_bytes is None else "0"),
            ("cpu.weight", str(limits.cpu_weight)), ("cpu.max", f"{cpu} {PERIOD_US}"),
            ("pids.max", "max" if limits.pids is None else str(limits.pids))]


def v1_settings(limits: Limits) -> dict[str, list[tuple[str, str]]]:
    """Per v1 controller, (file, value) to write in the group, in order.

    memsw (RAM + swap) must stay >= the RAM limit at every step, so :func:`join` writes the memory
    pair in whichever order the kernel accepts."""
    memory = "-1" if limits.memory_bytes is None else str(limits.memory_bytes)
    return {"memory": [("memory.limit_in_bytes", memory), ("memory.memsw.limit_in_bytes", memory)],
            "cpu": [("cpu.shares", str(cpu_shares(limits.cpu_weight))), ("cpu.cfs_period_us", str(PERIOD_US)),
                    ("cpu.cfs_quota_us", "-1" if limits.cpus is None else str(quota_us(limits.cpus)))],
            "cpuacct": [],
            "pids": [("pids.max", "max" if limits.pids is None else str(limits.pids))]}


def needed_controllers(limits: Limits) -> set[str]:
    """The controllers ``limits`` cannot do without (memory, cpu, pids; cpuacct only counts)."""
    needed = {"memory"} if limits.memory_bytes is not None else set()
    if limits.cpus is not None or limits.cpu_weight != 100:
        needed.add("cpu")
    if limits.pids is not None:
        needed.add("pids")
    return needed


# --- where ----------------------------------------------------------------------------------------------

def version(root: Path = ROOT) -> int | None:
    """2 for the unified tree, 1 for v1 controllers (even beside a controller-less v2 mount), None: none."""
    if (root / "cgroup.controllers").exists():
        return 2
    if (root / "memory" / "cgroup.procs").exists() or (root / "cpu" / "cgroup.procs").exists():
        return 1
    return None


def group_dirs(group: str, root: Path = ROOT) -> dict[str, Path]:
    """Controller -> the group's folder (v2: one folder for every controller); {} without cgroups."""
    check_group(group)
    found = version(root)
    if found == 2:
        return {name: root / BASE / group for name in ("memory", "cpu", "cpuacct", "pids")}
    if found == 1:
        return {name: root / name / BASE / group for name in V1_CONTROLLERS if (root / name).is_dir()}
    return {}


def available(root: Path = ROOT) -> str | None:
    """Why limits cannot be applied here, with the fix; None when they can."""
    found = version(root)
    if found is None:
        return f"no cgroup filesystem at {root} (cgroups are Linux only): {NO_CGROUPS_FIX}"
    if found == 2:
        missing = [name for name in V2_CONTROLLERS if name not in read_text(root / "cgroup.controllers").split()]
        target = root / "cgroup.subtree_control"
        if missing:
            return f"the cgroup v2 controller(s) {', '.join(missing)} are not available at {root}: {NO_CGROUPS_FIX}"
    else:
        missing = [name for name in V1_CONTROLLERS if not (root / name / "cgroup.procs").exists()]
        if "memory" in missing or "cpu" in missing:
            return f"the cgroup v1 memory and cpu controllers are not both mounted at {root}: {NO_CGROUPS_FIX}"
        target = root / "memory" / "cgroup.procs"
    if not os.access(target, os.W_OK):
        return f"{target} is not writable (not root, or mounted read-only): {NO_CGROUPS_FIX}"
    return None


# --- writing: safe between fork and exec (no imports, threads or logging; os.open/os.write) -------------

def write(path: Path, value: str) -> None:
    """Write ``value`` to the cgroup file ``path``; CgroupError naming the file, value and fix."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)  # as the shell's `echo v > file`: cgroupfs accepts it
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)
    except OSError as error:
        raise CgroupError(f"cannot write {value!r} to {path}: {error.strerror}: {write_fix(path, error.errno)}") from None


def write_fix(path: Path, number: int | None) -> str:
    """How to get past a refused write: v2's "no internal processes" rule has its own fix."""
    if number == errno.EBUSY and path.name == "cgroup.subtree_control":
        parent = path.parent
        return (f"cgroup v2 gives controllers only to the children of a group with no processes of its own, and "
                f"{parent} has some (a container's cgroup root does): move them into a child first (mkdir "
                f"{parent}/init, then write each pid in {parent}/cgroup.procs to {parent}/init/cgroup.procs), "
                "or start without limits")
    return NO_CGROUPS_FIX


def make_dir(path: Path) -> None:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise CgroupError(f"cannot create the cgroup {path}: {error.strerror}: {NO_CGROUPS_FIX}") from None


def enable_v2(parent: Path) -> None:
    """Enable memory, cpu and pids for ``parent``'s children (those this kernel has)."""
    have = read_text(parent / "cgroup.controllers").split()
    enabled = read_text(parent / "cgroup.subtree_control").split()
    for name in V2_CONTROLLERS:
        if name in have and name not in enabled:
            write(parent / "cgroup.subtree_control", "+" + name)


def write_memory_v1(folder: Path, pairs: list[tuple[str, str]]) -> None:
    """The RAM limit and the RAM + swap limit, in the order the kernel accepts (memsw >= RAM at each step)."""
    present = [(name, value) for name, value in pairs if (folder / name).exists()]
    try:
        for name, value in present:
            write(folder / name, value)
    except CgroupError:
        for name, value in reversed(present):  # raising the limit: memsw first
            write(folder / name, value)


def prepare(group: str, limits: Limits, root: Path = ROOT) -> dict[str, Path]:
    """Create or refresh ``flywheel/<group>`` with ``limits``; controller -> folder. Call it in the hub
    before spawning, where a CgroupError reaches the instructor with its message (one raised in a
    ``preexec_fn`` arrives as "Exception occurred in preexec_fn")."""
    problem = available(root)
    if problem is not None:
        raise CgroupError(problem)
    dirs = group_dirs(group, root)
    if version(root) == 2:
        enable_v2(root)
        make_dir(root / BASE)
        enable_v2(root / BASE)
        make_dir(dirs["memory"])
        apply_v2(dirs["memory"], limits)
        return dirs
    missing = sorted(needed_controllers(limits) - set(dirs))
    if missing:
        raise CgroupError(f"the cgroup v1 controller(s) {', '.join(missing)} are not mounted at {root}: {NO_CGROUPS_FIX}")
    settings = v1_settings(limits)
    for name, folder in dirs.items():
        make_dir(folder)
        if name == "memory":
            write_memory_v1(folder, settings["memory"])
            continue
        for file, value in settings[name]:
            if (folder / file).exists():
                write(folder / file, value)
    return dirs


def apply_v2(folder: Path, limits: Limits) -> None:
    """Write ``limits`` into the v2 group ``folder``; a limit whose controller is missing is a CgroupError."""
    needed = needed_controllers(limits)
    for file, value in v2_settings(limits):
        if (folder / file).exists():
            write(folder / file, value)
        elif file.split(".")[0] in needed and file != "memory.swap.max":  # swap accounting is optional
            raise CgroupError(f"{folder / file} does not exist, so the limit {value!r} cannot be set (is the "
                              f"{file.split('.')[0]} controller enabled?): {NO_CGROUPS_FIX}")


def join(group: str, limits: Limits, pid: int = 0, root: Path = ROOT) -> None:
    """Create or refresh ``flywheel/<group>`` with ``limits`` and move process ``pid`` (0: the caller)
    into it, in v2 or in each v1 controller. Safe in a ``preexec_fn`` (after fork, before setuid, as
    root). CgroupError naming the problem and fix when cgroups are not writable."""
    dirs = prepare(group, limits, root)
    member = str(pid or os.getpid())
    for folder in dict.fromkeys(os.path.realpath(path) for path in dirs.values()):  # co-mounted: once
        write(Path(folder) / "cgroup.procs", member)


def remove(group: str, root: Path = ROOT) -> None:
    """Remove the group (its counters go with it); nothing when absent; CgroupError naming the
    processes still in it."""
    for folder in dict.fromkeys(os.path.realpath(path) for path in group_dirs(group, root).values()):
        try:
            os.rmdir(folder)
        except FileNotFoundError:
            continue
        except OSError as error:
            if error.errno in (errno.EBUSY, errno.ENOTEMPTY):
                raise CgroupError(f"cgroup {folder} still has processes {members_at(Path(folder))}: stop the "
                                  "learner's server first (or kill them), then remove it") from None
            raise CgroupError(f"cannot remove the cgroup {folder}: {error.strerror}") from None


# --- reading ----------------------------------------------------------------------------------------------

def read_text(path: Path) -> str:
    """The file's text, "" when it is absent or unreadable (a kernel without that file). Plain os.read,
    as :func:`join` reads too, between fork and exec."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return ""
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def read_int(path: Path) -> int | None:
    """An integer file, None when absent, unreadable or "max"."""
    text = read_text(path).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def read_keyed(path: Path) -> dict[str, int]:
    """A "key value" per line file (memory.events, memory.oom_control, cpu.stat) as a dict."""
    pairs = (line.split() for line in read_text(path).splitlines())
    return {fields[0]: int(fields[1]) for fields in pairs if len(fields) == 2 and fields[1].lstrip("-").isdigit()}


def members_at(folder: Path) -> list[int]:
    return [int(pid) for pid in read_text(folder / "cgroup.procs").split()]


def members(group: str, root: Path = ROOT) -> list[int]:
    """The process ids in the group (v1: in its memory, else cpu, controller); [] when absent."""
    dirs = group_dirs(group, root)
    folder = dirs.get("memory") or dirs.get("cpu")
    return members_at(folder) if folder is not None else []


def usage(group: str, root: Path = ROOT) -> Usage | None:
    """The group's use and limits now; None when the group does not exist."""
    dirs = group_dirs(group, root)
    if not any(folder.is_dir() for folder in dirs.values()):
        return None
    return usage_at(dirs, version(root))


def usage_at(dirs: dict[str, Path], found: int | None) -> Usage:
    """Usage read from controller -> folder ``dirs`` of cgroup ``found`` (1 or 2)."""
    if found == 2:
        return usage_v2(dirs["memory"])
    nothing = Path("/nonexistent")
    return usage_v1(*(dirs.get(name, nothing) for name in V1_CONTROLLERS))


def usage_v2(folder: Path) -> Usage:
    events, cpu = read_keyed(folder / "memory.events"), read_keyed(folder / "cpu.stat")
    quota = read_text(folder / "cpu.max").split()
    return Usage(memory_bytes=read_int(folder / "memory.current"),
                 memory_peak_bytes=read_int(folder / "memory.peak"),
                 memory_limit_bytes=read_int(folder / "memory.max"),
                 oom_kills=events.get("oom_kill"),
                 cpu_seconds=cpu["usage_usec"] / 1e6 if "usage_usec" in cpu else None,
                 cpu_limit_cores=int(quota[0]) / int(quota[1]) if len(quota) == 2 and quota[0].isdigit() else None,
                 cpu_throttled_seconds=cpu["throttled_usec"] / 1e6 if "throttled_usec" in cpu else None,
                 memory_limit_hits=events.get("max"),
                 pids=read_int(folder / "pids.current"), pids_limit=read_int(folder / "pids.max"))


def usage_v1(memory: Path, cpu: Path, cpuacct: Path, pids: Path) -> Usage:
    limit = read_int(memory / "memory.limit_in_bytes")
    quota, period = read_int(cpu / "cpu.cfs_quota_us"), read_int(cpu / "cpu.cfs_period_us")
    throttled = read_keyed(cpu / "cpu.stat").get("throttled_time")  # ns
    used_ns = read_int(cpuacct / "cpuacct.usage")
    return Usage(memory_bytes=read_int(memory / "memory.usage_in_bytes"),
                 memory_peak_bytes=read_int(memory / "memory.max_usage_in_bytes"),
                 memory_limit_bytes=limit if limit is not None and limit < UNLIMITED_V1 else None,
                 oom_kills=read_keyed(memory / "memory.oom_control").get("oom_kill"),
                 cpu_seconds=used_ns / 1e9 if used_ns is not None else None,
                 cpu_limit_cores=quota / period if quota and quota > 0 and period else None,
                 cpu_throttled_seconds=throttled / 1e9 if throttled is not None else None,
                 memory_limit_hits=read_int(memory / "memory.failcnt"),
                 pids=read_int(pids / "pids.current"), pids_limit=read_int(pids / "pids.max"))


def own_dirs(root: Path = ROOT, proc: Path = OWN) -> dict[str, Path]:
    """Controller -> folder of the calling process's own cgroups, from ``proc`` ({} without cgroups)."""
    found, dirs = version(root), {}
    for line in read_text(proc).splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if found == 2 and number == "0" and not controllers:
            return {name: root / path.lstrip("/") for name in ("memory", "cpu", "cpuacct", "pids")}
        for name in controllers.split(","):
            if found == 1 and name in V1_CONTROLLERS:
                dirs[name] = root / name / path.lstrip("/")
    return dirs


def own_usage(root: Path = ROOT, proc: Path = OWN) -> Usage | None:
    """The calling process's cgroup use and limits (what `doctor` shows a learner); None without cgroups."""
    dirs = own_dirs(root, proc)
    return usage_at(dirs, version(root)) if dirs else None


# --- messages ----------------------------------------------------------------------------------------------

MEMORY_FIX = "restart the kernel, load less data or `del` what is not needed, or ask the instructor for more memory"


def memory_trouble(found: Usage) -> str | None:
    """"2 processes killed for memory (limit 3.0 GiB, peak 3.0 GiB): ..." when the limit bit; else None."""
    if found.oom_kills:
        plural = "es" if found.oom_kills != 1 else ""
        return (f"{found.oom_kills} process{plural} killed for memory ({limit_and_peak(found)}): a kernel that "
                "'died' used more than its share")
    if found.oom_kills is None and found.memory_limit_hits and found.memory_limit_bytes is not None:
        return (f"reached its memory limit {found.memory_limit_hits} time(s) ({limit_and_peak(found)}): a kernel "
                "that 'died' was likely killed for memory")
    return None


def limit_and_peak(found: Usage) -> str:
    """"limit 3.0 GiB, peak 2.9 GiB" ("limit none" without a limit; no peak where the kernel gives none)."""
    limit = format_bytes(found.memory_limit_bytes) if found.memory_limit_bytes is not None else "none"
    peak = f", peak {format_bytes(found.memory_peak_bytes)}" if found.memory_peak_bytes is not None else ""
    return f"limit {limit}{peak}"


def use_now(found: Usage) -> str:
    """"memory 1.2 GiB (limit 3.0 GiB, peak 2.9 GiB), 12.3 s CPU (limit 1 core)"."""
    cpu = f"{found.cpu_seconds:.1f} s CPU" if found.cpu_seconds is not None else "CPU time unknown"
    if found.cpu_limit_cores is not None:
        cpu += f" (limit {found.cpu_limit_cores:g} core{'s' if found.cpu_limit_cores != 1 else ''})"
    return f"memory {format_bytes(found.memory_bytes or 0)} ({limit_and_peak(found)}), {cpu}"


def describe(found: Usage) -> str:
    """One line: what was killed for memory, why and what to do, then use now; else only use now."""
    trouble = memory_trouble(found)
    return f"{trouble}; {MEMORY_FIX}; now {use_now(found)}" if trouble else use_now(found)


def explain(group: str, root: Path = ROOT, label: str | None = None) -> str:
    """``"learner <group>: 2 processes killed for memory (limit 3.0 GiB, peak 3.0 GiB): ..."``, or its
    memory and CPU now; says so when the group does not exist. ``label`` replaces "learner <group>"."""
    who = label or f"learner {group}"
    found = usage(group, root)
    if found is None:
        return f"{who}: no resource group (their server has not started under limits)"
    return f"{who}: {describe(found)}"
