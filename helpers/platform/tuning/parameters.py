"""Hyperparameter ranges with the SageMaker SDK's names: ``ContinuousParameter``, ``IntegerParameter``,
``CategoricalParameter`` (``sagemaker.core.parameter``).

Each range knows its CreateHyperParameterTuningJob shape (``as_tuning_range``: values as strings, as
the API wants them) and the optuna distribution that samples it locally. What a range can check on
its own (min > max, log scaling of a range that reaches 0, an unknown scaling type) is refused when
it is built; what needs context (the algorithm's schema, the strategy) the tuner checks.

Scaling types, as on SageMaker:

* ``Linear``: uniform between min and max;
* ``Logarithmic``: uniform in log(value): as many trials between 0.001 and 0.01 as between 0.1 and 1.
  Needs min > 0. The right choice for learning rates and regularisation strengths;
* ``ReverseLogarithmic``: dense close to 1 (for values such as a momentum of 0.9-0.999); continuous
  ranges within [0, 1) only;
* ``Auto``: SageMaker picks a scale; locally it means ``Linear``, so say ``Logarithmic`` when you
  mean it.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["ParameterRange", "ContinuousParameter", "IntegerParameter", "CategoricalParameter", "SCALING_TYPES"]

SCALING_TYPES = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")


def to_string(value: Any) -> str:
    """The SDK's ``to_string`` for range bounds and categorical values."""
    return value if isinstance(value, str) else str(value)


def _number(value: Any, what: str, integer: bool = False) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{what} must be {kind}, not {value!r}.")
    if integer:
        if float(value) != int(value):
            raise TypeError(f"{what} must be an integer, not {value!r}: use ContinuousParameter for fractional values.")
        return int(value)
    if math.isinf(value):
        raise ValueError(f"{what} must be finite, not {value!r}.")
    return float(value)


class ParameterRange:
    """Base class of the numeric ranges: ``min_value``, ``max_value``, ``scaling_type``."""

    __all_types__ = ("Continuous", "Categorical", "Integer")
    __name__ = "Parameter"
    _integer = False

    def __init__(self, min_value, max_value, scaling_type: str = "Auto"):
        kind = type(self).__name__
        low = _number(min_value, f"{kind} min_value", self._integer)
        high = _number(max_value, f"{kind} max_value", self._integer)
        if low > high:
            raise ValueError(f"{kind}({min_value!r}, {max_value!r}): min_value is greater than max_value; "
                             f"swap them: {kind}({max_value!r}, {min_value!r}).")
        if scaling_type not in SCALING_TYPES:
            raise ValueError(f"{kind}: scaling_type {scaling_type!r} is not one of {', '.join(SCALING_TYPES)}.")
        if scaling_type == "Logarithmic" and low <= 0:
            raise ValueError(f"{kind}({min_value!r}, {max_value!r}, scaling_type='Logarithmic'): logarithmic scaling "
                             "needs min_value > 0 (log(0) is undefined). Start the range at a small positive value, "
                             f"e.g. {kind}({1 if self._integer else 1e-4!r}, {max_value!r}, scaling_type='Logarithmic').")
        if scaling_type == "ReverseLogarithmic":
            if self._integer:
                raise ValueError("IntegerParameter does not support scaling_type='ReverseLogarithmic' (SageMaker allows "
                                 "it for continuous ranges only): use 'Linear' or 'Logarithmic'.")
            if not (0 <= low and high < 1):
                raise ValueError(f"{kind}({min_value!r}, {max_value!r}, scaling_type='ReverseLogarithmic'): reverse "
                                 "logarithmic scaling needs 0 <= min_value and max_value < 1 (it samples densely "
                                 "close to 1).")
        self.min_value = low
        self.max_value = high
        self.scaling_type = scaling_type

    def is_valid(self, value) -> bool:
        return self.min_value <= value <= self.max_value

    @classmethod
    def cast_to_type(cls, value):
        return float(value)

    def as_tuning_range(self, name: str) -> dict:
        """The range as CreateHyperParameterTuningJob wants it (bounds as strings)."""
        return {"Name": name, "MinValue": to_string(self.min_value), "MaxValue": to_string(self.max_value),
                "ScalingType": self.scaling_type}

    # -------------------------------------------------------------------- local sampling (optuna)
    def distribution(self):
        """The optuna distribution that samples this range (in the encoded space, see ``decode``)."""
        import optuna.distributions as d

        log = self.scaling_type == "Logarithmic"
        if self._integer:
            return d.IntDistribution(int(self.min_value), int(self.max_value), log=log)
        if self.scaling_type == "ReverseLogarithmic":
            # Sample 1 - value on a log scale: values crowd towards max_value (towards 1).
            return d.FloatDistribution(1.0 - self.max_value, 1.0 - self.min_value, log=True)
        return d.FloatDistribution(self.min_value, self.max_value, log=log)

    def decode(self, sampled):
        """A sampled value back in the hyperparameter's own units."""
        if self._integer:
            return int(sampled)
        if self.scaling_type == "ReverseLogarithmic":
            return min(max(1.0 - float(sampled), self.min_value), self.max_value)
        return float(sampled)

    def format(self, value) -> str:
        """The hyperparameter value as the training job receives it (a string)."""
        return str(int(value)) if self._integer else repr(float(value))

    def probe_values(self) -> list:
        """Values that exercise the range's ends, for checking against an algorithm's schema."""
        if self._integer:
            return [int(self.min_value), int(self.max_value)]
        return [self.min_value, self.max_value, (self.min_value + self.max_value) / 2]

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.min_value!r}, {self.max_value!r}, scaling_type={self.scaling_type!r})"


