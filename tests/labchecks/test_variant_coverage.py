"""Every exercise's variant suite accepts at least three valid styles and rejects a mistake by name.

The suites run in a child pytest that records each ``accepts`` / ``rejects`` call
(``variant_harness.RECORD``); the count is what the suites actually did, not what their source says. In a
session that collects this test, the suites run only here (conftest.py deselects them from the session),
so a failing suite fails this test, which names the failing tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT
from helpers.checks import Exercise, all_lab_checks
from variant_harness import RECORD, Shortfall, shortfalls

HERE = Path(__file__).parent


def test_every_exercise_has_three_valid_styles_and_a_named_mistake(tmp_path: Path):
    record = tmp_path / "calls.jsonl"
    suites = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("test_lab[0-9][0-9]_variants.py"))
    env = {**os.environ, RECORD: str(record)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:randomly", *suites],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    failed = [line for line in run.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    assert run.returncode == 0, "the variant suites fail:\n" + "\n".join(failed or [run.stdout[-3000:]])
    calls = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    # Only the course's labs: a test elsewhere (tests/test_checks.py) may have registered a LabChecks of its
    # own in this process, and the registry is global.
    exercises = [
        e for checks in all_lab_checks().values() for e in checks.exercises.values()
        if e.function.__module__.startswith("helpers.labchecks.")
    ]
    missing = shortfalls(calls, exercises)
    assert not missing, "variant suites too thin:\n" + "\n".join(map(str, missing))


def _exercise(name: str = "gradient") -> Exercise:
    def gradient(fn):  # noqa: ARG001 - stands for a check
        return None

    gradient.__module__ = "helpers.labchecks.lab99"
    return Exercise("99_demo", name, "the gradient", "2/n X.T (Xw - y)", gradient, list)


def _calls(accepted: int, *fragments: list[str]) -> list[dict]:
    key = "helpers.labchecks.lab99.gradient"
    return [{"kind": "accepts", "check": key, "fragments": []}] * accepted + [
        {"kind": "rejects", "check": key, "fragments": f} for f in fragments
    ]


def test_shortfalls_counts_styles_and_only_rejections_that_name_the_mistake():
    assert shortfalls(_calls(3, ["the sign is flipped"]), [_exercise()]) == []
    key = "helpers.labchecks.lab99.gradient"
    assert shortfalls(_calls(2, ["the sign is flipped"]), [_exercise()]) == [Shortfall(key, 2, 1)]
    # "the gradient" and "2/n" are in every failure of this check: they name no mistake.
    assert shortfalls(_calls(3, ["the gradient"], ["2/N", "gradient"]), [_exercise()]) == [Shortfall(key, 3, 0)]
    assert shortfalls([], [_exercise()]) == [Shortfall(key, 0, 0)]
    assert "0 valid answers accepted (at least 3)" in str(Shortfall(key, 0, 0))
