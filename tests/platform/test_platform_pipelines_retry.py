"""Retry policies: written in the definition as the SDK writes them, honoured locally for the failures a local
run has (a job killed by a signal: SageMaker.JOB_INTERNAL_ERROR; the platform failing around the job:
Step.SERVICE_FAULT), bounded by max_attempts or expire_after_mins, never applied to the step's own errors.
The clock and the waits are injected: nothing sleeps."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from helpers.platform.pipelines import (FailStep, Pipeline, ProcessingStep, SageMakerJobExceptionTypeEnum,
                                        SageMakerJobStepRetryPolicy, StepExceptionTypeEnum, StepRetryPolicy, caching,
                                        processing, retry)

INTERNAL = SageMakerJobExceptionTypeEnum.INTERNAL_ERROR
SERVICE_FAULT = StepExceptionTypeEnum.SERVICE_FAULT

# Killed by SIGKILL (as the out-of-memory killer would) on its first `kills` runs, then it succeeds.
FLAKY = '''
import os, pathlib, signal, sys
counter = pathlib.Path(sys.argv[1])
runs = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(runs + 1))
if sys.argv[2] == "error":
    raise SystemExit("bad column")
if runs < int(sys.argv[2]):
    os.kill(os.getpid(), signal.SIGKILL)
open("/opt/ml/processing/output/out/done.txt", "w").write("ok")
'''


@pytest.fixture
def clock(flywheel_home, monkeypatch):
    """A fake clock that each wait between attempts moves on; ``waits`` records them."""
    state = {"now": 1_000_000.0, "waits": []}

    def pause(seconds):
        state["waits"].append(seconds)
        state["now"] += seconds

    monkeypatch.setattr(caching, "wall_clock", lambda: state["now"])
    monkeypatch.setattr(retry, "pause", pause)
    return state


def flaky_pipeline(tmp_path, kills, policies) -> tuple[Pipeline, object]:
    script = tmp_path / "flaky.py"
    script.write_text(FLAKY)
    counter = tmp_path / "runs.txt"
    step = ProcessingStep("Flaky", code=str(script), outputs=["out"], job_arguments=[str(counter), str(kills)],
                          retry_policies=policies)
    pipeline = Pipeline("flaky", steps=[step])
    pipeline.upsert()
    return pipeline, counter


def the_step(execution) -> dict:
    return execution.list_steps()[0]


def test_retry_policies_are_in_the_definition_as_the_sdk_writes_them(flywheel_home):
    step = ProcessingStep("Prepare", code=test_retry_policies_are_in_the_definition_as_the_sdk_writes_them,
                          retry_policies=[StepRetryPolicy([SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING],
                                                          interval_seconds=10, max_attempts=3),
                                          SageMakerJobStepRetryPolicy(exception_types=[
                                              SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT],
                                              failure_reason_types=[INTERNAL], backoff_rate=1.5,
                                              expire_after_mins=30)])
    assert json.loads(Pipeline("shapes", steps=[step]).definition())["Steps"][0]["RetryPolicies"] == [
        {"BackoffRate": 2.0, "IntervalSeconds": 10, "MaxAttempts": 3,
         "ExceptionType": ["Step.SERVICE_FAULT", "Step.THROTTLING"]},
        {"BackoffRate": 1.5, "IntervalSeconds": 1, "ExpireAfterMin": 30,
         "ExceptionType": ["SageMaker.RESOURCE_LIMIT", "SageMaker.JOB_INTERNAL_ERROR"]}]
    # The SDK's own policy objects are read through their to_request().
    sdk_policy = SimpleNamespace(to_request=lambda: {"BackoffRate": 2.0, "IntervalSeconds": 1, "MaxAttempts": 4,
                                                     "ExceptionType": ["SageMaker.CAPACITY_ERROR"]})
    again = ProcessingStep("Again", code=step.code, retry_policies=[sdk_policy])
    assert again.to_request("shapes")["RetryPolicies"] == [sdk_policy.to_request()]
    assert isinstance(again.retry_policies[0], SageMakerJobStepRetryPolicy)


def test_a_killed_job_is_retried_with_backoff_until_it_succeeds(clock, tmp_path):
    policy = SageMakerJobStepRetryPolicy(failure_reason_types=[INTERNAL], interval_seconds=5, max_attempts=3)
    pipeline, counter = flaky_pipeline(tmp_path, kills=2, policies=[policy])
    messages: list[str] = []
    execution = pipeline.start(log=messages.append)
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    assert the_step(execution)["AttemptCount"] == 3 and counter.read_text() == "3"
    assert clock["waits"] == [5, 10]  # interval_seconds, then times backoff_rate
    assert ("Step Flaky: SageMaker.JOB_INTERNAL_ERROR: InternalServerError: flaky.py was killed by signal 9; "
            "retry 1 in 5 s") in messages


def test_retries_stop_at_max_attempts_and_the_step_fails_with_the_last_reason(clock, tmp_path):
    policy = SageMakerJobStepRetryPolicy(failure_reason_types=[INTERNAL], interval_seconds=5, max_attempts=2)
    pipeline, counter = flaky_pipeline(tmp_path, kills=99, policies=[policy])
    execution = pipeline.start(log=None)
    assert execution.describe()["FailureReason"] == ("Step 'Flaky' failed: InternalServerError: flaky.py was "
                                                     "killed by signal 9")
    assert the_step(execution)["AttemptCount"] == 3 and counter.read_text() == "3"
    assert clock["waits"] == [5, 10]


def test_expire_after_mins_bounds_retries_by_time(clock, tmp_path):
    policy = SageMakerJobStepRetryPolicy(failure_reason_types=[INTERNAL], interval_seconds=30, backoff_rate=1.0,
                                         expire_after_mins=1)
    pipeline, counter = flaky_pipeline(tmp_path, kills=99, policies=[policy])
    execution = pipeline.start(log=None)
    assert execution.describe()["PipelineExecutionStatus"] == "Failed"
    assert clock["waits"] == [30, 30]  # a third retry would start 60 s after the first attempt: expired
    assert the_step(execution)["AttemptCount"] == 3


def test_stop_during_the_wait_ends_the_step_and_the_execution_stopped(clock, tmp_path, monkeypatch):
    from helpers.platform.pipelines import stop_pipeline_execution

    policy = SageMakerJobStepRetryPolicy(failure_reason_types=[INTERNAL], interval_seconds=600, max_attempts=5)
    pipeline, counter = flaky_pipeline(tmp_path, kills=99, policies=[policy])

    def stop_instead_of_waiting(seconds):  # as another notebook calling stop() during the wait
        clock["waits"].append(seconds)
        running = [s for s in pipeline.list_executions()["PipelineExecutionSummaries"]
                   if s["PipelineExecutionStatus"] == "Executing"]
        stop_pipeline_execution(running[0]["PipelineExecutionArn"])

    monkeypatch.setattr(retry, "pause", stop_instead_of_waiting)
    execution = pipeline.start(log=None)
    description = execution.describe()
    assert description["PipelineExecutionStatus"] == "Stopped"
    assert description["FailureReason"] == ("Stopped while retrying step 'Flaky' (last failure: InternalServerError: "
                                            "flaky.py was killed by signal 9): stop() was called.")
    assert the_step(execution)["StepStatus"] == "Stopped" and counter.read_text() == "1"
    assert clock["waits"] == [600]


def test_the_steps_own_errors_and_uncovered_types_are_not_retried(clock, tmp_path):
    covered = SageMakerJobStepRetryPolicy(failure_reason_types=[INTERNAL], max_attempts=5)
    pipeline, counter = flaky_pipeline(tmp_path, kills="error", policies=[covered])
    execution = pipeline.start(log=None)
    assert execution.describe()["FailureReason"].endswith("exited with status 1: bad column")
    assert counter.read_text() == "1" and clock["waits"] == []

    (tmp_path / "other").mkdir()
    throttling = StepRetryPolicy([StepExceptionTypeEnum.THROTTLING], max_attempts=5)
    other, counter = flaky_pipeline(tmp_path / "other", kills=1, policies=[throttling])
    execution = other.start(log=None)
    assert execution.describe()["FailureReason"].endswith("killed by signal 9")
    assert counter.read_text() == "1" and clock["waits"] == [] and the_step(execution)["AttemptCount"] == 1


def test_a_platform_fault_around_the_job_is_a_step_service_fault(clock, tmp_path, monkeypatch):
    real = processing.place_file
    calls = []

    def full_disk_once(source, target):
        calls.append(target)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(processing, "place_file", full_disk_once)
    (tmp_path / "in.csv").write_text("1\n")
    script = tmp_path / "copy.py"
    script.write_text('import shutil\nshutil.copy("/opt/ml/processing/input/raw/in.csv", '
                      '"/opt/ml/processing/output/out/in.csv")\n')
    step = ProcessingStep("Copy", code=str(script), inputs={"raw": str(tmp_path / "in.csv")}, outputs=["out"],
                          retry_policies=[StepRetryPolicy([SERVICE_FAULT], max_attempts=1)])
    pipeline = Pipeline("faulty", steps=[step])
    pipeline.upsert()
    execution = pipeline.start(log=None)
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    assert the_step(execution)["AttemptCount"] == 2 and clock["waits"] == [1]


def test_bad_policies_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="give exactly one of max_attempts .* and expire_after_mins"):
        StepRetryPolicy([SERVICE_FAULT])
    with pytest.raises(ValueError, match="give exactly one of"):
        StepRetryPolicy([SERVICE_FAULT], max_attempts=2, expire_after_mins=5)
    for bad in (0, 21, 2.5):
        with pytest.raises(ValueError, match="max_attempts=.* must be an integer from 1 to 20"):
            StepRetryPolicy([SERVICE_FAULT], max_attempts=bad)
    with pytest.raises(ValueError, match="'SageMaker.JOB_INTERNAL_ERROR'.* is not one of Step.SERVICE_FAULT"):
        StepRetryPolicy([INTERNAL.value], max_attempts=2)
    with pytest.raises(ValueError, match="needs exception_types or failure_reason_types"):
        SageMakerJobStepRetryPolicy(max_attempts=2)
    with pytest.raises(ValueError, match="interval_seconds=-1 must be a non-negative"):
        StepRetryPolicy([SERVICE_FAULT], interval_seconds=-1, max_attempts=2)
    with pytest.raises(ValueError, match="FailStep steps take no retry_policies"):
        FailStep("Stop", retry_policies=[StepRetryPolicy([SERVICE_FAULT], max_attempts=1)])


def test_a_training_job_killed_by_a_signal_is_an_internal_error():
    from helpers.platform.pipelines.steps import job_failure_type

    assert job_failure_type("AlgorithmError: the training process was killed by SIGKILL (out of memory?)") == \
        INTERNAL.value
    assert job_failure_type("AlgorithmError: ValueError: quality must not be negative (exit code 1)") is None
