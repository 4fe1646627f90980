"""Turn learner input into the arrays gradient descent needs, or say exactly what is wrong.

Every public function of :mod:`helpers.gd` goes through these, so a wrong shape fails once, at the
door, with a message that names the shapes and the fix, instead of deep inside a matrix product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ShapeError", "as_features", "as_target", "as_weights", "as_bias", "check_finite"]


class ShapeError(ValueError):
    """An array has the wrong shape for a linear model; the message names the shapes and the fix."""


def _as_float(name: str, value: Any) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must hold numbers only, but converting it to float failed ({error}): "
            f"encode text columns as numbers first (e.g. one-hot) and drop identifier columns."
        ) from None


def as_features(X: Any, name: str = "X") -> np.ndarray:
    """Return ``X`` as a float64 array of shape (n_samples, n_features)."""
    array = _as_float(name, X)
    if array.ndim == 1:
        raise ShapeError(
            f"{name} has shape {array.shape}, but a feature matrix needs 2 dimensions "
            f"(n_samples, n_features): for a single feature pass {name}.reshape(-1, 1), "
            f"which has shape ({array.shape[0]}, 1)."
        )
    if array.ndim != 2:
        raise ShapeError(
            f"{name} has shape {array.shape} ({array.ndim} dimensions), but a feature matrix has 2: "
            f"(n_samples, n_features). Flatten each example, e.g. {name}.reshape(len({name}), -1)."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ShapeError(f"{name} has shape {array.shape}: it needs at least one row and one column.")
    return array


def as_target(y: Any, n_samples: int, name: str = "y") -> np.ndarray:
    """Return ``y`` as a float64 array of shape (n_samples,)."""
    array = _as_float(name, y)
    if array.ndim == 2 and 1 in array.shape and array.size == n_samples:
        raise ShapeError(
            f"{name} has shape {array.shape}, but the target must be 1-D with shape ({n_samples},): "
            f"pass {name}.ravel(). (A column vector makes X @ w - {name} broadcast to an "
            f"({n_samples}, {n_samples}) matrix and silently gives a wrong gradient.)"
        )
    if array.ndim != 1:
        raise ShapeError(f"{name} has shape {array.shape}, but the target must be 1-D with shape ({n_samples},).")
    if array.shape[0] != n_samples:
        raise ShapeError(
            f"X has {n_samples} rows but {name} has {array.shape[0]} values: they must describe the same "
            f"examples, one target per row of X. Did you split X and {name} differently?"
        )
    return array


def as_weights(w: Any, n_features: int, name: str = "w") -> np.ndarray:
    """Return ``w`` as a float64 array of shape (n_features,)."""
    array = _as_float(name, w)
    if array.ndim == 2 and 1 in array.shape and array.size == n_features:
        raise ShapeError(
            f"{name} has shape {array.shape}, but the weights must be 1-D with shape ({n_features},), "
            f"one per column of X: pass {name}.ravel()."
        )
    if array.shape != (n_features,):
        raise ShapeError(
            f"{name} has shape {array.shape}, but X has {n_features} column(s), so {name} needs shape "
            f"({n_features},): one weight per feature (the bias b is separate)."
        )
    return array


def as_bias(b: Any, name: str = "b") -> float:
    """Return ``b`` as a Python float (a scalar or an array with one element)."""
    array = _as_float(name, b)
    if array.size != 1:
        raise ShapeError(f"{name} has shape {array.shape}, but the bias is one number (shape ()).")
    return float(array.reshape(()))


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise if ``array`` holds NaN or infinity, naming the first bad position."""
    # One cheap pass in the common case: the sum of finite numbers is finite (barring overflow).
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(array.sum()):
            return
    bad = ~np.isfinite(array)
    if not bad.any():
        return  # the sum overflowed, the values are fine
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f"row {first[0]}" + (f", column {first[1]}" if len(first) > 1 else "")
    raise ValueError(
        f"{name} contains {int(bad.sum())} NaN or infinite value(s) (the first at {where}): "
        f"impute or drop them before training; gradient descent would turn every weight into NaN."
    )
