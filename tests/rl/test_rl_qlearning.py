"""Tabular Q-learning on FrozenLake and CliffWalking, and the grid drawings."""

from __future__ import annotations

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np
import pytest
from gymnasium import spaces

from helpers.rl.qlearning import QLearning, evaluate, q_update, rollout, state_index
from helpers.rl.render import draw_grid, grid_layout


def test_q_update_moves_towards_the_bootstrapped_target():
    Q = np.zeros((3, 2))
    Q[2] = [1.0, 4.0]
    q_update(Q, 0, 1, reward=1.0, next_state=2, terminated=False, alpha=0.5, gamma=0.9)
    assert Q[0, 1] == pytest.approx(0.5 * (1.0 + 0.9 * 4.0))
    q_update(Q, 1, 0, reward=-2.0, next_state=2, terminated=True, alpha=0.5, gamma=0.9)
    assert Q[1, 0] == pytest.approx(-1.0)  # no future after a terminal state
    assert Q[0, 0] == 0 and Q[1, 1] == 0  # nothing else changed


def test_state_index_flattens_multidiscrete_row_major():
    space = spaces.MultiDiscrete([21, 7])
    assert state_index(np.array([3, 5]), space) == 3 * 7 + 5
    assert state_index(np.array([3, 5]), space) == np.ravel_multi_index((3, 5), (21, 7))
    assert state_index(np.int64(4), spaces.Discrete(16)) == 4
    with pytest.raises(TypeError, match="DQN"):
        state_index(np.zeros(4), spaces.Box(-1, 1, (4,)))


def test_deterministic_lake_is_solved_every_time():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(alpha=0.1, gamma=0.99, seed=0).fit(env, n_episodes=500)
    outcomes = [rollout(env, agent.predict, seed=seed, max_steps=100) for seed in range(100)]
    reached = sum(terminated and ret == 1.0 for ret, _, terminated in outcomes)
    print(f"deterministic FrozenLake: goal reached in {reached}/100 greedy rollouts")
    assert reached == 100
    assert {length for _, length, _ in outcomes} == {6}  # and by a shortest path


def test_slippery_lake_learns_far_better_than_chance():
    env = gym.make("FrozenLake-v1", is_slippery=True)
    agent = QLearning(alpha=0.1, gamma=0.99, seed=0).fit(env, n_episodes=2000)
    success = evaluate(env, agent.predict, n_episodes=200, seed=10_000).mean()
    random_success = evaluate(env, lambda obs: int(np.random.default_rng(int(obs)).integers(4)), 200).mean()
    print(f"slippery FrozenLake: greedy success {success:.2f}, a fixed random policy {random_success:.2f}")
    assert success > 0.5 > random_success


def test_cliff_walking_finds_the_shortest_path():
    env = gym.make("CliffWalking-v1")
    agent = QLearning(alpha=0.5, gamma=0.99, seed=0, max_steps=200).fit(env, n_episodes=300)
    returns = evaluate(env, agent.predict, n_episodes=3, max_steps=100)
    np.testing.assert_array_equal(returns, -13.0)  # 13 steps along the cliff edge


def test_fit_is_reproducible_and_records_episodes():
    env = gym.make("FrozenLake-v1", is_slippery=True)
    a = QLearning(seed=4).fit(env, 300)
    b = QLearning(seed=4).fit(env, 300)
    np.testing.assert_array_equal(a.Q, b.Q)
    assert len(a.episode_returns) == 300 and len(a.episode_lengths) == 300
    assert not np.array_equal(a.Q, QLearning(seed=5).fit(env, 300).Q)


def test_fit_uses_a_learners_update_rule():
    calls = []

    def counting_update(Q, s, a, r, s2, terminated, alpha, gamma):
        calls.append((s, a, r, s2, terminated))
        q_update(Q, s, a, r, s2, terminated, alpha, gamma)

    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(seed=0, update=counting_update).fit(env, 20)
    assert len(calls) == sum(agent.episode_lengths)


def test_learn_step_and_epsilon_schedule():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(seed=0)
    assert agent.start(env, n_episodes_planned=100) == 0
    assert agent.current_epsilon == 1.0
    step = agent.learn_step()
    assert step.state == 0 and 0 <= step.action < 4 and step.epsilon == 1.0
    agent.set_epsilon(0.0)
    assert agent.current_epsilon == 0.0
    with pytest.raises(ValueError, match="probability"):
        agent.set_epsilon(2)


def test_unfitted_agent_and_bad_hyperparameters_explain_themselves():
    with pytest.raises(RuntimeError, match="fit"):
        QLearning().policy()
    with pytest.raises(ValueError, match="alpha"):
        QLearning(alpha=0)
    with pytest.raises(TypeError, match="DQN"):
        QLearning().fit(gym.make("CartPole-v1"), 1)


def test_grid_layouts_know_both_worlds():
    lake = grid_layout(gym.make("FrozenLake-v1"))
    assert lake.shape == (4, 4) and lake.tile(0) == "S" and lake.tile(15) == "G" and lake.tile(5) == "H"
    assert lake.action_names[2] == "right" and lake.moves[2] == (0, 1)
    cliff = grid_layout(gym.make("CliffWalking-v1"))
    assert cliff.shape == (4, 12) and cliff.tile(36) == "S" and cliff.tile(47) == "G" and cliff.tile(40) == "C"
    assert cliff.action_names[0] == "up" and cliff.moves[0] == (-1, 0)
    with pytest.raises(TypeError, match="FrozenLake"):
        grid_layout(gym.make("CartPole-v1"))


def test_draw_grid_draws_an_arrow_per_learned_cell():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(seed=0).fit(env, 300)
    layout = grid_layout(env)
    ax = draw_grid(layout, Q=agent.Q, agent_state=0, highlight=1)
    learned = sum(layout.shows_values(s) and not np.allclose(agent.Q[s], agent.Q[s][0]) for s in range(16))
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrow"]
    assert learned > 0 and len(arrows) == learned
    assert ax.get_xlim() == (0, 4) and ax.get_ylim() == (4, 0)
    with pytest.raises(ValueError, match="states"):
        draw_grid(layout, Q=np.zeros((5, 4)))
    plt.close("all")
