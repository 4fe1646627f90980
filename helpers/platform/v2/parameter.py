"""SDK v2's ``sagemaker.parameter`` path for the kit's tuning ranges (same arguments):
``ContinuousParameter(min_value, max_value, scaling_type="Auto")``, ``IntegerParameter``, ``CategoricalParameter(values)``."""

from __future__ import annotations

from helpers.platform.tuning import (CategoricalParameter, ContinuousParameter, IntegerParameter,  # noqa: F401
                                     ParameterRange)

__all__ = ["ParameterRange", "ContinuousParameter", "IntegerParameter", "CategoricalParameter"]
