"""Corrupt and hostile records in the local store never break the others, and never get an unrelated
process signalled.

Each case writes one bad record (a training job's ``job.json``, a tuning job's ``tuning.json``, an
endpoint's ``endpoint.json`` / ``config.json`` / ``server.json``) next to good ones, with a real,
unrelated sleeping process standing by (its pid is written into the bad record wherever a pid fits),
then checks: the listing still works and its warning names the bad file, ``describe`` of it is a
clear error, ``python -m helpers cleanup`` still cleans the rest (an orphaned training process
killed, a left-running endpoint stopped and deleted), the bad folder is kept, and the bystander lives.
No real job or server runs: the "processes of the kit" are sleeping children started here.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from helpers.course import cleanup, doctor
from helpers.platform import jobs
from helpers.platform.records import CorruptRecord, CorruptRecordWarning
from helpers.platform.serving import registry
from serving_support import isolate
from helpers.platform.tuning import records as tuning_records

STAMP = "2026-01-01T00:00:00+00:00"


def _sleeper() -> subprocess.Popen:
    """A process of its own group (as a training job or a server is), doing nothing for a minute."""
    return subprocess.Popen(["sleep", "60"], start_new_session=True)


def _started(process: subprocess.Popen) -> float:
    return psutil.Process(process.pid).create_time()


@dataclass
class Store:
    home: Path
    bystander: subprocess.Popen  # unrelated: must survive everything
    orphan: subprocess.Popen  # the training process of a job whose notebook died: cleanup kills it
    server: subprocess.Popen  # the server of a left-running endpoint: cleanup stops it
    dead_pid: int

    @property
    def pid(self) -> int:
        return self.bystander.pid

    @property
    def pid_started(self) -> float:
        return _started(self.bystander)


@pytest.fixture
def store(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path / "home")
    exited = subprocess.Popen(["true"])
    exited.wait()
    processes = [_sleeper(), _sleeper(), _sleeper()]
    made = Store(tmp_path / "home", *processes, dead_pid=exited.pid)
    try:
        _good_records(made)
        yield made
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


# ----------------------------------------------------------------------------------- good records

def job_record(name: str, status: str = "Completed", **private) -> dict:
    return {"TrainingJobName": name, "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:0:training-job/{name}",
            "TrainingJobStatus": status, "SecondaryStatus": status, "CreationTime": STAMP, "LastModifiedTime": STAMP,
            "SecondaryStatusTransitions": [{"Status": status, "StartTime": STAMP}], "FinalMetricDataList": [],
            jobs.PRIVATE: {"MonitorPid": None, "MonitorStarted": None, **private}}


def tuning_record(name: str, status: str = "Completed", **private) -> dict:
    return {"HyperParameterTuningJobName": name, "HyperParameterTuningJobStatus": status, "CreationTime": STAMP,
            "HyperParameterTuningJobConfig": {"Strategy": "Random", "ResourceLimits": {"MaxNumberOfTrainingJobs": 1}},
            "TrainingJobStatusCounters": {}, "ObjectiveStatusCounters": {},
            jobs.PRIVATE: {"MonitorPid": None, "MonitorStarted": None, "TrainingJobSummaries": [], "Trials": {},
                           **private}}


def endpoint_files(name: str, pid: int, started: float) -> dict[str, dict]:
    return {
        "endpoint.json": {"EndpointName": name, "EndpointArn": registry.arn("endpoint", name),
                          "EndpointConfigName": name, "ProductionVariants": [], "CreationTime": STAMP,
                          "Local": {"LogFile": "server.log", "InvocationTimeoutSeconds": 60.0}},
        "config.json": {"EndpointName": name, "Variants": [], "InvocationTimeoutSeconds": 60.0},
        "server.json": {"Pid": pid, "PidCreateTime": started, "Port": 9, "Url": "http://127.0.0.1:9",
                        "Status": "InService"},
    }


def _write(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))


def _good_records(store: Store) -> None:
    _write(jobs.job_dir("good-job") / "job.json", job_record("good-job"))
    # A job whose notebook died while its training process (proved by pid and start time) runs on.
    _write(jobs.job_dir("orphan-job") / "job.json", job_record(
        "orphan-job", "InProgress", MonitorPid=store.dead_pid, MonitorStarted=1.0,
        ProcessPid=store.orphan.pid, ProcessStarted=_started(store.orphan)))
    _write(tuning_records.folder("good-tuning") / "tuning.json", tuning_record("good-tuning"))
    for file, content in endpoint_files("good-endpoint", store.server.pid, _started(store.server)).items():
        _write(registry.endpoint_dir("good-endpoint") / file, content)


# ----------------------------------------------------------------------------------- the bad ones

def _nest(depth: int) -> str:
    return "[" * depth + "]" * depth


def _set(path: tuple, value):
    """A change to a valid record: ``path`` is a key path into it, ``value`` may use the store."""
    def change(record: dict, store: Store) -> dict:
        target = record
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value(store) if callable(value) else value
        return record
    return change


_DELETE = object()
P = jobs.PRIVATE

# Malformations of the file as a whole: (id, content from the valid record's text).
WHOLE = [
    ("truncated", lambda text: text[: len(text) // 2]),
    ("empty", lambda text: ""),
    ("whitespace", lambda text: "  \n"),
    ("list", lambda text: "[]"),
    ("null", lambda text: "null"),
    ("number", lambda text: "5"),
    ("not-utf8", lambda text: b"\xff\xfe" + text.encode()),
    ("nested-too-deep", lambda text: _nest(100_000)),
]

# Wrong values inside: (kind, file, id, change).
INSIDE = [
    ("job", "job.json", "pid-abc", _set((P, "ProcessPid"), "abc")),
    ("job", "job.json", "status-5", _set(("TrainingJobStatus",), 5)),
    ("job", "job.json", "status-unknown", _set(("TrainingJobStatus",), "Exploded")),
    ("job", "job.json", "name-missing", _set(("TrainingJobName",), _DELETE)),
    ("job", "job.json", "name-of-another-job", _set(("TrainingJobName",), "good-job")),
    ("job", "job.json", "private-a-list", _set((P,), [])),
    ("job", "job.json", "started-a-string", _set((P, "ProcessStarted"), "yesterday")),
    ("job", "job.json", "pid-true", _set((P, "ProcessPid"), True)),
    ("job", "job.json", "transitions-a-string", _set(("SecondaryStatusTransitions",), "Training")),
    ("job", "job.json", "metric-value-text", _set(("FinalMetricDataList",), [{"MetricName": "m", "Value": "high"}])),
    ("job", "job.json", "time-a-number", _set(("CreationTime",), 5)),
    ("tuning", "tuning.json", "status-5", _set(("HyperParameterTuningJobStatus",), 5)),
    ("tuning", "tuning.json", "monitor-pid-abc", _set((P, "MonitorPid"), "abc")),
    ("tuning", "tuning.json", "summaries-an-object", _set((P, "TrainingJobSummaries"), {})),
    ("tuning", "tuning.json", "summary-without-name", _set((P, "TrainingJobSummaries"), [{"TrainingJobStatus": "x"}])),
    ("tuning", "tuning.json", "config-a-string", _set(("HyperParameterTuningJobConfig",), "Random")),
    ("tuning", "tuning.json", "name-of-another-job", _set(("HyperParameterTuningJobName",), "good-tuning")),
    ("endpoint", "endpoint.json", "local-a-string", _set(("Local",), "x")),
    ("endpoint", "endpoint.json", "spawn-pid-abc", _set(("Local", "SpawnPid"), "abc")),
    ("endpoint", "endpoint.json", "name-missing", _set(("EndpointName",), _DELETE)),
    ("endpoint", "endpoint.json", "variants-an-object", _set(("ProductionVariants",), {})),
    ("endpoint", "config.json", "variants-missing", _set(("Variants",), _DELETE)),
    ("endpoint", "config.json", "timeout-text", _set(("InvocationTimeoutSeconds",), "sixty")),
    ("endpoint", "server.json", "pid-abc", _set(("Pid",), "abc")),
    ("endpoint", "server.json", "start-time-missing", _set(("PidCreateTime",), _DELETE)),
    ("endpoint", "server.json", "start-time-a-string", _set(("PidCreateTime",), "now")),
    ("endpoint", "server.json", "port-text", _set(("Port",), "80")),
]

FILES = [("job", "job.json"), ("tuning", "tuning.json"), ("endpoint", "endpoint.json"), ("endpoint", "config.json"),
         ("endpoint", "server.json")]

CASES = ([pytest.param(kind, file, mangle, None, id=f"{file}-{name}") for kind, file in FILES for name, mangle in WHOLE]
         + [pytest.param(kind, file, None, change, id=f"{file}-{name}") for kind, file, name, change in INSIDE])

BAD = "bad-one"


def _valid(kind: str, file: str, store: Store) -> dict:
    """The record the bad one starts from: it names the bystander wherever a pid fits."""
    if kind == "job":
        return job_record(BAD, "InProgress", MonitorPid=store.dead_pid, MonitorStarted=1.0, ProcessPid=store.pid,
                          ProcessStarted=store.pid_started)
    if kind == "tuning":
        return tuning_record(BAD, "InProgress", MonitorPid=store.pid, MonitorStarted=store.pid_started)
    return endpoint_files(BAD, store.pid, store.pid_started)[file]


def _folder(kind: str, name: str) -> Path:
    return {"job": jobs.job_dir, "tuning": tuning_records.folder, "endpoint": registry.endpoint_dir}[kind](name)


def _write_bad(kind: str, file: str, store: Store, mangle, change) -> Path:
    if kind == "endpoint":  # the endpoint's other two files are good
        for other, content in endpoint_files(BAD, store.pid, store.pid_started).items():
            _write(_folder(kind, BAD) / other, content)
    record = _valid(kind, file, store)
    path = _folder(kind, BAD) / file
    _write(path, mangle(json.dumps(record, indent=2)) if mangle else change(record, store))
    return path


def _listing(kind: str) -> list[str]:
    if kind == "job":
        return [s["TrainingJobName"] for s in jobs.list_training_jobs()]
    if kind == "tuning":
        return [s["HyperParameterTuningJobName"] for s in tuning_records.list_hyper_parameter_tuning_jobs()]
    return [s["EndpointName"] for s in registry.list_endpoints()]


def _describe(kind: str, name: str) -> dict:
    if kind == "job":
        return jobs.describe_training_job(name)
    if kind == "tuning":
        return tuning_records.describe_hyper_parameter_tuning_job(name)
    return registry.describe_endpoint(name)


@pytest.mark.parametrize("kind, file, mangle, change", CASES)
def test_a_corrupt_record_is_named_skipped_and_spares_the_rest(store, kind, file, mangle, change, capsys):
    path = _write_bad(kind, file, store, mangle, change)

    with pytest.warns(CorruptRecordWarning) as caught:
        listed = _listing(kind)
    assert BAD not in listed and {"job": "good-job", "tuning": "good-tuning", "endpoint": "good-endpoint"}[kind] in listed
    message = " ".join(str(w.message) for w in caught)
    assert str(path) in message and "rm -r" in message

    with pytest.raises(CorruptRecord) as error:
        _describe(kind, BAD)
    assert str(path) in str(error.value) and "is corrupt" in str(error.value)

    assert cleanup.main([], root=None) == 0
    out = capsys.readouterr().out
    assert str(path) in out and "corrupt" in out
    assert "stopped endpoint 'good-endpoint'" in out  # the rest is cleaned...
    assert store.server.wait(5) is not None and not registry.endpoint_dir("good-endpoint").exists()
    assert store.orphan.wait(5) is not None
    assert jobs.describe_training_job("orphan-job")["TrainingJobStatus"] == "Failed"
    assert path.exists()  # ...the bad record is kept for its owner to look at
    assert store.bystander.poll() is None, "an unrelated process was signalled"
    finding = doctor.check_records()
    assert not finding.ok and finding.warning and str(path) in finding.detail and "rm -r" in finding.fix


# ------------------------------------------------------------------ well-formed, but naming a stranger

def test_a_job_record_without_a_start_time_never_kills_its_pid(store):
    _write(jobs.job_dir(BAD) / "job.json", job_record(BAD, "InProgress", MonitorPid=store.dead_pid,
                                                      MonitorStarted=1.0, ProcessPid=store.pid))
    assert BAD in _listing("job")
    described = jobs.describe_training_job(BAD)
    assert described["TrainingJobStatus"] == "Failed"
    assert f"pid {store.pid}" in described["FailureReason"] and "not stopped" in described["FailureReason"]
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


def test_a_tuning_record_naming_a_trial_outside_the_store_is_not_followed(store, tmp_path):
    outside = tmp_path / "outside" / "job.json"
    _write(outside, job_record("../../outside", "InProgress", MonitorPid=store.dead_pid, MonitorStarted=1.0,
                               ProcessPid=store.pid, ProcessStarted=store.pid_started))
    trial = {"TrainingJobName": "../../outside", "TrainingJobStatus": "InProgress"}
    _write(tuning_records.folder(BAD) / "tuning.json", tuning_record(BAD, "InProgress", MonitorPid=store.dead_pid,
                                                                     MonitorStarted=1.0, TrainingJobSummaries=[trial]))
    described = tuning_records.describe_hyper_parameter_tuning_job(BAD)
    assert described["HyperParameterTuningJobStatus"] == "Failed"
    assert json.loads(outside.read_text())["TrainingJobStatus"] == "InProgress"  # neither read nor rewritten
    assert store.bystander.poll() is None


@pytest.mark.parametrize("offset", [5.0, -3600.0])
def test_a_job_record_whose_start_time_does_not_match_never_kills_its_pid(store, offset):
    _write(jobs.job_dir(BAD) / "job.json", job_record(BAD, "InProgress", MonitorPid=store.dead_pid,
                                                      MonitorStarted=1.0, ProcessPid=store.pid,
                                                      ProcessStarted=store.pid_started + offset))
    assert jobs.describe_training_job(BAD)["TrainingJobStatus"] == "Failed"
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


@pytest.mark.parametrize("pid", [0, -1, 2 ** 40])
def test_a_job_record_with_an_impossible_pid_neither_crashes_nor_signals(store, pid):
    _write(jobs.job_dir(BAD) / "job.json", job_record(BAD, "InProgress", MonitorPid=pid, MonitorStarted=1.0,
                                                      ProcessPid=pid, ProcessStarted=store.pid_started))
    assert BAD in _listing("job") and jobs.describe_training_job(BAD)["TrainingJobStatus"] == "Failed"
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


@pytest.mark.parametrize("pid", [0, -1])
def test_an_endpoint_with_an_impossible_pid_neither_crashes_nor_signals(store, pid):
    files = endpoint_files(BAD, pid, store.pid_started)
    for file, content in files.items():
        _write(registry.endpoint_dir(BAD) / file, content)
    assert registry.describe_endpoint(BAD)["EndpointStatus"] == "Failed" and BAD in _listing("endpoint")
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


def test_a_job_watched_by_a_stranger_without_start_time_is_left_alone(store):
    _write(jobs.job_dir(BAD) / "job.json", job_record(BAD, "InProgress", MonitorPid=store.pid,
                                                      ProcessPid=store.pid))
    assert jobs.describe_training_job(BAD)["TrainingJobStatus"] == "InProgress"  # cannot tell: reported as is
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


@pytest.mark.parametrize("server", [
    pytest.param({"PidCreateTime": 0.0}, id="no-start-time"),
    pytest.param({"PidCreateTime": 12345.0}, id="start-time-of-another-process"),
])
def test_an_endpoint_naming_a_stranger_is_failed_and_never_stopped(store, server):
    files = endpoint_files(BAD, store.pid, store.pid_started)
    files["server.json"].update(server)
    for file, content in files.items():
        _write(registry.endpoint_dir(BAD) / file, content)
    described = registry.describe_endpoint(BAD)
    assert described["EndpointStatus"] == "Failed" and f"pid {store.pid}" in described["FailureReason"]
    assert store.pid not in [r.pid for r in registry.running_resources()]
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


def test_an_endpoint_whose_deploy_pid_has_no_start_time_is_never_stopped(store):
    files = endpoint_files(BAD, store.pid, store.pid_started)
    files["endpoint.json"]["Local"].update(SpawnPid=store.pid)  # no SpawnCreateTime, no server.json
    for file in ("endpoint.json", "config.json"):
        _write(registry.endpoint_dir(BAD) / file, files[file])
    assert registry.describe_endpoint(BAD)["EndpointStatus"] == "Failed"
    registry.delete_endpoint(BAD)
    assert cleanup.main([], root=None) == 0
    assert store.bystander.poll() is None


def test_cleanup_list_reports_corrupt_records_and_changes_nothing(store, capsys):
    path = _write_bad("job", "job.json", store, WHOLE[0][1], None)
    assert cleanup.main(["--list"], root=None) == 0
    out = capsys.readouterr().out
    assert str(path) in out and "good-endpoint" in out
    assert store.server.poll() is None and store.orphan.poll() is None and store.bystander.poll() is None


# ------------------------------------------------------------------------------ the runtime router

def _runtime_state_file() -> Path:
    from helpers.platform.serving import runtime

    return runtime.state_file()


@pytest.mark.parametrize("state, word", [
    pytest.param(lambda store: {"Pid": store.dead_pid, "PidCreateTime": 1.0, "Port": 9, "Url": "http://127.0.0.1:9"},
                 "dead", id="dead"),
    pytest.param(lambda store: {"Pid": "abc", "PidCreateTime": 1.0}, "dead", id="pid-abc"),
    pytest.param(lambda store: {"Pid": -1, "PidCreateTime": "now"}, "dead", id="pid-negative"),
])
def test_a_dead_runtime_router_is_reported_with_the_fix_and_cleaned(store, capsys, state, word):
    _write(_runtime_state_file(), state(store))
    finding = doctor.check_runtime()
    assert not finding.ok and finding.warning and word in finding.detail and "python -m helpers cleanup" in finding.fix
    assert cleanup.main(["--list"], root=None) == 0
    assert f"The local SageMaker Runtime is {word}" in capsys.readouterr().out and _runtime_state_file().exists()
    assert cleanup.main([], root=None) == 0
    assert "removed the stale state file of the local SageMaker Runtime" in capsys.readouterr().out
    assert not _runtime_state_file().exists()
    assert doctor.check_runtime().ok and "not started" in doctor.check_runtime().detail
    assert store.bystander.poll() is None


def test_a_running_runtime_router_is_left_alone(store):
    _write(_runtime_state_file(), {"Pid": store.server.pid, "PidCreateTime": _started(store.server), "Port": 9,
                                   "Url": "http://127.0.0.1:9"})
    finding = doctor.check_runtime()
    assert finding.ok and "running" in finding.detail
    assert not cleanup.remove_stale_runtime_state() and _runtime_state_file().exists()
