"""Lab 04 (the model the other labs follow): valid styles accepted, typical mistakes named."""

from __future__ import annotations

import numpy as np

from helpers import gd
from helpers.labchecks.lab04 import check
from variant_harness import accepts, rejects

# --- predict, loss ---------------------------------------------------------------------------------


def _predict_loop(X, w, b):
    return np.array([sum(x_j * w_j for x_j, w_j in zip(row, w)) + b for row in X])


def test_predict_accepts_matmul_einsum_loops_and_float32():
    accepts(check.predict, lambda X, w, b: X @ w + b)
    accepts(check.predict, lambda X, w, b: np.einsum("ij,j->i", X, w) + b)
    accepts(check.predict, _predict_loop)
    accepts(check.predict, lambda X, w, b: (X.astype(np.float32) @ w.astype(np.float32) + np.float32(b)))
    accepts(check.predict, lambda X, w, b: list(np.dot(X, w) + b))


def test_predict_names_the_bias_the_shape_and_the_return():
    rejects(check.predict, lambda X, w, b: X @ w, hint="the bias is missing")
    rejects(check.predict, lambda X, w, b: (X @ w + b)[:, None], hint="shape (7, 1), but shape (7,)")
    rejects(check.predict, lambda X, w, b: None, hint="forget to `return`")


def test_loss_accepts_mean_loops_and_sklearn():
    from sklearn.metrics import mean_squared_error

    accepts(check.loss, lambda X, y, w, b: np.mean((X @ w + b - y) ** 2))
    accepts(check.loss, lambda X, y, w, b: sum((p - t) ** 2 for p, t in zip(X @ w + b, y)) / len(y))
    accepts(check.loss, lambda X, y, w, b: mean_squared_error(y, X @ w + b))
    accepts(check.loss, lambda X, y, w, b: float(np.float32(np.mean((X @ w + b - y) ** 2))))


def test_loss_names_sums_roots_and_per_row_losses():
    rejects(check.loss, lambda X, y, w, b: np.sum((X @ w + b - y) ** 2), hint="the sum of the squared residuals")
    rejects(check.loss, lambda X, y, w, b: np.sqrt(np.mean((X @ w + b - y) ** 2)), hint="square root of the mean (RMSE)")
    rejects(check.loss, lambda X, y, w, b: np.mean(np.abs(X @ w + b - y)), hint="mean absolute residual")
    rejects(check.loss, lambda X, y, w, b: np.mean(X @ w + b - y), hint="positive and negative errors cancel")
    rejects(check.loss, lambda X, y, w, b: (X @ w + b - y) ** 2, hint="but shape () is expected")


# --- gradient, step ---------------------------------------------------------------------------------


def _gradient_loop(X, y, w, b):
    n = len(y)
    grad_w, grad_b = np.zeros_like(w), 0.0
    for i in range(n):
        residual = X[i] @ w + b - y[i]
        grad_w += 2 / n * residual * X[i]
        grad_b += 2 / n * residual
    return grad_w, grad_b


def test_gradient_accepts_vectorised_loops_lists_and_float32():
    accepts(check.gradient, lambda X, y, w, b: (2 / len(y) * X.T @ (X @ w + b - y), 2 / len(y) * np.sum(X @ w + b - y)))
    accepts(check.gradient, _gradient_loop)
    accepts(check.gradient, lambda X, y, w, b: [2 * np.mean((X @ w + b - y)[:, None] * X, axis=0), 2 * np.mean(X @ w + b - y)])
    accepts(check.gradient, lambda X, y, w, b: tuple(np.float32(v) for v in gd.gradient(X, y, w, b)))


def test_gradient_names_the_sign_the_factor_and_the_shape():
    rejects(check.gradient, lambda X, y, w, b: tuple(-g for g in gd.gradient(X, y, w, b)), hint="the sign is flipped")
    rejects(check.gradient, lambda X, y, w, b: tuple(g / 2 for g in gd.gradient(X, y, w, b)), hint="half the right value")
    rejects(check.gradient, lambda X, y, w, b: tuple(g * len(y) / 2 for g in gd.gradient(X, y, w, b)), hint="n/2 times too large")
    rejects(check.gradient, lambda X, y, w, b: gd.gradient(X, y, w, b)[0], hint="should return two things")


def test_step_accepts_new_arrays_copies_and_tuples():
    accepts(check.step, lambda X, y, w, b, lr: (w - lr * gd.gradient(X, y, w, b)[0], b - lr * gd.gradient(X, y, w, b)[1]))

    def with_copy(X, y, w, b, lr):
        w = w.copy()
        grad_w, grad_b = gd.gradient(X, y, w, b)
        w -= lr * grad_w
        return w, b - lr * grad_b

    def as_list(X, y, w, b, lr):
        grad_w, grad_b = gd.gradient(X, y, w, b)
        return [list(w - lr * grad_w), float(b - lr * grad_b)]

    accepts(check.step, with_copy)
    accepts(check.step, as_list)


def test_step_names_in_place_updates_and_uphill_steps():
    def in_place(X, y, w, b, lr):
        w -= lr * gd.gradient(X, y, w, b)[0]
        return w, b - lr * gd.gradient(X, y, w, b)[1]

    rejects(check.step, in_place, hint="changed the w it was given")
    rejects(check.step, lambda X, y, w, b, lr: (w + lr * gd.gradient(X, y, w, b)[0], b + lr * gd.gradient(X, y, w, b)[1]),
            hint=["goes uphill", "step against it"])
    rejects(check.step, lambda X, y, w, b, lr: (w - gd.gradient(X, y, w, b)[0], b - gd.gradient(X, y, w, b)[1]),
            hint=["the new w", "learning_rate=0.1"])


