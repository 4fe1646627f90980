"""Text equivalents of notebook 09's figures: what each one shows, in numbers and words.

A reader who cannot see a figure (or its colours) reads these instead; a reader who can gets the
figure's lesson stated with numbers. Each function takes the data the figure was drawn from, not the
figure::

    print(grid_text(grid_layout(lake), Q=agent.Q))      # the policy as arrows, one text line per row
    print(regret_table(runs).round(1))                  # regret after 10, 100, ... pulls per strategy
    print(learning_curve_in_words(returns, steps, window=20, target=195))
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from helpers.rl.bandits import BanditRuns
from helpers.rl.plots import moving_average
from helpers.rl.render import TILE_NAMES, GridLayout

__all__ = ["ARROWS", "grid_text", "regret_table", "learning_curve_in_words"]

# The arrow of each intended move (row step, column step); row 0 is the top row, as gymnasium prints the map.
ARROWS = {(0, -1): "←", (1, 0): "↓", (0, 1): "→", (-1, 0): "↑"}
_UNLEARNED = "·"  # a cell whose Q-values are all equal: no greedy action yet


def grid_text(layout: GridLayout, Q: np.ndarray | None = None, values: bool = False) -> str:
    """The grid as text: one line per row, then a key of the letters used.

    Without ``Q``: each cell's tile letter (S start, F ice, H hole, G goal, . ground, C cliff). With ``Q``
    (shape (n_states, n_actions)): the greedy action of each cell where the agent acts, as an arrow
    (``·`` where all its Q-values are still equal); tiles where it never acts keep their letter.
    ``values=True`` adds each cell's best Q-value to two decimals.
    """
    rows, cols = layout.shape
    if Q is not None and np.shape(Q)[0] != rows * cols:
        raise ValueError(f"Q has {np.shape(Q)[0]} rows but the {layout.name} grid has {rows * cols} states.")
    width = 6 if values else 1
    texts = [[_cell_text(layout, r * cols + c, Q, values) for c in range(cols)] for r in range(rows)]
    lines = [" ".join(text.ljust(width) for text in row).rstrip() for row in texts]
    shown = {text[0] for row in texts for text in row if text[0] in TILE_NAMES}
    key = ", ".join(f"{letter} {TILE_NAMES[letter]}" for letter in sorted(shown, key="SFHG.C".find))
    if Q is not None:
        key += f"{'; ' if key else ''}arrows: the greedy action, {_UNLEARNED} nothing learned yet"
    return "\n".join(lines) + f"\n({key})"


def _cell_text(layout: GridLayout, state: int, Q: np.ndarray | None, values: bool) -> str:
    letter = layout.tile(state)
    if Q is None or not layout.shows_values(state):
        return letter
    row = np.asarray(Q[state], dtype=float)
    if np.allclose(row, row[0]):
        return _UNLEARNED + (f"{row.max():.2f}" if values else "")
    arrow = ARROWS[tuple(layout.moves[int(np.argmax(row))])]
    return arrow + (f"{row.max():.2f}" if values else "")


def regret_table(runs: Sequence[BanditRuns], checkpoints: Sequence[int] | None = None) -> pd.DataFrame:
    """Mean cumulative regret of each strategy after some numbers of pulls, and what the second half added.

    ``checkpoints``: pull counts to read the curves at (default: 10, 100, half and all of the pulls).
    Returns one row per strategy (indexed by its name), one column per checkpoint ("after N pulls"),
    and "added in the 2nd half": the regret of the last half of the pulls. A strategy that has found the
    best machine adds little there; one that keeps exploring at random adds as much as in the first half.
    """
    if not runs:
        raise ValueError("regret_table needs at least one BanditRuns (the result of simulate).")
    n_steps = min(len(run.cumulative_regret) for run in runs)
    points = sorted({p for p in (checkpoints or (10, 100, n_steps // 2, n_steps)) if 1 <= p <= n_steps})
    half = n_steps // 2
    table = {}
    for run in runs:
        curve = run.cumulative_regret
        row = {f"after {p:,} pulls": float(curve[p - 1]) for p in points}
        row["added in the 2nd half"] = float(curve[n_steps - 1] - curve[half - 1]) if half else float(curve[-1])
        table[run.name] = row
    return pd.DataFrame.from_dict(table, orient="index")


def learning_curve_in_words(
    returns: Sequence[float],
    x: Sequence[float] | None = None,
    window: int = 20,
    target: float | None = None,
    name: str = "training",
    unit: str = "episode",
) -> str:
    """One line on a learning curve: where its moving mean started, its best, where it ended, and when
    it first reached ``target``.

    ``returns``: the return of each episode; ``x``: where each episode ended (e.g. environment steps;
    default: the episode number); ``window``: episodes in the moving mean, as :func:`plot_returns` draws it.
    """
    returns = np.asarray(returns, dtype=float)
    if returns.size == 0:
        return f"{name}: no episode finished yet."
    x = np.arange(1, len(returns) + 1) if x is None else np.asarray(x)
    mean = moving_average(returns, window)
    text = (f"{name}: {len(returns):,} episodes; mean return of the last {window} episodes went from "
            f"{mean[min(window, len(mean)) - 1]:.1f} to {mean[-1]:.1f} (best {mean.max():.1f})")
    if target is not None:
        reached = np.flatnonzero(mean >= target)
        text += (f"; first at or above {target:g} after {x[reached[0]]:,} {unit}s" if reached.size
                 else f"; never at or above {target:g}")
    return text + "."
