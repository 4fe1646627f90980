"""A day of target-tracking autoscaling, minute by minute, as Application Auto Scaling and CloudWatch do it.

Each minute: instances that finished starting go into service; the minute's requests are served up to
``capacity_per_instance`` per in-service instance and the rest are dropped (a real-time endpoint answers
them with errors or timeouts); the metric ``InvocationsPerInstance`` is the minute's requests divided by
the in-service instances. Target tracking's two CloudWatch alarms then judge the minute:

- scale out after ``scale_out_after`` consecutive minutes above ``TargetValue`` (AWS: 3 of 3 datapoints),
  to ``ceil(requests / TargetValue)`` instances, at most ``MaxCapacity``, once ``ScaleOutCooldown`` has
  passed since the previous scale-out; new instances serve ``startup_minutes`` later but bill from launch;
- scale in after ``scale_in_after`` consecutive minutes below 90% of ``TargetValue`` (AWS: 15 of 15), to
  ``ceil(requests / TargetValue)``, at least ``MinCapacity``, once ``ScaleInCooldown`` has passed since the
  previous scale-in and ``ScaleOutCooldown`` since the previous scale-out; removed instances stop at once.

Simplifications, stated: one datapoint per minute, no warm-up metric exclusion, and a scale-out during
its cooldown is not allowed (AWS allows a larger one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.scaling.policy import ScalableTarget, TargetTrackingPolicy, ScalingConfigError

__all__ = ["DEFAULT_CAPACITY", "DEFAULT_PRICE_PER_HOUR", "DayResult", "simulate_day", "fixed_fleet"]

DEFAULT_CAPACITY = 1200  # requests per minute one ml.m5.large serves (2 workers x 10 per second; an assumption)
DEFAULT_PRICE_PER_HOUR = 0.115  # dollars per ml.m5.large instance-hour (us-east-1 list price, an assumption)
SCALE_IN_RATIO = 0.9  # target tracking's low alarm sits at 90% of the target


@dataclass
class DayResult:
    """A simulated day. ``minutes`` has one row per minute: requests, in_service, billed (launched,
    including starting instances), invocations_per_instance, served, dropped. ``activities`` lists
    (minute, from, to) for every scaling activity."""

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
    def dropped(self) -> int:
        return int(self.minutes["dropped"].sum())

    def summary(self) -> str:
        """The day in one line of numbers (the text equivalent of its figure)."""
        total = int(self.minutes["requests"].sum())
        share = 100 * self.dropped / total if total else 0.0
        counts = self.minutes["in_service"]
        return (f"{self.name}: {self.instance_hours:.1f} instance-hours, ${self.cost:.2f}; {counts.min()}-{counts.max()} "
                f"instances in service; {len(self.activities)} scaling activities; {self.dropped:,} of {total:,} "
                f"requests dropped ({share:.2f}%)")


def _as_traffic(traffic) -> np.ndarray:
    requests = np.asarray(traffic)
    if requests.ndim != 1 or len(requests) == 0:
        raise ValueError(f"traffic must be requests per minute, one number per minute (shape (n,)), not {requests.shape}")
    if not np.all(np.isfinite(requests)) or np.any(requests < 0):
        raise ValueError("traffic must be finite counts of requests per minute, none negative")
    return requests.astype(np.int64)


def _minutes(seconds: int) -> int:
    return math.ceil(seconds / 60)


def simulate_day(target: ScalableTarget, policy: TargetTrackingPolicy, traffic, *,
                 capacity_per_instance: int = DEFAULT_CAPACITY, price_per_hour: float = DEFAULT_PRICE_PER_HOUR,
                 startup_minutes: int = 5, scale_out_after: int = 3, scale_in_after: int = 15,
                 initial: int | None = None, name: str = "autoscaled") -> DayResult:
    """Simulate ``traffic`` (requests per minute, shape (n,)) on a variant scaled by ``policy``.

    The day starts with ``initial`` instances in service (default ``MinCapacity``). Capacity is in requests
    per minute per instance; the price in dollars per instance-hour.
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
        served = min(int(arriving), in_service * capacity_per_instance)
        metric = arriving / in_service
        rows.append((minute, int(arriving), in_service, in_service + len(starting), metric, served, int(arriving) - served))

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
    frame = pd.DataFrame(rows, columns=["minute", "requests", "in_service", "billed", "invocations_per_instance",
                                        "served", "dropped"])
    return DayResult(name, frame, price_per_hour, activities)


def fixed_fleet(count: int, traffic, *, capacity_per_instance: int = DEFAULT_CAPACITY,
                price_per_hour: float = DEFAULT_PRICE_PER_HOUR, name: str | None = None) -> DayResult:
    """An always-on endpoint of ``count`` instances on ``traffic`` (requests per minute): no scaling at all."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a whole number of instances >= 1, not {count!r}")
    requests = _as_traffic(traffic)
    capacity = int(count) * capacity_per_instance
    served = np.minimum(requests, capacity)
    frame = pd.DataFrame({"minute": np.arange(len(requests)), "requests": requests, "in_service": int(count),
                          "billed": int(count), "invocations_per_instance": requests / count, "served": served,
                          "dropped": requests - served})
    return DayResult(name or f"always-on, {count} instance{'s' if count > 1 else ''}", frame, price_per_hour)