class ContinuousParameter(ParameterRange):
    """A real-valued hyperparameter between ``min_value`` and ``max_value`` (e.g. a learning rate)."""

    __name__ = "Continuous"


class IntegerParameter(ParameterRange):
    """An integer hyperparameter between ``min_value`` and ``max_value``, both included (e.g. a depth)."""

    __name__ = "Integer"
    _integer = True

    @classmethod
    def cast_to_type(cls, value):
        return int(value)


class CategoricalParameter(ParameterRange):
    """One of a list of values (e.g. ``["gbtree", "dart"]``, or ``[2, 4, 6]`` for a grid).

    Values are sent as strings, as the SDK does; the only kind of range grid search accepts.
    """

    __name__ = "Categorical"

    def __init__(self, values):  # noqa: D107 - no min/max here, as in the SDK
        values = values if isinstance(values, (list, tuple)) else [values]
        if not values:
            raise ValueError("CategoricalParameter needs at least one value, e.g. CategoricalParameter(['a', 'b']).")
        strings = [to_string(v) for v in values]
        duplicates = sorted({s for s in strings if strings.count(s) > 1})
        if duplicates:
            raise ValueError(f"CategoricalParameter: the value(s) {', '.join(map(repr, duplicates))} appear more than once.")
        self.values = strings

    def is_valid(self, value) -> bool:
        return to_string(value) in self.values

    @classmethod
    def cast_to_type(cls, value):
        return str(value)

    def as_tuning_range(self, name: str) -> dict:
        return {"Name": name, "Values": list(self.values)}

    def distribution(self):
        import optuna.distributions as d

        return d.CategoricalDistribution(tuple(self.values))

    def decode(self, sampled):
        return str(sampled)

    def format(self, value) -> str:
        return str(value)

    def probe_values(self) -> list:
        return list(self.values)

    def __repr__(self) -> str:
        return f"CategoricalParameter({self.values!r})"


def parameter_ranges(ranges: dict[str, ParameterRange]) -> dict[str, list[dict]]:
    """``ParameterRanges`` of the API: ranges grouped by kind, in the order given."""
    out: dict[str, list[dict]] = {f"{kind}ParameterRanges": [] for kind in ParameterRange.__all_types__}
    for name, spec in ranges.items():
        out[f"{spec.__name__}ParameterRanges"].append(spec.as_tuning_range(name))
    return out


def ranges_from_description(parameter_ranges_dict: dict) -> dict[str, ParameterRange]:
    """Rebuild range objects from a described ``ParameterRanges`` (after a kernel restart)."""
    ranges: dict[str, ParameterRange] = {}
    for item in parameter_ranges_dict.get("CategoricalParameterRanges", []):
        ranges[item["Name"]] = CategoricalParameter(item["Values"])
    for item in parameter_ranges_dict.get("ContinuousParameterRanges", []):
        ranges[item["Name"]] = ContinuousParameter(float(item["MinValue"]), float(item["MaxValue"]),
                                                   scaling_type=item.get("ScalingType", "Auto"))
    for item in parameter_ranges_dict.get("IntegerParameterRanges", []):
        ranges[item["Name"]] = IntegerParameter(int(item["MinValue"]), int(item["MaxValue"]),
                                                scaling_type=item.get("ScalingType", "Auto"))
    return ranges
