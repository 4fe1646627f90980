"""helpers.gd: the reference gradient descent notebook 04 and its checks rely on."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from helpers import gd
from helpers.gd import GradientDescentDiverged, ShapeError


def make_data(n=200, d=4, noise=0.1, seed=0, scales=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if scales is not None:
        X = X * np.asarray(scales)
    true_w = rng.uniform(-3, 3, d)
    y = X @ true_w + 2.5 + noise * rng.standard_normal(n)
    return X, y


# --- the model, the loss and its gradient ------------------------------------------------------


def test_predict_and_loss_match_their_definitions():
    from sklearn.metrics import mean_squared_error

    X, y = make_data()
    w, b = np.arange(1.0, 5.0), -0.5
    np.testing.assert_allclose(gd.predict(X, w, b), X @ w + b)
    assert gd.squared_loss(X, y, w, b) == pytest.approx(mean_squared_error(y, X @ w + b), rel=1e-12)
    assert gd.squared_loss(X, y, w, b, l2=0.1) == pytest.approx(mean_squared_error(y, X @ w + b) + 0.1 * w @ w)


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_finite_differences(l2):
    X, y = make_data(n=50, d=3)
    w, b = np.array([0.5, -1.0, 2.0]), 0.7
    grad_w, grad_b = gd.gradient(X, y, w, b, l2=l2)
    h = 1e-6
    numeric = [
        (gd.squared_loss(X, y, w + h * e, b, l2) - gd.squared_loss(X, y, w - h * e, b, l2)) / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(grad_w, numeric, rtol=1e-6)
    numeric_b = (gd.squared_loss(X, y, w, b + h, l2) - gd.squared_loss(X, y, w, b - h, l2)) / (2 * h)
    assert grad_b == pytest.approx(numeric_b, rel=1e-6)
    assert grad_w.shape == (3,) and isinstance(grad_b, float)


def test_least_squares_matches_scikit_learn_ols_and_ridge():
    from sklearn.linear_model import LinearRegression, Ridge

    X, y = make_data(n=120, d=5, noise=1.0)
    w, b = gd.least_squares(X, y)
    ols = LinearRegression().fit(X, y)
    np.testing.assert_allclose(w, ols.coef_, rtol=1e-10)
    assert b == pytest.approx(ols.intercept_, rel=1e-10)
    # Ridge minimises the *sum* of squares: alpha = n * l2.
    w, b = gd.least_squares(X, y, l2=0.5)
    ridge = Ridge(alpha=len(y) * 0.5).fit(X, y)
    np.testing.assert_allclose(w, ridge.coef_, rtol=1e-8)
    assert b == pytest.approx(ridge.intercept_, rel=1e-8)


# --- gradient descent reaches the closed form --------------------------------------------------


def test_batch_descent_reaches_the_least_squares_coefficients_to_1e6_relative():
    X, y = make_data()
    w_star, b_star = gd.least_squares(X, y)
    rate = gd.stable_learning_rate(X)
    result = gd.gradient_descent(X, y, learning_rate=0.5 * rate, epochs=2000)
    assert not result.diverged
    np.testing.assert_allclose(result.weights, w_star, rtol=1e-6, atol=0)
    assert result.bias == pytest.approx(b_star, rel=1e-6)
    assert result.loss_history.shape == (2001,)
    assert np.all(np.diff(result.loss_history) <= 1e-12), "batch descent below the stable rate never goes uphill"


def test_batch_descent_with_l2_reaches_ridge():
    X, y = make_data(n=150, d=3)
    w_star, b_star = gd.least_squares(X, y, l2=0.2)
    result = gd.gradient_descent(X, y, learning_rate=0.5 * gd.stable_learning_rate(X, l2=0.2), epochs=3000, l2=0.2)
    np.testing.assert_allclose(result.weights, w_star, rtol=1e-6, atol=0)
    assert result.bias == pytest.approx(b_star, rel=1e-6)


def test_tol_stops_early_and_says_converged():
    X, y = make_data()
    result = gd.gradient_descent(X, y, learning_rate=0.5 * gd.stable_learning_rate(X), epochs=5000, tol=1e-9)
    assert result.converged and result.epochs < 5000
    assert "converged" in result.message
    assert np.linalg.norm(np.append(*gd.gradient(X, y, result.weights, result.bias))) <= 1e-9


@pytest.mark.parametrize("batch_size, learning_rate", [(16, 0.05), (1, 0.005)])
def test_mini_batch_and_stochastic_descent_land_near_the_solution(batch_size, learning_rate):
    X, y = make_data(n=400, d=4, noise=0.1)
    w_star, b_star = gd.least_squares(X, y)
    best = gd.squared_loss(X, y, w_star, b_star)
    result = gd.gradient_descent(X, y, learning_rate=learning_rate, epochs=40, batch_size=batch_size, seed=1)
    assert result.method == ("stochastic" if batch_size == 1 else "mini-batch")
    assert result.steps == 40 * int(np.ceil(400 / batch_size))
    # A constant step leaves SGD jittering around the optimum: near, not on it.
    assert np.linalg.norm(result.weights - w_star) / np.linalg.norm(w_star) < 1e-2
    assert abs(result.bias - b_star) < 0.02
    assert result.final_loss < 1.05 * best


def test_stochastic_descent_is_reproducible_by_seed():
    X, y = make_data()
    a = gd.gradient_descent(X, y, learning_rate=0.01, epochs=3, batch_size=1, seed=7)
    b = gd.gradient_descent(X, y, learning_rate=0.01, epochs=3, batch_size=1, seed=7)
    c = gd.gradient_descent(X, y, learning_rate=0.01, epochs=3, batch_size=1, seed=8)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)


def test_the_starting_point_is_not_modified():
    X, y = make_data(d=2)
    start = np.array([1.0, -1.0])
    gd.gradient_descent(X, y, weights=start, bias=3.0, learning_rate=0.1, epochs=5)
    np.testing.assert_array_equal(start, [1.0, -1.0])


# --- divergence is reported in words ------------------------------------------------------------


def test_divergence_raises_a_readable_error_with_a_rate_that_works():
    X, y = make_data()
    limit = gd.stable_learning_rate(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarnings on the way
        with pytest.raises(GradientDescentDiverged) as info:
            gd.gradient_descent(X, y, learning_rate=3 * limit, epochs=500)
    message = str(info.value)
    assert re.match(r"the loss grew from \S+ to \S+ in \d+ steps: the learning rate \S+ is too large", message)
    assert f"stable only below {limit:.2g}" in message
    # The run stopped as soon as the loss exploded: nothing is NaN, the partial run is kept.
    partial = info.value.result
    assert partial.diverged and partial.epochs < 500
    assert np.all(np.isfinite(partial.loss_history)) and np.all(np.isfinite(partial.weights))
    # The advice works.
    suggested = float(re.search(r"try (\S+)\.", message).group(1))
    assert suggested < limit
    assert not gd.gradient_descent(X, y, learning_rate=suggested, epochs=50).diverged


def test_divergence_can_be_returned_instead_of_raised():
    X, y = make_data()
    result = gd.gradient_descent(X, y, learning_rate=10.0, epochs=100, on_divergence="return")
    assert result.diverged and not result.converged
    assert "too large" in result.message


def test_slow_divergence_just_above_the_limit_is_detected():
    X, y = make_data()
    result = gd.gradient_descent(
        X, y, learning_rate=1.02 * gd.stable_learning_rate(X), epochs=200, on_divergence="return"
    )
    assert result.diverged, result.message
    assert result.final_loss > result.loss_history[0]


def test_stochastic_divergence_is_caught_within_the_epoch():
    X, y = make_data(n=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gd.gradient_descent(X, y, learning_rate=2.0, epochs=5, batch_size=1, on_divergence="return")
    assert result.diverged and result.steps < 1000
    assert "stochastic descent" in result.message and np.isfinite(result.loss_history).all()


def test_divergence_on_unscaled_features_says_to_standardise():
    X, y = make_data(scales=[1, 10, 100, 1000])
    with pytest.raises(GradientDescentDiverged, match="standardise"):
        gd.gradient_descent(X, y, learning_rate=0.01, epochs=50)


@pytest.mark.parametrize("value, expected", [(0.45, 0.2), (0.9, 0.5), (1.0, 1.0), (0.0031, 0.002), (27, 20)])
def test_nice_rate_below(value, expected):
    assert gd.nice_rate_below(value) == expected


# --- bad input gets a clear error ---------------------------------------------------------------

X_GOOD, Y_GOOD = make_data(n=20, d=3)


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: gd.gradient_descent(X_GOOD[:, 0], Y_GOOD), ShapeError, r"shape \(20,\).*reshape\(-1, 1\)"),
        (lambda: gd.gradient_descent(X_GOOD, Y_GOOD[:, None]), ShapeError, r"shape \(20, 1\).*y\.ravel\(\)"),
        (lambda: gd.gradient_descent(X_GOOD, Y_GOOD[:15]), ShapeError, r"X has 20 rows but y has 15 values"),
        (lambda: gd.gradient_descent(X_GOOD[None], Y_GOOD), ShapeError, r"3 dimensions"),
        (lambda: gd.predict(X_GOOD, np.ones(2)), ShapeError, r"w has shape \(2,\).*needs shape \(3,\)"),
        (lambda: gd.gradient(X_GOOD, Y_GOOD, np.ones((3, 1))), ShapeError, r"w has shape \(3, 1\).*ravel"),
        (lambda: gd.squared_loss(X_GOOD, Y_GOOD, np.ones(3), b=[1, 2]), ShapeError, r"bias is one number"),
        (lambda: gd.gradient_descent(np.where(np.eye(20, 3) > 0, np.nan, X_GOOD), Y_GOOD), ValueError,
         r"X contains 3 NaN.*row 0, column 0.*impute or drop"),
        (lambda: gd.gradient_descent([["a", "b"], ["c", "d"]], [1, 2]), TypeError, r"numbers only.*one-hot"),
        (lambda: gd.gradient_descent(X_GOOD, Y_GOOD, learning_rate=-0.1), ValueError, r"positive number"),
        (lambda: gd.gradient_descent(X_GOOD, Y_GOOD, batch_size=0), ValueError, r"batch_size is 0"),
        (lambda: gd.gradient_descent(X_GOOD, Y_GOOD, epochs=2.5), ValueError, r"whole number"),
        (lambda: gd.gradient_descent(X_GOOD, Y_GOOD, on_divergence="ignore"), ValueError, r"'raise' or 'return'"),
        (lambda: gd.least_squares(X_GOOD, Y_GOOD, l2=-1), ValueError, r"cannot be negative"),
    ],
    ids=[
        "1-D X", "column y", "row mismatch", "3-D X", "w length", "w column", "bias array", "NaN in X",
        "text", "negative rate", "batch size 0", "fractional epochs", "unknown on_divergence", "negative l2",
    ],
)
def test_bad_input_gets_an_error_naming_the_problem_and_the_fix(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_pandas_input_is_accepted():
    import pandas as pd

    frame = pd.DataFrame(X_GOOD, columns=["a", "b", "c"])
    result = gd.gradient_descent(frame, pd.Series(Y_GOOD), learning_rate=0.1, epochs=5)
    assert result.weights.shape == (3,)


# --- torch autograd gives the same answer -------------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 32])
def test_torch_autograd_matches_numpy(batch_size):
    X, y = make_data(n=300)
    kwargs = dict(learning_rate=0.05, epochs=20, batch_size=batch_size, l2=0.01, seed=3)
    numpy_result = gd.gradient_descent(X, y, **kwargs)
    torch_result = gd.gradient_descent_torch(X, y, **kwargs)
    np.testing.assert_allclose(torch_result.weights, numpy_result.weights, rtol=1e-10)
    assert torch_result.bias == pytest.approx(numpy_result.bias, rel=1e-10)
    np.testing.assert_allclose(torch_result.loss_history, numpy_result.loss_history, rtol=1e-10)
    assert torch_result.steps == numpy_result.steps


def test_torch_reports_divergence_the_same_way():
    X, y = make_data()
    with pytest.raises(GradientDescentDiverged, match="too large"):
        gd.gradient_descent_torch(X, y, learning_rate=5.0, epochs=100)


# --- the scikit-learn estimator -----------------------------------------------------------------


def test_estimator_works_in_a_pipeline_and_matches_least_squares():
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_data(scales=[1, 10, 100, 1000])
    model = make_pipeline(StandardScaler(), gd.LinearRegressionGD(learning_rate=0.1, epochs=500))
    model.fit(X, y)
    w_star, b_star = gd.least_squares(X, y)
    np.testing.assert_allclose(model.predict(X), X @ w_star + b_star, rtol=1e-6)
    assert clone(model).get_params()["linearregressiongd__learning_rate"] == 0.1
    estimator = model[-1]
    assert estimator.loss_history_.shape == (501,) and estimator.result_.method == "batch"
    with pytest.raises(ShapeError, match="fitted on 4"):
        estimator.predict(X[:, :2])
    with pytest.raises(RuntimeError, match="not fitted yet"):
        gd.LinearRegressionGD().predict(X)
