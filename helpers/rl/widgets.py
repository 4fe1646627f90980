"""Interactive widgets for notebook 09. The logic lives in plain methods, so tests drive them without a browser.

- :class:`BanditGame`: play a 4-armed bandit yourself; one button per arm; your running reward against
  what always pulling the best arm would have earned on average.
- :class:`QLearningStepper`: step through Q-learning on FrozenLake or CliffWalking; the grid, the agent,
  the cell just updated, and the greedy policy arrows with their Q-values as they change.

In a notebook, put the object last in a cell (or call ``display(obj)``). In a test, call the handlers:
``game.buttons[2].click()``, ``stepper.step_button.click()``, ``stepper.epsilon_slider.value = 0.0``.

Figures are drawn into an ``Image`` widget as PNG bytes rather than captured by an ``Output`` widget:
the picture is then a plain value a test can inspect, and headless execution (nbclient without stored
widget state) has no captured output to track. The ``Image`` gets the PNG's pixel size as its layout:
otherwise the VBox (a flex column that stretches its children) blows it up to the cell's width, blurry
and taller than the screen. Titles are HTML above the picture, so a narrow figure never crops them.
"""

from __future__ import annotations

import html
import io
import struct
from typing import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.ticker import MaxNLocator

from helpers.rl.bandits import BernoulliBandit
from helpers.rl.qlearning import QLearning, Transition
from helpers.rl.render import draw_grid, grid_layout

__all__ = ["BanditGame", "QLearningStepper"]


# Pixels per inch of the pictures, fixed so the size on screen does not depend on the backend's rcParams.
DPI = 100
# Widest grid picture, inches (at DPI: 720 px), so CliffWalking's 12 columns fit beside JupyterLab's sidebar.
MAX_GRID_WIDTH = 7.2


def _png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes at :data:`DPI`; the figure is closed (it lives on only in the Image widget)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG's header (the IHDR chunk at bytes 16-24)."""
    if not png.startswith(b"\x89PNG"):
        raise ValueError("not a PNG: the picture must start with the PNG signature")
    return struct.unpack(">II", png[16:24])


def show_png(image: widgets.Image, png: bytes) -> None:
    """Put ``png`` in ``image`` at its own pixel size (b"" hides the picture)."""
    image.value = png
    if png:
        width, height = png_size(png)
        image.layout.width, image.layout.height = f"{width}px", f"{height}px"
    else:
        image.layout.width = image.layout.height = "0px"


