"""Retry policies, as SageMaker Pipelines' ``StepRetryPolicy`` and ``SageMakerJobStepRetryPolicy``.

    retry_policies=[SageMakerJobStepRetryPolicy(failure_reason_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR],
                                                interval_seconds=5, backoff_rate=2.0, max_attempts=3)]

In the definition each is ``{"BackoffRate", "IntervalSeconds", "MaxAttempts" | "ExpireAfterMin",
"ExceptionType": [...]}`` on the step's ``RetryPolicies``, as the SDK writes it. A failure of a matching
type is retried after ``interval_seconds * backoff_rate ** (retry - 1)`` seconds, at most ``max_attempts``
times (retries, on top of the first attempt), or while less than ``expire_after_mins`` have passed since
the step's first attempt; ``AttemptCount`` in the step's record counts them, and ``stop()`` during a
wait ends the step Stopped.

Which local failures have which type (a failure of the step's own code, ``AlgorithmError``, is never
retried, as on SageMaker):

- ``SageMaker.JOB_INTERNAL_ERROR``: the job's process was killed by a signal (out of memory, the machine
  taking it away: what an instance failure is on SageMaker);
- ``Step.SERVICE_FAULT``: the local platform failed around the job (an ``OSError`` while staging inputs or
  collecting outputs: a full disk, a vanished file);
- ``Step.THROTTLING``, ``SageMaker.CAPACITY_ERROR``, ``SageMaker.RESOURCE_LIMIT``: service limits a local
  run does not have; written to the definition for SageMaker, never raised here.
"""

from __future__ import annotations

import time
from enum import Enum

MAX_ATTEMPTS_CAP = 20          # the SDK's bounds
MAX_EXPIRE_AFTER_MIN = 14400


class StepExceptionTypeEnum(Enum):
    SERVICE_FAULT = "Step.SERVICE_FAULT"
    THROTTLING = "Step.THROTTLING"


class SageMakerJobExceptionTypeEnum(Enum):
    INTERNAL_ERROR = "SageMaker.JOB_INTERNAL_ERROR"
    CAPACITY_ERROR = "SageMaker.CAPACITY_ERROR"
    RESOURCE_LIMIT = "SageMaker.RESOURCE_LIMIT"


def pause(seconds: float) -> None:
    """Wait between attempts (a function of its own so tests record the waits instead of sleeping)."""
    time.sleep(seconds)


def _type_value(value, enum: type[Enum], policy: str) -> str:
    text = getattr(value, "value", value)  # our enum, the SDK's enum or its string value
    allowed = [member.value for member in enum]
    if text not in allowed:
        raise ValueError(f"{policy}: exception type {value!r} is not one of {', '.join(allowed)} "
                         f"(use {enum.__name__}.<NAME>).")
    return text


