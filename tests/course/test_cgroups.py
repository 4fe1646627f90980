"""Per-learner limits (helpers.course.cgroups): on fake v1 and v2 trees in tmp_path, and, as root on a
machine with writable cgroups, on the real tree: a process over its memory limit is killed and one
with a fifth of a core gets a fifth of a core."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course import cgroups
from helpers.course.cgroups import CgroupError, Limits

GIB = 1 << 30

# Files the kernel makes in a new group, with its fresh values (the fake trees start from these).
V1_FILES = {
    "memory": {"cgroup.procs": "", "memory.limit_in_bytes": "9223372036854771712",
               "memory.memsw.limit_in_bytes": "9223372036854771712", "memory.usage_in_bytes": "0",
               "memory.max_usage_in_bytes": "0", "memory.failcnt": "0",
               "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"},
    "cpu": {"cgroup.procs": "", "cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1",
            "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"},
    "cpuacct": {"cgroup.procs": "", "cpuacct.usage": "0"},
    "pids": {"cgroup.procs": "", "pids.max": "max", "pids.current": "0"},
}
V2_FILES = {"cgroup.procs": "", "cgroup.controllers": "cpu memory pids", "cgroup.subtree_control": "",
            "memory.max": "max", "memory.swap.max": "max", "memory.current": "0", "memory.peak": "0",
            "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", "cpu.weight": "100",
            "cpu.max": "max 100000", "cpu.stat": "usage_usec 0\nthrottled_usec 0\n", "pids.max": "max",
            "pids.current": "0"}


def fill(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def fake_v1(root: Path, groups: tuple[str, ...] = ("alice",), controllers=tuple(V1_FILES)) -> Path:
    """A v1 tree: each controller's top folder, and each group's folder as the kernel makes it on mkdir."""
    for name in controllers:
        fill(root / name, {"cgroup.procs": "1\n"})
        for group in groups:
            fill(root / name / "flywheel" / group, V1_FILES[name])
    return root


def fake_v2(root: Path, groups: tuple[str, ...] = ("alice",)) -> Path:
    fill(root, {"cgroup.procs": "1\n", "cgroup.controllers": "cpuset cpu io memory pids", "cgroup.subtree_control": ""})
    fill(root / "flywheel", {"cgroup.controllers": "cpu memory pids", "cgroup.subtree_control": ""})
    for group in groups:
        fill(root / "flywheel" / group, V2_FILES)
    return root


@pytest.fixture
def writes(monkeypatch) -> list[tuple[str, str]]:
    """Every (file relative to its tree, value) cgroups writes, in order (the writes still happen)."""
    done: list[tuple[Path, str]] = []
    real = cgroups.write

    def recording(path: Path, value: str) -> None:
        done.append((path, value))
        real(path, value)

    monkeypatch.setattr(cgroups, "write", recording)
    return done


def relative(writes: list[tuple[Path, str]], root: Path) -> list[tuple[str, str]]:
    return [(str(path.relative_to(root)), value) for path, value in writes]


# --- values ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [("3G", 3 * GIB), ("512M", 512 << 20), ("1.5GiB", 3 * GIB // 2),
                                            ("3gb", 3 * GIB), (" 2 G ", 2 * GIB), ("3221225472", 3 * GIB),
                                            (3 * GIB, 3 * GIB), ("1T", 1 << 40), ("65536K", 64 << 20)])
def test_parse_memory_reads_binary_units(text, expected):
    assert cgroups.parse_memory(text) == expected


@pytest.mark.parametrize("text", ["3 gigs", "-1G", "", "G", "3GGB", "1e9", "3,5G"])
def test_parse_memory_names_the_accepted_forms(text):
    with pytest.raises(ValueError, match=r"not understood: give .*e\.g\. 3G, 512M"):
        cgroups.parse_memory(text)


def test_a_memory_limit_without_unit_is_caught_as_a_typo():
    with pytest.raises(ValueError, match=r"'3' is below 16.0 MiB.*did you mean 3G\?"):
        cgroups.parse_memory("3")


@pytest.mark.parametrize("text, expected", [("1", 1.0), ("0.5", 0.5), (2, 2.0)])
def test_parse_cpus(text, expected):
    assert cgroups.parse_cpus(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "one", "nan", "inf", None])
def test_parse_cpus_refuses_what_is_not_a_positive_number(text):
    with pytest.raises(ValueError, match="not a number of cores above 0: give e.g. 1"):
        cgroups.parse_cpus(text)


@pytest.mark.parametrize("kwargs, message", [({"memory_bytes": 1000}, "too small to start Python"),
                                             ({"cpus": 0}, "above 0"), ({"cpu_weight": 0}, "from 1 to 10000"),
                                             ({"pids": 0}, "at least 1")])
def test_limits_refuse_values_the_kernel_would(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Limits(**kwargs)


@pytest.mark.parametrize("name", ["", "../etc", "a/b", ".hidden", "-x", "a" * 65, "a b"])
def test_a_group_name_is_one_safe_path_component(name, tmp_path):
    with pytest.raises(ValueError, match="must be 1-64 letters"):
        cgroups.group_dirs(name, fake_v2(tmp_path))


def test_weight_and_quota_conversions():
    assert cgroups.cpu_shares(100) == 1024 and cgroups.cpu_shares(1) == 10 and cgroups.cpu_shares(10_000) == 102_400
    assert cgroups.quota_us(0.2) == 20_000 and cgroups.quota_us(2) == 200_000 and cgroups.quota_us(0.001) == 1_000


def test_format_bytes():
    assert [cgroups.format_bytes(n) for n in (3 * GIB, 64 << 20, 2048, 5)] == ["3.0 GiB", "64.0 MiB", "2.0 KiB", "5 B"]


# --- v2 ----------------------------------------------------------------------------------------------------

def test_join_v2_enables_controllers_writes_limits_and_moves_the_process(tmp_path, writes):
    root = fake_v2(tmp_path)
    cgroups.join("alice", Limits(memory_bytes=3 * GIB, cpus=0.5, cpu_weight=200, pids=512), pid=4242, root=root)
    done = relative(writes, root)
    for parent in ("cgroup.subtree_control", "flywheel/cgroup.subtree_control"):
        assert [value for path, value in done if path == parent] == ["+memory", "+cpu", "+pids"]
    group = root / "flywheel" / "alice"
    assert {name: (group / name).read_text() for name in ("memory.max", "memory.swap.max", "cpu.max",
                                                          "cpu.weight", "pids.max", "cgroup.procs")} == {
        "memory.max": str(3 * GIB), "memory.swap.max": "0", "cpu.max": "50000 100000", "cpu.weight": "200",
        "pids.max": "512", "cgroup.procs": "4242"}
    assert done[-1] == ("flywheel/alice/cgroup.procs", "4242"), "the process moves in after the limits are set"


def test_join_v2_again_without_limits_lifts_them(tmp_path):
    root = fake_v2(tmp_path)
    cgroups.join("alice", Limits(memory_bytes=GIB, cpus=1, pids=64), pid=1, root=root)
    cgroups.join("alice", Limits(), pid=1, root=root)
    group = root / "flywheel" / "alice"
    assert [(group / name).read_text() for name in ("memory.max", "memory.swap.max", "cpu.max", "pids.max")] == [
        "max", "max", "max 100000", "max"]


def test_join_v2_without_the_memory_controller_says_which_is_missing(tmp_path):
    root = fake_v2(tmp_path)
    (root / "cgroup.controllers").write_text("cpu pids")
    with pytest.raises(CgroupError, match=r"controller\(s\) memory are not available at .*run the hub as root"):
        cgroups.join("alice", Limits(memory_bytes=GIB), root=root)


def test_a_limit_whose_file_is_missing_is_an_error_not_silence(tmp_path):
    root = fake_v2(tmp_path)
    (root / "flywheel" / "alice" / "pids.max").unlink()
    cgroups.join("alice", Limits(memory_bytes=GIB), pid=1, root=root)  # no pids limit asked: fine
    with pytest.raises(CgroupError, match=r"pids.max does not exist, so the limit '64' cannot be set"):
        cgroups.join("alice", Limits(pids=64), pid=1, root=root)


def test_usage_and_explain_v2_name_the_kills(tmp_path):
    root = fake_v2(tmp_path)
    group = root / "flywheel" / "alice"
    fill(group, {"memory.max": str(3 * GIB), "memory.current": str(GIB // 2), "memory.peak": str(3 * GIB),
                 "memory.events": "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n", "cpu.max": "100000 100000",
                 "cpu.stat": "usage_usec 12500000\nthrottled_usec 300000\n", "pids.current": "9", "pids.max": "512"})
    assert cgroups.usage("alice", root) == cgroups.Usage(
        memory_bytes=GIB // 2, memory_peak_bytes=3 * GIB, memory_limit_bytes=3 * GIB, oom_kills=2, cpu_seconds=12.5,
        cpu_limit_cores=1.0, cpu_throttled_seconds=0.3, memory_limit_hits=7, pids=9, pids_limit=512)
    text = cgroups.explain("alice", root)
    assert text.startswith("learner alice: 2 processes killed for memory (limit 3.0 GiB, peak 3.0 GiB): "
                           "a kernel that 'died' used more than its share; restart the kernel")
    assert "now memory 512.0 MiB (limit 3.0 GiB, peak 3.0 GiB), 12.5 s CPU (limit 1 core)" in text


def test_explain_without_kills_gives_use_against_limits(tmp_path):
    root = fake_v2(tmp_path)
    assert cgroups.explain("alice", root, label="bob's server") == (
        "bob's server: memory 0 B (limit none, peak 0 B), 0.0 s CPU")


# --- v1 ----------------------------------------------------------------------------------------------------

def test_join_v1_writes_each_controller_and_moves_the_process_into_each(tmp_path):
    root = fake_v1(tmp_path)
    cgroups.join("alice", Limits(memory_bytes=GIB, cpus=0.2, cpu_weight=50, pids=100), pid=77, root=root)
    group = {name: root / name / "flywheel" / "alice" for name in cgroups.V1_CONTROLLERS}
    assert (group["memory"] / "memory.limit_in_bytes").read_text() == str(GIB)
    assert (group["memory"] / "memory.memsw.limit_in_bytes").read_text() == str(GIB)
    assert (group["cpu"] / "cpu.shares").read_text() == "512"
    assert (group["cpu"] / "cpu.cfs_quota_us").read_text() == "20000"
    assert (group["pids"] / "pids.max").read_text() == "100"
    assert {name: (folder / "cgroup.procs").read_text() for name, folder in group.items()} == dict.fromkeys(group, "77")


def test_v1_memory_pair_is_written_in_the_order_the_kernel_accepts(tmp_path, monkeypatch):
    """The kernel refuses RAM > RAM + swap at any step: raising writes memsw first, lowering RAM first."""
    folder = fill(tmp_path / "g", V1_FILES["memory"])
    kernel = {"memory.limit_in_bytes": GIB, "memory.memsw.limit_in_bytes": GIB}

    def strict_write(path: Path, value: str) -> None:
        proposed = dict(kernel, **{path.name: int(value) if value != "-1" else 1 << 63})
        if proposed["memory.limit_in_bytes"] > proposed["memory.memsw.limit_in_bytes"]:
            raise CgroupError(f"cannot write {value!r} to {path}: Invalid argument")
        kernel.update(proposed)

    monkeypatch.setattr(cgroups, "write", strict_write)
    for wanted in (4 * GIB, GIB // 2, None):
        cgroups.write_memory_v1(folder, cgroups.v1_settings(Limits(memory_bytes=wanted))["memory"])
        expected = wanted if wanted is not None else 1 << 63
        assert kernel == {"memory.limit_in_bytes": expected, "memory.memsw.limit_in_bytes": expected}


def test_join_v1_without_a_needed_controller_names_it(tmp_path):
    root = fake_v1(tmp_path, controllers=("memory", "cpu", "cpuacct"))
    cgroups.join("alice", Limits(memory_bytes=GIB), pid=1, root=root)  # pids not asked for: fine
    with pytest.raises(CgroupError, match=r"controller\(s\) pids are not mounted"):
        cgroups.join("alice", Limits(pids=10), pid=1, root=root)


def test_usage_v1_reads_kills_peak_and_cpu(tmp_path):
    root = fake_v1(tmp_path)
    memory, cpu = root / "memory" / "flywheel" / "alice", root / "cpu" / "flywheel" / "alice"
    fill(memory, {"memory.limit_in_bytes": str(64 << 20), "memory.max_usage_in_bytes": str(64 << 20),
                  "memory.usage_in_bytes": "4096", "memory.failcnt": "31",
                  "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"})
    fill(cpu, {"cpu.cfs_quota_us": "20000", "cpu.stat": "nr_periods 10\nnr_throttled 8\nthrottled_time 700000000\n"})
    (root / "cpuacct" / "flywheel" / "alice" / "cpuacct.usage").write_text("200000000")
    assert cgroups.usage("alice", root) == cgroups.Usage(
        memory_bytes=4096, memory_peak_bytes=64 << 20, memory_limit_bytes=64 << 20, oom_kills=1, cpu_seconds=0.2,
        cpu_limit_cores=0.2, cpu_throttled_seconds=0.7, memory_limit_hits=31, pids=0, pids_limit=None)
    assert cgroups.explain("alice", root).startswith("learner alice: 1 process killed for memory (limit 64.0 MiB")


def test_old_v1_kernels_without_a_kill_count_still_point_at_memory(tmp_path):
    root = fake_v1(tmp_path)
    fill(root / "memory" / "flywheel" / "alice", {"memory.limit_in_bytes": str(GIB), "memory.failcnt": "3",
                                                  "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n"})
    found = cgroups.usage("alice", root)
    assert found.oom_kills is None and found.memory_limit_bytes == GIB
    assert "reached its memory limit 3 time(s) (limit 1.0 GiB" in cgroups.explain("alice", root)


def test_unlimited_v1_memory_reads_as_no_limit(tmp_path):
    assert cgroups.usage("alice", fake_v1(tmp_path)).memory_limit_bytes is None


# --- both --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [fake_v1, fake_v2])
def test_an_absent_group_has_no_usage_and_removes_quietly(make, tmp_path):
    root = make(tmp_path)
    assert cgroups.usage("bob", root) is None and cgroups.members("bob", root) == []
    assert cgroups.explain("bob", root) == "learner bob: no resource group (their server has not started under limits)"
    cgroups.remove("bob", root)


@pytest.mark.parametrize("make", [fake_v1, fake_v2])
def test_remove_takes_the_group_away_and_refuses_while_processes_remain(make, tmp_path):
    root = make(tmp_path, groups=())
    dirs = cgroups.group_dirs("alice", root)
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)  # cgroupfs removes a group with its files; a fake must be empty
    busy = dirs["memory"]
    (busy / "cgroup.procs").write_text("321\n")
    with pytest.raises(CgroupError, match=r"still has processes \[321\]: stop the learner's server first"):
        cgroups.remove("alice", root)
    (busy / "cgroup.procs").unlink()
    cgroups.remove("alice", root)
    assert not any(folder.exists() for folder in dirs.values())


def test_available_names_the_problem_and_the_fix(tmp_path, monkeypatch):
    assert cgroups.available(tmp_path).startswith(f"no cgroup filesystem at {tmp_path} (cgroups are Linux only): run")
    with pytest.raises(CgroupError, match="no cgroup filesystem"):
        cgroups.join("alice", Limits(memory_bytes=GIB), root=tmp_path)
    root = fake_v1(tmp_path / "v1")
    assert cgroups.available(root) is None
    monkeypatch.setattr(cgroups.os, "access", lambda path, mode: False)  # as a non-root user, or a read-only mount
    assert "cgroup.procs is not writable (not root, or mounted read-only): run the hub as root" in cgroups.available(root)
    assert "cgroup.subtree_control is not writable" in cgroups.available(fake_v2(tmp_path / "v2"))


def test_own_usage_follows_proc_self_cgroup(tmp_path):
    v1 = fake_v1(tmp_path / "v1")
    fill(v1 / "memory" / "flywheel" / "alice", {"memory.limit_in_bytes": str(3 * GIB)})
    proc = tmp_path / "cgroup"
    proc.write_text("9:name=systemd:/\n8:pids:/flywheel/alice\n4:memory:/flywheel/alice\n2:cpuacct:/\n"
                    "1:cpu:/flywheel/alice\n0::/\n")
    assert cgroups.own_usage(v1, proc).memory_limit_bytes == 3 * GIB
    v2 = fake_v2(tmp_path / "v2")
    fill(v2 / "flywheel" / "alice", {"memory.max": str(GIB)})
    proc.write_text("0::/flywheel/alice\n")
    assert cgroups.own_usage(v2, proc).memory_limit_bytes == GIB
    assert cgroups.own_usage(tmp_path / "none", proc) is None


# --- the real tree -----------------------------------------------------------------------------------------

real = pytest.mark.skipif(cgroups.available() is not None or not hasattr(os, "geteuid") or os.geteuid() != 0,
                          reason=f"needs root and writable cgroups: {cgroups.available()}")


def run_limited(group: str, limits: Limits, code: str) -> subprocess.CompletedProcess:
    cgroups.prepare(group, limits)  # here, not in the child, a CgroupError arrives with its message
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=30,
                          preexec_fn=lambda: cgroups.join(group, limits))


@real
def test_a_process_over_its_memory_limit_is_killed():
    group = f"test-memory-{os.getpid()}"
    try:
        done = run_limited(group, Limits(memory_bytes=64 << 20), "x = b'x' * (200 << 20); print('survived')")
        found = cgroups.usage(group)
        assert done.returncode == -9 and "survived" not in done.stdout, (done.returncode, done.stderr)
        assert (found.oom_kills or 0) >= 1 or (found.memory_limit_hits or 0) > 0, found
        assert found.memory_limit_bytes == 64 << 20 and found.memory_peak_bytes <= 64 << 20
        assert "killed for memory (limit 64.0 MiB" in cgroups.explain(group) or found.oom_kills is None
    finally:
        cgroups.remove(group)


@real
def test_a_fifth_of_a_core_is_a_fifth_of_a_core():
    group = f"test-cpu-{os.getpid()}"
    burn = "import time\nend = time.monotonic() + 1\nwhile time.monotonic() < end: pass\nprint(time.process_time())"
    try:
        done = run_limited(group, Limits(cpus=0.2), burn)
        used = float(done.stdout)
        found = cgroups.usage(group)
        assert 0.02 < used < 0.35, f"{used:.2f} s of CPU in 1 s of wall time under a 0.2-core quota"
        assert found.cpu_limit_cores == 0.2, found
        # Throttling starts when the process has used its quota in a period; on a machine so busy that the
        # scheduler gives it less than its fifth (load > 10 on 2 cores), nothing is throttled: that run says
        # nothing about the quota, and the bound on `used` above still holds.
        assert found.cpu_throttled_seconds > 0 or used < 0.15, found
        assert found.cpu_seconds == pytest.approx(used, abs=0.1)
    finally:
        cgroups.remove(group)


def test_v2_busy_parent_gets_its_own_fix(tmp_path, monkeypatch):
    """v2 refuses controllers below a group that holds processes (a container's cgroup root): say how to fix it."""
    root = fake_v2(tmp_path)
    real_open = os.open

    def busy_subtree(path, flags, *args):
        if Path(path).name == "cgroup.subtree_control" and flags & os.O_WRONLY:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        return real_open(path, flags, *args)

    monkeypatch.setattr(cgroups.os, "open", busy_subtree)
    with pytest.raises(CgroupError, match=r"Device or resource busy: cgroup v2 gives controllers only to the children "
                                          r"of a group with no processes .* move them into a child first"):
        cgroups.prepare("alice", Limits(memory_bytes=GIB), root)


@real
def test_a_group_with_a_pids_limit_cannot_start_more_threads():
    group = f"test-pids-{os.getpid()}"
    start = ("import threading, time\nstarted = 0\ntry:\n    for _ in range(64):\n"
             "        threading.Thread(target=time.sleep, args=(2,), daemon=True).start(); started += 1\n"
             "except RuntimeError as error:\n    print(started, error)\n")
    try:
        done = run_limited(group, Limits(pids=16), start)
        started, _, error = done.stdout.partition(" ")
        assert 0 < int(started) < 16 and "can't start new thread" in error, done.stdout + done.stderr
        assert cgroups.usage(group).pids_limit == 16
    finally:
        cgroups.remove(group)