# --- train, torch_loss, ridge_gradient ------------------------------------------------------------------


def _train_loop(X, y, learning_rate, epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = [gd.squared_loss(X, y, w, b)]
    for _ in range(epochs):
        grad_w, grad_b = gd.gradient(X, y, w, b)
        w, b = w - learning_rate * grad_w, b - learning_rate * grad_b
        losses.append(gd.squared_loss(X, y, w, b))
    return w, b, losses


def _train_while(X, y, learning_rate, epochs):
    w, b, losses, done = np.zeros(X.shape[1]), 0.0, [], 0
    while True:
        losses.append(np.mean((X @ w + b - y) ** 2))
        if done == epochs:
            return w, b, np.array(losses)
        residual = X @ w + b - y
        w = w - learning_rate * 2 / len(y) * X.T @ residual
        b = b - learning_rate * 2 / len(y) * residual.sum()
        done += 1


def test_train_accepts_for_while_and_array_histories():
    accepts(check.train, _train_loop)
    accepts(check.train, _train_while)
    accepts(check.train, lambda X, y, lr, epochs: tuple(_train_loop(X, y, lr, epochs)[:2]) + (tuple(_train_loop(X, y, lr, epochs)[2]),))


def test_train_names_the_library_loop_that_stops_where_the_notebook_diverges_on_purpose():
    from helpers import gd

    def library(X, y, lr, epochs):  # ✔ at a stable rate, then a crash in the notebook's divergence cell
        run = gd.gradient_descent(X, y, learning_rate=lr, epochs=epochs)
        return run.weights, run.bias, run.loss_history

    def library_returning(X, y, lr, epochs):  # stops early: fewer losses than epochs + 1
        run = gd.gradient_descent(X, y, learning_rate=lr, epochs=epochs, on_divergence="return")
        return run.weights, run.bias, run.loss_history

    rejects(check.train, library, hint="Write the loop yourself")
    rejects(check.train, library_returning, hint="after 12 epoch(s)")


def test_train_names_the_missing_first_loss():
    rejects(check.train, lambda X, y, lr, epochs: (*_train_loop(X, y, lr, epochs)[:2], _train_loop(X, y, lr, epochs)[2][1:]),
            hint="the loss before the first step")


def test_train_names_a_missing_return_value_and_a_loop_one_step_short():
    rejects(check.train, lambda X, y, lr, epochs: _train_loop(X, y, lr, epochs)[:2], hint="should return three things")

    def one_short(X, y, lr, epochs):
        w, b, losses = _train_loop(X, y, lr, epochs - 1)
        return w, b, losses + [losses[-1]]  # the right length, but the last step never happened

    rejects(check.train, one_short, hint="the losses after 5 epoch(s)")


def test_torch_loss_accepts_mean_mse_and_functional():
    import torch

    accepts(check.torch_loss, lambda X, y, w, b: torch.mean((X @ w + b - y) ** 2))
    accepts(check.torch_loss, lambda X, y, w, b: torch.nn.functional.mse_loss(X @ w + b, y))
    accepts(check.torch_loss, lambda X, y, w, b: ((X.matmul(w) + b - y) ** 2).sum() / len(y))


def test_torch_loss_names_items_and_detached_graphs():
    rejects(check.torch_loss, lambda X, y, w, b: ((X @ w + b - y) ** 2).mean().item(), hint="not a torch tensor")
    rejects(check.torch_loss, lambda X, y, w, b: ((X @ w + b - y) ** 2).mean().detach(), hint="cut from the graph")
    rejects(check.torch_loss, lambda X, y, w, b: ((X @ w + b - y) ** 2), hint="take the mean")


def test_ridge_gradient_accepts_plain_loops_and_reuse():
    accepts(check.ridge_gradient, lambda X, y, w, b, l2: (gd.gradient(X, y, w, b)[0] + 2 * l2 * w, gd.gradient(X, y, w, b)[1]))

    def loop(X, y, w, b, l2):
        grad_w, grad_b = _gradient_loop(X, y, w, b)
        return grad_w + np.array([2 * l2 * w_j for w_j in w]), grad_b

    accepts(check.ridge_gradient, loop)
    accepts(check.ridge_gradient, lambda X, y, w, b, l2: gd.gradient(X, y, w, b, l2=l2))


def test_ridge_gradient_names_the_penalised_bias():
    rejects(check.ridge_gradient, lambda X, y, w, b, l2: (gd.gradient(X, y, w, b)[0] + 2 * l2 * w,
                                                          gd.gradient(X, y, w, b)[1] + 2 * l2 * b),
            hint="the penalty is on the weights only")
    rejects(check.ridge_gradient, lambda X, y, w, b, l2: gd.gradient(X, y, w, b), hint=["grad_w with l2=0.5",
                                                                                      "the penalty is missing"])


def test_ridge_gradient_names_a_missing_factor_and_a_flipped_penalty():
    rejects(check.ridge_gradient, lambda X, y, w, b, l2: (gd.gradient(X, y, w, b)[0] + l2 * w, gd.gradient(X, y, w, b)[1]),
            hint="half the right value")
    rejects(check.ridge_gradient, lambda X, y, w, b, l2: (gd.gradient(X, y, w, b)[0] - 2 * l2 * w,
                                                          gd.gradient(X, y, w, b)[1]),
            hint="rewards large weights")
