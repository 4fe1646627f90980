"""The same linear model and loss, trained with torch: autograd computes the gradient for us.

Nothing here knows the formula 2/n · Xᵀ(Xw + b − y): torch records the forward computation and
``loss.backward()`` differentiates it. The examples are visited in the same seeded order as
:func:`helpers.gd.gradient_descent`, in float64, so both give the same weights to ~1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.gd.descent import GDResult, GradientDescentDiverged, _check_options, _scale_advice, _Tracker, batches
from helpers.gd.model import stable_learning_rate
from helpers.gd.shapes import as_features, as_target, check_finite

__all__ = ["gradient_descent_torch"]


def gradient_descent_torch(
    X: Any,
    y: Any,
    *,
    learning_rate: float = 0.01,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    seed: int = 0,
    on_divergence: str = "raise",
) -> GDResult:
    """Fit ``y ≈ X @ w + b`` with ``torch.optim.SGD`` and autograd; same arguments and result as
    :func:`helpers.gd.gradient_descent` (without ``tol`` and a starting point: it starts at zero)."""
    import torch

    X = as_features(X)
    y = as_target(y, X.shape[0])
    check_finite("X", X)
    check_finite("y", y)
    n, d = X.shape
    batch = _check_options(n, learning_rate, epochs, batch_size, l2, None, on_divergence)
    X_all, y_all = torch.from_numpy(X), torch.from_numpy(y)  # views: no copy
    w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=learning_rate)

    def loss_of(X_batch: torch.Tensor, y_batch: torch.Tensor) -> torch.Tensor:
        loss = torch.mean((X_batch @ w + b - y_batch) ** 2)
        return loss + l2 * torch.sum(w**2) if l2 else loss

    def full_loss() -> float:
        with torch.no_grad():
            return loss_of(X_all, y_all).item()

    tracker = _Tracker(
        learning_rate=float(learning_rate),
        batch_size=batch,
        n_samples=n,
        l2=float(l2),
        stable_rate=lambda: stable_learning_rate(X, l2),
    )
    tracker.record(full_loss())
    rng = np.random.default_rng(seed)
    steps = 0
    for _ in range(epochs):
        if batch == n:
            chunks = [(X_all, y_all)]
        else:
            chunks = ((torch.from_numpy(Xb), torch.from_numpy(yb)) for Xb, yb in batches(X, y, batch, rng))
        for X_batch, y_batch in chunks:
            optimizer.zero_grad()
            loss = loss_of(X_batch, y_batch)
            loss.backward()  # fills w.grad and b.grad
            optimizer.step()  # w -= learning_rate * w.grad, and the same for b
            steps += 1
            if batch < n and tracker.exploded(loss.item()):
                break
        tracker.record(full_loss())
        if tracker.diverged:
            break
    result = tracker.result(
        w.detach().numpy().copy(), b.item(), steps, False, None, explain=lambda: _scale_advice(X)
    )
    if result.diverged and on_divergence == "raise":
        raise GradientDescentDiverged(result)
    return result
