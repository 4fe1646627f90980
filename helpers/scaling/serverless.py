"""Serverless inference for the same day of traffic: billed per GB-second of compute and per byte processed.

SageMaker Serverless Inference bills the compute time of each request at a price per second that grows
with the memory size chosen (1024 to 6144 MB), plus the data processed in and out; nothing while idle.
After a quiet spell the next request waits for a **cold start** (a container is started). Requests
beyond ``MaxConcurrency`` concurrent executions are throttled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from helpers.scaling.simulate import SECONDS_PER_REQUEST, _as_traffic

__all__ = ["MEMORY_SIZES_MB", "PRICE_PER_GB_SECOND", "PRICE_PER_GB_PROCESSED", "ServerlessDay", "serverless_day"]

MEMORY_SIZES_MB = (1024, 2048, 3072, 4096, 5120, 6144)
PRICE_PER_GB_SECOND = 0.00002  # dollars; 1024 MB costs $0.0000200 per second (us-east-1 list price, an assumption)
PRICE_PER_GB_PROCESSED = 0.016  # dollars per GB of request and response data (an assumption)


@dataclass(frozen=True)
class ServerlessDay:
    """The day's serverless bill: ``gb_seconds`` of compute, ``requests``, ``cold_starts`` (minutes whose
    first request waited ``cold_start_seconds``), ``throttled`` requests, ``cost`` in dollars."""

    name: str
    requests: int
    gb_seconds: float
    compute_cost: float
    data_cost: float
    cold_starts: int
    cold_start_seconds: float
    throttled: int

    @property
    def cost(self) -> float:
        return self.compute_cost + self.data_cost

    def summary(self) -> str:
        share = 100 * self.throttled / self.requests if self.requests else 0.0
        starts = f"{self.cold_starts} cold start{'' if self.cold_starts == 1 else 's'}"
        return (f"{self.name}: {self.gb_seconds:,.0f} GB-seconds, ${self.cost:.2f} (compute ${self.compute_cost:.2f}, "
                f"data ${self.data_cost:.2f}); {starts} of ~{self.cold_start_seconds:g} s; "
                f"{self.throttled:,} of {self.requests:,} requests throttled ({share:.2f}%)")


def serverless_day(traffic, *, memory_mb: int = 2048, seconds_per_request: float = SECONDS_PER_REQUEST,
                   max_concurrency: int = 20, kb_per_request: float = 2.0, idle_minutes: int = 10,
                   cold_start_seconds: float = 5.0,
                   price_per_gb_second: float = PRICE_PER_GB_SECOND,
                   price_per_gb_processed: float = PRICE_PER_GB_PROCESSED) -> ServerlessDay:
    """Bill ``traffic`` (requests per minute, shape (n,)) on a serverless endpoint of ``memory_mb``.

    ``seconds_per_request`` is the billed compute time of one request (default: the measured
    :data:`~helpers.scaling.simulate.SECONDS_PER_REQUEST`); ``kb_per_request`` the request and
    response together. A minute with requests after ``idle_minutes`` or more without any (or the day's
    first) starts cold: an assumption, AWS does not publish when it reclaims an idle container.
    """
    if memory_mb not in MEMORY_SIZES_MB:
        raise ValueError(f"memory_mb={memory_mb!r}: serverless endpoints take one of {MEMORY_SIZES_MB} (MB)")
    if not 1 <= max_concurrency <= 200:
        raise ValueError(f"max_concurrency={max_concurrency!r}: SageMaker allows 1 to 200 concurrent executions")
    if seconds_per_request <= 0 or kb_per_request < 0 or idle_minutes < 1:
        raise ValueError("seconds_per_request must be positive, kb_per_request >= 0, idle_minutes >= 1")
    requests = _as_traffic(traffic)
    per_minute_limit = math.floor(max_concurrency * 60 / seconds_per_request)  # executions that fit in a minute
    answered = np.minimum(requests, per_minute_limit)
    gb_seconds = float(answered.sum()) * seconds_per_request * memory_mb / 1024
    data_gb = float(answered.sum()) * kb_per_request / 1024 ** 2
    return ServerlessDay(f"serverless, {memory_mb} MB", int(requests.sum()), gb_seconds, gb_seconds * price_per_gb_second,
                         data_gb * price_per_gb_processed, _cold_starts(requests, idle_minutes), cold_start_seconds,
                         int((requests - answered).sum()))


def _cold_starts(requests: np.ndarray, idle_minutes: int) -> int:
    busy = np.flatnonzero(requests > 0)
    if len(busy) == 0:
        return 0
    return 1 + int(np.sum(np.diff(busy) > idle_minutes))  # a gap of idle_minutes empty minutes or more
