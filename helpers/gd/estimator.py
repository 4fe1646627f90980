"""Gradient-descent linear regression as a scikit-learn estimator (fits in a Pipeline)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from helpers.gd.descent import gradient_descent
from helpers.gd.shapes import ShapeError, as_features

__all__ = ["LinearRegressionGD"]


class LinearRegressionGD(RegressorMixin, BaseEstimator):
    """Linear regression fitted by :func:`helpers.gd.gradient_descent`.

    Hyperparameters as in that function. After ``fit``: ``coef_`` (n_features,), ``intercept_``,
    ``loss_history_`` (training MSE per epoch) and ``result_`` (the full :class:`GDResult`).
    A diverging fit raises :class:`GradientDescentDiverged` with a learning rate to try.
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        epochs: int = 100,
        batch_size: int | None = None,
        l2: float = 0.0,
        tol: float | None = None,
        seed: int = 0,
    ):
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.l2 = l2
        self.tol = tol
        self.seed = seed

    def fit(self, X: Any, y: Any) -> "LinearRegressionGD":
        result = gradient_descent(
            X,
            y,
            learning_rate=self.learning_rate,
            epochs=self.epochs,
            batch_size=self.batch_size,
            l2=self.l2,
            tol=self.tol,
            seed=self.seed,
        )
        self.result_ = result
        self.coef_ = result.weights
        self.intercept_ = result.bias
        self.loss_history_ = result.loss_history
        self.n_features_in_ = self.coef_.shape[0]
        return self

    def predict(self, X: Any) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise RuntimeError("This LinearRegressionGD is not fitted yet: call .fit(X, y) first.")
        X = as_features(X)
        if X.shape[1] != self.n_features_in_:
            raise ShapeError(
                f"X has {X.shape[1]} column(s), but the model was fitted on {self.n_features_in_}: "
                f"transform new data exactly as the training data (same columns, same order)."
            )
        return X @ self.coef_ + self.intercept_
