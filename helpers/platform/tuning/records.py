"""Tuning job records on disk: ``<home>/tuning-jobs/<name>/tuning.json``, in the
DescribeHyperParameterTuningJob shape, plus each trial's TrainingJobSummary (the shape of
ListTrainingJobsForHyperParameterTuningJob) under a private key.

Written atomically after every change, so a tuning job can be described, analysed and browsed after
a kernel restart. A job left ``InProgress`` by a Python process that no longer exists is marked
``Failed`` the next time anyone reads it (its training jobs reconcile themselves the same way).

Reads are checked against ``TUNING_SCHEMA`` (``helpers.platform.records``): a corrupt ``tuning.json``
is skipped by the listing with a warning naming it, and describing it is a clear error.
"""

from __future__ import annotations

import copy
import re
import threading
from datetime import datetime
from pathlib import Path

from helpers.platform import jobs
from helpers.platform import records as store
from helpers.platform.backend import dispatches
from helpers.platform.records import INT, LIST, NULL, NUMBER, OBJECT, STR, CorruptRecord, field
from helpers.platform_home import private_dir, tuning_jobs_root

TERMINAL = ("Completed", "Failed", "Stopped")
PRIVATE = jobs.PRIVATE
_TIME_FIELDS = ("CreationTime", "HyperParameterTuningEndTime", "LastModifiedTime")
_SUMMARY_TIME_FIELDS = ("CreationTime", "TrainingStartTime", "TrainingEndTime")
#: SageMaker's limit on tuning job names.
MAX_NAME = 32
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")

#: What the readers of tuning.json rely on; other keys are free.
TUNING_SCHEMA = {
    "HyperParameterTuningJobName": field(STR, required=True),
    "HyperParameterTuningJobStatus": field(STR, required=True,
                                           choices=("InProgress", "Completed", "Failed", "Stopping", "Stopped")),
    "HyperParameterTuningJobArn": field(STR),
    **{key: field(STR, NULL) for key in _TIME_FIELDS},
    "HyperParameterTuningJobConfig": field(OBJECT, fields={
        "Strategy": field(STR), "ResourceLimits": field(OBJECT),
        "HyperParameterTuningJobObjective": field(OBJECT, fields={"MetricName": field(STR), "Type": field(STR)})}),
    "TrainingJobStatusCounters": field(OBJECT),
    "ObjectiveStatusCounters": field(OBJECT),
    "BestTrainingJob": field(OBJECT, fields={"TrainingJobName": field(STR, required=True)}),
    "FailureReason": field(STR),
    PRIVATE: field(OBJECT, fields={
        "MonitorPid": field(INT, NULL), "MonitorStarted": field(NUMBER, NULL),
        "TrainingJobSummaries": field(LIST, items=field(OBJECT, fields={
            "TrainingJobName": field(STR, required=True), "TrainingJobStatus": field(STR)})),
        "Trials": field(OBJECT)}),
}

_ACTIVE: dict[str, object] = {}
_ACTIVE_LOCK = threading.Lock()


def root() -> Path:
    return tuning_jobs_root()


def folder(name: str) -> Path:
    return root() / name


def register_active(name: str, run) -> None:
    with _ACTIVE_LOCK:
        _ACTIVE[name] = run


def unregister_active(name: str) -> None:
    with _ACTIVE_LOCK:
        _ACTIVE.pop(name, None)


def active(name: str):
    """The running tuning loop of ``name`` in this process, if any."""
    with _ACTIVE_LOCK:
        return _ACTIVE.get(name)


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise ValueError(f"Invalid tuning job name {name!r}: 1 to {MAX_NAME} letters, digits and hyphens, starting "
                         "with a letter or digit (SageMaker's rule), e.g. 'churn-xgb'.")
    return name


def reserve_name(base: str, job_name: str | None = None) -> str:
    """A unique tuning job name: ``job_name`` as given, else ``<base>-<yymmdd-HHMMSS>`` (<= 32 chars).

    The folder is created here (``mkdir`` is atomic), so two tuners never share a name.
    """
    private_dir(root())
    if job_name is not None:
        check_name(job_name)
        try:
            folder(job_name).mkdir(mode=0o700)
        except FileExistsError:
            raise ValueError(f"A tuning job named {job_name!r} already exists: pick another job_name, or leave it out "
                             "for a generated one.") from None
        return job_name
    base = re.sub(r"[^a-zA-Z0-9-]", "-", base or "tuning").strip("-") or "tuning"
    stamp = datetime.now().strftime("%y%m%d-%H%M%S")
    return store.claim_folder(root(), base, stamp, MAX_NAME, "tuning job")


