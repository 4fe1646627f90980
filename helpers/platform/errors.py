"""Exceptions with the SageMaker SDK v3 names (``sagemaker.core.utils.exceptions``).

``trainer.train(wait=True)`` raises ``FailedStatusError`` when the job fails, as the SDK's
``TrainingJob.wait`` does; ours also carries the job's DescribeTrainingJob dict (``.description``)
so a notebook can show the reason and the log without another call.
"""

from __future__ import annotations


class SageMakerCoreError(Exception):
    """Base class, as in the SDK."""


class WaiterError(SageMakerCoreError):
    """Raised while waiting for a job."""


class FailedStatusError(WaiterError):
    """The job ended ``Failed``. Same message shape as the SDK's, plus ``.description``."""

    def __init__(self, resource_type: str = "TrainingJob", status: str = "Failed", reason: str = "(Unknown)",
                 description: dict | None = None):
        self.resource_type = resource_type
        self.status = status
        self.reason = reason
        self.description = description or {}
        name = self.description.get(f"{resource_type}Name")
        where = f" {name!r}" if name else ""
        super().__init__(
            f"Encountered unexpected failed state while waiting for {resource_type}{where}. "
            f"Final Resource State: {status}. Failure Reason: {reason}"
        )

    @property
    def failure_reason(self) -> str:
        return self.reason


class StoppedError(WaiterError):
    """The job was stopped: it ran past ``StoppingCondition.MaxRuntimeInSeconds`` or was interrupted.

    (The SDK returns quietly on ``Stopped``; locally a stopped job has no model, so we say so.)"""

    def __init__(self, reason: str, description: dict | None = None):
        self.reason = reason
        self.description = description or {}
        super().__init__(reason)


class TimeoutExceededError(WaiterError):
    """``wait(timeout=...)`` gave up before the job finished (the job keeps running)."""


class InputDataError(ValueError):
    """A channel is missing, unknown, or points at no data. Raised before the job starts."""
