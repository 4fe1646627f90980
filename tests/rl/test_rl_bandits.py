"""Bandits: the environment, the three strategies, and regret."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.rl.bandits import (
    UCB,
    BernoulliBandit,
    EpsilonGreedy,
    ThompsonSampling,
    epsilon_greedy_action,
    simulate,
    ucb_scores,
)

PROBS = [0.2, 0.35, 0.5, 0.6]


def test_bandit_pays_at_its_probabilities_and_is_seeded():
    bandit = BernoulliBandit([0.1, 0.9], seed=3)
    payouts = np.array([[bandit.pull(arm) for arm in (0, 1)] for _ in range(4000)])
    assert set(np.unique(payouts)) <= {0.0, 1.0}
    np.testing.assert_allclose(payouts.mean(axis=0), [0.1, 0.9], atol=0.02)
    one, two = BernoulliBandit([0.5, 0.5], seed=7), BernoulliBandit([0.5, 0.5], seed=7)
    assert [one.pull(0) for _ in range(50)] == [two.pull(0) for _ in range(50)]


def test_bandit_rejects_bad_input_with_a_fix():
    with pytest.raises(ValueError, match="at least 2"):
        BernoulliBandit([0.5])
    with pytest.raises(ValueError, match="percentages"):
        BernoulliBandit([20, 50])
    with pytest.raises(ValueError, match="from 0 to 1"):
        BernoulliBandit([0.2, 0.4]).pull(2)


def test_epsilon_greedy_action_frequencies():
    rng = np.random.default_rng(0)
    q = np.array([0.0, 2.0, 1.0])
    assert all(epsilon_greedy_action(q, 0.0, rng) == 1 for _ in range(100))
    picks = np.bincount([epsilon_greedy_action(q, 0.3, rng) for _ in range(6000)], minlength=3) / 6000
    np.testing.assert_allclose(picks, [0.1, 0.8, 0.1], atol=0.02)


def test_ucb_scores_formula_and_untried_arms():
    scores = ucb_scores([0.5, 0.2, 0.0], [4, 1, 0], t=5, c=2.0)
    np.testing.assert_allclose(scores[:2], [0.5 + 2 * np.sqrt(np.log(5) / 4), 0.2 + 2 * np.sqrt(np.log(5) / 1)])
    assert np.isposinf(scores[2])


def test_every_strategy_tries_each_arm_and_learns_the_best():
    for make in (lambda s: EpsilonGreedy(4, 0.1, seed=s), lambda s: UCB(4, c=1.0), lambda s: ThompsonSampling(4, seed=s)):
        runs = simulate(make, PROBS, n_steps=1500, n_runs=4, seed=0)
        assert runs.arms.shape == (4, 1500)
        assert all(len(np.unique(row)) == 4 for row in runs.arms), runs.name
        # In the last third each strategy mostly pulls the best arm (index 3).
        assert (runs.arms[:, 1000:] == 3).mean() > 0.6, runs.name


def test_regret_is_expected_loss_and_thompson_and_ucb_beat_pure_exploration():
    greedy = simulate(lambda s: EpsilonGreedy(4, 1.0, seed=s), PROBS, n_steps=600, n_runs=6, seed=1)
    np.testing.assert_allclose(greedy.regret, 0.6 - np.array(PROBS)[greedy.arms])
    assert np.all(np.diff(greedy.cumulative_regret) >= 0)
    thompson = simulate(lambda s: ThompsonSampling(4, seed=s), PROBS, n_steps=600, n_runs=6, seed=1)
    ucb = simulate(lambda s: UCB(4, c=1.0), PROBS, n_steps=600, n_runs=6, seed=1)
    # Random play loses ~ (0.6 - mean(PROBS)) = 0.2 per pull; the learners far less.
    print("final regret: random", greedy.cumulative_regret[-1], "UCB", ucb.cumulative_regret[-1],
          "Thompson", thompson.cumulative_regret[-1])
    assert thompson.cumulative_regret[-1] < 0.5 * greedy.cumulative_regret[-1]
    assert ucb.cumulative_regret[-1] < 0.5 * greedy.cumulative_regret[-1]


def test_simulate_is_reproducible():
    a = simulate(lambda s: ThompsonSampling(4, seed=s), PROBS, n_steps=200, n_runs=3, seed=5)
    b = simulate(lambda s: ThompsonSampling(4, seed=s), PROBS, n_steps=200, n_runs=3, seed=5)
    np.testing.assert_array_equal(a.arms, b.arms)
    np.testing.assert_array_equal(a.rewards, b.rewards)


def test_strategies_accept_a_learners_rule():
    calls = []

    def always_first(q, epsilon, rng):
        calls.append(epsilon)
        return 0

    strategy = EpsilonGreedy(3, 0.2, seed=0, choose=always_first)
    assert strategy.select_arm() == 0 and calls == [0.2]
    ucb = UCB(3, scores=lambda v, n, t, c: np.array([0.0, 5.0, 1.0]))
    assert ucb.select_arm() == 1


def test_thompson_needs_binary_rewards():
    with pytest.raises(ValueError, match="0 or 1"):
        ThompsonSampling(2, seed=0).update(0, 0.5)
