"""Linear regression by gradient descent: the reference implementations notebook 04 and its tests use.

- :mod:`~helpers.gd.model`: ``predict``, ``squared_loss``, ``gradient``, ``least_squares`` (closed form),
  ``stable_learning_rate``;
- :mod:`~helpers.gd.descent`: ``gradient_descent`` (batch / mini-batch / stochastic) -> ``GDResult``,
  and ``GradientDescentDiverged``;
- :mod:`~helpers.gd.autograd`: ``gradient_descent_torch``, the same model trained with torch autograd;
- :mod:`~helpers.gd.estimator`: ``LinearRegressionGD``, a scikit-learn estimator;
- :mod:`~helpers.gd.shapes`: input validation (``ShapeError``).

Shapes everywhere: X (n_samples, n_features), y (n_samples,), w (n_features,), b a number.
torch is imported only when ``gradient_descent_torch`` is called.
"""

from helpers.gd.descent import GDResult, GradientDescentDiverged, gradient_descent, nice_rate_below
from helpers.gd.estimator import LinearRegressionGD
from helpers.gd.model import gradient, least_squares, predict, squared_loss, stable_learning_rate
from helpers.gd.shapes import ShapeError

__all__ = [
    "GDResult",
    "GradientDescentDiverged",
    "LinearRegressionGD",
    "ShapeError",
    "gradient",
    "gradient_descent",
    "gradient_descent_torch",
    "least_squares",
    "nice_rate_below",
    "predict",
    "squared_loss",
    "stable_learning_rate",
]


def gradient_descent_torch(*args, **kwargs):
    """See :func:`helpers.gd.autograd.gradient_descent_torch` (imports torch on first use)."""
    from helpers.gd.autograd import gradient_descent_torch as run

    return run(*args, **kwargs)
