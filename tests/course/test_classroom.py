"""The classroom command (instructor's view) and the per-learner endpoint limit, without a second user.

Learners here are folders of one test user (their names come from the folder, through a patched
``classroom.owner``); tests/course/test_classroom_isolation.py runs real Unix users.
"""

from __future__ import annotations

import json
import pwd
import subprocess
from pathlib import Path

import psutil
import pytest

from helpers import ROOT
from helpers.course import classroom
from helpers.platform.serving import limits, registry

NOON = "2026-12-07T12:00:00Z"


def _row(attempts: int, passed: bool) -> dict:
    row = {"first_attempt": "2026-12-07T11:00:00Z", "attempts": attempts, "passes": int(passed)}
    if passed:
        row["first_pass"] = NOON
    return row


def make_learner(base: Path, name: str, *, sharing: bool | None, exercises: dict | None = None) -> Path:
    """A learner's home ``base/<name>/.flywheel`` with consent ``sharing`` (None: never asked) and a
    progress record of lab ``01_intro`` holding ``exercises`` ({name: (attempts, passed)})."""
    from helpers.platform_home import progress_root

    home = base / name / ".flywheel"
    with classroom.store_of(home):
        folder = progress_root()
        folder.mkdir(parents=True)
        if sharing is not None:
            (folder / "consent.json").write_text(json.dumps({"recording": sharing, "learner": name}))
        if exercises is not None:
            record = {"schema": 1, "kind": "flywheel-progress", "learner": name, "quizzes": {},
                      "labs": {"01_intro": {"total": 3, "exercises": {
                          exercise: _row(*values) for exercise, values in exercises.items()}}}}
            (folder / "record.json").write_text(json.dumps(record))
    return home


