"""Checks for 04_linear_regression_gd: the learner's predict, loss, gradient, step, training loop,
torch loss and ridge gradient, each compared with :mod:`helpers.gd` on small seeded cases."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import gd
from helpers.checks import LabChecks, check_callable, check_close, check_shape, fail

check = LabChecks("04_linear_regression_gd")


def _cases(seed: int = 404) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """Small (X, y, w, b) cases with different n and d, so nothing hard-coded can pass."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in [(7, 3), (12, 1), (5, 4)]:
        X = rng.normal(size=(n, d))
        y = rng.normal(size=n) * 3
        w = rng.normal(size=d)
        cases.append((X, y, w, float(rng.normal())))
    return cases


def _pair(
    call: str, value: Any, d: int, hint: str | None, labels=("grad_w", "grad_b"), where: str = ""
) -> tuple[np.ndarray, float]:
    """Unpack a (array of shape (d,), number) answer, failing with a clear sentence otherwise."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"`{call}` should return two things, ({', '.join(labels)}), but it returned {_describe(value)}.", hint)
    first = check_shape(f"{labels[0]}{where}", value[0], (d,), hint)
    second = check_shape(f"{labels[1]}{where}", value[1], (), hint)
    return first, float(second)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    return f"a {type(value).__name__}"


# --- exercise: predict -------------------------------------------------------------------------


@check.exercise(
    title="predict",
    hint="one matrix-vector product (@) of X with w, and the bias added to every row",
    wrong=lambda: [
        (lambda X, w, b: X @ w,),  # forgot the bias
        (lambda X, w, b: (X @ w + b)[:, None],),  # a column, shape (n, 1)
        (lambda X, w, b: float(np.sum(X * w) + b),),  # one number for all rows
        (lambda X, w, b: None,),  # forgot to return
    ],
)
def predict(fn):
    check_callable("predict", fn)
    for X, _, w, b in _cases():
        got = fn(X.copy(), w.copy(), b)
        forgot_bias = np.shape(got) == (len(X),) and np.allclose(np.asarray(got, float), X @ w, rtol=1e-5)
        check_close(f"predict(X, w, b) for X of shape {X.shape}", got, X @ w + b,
                    hint="the bias is missing: add b to every prediction." if forgot_bias else None)


# --- exercise: loss ------------------------------------------------------------------------------


@check.exercise(
    title="the squared loss",
    hint="the mean (np.mean) of the squared residuals, prediction minus target",
    wrong=lambda: [
        (lambda X, y, w, b: np.sum((X @ w + b - y) ** 2),),  # sum, not mean
        (lambda X, y, w, b: np.sqrt(np.mean((X @ w + b - y) ** 2)),),  # RMSE
        (lambda X, y, w, b: np.mean(np.abs(X @ w + b - y)),),  # MAE
        (lambda X, y, w, b: (X @ w + b - y) ** 2,),  # one loss per row, not their mean
    ],
)
def loss(fn):
    check_callable("loss", fn)
    for X, y, w, b in _cases():
        expected = gd.squared_loss(X, y, w, b)
        got = fn(X.copy(), y.copy(), w.copy(), b)
        check_close(f"loss(X, y, w, b) for X of shape {X.shape}", got, expected,
                    hint=_loss_diagnosis(got, X @ w + b - y))


def _loss_diagnosis(got: Any, residual: np.ndarray) -> str | None:
    """Name the usual slip when the answer is another summary of the residuals; None lets the standing hint speak."""
    try:
        value = float(got)
    except (TypeError, ValueError):
        return None
    slips = {
        "that is the sum of the squared residuals: divide by n (a mean), so the loss does not grow with the rows.":
            np.sum(residual**2),
        "that is the square root of the mean (RMSE): the squared loss stops at the mean.": np.sqrt(np.mean(residual**2)),
        "that is the mean absolute residual: square the residuals instead of taking their absolute value.":
            np.mean(np.abs(residual)),
        "that is the mean residual: square each residual before averaging, or positive and negative errors cancel.":
            np.mean(residual),
    }
    return next((slip for slip, value_of_slip in slips.items() if np.isclose(value, value_of_slip, rtol=1e-5)), None)


# --- exercise: gradient --------------------------------------------------------------------------

GRADIENT_HINT = ("compute the residuals (prediction - target) once; grad_w is X transposed times them, grad_b "
                 "their sum, both scaled by 2 / n")


def _loop_but_wrong(X, y, w, b):
    # A row loop that overwrites instead of accumulating: only the last row counts.
    grad_w, grad_b = np.zeros_like(w), 0.0
    for i in range(len(y)):
        residual = X[i] @ w + b - y[i]
        grad_w = 2 * residual * X[i]
        grad_b = 2 * residual
    return grad_w / len(y), grad_b / len(y)


def _wrong_gradients():
    def r(X, y, w, b):
        return X @ w + b - y

    return [
        (lambda X, y, w, b: (X.T @ r(X, y, w, b), r(X, y, w, b).sum()),),  # missing the 2/n factor
        (lambda X, y, w, b: (2 / len(y) * X.T @ (y - X @ w - b), 2 / len(y) * (y - X @ w - b).sum()),),  # sign
        (lambda X, y, w, b: (1 / len(y) * X.T @ r(X, y, w, b), 1 / len(y) * r(X, y, w, b).sum()),),  # 1/n
        (_loop_but_wrong,),
        (lambda X, y, w, b: ((2 / len(y) * X.T @ r(X, y, w, b))[:, None], 2 / len(y) * r(X, y, w, b).sum()),),
        (lambda X, y, w, b: (2 / len(y) * X.T @ r(X, y, w, b), 0.0),),  # forgot the bias
        (lambda X, y, w, b: 2 / len(y) * X.T @ r(X, y, w, b),),  # only grad_w
    ]


@check.exercise(title="the gradient of the squared loss", hint=GRADIENT_HINT, wrong=_wrong_gradients)
def gradient(fn):
    check_callable("gradient", fn)
    for X, y, w, b in _cases():
        answer = fn(X.copy(), y.copy(), w.copy(), b)
        where = f" for X of shape {X.shape}"
        grad_w, grad_b = _pair("gradient(X, y, w, b)", answer, X.shape[1], GRADIENT_HINT, where=where)
        expected_w, expected_b = gd.gradient(X, y, w, b)
        check_close(f"grad_w for X of shape {X.shape}", grad_w, expected_w, hint=_gradient_diagnosis(grad_w, expected_w))
        check_close(f"grad_b for X of shape {X.shape}", grad_b, expected_b, hint=_gradient_diagnosis(grad_b, expected_b))


def _gradient_diagnosis(got: Any, expected: np.ndarray) -> str:
    """Name the usual slip when the answer is a multiple of the right one."""
    got, expected = np.atleast_1d(np.asarray(got, float)), np.atleast_1d(expected)
    if got.shape == expected.shape and np.any(expected != 0):
        ratio = got @ expected / (expected @ expected)
        if np.allclose(got, ratio * expected, rtol=1e-6, atol=1e-9):
            if np.isclose(ratio, -1):
                return "the sign is flipped: the residual is prediction - target, X @ w + b - y."
            if np.isclose(ratio, 0.5):
                return "it is half the right value: the square brings down a factor 2 (2/n, not 1/n)."
            if ratio > 1.5:
                return "it is n/2 times too large: average over the rows with the factor 2/n."
    return GRADIENT_HINT


# --- exercise: one step --------------------------------------------------------------------------


@check.exercise(
    title="one gradient-descent step",
    hint="move against the gradient: subtract learning_rate times grad_w from w and times grad_b from b, as new "
         "values (go downhill: minus)",
    wrong=lambda: [
        (lambda X, y, w, b, lr: (w + lr * gd.gradient(X, y, w, b)[0], b + lr * gd.gradient(X, y, w, b)[1]),),
        (lambda X, y, w, b, lr: (w - gd.gradient(X, y, w, b)[0], b - gd.gradient(X, y, w, b)[1]),),  # no rate
        (lambda X, y, w, b, lr: (w - lr * gd.gradient(X, y, w, b)[0], b),),  # bias never moves
        (_step_in_place,),
    ],
)
def step(fn):
    check_callable("step", fn)
    for X, y, w, b in _cases():
        for learning_rate in (0.1, 0.01):
            w_given = w.copy()
            answer = fn(X.copy(), y.copy(), w_given, b, learning_rate)
            if not np.array_equal(w_given, w):
                fail(
                    "`step` changed the w it was given (an in-place update such as `w -= ...`): "
                    "the caller's weights and any copy of them in a history change too. "
                    "Return new arrays instead: `w_new = w - learning_rate * grad_w`."
                )
            new_w, new_b = _pair("step(X, y, w, b, learning_rate)", answer, X.shape[1], None, ("w_new", "b_new"))
            grad_w, grad_b = gd.gradient(X, y, w, b)
            where = f"for X of shape {X.shape} and learning_rate={learning_rate}"
            uphill = (np.allclose(new_w, w + learning_rate * grad_w) and np.isclose(new_b, b + learning_rate * grad_b)
                      and np.any(grad_w != 0))
            if uphill:
                fail(f"the step {where} goes uphill: it adds the gradient. The gradient points up the bowl; "
                     "step against it, w - learning_rate * grad_w.")
            check_close(f"the new w {where}", new_w, w - learning_rate * grad_w)
            check_close(f"the new b {where}", new_b, b - learning_rate * grad_b)


def _step_in_place(X, y, w, b, lr):
    grad_w, grad_b = gd.gradient(X, y, w, b)
    w -= lr * grad_w
    return w, b - lr * grad_b


# --- exercise: the training loop -----------------------------------------------------------------


def _train_reference(X, y, learning_rate, epochs):
    """Plain gradient descent for ``epochs`` steps, diverging or not (gd.gradient_descent stops a diverging run)."""
    w, b = np.zeros(X.shape[1]), 0.0
    losses = [gd.squared_loss(X, y, w, b)]
    for _ in range(epochs):
        grad_w, grad_b = gd.gradient(X, y, w, b)
        w, b = w - learning_rate * grad_w, b - learning_rate * grad_b
        losses.append(gd.squared_loss(X, y, w, b))
    return _Run(w, b, np.asarray(losses))


class _Run:
    """The reference run: final weights and bias, and the loss before training and after every step."""

    def __init__(self, weights: np.ndarray, bias: float, loss_history: np.ndarray) -> None:
        self.weights, self.bias, self.loss_history = weights, bias, loss_history
        self.final_loss = float(loss_history[-1])


def _train_wrong_answers():
    def no_update(X, y, lr, epochs):
        w, b = np.zeros(X.shape[1]), 0.0
        return w, b, [gd.squared_loss(X, y, w, b)] * (epochs + 1)

    def losses_after_only(X, y, lr, epochs):  # forgets the loss before the first step
        result = _train_reference(X, y, lr, epochs)
        return result.weights, result.bias, list(result.loss_history[1:])

    def one_step_short(X, y, lr, epochs):
        result = _train_reference(X, y, lr, epochs - 1)
        return result.weights, result.bias, list(result.loss_history) + [result.final_loss]

    def uphill(X, y, lr, epochs):
        w, b, losses = np.zeros(X.shape[1]), 0.0, []
        for _ in range(epochs):
            losses.append(gd.squared_loss(X, y, w, b))
            grad_w, grad_b = gd.gradient(X, y, w, b)
            w, b = w + lr * grad_w, b + lr * grad_b
        return w, b, losses + [gd.squared_loss(X, y, w, b)]

    return [(no_update,), (losses_after_only,), (one_step_short,), (uphill,)]


@check.exercise(
    title="the training loop",
    hint="start at w = zeros, b = 0; record the loss, then repeat `epochs` times: step, record the loss",
    wrong=_train_wrong_answers,
)
def train(fn):
    check_callable("train", fn)
    # The last case diverges on purpose (3x the stable rate): the notebook runs `train` at a rate that
    # diverges right after this check, so a loop that stops or raises there must fail here, not there.
    for (X, y, _, _), epochs, factor in zip(_cases(), (5, 20, 12), (0.5, 0.5, 3.0)):
        learning_rate = factor * gd.stable_learning_rate(X)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                answer = fn(X.copy(), y.copy(), learning_rate, epochs)
        except gd.GradientDescentDiverged:
            fail(
                "`train` raised GradientDescentDiverged at a learning rate that diverges: the notebook runs it at "
                "such a rate next, to watch the loss grow. Write the loop yourself (gd.gradient_descent stops "
                "a diverging run)."
            )
        if not isinstance(answer, (tuple, list)) or len(answer) != 3:
            fail(f"`train` should return three things, (w, b, losses), but it returned {_describe(answer)}.")
        w, b, losses = answer
        expected = _train_reference(X, y, learning_rate, epochs)
        where = f"after {epochs} epoch(s) on X of shape {X.shape}"
        losses = np.asarray(losses, dtype=float)
        if losses.shape != (epochs + 1,):
            fail(
                f"`losses` has {losses.size} values {where}, but {epochs + 1} are expected: the loss before the "
                "first step, then one after each step."
            )
        check_close(f"the losses {where}", losses, expected.loss_history)
        check_close(f"w {where}", w, expected.weights)
        check_close(f"b {where}", b, expected.bias)


# --- exercise: the loss in torch -----------------------------------------------------------------


@check.exercise(
    title="the loss in torch",
    hint="the numpy formula works on tensors (torch.mean of the squared residuals); return the tensor itself",
    wrong=lambda: [
        (lambda X, y, w, b: ((X @ w + b - y) ** 2).mean().item(),),  # a float: autograd cannot follow
        (lambda X, y, w, b: ((X @ w + b - y) ** 2).sum(),),  # sum, not mean
        (lambda X, y, w, b: ((X @ w + b - y) ** 2).mean().detach(),),  # cut from the graph
        (lambda X, y, w, b: ((X @ w - y) ** 2).mean(),),  # forgot the bias: b gets no gradient
    ],
)
def torch_loss(fn):
    import torch

    check_callable("torch_loss", fn)
    for X, y, w, b in _cases():
        w_t = torch.tensor(w, requires_grad=True)
        b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        value = fn(torch.from_numpy(X.copy()), torch.from_numpy(y.copy()), w_t, b_t)
        if not isinstance(value, torch.Tensor):
            fail(
                f"`torch_loss` returned {_describe(value)}, not a torch tensor: keep the result a tensor "
                "(no .item(), no numpy) so that autograd can differentiate it."
            )
        if value.numel() != 1:
            fail(f"`torch_loss` returned a tensor of shape {tuple(value.shape)}: the loss is one number, take the mean.")
        check_close(f"torch_loss for X of shape {X.shape}", value.item(), gd.squared_loss(X, y, w, b))
        if not value.requires_grad:
            fail("the loss tensor does not require grad: it was cut from the graph (.detach() or torch.no_grad()).")
        value.backward()
        expected_w, expected_b = gd.gradient(X, y, w, b)
        if b_t.grad is None:
            fail("after loss.backward(), b has no gradient: the bias must be part of the prediction X @ w + b.")
        check_close("w.grad after loss.backward()", w_t.grad.numpy(), expected_w)
        check_close("b.grad after loss.backward()", b_t.grad.item(), expected_b)


# --- exercise: the ridge gradient ----------------------------------------------------------------

RIDGE_HINT = "the squared-loss gradient, plus 2 * l2 * w for the weights only (the bias is not penalised)"


def _ridge_wrong_answers():
    def penalised(X, y, w, b, l2, *, factor=2.0, sign=1.0, bias_too=False):
        grad_w, grad_b = gd.gradient(X, y, w, b)
        return grad_w + sign * factor * l2 * w, grad_b + (factor * l2 * b if bias_too else 0.0)

    return [
        (lambda X, y, w, b, l2: penalised(X, y, w, b, l2, factor=1.0),),  # l2 * w: missing the 2
        (lambda X, y, w, b, l2: penalised(X, y, w, b, l2, sign=-1.0),),  # rewards large weights
        (lambda X, y, w, b, l2: penalised(X, y, w, b, l2, bias_too=True),),  # penalises the bias
        (lambda X, y, w, b, l2: gd.gradient(X, y, w, b),),  # ignores l2
    ]


def _ridge_diagnosis(grad_w: np.ndarray, plain_w: np.ndarray, w: np.ndarray, l2: float) -> str | None:
    """Name the slip when grad_w is the plain gradient plus a wrong multiple of l2 * w; None keeps the standing hint."""
    penalty = l2 * w
    if l2 == 0 or not np.any(penalty):
        return None
    slips = {
        "the penalty is missing: grad_w equals the plain squared-loss gradient, but l2 > 0.": 0.0,
        "the penalty's gradient is l2 * w, half the right value: the derivative of w² is 2w.": 1.0,
        "the penalty is subtracted: it rewards large weights; add the penalty's gradient.": -2.0,
    }
    return next((slip for slip, factor in slips.items() if np.allclose(grad_w, plain_w + factor * penalty, rtol=1e-6)), None)


@check.exercise(title="the gradient with an L2 penalty", hint=RIDGE_HINT, wrong=_ridge_wrong_answers)
def ridge_gradient(fn):
    check_callable("ridge_gradient", fn)
    for X, y, w, b in _cases():
        for l2 in (0.0, 0.5):
            answer = fn(X.copy(), y.copy(), w.copy(), b, l2)
            grad_w, grad_b = _pair("ridge_gradient(X, y, w, b, l2)", answer, X.shape[1], RIDGE_HINT, where=f" with l2={l2}")
            expected_w, expected_b = gd.gradient(X, y, w, b, l2=l2)
            check_close(f"grad_w with l2={l2} for X of shape {X.shape}", grad_w, expected_w,
                        hint=_ridge_diagnosis(grad_w, gd.gradient(X, y, w, b)[0], w, l2))
            check_close(f"grad_b with l2={l2} for X of shape {X.shape}", grad_b, expected_b,
                        hint="the penalty is on the weights only: the bias's gradient is unchanged.")
