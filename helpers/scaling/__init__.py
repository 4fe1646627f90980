"""Scaling an endpoint: target-tracking autoscaling and serverless inference, simulated over a day of traffic with their cost.

Configure it with the very dicts boto3's ``application-autoscaling`` client takes::

    from helpers import scaling
    autoscaling = scaling.ApplicationAutoScaling()
    autoscaling.register_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/shop/variant/AllTraffic",
                                         ScalableDimension="sagemaker:variant:DesiredInstanceCount",
                                         MinCapacity=1, MaxCapacity=8)
    autoscaling.put_scaling_policy(PolicyName="per-instance", ...)
    day = autoscaling.simulate_day("endpoint/shop/variant/AllTraffic", scaling.profile("spiky"))
    print(day.summary())
"""

from helpers.scaling import decisions
from helpers.scaling.compare import ApplicationAutoScaling, compare_options, plot_day
from helpers.scaling.policy import (DEFAULT_COOLDOWN_SECONDS, PREDEFINED_METRIC, SCALABLE_DIMENSION, SERVICE_NAMESPACE,
                                    ScalableTarget, ScalingConfigError, TargetTrackingPolicy, scalable_target,
                                    scaling_policy)
from helpers.scaling.serverless import MEMORY_SIZES_MB, ServerlessDay, serverless_day
from helpers.scaling.simulate import (DEFAULT_CAPACITY, DEFAULT_PRICE_PER_HOUR, INVOCATION_TIMEOUT_SECONDS, MEASURED,
                                      DayResult, fixed_fleet, queue_day, simulate_day)
from helpers.scaling.traffic import MINUTES_PER_DAY, PROFILES, daily_traffic, profile

__all__ = ["decisions", "ApplicationAutoScaling", "compare_options", "plot_day", "DEFAULT_COOLDOWN_SECONDS", "PREDEFINED_METRIC",
           "SCALABLE_DIMENSION", "SERVICE_NAMESPACE", "ScalableTarget", "ScalingConfigError", "TargetTrackingPolicy",
           "scalable_target", "scaling_policy", "MEMORY_SIZES_MB", "ServerlessDay", "serverless_day", "DEFAULT_CAPACITY",
           "DEFAULT_PRICE_PER_HOUR", "INVOCATION_TIMEOUT_SECONDS", "MEASURED", "DayResult", "fixed_fleet", "queue_day",
           "simulate_day", "MINUTES_PER_DAY", "PROFILES",
           "daily_traffic", "profile"]
