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


def test_a_crashing_check_becomes_a_failure_not_a_traceback(root: Path, monkeypatch):
    monkeypatch.setattr(doctor, "check_kernel", lambda: 1 / 0)
    kernel = next(f for f in doctor.run_checks(root) if f.check == "kernel")
    assert not kernel.ok and "ZeroDivisionError" in kernel.detail and kernel.fix