def write(name: str, record: dict) -> None:
    """Write ``tuning.json`` atomically; a failed write (OSError, e.g. ENOSPC) leaves no temporary file."""
    target = private_dir(folder(name))
    store.write_record(target / "tuning.json", record, prefix=".tuning-")


def known_names() -> list[str]:
    return store.folders_holding(root(), "tuning.json")


def load(name: str) -> dict:
    """``tuning.json`` as stored (not reconciled): ValueError if there is none, CorruptRecord if unusable."""
    check_name(name)
    return store.read_named(root(), name, "tuning.json", TUNING_SCHEMA, name_key="HyperParameterTuningJobName",
                            kind="Hyperparameter tuning job", known_label="Known tuning jobs",
                            none_yet="No tuning job has run yet.")


def read(name: str) -> dict:
    """The stored record (the live one while this process runs the job), reconciled."""
    run = active(name)
    if run is not None:
        if run.done:
            run.persist()  # its final record could not be written (full disk): retried at each look
        return run.record()
    return _reconcile(name, load(name))


def corrupt_records() -> list[CorruptRecord]:
    """Every tuning job record that cannot be read (for ``cleanup`` and the doctor)."""
    return store.corrupt_among(known_names(), load)


def _reconcile(name: str, record: dict) -> dict:
    """A tuning job whose Python process is gone can never finish: mark it (and its open trials) Failed."""
    if record.get("HyperParameterTuningJobStatus") in TERMINAL:
        return record
    local = record.get(PRIVATE, {})
    if jobs.process_alive(local.get("MonitorPid"), local.get("MonitorStarted")):
        return record
    for summary in local.get("TrainingJobSummaries", []):
        if summary.get("TrainingJobStatus") == "InProgress":
            try:
                job = jobs.read_record(summary["TrainingJobName"])  # reconciles the training job too
            except ValueError:
                job = {"TrainingJobStatus": "Failed"}
            summary["TrainingJobStatus"] = job.get("TrainingJobStatus", "Failed")
            summary["FailureReason"] = job.get("FailureReason", "")
    reason = ("The Python process that ran this tuning job exited before it finished (kernel restarted or "
              "interrupted?). Start the tuning job again.")
    record.update(HyperParameterTuningJobStatus="Failed", FailureReason=reason, LastModifiedTime=jobs.now(),
                  HyperParameterTuningEndTime=record.get("HyperParameterTuningEndTime") or jobs.now())
    try:
        write(name, record)
    except OSError:
        pass  # a read must not fail on a full disk: the next reader reconciles it again
    return record


def _public(record: dict, time_fields) -> dict:
    """A deep copy of ``record`` without the private keys, its ``time_fields`` as datetimes."""
    out = {k: v for k, v in copy.deepcopy(record).items() if k != PRIVATE}
    for key in time_fields:
        if key in out:
            out[key] = jobs.parse_time(out[key])
    return out


def public_summary(summary: dict) -> dict:
    return _public(summary, _SUMMARY_TIME_FIELDS)


def public_view(record: dict) -> dict:
    """DescribeHyperParameterTuningJob as boto3 returns it (datetimes, no private keys)."""
    out = _public(record, _TIME_FIELDS)
    if out.get("BestTrainingJob"):
        out["BestTrainingJob"] = public_summary(out["BestTrainingJob"])
    return out


@dispatches
def describe_hyper_parameter_tuning_job(name: str) -> dict:
    """DescribeHyperParameterTuningJob (local jobs: also after a kernel restart)."""
    return public_view(read(name))


@dispatches
def list_training_jobs_for_hyper_parameter_tuning_job(name: str) -> list[dict]:
    """The TrainingJobSummaries of a tuning job's trials, in the order they were started."""
    return [public_summary(s) for s in read(name).get(PRIVATE, {}).get("TrainingJobSummaries", [])]


