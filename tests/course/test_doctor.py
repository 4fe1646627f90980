from __future__ import annotations

import socket
from pathlib import Path

import pytest

from helpers.course import doctor


def test_doctor_reports_a_table_with_every_check(root: Path, capsys):
    status = doctor.main([], root)
    out = capsys.readouterr().out
    for name in ("python", "packages", "kernel", "datasets", "disk", "ports", "left running", "runtime", "records"):
        assert name in out
    findings = doctor.run_checks(root)
    assert status == (1 if any(not f.ok and not f.warning for f in findings) else 0)


def test_every_failure_comes_with_a_fix(root: Path):
    for finding in doctor.run_checks(root):
        if not finding.ok:
            assert finding.fix, f"{finding.check} failed without a fix"


def test_missing_package_is_named_with_the_fix(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["numpy==2.4.6", "surely-not-installed-pkg==1.0"]\n'
    )
    finding = doctor.check_packages(tmp_path)
    assert not finding.ok
    assert "surely-not-installed-pkg missing" in finding.detail and "make install" in finding.fix


def test_wrong_version_is_named(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["numpy==1.0.0"]\n')
    finding = doctor.check_packages(tmp_path)
    assert not finding.ok and "numpy 2.4.6 (want ==1.0.0)" in finding.detail


def test_busy_port_is_a_warning_with_the_fix(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv(doctor.HUB_USER_ENV, raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        monkeypatch.setattr(doctor, "LAB_PORT", sock.getsockname()[1])
        finding = doctor.check_ports()
    assert not finding.ok and finding.warning and "PORT=" in finding.fix


def test_tampered_dataset_fails_the_doctor(root: Path, tmp_path: Path, monkeypatch, capsys):
    import shutil

    data = pytest.importorskip("helpers.data")
    copy = tmp_path / "datasets"
    shutil.copytree(root / "datasets", copy)
    victim = copy / data.path(data.names()[0]).name
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    victim.write_bytes(bytes(raw))
    monkeypatch.setenv("FLYWHEEL_DATASETS", str(copy))
    finding = doctor.check_datasets()
    assert not finding.ok and victim.name in finding.detail and "git checkout" in finding.fix
    assert doctor.table([finding]).count("git checkout") == 1  # the fix once, not in the detail as well


def test_table_fits_each_row_to_its_own_detail_and_prints_each_fix_once():
    findings = [
        doctor.Finding("short", True, "fine"),
        doctor.Finding("long", False, "x" * 120, "do the thing"),
        doctor.Finding("warned", False, "meh", "do the other thing", warning=True),
    ]
    out = doctor.table(findings)
    lines = out.splitlines()
    assert all(line == line.rstrip() for line in lines), "no row padded with trailing spaces"
    short = next(line for line in lines if line.startswith("short"))
    assert len(short) < 30, short  # not padded to the 120-character detail
    assert max(len(line) for line in lines[:2]) < 30  # the header and its rule do not span the longest detail
    assert out.count("do the thing") == 1 and out.count("do the other thing") == 1


def test_the_runtime_router_every_notebook_starts_is_not_left_running_but_an_endpoint_is(monkeypatch):
    from helpers.platform import serving
    from helpers.platform.serving.registry import RunningResource

    router = RunningResource("router", "sagemaker-runtime", 101)
    monkeypatch.setattr(serving, "running_resources", lambda: [router])  # what setup() leaves: notebook 00's case
    finding = doctor.check_running_resources()
    assert finding.ok and "router" in finding.detail
    endpoint = RunningResource("endpoint", "churn-ep", 102)
    monkeypatch.setattr(serving, "running_resources", lambda: [endpoint, router])
    finding = doctor.check_running_resources()
    assert not finding.ok and "1 local resource(s)" in finding.detail and "churn-ep" in finding.detail
    assert finding.fix == "run `python -m helpers cleanup`"


def test_under_the_classroom_hub_no_port_is_checked(root: Path, monkeypatch):
    monkeypatch.setenv(doctor.HUB_USER_ENV, "ana")  # as JupyterHub sets it for ana's server and kernels
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]  # another learner's JupyterLab, say: none of ana's business
        ports = next(f for f in doctor.run_checks(root, busy) if f.check == "ports")
    assert ports.ok and "127.0.0.1" not in ports.detail and "classroom hub" in ports.detail and "ana" in ports.detail


def test_the_port_checked_is_the_one_make_lab_uses(root: Path, monkeypatch, capsys):
    monkeypatch.delenv(doctor.HUB_USER_ENV, raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        monkeypatch.setenv("PORT", str(busy))
        assert doctor.lab_port([]) == busy
        finding = doctor.check_ports()  # `make lab PORT=...` exports PORT: the notebook's doctor checks it too
        assert not finding.ok and f"127.0.0.1:{busy}" in finding.detail
        monkeypatch.delenv("PORT")
        assert doctor.lab_port([]) == doctor.LAB_PORT
        assert doctor.lab_port(["--port", str(busy)]) == busy  # `make doctor PORT=...` passes --port
        ports = next(f for f in doctor.run_checks(root, busy) if f.check == "ports")
        assert f":{busy} is in use" in ports.detail


@pytest.mark.parametrize("argv, env", [(["--port", "eighty"], None), (["--port"], None), ([], "70000")])
def test_a_bad_port_is_refused_with_the_fix(argv, env, root: Path, monkeypatch, capsys):
    if env is None:
        monkeypatch.delenv("PORT", raising=False)
    else:
        monkeypatch.setenv("PORT", env)
    assert doctor.main(argv, root) == 2
    err = capsys.readouterr().err
    assert "port number" in err and "make doctor PORT=" in err


def test_make_doctor_passes_its_port(root: Path):
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(["make", "-n", "-C", str(root), "doctor", "PORT=9999"], capture_output=True, text=True, timeout=60)
    assert "helpers doctor --port 9999" in dry.stdout, dry.stdout[-2000:] + dry.stderr[-2000:]


def test_a_crashing_check_becomes_a_failure_not_a_traceback(root: Path, monkeypatch):
    monkeypatch.setattr(doctor, "check_kernel", lambda: 1 / 0)
    kernel = next(f for f in doctor.run_checks(root) if f.check == "kernel")
    assert not kernel.ok and "ZeroDivisionError" in kernel.detail and kernel.fix


def test_limits_say_when_the_memory_limit_killed_a_kernel(tmp_path: Path):
    """In a hub a kernel killed by the learner's memory limit shows only as "kernel died": the doctor says why."""
    group = tmp_path / "memory" / "flywheel" / "alice"
    group.mkdir(parents=True)
    (tmp_path / "memory" / "cgroup.procs").write_text("1\n")
    for name, text in {"memory.limit_in_bytes": str(3 << 30), "memory.max_usage_in_bytes": str(3 << 30),
                       "memory.usage_in_bytes": str(1 << 30), "memory.oom_control": "oom_kill 0\n"}.items():
        (group / name).write_text(text)
    proc = tmp_path / "cgroup"
    proc.write_text("4:memory:/flywheel/alice\n0::/\n")
    finding = doctor.check_limits(tmp_path, proc)
    assert finding.ok and finding.detail == "memory 1.0 GiB (limit 3.0 GiB, peak 3.0 GiB), CPU time unknown"
    (group / "memory.oom_control").write_text("oom_kill 2\n")
    finding = doctor.check_limits(tmp_path, proc)
    assert not finding.ok and finding.warning and "restart the kernel" in finding.fix
    assert finding.detail.startswith("2 processes killed for memory (limit 3.0 GiB, peak 3.0 GiB)")


def test_no_limits_is_fine(tmp_path: Path):
    finding = doctor.check_limits(tmp_path, tmp_path / "no-proc-file")
    assert finding.ok and finding.detail == "no memory or CPU limit on this process"
