"""Hyperparameter schemas: each algorithm declares its hyperparameters with SageMaker's names,
defaults, valid ranges and required set; :func:`validate` turns what the job received into typed
values, or raises :class:`~helpers.algorithms.errors.HyperparameterError` with a SageMaker-like message.

SageMaker passes every hyperparameter as a string (``{"epochs": "15"}``); notebooks often pass native
values (``{"epochs": 15}``). Both are accepted: ``"15"`` and ``15`` give ``15``, ``"true"``, ``"True"``
and ``True`` give ``True``. A hyperparameter whose valid values include ``auto`` keeps the string
``"auto"`` and the algorithm resolves it.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from helpers.algorithms.errors import HyperparameterError
from helpers.algorithms.numbers import parse_float, parse_int

__all__ = ["Hyperparameter", "integer", "number", "boolean", "choice", "custom", "validate", "TUNING_OBJECTIVE"]

#: SageMaker adds this hyperparameter to every training job a tuning job starts.
TUNING_OBJECTIVE = "_tuning_objective_metric"

_REQUIRED = object()


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its name, kind, valid values (``valid`` says them in words), default."""

    name: str
    kind: str  # "int" | "float" | "bool" | "choice" | "custom"
    valid: str
    default: Any = None
    required: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    auto: bool = False
    parse: Callable[[Any], Any] | None = None
    help: str = ""

    def convert(self, value: Any, algorithm: str) -> Any:
        """``value`` (a string or a native value) as this hyperparameter's type, range-checked."""
        if self.auto and isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        if self.kind == "int":
            out = _as_int(value)
            if out is None:
                raise self._error(value, "is not an integer")
            self._check_range(out, value)
            return out
        if self.kind == "float":
            out = _as_float(value)
            if out is None:
                raise self._error(value, "is not a number")
            self._check_range(out, value)
            return out
        if self.kind == "bool":
            out = _as_bool(value)
            if out is None:
                raise self._error(value, "is not a boolean")
            return out
        if self.kind == "choice":
            text = str(value).strip()
            if text not in self.choices:
                close = difflib.get_close_matches(text, self.choices, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise HyperparameterError(
                    f"Hyperparameter {self.name!r}: value {value!r} is not one of {_listing(self.choices)}.{hint}")
            return text
        assert self.parse is not None
        try:
            return self.parse(value)
        except (ValueError, TypeError) as exc:
            raise self._error(value, f"is not valid ({exc})") from None

    def _check_range(self, out: float, raw: Any) -> None:
        too_low = self.low is not None and (out < self.low or (self.low_open and out == self.low))
        too_high = self.high is not None and (out > self.high or (self.high_open and out == self.high))
        if too_low or too_high:
            raise HyperparameterError(
                f"Hyperparameter {self.name!r}: value {raw!r} not in range {self.range_text()}. "
                f"Valid values: {self.valid}."
            )

    def range_text(self) -> str:
        low = "-inf" if self.low is None else _number_text(self.low)
        high = "inf" if self.high is None else _number_text(self.high)
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"{left}{low}, {high}{right}"

    def _error(self, raw: Any, problem: str) -> HyperparameterError:
        return HyperparameterError(f"Hyperparameter {self.name!r}: value {raw!r} {problem}. Valid values: {self.valid}.")

    def describe(self) -> str:
        """One line for listings: name, valid values, default."""
        default = "required" if self.required else ("optional" if self.default is None else f"default {self.default!r}")
        return f"{self.name}: {self.valid} ({default})"


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _listing(values) -> str:
    return ", ".join(repr(v) for v in values)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        # ASCII digits only, as SageMaker's containers read them: int() would take "١٢" or "1_0"
        text = value.strip()
        out = parse_int(text)
        if out is not None:
            return out
        as_float = parse_float(text)  # "10.0" from a tuner's continuous range: accept when whole
        if as_float is None:
            return None
        return int(as_float) if math.isfinite(as_float) and as_float.is_integer() else None
    try:  # numpy integers
        import numpy as np

        if isinstance(value, np.integer):
            return int(value)
    except ImportError:  # pragma: no cover
        pass
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        out = parse_float(value.strip())  # ASCII syntax only: float() would take "１２" or "1_0"
    else:
        try:
            out = float(value)
        except (TypeError, ValueError):
            return None
    return out if out is not None and math.isfinite(out) else None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def integer(name: str, default: Any = None, *, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False, auto: bool = False, required: bool = False,
            valid: str | None = None, help: str = "") -> Hyperparameter:
    """An integer hyperparameter; ``low``/``high`` bound it (closed unless ``*_open``)."""
    if valid is None:
        valid = "positive integer" if (low == 1 and high is None) else "integer"
        if low == 0 and high is None:
            valid = "non-negative integer"
        if auto:
            valid = f"'auto' or {valid}"
    return Hyperparameter(name, "int", valid, default, required, low, high, low_open, high_open, auto=auto, help=help)


def number(name: str, default: Any = None, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, auto: bool = False, required: bool = False,
           valid: str | None = None, help: str = "") -> Hyperparameter:
    """A floating-point hyperparameter; ``low``/``high`` bound it (closed unless ``*_open``)."""
    if valid is None:
        valid = "float"
        if low is not None or high is not None:
            probe = Hyperparameter(name, "float", "", low=low, high=high, low_open=low_open, high_open=high_open)
            valid = f"float in {probe.range_text()}"
        if auto:
            valid = f"'auto' or {valid}"
    return Hyperparameter(name, "float", valid, default, required, low, high, low_open, high_open, auto=auto, help=help)


def boolean(name: str, default: Any = None, *, auto: bool = False, help: str = "") -> Hyperparameter:
    """A ``true``/``false`` hyperparameter (``auto`` too when ``auto=True``)."""
    valid = "'auto', 'true' or 'false'" if auto else "'true' or 'false'"
    return Hyperparameter(name, "bool", valid, default, auto=auto, help=help)


def choice(name: str, choices: tuple[str, ...] | list[str], default: Any = None, *, required: bool = False,
           help: str = "") -> Hyperparameter:
    """One of a fixed set of strings."""
    choices = tuple(choices)
    return Hyperparameter(name, "choice", "one of " + _listing(choices), default, required, choices=choices, help=help)


def custom(name: str, parse: Callable[[Any], Any], valid: str, default: Any = None, *, required: bool = False,
           help: str = "") -> Hyperparameter:
    """A hyperparameter ``parse`` converts (raising ValueError on bad input): lists, tuples..."""
    return Hyperparameter(name, "custom", valid, default, required, parse=parse, help=help)


def json_list(value: Any) -> list:
    """``'["msd","ssd"]'``, ``'msd'`` or ``["msd"]`` as a list of strings."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        parsed = json.loads(text)
        if not isinstance(parsed, list):
            raise ValueError("expected a JSON list")
        return [str(v) for v in parsed]
    return [part.strip() for part in text.split(",") if part.strip()]


def validate(schema: Mapping[str, Hyperparameter], values: Mapping[str, Any], algorithm: str,
             metric_names: list[str] | None = None) -> dict[str, Any]:
    """Typed hyperparameters with defaults filled, or :class:`HyperparameterError`.

    Unknown names, wrong types, out-of-range values and missing required ones are refused, one at a
    time, in that order, so the message names exactly one parameter and what it accepts.
    ``metric_names`` lists the metrics a tuning job may name in ``_tuning_objective_metric``.
    """
    if not isinstance(values, Mapping):
        raise HyperparameterError(f"Hyperparameters must be a mapping of name -> value, got {type(values).__name__}.")
    out: dict[str, Any] = {}
    for name in values:
        if name == TUNING_OBJECTIVE:
            continue
        if name not in schema:
            close = difflib.get_close_matches(str(name), list(schema), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise HyperparameterError(
                f"Hyperparameter {name!r} is not supported by {algorithm}.{hint} "
                f"Supported hyperparameters: {', '.join(sorted(schema))}."
            )
    if TUNING_OBJECTIVE in values:
        objective = str(values[TUNING_OBJECTIVE])
        if metric_names is not None and objective not in metric_names:
            raise HyperparameterError(
                f"Hyperparameter {TUNING_OBJECTIVE!r}: {objective!r} is not a metric {algorithm} emits. "
                f"Valid values: {', '.join(metric_names)}."
            )
        out[TUNING_OBJECTIVE] = objective
    for name, spec in schema.items():
        if name in values and values[name] is not None:
            out[name] = spec.convert(values[name], algorithm)
    for name, spec in schema.items():
        if name in out:
            continue
        if spec.required:
            meaning = f": {spec.help}" if spec.help else ""
            raise HyperparameterError(
                f"Missing required hyperparameter {name!r} for {algorithm}{meaning}. "
                f"Valid values: {spec.valid}. Set it in the job's hyperparameters, e.g. {{{name!r}: ...}}."
            )
        out[name] = spec.default
    return out
