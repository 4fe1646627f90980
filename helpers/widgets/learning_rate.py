"""The learning-rate explorer: move a log slider, watch gradient descent crawl, converge or diverge.

Left: the training loss per epoch (log scale) with the best possible loss dashed, and the last few
rates tried in grey for comparison. Right: the data and the fitted line (one feature) or
predicted-vs-actual (several features). Above the figure, a verdict in words::

    explorer = LearningRateExplorer(X, y, epochs=30)
    explorer                      # in a notebook: the widget
    explorer.control.value = 0.5  # in a test: the same callback runs
    explorer.state.verdict        # "diverges"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np

from helpers import plots
from helpers.gd import GDResult, gradient_descent, least_squares, nice_rate_below, squared_loss, stable_learning_rate
from helpers.gd.shapes import as_features, as_target
from helpers.widgets.explorer import Explorer

__all__ = ["LearningRateExplorer", "LearningRateState", "classify_run"]

VERDICTS = ("crawls", "converges", "diverges")
# A hex colour, not "C3": a "CN" colour is looked up when the figure is drawn, in whatever cycle is active then.
NOTE_COLOUR = plots.OKABE_ITO["vermillion"]


@dataclass(frozen=True)
class LearningRateState:
    learning_rate: float
    result: GDResult
    verdict: str  # one of VERDICTS
    excess: float  # how far the final loss is above the best possible one, relative (0.05 = 5% above)


def classify_run(result: GDResult, best_loss: float, tolerance: float = 0.01) -> tuple[str, float]:
    """Return ("diverges" | "converges" | "crawls", excess).

    ``excess`` is (final loss - best loss) / best loss: "converges" means within ``tolerance`` (1%) of the
    best possible loss, where the fitted line looks the same as the best line. When the best loss is
    about 0 (noise-free data), the excess is measured against the starting loss instead.
    """
    if result.diverged:
        return "diverges", math.inf
    start = result.loss_history[0]
    scale = best_loss if best_loss > 1e-9 * start else max(start - best_loss, 1e-300)
    excess = max(result.final_loss - best_loss, 0.0) / scale
    return ("converges" if excess <= tolerance else "crawls"), excess


class LearningRateExplorer(Explorer):
    """A ``FloatLogSlider`` for the learning rate driving full-batch (or mini-batch) descent on X, y.

    The slider spans from 1/1000 of the stable limit (crawls) to about 3x it (diverges); the starting
    value is a rate that converges. ``keep`` earlier curves stay on the plot, in grey.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        *,
        epochs: int = 50,
        learning_rate: float | None = None,
        batch_size: int | None = None,
        seed: int = 0,
        keep: int = 3,
        feature_name: str = "x",
        target_name: str = "y",
    ):
        self.X = as_features(X)
        self.y = as_target(y, self.X.shape[0])
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.keep = keep
        self.feature_name, self.target_name = feature_name, target_name
        self.stable_rate = stable_learning_rate(self.X)
        w_best, b_best = least_squares(self.X, self.y)
        self.best_loss = squared_loss(self.X, self.y, w_best, b_best)
        exponent = math.log10(self.stable_rate)
        slider = widgets.FloatLogSlider(
            value=learning_rate if learning_rate is not None else nice_rate_below(0.9 * self.stable_rate),
            base=10,
            min=math.floor(exponent - 3),
            max=math.ceil(exponent + 0.5),
            step=0.05,
            description="learning rate",
            readout_format=".3g",
            continuous_update=False,  # one run per release, not per pixel dragged
            style={"description_width": "initial"},
            layout=widgets.Layout(width="480px"),
        )
        self.earlier: list[LearningRateState] = []
        super().__init__(slider)
        self.refresh()

    @property
    def slider(self) -> widgets.FloatLogSlider:
        return self.control

    def compute(self, value: float) -> LearningRateState:
        if self.state is not None:
            self.earlier = (self.earlier + [self.state])[-self.keep :] if self.keep else []
        result = gradient_descent(
            self.X,
            self.y,
            learning_rate=float(value),
            epochs=self.epochs,
            batch_size=self.batch_size,
            seed=self.seed,
            on_divergence="return",
        )
        verdict, excess = classify_run(result, self.best_loss)
        return LearningRateState(float(value), result, verdict, excess)

    def describe(self, state: LearningRateState) -> str:
        result, lr = state.result, state.learning_rate
        if state.verdict == "diverges":
            return f"diverges: {result.message}"
        if state.verdict == "converges":
            return (
                f"learning rate {lr:.3g} converges: the loss fell from {result.loss_history[0]:.3g} to "
                f"{result.final_loss:.3g} (best possible {self.best_loss:.3g}) in {result.epochs} epochs."
            )
        above = f"{100 * state.excess:.0f}% above" if state.excess < 10 else f"{1 + state.excess:.3g} times"
        return (
            f"learning rate {lr:.3g} crawls: after {result.epochs} epochs the loss {result.final_loss:.3g} is still "
            f"{above} the best possible {self.best_loss:.3g}; a larger rate (stable up to "
            f"{self.stable_rate:.2g}) gets there sooner."
        )

    def draw(self, state: LearningRateState, axes: list) -> None:
        loss_ax, fit_ax = axes
        for number, old in enumerate(self.earlier):
            history = np.where(np.isfinite(old.result.loss_history), old.result.loss_history, np.nan)
            # Grey and dotted (not only paler): an earlier try reads apart from this run without colour.
            loss_ax.plot(history, color="0.6", linewidth=1, linestyle=":",
                         label="earlier rates tried" if number == len(self.earlier) - 1 else None)
        plots.loss_curves(
            {f"learning rate {state.learning_rate:.3g} ({state.verdict})": state.result.loss_history},
            loss_ax,
            optimum=self.best_loss,
            title="training loss",
        )
        loss_ax.set_xlim(0, self.epochs)
        result = state.result
        if self.X.shape[1] == 1:
            plots.fitted_line(
                self.X[:, 0], self.y, result.weights[0], result.bias, fit_ax,
                xlabel=self.feature_name, ylabel=self.target_name, title=f"after {result.epochs} epochs",
            )
            line = fit_ax.lines[-1].get_ydata()
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                predictions = self.X @ result.weights + result.bias
            plots.predicted_vs_actual(self.y, predictions, fit_ax, title=f"after {result.epochs} epochs")
            line = predictions
        note = self.off_chart_note(state, line, fit_ax.get_ylim())
        if note:
            # Where the line (or the predictions) went, in words: a chart with no line explains nothing.
            x, y, ha, va = emptiest_corner(fit_ax)
            fit_ax.text(x, y, note, transform=fit_ax.transAxes, ha=ha, va=va, color=NOTE_COLOUR, fontsize="small",
                        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": NOTE_COLOUR})
        for ax in (loss_ax, fit_ax):
            legend_outside(ax)

    def off_chart_note(self, state: LearningRateState, line: Any, ylim: tuple[float, float]) -> str:
        """A note when the fitted line (or any prediction) lies outside the chart's y-range, else "".

        ``line``: the line's y at the ends of the x range (one feature) or the predictions (several).
        """
        low, high = ylim
        values = np.asarray(line, dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size == values.size and np.all((finite >= low) & (finite <= high)):
            return ""
        result = state.result
        if state.verdict == "diverges":
            history = np.asarray(result.loss_history, dtype=float)
            grew = history[np.isfinite(history)].max() if np.isfinite(history).any() else math.inf
            return f"the line left the chart:\nthe loss grew to {grew:.3g}"
        if finite.size and np.all(finite < low):
            side = "below the chart"
        elif finite.size and np.all(finite > high):
            side = "above the chart"
        else:
            side = "partly off the chart"
        return f"the line is {side}:\nthe loss is {result.final_loss:.3g} (best {self.best_loss:.3g})"


# Corners for a note, in axes fractions: (x, y, ha, va) and the region (x0, x1, y0, y1) the note covers.
CORNERS = (
    ((0.03, 0.97, "left", "top"), (0.0, 0.55, 0.7, 1.0)),
    ((0.97, 0.97, "right", "top"), (0.45, 1.0, 0.7, 1.0)),
    ((0.03, 0.03, "left", "bottom"), (0.0, 0.55, 0.0, 0.3)),
    ((0.97, 0.03, "right", "bottom"), (0.45, 1.0, 0.0, 0.3)),
)


def emptiest_corner(ax) -> tuple[float, float, str, str]:
    """(x, y, ha, va) of the axes corner with the fewest data points (the scatter's), for a note."""
    points = np.concatenate([c.get_offsets() for c in ax.collections]) if ax.collections else np.empty((0, 2))
    points = np.asarray(points, dtype=float)
    points = points[np.isfinite(points).all(axis=1)]
    inside = ax.transAxes.inverted().transform(ax.transData.transform(points)) if len(points) else points

    def covered(region: tuple[float, float, float, float]) -> int:
        x0, x1, y0, y1 = region
        if not len(inside):
            return 0
        return int(np.sum((inside[:, 0] >= x0) & (inside[:, 0] <= x1) & (inside[:, 1] >= y0) & (inside[:, 1] <= y1)))

    return min(CORNERS, key=lambda corner: covered(corner[1]))[0]


def legend_outside(ax) -> None:
    """Move the axes' legend below the axes, where it covers no data (``loc="best"`` still can)."""
    plots.legend_below(ax)
