"""A day of target-tracking autoscaling, minute by minute, as Application Auto Scaling and CloudWatch do it.

Each minute: instances that finished starting go into service; the minute's requests join the queue of
those still waiting, and the instances in service answer up to ``capacity_per_instance`` each, oldest
first (see :func:`queue_day`); the metric ``InvocationsPerInstance`` is the minute's requests divided by
the in-service instances. Target tracking's two CloudWatch alarms then judge the minute:

- scale out after ``scale_out_after`` consecutive minutes above ``TargetValue`` (AWS: 3 of 3 datapoints),
  to ``ceil(requests / TargetValue)`` instances, at most ``MaxCapacity``, once ``ScaleOutCooldown`` has
  passed since the previous scale-out; new instances serve ``startup_minutes`` later but bill from launch;
- scale in after ``scale_in_after`` consecutive minutes below 90% of ``TargetValue`` (AWS: 15 of 15), to
  ``ceil(requests / TargetValue)``, at least ``MinCapacity``, once ``ScaleInCooldown`` has passed since the
  previous scale-in and ``ScaleOutCooldown`` since the previous scale-out; removed instances stop at once.

Requests over capacity wait in a queue carried to the next minute; a request that would wait longer than
SageMaker's 60 s invocation timeout fails (the caller gets a timeout error) and leaves the queue.

One instance's capacity, :data:`DEFAULT_CAPACITY`, is a measured figure, not a guess: see :data:`MEASURED`.

Simplifications, stated: one datapoint per minute, no warm-up metric exclusion, a scale-out during its
cooldown is not allowed (AWS allows a larger one); one queue for the variant (an ideal load balancer),
its length changing evenly within a minute; a request that times out costs no capacity; the queue left
at the day's end is not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.scaling.policy import ScalableTarget, TargetTrackingPolicy, ScalingConfigError

__all__ = ["DEFAULT_CAPACITY", "DEFAULT_PRICE_PER_HOUR", "INVOCATION_TIMEOUT_SECONDS", "MEASURED",
           "SECONDS_PER_REQUEST", "DayResult", "queue_day", "simulate_day", "fixed_fleet"]

# One instance's capacity, measured (not assumed) by tests/benchmarks/bench_instances.py: the course's XGBoost
# endpoint answering one customer (a 1-row CSV) per request, closed loop at concurrency 16, served by two worker
# processes (an ml.m5.large has 2 vCPUs) on the course's 2-core VM, the load generator on the same cores. The
# machine was shared with other work (load average 3.5 to 8), which sets the figure more than anything: five
# runs gave 898, 1,370, 1,623, 2,321 and 3,591 requests a second; this is their median. A dedicated machine
# does better: re-measure yours.
MEASURED = {
    "benchmark": "tests/benchmarks/bench_instances.py",
    "machine": "a 2-core VM (AMD EPYC) shared with other work, load average 4.5-8.5 during the run",
    "model": "XGBoost 1.7-1, notebook 07's settings, one customer per request",
    "workers": 2,
    "requests_per_second": 1623.0,  # a run's median round of 10; the median of five runs
    "p95_ms": 19.7,
    "measured": "2026-12-07",
}
DEFAULT_CAPACITY = round(MEASURED["requests_per_second"] * 60)  # requests per minute one instance answers
# What one request costs a worker, in seconds: what serverless inference bills as its compute time.
SECONDS_PER_REQUEST = MEASURED["workers"] / MEASURED["requests_per_second"]
DEFAULT_PRICE_PER_HOUR = 0.115  # dollars per ml.m5.large instance-hour (us-east-1 list price, an assumption)
INVOCATION_TIMEOUT_SECONDS = 60  # SageMaker answers an invocation the model has not answered by then with an error
SCALE_IN_RATIO = 0.9  # target tracking's low alarm sits at 90% of the target


@dataclass
class DayResult:
    """A simulated day. ``minutes`` has one row per minute: requests (arrived), in_service, billed
    (launched, including starting instances), invocations_per_instance, served, queued (still waiting at
    the minute's end), failed (waited past the invocation timeout) and wait_seconds (the mean queue wait
    of the minute's answered requests). ``activities`` lists (minute, from, to) for every scaling activity."""

    name: str
    minutes: pd.DataFrame
    price_per_hour: float
    activities: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def instance_hours(self) -> float:
        return float(self.minutes["billed"].sum()) / 60

    @property
    def cost(self) -> float:
        """Dollars for the day: instance-hours times the price of one."""
        return self.instance_hours * self.price_per_hour

    @property
    def failed(self) -> int:
        """Requests that waited past the invocation timeout."""
        return int(self.minutes["failed"].sum())

    @property
    def mean_wait_seconds(self) -> float:
        """Mean queue wait of an answered request over the day, in seconds."""
        served = self.minutes["served"]
        return float((self.minutes["wait_seconds"] * served).sum() / served.sum()) if served.sum() else 0.0

    @property
    def max_wait_seconds(self) -> float:
        """The longest minute's mean queue wait, in seconds."""
        return float(self.minutes["wait_seconds"].max())

    def summary(self) -> str:
        """The day in one line of numbers (the text equivalent of its figure)."""
        total = int(self.minutes["requests"].sum())
        share = 100 * self.failed / total if total else 0.0
        counts = self.minutes["in_service"]
        queued = int((self.minutes["queued"] > 0).sum())
        waits = (f"requests queued in {queued} minute{'' if queued == 1 else 's'} (a minute's mean wait up to "
                 f"{self.max_wait_seconds:.0f} s)" if queued else "no request queued")
        return (f"{self.name}: {self.instance_hours:.1f} instance-hours, ${self.cost:.2f}; {counts.min()}-{counts.max()} "
                f"instances in service; {len(self.activities)} scaling activities; {waits}; {self.failed:,} of "
                f"{total:,} requests failed, waiting past {INVOCATION_TIMEOUT_SECONDS} s ({share:.2f}%)")


def _as_traffic(traffic) -> np.ndarray:
    requests = np.asarray(traffic)
    if requests.ndim != 1 or len(requests) == 0:
        raise ValueError(f"traffic must be requests per minute, one number per minute (shape (n,)), not {requests.shape}")
    if not np.all(np.isfinite(requests)) or np.any(requests < 0):
        raise ValueError("traffic must be finite counts of requests per minute, none negative")
    return requests.astype(np.int64)


def _minutes(seconds: int) -> int:
    return math.ceil(seconds / 60)


def queue_day(requests, capacity, *, timeout_seconds: float = INVOCATION_TIMEOUT_SECONDS) -> pd.DataFrame:
    """Serve ``requests`` (arrived per minute, shape (n,)) with ``capacity`` (answers per minute, shape (n,)).

    First come, first served: each minute answers up to its capacity from the queue carried over and then
    the minute's arrivals. What is left waits for the next minute, but a queue longer than
    ``capacity * timeout_seconds / 60`` means its last requests would wait past the timeout at this rate:
    those fail now. The mean wait of a minute follows Little's law: the queue's mean length over the
    minute (its start and end averaged) divided by the requests answered, in seconds.

    Returns a frame with one row per minute: served, queued (at the minute's end), failed, wait_seconds.
    """
    arrived = _as_traffic(requests)
    rates = np.asarray(capacity, dtype=np.int64)
    if rates.shape != arrived.shape or np.any(rates < 0) or timeout_seconds <= 0:
        raise ValueError("capacity needs one count per minute of the traffic (>= 0), and timeout_seconds > 0")
    served, queued, failed = (np.zeros(len(arrived), dtype=np.int64) for _ in range(3))
    wait = np.zeros(len(arrived))
    backlog = 0
    for minute, (count, rate) in enumerate(zip(arrived.tolist(), rates.tolist())):
        waiting = backlog + count
        served[minute] = min(waiting, rate)
        left = waiting - served[minute]
        failed[minute] = max(0, left - math.floor(rate * timeout_seconds / 60))
        queued[minute] = left - failed[minute]
        if served[minute]:
            wait[minute] = 60 * (backlog + queued[minute]) / 2 / served[minute]
        backlog = int(queued[minute])
    return pd.DataFrame({"served": served, "queued": queued, "failed": failed, "wait_seconds": wait})


def _frame(requests: np.ndarray, in_service, billed, capacity_per_instance: int, timeout_seconds: float) -> pd.DataFrame:
    in_service = np.asarray(in_service, dtype=np.int64)
    queue = queue_day(requests, in_service * capacity_per_instance, timeout_seconds=timeout_seconds)
    frame = pd.DataFrame({"minute": np.arange(len(requests)), "requests": requests, "in_service": in_service,
                          "billed": np.asarray(billed, dtype=np.int64), "invocations_per_instance": requests / in_service})
    return pd.concat([frame, queue], axis=1)


def simulate_day(target: ScalableTarget, policy: TargetTrackingPolicy, traffic, *,
                 capacity_per_instance: int = DEFAULT_CAPACITY, price_per_hour: float = DEFAULT_PRICE_PER_HOUR,
                 startup_minutes: int = 5, scale_out_after: int = 3, scale_in_after: int = 15,
                 initial: int | None = None, timeout_seconds: float = INVOCATION_TIMEOUT_SECONDS,
                 name: str = "autoscaled") -> DayResult:
    """Simulate ``traffic`` (requests per minute, shape (n,)) on a variant scaled by ``policy``.

    The day starts with ``initial`` instances in service (default ``MinCapacity``). Capacity is in requests
    per minute per instance (default: the measured :data:`DEFAULT_CAPACITY`); the price in dollars per
    instance-hour; requests queue for at most ``timeout_seconds``.
    """
    if policy.resource_id != target.resource_id:
        raise ScalingConfigError(f"the policy is for {policy.resource_id!r} but the target is {target.resource_id!r}: "
                                 "put_scaling_policy on the ResourceId you registered")
    if capacity_per_instance <= 0 or startup_minutes < 0 or scale_out_after < 1 or scale_in_after < 1:
        raise ValueError("capacity_per_instance must be positive, startup_minutes >= 0, the alarm windows >= 1 minute")
    requests = _as_traffic(traffic)
    in_service = target.min_capacity if initial is None else initial
    if not target.min_capacity <= in_service <= target.max_capacity:
        raise ValueError(f"initial={initial} is outside MinCapacity..MaxCapacity ({target.min_capacity}..{target.max_capacity})")
    starting: list[int] = []  # the minute each launched instance enters service
    last_out = last_in = -10 ** 9
    high = low = 0
    out_wait, in_wait = _minutes(policy.scale_out_cooldown), _minutes(policy.scale_in_cooldown)
    rows, activities = [], []
    for minute, arriving in enumerate(requests):
        ready = sum(1 for at in starting if at <= minute)
        in_service += ready
        starting = [at for at in starting if at > minute]
        metric = arriving / in_service
        rows.append((in_service, in_service + len(starting)))

        high = high + 1 if metric > policy.target_value else 0
        low = low + 1 if metric < SCALE_IN_RATIO * policy.target_value else 0
        desired = in_service + len(starting)
        wanted = math.ceil(arriving / policy.target_value)
        if high >= scale_out_after and minute - last_out >= out_wait:
            new = min(target.max_capacity, wanted)
            if new > desired:
                starting += [minute + 1 + startup_minutes] * (new - desired)
                activities.append((minute, desired, new))
                last_out = minute
        elif (low >= scale_in_after and not policy.disable_scale_in and minute - last_in >= in_wait
              and minute - last_out >= out_wait):
            new = max(target.min_capacity, wanted)
            if new < desired:
                cut = desired - new
                from_starting = min(cut, len(starting))
                starting = sorted(starting)[:len(starting) - from_starting]  # cancel the latest launches first
                in_service -= cut - from_starting
                activities.append((minute, desired, new))
                last_in = minute
    # The scaling decisions read arrivals only (the metric counts invocations), so the queue is served after.
    in_service_by_minute, billed = zip(*rows)
    frame = _frame(requests, in_service_by_minute, billed, capacity_per_instance, timeout_seconds)
    return DayResult(name, frame, price_per_hour, activities)


def fixed_fleet(count: int, traffic, *, capacity_per_instance: int = DEFAULT_CAPACITY,
                price_per_hour: float = DEFAULT_PRICE_PER_HOUR, timeout_seconds: float = INVOCATION_TIMEOUT_SECONDS,
                name: str | None = None) -> DayResult:
    """An always-on endpoint of ``count`` instances on ``traffic`` (requests per minute): no scaling at all."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a whole number of instances >= 1, not {count!r}")
    requests = _as_traffic(traffic)
    fleet = np.full(len(requests), int(count))
    frame = _frame(requests, fleet, fleet, capacity_per_instance, timeout_seconds)
    return DayResult(name or f"always-on, {count} instance{'s' if count > 1 else ''}", frame, price_per_hour)
