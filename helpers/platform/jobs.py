"""Training job records on disk: ``<home>/jobs/<job name>/job.json`` in the DescribeTrainingJob shape.

Every write goes to a temporary file then ``os.replace``, so a reader never sees half a record and a
crash never leaves a job that looks Completed without its artifact. Records survive kernel restarts:
``describe_training_job`` and ``list_training_jobs`` read them back, and a job whose process died
with its notebook kernel is marked Failed the next time anyone looks. Its training process is killed
then only when it is provably the job's (same pid *and* start time): reading records never signals
a process the kit did not start.

Every read is checked against ``JOB_SCHEMA`` (``helpers.platform.records``): a corrupt ``job.json``
is skipped by ``list_training_jobs`` with a warning naming it, and ``describe`` of it is a clear error.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from helpers.platform import records
from helpers.platform.backend import dispatches
from helpers.platform.errors import FailedStatusError, StoppedError, TimeoutExceededError
from helpers.platform.records import INT, LIST, NULL, NUMBER, OBJECT, STR, CorruptRecord, field
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import jobs_root, private_dir

TERMINAL = ("Completed", "Failed", "Stopped")
PRIVATE = "FlywheelLocal"  # bookkeeping in job.json that DescribeTrainingJob does not have
_TIME_FIELDS = ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime")
STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
#: Seconds two start times of one process may differ by (psutil's create_time, read in two processes).
START_TIME_TOLERANCE = 1.0

#: What the readers of job.json rely on; other keys are free.
JOB_SCHEMA = {
    "TrainingJobName": field(STR, required=True),
    "TrainingJobStatus": field(STR, required=True, choices=STATUSES),
    "SecondaryStatus": field(STR),
    "TrainingJobArn": field(STR),
    "FailureReason": field(STR),
    **{key: field(STR, NULL) for key in _TIME_FIELDS},
    "SecondaryStatusTransitions": field(LIST, items=field(OBJECT, fields={"Status": field(STR),
                                                                          "StartTime": field(STR),
                                                                          "EndTime": field(STR)})),
    "FinalMetricDataList": field(LIST, items=field(OBJECT, fields={"MetricName": field(STR),
                                                                   "Value": field(NUMBER)})),
    "ModelArtifacts": field(OBJECT, fields={"S3ModelArtifacts": field(STR)}),
    "StoppingCondition": field(OBJECT, fields={"MaxRuntimeInSeconds": field(INT)}),
    PRIVATE: field(OBJECT, fields={
        "MonitorPid": field(INT, NULL), "MonitorStarted": field(NUMBER, NULL),
        "ProcessPid": field(INT, NULL), "ProcessStarted": field(NUMBER, NULL),
        "ArtifactUri": field(STR), "StopReason": field(STR)}),
}


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def job_dir(name: str) -> Path:
    return jobs_root() / name


def reserve_name(base_job_name: str) -> str:
    """A unique job name ``<base>-<YYYYmmddHHMMSS>`` (the SDK's form), plus ``-<n>`` if taken.

    The job folder is created here (``mkdir`` is atomic), so parallel jobs never share a name.
    """
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    return records.claim_folder(jobs_root(), base_job_name.replace("_", "-"), stamp, 63, "job")


def check_base_name(base_job_name: str) -> str:
    candidate = base_job_name.replace("_", "-")
    if not RESOURCE_NAME.match(candidate[:48] or "x"):
        raise ValueError(f"Invalid base_job_name {base_job_name!r}: use letters, digits and hyphens "
                         "(it must start with a letter or digit), e.g. 'churn-linear-learner'.")
    return candidate


def write_record(name: str, record: dict) -> None:
    """Write ``job.json`` atomically; a failed write (OSError, e.g. ENOSPC) leaves no temporary file."""
    folder = private_dir(job_dir(name))
    records.write_record(folder / "job.json", record, prefix=".job-")


def load_record(name: str) -> dict:
    """``job.json`` as stored (not reconciled): ValueError if there is none, CorruptRecord if unusable."""
    if not isinstance(name, str) or not RESOURCE_NAME.match(name):  # e.g. "../x" from a hostile tuning record
        raise ValueError(f"{name!r} is not a training job name: 1 to 63 letters, digits and hyphens.")
    return records.read_named(jobs_root(), name, "job.json", JOB_SCHEMA, name_key="TrainingJobName",
                              kind="Training job", known_label="Recent jobs", none_yet="No jobs have run yet.")


def read_record(name: str) -> dict:
    """The job's record, reconciled (an orphaned InProgress job becomes Failed)."""
    return _reconcile(name, load_record(name))


def record_names() -> list[str]:
    """Names of the folders under ``jobs/`` that hold a ``job.json``."""
    return records.folders_holding(jobs_root(), "job.json")


def corrupt_records() -> list[CorruptRecord]:
    """Every job record that cannot be read (for ``cleanup`` and the doctor)."""
    return records.corrupt_among(record_names(), load_record)


def process_alive(pid: int | None, started: float | None) -> bool:
    """True when ``pid`` is alive and is the process started at ``started`` (not a reused pid).

    Without ``started`` any live process with that pid counts: right for "is someone still watching
    this job?" (the cautious answer keeps the job InProgress), never enough to signal it: see
    :func:`same_process`.
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    if started is None:
        import psutil

        return psutil.pid_exists(pid)
    return same_process(pid, started)


def same_process(pid: int | None, started: float | None) -> bool:
    """True only when process ``pid`` exists and started at ``started`` (psutil create_time, seconds
    since the epoch, within START_TIME_TOLERANCE): the only proof that allows signalling it."""
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0 or started is None:
        return False  # psutil refuses pid <= 0, and os.killpg(0) would signal our own group
    import psutil

    try:
        return abs(psutil.Process(pid).create_time() - started) < START_TIME_TOLERANCE
    except psutil.Error:
        return False


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (psutil create_time, seconds since the epoch); None if it is gone."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def kill_group(pid: int | None, started: float | None) -> bool:
    """SIGKILL a job's process group, only if process ``pid`` still runs and started at ``started``.

    A pid alone proves nothing (the kernel reuses pids): without a matching start time nothing is
    signalled. Returns True when the group was signalled.
    """
    if not same_process(pid, started):
        return False
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        return False
    return True


_RUNS: dict[str, object] = {}  # name -> the LocalRun (helpers.platform.runner) of a job this process runs
_RUNS_LOCK = threading.Lock()


def register_run(run) -> None:
    """Remember ``run`` (a ``runner.LocalRun``) as the live run of its job in this process."""
    with _RUNS_LOCK:
        _RUNS[run.name] = run


def forget_run(run) -> None:
    with _RUNS_LOCK:
        if _RUNS.get(run.name) is run:
            _RUNS.pop(run.name)


def active(name: str):
    """The run (a ``runner.LocalRun``) of ``name`` started by this process, while it is known here; else None."""
    with _RUNS_LOCK:
        return _RUNS.get(name)


def raise_for_status(record: dict) -> None:
    status = record.get("TrainingJobStatus")
    if status == "Failed":
        raise FailedStatusError("TrainingJob", status, record.get("FailureReason", "(Unknown)"),
                                description=public_view(copy.deepcopy(record)))
    if status == "Stopped":
        message = record.get(PRIVATE, {}).get("StopReason", "it was stopped.")
        raise StoppedError(f"Training job {record.get('TrainingJobName')!r} stopped: {message}",
                           description=public_view(copy.deepcopy(record)))


def wait_for_record(name: str, poll: float = 0.5, timeout: float | None = None) -> dict:
    """Wait for a job started by another process (e.g. before a kernel restart) by polling job.json."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        record = read_record(name)
        if record.get("TrainingJobStatus") in TERMINAL:
            raise_for_status(record)
            return record
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutExceededError(f"Training job {name!r} is still {record.get('SecondaryStatus')}.")
        time.sleep(poll)


def _reconcile(name: str, record: dict) -> dict:
    """An InProgress job whose watching process is gone can never finish: mark it Failed."""
    if record.get("TrainingJobStatus") in TERMINAL:
        return record
    run = active(name)
    if run is not None:
        if run.done:  # ended here, but its last write failed (full disk): the run knows how it ended
            run.persist()
            return run.record()
        return record
    local = record.get(PRIVATE, {})
    if process_alive(local.get("MonitorPid"), local.get("MonitorStarted")):
        return record  # another live notebook is watching it
    reason = ("The Python process that ran this job exited before the job finished "
              "(kernel restarted or interrupted?). Run the training job again.")
    pid, started = local.get("ProcessPid"), local.get("ProcessStarted")
    if not kill_group(pid, started) and pid and started is None and process_alive(pid, None):
        # No start time: pid may have been reused by an unrelated process, so it is reported, not killed.
        reason += (f" Its training process was not stopped: the record has no start time to prove that pid "
                   f"{pid} is still the job's. Check with `ps -o pid,lstart,args -p {pid}` and stop it yourself "
                   "if it is.")
    record.update(TrainingJobStatus="Failed", SecondaryStatus="Failed", FailureReason=reason,
                  LastModifiedTime=now(), TrainingEndTime=record.get("TrainingEndTime") or now())
    record.setdefault("SecondaryStatusTransitions", []).append(
        {"Status": "Failed", "StartTime": now(), "StatusMessage": reason})
    try:
        write_record(name, record)
    except OSError:
        pass  # a read must not fail on a full disk: the next reader reconciles it again
    return record


def parse_time(value):
    """An ISO-8601 string from a record as a datetime (as boto3 returns times); anything else as is."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def public_view(record: dict) -> dict:
    """The record as ``boto3``'s describe_training_job returns it (datetimes, no private keys)."""
    out = {k: v for k, v in record.items() if k != PRIVATE}
    for key in _TIME_FIELDS:
        if key in out:
            out[key] = parse_time(out[key])
    for transition in out.get("SecondaryStatusTransitions", []):
        for key in ("StartTime", "EndTime"):
            if key in transition:
                transition[key] = parse_time(transition[key])
    for metric in out.get("FinalMetricDataList", []):
        metric["Timestamp"] = parse_time(metric.get("Timestamp"))
    return out


@dispatches
def describe_training_job(name: str) -> dict:
    """DescribeTrainingJob for a job (local jobs: works after a kernel restart)."""
    return public_view(read_record(name))


@dispatches
def list_training_jobs(name_contains: str | None = None, status_equals: str | None = None,
                       max_results: int = 100, sort_order: str = "Descending") -> list[dict]:
    """TrainingJobSummaries (newest first): name, ARN, status, creation/end times."""
    summaries = []
    wanted = (name for name in record_names() if not name_contains or name_contains in name)
    for _, record in records.readable(wanted, read_record):
        if status_equals and record.get("TrainingJobStatus") != status_equals:
            continue
        summary = {key: record.get(key) for key in
                   ("TrainingJobName", "TrainingJobArn", "CreationTime", "TrainingEndTime",
                    "LastModifiedTime", "TrainingJobStatus", "SecondaryStatus")}
        summaries.append(public_view(summary))
    summaries.sort(key=lambda s: (str(s.get("CreationTime")), s["TrainingJobName"]),
                   reverse=sort_order == "Descending")
    return summaries[:max_results]


# ----------------------------------------------------------------- the job object learners hold

_SPECIAL = {"s3": "S3", "gb": "GB", "id": "Id", "arn": "Arn", "ml": "ML", "kms": "Kms"}


def pascal_case(snake: str) -> str:
    """An SDK attribute name -> its API field: ``model_artifacts`` -> ``ModelArtifacts``."""
    return "".join(_SPECIAL.get(part, part.capitalize()) for part in snake.split("_"))


def _snake(pascal: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", pascal).lower()


def as_attributes(value):
    """A Describe* value with its PascalCase keys as snake_case attributes (nested), as the SDK's resources."""
    if isinstance(value, dict) and value and all(isinstance(k, str) and k[:1].isupper() for k in value):
        return SimpleNamespace(**{_snake(k): as_attributes(v) for k, v in value.items()})
    if isinstance(value, list):
        return [as_attributes(v) for v in value]
    return value


class TrainingJob:
    """A local training job, shaped like ``sagemaker.core.resources.TrainingJob``.

    ``describe()`` returns the DescribeTrainingJob dict; the SDK's snake_case attributes work too
    (``job.training_job_status``, ``job.model_artifacts.s3_model_artifacts``,
    ``job.final_metric_data_list[0].value``...), read from the latest record.
    """

    def __init__(self, training_job_name: str):
        self.training_job_name = training_job_name

    @classmethod
    def get(cls, training_job_name: str) -> "TrainingJob":
        read_record(training_job_name)  # clear error if unknown
        return cls(training_job_name)

    @property
    def name(self) -> str:
        return self.training_job_name

    @property
    def job_dir(self) -> Path:
        return job_dir(self.training_job_name)

    def describe(self) -> dict:
        run = active(self.training_job_name)
        if run is not None and run.done:
            run.persist()  # a final record that could not be written is retried at each look
        record = run.record() if run else read_record(self.training_job_name)
        return public_view(json.loads(json.dumps(record, default=str)))

    def refresh(self) -> "TrainingJob":
        return self

    def logs(self) -> str:
        """The job's full log so far (what CloudWatch would hold)."""
        path = self.job_dir / "logs.txt"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""

    def wait(self, poll: float = 0.5, timeout: float | None = None, logs: bool = False) -> None:
        """Block until the job ends; raise FailedStatusError if it failed (StoppedError if stopped)."""
        run = active(self.training_job_name)
        if run is not None:
            run.wait(logs=logs, timeout=timeout)
            return
        wait_for_record(self.training_job_name, poll=poll, timeout=timeout)

    def stop(self) -> None:
        run = active(self.training_job_name)
        if run is not None:
            run.stop("stop() was called.")

    def __getattr__(self, item: str):
        if item.startswith("_"):
            raise AttributeError(item)
        description = self.describe()
        key = pascal_case(item)
        if key in description:
            return as_attributes(description[key])
        if item in ("failure_reason", "model_artifacts", "final_metric_data_list", "training_end_time"):
            return None
        raise AttributeError(f"TrainingJob has no attribute {item!r}; describe() lists the fields: "
                             f"{', '.join(sorted(description))}.")

    def __repr__(self) -> str:
        return f"TrainingJob(training_job_name={self.training_job_name!r})"
