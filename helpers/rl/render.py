"""Draw grid worlds (FrozenLake, CliffWalking) with matplotlib: tiles, the agent, Q-values and the greedy policy.

gymnasium's own renderer needs pygame; these drawings need only matplotlib, so they work in CI and in a
notebook alike::

    layout = grid_layout(env)
    draw_grid(layout, Q=agent.Q, agent_state=3)
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Rectangle

__all__ = ["GridLayout", "grid_layout", "draw_grid", "TILE_COLOURS"]

# Tile letters: S start, F frozen (safe), H hole, G goal, . ground, C cliff.
TILE_COLOURS = {
    "S": "#cfe8cf",
    "F": "#e8f2fb",
    "H": "#2f4b7c",
    "G": "#f6d55c",
    ".": "#f3f3f3",
    "C": "#b33a3a",
}
TILE_NAMES = {"S": "start", "F": "ice", "H": "hole", "G": "goal", ".": "ground", "C": "cliff"}
TERMINAL_TILES = {"H", "G"}


@dataclass(frozen=True)
class GridLayout:
    """What a drawing needs to know about a grid world.

    ``tiles``: array of tile letters, shape (rows, cols); state ``s`` is cell ``divmod(s, cols)``.
    ``moves``: per action, the (row step, column step) it intends; ``action_names``: per action, a word.
    """

    name: str
    tiles: np.ndarray
    moves: tuple[tuple[int, int], ...]
    action_names: tuple[str, ...]

    @property
    def shape(self) -> tuple[int, int]:
        return self.tiles.shape

    def cell(self, state: int) -> tuple[int, int]:
        return divmod(int(state), self.shape[1])

    def tile(self, state: int) -> str:
        return str(self.tiles[self.cell(state)])

    def shows_values(self, state: int) -> bool:
        """False for cells where the agent never acts (holes, goal, cliff)."""
        return self.tile(state) not in TERMINAL_TILES | {"C"}


def grid_layout(env) -> GridLayout:
    """The layout of a FrozenLake or CliffWalking environment (wrapped or not)."""
    base = env.unwrapped
    if hasattr(base, "desc"):  # FrozenLake: actions 0 left, 1 down, 2 right, 3 up
        tiles = np.char.decode(np.asarray(base.desc), "ascii")
        return GridLayout("FrozenLake", tiles, ((0, -1), (1, 0), (0, 1), (-1, 0)), ("left", "down", "right", "up"))
    if hasattr(base, "_cliff") and hasattr(base, "shape"):  # CliffWalking: 0 up, 1 right, 2 down, 3 left
        tiles = np.full(base.shape, ".", dtype="<U1")
        tiles[np.asarray(base._cliff, dtype=bool)] = "C"
        rows, cols = base.shape
        tiles[rows - 1, 0] = "S"
        tiles[rows - 1, cols - 1] = "G"
        return GridLayout("CliffWalking", tiles, ((-1, 0), (0, 1), (1, 0), (0, -1)), ("up", "right", "down", "left"))
    raise TypeError(
        f"cannot draw {type(base).__name__}: draw_grid knows FrozenLake-v1 and CliffWalking-v1 "
        "(build a GridLayout yourself for another grid world)."
    )


def draw_grid(
    layout: GridLayout,
    Q: np.ndarray | None = None,
    agent_state: int | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    show_values: bool = True,
    highlight: int | None = None,
) -> plt.Axes:
    """Draw the grid; with ``Q`` (n_states, n_actions) an arrow per cell for the greedy action and the best
    Q-value; ``agent_state`` as a red dot; ``highlight`` (a state) framed, e.g. the cell just updated.

    Cells whose Q-values are all equal (nothing learned yet) get no arrow.
    """
    rows, cols = layout.shape
    if Q is not None and Q.shape[0] != rows * cols:
        raise ValueError(f"Q has {Q.shape[0]} rows but the {layout.name} grid has {rows * cols} states.")
    if ax is None:
        _, ax = plt.subplots(figsize=(min(0.75 * cols + 0.6, 10), 0.75 * rows + 0.6))
    for state in range(rows * cols):
        r, c = layout.cell(state)
        letter = layout.tile(state)
        ax.add_patch(Rectangle((c, r), 1, 1, facecolor=TILE_COLOURS.get(letter, "white"), edgecolor="#999999", lw=0.8))
        if letter in "SGHC":
            dark = letter in "HC"
            ax.text(c + 0.08, r + 0.2, TILE_NAMES[letter], fontsize=6, color="white" if dark else "#444444")
        if Q is None or not layout.shows_values(state):
            continue
        values = Q[state]
        if np.allclose(values, values[0]):
            continue
        dr, dc = layout.moves[int(np.argmax(values))]
        ax.arrow(c + 0.5 - 0.22 * dc, r + 0.5 - 0.22 * dr, 0.3 * dc, 0.3 * dr, head_width=0.14, head_length=0.12,
                 length_includes_head=True, color="#222222")
        if show_values:
            ax.text(c + 0.5, r + 0.9, f"{values.max():.2f}", ha="center", fontsize=6, color="#555555")
    if highlight is not None:
        r, c = layout.cell(highlight)
        ax.add_patch(Rectangle((c + 0.03, r + 0.03), 0.94, 0.94, fill=False, edgecolor="#e07b00", lw=2))
    if agent_state is not None:
        r, c = layout.cell(agent_state)
        ax.add_patch(Circle((c + 0.5, r + 0.5), 0.18, color="#d62728", zorder=5))
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)  # row 0 at the top, as gymnasium prints the map
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax
