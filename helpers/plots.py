"""Small reusable figures for the course notebooks and widgets.

Each function draws on the matplotlib ``Axes`` it is given (or on a new one) and returns that Axes,
so notebooks can combine them in subplots and widgets can redraw them. None calls ``plt.show()``:
the notebook cell does.

Accessibility: the course's colours are the Okabe-Ito palette (:data:`PALETTE`), distinguishable with
the common colour-vision deficiencies; :func:`helpers.course.notebook.setup` makes it matplotlib's
colour cycle. Colour is never the only cue: lines also differ by line style or marker, and a figure
whose point is a number has a one-line text summary the notebook prints (e.g.
``MonitoringReport.summary()``).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["OKABE_ITO", "PALETTE", "LINESTYLES", "loss_curves", "fitted_line", "predicted_vs_actual",
           "train_validation_error"]

# Okabe & Ito (2008), "Color Universal Design": eight colours that stay distinct under protanopia,
# deuteranopia and tritanopia. Hex strings, as matplotlib takes them.
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "bluish green": "#009E73", "vermillion": "#D55E00",
    "reddish purple": "#CC79A7", "sky blue": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
# The colour cycle (C0, C1, ...): the strongest contrasts on white first, yellow (faint on white) late.
PALETTE = tuple(OKABE_ITO.values())
# The second cue of a line after its colour: the n-th line of a figure gets the n-th style.
LINESTYLES = ("-", "--", "-.", ":")


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def _finish(ax, xlabel: str, ylabel: str, title: str | None, *, log_x: bool = False, log_y: bool = False):
    """Scales, axis labels, the optional title and the legend every figure here ends with; returns ``ax``."""
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def loss_curves(
    histories: Mapping[str, Sequence[float]],
    ax=None,
    *,
    log: bool = True,
    xlabel: str = "epoch",
    ylabel: str = "training loss (MSE)",
    optimum: float | None = None,
    title: str | None = None,
):
    """One line per named loss history (x = index: 0 is the loss before training).

    ``optimum`` draws the best reachable loss as a dashed line; ``log`` uses a log y-axis, which
    shows a crawl, a convergence and a divergence on one scale. Non-finite values are left out.
    """
    ax = _axes(ax)
    for i, (label, history) in enumerate(histories.items()):
        values = np.asarray(history, dtype=float)
        values = np.where(np.isfinite(values), values, np.nan)
        ax.plot(np.arange(values.size), values, linestyle=LINESTYLES[i % len(LINESTYLES)], label=label)
    if optimum is not None:
        ax.axhline(optimum, color="black", linestyle="--", linewidth=1, label="best possible")
    return _finish(ax, xlabel, ylabel, title, log_y=log)


def fitted_line(
    x: Any,
    y: Any,
    weight: float,
    bias: float,
    ax=None,
    *,
    label: str = "fitted line",
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = None,
):
    """The data as points and the line y = weight · x + bias across their x range (one feature)."""
    ax = _axes(ax)
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    ax.scatter(x, y, s=12, alpha=0.6, label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    with np.errstate(over="ignore", invalid="ignore"):
        line = float(weight) * grid + float(bias)
    # A diverged model's line is far outside the data: keep the data in view.
    margin = 0.25 * (y.max() - y.min() or 1.0)
    ax.plot(grid, line, color=OKABE_ITO["vermillion"], linewidth=2, label=label)
    ax.set_ylim(y.min() - margin, y.max() + margin)
    return _finish(ax, xlabel, ylabel, title)


def predicted_vs_actual(y: Any, y_pred: Any, ax=None, *, title: str | None = None):
    """Predictions against the truth, with the diagonal a perfect model would sit on."""
    ax = _axes(ax)
    y = np.asarray(y, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    ax.scatter(y, y_pred, s=12, alpha=0.6, label="examples")
    low, high = float(y.min()), float(y.max())
    ax.plot([low, high], [low, high], color="black", linestyle="--", linewidth=1, label="perfect")
    margin = 0.25 * (high - low or 1.0)
    ax.set_ylim(low - margin, high + margin)
    return _finish(ax, "actual", "predicted", title)


def train_validation_error(
    values: Sequence[float],
    train_error: Sequence[float],
    validation_error: Sequence[float],
    ax=None,
    *,
    xlabel: str = "model complexity",
    ylabel: str = "error (MSE)",
    log_x: bool = False,
    log_y: bool = True,
    mark_best: bool = True,
    title: str | None = None,
):
    """Training and validation error against a complexity knob (degree, penalty, depth...).

    The gap between the curves is overfitting; both high is underfitting. ``mark_best`` marks the
    value with the lowest validation error.
    """
    ax = _axes(ax)
    values = np.asarray(values, dtype=float)
    validation = np.asarray(validation_error, dtype=float)
    ax.plot(values, np.asarray(train_error, dtype=float), marker="o", label="training")
    ax.plot(values, validation, marker="s", linestyle="--", label="validation")
    if mark_best:
        best = int(np.nanargmin(validation))
        ax.axvline(values[best], color="grey", linestyle=":", label=f"best: {values[best]:g}")
    return _finish(ax, xlabel, ylabel, title, log_x=log_x, log_y=log_y)
