"""The boto3-shaped client, the three options side by side, and the figure of the day."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from helpers.plots import LINESTYLES, PALETTE, legend_below
from helpers.scaling.policy import ScalableTarget, ScalingConfigError, TargetTrackingPolicy, scalable_target, scaling_policy
from helpers.scaling.serverless import ServerlessDay, serverless_day
from helpers.scaling.simulate import DEFAULT_CAPACITY, DEFAULT_PRICE_PER_HOUR, DayResult, fixed_fleet, simulate_day

__all__ = ["ApplicationAutoScaling", "compare_options", "plot_day"]

_ACCOUNT_ARN = "arn:aws:application-autoscaling:us-east-1:000000000000"


class ApplicationAutoScaling:
    """A stand-in for ``boto3.client("application-autoscaling")``: the same two calls, checked, then simulated."""

    def __init__(self) -> None:
        self.targets: dict[str, ScalableTarget] = {}
        self.policies: dict[str, TargetTrackingPolicy] = {}

    def register_scalable_target(self, **request: Any) -> dict:
        target = scalable_target(**request)
        self.targets[target.resource_id] = target
        return {"ScalableTargetARN": f"{_ACCOUNT_ARN}:scalable-target/{target.endpoint}-{target.variant}"}

    def put_scaling_policy(self, **request: Any) -> dict:
        policy = scaling_policy(**request)
        if policy.resource_id not in self.targets:
            raise ScalingConfigError(f"put_scaling_policy: no scalable target is registered for {policy.resource_id!r}: "
                                     "call register_scalable_target with that ResourceId first")
        self.policies[policy.resource_id] = policy
        alarm = f"TargetTracking-{policy.resource_id}"
        return {"PolicyARN": f"{_ACCOUNT_ARN}:scalingPolicy:policyName/{policy.name}",
                "Alarms": [{"AlarmName": f"{alarm}-AlarmHigh"}, {"AlarmName": f"{alarm}-AlarmLow"}]}

    def simulate_day(self, resource_id: str, traffic, **options: Any) -> DayResult:
        """:func:`helpers.scaling.simulate_day` with the target and policy registered for ``resource_id``."""
        if resource_id not in self.policies:
            raise ScalingConfigError(f"no scaling policy for {resource_id!r}: register_scalable_target and "
                                     "put_scaling_policy first")
        return simulate_day(self.targets[resource_id], self.policies[resource_id], traffic, **options)


def compare_options(traffic, target: ScalableTarget, policy: TargetTrackingPolicy, *,
                    capacity_per_instance: int = DEFAULT_CAPACITY, price_per_hour: float = DEFAULT_PRICE_PER_HOUR,
                    startup_minutes: int = 5, **serverless: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Always-on sized for the day's peak, autoscaled by ``policy``, and serverless, on the same traffic.

    Returns a table (one row per option: instance-hours or GB-seconds, cost in dollars, requests lost:
    failed after queueing past the invocation timeout, or throttled; cold starts) and the results by option name.
    """
    requests = np.asarray(traffic)
    peak = max(1, math.ceil(int(requests.max()) / capacity_per_instance))
    days: dict[str, Any] = {
        "always-on": fixed_fleet(peak, requests, capacity_per_instance=capacity_per_instance, price_per_hour=price_per_hour,
                                 name=f"always-on, {peak} instance{'s' if peak > 1 else ''} (sized for the peak)"),
        "autoscaled": simulate_day(target, policy, requests, capacity_per_instance=capacity_per_instance,
                                   price_per_hour=price_per_hour, startup_minutes=startup_minutes,
                                   name=f"autoscaled, {target.min_capacity}-{target.max_capacity} instances"),
        "serverless": serverless_day(requests, **serverless),
    }
    rows = []
    for option, day in days.items():
        if isinstance(day, ServerlessDay):
            rows.append({"option": option, "instance-hours": np.nan, "GB-seconds": day.gb_seconds, "cost ($)": day.cost,
                         "lost requests": day.throttled, "cold starts": day.cold_starts})
        else:
            rows.append({"option": option, "instance-hours": day.instance_hours, "GB-seconds": np.nan,
                         "cost ($)": day.cost, "lost requests": day.failed, "cold starts": 0})
    return pd.DataFrame(rows).set_index("option"), days


def plot_day(days: Sequence[DayResult], *, capacity_per_instance: int = DEFAULT_CAPACITY, axes=None):
    """Requests per minute against each option's capacity (top) and instances billed (bottom), per hour of day.

    Each option keeps one colour of :data:`helpers.plots.PALETTE` and one line style in both panels.
    Returns the figure.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        figure, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, height_ratios=(3, 2))
    top, bottom = axes
    first = days[0].minutes
    hours = first["minute"] / 60
    top.plot(hours, first["requests"], color=PALETTE[-1], linewidth=0.8, label="requests per minute")
    for index, day in enumerate(days):
        colour, style = PALETTE[index % (len(PALETTE) - 1)], LINESTYLES[index % len(LINESTYLES)]
        top.plot(hours, day.minutes["in_service"] * capacity_per_instance, color=colour, linestyle=style,
                 label=f"capacity: {day.name}")
        bottom.step(hours, day.minutes["billed"], where="post", color=colour, linestyle=style, label=day.name)
    top.set_ylabel("requests per minute")
    top.set_title("A simulated day: traffic, capacity and instances")
    bottom.set_ylabel("instances billed")
    bottom.set_xlabel("hour of the day")
    bottom.set_xticks(range(0, 25, 3))
    legend_below(bottom, ncols=1)
    top.legend(loc="upper left", fontsize="small")
    return top.figure
