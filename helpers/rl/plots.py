"""Figures for notebook 09: the three types of ML, regret curves, learning curves, ordering policies."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from helpers.plots import LINESTYLES, OKABE_ITO
from helpers.rl.bandits import BanditRuns

__all__ = ["ml_types_figure", "plot_regret", "moving_average", "plot_returns", "plot_order_table"]


def ml_types_figure(seed: int = 0) -> plt.Figure:
    """Three panels: supervised (inputs with labels), unsupervised (inputs only), RL (the agent loop)."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))

    ax = axes[0]
    x = rng.uniform(0, 10, 40)
    y = 1.5 * x + 3 + rng.normal(0, 2, 40)
    ax.scatter(x, y, s=14, color=OKABE_ITO["blue"])
    ax.plot([0, 10], [3, 18], color=OKABE_ITO["vermillion"], lw=2)
    ax.set(title="Supervised: (x, y) pairs", xlabel="input x", ylabel="label y")

    ax = axes[1]
    for centre in ((2, 2), (7, 3), (4, 7)):
        points = rng.normal(centre, 0.8, size=(25, 2))
        ax.scatter(points[:, 0], points[:, 1], s=14, color="#7f7f7f")
    ax.set(title="Unsupervised: x only, find structure", xlabel="feature 1", ylabel="feature 2")

    ax = axes[2]
    ax.set(title="Reinforcement: (state, action, reward)", xlim=(0, 10), ylim=(0, 10))
    ax.axis("off")
    for (x0, label, colour) in ((0.5, "agent", "#cfe8cf"), (6.0, "environment", "#e8f2fb")):
        ax.add_patch(FancyBboxPatch((x0, 4), 3.5, 2, boxstyle="round,pad=0.2", facecolor=colour, edgecolor="#444444"))
        ax.text(x0 + 1.75, 5, label, ha="center", va="center", fontsize=10)
    arrows = (((2.2, 6.5), (7.8, 6.5), "action", 8.4, 0.4), ((7.8, 3.5), (2.2, 3.5), "state, reward", 1.3, -0.4))
    for start, end, text, y_text, bend in arrows:
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>",
                                     mutation_scale=14, lw=1.5, color="#444444"))
        ax.text(5, y_text, text, ha="center", fontsize=9)
    fig.tight_layout()
    return fig


def plot_regret(runs: Sequence[BanditRuns], ax: plt.Axes | None = None) -> plt.Axes:
    """Mean cumulative regret per strategy against the number of pulls; each strategy its own line style too."""
    if ax is None:
        _, ax = plt.subplots()
    for number, run in enumerate(runs):
        ax.plot(np.arange(1, run.regret.shape[1] + 1), run.cumulative_regret, label=run.name,
                ls=LINESTYLES[number % len(LINESTYLES)])
    ax.set(xlabel="pulls", ylabel="cumulative regret (expected reward lost)", title="Regret: lower is better")
    ax.legend()
    return ax


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` values (fewer at the start), same length as ``values``."""
    values = np.asarray(values, dtype=float)
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}.")
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.maximum(np.arange(1, len(values) + 1) - window, 0)]) / counts


def plot_returns(
    returns: Sequence[float],
    window: int = 50,
    ax: plt.Axes | None = None,
    label: str | None = None,
    target: float | None = None,
    x: Sequence[float] | None = None,
    xlabel: str = "episode",
    linestyle: str = "-",
) -> plt.Axes:
    """A learning curve: the return of each episode (faint) and its moving average over ``window`` episodes.

    ``linestyle`` draws the moving average: with two curves on one chart, the second cue after colour.
    """
    if ax is None:
        _, ax = plt.subplots()
    x = np.arange(1, len(returns) + 1) if x is None else np.asarray(x)
    line = ax.plot(x, returns, alpha=0.25, lw=0.8)[0]
    ax.plot(x, moving_average(returns, window), color=line.get_color(), lw=2, ls=linestyle,
            label=f"{label + ': ' if label else ''}mean of last {window}")
    if target is not None:
        ax.axhline(target, color=OKABE_ITO["black"], ls=":", lw=1, label=f"target {target:g}")
    ax.set(xlabel=xlabel, ylabel="return")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_order_table(
    orders: np.ndarray,
    order_sizes: Sequence[int],
    title: str,
    ax: plt.Axes | None = None,
    hide: np.ndarray | None = None,
) -> plt.Axes:
    """Heat map of the units ordered by a policy, per stock level (rows) and weekday (columns).

    ``orders``: shape (capacity + 1, 7), units ordered in each state. ``hide``: boolean, same shape;
    those cells are drawn grey and hatched, so they read apart from the pale blue of "order little" without
    colour (e.g. states the learner rarely visited, whose choice means little).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 5))
    shown = np.ma.masked_array(orders, mask=hide if hide is not None else np.zeros_like(orders, dtype=bool))
    cmap = plt.get_cmap("Blues").with_extremes(bad="#d9d9d9")
    image = ax.imshow(shown, origin="lower", aspect="auto", cmap=cmap, vmin=0, vmax=max(order_sizes))
    if hide is not None:
        for row, column in np.argwhere(hide):
            ax.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#8c8c8c",
                                   linewidth=0))
    ax.set_xticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], fontsize=8)
    ax.set(ylabel="units on hand at opening", title=title)
    ax.grid(False)
    plt.colorbar(image, ax=ax, label="units ordered")
    return ax

