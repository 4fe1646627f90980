"""Batch, mini-batch and stochastic gradient descent for the linear model, with a readable outcome.

One function does all three; ``batch_size`` picks the flavour:

- ``None`` (or >= n_samples): **batch** descent, one step per epoch on the whole data;
- ``1``: **stochastic** descent, one step per example;
- anything in between: **mini-batch** descent.

Each epoch visits every example once, in a fresh seeded order. The loss on the *whole* training set
is recorded before the first step and after every epoch, so the curves of the three flavours can be
drawn on one axis. A run whose loss explodes stops at once and says so in words, with a learning rate
to try instead, rather than filling the weights with NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from helpers.gd.model import _gradient, _loss, _predict, stable_learning_rate
from helpers.gd.shapes import as_bias, as_features, as_target, as_weights, check_finite

__all__ = ["GDResult", "GradientDescentDiverged", "gradient_descent", "method_name", "nice_rate_below"]

#: A run has diverged once its loss exceeds this multiple of the starting loss (or is not finite).
DIVERGENCE_FACTOR = 1e6


@dataclass(frozen=True)
class GDResult:
    """What a gradient-descent run produced.

    ``weights`` has shape (n_features,), ``bias`` is a number; ``loss_history`` holds the training loss
    (mean squared error, squared units of y) before the first step and after each epoch, so it has
    ``epochs + 1`` entries (fewer if the run stopped early). ``message`` says in words how it went.
    """

    weights: np.ndarray
    bias: float
    loss_history: np.ndarray
    learning_rate: float
    batch_size: int
    epochs: int
    steps: int
    diverged: bool
    converged: bool
    message: str
    l2: float = 0.0
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def method(self) -> str:
        return method_name(self.batch_size, self.extra.get("n_samples", self.batch_size))

    @property
    def final_loss(self) -> float:
        return float(self.loss_history[-1])

    def predict(self, X: Any) -> np.ndarray:
        """Predictions of the fitted model for ``X`` (n_samples, n_features)."""
        X = as_features(X)
        return _predict(X, as_weights(self.weights, X.shape[1], "the fitted weights"), self.bias)

    def __repr__(self) -> str:
        weights = np.array2string(self.weights, precision=4, threshold=6)
        return (
            f"GDResult({self.method}, learning_rate={self.learning_rate:g}, epochs={self.epochs}, "
            f"loss {self.loss_history[0]:.4g} -> {self.final_loss:.4g}, weights={weights}, "
            f"bias={self.bias:.4g}, diverged={self.diverged})"
        )


class GradientDescentDiverged(RuntimeError):
    """The loss blew up. ``str(error)`` says why and what to try; ``error.result`` keeps the run."""

    def __init__(self, result: GDResult):
        super().__init__(result.message)
        self.result = result


def method_name(batch_size: int, n_samples: int) -> str:
    if batch_size >= n_samples:
        return "batch"
    return "stochastic" if batch_size == 1 else "mini-batch"


def nice_rate_below(value: float) -> float:
    """The largest of 1, 2, 5 × 10^k that is <= ``value`` (a learning rate people can type)."""
    exponent = math.floor(math.log10(value))
    for mantissa in (5, 2, 1):
        candidate = mantissa * 10.0**exponent
        if candidate <= value * (1 + 1e-12):
            return float(f"{candidate:.1g}")
    return float(f"{10.0 ** exponent:.1g}")


def gradient_descent(
    X: Any,
    y: Any,
    *,
    learning_rate: float = 0.01,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    tol: float | None = None,
    seed: int = 0,
    weights: Any = None,
    bias: float = 0.0,
    on_divergence: str = "raise",
) -> GDResult:
    """Fit ``y ≈ X @ w + b`` by gradient descent on the mean squared error (+ ``l2 * ||w||²``).

    Parameters
    ----------
    X, y : arrays of shape (n_samples, n_features) and (n_samples,).
    learning_rate : the step size (units: squared units of w per unit of loss); must be > 0.
    epochs : passes over the data.
    batch_size : examples per step: None = all (batch), 1 = stochastic, else mini-batch.
    l2 : strength of the L2 penalty on the weights (not the bias).
    tol : stop early once the norm of the full gradient is <= tol (checked after every epoch).
    seed : seeds the order in which mini-batch and stochastic descent visit the examples.
    weights, bias : the starting point (default: zeros).
    on_divergence : "raise" (a :class:`GradientDescentDiverged`) or "return" (a result whose
        ``diverged`` is True and whose ``message`` explains).
    """
    X = as_features(X)
    y = as_target(y, X.shape[0])
    check_finite("X", X)
    check_finite("y", y)
    n, d = X.shape
    batch = _check_options(n, learning_rate, epochs, batch_size, l2, tol, on_divergence)
    w = np.zeros(d) if weights is None else as_weights(weights, d).copy()
    b = as_bias(bias)

    tracker = _Tracker(
        learning_rate=float(learning_rate),
        batch_size=batch,
        n_samples=n,
        l2=float(l2),
        stable_rate=lambda: stable_learning_rate(X, l2),
    )
    steps = 0
    converged = False
    # Overflow is how divergence ends; it is detected and reported below, not warned about per element.
    with np.errstate(over="ignore", invalid="ignore"):
        residual = _predict(X, w, b) - y
        tracker.record(_loss(residual, w, l2))
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            if batch == n:
                grad_w, grad_b = _gradient(X, residual, w, l2)
                if tol is not None and _norm(grad_w, grad_b) <= tol:
                    converged = True
                    break
                w = w - learning_rate * grad_w
                b = b - learning_rate * grad_b
                steps += 1
            else:
                for X_batch, y_batch in batches(X, y, batch, rng):
                    batch_residual = _predict(X_batch, w, b) - y_batch
                    grad_w, grad_b = _gradient(X_batch, batch_residual, w, l2)
                    w = w - learning_rate * grad_w
                    b = b - learning_rate * grad_b
                    steps += 1
                    if tracker.exploded(_loss(batch_residual, w, 0.0)):
                        break
            residual = _predict(X, w, b) - y
            tracker.record(_loss(residual, w, l2))
            if tracker.diverged:
                break
            if tol is not None and batch < n and _norm(*_gradient(X, residual, w, l2)) <= tol:
                converged = True
                break
    result = tracker.result(w, b, steps, converged, tol, explain=lambda: _scale_advice(X))
    if result.diverged and on_divergence == "raise":
        raise GradientDescentDiverged(result)
    return result


def batches(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator) -> Iterator[tuple]:
    """Yield (X_batch, y_batch) covering every row once, in an order drawn from ``rng``.

    Each batch gathers its rows into a small array (``X[indices]``) that stays in cache; shuffling all of
    X at once would allocate and write a full copy of it every epoch, which costs more than the epoch's
    arithmetic on large data. Only stochastic descent (batch_size=1) is a Python loop per row.
    """
    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        indices = order[start : start + batch_size]
        yield X[indices], y[indices]


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _norm(grad_w: np.ndarray, grad_b: float) -> float:
    return math.sqrt(float(grad_w @ grad_w) + grad_b * grad_b)


def _check_options(n, learning_rate, epochs, batch_size, l2, tol, on_divergence) -> int:
    if not (isinstance(learning_rate, (int, float, np.floating)) and math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate is {learning_rate!r}, but it must be a positive number such as 0.01.")
    if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"epochs is {epochs!r}, but it must be a whole number >= 0 (passes over the data).")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(
            f"batch_size is {batch_size!r}, but it must be None (batch), 1 (stochastic) or a whole number > 1."
        )
    if l2 < 0:
        raise ValueError(f"l2 is {l2}, but a penalty strength cannot be negative: use 0 for no penalty.")
    if tol is not None and tol < 0:
        raise ValueError(f"tol is {tol}, but a tolerance cannot be negative: use None to run every epoch.")
    if on_divergence not in ("raise", "return"):
        raise ValueError(f"on_divergence is {on_divergence!r}, but it must be 'raise' or 'return'.")
    return n if batch_size is None else int(min(batch_size, n))


def _scale_advice(X: np.ndarray) -> str:
    spread = X.std(axis=0)
    spread = spread[spread > 0]
    if spread.size < 2 or spread.max() / spread.min() < 100:
        return ""
    return (
        f" The columns of X have standard deviations from {spread.min():.3g} to {spread.max():.3g}: "
        f"standardise them (e.g. StandardScaler) and a much larger learning rate becomes stable."
    )


@dataclass
class _Tracker:
    """Records the loss per epoch, spots divergence, and writes the result's message.

    Shared by the numpy and the torch implementations so both report the same way.
    """

    learning_rate: float
    batch_size: int
    n_samples: int
    l2: float
    stable_rate: Callable[[], float] | None = None
    history: list[float] = field(default_factory=list)
    diverged: bool = False

    def record(self, loss: float) -> None:
        self.history.append(loss)
        self.diverged = self.diverged or self.exploded(loss)

    def exploded(self, loss: float) -> bool:
        if not self.history:
            return not math.isfinite(loss)
        start = max(self.history[0], 1e-12)
        return not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * start

    def slowly_diverging(self) -> bool:
        h = self.history
        return len(h) >= 4 and h[-1] > h[0] and h[-1] > h[-2] > h[-3] > h[-4]

    def result(self, w, b, steps: int, converged: bool, tol, explain: Callable[[], str]) -> GDResult:
        history = np.asarray(self.history, dtype=float)
        diverged = self.diverged or self.slowly_diverging()
        method = method_name(self.batch_size, self.n_samples)
        epochs = len(history) - 1
        if diverged:
            message = self._divergence_message(history, steps, method, explain)
        elif converged:
            message = (
                f"converged after {_count(epochs, 'epoch')} of {method} descent (gradient norm <= tol={tol:g}); "
                f"the loss went from {history[0]:.4g} to {history[-1]:.4g}."
            )
        else:
            message = (
                f"ran {_count(epochs, 'epoch')} ({_count(steps, 'step')}) of {method} descent; "
                f"the loss went from {history[0]:.4g} to {history[-1]:.4g}."
            )
        return GDResult(
            weights=np.asarray(w, dtype=float),
            bias=float(b),
            loss_history=history,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            epochs=epochs,
            steps=steps,
            diverged=diverged,
            converged=converged and not diverged,
            message=message,
            l2=self.l2,
            extra={"n_samples": self.n_samples},
        )

    def _divergence_message(self, history: np.ndarray, steps: int, method: str, explain) -> str:
        finite = history[np.isfinite(history)]
        end = f"{finite[-1]:.3g}" if finite.size == history.size else "infinity (overflow)"
        epochs = len(history) - 1
        span = _count(steps, "step") if method == "batch" else f"{_count(epochs, 'epoch')} ({_count(steps, 'step')})"
        limit = self.stable_rate() if self.stable_rate else float("nan")
        lr = self.learning_rate
        if method == "batch":
            why = f"the learning rate {lr:.3g} is too large for this data (batch descent is stable only below {limit:.2g})"
            suggestion = nice_rate_below(0.5 * limit)
        else:
            why = (
                f"the learning rate {lr:.3g} is too large for {method} descent on this data "
                f"(batch descent is stable below {limit:.2g}; small batches are noisier)"
            )
            suggestion = nice_rate_below(min(0.5 * limit, lr / 10))
        return f"the loss grew from {history[0]:.3g} to {end} in {span}: {why}; try {suggestion:g}.{explain()}"