class RetryPolicy:
    """Base of both policies: when to retry (``exception_types``) and how (interval, backoff, a bound)."""

    enum: type[Enum] = Enum

    def __init__(self, exception_types: list, backoff_rate: float = 2.0, interval_seconds: float = 1,
                 max_attempts: int | None = None, expire_after_mins: int | None = None):
        name = type(self).__name__
        if (max_attempts is None) == (expire_after_mins is None):
            raise ValueError(f"{name}: give exactly one of max_attempts (retries, 1 to {MAX_ATTEMPTS_CAP}) and "
                             f"expire_after_mins (0 to {MAX_EXPIRE_AFTER_MIN}), e.g. max_attempts=3.")
        if max_attempts is not None and not (isinstance(max_attempts, int) and 1 <= max_attempts <= MAX_ATTEMPTS_CAP):
            raise ValueError(f"{name}: max_attempts={max_attempts!r} must be an integer from 1 to {MAX_ATTEMPTS_CAP}.")
        if expire_after_mins is not None and not (
                isinstance(expire_after_mins, int) and 0 <= expire_after_mins <= MAX_EXPIRE_AFTER_MIN):
            raise ValueError(f"{name}: expire_after_mins={expire_after_mins!r} must be an integer from 0 to "
                             f"{MAX_EXPIRE_AFTER_MIN}.")
        for label, value in (("backoff_rate", backoff_rate), ("interval_seconds", interval_seconds)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name}: {label}={value!r} must be a non-negative number of seconds/a factor.")
        if not exception_types:
            raise ValueError(f"{name} needs at least one exception type, e.g. [{self.enum.__name__}."
                             f"{next(iter(self.enum)).name}].")
        self.exception_types = [_type_value(t, self.enum, name) for t in exception_types]
        self.backoff_rate = backoff_rate
        self.interval_seconds = interval_seconds
        self.max_attempts = max_attempts
        self.expire_after_mins = expire_after_mins

    def to_request(self) -> dict:
        """Its entry in the step's ``RetryPolicies``."""
        request = {"BackoffRate": self.backoff_rate, "IntervalSeconds": self.interval_seconds}
        if self.max_attempts is not None:
            request["MaxAttempts"] = self.max_attempts
        if self.expire_after_mins is not None:
            request["ExpireAfterMin"] = self.expire_after_mins
        request["ExceptionType"] = list(self.exception_types)
        return request

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2...)."""
        return self.interval_seconds * self.backoff_rate ** (retry - 1)

    def allows(self, retry: int, elapsed_seconds: float) -> bool:
        """Whether retry number ``retry`` may start ``elapsed_seconds`` after the step's first attempt."""
        if self.max_attempts is not None:
            return retry <= self.max_attempts
        return elapsed_seconds < self.expire_after_mins * 60

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_request()!r})"


class StepRetryPolicy(RetryPolicy):
    """Retry the step on ``Step.SERVICE_FAULT`` / ``Step.THROTTLING`` (``StepExceptionTypeEnum``)."""

    enum = StepExceptionTypeEnum


class SageMakerJobStepRetryPolicy(RetryPolicy):
    """Retry the step's job on SageMaker job failures (``SageMakerJobExceptionTypeEnum``): ``exception_types``
    (raised when the job is created) and ``failure_reason_types`` (its FailureReason) are one list in the
    definition, as the SDK writes them."""

    enum = SageMakerJobExceptionTypeEnum

    def __init__(self, exception_types: list | None = None, failure_reason_types: list | None = None, **kwargs):
        if not exception_types and not failure_reason_types:
            raise ValueError("SageMakerJobStepRetryPolicy needs exception_types or failure_reason_types, e.g. "
                             "failure_reason_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR].")
        super().__init__(list(exception_types or []) + list(failure_reason_types or []), **kwargs)


def policies(step_name: str, given) -> list[RetryPolicy]:
    """``given`` as a list of policies (the SDK's own policy objects are read through their ``to_request``)."""
    found = []
    for policy in given or []:
        if isinstance(policy, RetryPolicy):
            found.append(policy)
        elif callable(getattr(policy, "to_request", None)):
            found.append(_from_request(policy.to_request()))
        else:
            raise ValueError(f"Step {step_name!r}: retry_policies holds {policy!r}; give StepRetryPolicy(...) or "
                             "SageMakerJobStepRetryPolicy(...).")
    return found


def _from_request(request: dict) -> RetryPolicy:
    types = request.get("ExceptionType") or []
    kind = SageMakerJobStepRetryPolicy if any(str(t).startswith("SageMaker.") for t in types) else StepRetryPolicy
    return kind(types, backoff_rate=request.get("BackoffRate", 2.0), interval_seconds=request.get("IntervalSeconds", 1),
                max_attempts=request.get("MaxAttempts"), expire_after_mins=request.get("ExpireAfterMin"))


def matching(policies_: list[RetryPolicy], exception_type: str | None) -> RetryPolicy | None:
    """The first policy that covers ``exception_type`` (None: the failure is not retryable)."""
    if exception_type is None:
        return None
    return next((p for p in policies_ if exception_type in p.exception_types), None)
