"""``HyperParameterTuningJob.wait()`` ends as SDK v3's does: FailedStatusError (with the FailureReason)
when the tuning job ended Failed, quietly when it Completed or was Stopped (issue 21).

The records are written directly: no trial runs, so these tests take milliseconds."""

from __future__ import annotations

import pytest

from helpers.platform.errors import FailedStatusError
from helpers.platform.tuning import records


def _job(name: str, status: str, reason: str | None = None) -> records.HyperParameterTuningJob:
    record = {"HyperParameterTuningJobName": name, "HyperParameterTuningJobStatus": status,
              "CreationTime": "2026-12-07T10:00:00+00:00"}
    if reason is not None:
        record["FailureReason"] = reason
    records.write(name, record)
    return records.HyperParameterTuningJob.get(name)


def test_wait_raises_the_failure_reason_of_a_failed_tuning_job(flywheel_home):
    job = _job("all-trials-failed", "Failed", "All training jobs failed: the model diverged.")
    with pytest.raises(FailedStatusError, match="HyperParameterTuningJob 'all-trials-failed'.*diverged") as caught:
        job.wait(poll=0.01)
    error = caught.value
    assert (error.resource_type, error.status) == ("HyperParameterTuningJob", "Failed")
    assert error.reason == "All training jobs failed: the model diverged."
    assert error.description["HyperParameterTuningJobName"] == "all-trials-failed"


def test_wait_raises_also_for_the_job_running_in_this_process(flywheel_home):
    class FinishedRun:  # the tuning loop of this process, already ended Failed
        done = True

        def wait(self, timeout=None):
            pass

        def persist(self):
            pass

        def record(self):
            return {"HyperParameterTuningJobName": "live", "HyperParameterTuningJobStatus": "Failed",
                    "FailureReason": "disk full: no space left on device"}

    records.register_active("live", FinishedRun())
    try:
        with pytest.raises(FailedStatusError, match="disk full"):
            records.HyperParameterTuningJob("live").wait()
    finally:
        records.unregister_active("live")


@pytest.mark.parametrize("status", ["Completed", "Stopped"])
def test_wait_returns_quietly_when_the_tuning_job_completed_or_stopped(flywheel_home, status):
    assert _job(f"ended-{status.lower()}", status).wait(poll=0.01) is None
