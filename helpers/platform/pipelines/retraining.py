"""Retraining triggered by drift, and "approve only if it beats the current model".

    baseline = baseline_metric("churn-models", "auc", default=0.0)   # the approved model's figure
    execution = retrain_if_drifted(report, pipeline, parameters={"InputData": new_data_uri,
                                                                 "BaselineAuc": baseline})

The pipeline itself decides: a ``ConditionStep`` comparing the new model's metric with the
``BaselineAuc`` parameter, whose if-branch registers the model ``Approved`` (and whose else-branch
registers nothing, or registers it ``Rejected``). So the rule is in the pipeline's definition, where a
reviewer sees it, and every retraining run is an execution with its reasons on record.
"""

from __future__ import annotations

from typing import Callable

from helpers.platform.registry import model_packages


def baseline_metric(model_package_group_name: str, key: str, default: float | None = None) -> float | None:
    """The latest approved version's ``CustomerMetadataProperties[key]`` as a number.

    ``default`` when the group does not exist or has no approved version yet (the first model has no
    baseline to beat). ValueError naming the keys it has when the approved version lacks ``key``.
    """
    try:
        latest = model_packages.latest_approved_model_package(model_package_group_name)
    except ValueError:
        return default
    properties = latest.get("CustomerMetadataProperties", {})
    if key not in properties:
        raise ValueError(f"Version {latest['ModelPackageVersion']} of {model_package_group_name!r} has no metric "
                         f"{key!r} (it has: {', '.join(properties) or 'none'}): register models with "
                         f"customer_metadata_properties={{{key!r}: ...}}.")
    return float(properties[key])


def drift_found(report) -> list[str]:
    """What in a monitoring report (``DefaultModelMonitor``'s ``MonitoringReport``) calls for retraining:
    its violations' descriptions and drifted features; [] when nothing does."""
    reasons = [str(v.get("description") or v.get("constraint_check_type") or v) for v in report.violations]
    reasons += [f"feature {name!r} drifted" for name in getattr(report, "drifted_features", [])]
    return reasons


def retrain_if_drifted(report, pipeline, parameters: dict | None = None,
                       log: Callable[[str], None] | None = print):
    """Start ``pipeline`` (upserted) with ``parameters`` when ``report`` shows drift or violations.

    Returns the execution, or None when the report shows nothing (and says so through ``log``).
    """
    say = log or (lambda _message: None)
    reasons = drift_found(report)
    if not reasons:
        say("No violation and no drift in the monitoring report: the current model stays; nothing retrained.")
        return None
    say(f"Retraining: {'; '.join(reasons[:3])}" + (f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else ""))
    return pipeline.start(parameters=parameters, log=log)
