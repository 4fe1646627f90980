"""Notebook 09's charts carry meaning by more than colour: each strategy or run has its own line style."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from helpers.plots import PALETTE  # noqa: E402
from helpers.rl.bandits import BanditRuns  # noqa: E402
from helpers.rl.plots import plot_regret, plot_returns  # noqa: E402


def _runs(name):
    regret = np.full((2, 50), 0.1)
    return BanditRuns(name, np.zeros((2, 50), dtype=int), np.zeros((2, 50)), regret, best_arm=0)


def test_each_strategy_of_the_regret_chart_has_its_own_line_style():
    ax = plot_regret([_runs("a"), _runs("b"), _runs("c")])
    styles = [line.get_linestyle() for line in ax.lines]
    assert len(set(styles)) == 3, styles
    plt.close("all")


def test_two_learning_curves_differ_by_line_style_and_the_target_is_a_palette_line():
    ax = plot_returns([1.0, 2.0, 3.0], window=2, target=2.5)
    plot_returns([3.0, 2.0, 1.0], window=2, ax=ax, linestyle="--")
    means = [line for line in ax.lines if line.get_label().endswith("mean of last 2")]
    assert [line.get_linestyle() for line in means] == ["-", "--"]
    target = next(line for line in ax.lines if line.get_label() == "target 2.5")
    assert target.get_color() in PALETTE and target.get_linestyle() == ":"
    plt.close("all")


def test_rarely_visited_cells_of_the_order_table_are_hatched_not_only_grey():
    from helpers.rl.plots import plot_order_table

    orders = np.zeros((3, 7))
    hide = np.zeros((3, 7), dtype=bool)
    hide[0, 1] = hide[2, 6] = True
    ax = plot_order_table(orders, [0, 5, 10], "policy", hide=hide)
    hatched = [patch for patch in ax.patches if patch.get_hatch()]
    assert sorted((round(p.get_x() + 0.5), round(p.get_y() + 0.5)) for p in hatched) == [(1, 0), (6, 2)]
    plt.close("all")