def _html_table(heads: list[str], rows: list[list[str]]) -> str:
    """A small HTML table: the first column (names) to the left, the others (numbers) to the right, header
    cells aligned as their columns (browsers centre ``<th>`` by default, which put headers off their numbers)."""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(
            f'<{tag} style="text-align:{"left" if i == 0 else "right"};padding:1px 10px">{html.escape(v)}</{tag}>'
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><tr>{cells('th', heads)}</tr>{body}</table>"


class BanditGame:
    """A bandit to play by hand: which of the machines pays best? (Bernoulli payouts, seeded.)

    ``plot``: redraw the running-reward chart after each pull (switch off for speed in tests).
    """

    def __init__(self, probs: Sequence[float] = (0.3, 0.5, 0.65, 0.4), seed: int = 0, plot: bool = True) -> None:
        self.probs = tuple(float(p) for p in probs)
        self.seed = seed
        self.plot = plot
        self.buttons = [widgets.Button(description=f"Machine {i + 1}", button_style="info") for i in range(len(self.probs))]
        for arm, button in enumerate(self.buttons):
            button.on_click(lambda _button, arm=arm: self.pull(arm))
        self.reveal_button = widgets.Button(description="Reveal the odds", button_style="warning")
        self.reveal_button.on_click(lambda _button: self.reveal())
        self.reset_button = widgets.Button(description="New game")
        self.reset_button.on_click(lambda _button: self.reset())
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox(
            [widgets.HBox(self.buttons), self.status, self.table, widgets.HBox([self.reveal_button, self.reset_button]), self.image]
        )
        self.reset()

    # -- state ------------------------------------------------------------------------------------
    def reset(self) -> None:
        """A new game: same machines, fresh payouts, nothing pulled yet, odds hidden."""
        self.bandit = BernoulliBandit(self.probs, seed=self.seed)
        self.arms: list[int] = []
        self.rewards: list[float] = []
        self.revealed = False
        self._refresh()

    def pull(self, arm: int) -> float:
        """Pull machine ``arm`` (0-based) and return the payout, 0 or 1."""
        reward = self.bandit.pull(arm)
        self.arms.append(arm)
        self.rewards.append(reward)
        self._refresh()
        return reward

    def reveal(self) -> None:
        self.revealed = True
        self._refresh()

    @property
    def n_pulls(self) -> int:
        return len(self.arms)

    @property
    def total_reward(self) -> float:
        return float(sum(self.rewards))

    @property
    def best_expected(self) -> float:
        """What always pulling the best machine earns on average in as many pulls."""
        return self.n_pulls * self.bandit.best_prob

    @property
    def regret(self) -> float:
        """Expected reward lost against the best machine: ``sum(best_prob - probs[arm])``."""
        return float(sum(self.bandit.best_prob - self.probs[a] for a in self.arms))

    def per_arm(self) -> list[tuple[int, float]]:
        """(pulls, observed mean payout) per machine; the mean is nan for machines never pulled."""
        arms, rewards = np.array(self.arms, dtype=int), np.array(self.rewards)
        out = []
        for arm in range(len(self.probs)):
            mine = rewards[arms == arm]
            out.append((len(mine), float(mine.mean()) if len(mine) else float("nan")))
        return out

    # -- view -------------------------------------------------------------------------------------
    def status_text(self) -> str:
        if not self.arms:
            return "Pick a machine. Each pull pays 1 or 0; some machines pay more often than others."
        last = "won 1" if self.rewards[-1] else "won nothing"
        return (
            f"Pull {self.n_pulls}: machine {self.arms[-1] + 1} {last}. Your total: {self.total_reward:.0f}. "
            f"Always pulling the best machine would have earned about {self.best_expected:.1f}."
        )

    def table_text(self) -> str:
        """An HTML table, one row per machine; every cell aligned like its header (numbers to the right)."""
        heads = ["", "pulls", "your average payout"] + (["true odds"] if self.revealed else [])
        rows = []
        for arm, (pulls, mean) in enumerate(self.per_arm()):
            seen = "–" if pulls == 0 else f"{mean:.2f}"
            truth = [f"{self.probs[arm]:.2f}"] if self.revealed else []
            rows.append([f"Machine {arm + 1}", str(pulls), seen] + truth)
        return _html_table(heads, rows)

    def figure(self) -> plt.Figure:
        """Running total reward against the best machine's expected total."""
        fig, ax = plt.subplots(figsize=(6, 2.6))
        pulls = np.arange(0, self.n_pulls + 1)  # from pull 0 (nothing won yet), so one pull draws a line
        ax.step(pulls, np.concatenate([[0.0], np.cumsum(self.rewards)]), where="post", label="you")
        ax.plot(pulls, pulls * self.bandit.best_prob, ls="--", label="best machine (expected)")
        ax.set(xlabel="pulls", ylabel="total reward")
        # At least 10 pulls wide, whole pulls only: after one pull the axis would otherwise read 0.96-1.04.
        width = max(self.n_pulls, 10)
        ax.set_xlim(0, width)
        # Tall enough for the best machine's line across the whole width: both lines then run from the
        # bottom left towards the top right, and the legend's corner (upper left) stays empty.
        ax.set_ylim(0, 1.1 * max(width * self.bandit.best_prob, self.total_reward, 1.0))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        return fig

    def _refresh(self) -> None:
        self.status.value = self.status_text()
        self.table.value = self.table_text()
        if self.plot:
            show_png(self.image, _png(self.figure()) if self.arms else b"")

    def _ipython_display_(self) -> None:
        display(self.widget)


class QLearningStepper:
    """Watch Q-learning learn a grid world one step at a time.

    Parameters are those of :class:`~helpers.rl.qlearning.QLearning`; ``epsilon`` is constant here and
    has a slider. Buttons: one step, one whole episode, 100 episodes, and a reset (Q back to zeros).
    """

    def __init__(
        self,
        env,
        alpha: float = 0.5,
        gamma: float = 0.95,
        epsilon: float = 0.2,
        seed: int = 0,
        max_steps: int = 200,
        plot: bool = True,
    ) -> None:
        self.env = env
        self.layout = grid_layout(env)
        self.alpha, self.gamma, self.seed, self.max_steps, self.plot = alpha, gamma, seed, max_steps, plot
        self.step_button = widgets.Button(description="Step", button_style="info")
        self.step_button.on_click(lambda _button: self.step())
        self.episode_button = widgets.Button(description="Run an episode")
        self.episode_button.on_click(lambda _button: self.run_episodes(1))
        self.many_button = widgets.Button(description="Run 100 episodes")
        self.many_button.on_click(lambda _button: self.run_episodes(100))
        self.reset_button = widgets.Button(description="Reset", button_style="warning")
        self.reset_button.on_click(lambda _button: self.reset())
        self.epsilon_slider = widgets.FloatSlider(value=epsilon, min=0.0, max=1.0, step=0.05, description="epsilon")
        self.epsilon_slider.observe(lambda change: self._set_epsilon(change["new"]), names="value")
        self.status = widgets.HTML()
        self.title = widgets.HTML(f"<b>{html.escape(self.title_text())}</b>")
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.step_button, self.episode_button, self.many_button, self.reset_button]),
                self.epsilon_slider,
                self.status,
                self.title,
                self.image,
            ]
        )
        self.reset()

    @property
    def Q(self) -> np.ndarray:
        return self.agent.Q

    def reset(self) -> None:
        """Forget everything: Q back to zeros, the agent back at the start."""
        self.agent = QLearning(alpha=self.alpha, gamma=self.gamma, epsilon=self.epsilon_slider.value,
                               seed=self.seed, max_steps=self.max_steps)
        self.agent.start(self.env)
        self.last: Transition | None = None
        self.last_change: tuple[float, float] | None = None
        self.steps = 0
        self._refresh()

    def _set_epsilon(self, value: float) -> None:
        self.agent.set_epsilon(value)
        self._refresh()

    def step(self, refresh: bool = True) -> Transition:
        """One step of the agent: act, observe, update one Q-value."""
        before = self.agent.Q.copy()
        transition = self.agent.learn_step()
        self.last = transition
        self.last_change = (float(before[transition.state, transition.action]),
                            float(self.agent.Q[transition.state, transition.action]))
        self.steps += 1
        if refresh:
            self._refresh()
        return transition

    def run_episodes(self, n: int) -> None:
        """Finish the current episode and run ``n - 1`` more, then redraw once."""
        for _ in range(n):
            while not self.step(refresh=False).done:
                pass
        self._refresh()

    @property
    def episodes(self) -> int:
        return len(self.agent.episode_returns)

    def status_text(self) -> str:
        head = f"episode {self.episodes + 1} · {self.steps} steps so far · epsilon {self.agent.current_epsilon:.2f}"
        if self.last is None:
            return head + " · press Step"
        t, (old, new) = self.last, self.last_change
        move = self.layout.action_names[t.action]
        end = " (episode over: back to the start)" if t.done else ""
        return (
            f"{head}<br>state {t.state} → {move} → state {t.next_state}, reward {t.reward:g}{end}<br>"
            f"Q[{t.state}, {move}]: {old:.3f} → {new:.3f}"
        )

    def title_text(self) -> str:
        """The picture's title, shown as HTML above it (inside a 4-column figure it would be cropped)."""
        return f"{self.layout.name}: greedy action and best Q-value per cell"

    def figure(self) -> plt.Figure:
        """The grid, at most :data:`MAX_GRID_WIDTH` inches wide; 0.75 inch per cell when that fits."""
        rows, cols = self.layout.shape
        cell = min(0.75, (MAX_GRID_WIDTH - 0.2) / cols)
        fig, ax = plt.subplots(figsize=(cell * cols + 0.2, cell * rows + 0.2))
        draw_grid(self.layout, Q=self.agent.Q, agent_state=self.agent.state,
                  highlight=None if self.last is None else self.last.state, ax=ax)
        fig.tight_layout(pad=0.2)
        return fig

    def _refresh(self) -> None:
        self.status.value = self.status_text()
        if self.plot:
            show_png(self.image, _png(self.figure()))

    def _ipython_display_(self) -> None:
        display(self.widget)
