"""The requests of Application Auto Scaling for a SageMaker endpoint variant, read and checked as AWS would.

A learner passes the same keyword arguments as to boto3's ``application-autoscaling`` client
(``register_scalable_target`` and ``put_scaling_policy``); a mistake raises :class:`ScalingConfigError`
whose message names the field and the fix. Only what the simulation models is accepted: the SageMaker
variant's instance count, scaled by target tracking on ``SageMakerVariantInvocationsPerInstance``.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["SERVICE_NAMESPACE", "SCALABLE_DIMENSION", "PREDEFINED_METRIC", "DEFAULT_COOLDOWN_SECONDS",
           "ScalingConfigError", "ScalableTarget", "TargetTrackingPolicy", "scalable_target", "scaling_policy"]

SERVICE_NAMESPACE = "sagemaker"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
PREDEFINED_METRIC = "SageMakerVariantInvocationsPerInstance"
DEFAULT_COOLDOWN_SECONDS = 300  # what Application Auto Scaling uses for a SageMaker variant when none is given
_RESOURCE_ID = re.compile(r"^endpoint/(?P<endpoint>[A-Za-z0-9](?:-*[A-Za-z0-9]){0,62})/variant/(?P<variant>[A-Za-z0-9](?:-*[A-Za-z0-9]){0,62})$")

_TARGET_FIELDS = {"ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity"}
_POLICY_FIELDS = {"PolicyName", "ServiceNamespace", "ResourceId", "ScalableDimension", "PolicyType",
                  "TargetTrackingScalingPolicyConfiguration"}
_CONFIG_FIELDS = {"TargetValue", "PredefinedMetricSpecification", "ScaleInCooldown", "ScaleOutCooldown",
                  "DisableScaleIn"}


class ScalingConfigError(ValueError):
    """A request the simulated Application Auto Scaling refuses; the message names the field and the fix."""


@dataclass(frozen=True)
class ScalableTarget:
    """A registered variant: its instance count may move between ``min_capacity`` and ``max_capacity``."""

    resource_id: str
    endpoint: str
    variant: str
    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class TargetTrackingPolicy:
    """Keep invocations per instance per minute near ``target_value``; cooldowns in seconds."""

    name: str
    resource_id: str
    target_value: float
    scale_in_cooldown: int = DEFAULT_COOLDOWN_SECONDS
    scale_out_cooldown: int = DEFAULT_COOLDOWN_SECONDS
    disable_scale_in: bool = False


def _unknown(given: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for name in given:
        if name not in allowed:
            close = difflib.get_close_matches(name, sorted(allowed), n=1)
            fix = f"did you mean {close[0]!r}?" if close else f"the fields are {', '.join(sorted(allowed))}"
            raise ScalingConfigError(f"{where}: unknown field {name!r}: {fix}")


def _required(given: Mapping[str, Any], name: str, where: str, example: str) -> Any:
    if name not in given or given[name] is None:
        raise ScalingConfigError(f"{where}: {name} is missing: add {name}={example}")
    return given[name]


def _exactly(value: Any, expected: str, name: str, where: str, why: str) -> None:
    if value != expected:
        raise ScalingConfigError(f"{where}: {name}={value!r}, but {why} uses {name}={expected!r}")


def _whole(value: Any, name: str, where: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, float) and value.is_integer()):
        raise ScalingConfigError(f"{where}: {name}={value!r} must be a whole number (an int), e.g. {name}={least + 1}")
    if value < least:
        raise ScalingConfigError(f"{where}: {name}={value!r} must be at least {least}")
    return int(value)


def _resource(resource_id: Any, where: str) -> re.Match:
    match = _RESOURCE_ID.match(resource_id) if isinstance(resource_id, str) else None
    if not match:
        raise ScalingConfigError(f"{where}: ResourceId={resource_id!r} is not a SageMaker variant: write it "
                                 "'endpoint/<endpoint name>/variant/<variant name>', e.g. "
                                 "'endpoint/credit-default/variant/AllTraffic'")
    return match


def _common(request: Mapping[str, Any], where: str) -> re.Match:
    namespace = _required(request, "ServiceNamespace", where, repr(SERVICE_NAMESPACE))
    _exactly(namespace, SERVICE_NAMESPACE, "ServiceNamespace", where, "a SageMaker endpoint")
    match = _resource(_required(request, "ResourceId", where, "'endpoint/<name>/variant/<variant>'"), where)
    dimension = _required(request, "ScalableDimension", where, repr(SCALABLE_DIMENSION))
    _exactly(dimension, SCALABLE_DIMENSION, "ScalableDimension", where, "a variant's instance count")
    return match


def scalable_target(**request: Any) -> ScalableTarget:
    """Check the keyword arguments of ``register_scalable_target`` and return the target they describe."""
    where = "register_scalable_target"
    _unknown(request, _TARGET_FIELDS, where)
    match = _common(request, where)
    low = _whole(_required(request, "MinCapacity", where, "1"), "MinCapacity", where, least=1)
    high = _whole(_required(request, "MaxCapacity", where, "4"), "MaxCapacity", where, least=1)
    if low > high:
        raise ScalingConfigError(f"{where}: MinCapacity={low} is above MaxCapacity={high}: the instance count must "
                                 f"fit between them; swap them or raise MaxCapacity to at least {low}")
    return ScalableTarget(request["ResourceId"], match["endpoint"], match["variant"], low, high)


def _seconds(config: Mapping[str, Any], name: str, where: str) -> int:
    if name not in config:
        return DEFAULT_COOLDOWN_SECONDS
    return _whole(config[name], f"{name} (seconds)", where, least=0)


def scaling_policy(**request: Any) -> TargetTrackingPolicy:
    """Check the keyword arguments of ``put_scaling_policy`` and return the target-tracking policy."""
    where = "put_scaling_policy"
    _unknown(request, _POLICY_FIELDS, where)
    name = _required(request, "PolicyName", where, "'invocations-per-instance'")
    _common(request, where)
    kind = _required(request, "PolicyType", where, "'TargetTrackingScaling'")
    if kind != "TargetTrackingScaling":
        raise ScalingConfigError(f"{where}: PolicyType={kind!r} is not simulated here: use "
                                 "PolicyType='TargetTrackingScaling' with a TargetTrackingScalingPolicyConfiguration")
    config = _required(request, "TargetTrackingScalingPolicyConfiguration", where, "{'TargetValue': 600.0, ...}")
    if not isinstance(config, Mapping):
        raise ScalingConfigError(f"{where}: TargetTrackingScalingPolicyConfiguration must be a dict, "
                                 f"not {type(config).__name__}")
    inner = f"{where}: TargetTrackingScalingPolicyConfiguration"
    _unknown(config, _CONFIG_FIELDS, inner)
    target = _required(config, "TargetValue", inner, "600.0 (invocations per instance per minute)")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target) or target <= 0:
        raise ScalingConfigError(f"{inner}: TargetValue={target!r} must be a positive number: the invocations per "
                                 "instance per minute to keep, e.g. 600.0")
    metric = _required(config, "PredefinedMetricSpecification", inner, f"{{'PredefinedMetricType': {PREDEFINED_METRIC!r}}}")
    if not isinstance(metric, Mapping):
        raise ScalingConfigError(f"{inner}: PredefinedMetricSpecification must be a dict such as "
                                 f"{{'PredefinedMetricType': {PREDEFINED_METRIC!r}}}")
    _exactly(metric.get("PredefinedMetricType"), PREDEFINED_METRIC, "PredefinedMetricType", inner,
             "target tracking on a variant's traffic")
    disable = config.get("DisableScaleIn", False)
    if not isinstance(disable, bool):
        raise ScalingConfigError(f"{inner}: DisableScaleIn={disable!r} must be True or False")
    return TargetTrackingPolicy(name, request["ResourceId"], float(target), _seconds(config, "ScaleInCooldown", inner),
                                _seconds(config, "ScaleOutCooldown", inner), disable)
