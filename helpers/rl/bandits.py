"""Multi-armed bandits: the smallest problem with the explore-or-exploit trade-off.

A bandit has ``k`` arms (slot machines); pulling arm ``i`` pays 1 with an unknown probability
``probs[i]`` and 0 otherwise. A strategy chooses an arm, sees the reward, updates what it believes,
and chooses again. Its *regret* after ``t`` pulls is what it lost against always pulling the best arm:
``sum(best_prob - probs[arm_pulled])`` (expected, so the curves are smooth).

Strategies share one interface, ``select_arm() -> int`` and ``update(arm, reward)``:

- :class:`EpsilonGreedy`     exploit the best-looking arm, explore a random one with probability epsilon
- :class:`UCB`               pull the arm with the highest optimistic estimate (mean + bonus for few pulls)
- :class:`ThompsonSampling`  draw a plausible payout rate per arm from its Beta posterior, pull the best draw
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

__all__ = [
    "BernoulliBandit",
    "EpsilonGreedy",
    "UCB",
    "ThompsonSampling",
    "BanditRuns",
    "epsilon_greedy_action",
    "ucb_scores",
    "simulate",
]


class BernoulliBandit:
    """``k`` arms; arm ``i`` pays 1 with probability ``probs[i]``, else 0.

    Parameters
    ----------
    probs : sequence of float in [0, 1], length k >= 2
        The payout probability of each arm (hidden from the strategies).
    seed : int or None
        Seeds the payouts (numpy ``default_rng``).
    """

    def __init__(self, probs: Sequence[float], seed: int | None = None) -> None:
        probs = np.asarray(probs, dtype=float)
        if probs.ndim != 1 or len(probs) < 2:
            raise ValueError(f"a bandit needs a list of at least 2 payout probabilities, got {probs.tolist()!r}.")
        if np.any((probs < 0) | (probs > 1)) or np.isnan(probs).any():
            raise ValueError(f"payout probabilities must lie in [0, 1], got {probs.tolist()!r}: pass probabilities, not percentages.")
        self.probs = probs
        self.rng = np.random.default_rng(seed)

    @property
    def n_arms(self) -> int:
        return len(self.probs)

    @property
    def best_arm(self) -> int:
        return int(np.argmax(self.probs))

    @property
    def best_prob(self) -> float:
        return float(self.probs.max())

    def pull(self, arm: int) -> float:
        """Pull ``arm`` (0-based); return the reward, 0.0 or 1.0."""
        if not (isinstance(arm, (int, np.integer)) and 0 <= arm < self.n_arms):
            raise ValueError(f"arm must be an integer from 0 to {self.n_arms - 1}, got {arm!r}.")
        return float(self.rng.random() < self.probs[arm])


def epsilon_greedy_action(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """With probability ``epsilon`` a uniformly random action (any of them), otherwise ``argmax(q_values)``.

    ``q_values``: shape (n_actions,), the current value estimates. Ties go to the lowest index.
    """
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))


def ucb_scores(values: np.ndarray, counts: np.ndarray, t: int, c: float = 1.0) -> np.ndarray:
    """UCB score per arm: ``values + c * sqrt(ln(t) / counts)``; ``+inf`` for arms never pulled.

    ``values``, ``counts``: shape (n_arms,), the mean reward and number of pulls per arm; ``t``: the total
    number of pulls so far (>= 1). The bonus is large for arms pulled rarely: optimism under uncertainty.
    """
    values = np.asarray(values, dtype=float)
    counts = np.asarray(counts, dtype=float)
    scores = np.full(values.shape, np.inf)
    tried = counts > 0
    scores[tried] = values[tried] + c * np.sqrt(np.log(max(t, 1)) / counts[tried])
    return scores


class _Strategy:
    """Keeps the pull count and mean reward per arm; subclasses decide which arm to pull."""

    name = "strategy"

    def __init__(self, n_arms: int, seed: int | None = None) -> None:
        if n_arms < 2:
            raise ValueError(f"a bandit strategy needs n_arms >= 2, got {n_arms}.")
        self.n_arms = n_arms
        self.rng = np.random.default_rng(seed)
        self.counts = np.zeros(n_arms)
        self.values = np.zeros(n_arms)  # running mean reward per arm

    @property
    def t(self) -> int:
        return int(self.counts.sum())

    def select_arm(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, arm: int, reward: float) -> None:
        self.counts[arm] += 1
        # Incremental mean: no need to keep every reward.
        self.values[arm] += (reward - self.values[arm]) / self.counts[arm]


class EpsilonGreedy(_Strategy):
    """Pull the arm with the best mean so far; with probability ``epsilon`` a random arm instead.

    ``choose``: the action rule ``(q_values, epsilon, rng) -> arm``; pass your own to try it.
    """

    def __init__(
        self,
        n_arms: int,
        epsilon: float = 0.1,
        seed: int | None = None,
        choose: Callable[[np.ndarray, float, np.random.Generator], int] = epsilon_greedy_action,
    ) -> None:
        super().__init__(n_arms, seed)
        if not 0 <= epsilon <= 1:
            raise ValueError(f"epsilon is a probability in [0, 1], got {epsilon}.")
        self.epsilon = epsilon
        self.choose = choose
        self.name = f"epsilon-greedy (ε={epsilon:g})"

    def select_arm(self) -> int:
        return int(self.choose(self.values, self.epsilon, self.rng))


class UCB(_Strategy):
    """Upper confidence bound: pull the arm with the highest ``mean + c * sqrt(ln t / pulls)``.

    Deterministic (no seed needed); ties go to the lowest index. ``scores``: the scoring rule
    ``(values, counts, t, c) -> scores``; pass your own to try it.
    """

    def __init__(
        self,
        n_arms: int,
        c: float = 1.0,
        seed: int | None = None,
        scores: Callable[[np.ndarray, np.ndarray, int, float], np.ndarray] = ucb_scores,
    ) -> None:
        super().__init__(n_arms, seed)
        self.c = c
        self.scores = scores
        self.name = f"UCB (c={c:g})"

    def select_arm(self) -> int:
        return int(np.argmax(self.scores(self.values, self.counts, max(self.t, 1), self.c)))


class ThompsonSampling(_Strategy):
    """Keep a Beta(successes + 1, failures + 1) belief per arm; draw one sample each, pull the largest.

    Arms we know little about have wide beliefs, so they sometimes win the draw: exploration comes for
    free and fades as the evidence piles up. Rewards must be 0 or 1.
    """

    name = "Thompson sampling"

    def __init__(self, n_arms: int, seed: int | None = None) -> None:
        super().__init__(n_arms, seed)
        self.successes = np.zeros(n_arms)
        self.failures = np.zeros(n_arms)

    def select_arm(self) -> int:
        return int(np.argmax(self.rng.beta(self.successes + 1, self.failures + 1)))

    def update(self, arm: int, reward: float) -> None:
        if reward not in (0, 1):
            raise ValueError(f"Thompson sampling with a Beta belief needs rewards 0 or 1, got {reward!r}.")
        super().update(arm, reward)
        self.successes[arm] += reward
        self.failures[arm] += 1 - reward


@dataclass
class BanditRuns:
    """What ``simulate`` saw: arrays of shape (n_runs, n_steps)."""

    name: str
    arms: np.ndarray  # arm pulled at each step
    rewards: np.ndarray  # reward received (0 or 1)
    regret: np.ndarray  # expected regret of each pull: best_prob - probs[arm]
    best_arm: int

    @property
    def cumulative_regret(self) -> np.ndarray:
        """Mean over runs of the cumulative regret, shape (n_steps,)."""
        return self.regret.cumsum(axis=1).mean(axis=0)

    @property
    def best_arm_fraction(self) -> float:
        """Fraction of all pulls that went to the best arm."""
        return float((self.arms == self.best_arm).mean())

    @property
    def mean_reward(self) -> float:
        return float(self.rewards.mean())


def simulate(
    make_strategy: Callable[[int], _Strategy],
    probs: Sequence[float],
    n_steps: int = 1000,
    n_runs: int = 20,
    seed: int = 0,
) -> BanditRuns:
    """Play ``n_runs`` independent games of ``n_steps`` pulls each.

    ``make_strategy(seed) -> strategy`` builds a fresh strategy per run (so runs are independent but
    reproducible); run ``r`` seeds the bandit with ``seed + r`` and the strategy with ``seed + 10_000 + r``.
    """
    probs = np.asarray(probs, dtype=float)
    arms = np.zeros((n_runs, n_steps), dtype=int)
    rewards = np.zeros((n_runs, n_steps))
    name = "strategy"
    for run in range(n_runs):
        bandit = BernoulliBandit(probs, seed=seed + run)
        strategy = make_strategy(seed + 10_000 + run)
        name = strategy.name
        for step in range(n_steps):
            arm = strategy.select_arm()
            reward = bandit.pull(arm)
            strategy.update(arm, reward)
            arms[run, step] = arm
            rewards[run, step] = reward
    regret = probs.max() - probs[arms]
    return BanditRuns(name=name, arms=arms, rewards=rewards, regret=regret, best_arm=int(np.argmax(probs)))