@pytest.fixture
def sleeper():
    """A live process to stand for an endpoint's server (no model loaded: nothing to spend CPU on)."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def fake_live_endpoint(home: Path, name: str, process: subprocess.Popen) -> None:
    """An endpoint record whose server (``process``) runs: the registry reports it Creating."""
    with classroom.store_of(home):
        registry.write_record(name, {"EndpointName": name, "Local": {
            "LogFile": None, "SpawnPid": process.pid, "SpawnCreateTime": psutil.Process(process.pid).create_time()}})


@pytest.fixture
def room(tmp_path, monkeypatch, sleeper):
    monkeypatch.setattr(classroom, "owner", lambda home: (home.parent.name, 4242))
    make_learner(tmp_path, "alice", sharing=True, exercises={"e1": (1, True), "e2": (2, True), "e3": (5, False)})
    make_learner(tmp_path, "bob", sharing=True, exercises={"e1": (1, True), "e3": (3, False)})
    make_learner(tmp_path, "carol", sharing=False, exercises={"e1": (9, False)})  # opted out since
    make_learner(tmp_path, "dave", sharing=None)
    fake_live_endpoint(tmp_path / "alice" / ".flywheel", "churn-a", sleeper)
    return tmp_path


def test_status_shows_who_passed_what_where_the_room_is_stuck_and_live_endpoints(room, capsys):
    pattern = str(room / "*" / ".flywheel")
    assert classroom.main(["status", "--homes", pattern], ROOT) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()[:1] in
             (["alice"], ["bob"], ["carol"], ["dave"])}
    assert "churn-a" in lines["alice"] and "01 2/3" in lines["alice"]
    assert "01 1/3" in lines["bob"] and "churn-a" not in lines["bob"]
    assert "progress --on is off" in lines["carol"] and "9" not in lines["carol"]  # no data of an opted-out learner
    assert "progress --on is off" in lines["dave"]
    assert "4 learner home(s)" in out and "2 share their progress" in out
    # e3: both sharing learners made 3+ attempts without a pass; carol's e1 is not shared, so not stuck
    assert "01_intro e3: 2 of 2 stuck (alice, bob); room pass rate 0%" in out
    assert "e1:" not in out
    assert "classroom stop-endpoints --homes" in out


def test_the_stuck_threshold_is_an_option(room, capsys):
    classroom.main(["status", "--homes", str(room / "*" / ".flywheel"), "--stuck-attempts", "4"], ROOT)
    assert "01_intro e3: 1 of 2 stuck (alice)" in capsys.readouterr().out


def test_an_unusable_record_is_named_and_the_others_still_show(room, capsys):
    with classroom.store_of(room / "bob" / ".flywheel"):
        from helpers.platform_home import progress_root

        (progress_root() / "record.json").write_text("{not json")
    assert classroom.main(["status", "--homes", str(room / "*" / ".flywheel")], ROOT) == 1
    out = capsys.readouterr().out
    assert "Could not read:" in out and "bob: progress record unusable" in out and "not JSON" in out
    assert "01 2/3" in out  # alice is still reported


def test_a_glob_matching_nothing_says_what_to_give(tmp_path, capsys):
    assert classroom.main(["status", "--homes", str(tmp_path / "nobody" / "*")], ROOT) == 2
    assert "--homes '/home/*/.flywheel'" in capsys.readouterr().err


def test_another_users_home_needs_root_to_stop(tmp_path, monkeypatch):
    monkeypatch.setattr(classroom.os, "geteuid", lambda: 1000)
    with pytest.raises(PermissionError, match="as root"):
        classroom.cleanup_command(tmp_path, 1001, ROOT)
    argv, options = classroom.cleanup_command(tmp_path, 1000, ROOT)  # your own home: no switch of user
    assert argv[-2:] == ["helpers", "cleanup"] and "user" not in options
    assert options["env"]["FLYWHEEL_HOME"] == str(tmp_path)


# --- naming learners whose homes share an owner (Kubernetes: every pod is uid 1000) ----------------------


@pytest.fixture
def same_owner_room(tmp_path):
    """Two learners' homes owned by this test's user, as volumes copied from learner pods are."""
    make_learner(tmp_path, "ana", sharing=True, exercises={"e1": (1, True)})
    make_learner(tmp_path, "ben", sharing=True, exercises={"e1": (4, False)})
    return tmp_path


def _rows(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines() if "01 " in line}


def test_homes_sharing_an_owner_are_named_by_their_folder_saying_so(same_owner_room, capsys):
    me = classroom.owner(same_owner_room)[0]
    assert classroom.main(["status", "--homes", str(same_owner_room / "*" / ".flywheel")], ROOT) == 0
    out = capsys.readouterr().out
    assert "01 1/3" in _rows(out)["ana"] and "01 0/3" in _rows(out)["ben"]
    assert "01_intro e1: 1 of 2 stuck (ben)" in out
    assert f"named by their folder in --homes, as homes share an owner (2 belong to {me}); --name-by owner" in out


def test_name_by_owner_or_folder_when_asked(same_owner_room, capsys):
    me = classroom.owner(same_owner_room)[0]
    pattern = str(same_owner_room / "*" / ".flywheel")
    classroom.main(["status", "--homes", pattern, "--name-by", "owner"], ROOT)
    out = capsys.readouterr().out
    assert list(_rows(out)) == [me] and "share an owner" not in out  # one row: both homes have the one name
    classroom.main(["status", "--homes", str(same_owner_room / "ana" / ".flywheel"), "--name-by", "folder"], ROOT)
    assert list(_rows(capsys.readouterr().out)) == ["ana"]  # no wildcard: the folder holding .flywheel


def test_folder_names_come_from_what_the_wildcards_matched(tmp_path):
    home = tmp_path / "room1" / "ana" / ".flywheel"
    assert classroom.folder_name(home, str(tmp_path / "room1" / "*" / ".flywheel")) == "ana"
    assert classroom.folder_name(home, str(tmp_path / "room?" / "*" / ".flywheel")) == "room1/ana"
    assert classroom.folder_name(tmp_path / "ana", str(tmp_path / "*")) == "ana"
    owned = [(tmp_path / "a", "ana", 1001), (tmp_path / "b", "ben", 1002)]
    assert classroom.learner_names(owned, str(tmp_path / "*")) == (["ana", "ben"], None)  # distinct owners


def test_stop_endpoints_runs_cleanup_directly_for_the_callers_homes_named_by_folder(same_owner_room, monkeypatch,
                                                                                      capsys):
    runs = []

    def run(argv, **options):
        runs.append(options)
        learner = Path(options["env"]["FLYWHEEL_HOME"]).parent.name
        return subprocess.CompletedProcess(argv, 0, f"stopped {learner}\n", "")

    monkeypatch.setattr(classroom.subprocess, "run", run)
    assert classroom.main(["stop-endpoints", "--homes", str(same_owner_room / "*" / ".flywheel")], ROOT) == 0
    out = capsys.readouterr().out
    assert "ana: stopped ana" in out and "ben: stopped ben" in out and "share an owner" in out
    assert len(runs) == 2 and not any("user" in options for options in runs)  # the caller owns them: no switch


def test_root_stops_a_home_whose_owner_has_no_account_here_as_that_uid(tmp_path, monkeypatch):
    taken = {entry.pw_uid for entry in pwd.getpwall()}
    uid = next(uid for uid in range(4242, 5000) if uid not in taken)
    monkeypatch.setattr(classroom.os, "geteuid", lambda: 0)
    home = tmp_path / "ana" / ".flywheel"
    home.mkdir(parents=True)
    argv, options = classroom.cleanup_command(home, uid, ROOT)
    assert options["user"] == uid and options["group"] == home.stat().st_gid
    assert options["env"]["HOME"] == str(home.parent) and options["env"]["USER"] == str(uid)


# --- the endpoint limit ------------------------------------------------------------------------------


def test_a_deploy_over_the_limit_is_refused_naming_the_limit_the_endpoints_and_the_fix(
        flywheel_home, monkeypatch, sleeper, tmp_path):
    from helpers.platform.configs import SourceCode
    from helpers.platform.serving import ModelBuilder
    from serving_support import write_script_model

    monkeypatch.setenv(limits.MAX_ENDPOINTS_ENV, "1")
    fake_live_endpoint(flywheel_home, "first", sleeper)
    model_dir, code_dir = write_script_model(tmp_path / "model")
    builder = ModelBuilder(model_path=str(model_dir),
                           source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
    with pytest.raises(limits.EndpointLimitError) as refused:
        builder.deploy(endpoint_name="second")
    message = str(refused.value)
    assert "FLYWHEEL_MAX_ENDPOINTS=1" in message and "you have 1: first" in message
    assert "Endpoint('first').delete()" in message and "python -m helpers cleanup" in message
    assert registry.names() == ["first"]  # nothing of "second" was started or recorded
    assert limits.live_endpoints(besides="first") == []  # replacing "first" takes its own slot


def test_no_limit_by_default_and_a_bad_limit_names_the_variable(flywheel_home, monkeypatch, sleeper):
    fake_live_endpoint(flywheel_home, "first", sleeper)
    monkeypatch.delenv(limits.MAX_ENDPOINTS_ENV, raising=False)
    limits.check_endpoint_limit("second")  # a laptop: unlimited
    monkeypatch.setenv(limits.MAX_ENDPOINTS_ENV, "two")
    with pytest.raises(ValueError, match=r"FLYWHEEL_MAX_ENDPOINTS='two' .* FLYWHEEL_MAX_ENDPOINTS=2"):
        limits.check_endpoint_limit("second")
    monkeypatch.setenv(limits.MAX_ENDPOINTS_ENV, "2")
    limits.check_endpoint_limit("second")


def test_boto3_create_endpoint_over_the_limit_gets_the_same_message(tmp_path, monkeypatch, sleeper):
    import boto3

    from helpers.platform.configs import SourceCode
    from helpers.platform.serving import ModelBuilder
    from helpers.platform.serving.resources import EndpointConfig, ProductionVariant
    from helpers.platform.serving.runtime import use_local_runtime
    from serving_support import error_of, isolate, write_script_model

    isolate(monkeypatch, tmp_path / "home")
    monkeypatch.setenv(limits.MAX_ENDPOINTS_ENV, "1")  # the router, and the worker it starts, inherit it
    try:
        fake_live_endpoint(tmp_path / "home", "first", sleeper)
        model_dir, code_dir = write_script_model(tmp_path / "model")
        model = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
            source_dir=str(code_dir), entry_script="inference.py")).build(model_name="m")
        EndpointConfig.create("second", [ProductionVariant("AllTraffic", model.model_name)])
        use_local_runtime(start=True)
        error = error_of(lambda: boto3.client("sagemaker").create_endpoint(
            EndpointName="second", EndpointConfigName="second"))
        assert error["Code"] == "ResourceLimitExceeded"  # SageMaker's code for a quota reached
        assert "FLYWHEEL_MAX_ENDPOINTS=1" in error["Message"] and "you have 1: first" in error["Message"]
        assert registry.names() == ["first"]
    finally:
        registry.stop_all()
