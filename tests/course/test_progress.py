"""The learner's opt-in progress record (helpers.learning_record), the check hook, and `progress` (its command)."""

from __future__ import annotations

import getpass
import json
import socket
import stat
from pathlib import Path

import pytest

from helpers import learning_record
from helpers.checks import CheckFailed, expect_failure
from helpers.course import progress_cmd
from helpers.labchecks.lab00 import check

RIGHT = lambda t, p: sum(a == b for a, b in zip(t, p)) / len(t)
COUNT = lambda t, p: sum(a == b for a, b in zip(t, p))  # a count, not a fraction: fails


@pytest.fixture
def learner(flywheel_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A learner's shell: no CI, no SMOKE, no FLYWHEEL_PROGRESS. (pytest sets PYTEST_CURRENT_TEST again
    before each test's body, so a test that needs a shell outside pytest calls ``outside_pytest``.)"""
    for name in ("CI", "FLYWHEEL_SMOKE", learning_record.ENV):
        monkeypatch.delenv(name, raising=False)
    return flywheel_home


def outside_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)


@pytest.fixture
def recording(learner: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A learner who opted in, in a test that says so explicitly (FLYWHEEL_PROGRESS=1)."""
    learning_record.set_consent(True)
    monkeypatch.setenv(learning_record.ENV, "1")
    return learner


def run_check(answer) -> str:
    """Run lab 00's accuracy check as a notebook cell would; return its printed line or failure message."""
    try:
        check.accuracy(answer)
    except CheckFailed as failure:
        return str(failure)
    return "passed"


# --- consent -------------------------------------------------------------------------------------


def test_recording_is_off_by_default_and_a_check_writes_nothing(learner: Path, monkeypatch):
    outside_pytest(monkeypatch)
    assert not learning_record.enabled()
    assert run_check(RIGHT) == "passed"
    assert not learning_record.record_path().exists()


@pytest.mark.parametrize("variable, value", [("CI", "true"), ("FLYWHEEL_SMOKE", "1"), ("PYTEST_CURRENT_TEST", "t"),
                                             (learning_record.ENV, "0")])
def test_automated_runs_and_the_off_switch_never_record_even_after_consent(recording, monkeypatch, variable, value):
    monkeypatch.delenv(learning_record.ENV)
    outside_pytest(monkeypatch)
    assert learning_record.enabled()
    monkeypatch.setenv(variable, value)
    assert not learning_record.enabled()
    run_check(RIGHT)
    assert not learning_record.record_path().exists()


def test_the_environment_forces_recording_on(learner, monkeypatch, capsys):
    monkeypatch.setenv(learning_record.ENV, "1")
    monkeypatch.setenv("CI", "true")
    assert learning_record.enabled()
    assert progress_cmd.main(["--on"]) == 0
    assert "does not record now" not in capsys.readouterr().out  # it does: the variable outranks CI
    monkeypatch.delenv(learning_record.ENV)
    assert progress_cmd.main(["--on"]) == 0
    assert "this shell does not record now (CI is set)" in capsys.readouterr().out


def test_on_and_off_from_the_command_line_keep_one_learner_id(learner, capsys, monkeypatch):
    outside_pytest(monkeypatch)
    assert progress_cmd.main(["--on"]) == 0
    first = json.loads((learner / "progress" / "consent.json").read_text())
    assert first["recording"] and learning_record.enabled()
    assert progress_cmd.main(["--off"]) == 0
    second = json.loads((learner / "progress" / "consent.json").read_text())
    assert not second["recording"] and not learning_record.enabled()
    assert second["learner"] == first["learner"]
    assert "Never your code" in capsys.readouterr().out


# --- what a check records ------------------------------------------------------------------------


def test_a_check_records_first_attempt_attempts_and_first_pass_in_an_owner_only_file(recording: Path):
    assert "Hint" in run_check(COUNT)
    assert run_check(RIGHT) == "passed"
    run_check(RIGHT)
    row = learning_record.load()["labs"]["00_welcome"]["exercises"]["accuracy"]
    assert (row["attempts"], row["passes"], row["position"]) == (3, 2, 0)
    assert row["first_attempt"] <= row["first_pass"]
    assert learning_record.load()["labs"]["00_welcome"]["total"] == len(check.exercises)
    for name in ("record.json", "consent.json"):
        assert stat.S_IMODE((recording / "progress" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((recording / "progress").stat().st_mode) == 0o700


def test_a_failure_shown_on_purpose_is_not_the_learners_attempt(recording: Path):
    with expect_failure():
        check.accuracy(COUNT)  # the notebook's demonstration of a failing check
    assert not learning_record.record_path().exists()
    run_check(RIGHT)
    assert learning_record.load()["labs"]["00_welcome"]["exercises"]["accuracy"]["attempts"] == 1


def test_opening_a_lab_is_recorded_once_by_its_first_cell(recording: Path, monkeypatch, capsys):
    from helpers.course import notebook
    from helpers.platform import switch

    monkeypatch.setattr(switch, "point_boto3", lambda: None)  # no router for this test
    notebook.setup("00_welcome")
    opened = learning_record.load()["labs"]["00_welcome"]["opened"]
    run_check(RIGHT)
    notebook.setup("00_welcome")  # the learner restarts the kernel: the lab was opened earlier
    entry = learning_record.load()["labs"]["00_welcome"]
    assert entry["opened"] == opened <= entry["exercises"]["accuracy"]["first_attempt"]


def test_a_quiz_keeps_its_first_answer(recording: Path):
    learning_record.record_quiz("04", 2, False)
    learning_record.record_quiz("04", 2, True)
    row = learning_record.load()["quizzes"]["04"]["2"]
    assert (row["first_correct"], row["correct"], row["answers"]) == (False, True, 2)


def test_a_corrupt_record_is_moved_aside_and_a_failing_check_still_says_why(recording: Path, capsys):
    folder = recording / "progress"
    (folder / "record.json").write_text("{ half a file")
    message = run_check(COUNT)
    assert "divide by len(y_true)" in message
    assert "kept it as record.json.broken-" in capsys.readouterr().err
    assert [p.read_text() for p in folder.glob("record.json.broken-*")] == ["{ half a file"]
    assert learning_record.load()["labs"]["00_welcome"]["exercises"]["accuracy"]["attempts"] == 1


def test_an_unwritable_record_never_reaches_the_check(recording: Path, capsys):
    (recording / "progress" / "record.json").mkdir()  # a folder where the file should be
    assert run_check(RIGHT) == "passed"
    assert "could not save your progress" in capsys.readouterr().err


def test_the_learner_sees_labs_exercises_quizzes_and_the_file(recording: Path, capsys):
    run_check(COUNT)
    run_check(RIGHT)
    learning_record.record_quiz("00", 1, True)
    assert progress_cmd.main([]) == 0
    out = capsys.readouterr().out
    assert f"00_welcome: 1 of {len(check.exercises)} exercises passed" in out
    assert "accuracy  passed, 0.0 min from first attempt to first pass (2 attempts)" in out
    assert "00: 1 / 1" in out
    assert str(learning_record.record_path()) in out


def test_an_export_of_nothing_says_how_to_record_first(recording: Path, tmp_path: Path, capsys):
    assert progress_cmd.main(["--export", str(tmp_path / "empty.json")]) == 1
    assert "nothing is recorded yet: opt in with `python -m helpers progress --on`" in capsys.readouterr().err
    assert not (tmp_path / "empty.json").exists()


def test_a_broken_record_is_reported_by_the_progress_command(recording: Path, capsys):
    learning_record.record_path().write_text("[]")
    assert progress_cmd.main([]) == 1
    assert "not a Flywheel progress file" in capsys.readouterr().err


def test_an_export_holds_times_and_counts_but_no_paths_or_names(recording: Path, tmp_path: Path):
    run_check(RIGHT)
    learning_record.record_quiz("00", 1, True)
    assert progress_cmd.main(["--export", str(tmp_path / "mine.json")]) == 0
    text = (tmp_path / "mine.json").read_text()
    shared = json.loads(text)
    assert set(shared) == {"schema", "kind", "source", "learner", "exported", "labs", "quizzes"}
    assert shared["learner"] == learning_record.load()["learner"]
    for private in (str(recording), str(tmp_path), getpass.getuser(), socket.gethostname(), "/"):
        assert private not in text.replace("\\/", ""), private


# --- a room ------------------------------------------------------------------------------------------


def export_file(folder: Path, learner: str, exercises: dict[str, tuple[str, str | None]], *, total: int | None = None,
                opened: str | None = None, lab: str = "04_linear_regression_gd") -> Path:
    """An exported file with the given (first attempt, first pass) times, as ``HH:MM`` on one day."""
    rows = {}
    for position, (name, (start, end)) in enumerate(exercises.items()):
        rows[name] = {"first_attempt": f"2026-03-02T{start}:00Z", "attempts": 2, "passes": 1 if end else 0,
                      "position": position}
        if end:
            rows[name]["first_pass"] = f"2026-03-02T{end}:00Z"
    entry = {"exercises": rows, "total": total or len(rows)}
    if opened:
        entry["opened"] = f"2026-03-02T{opened}:00Z"
    data = {"schema": 1, "kind": "flywheel-progress", "source": "learner record", "learner": learner,
            "exported": "2026-03-02T17:00:00Z", "labs": {lab: entry}, "quizzes": {}}
    path = folder / f"{learner}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def room(tmp_path: Path) -> list[Path]:
    """Five learners who passed `predict` after 1, 2, 3, 4 and 10 minutes and one who did not pass it."""
    files = [export_file(tmp_path, f"l{n}", {"predict": ("09:00", f"09:{minutes:02d}"), "loss": ("09:30", "09:40")})
             for n, minutes in enumerate([1, 2, 3, 4, 10])]
    files.append(export_file(tmp_path, "stuck", {"predict": ("09:00", None)}, total=2))
    return files


def test_the_merge_gives_learners_median_p80_and_pass_rate(room):
    stats = learning_record.merge(room)
    assert stats.errors == []
    predict, loss = stats.exercises
    assert (predict.lab, predict.exercise, predict.learners) == ("04_linear_regression_gd", "predict", 6)
    assert predict.median_minutes == pytest.approx(3.0)
    assert predict.p80_minutes == pytest.approx(4 + 0.2 * (10 - 4))  # linear between the 4th and 5th of five
    assert predict.pass_rate == pytest.approx(5 / 6)
    assert (loss.exercise, loss.median_minutes, loss.pass_rate) == ("loss", 10.0, 1.0)


def test_lab_minutes_are_a_quantile_of_learners_totals_with_long_pauses_capped(tmp_path: Path):
    # Totals: 20, 30 and 40 minutes of work, the last with a 2-hour lunch counted as IDLE_CAP_MINUTES.
    files = [export_file(tmp_path, "a", {"predict": ("09:00", "09:10"), "loss": ("09:10", "09:20")}),
             export_file(tmp_path, "b", {"predict": ("09:05", "09:15"), "loss": ("09:15", "09:35")}, opened="09:05"),
             export_file(tmp_path, "c", {"predict": ("09:00", "09:20"), "loss": ("11:20", "11:40")}),
             export_file(tmp_path, "d", {"predict": ("09:00", "09:20")}, total=2)]  # did not finish: not counted
    stats = learning_record.merge(files)
    cap = learning_record.IDLE_CAP_MINUTES
    totals = sorted([20.0, 30.0, 40.0 + cap])
    assert stats.lab_minutes("04_linear_regression_gd", 0.5) == pytest.approx(totals[1])
    assert stats.lab_minutes("04", 0.8) == pytest.approx(totals[1] + 0.6 * (totals[2] - totals[1]))
    assert stats.lab_minutes("05") is None


def test_bad_files_are_named_with_what_is_wrong_and_the_rest_still_merge(room, tmp_path: Path, capsys):
    (tmp_path / "notjson.json").write_text("{")
    (tmp_path / "other.json").write_text(json.dumps({"hello": 1}))
    (tmp_path / "future.json").write_text(json.dumps({"kind": "flywheel-progress", "schema": 99, "labs": {}}))
    (tmp_path / "quiz.json").write_text(json.dumps({"kind": "flywheel-progress", "schema": 1, "labs": {},
                                                    "quizzes": {"04": [1, 2]}}))
    bad_time = json.loads(room[0].read_text())
    bad_time["learner"] = "bad-time"
    bad_time["labs"]["04_linear_regression_gd"]["exercises"]["predict"]["first_pass"] = "yesterday"
    (tmp_path / "badtime.json").write_text(json.dumps(bad_time))
    bad = ["notjson.json", "other.json", "future.json", "quiz.json", "badtime.json", "missing.json"]
    code = progress_cmd.main(["--merge", *map(str, room), *(str(tmp_path / name) for name in bad)])
    captured = capsys.readouterr()
    assert code == 1
    errors = captured.err.splitlines()
    for name, why in zip(bad, ["not JSON", "not a Flywheel progress file", "schema 99", "quiz '04' must map",
                               "'yesterday' is not a UTC time", "no such file"]):
        assert any(name in line and why in line for line in errors), (name, why, errors)
    assert "Merged 6 learners' files" in captured.out
    assert "04_linear_regression_gd predict" in captured.out and "83%" in captured.out


def test_the_same_learner_twice_counts_once(room, tmp_path: Path):
    again = json.loads(room[0].read_text())
    again["exported"] = "2026-03-03T17:00:00Z"
    (tmp_path / "again.json").write_text(json.dumps(again))
    stats = learning_record.merge([*room, tmp_path / "again.json"])
    assert stats.exercises[0].learners == 6
    assert any("the same learner" in error for error in stats.errors)