@dispatches
def list_hyper_parameter_tuning_jobs(name_contains: str | None = None) -> list[dict]:
    """HyperParameterTuningJobSummaries, newest first (on the sagemaker backend: the account's)."""
    summaries = []
    wanted = (name for name in known_names() if not name_contains or name_contains in name)
    for _, record in store.readable(wanted, read):
        config = record.get("HyperParameterTuningJobConfig", {})
        summaries.append(public_view({
            key: record.get(key) for key in ("HyperParameterTuningJobName", "HyperParameterTuningJobArn",
                                             "HyperParameterTuningJobStatus", "CreationTime",
                                             "HyperParameterTuningEndTime", "LastModifiedTime",
                                             "TrainingJobStatusCounters", "ObjectiveStatusCounters")
        } | {"Strategy": config.get("Strategy"), "ResourceLimits": config.get("ResourceLimits")}))
    summaries.sort(key=lambda s: str(s.get("CreationTime")), reverse=True)
    return summaries


def objective_history(name: str, training_job_name: str) -> list[float]:
    """The objective metric's values as a trial logged them (one per epoch / round)."""
    trials = read(name).get(PRIVATE, {}).get("Trials", {})
    if training_job_name not in trials:
        raise ValueError(f"{training_job_name!r} is not a training job of tuning job {name!r}.")
    return list(trials[training_job_name].get("ObjectiveHistory", []))


def raise_if_failed(description: dict) -> None:
    """FailedStatusError for a Failed tuning job, with SDK v3's arguments (resource type, status, reason)."""
    if description.get("HyperParameterTuningJobStatus") == "Failed":
        from helpers.platform.errors import FailedStatusError

        raise FailedStatusError("HyperParameterTuningJob", "Failed", description.get("FailureReason") or "(Unknown)",
                                description)


class HyperParameterTuningJob:
    """A local tuning job, shaped like ``sagemaker.core.resources.HyperParameterTuningJob``.

    ``HyperParameterTuningJob.get(name)`` finds one again after a kernel restart; ``describe()``
    gives the DescribeHyperParameterTuningJob dict; snake_case attributes read from it
    (``job.hyper_parameter_tuning_job_status``, ``job.best_training_job.training_job_name``).
    """

    def __init__(self, hyper_parameter_tuning_job_name: str):
        self.hyper_parameter_tuning_job_name = hyper_parameter_tuning_job_name

    @classmethod
    def get(cls, hyper_parameter_tuning_job_name: str) -> "HyperParameterTuningJob":
        read(hyper_parameter_tuning_job_name)  # a clear error when unknown
        return cls(hyper_parameter_tuning_job_name)

    @property
    def name(self) -> str:
        return self.hyper_parameter_tuning_job_name

    def describe(self) -> dict:
        return public_view(read(self.name))

    def refresh(self) -> "HyperParameterTuningJob":
        return self

    def training_job_summaries(self) -> list[dict]:
        return [public_summary(s) for s in read(self.name).get(PRIVATE, {}).get("TrainingJobSummaries", [])]

    def objective_history(self, training_job_name: str) -> list[float]:
        return objective_history(self.name, training_job_name)

    def wait(self, poll: float = 0.5, timeout: float | None = None) -> None:
        """Block until the tuning job ends (it runs in this process, or ran in one that is gone).

        As SDK v3's ``HyperParameterTuningJob.wait``: ``FailedStatusError`` (with the FailureReason and
        ``.description``) when it ended Failed; Completed and Stopped return quietly. ``poll`` and
        ``timeout`` in seconds; ``TimeoutExceededError`` after ``timeout`` (the job keeps running).
        """
        import time

        run = active(self.name)
        if run is not None:
            run.wait(timeout=timeout)
        else:
            deadline = None if timeout is None else time.monotonic() + timeout
            while read(self.name).get("HyperParameterTuningJobStatus") not in TERMINAL:
                if deadline is not None and time.monotonic() >= deadline:
                    from helpers.platform.errors import TimeoutExceededError

                    raise TimeoutExceededError(f"Tuning job {self.name!r} is still running after {timeout} s.")
                time.sleep(poll)
        raise_if_failed(self.describe())

    def stop(self) -> None:
        """Stop the tuning job: running trials are stopped, no new ones start."""
        run = active(self.name)
        if run is not None:
            run.request_stop()

    def __getattr__(self, item: str):
        if item.startswith("_"):
            raise AttributeError(item)
        description = self.describe()
        key = jobs.pascal_case(item)
        if key in description:
            return jobs.as_attributes(description[key])
        if item in ("best_training_job", "failure_reason", "hyper_parameter_tuning_end_time"):
            return None
        raise AttributeError(f"HyperParameterTuningJob has no attribute {item!r}; describe() lists the fields: "
                             f"{', '.join(sorted(description))}.")

    def __repr__(self) -> str:
        return f"HyperParameterTuningJob(hyper_parameter_tuning_job_name={self.name!r})"
