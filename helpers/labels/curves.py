"""The active-learning figure: test accuracy against labels bought, one line per strategy.

    from helpers.labels import active, curves
    result = active.compare_strategies(active.penguin_task())
    print(curves.plot_learning_curves(result))     # draws on a new Axes (or ax=...), returns the summary

Colour is never the only cue (see :mod:`helpers.plots`): each strategy also has its own line style
and marker, the target is a labelled dotted line, and the summary says the result in words.
"""

from __future__ import annotations

from helpers.labels.active import ActiveLearningResult
from helpers.plots import LINESTYLES, PALETTE

__all__ = ["MARKERS", "plot_learning_curves"]

#: The third cue of a strategy's line, after colour and line style.
MARKERS = ("o", "s", "^", "D")


def plot_learning_curves(result: ActiveLearningResult, ax=None, *, title: str | None = None) -> str:
    """Draw each strategy's mean test accuracy (0-1) against labels used, with its seeds' min-max band; return the summary.

    x: labels bought; y: test accuracy; the shaded band spans the best and worst seed at each point,
    so a lucky seed cannot pass for the rule. The horizontal dotted line is the target. Draws on
    ``ax`` (or a new Axes); the notebook cell shows the figure and prints the returned text.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots()[1]
    grouped = result.curves.groupby(["strategy", "labels"], sort=False)["accuracy"]
    low, high = grouped.min(), grouped.max()
    means = result.mean_curves()
    for i, strategy in enumerate(result.strategies):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(means.index, means[strategy], color=colour, linestyle=LINESTYLES[i % len(LINESTYLES)],
                marker=MARKERS[i % len(MARKERS)], markersize=4, label=f"{strategy} (mean of {result.curves['seed'].nunique()} seeds)")
        ax.fill_between(low[strategy].index, low[strategy], high[strategy], color=colour, alpha=0.15, linewidth=0)
    ax.axhline(result.target, color="black", linestyle=":", linewidth=1, label=f"target {result.target:.0%}")
    ax.set_xlabel("labels bought")
    ax.set_ylabel("test accuracy")
    ax.set_title(title or "Active learning: accuracy per label bought")
    ax.legend(loc="lower right", fontsize="small")
    return result.summary()
