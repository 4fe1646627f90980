"""The text equivalents of notebook 09's figures state what the figures show, from the same data."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from helpers.rl.bandits import BanditRuns
from helpers.rl.describe import grid_text, learning_curve_in_words, regret_table
from helpers.rl.render import grid_layout


@pytest.fixture(scope="module")
def lake():
    return grid_layout(gym.make("FrozenLake-v1", is_slippery=False))


def test_the_map_reads_as_gymnasium_prints_it_with_a_key(lake):
    text = grid_text(lake)
    assert text.splitlines()[:4] == ["S F F F", "F H F H", "F F F H", "H F F G"]
    assert text.splitlines()[4] == "(S start, F ice, H hole, G goal)"


def test_the_policy_is_the_greedy_arrow_of_each_cell_and_holes_keep_their_letter(lake):
    Q = np.zeros((16, 4))
    Q[0, 2] = 0.9  # right
    Q[4, 1] = 0.5  # down
    Q[14, 2] = 1.0  # right, into the goal
    rows = grid_text(lake, Q).splitlines()
    assert rows[0] == "→ · · ·"
    assert rows[1] == "↓ H · H"
    assert rows[3] == "H · → G"
    assert "arrows: the greedy action" in rows[-1] and "S start" not in rows[-1]  # S is covered by its arrow


def test_values_are_the_best_q_value_of_each_cell(lake):
    Q = np.zeros((16, 4))
    Q[14] = [0.1, 0.2, 0.97, 0.3]
    assert grid_text(lake, Q, values=True).splitlines()[3].split() == ["H", "·0.00", "→0.97", "G"]


def test_a_q_table_of_another_grid_is_refused_by_name(lake):
    with pytest.raises(ValueError, match="Q has 48 rows but the FrozenLake grid has 16 states"):
        grid_text(lake, np.zeros((48, 4)))


def test_the_cliff_names_its_cliff_and_goal():
    text = grid_text(grid_layout(gym.make("CliffWalking-v1")))
    assert text.splitlines()[3] == "S C C C C C C C C C C G"
    assert text.splitlines()[-1] == "(S start, G goal, . ground, C cliff)"


def _runs(name, regret_per_pull, n_steps=1000):
    regret = np.tile(np.asarray(regret_per_pull(np.arange(n_steps)), dtype=float), (2, 1))
    return BanditRuns(name, np.zeros_like(regret, dtype=int), np.zeros_like(regret), regret, best_arm=0)


def test_regret_table_reads_the_curves_and_what_the_second_half_added():
    steady = _runs("steady", lambda t: np.full(t.shape, 0.02))  # explores at random for ever: a straight line
    settled = _runs("settled", lambda t: np.where(t < 100, 0.2, 0.0))  # found the best arm after 100 pulls
    table = regret_table([steady, settled])
    assert list(table.columns) == ["after 10 pulls", "after 100 pulls", "after 500 pulls", "after 1,000 pulls",
                                   "added in the 2nd half"]
    assert table.loc["steady"].tolist() == pytest.approx([0.2, 2.0, 10.0, 20.0, 10.0])
    assert table.loc["settled"].tolist() == pytest.approx([2.0, 20.0, 20.0, 20.0, 0.0])


def test_regret_table_needs_runs():
    with pytest.raises(ValueError, match="at least one BanditRuns"):
        regret_table([])


def test_learning_curve_in_words_names_start_best_end_and_when_the_target_was_reached():
    returns = [10.0] * 20 + [200.0] * 20 + [150.0] * 20
    steps = np.cumsum(returns).astype(int)
    text = learning_curve_in_words(returns, steps, window=20, target=195, name="DQN", unit="step")
    assert text.startswith("DQN: 60 episodes; mean return of the last 20 episodes went from 10.0 to 150.0 (best 200.0)")
    assert f"first at or above 195 after {steps[39]:,} steps." in text
    assert "never at or above 300" in learning_curve_in_words(returns, target=300)
    assert learning_curve_in_words([], name="this run") == "this run: no episode finished yet."
