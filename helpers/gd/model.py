"""The linear model f(x) = x·w + b, its squared loss, the loss's gradient, and the closed form.

Shapes: ``X`` is (n_samples, n_features), ``y`` is (n_samples,), ``w`` is (n_features,), ``b`` is a
number. The loss is the *mean* squared error, in the squared units of ``y``, plus an optional L2
penalty ``l2 * ||w||²`` (the bias is not penalised)::

    L(w, b) = 1/n · Σᵢ (xᵢ·w + b − yᵢ)²  +  l2 · ||w||²
    ∂L/∂w   = 2/n · Xᵀ (Xw + b − y)      +  2 · l2 · w
    ∂L/∂b   = 2/n · Σᵢ (xᵢ·w + b − yᵢ)

Everything is vectorised: one matrix-vector product for the predictions, one for the gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.gd.shapes import as_bias, as_features, as_target, as_weights

__all__ = ["predict", "squared_loss", "gradient", "least_squares", "stable_learning_rate"]


def predict(X: Any, w: Any, b: Any = 0.0) -> np.ndarray:
    """Return the predictions ``X @ w + b``, shape (n_samples,), in the units of ``y``."""
    X = as_features(X)
    return _predict(X, as_weights(w, X.shape[1]), as_bias(b))


def squared_loss(X: Any, y: Any, w: Any, b: Any = 0.0, l2: float = 0.0) -> float:
    """Return the mean squared error of ``X @ w + b`` against ``y`` (+ ``l2 * ||w||²``)."""
    X = as_features(X)
    y = as_target(y, X.shape[0])
    w = as_weights(w, X.shape[1])
    residual = _predict(X, w, as_bias(b)) - y
    return _loss(residual, w, l2)


def gradient(X: Any, y: Any, w: Any, b: Any = 0.0, l2: float = 0.0) -> tuple[np.ndarray, float]:
    """Return ``(dL/dw, dL/db)`` of :func:`squared_loss`: shapes (n_features,) and a number."""
    X = as_features(X)
    y = as_target(y, X.shape[0])
    w = as_weights(w, X.shape[1])
    residual = _predict(X, w, as_bias(b)) - y
    return _gradient(X, residual, w, l2)


def least_squares(X: Any, y: Any, l2: float = 0.0) -> tuple[np.ndarray, float]:
    """Return the ``(w, b)`` that minimise :func:`squared_loss` exactly (no iterations).

    With ``l2 == 0`` this is ordinary least squares, solved by ``numpy.linalg.lstsq`` (an SVD, so
    it also copes with collinear columns). With ``l2 > 0`` it is ridge regression with an
    unpenalised bias: centre X and y, solve (XcᵀXc/n + l2·I) w = Xcᵀyc/n, then b = ȳ − x̄·w.
    scikit-learn's ``Ridge(alpha)`` minimises the *sum* of squares, so ``alpha = n * l2``.
    """
    X = as_features(X)
    y = as_target(y, X.shape[0])
    if l2 < 0:
        raise ValueError(f"l2 is {l2}, but a penalty strength cannot be negative: use 0 for no penalty.")
    if l2 == 0:
        design = np.column_stack([X, np.ones(X.shape[0])])
        theta, *_ = np.linalg.lstsq(design, y, rcond=None)
        return theta[:-1], float(theta[-1])
    n = X.shape[0]
    x_mean, y_mean = X.mean(axis=0), y.mean()
    centred = X - x_mean
    w = np.linalg.solve(centred.T @ centred / n + l2 * np.eye(X.shape[1]), centred.T @ (y - y_mean) / n)
    return w, float(y_mean - x_mean @ w)


def stable_learning_rate(X: Any, l2: float = 0.0) -> float:
    """Return the largest learning rate at which *full-batch* descent on this X cannot diverge.

    The squared loss is a quadratic bowl whose curvature (Hessian) is 2·(AᵀA/n + l2·D), with A = [X, 1]
    and D the identity without the bias. A step moves each eigen-direction by the factor
    |1 − learning_rate · 2λ|, so descent converges exactly when learning_rate < 1/λ_max.
    """
    X = as_features(X)
    n, d = X.shape
    column_sums = X.sum(axis=0)
    gram = np.empty((d + 1, d + 1))
    gram[:d, :d] = X.T @ X
    gram[:d, d] = gram[d, :d] = column_sums
    gram[d, d] = n
    gram /= n
    gram[:d, :d] += l2 * np.eye(d)
    return float(1.0 / np.linalg.eigvalsh(gram)[-1])


# Unchecked kernels: the descent loops call these after validating once.


def _predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return X @ w + b


def _loss(residual: np.ndarray, w: np.ndarray, l2: float) -> float:
    loss = float(residual @ residual) / residual.shape[0]
    if l2:
        loss += l2 * float(w @ w)
    return loss


def _gradient(X: np.ndarray, residual: np.ndarray, w: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    scale = 2.0 / X.shape[0]
    grad_w = scale * (X.T @ residual)
    if l2:
        grad_w += 2.0 * l2 * w
    return grad_w, scale * float(residual.sum())
