"""The notebook-09 widgets, driven from Python as a learner's clicks would drive them."""

from __future__ import annotations

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.rl.widgets import BanditGame, QLearningStepper


def test_bandit_game_buttons_pull_their_machine_and_keep_score():
    game = BanditGame(probs=(0.1, 0.9), seed=0, plot=False)
    assert "Pick a machine" in game.status.value
    for _ in range(30):
        game.buttons[1].click()
    game.buttons[0].click()
    assert game.arms == [1] * 30 + [0]
    assert game.n_pulls == 31 and game.total_reward == sum(game.rewards)
    assert game.best_expected == pytest.approx(31 * 0.9)
    assert game.regret == pytest.approx(0.8)  # one pull of the worse machine
    pulls, mean = game.per_arm()[1]
    assert pulls == 30 and 0.7 < mean <= 1.0
    assert f"Your total: {game.total_reward:.0f}" in game.status.value
    assert "about 27.9" in game.status.value
    assert "true odds" not in game.table.value
    game.reveal_button.click()
    assert "true odds" in game.table.value and "0.90" in game.table.value


def test_bandit_game_is_seeded_and_resets():
    one, two = BanditGame(seed=3, plot=False), BanditGame(seed=3, plot=False)
    for arm in (0, 1, 2, 3, 2, 2):
        one.buttons[arm].click()
        two.pull(arm)
    assert one.rewards == two.rewards
    one.reset_button.click()
    assert one.n_pulls == 0 and one.rewards == [] and not one.revealed


def test_bandit_game_figure_shows_the_running_totals():
    game = BanditGame(probs=(0.5, 0.5), seed=0, plot=True)
    for _ in range(5):
        game.pull(0)
    fig = game.figure()
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), np.concatenate([[0], np.cumsum(game.rewards)]))
    np.testing.assert_allclose(lines[1].get_ydata(), 0.5 * np.arange(0, 6))
    plt.close("all")


def test_bandit_axis_after_one_pull_counts_whole_pulls():
    game = BanditGame(probs=(0.5, 0.8), seed=0, plot=True)
    game.pull(0)
    ax = game.figure().axes[0]
    assert ax.get_xlim() == (0, 10)  # not 0.96-1.04 around the single pull
    ticks = [t for t in ax.get_xticks() if 0 <= t <= 10]
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks)
    you, best = ax.get_lines()
    assert len(you.get_xdata()) == 2  # a line from pull 0, not a lone point
    assert ax.get_ylim()[1] >= 10 * 0.8  # the best machine's line fits across the whole width
    plt.close("all")


def test_bandit_table_headers_align_with_their_columns():
    import re

    game = BanditGame(probs=(0.3, 0.6), seed=0, plot=False)
    game.pull(1)
    game.reveal()
    rows = re.findall(r"<tr>(.*?)</tr>", game.table.value)
    aligns = [re.findall(r"<t[hd] style=\"text-align:(\w+)", row) for row in rows]
    assert len(aligns[0]) == 4 and all(a == aligns[0] for a in aligns[1:]), aligns
    assert aligns[0][1:] == ["right"] * 3  # numbers and their headers to the right


def test_pictures_are_shown_at_their_own_pixel_size():
    """The Image widget's layout is the PNG's size: a VBox would otherwise stretch it to the cell's width."""
    from helpers.rl.widgets import png_size

    game = BanditGame(seed=0, plot=True)
    assert game.image.layout.height == "0px"  # nothing drawn yet: no empty box
    game.pull(0)
    width, height = png_size(bytes(game.image.value))
    assert (game.image.layout.width, game.image.layout.height) == (f"{width}px", f"{height}px")
    for env, cols in ((gym.make("FrozenLake-v1", is_slippery=False), 4), (gym.make("CliffWalking-v1"), 12)):
        stepper = QLearningStepper(env, seed=0, plot=True)
        width, height = png_size(bytes(stepper.image.value))
        assert (stepper.image.layout.width, stepper.image.layout.height) == (f"{width}px", f"{height}px")
        assert width <= 740 and height <= 400, (cols, width, height)  # fits beside the controls on 1280x800
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a")


def test_stepper_title_is_html_above_the_picture():
    stepper = QLearningStepper(gym.make("FrozenLake-v1", is_slippery=False), seed=0, plot=False)
    assert "FrozenLake: greedy action and best Q-value per cell" in stepper.title.value
    assert stepper.widget.children.index(stepper.title) == stepper.widget.children.index(stepper.image) - 1


def test_stepper_step_updates_one_q_value_and_moves_the_agent():
    stepper = QLearningStepper(gym.make("FrozenLake-v1", is_slippery=False), epsilon=1.0, seed=0, plot=False)
    assert stepper.agent.state == 0 and "press Step" in stepper.status.value
    stepper.step_button.click()
    t = stepper.last
    assert t.state == 0 and stepper.steps == 1
    assert stepper.agent.state in (t.next_state, 0)  # back to the start if the episode ended
    assert f"state {t.state} → {stepper.layout.action_names[t.action]}" in stepper.status.value


def test_stepper_episodes_learn_the_deterministic_lake():
    stepper = QLearningStepper(gym.make("FrozenLake-v1", is_slippery=False), alpha=0.5, epsilon=0.3, seed=0, plot=False)
    stepper.many_button.click()
    assert stepper.episodes == 100
    assert stepper.Q.max() > 0  # the goal's reward has flowed back
    stepper.epsilon_slider.value = 0.0
    assert stepper.agent.current_epsilon == 0.0
    stepper.episode_button.click()
    assert stepper.episodes == 101 and stepper.agent.episode_returns[-1] == 1.0  # greedy run reaches the goal
    stepper.reset_button.click()
    assert stepper.episodes == 0 and not stepper.Q.any()


def test_stepper_shows_the_q_value_change_on_the_cliff():
    stepper = QLearningStepper(gym.make("CliffWalking-v1"), alpha=0.5, epsilon=1.0, seed=1, plot=False)
    changes = [stepper.step() for _ in range(200)]
    falls = [t for t in changes if t.reward == -100]
    assert falls, "a random walk of 200 steps from the start falls off the cliff"
    old, new = stepper.last_change
    t = stepper.last
    assert new == pytest.approx(stepper.Q[t.state, t.action])
    fig = stepper.figure()
    assert fig.axes[0].get_title() == ""  # the title is HTML above the picture, never cropped inside it
    assert stepper.title_text().startswith("CliffWalking")
    plt.close("all")


def test_pictures_are_png_bytes_that_follow_the_clicks():
    game = BanditGame(probs=(0.5, 0.5), seed=0, plot=True)
    assert bytes(game.image.value) == b""  # nothing to draw before the first pull
    game.buttons[0].click()
    assert bytes(game.image.value).startswith(b"\x89PNG")
    stepper = QLearningStepper(gym.make("FrozenLake-v1", is_slippery=False), epsilon=1.0, seed=0, plot=True)
    before = bytes(stepper.image.value)
    assert before.startswith(b"\x89PNG")
    stepper.step_button.click()
    assert bytes(stepper.image.value).startswith(b"\x89PNG") and bytes(stepper.image.value) != before  # the agent moved
    assert not plt.get_fignums()  # every figure was closed after drawing
