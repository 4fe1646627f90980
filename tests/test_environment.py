"""The install is described in one place; environment.yml repeats it for conda/Binder users."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def pyproject_pins() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return sorted(tomllib.load(handle)["project"]["dependencies"])


def environment_pins() -> list[str]:
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
    return sorted(p for p in pip if not p.startswith("-e"))


def test_environment_yml_lists_the_same_pins_as_pyproject():
    assert environment_pins() == pyproject_pins(), "edit pyproject.toml, then copy its list into environment.yml"


def test_every_dependency_is_pinned_exactly():
    loose = [d for d in pyproject_pins() if "==" not in d]
    assert not loose, f"pin these with ==: {loose}"


def test_torch_is_the_cpu_pin():
    assert "torch==2.13.0" in pyproject_pins()


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
    assert "make test   #" in readme
    assert [line for line in ci.splitlines() if line.strip() == "make test"], ".ci/run must run `make test`"
