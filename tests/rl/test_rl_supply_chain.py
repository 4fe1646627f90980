"""The inventory environment: gymnasium's contract, its bookkeeping, and Q-learning against (s, S)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from helpers.rl.qlearning import QLearning, evaluate
from helpers.rl.supply_chain import (
    ENV_ID,
    InventoryEnv,
    ReorderPointPolicy,
    best_reorder_point_policy,
    order_table,
    run_days,
    state_counts,
)


def test_passes_gymnasiums_env_checker():
    # Through gymnasium.make, so the checker also finds the spec and tries the render modes.
    check_env(gym.make(ENV_ID).unwrapped, skip_render_check=False)
    assert gym.make(ENV_ID, render_mode="ansi").unwrapped.render().startswith("day 0")


def test_spaces_and_reset_are_seeded():
    env = InventoryEnv()
    assert env.observation_space == gym.spaces.MultiDiscrete([21, 7])
    assert env.action_space == gym.spaces.Discrete(5)
    first, _ = env.reset(seed=3)
    again, _ = env.reset(seed=3)
    np.testing.assert_array_equal(first, again)
    assert first[1] == 0 and env.observation_space.contains(first)
    obs, _ = env.reset(seed=3, options={"stock": 7})
    assert obs.tolist() == [7, 0]


def test_one_day_of_bookkeeping():
    env = InventoryEnv(capacity=10, order_sizes=(0, 5, 10), order_cost=6, unit_cost=1, holding_cost=0.5, stockout_cost=5)
    env.reset(seed=0, options={"stock": 8})
    obs, reward, terminated, truncated, info = env.step(2)  # order 10, only 2 fit
    assert info["ordered"] == 10 and info["received"] == 2
    assert info["sold"] == min(info["demand"], 10) and info["lost"] == info["demand"] - info["sold"]
    assert info["stock"] == 10 - info["sold"] == obs[0] and obs[1] == 1  # Tuesday next
    expected_cost = 6 + 1 * 2 + 0.5 * info["stock"] + 5 * info["lost"]
    assert reward == pytest.approx(-expected_cost) and info["cost"] == pytest.approx(expected_cost)
    assert not terminated and not truncated


def test_episode_is_truncated_after_the_horizon_and_never_terminated():
    env = InventoryEnv(horizon=10)
    days = run_days(env, lambda obs: 1, seed=0)
    assert len(days) == 10
    assert days["weekday"].tolist()[:8] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"]
    assert (days["cost"] == days[["order", "purchase", "holding", "stockout"]].sum(axis=1)).all()


def test_demand_follows_the_weekday_means():
    env = InventoryEnv(horizon=7 * 200)
    days = run_days(env, lambda obs: 0, seed=1)
    means = days.groupby("weekday", sort=False)["demand"].mean()
    np.testing.assert_allclose(means[["Mon", "Fri", "Sat", "Sun"]], [2, 8, 10, 1], rtol=0.2)


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="7 non-negative"):
        InventoryEnv(demand_means=(1, 2, 3))
    with pytest.raises(ValueError, match="distinct"):
        InventoryEnv(order_sizes=(0, 5, 5))
    env = InventoryEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="index into order_sizes"):
        env.step(7)
    with pytest.raises(ValueError, match="capacity"):
        env.reset(options={"stock": 99})
    with pytest.raises(ValueError, match="s < S"):
        ReorderPointPolicy(5, 5, (0, 5))


def test_reorder_point_policy_orders_up_to_S():
    policy = ReorderPointPolicy(s=3, S=13, order_sizes=(0, 5, 10, 15, 20))
    assert policy(np.array([4, 0])) == 0  # above s: nothing
    assert policy(np.array([3, 0])) == 2  # 13 - 3 = 10 -> size 10
    assert policy(np.array([0, 5])) == 3  # 13 units wanted: 15 is nearer than 10
    table = order_table(InventoryEnv(), policy)
    assert table.shape == (21, 7) and (table[4:] == 0).all() and (table[:, 0] == table[:, 5]).all()


def test_q_learning_beats_the_best_fixed_reorder_point_policy():
    """The (s, S) baseline is the best of every 0 <= s < S <= 20, tuned on seeds 0..29; both are then
    judged on 200 other seeded episodes. Q-learning sees the weekday, (s, S) does not."""
    env = InventoryEnv()
    baseline, tuned_cost = best_reorder_point_policy(env, n_episodes=30, seed=0)
    agent = QLearning(alpha=0.1, gamma=0.9, seed=0).fit(env, n_episodes=6000)
    cost_baseline = -evaluate(env, baseline, n_episodes=200, seed=10_000) / env.horizon
    cost_q = -evaluate(env, agent.predict, n_episodes=200, seed=10_000) / env.horizon
    print(f"\nmean cost per day over 200 evaluation episodes: {baseline} {cost_baseline.mean():.2f}"
          f" (tuned: {tuned_cost:.2f}), Q-learning {cost_q.mean():.2f}")
    difference = cost_baseline - cost_q  # paired: same seeds, same demand
    standard_error = difference.std(ddof=1) / np.sqrt(len(difference))
    assert difference.mean() > 3 * standard_error > 0
    # It learned to stock up before the weekend rush: more is ordered on Friday than on Monday.
    table = order_table(env, agent.predict)
    assert table[:8, 4].mean() > table[:8, 0].mean()


def test_state_counts_follow_the_policy():
    env = InventoryEnv(horizon=14)
    never_order = state_counts(env, lambda obs: 0, seeds=range(5))
    assert never_order.sum() == 5 * 14
    assert never_order[:, 0].sum() == 5 * 2  # two Mondays per episode
    # Ordering 20 every morning keeps the evening stock high; ordering nothing drains it to 0.
    always_full = state_counts(env, lambda obs: 4, seeds=range(5))
    assert always_full[10:, 1:].sum() > always_full[:5, 1:].sum()
    assert never_order[0].sum() > never_order[10:].sum()
