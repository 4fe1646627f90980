"""Tabular Q-learning for gymnasium environments with discrete states and actions.

The agent keeps a table ``Q`` of shape (n_states, n_actions): ``Q[s, a]`` estimates the discounted
return of taking action ``a`` in state ``s`` and acting greedily afterwards. After each step
``(s, a, r, s')`` it moves ``Q[s, a]`` a fraction ``alpha`` towards the target
``r + gamma * max_a' Q[s', a']`` (just ``r`` when the episode ended in ``s'``)::

    agent = QLearning(alpha=0.1, gamma=0.99, seed=0).fit(gym.make("FrozenLake-v1"), n_episodes=2000)
    agent.policy()            # greedy action per state, shape (n_states,)
    agent.predict(obs)        # greedy action for one observation

Observations may be ``Discrete`` or ``MultiDiscrete`` (flattened to one index, see :func:`state_index`).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
from gymnasium import spaces

from helpers.rl.schedules import LinearSchedule

__all__ = ["q_update", "state_index", "n_states", "QLearning", "Transition", "rollout", "evaluate"]


def q_update(
    Q: np.ndarray,
    state: int,
    action: int,
    reward: float,
    next_state: int,
    terminated: bool,
    alpha: float,
    gamma: float,
) -> None:
    """One Q-learning step, in place: ``Q[s, a] += alpha * (target - Q[s, a])``.

    ``target = reward + gamma * max(Q[next_state])``, or just ``reward`` when ``terminated`` (the episode
    ended in ``next_state``: nothing more to collect). A time-limit truncation is *not* termination: the
    future still exists, so it is bootstrapped as usual.
    """
    future = 0.0 if terminated else gamma * Q[next_state].max()
    Q[state, action] += alpha * (reward + future - Q[state, action])


def n_states(space: spaces.Space) -> int:
    """Number of table rows a discrete observation space needs."""
    if isinstance(space, spaces.Discrete):
        return int(space.n)
    if isinstance(space, spaces.MultiDiscrete):
        return int(np.prod(space.nvec))
    raise TypeError(
        f"tabular Q-learning needs a Discrete or MultiDiscrete observation space, got {space}: "
        "use a DQN (helpers.rl.dqn) for continuous observations, or discretise them first."
    )


def state_index(observation: Any, space: spaces.Space) -> int:
    """The table row of ``observation``: itself for ``Discrete``, the flattened index for ``MultiDiscrete``."""
    return _indexer(space)(observation)


def _indexer(space: spaces.Space) -> Callable[[Any], int]:
    """A fast ``observation -> table row`` function for ``space`` (called once per step in training)."""
    n_states(space)  # raises the explanatory error for spaces a table cannot hold
    if isinstance(space, spaces.Discrete):
        start = int(space.start)
        return lambda observation: int(observation) - start
    if np.any(np.asarray(space.start) != 0):
        raise TypeError(f"MultiDiscrete observations must start at 0, got start={space.start}.")
    # Row-major strides, as np.ravel_multi_index; plain Python ints are faster than numpy here.
    sizes = [int(n) for n in np.asarray(space.nvec).ravel()]
    strides = [int(np.prod(sizes[i + 1 :])) for i in range(len(sizes))]
    pairs = list(zip(range(len(sizes)), strides))
    return lambda observation: sum(int(observation[i]) * stride for i, stride in pairs)


class Transition(NamedTuple):
    """One step the agent took (states are table rows). A NamedTuple: cheap to create on every step."""

    state: int
    action: int
    reward: float
    next_state: int
    terminated: bool
    truncated: bool
    epsilon: float

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated


class QLearning:
    """Tabular Q-learning with an epsilon-greedy behaviour policy.

    Parameters
    ----------
    alpha : float in (0, 1]
        Learning rate: how far each update moves ``Q[s, a]`` towards its target.
    gamma : float in [0, 1]
        Discount: a reward ``k`` steps ahead counts ``gamma**k`` as much as one now.
    epsilon : float or callable
        Exploration rate, or a schedule ``episode -> epsilon``. ``None`` (default) decays linearly from
        1.0 to 0.05 over the first 80 % of the episodes given to :meth:`fit`.
    seed : int
        Seeds the exploration and, through ``reset(seed=...)``, the environment's episodes.
    update : callable
        The learning rule ``(Q, s, a, r, s', terminated, alpha, gamma) -> None`` (in place); by default
        :func:`q_update`. Pass your own to train with it.
    max_steps : int
        Steps after which an episode is cut short in training (for environments without a time limit).
    """

    def __init__(
        self,
        alpha: float = 0.1,
        gamma: float = 0.99,
        epsilon: float | Callable[[int], float] | None = None,
        seed: int = 0,
        update: Callable[..., Any] = q_update,
        max_steps: int = 500,
    ) -> None:
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha is a step size in (0, 1], got {alpha}.")
        if not 0 <= gamma <= 1:
            raise ValueError(f"gamma is a discount in [0, 1], got {gamma}.")
        self.alpha = alpha
        self.gamma = gamma
        self.epsilon = epsilon
        self.seed = seed
        self.update = update
        self.max_steps = max_steps
        self.Q: np.ndarray | None = None
        self.episode_returns: list[float] = []
        self.episode_lengths: list[int] = []

    # -- one step at a time (what the step-through widget drives) -------------------------------
    def start(self, env, n_episodes_planned: int | None = None) -> int:
        """Prepare to learn on ``env`` from scratch (Q all zeros); begin the first episode. Returns the state."""
        self.env = env
        self.observation_space = env.observation_space
        self._index = _indexer(env.observation_space)
        if not isinstance(env.action_space, spaces.Discrete):
            raise TypeError(f"tabular Q-learning needs a Discrete action space, got {env.action_space}.")
        shape = (n_states(env.observation_space), int(env.action_space.n))
        self.Q = np.zeros(shape)
        self.episode_returns, self.episode_lengths = [], []
        self._rng = np.random.default_rng(self.seed)
        self._schedule = self._make_schedule(n_episodes_planned)
        self._episode = 0
        return self._begin_episode()

    def _make_schedule(self, n_episodes: int | None) -> Callable[[int], float]:
        if callable(self.epsilon):
            return self.epsilon
        if self.epsilon is not None:
            return LinearSchedule(self.epsilon, self.epsilon, 0)
        return LinearSchedule(1.0, 0.05, int(0.8 * (n_episodes or 1000)))

    def _begin_episode(self) -> int:
        # Episode k of seed s is always the same draw: fits are reproducible, and differ by seed.
        observation, _ = self.env.reset(seed=self.seed * 1_000_003 + self._episode)
        self.state = self._index(observation)
        self._return, self._length = 0.0, 0
        self._epsilon = float(self._schedule(self._episode))  # constant within an episode
        return self.state

    def set_epsilon(self, epsilon: float) -> None:
        """From now on explore with the constant rate ``epsilon`` (what a slider changes)."""
        if not 0 <= epsilon <= 1:
            raise ValueError(f"epsilon is a probability in [0, 1], got {epsilon}.")
        self.epsilon = float(epsilon)
        self._schedule = self._make_schedule(None)
        self._epsilon = self.epsilon

    @property
    def current_epsilon(self) -> float:
        return self._epsilon

    def learn_step(self) -> Transition:
        """Act epsilon-greedily once, update ``Q``; a new episode begins after one ends."""
        epsilon = self._epsilon
        state = self.state
        if self._rng.random() < epsilon:
            action = int(self._rng.integers(self.Q.shape[1]))
        else:
            action = _argmax_random_ties(self.Q[state], self._rng)
        observation, reward, terminated, truncated, _ = self.env.step(action)
        next_state = self._index(observation)
        self.update(self.Q, state, action, float(reward), next_state, bool(terminated), self.alpha, self.gamma)
        self._return += float(reward)
        self._length += 1
        truncated = bool(truncated) or self._length >= self.max_steps
        step = Transition(state, action, float(reward), next_state, bool(terminated), truncated, epsilon)
        self.state = next_state
        if step.done:
            self.episode_returns.append(self._return)
            self.episode_lengths.append(self._length)
            self._episode += 1
            self._begin_episode()
        return step

    # -- the usual loop ---------------------------------------------------------------------------
    def fit(self, env, n_episodes: int, progress: bool = False) -> "QLearning":
        """Learn from scratch for ``n_episodes`` episodes on ``env``; per-episode returns go to ``episode_returns``."""
        if n_episodes < 1:
            raise ValueError(f"n_episodes must be >= 1, got {n_episodes}.")
        self.start(env, n_episodes)
        episodes = range(n_episodes)
        if progress:
            from helpers.progress import progress as bar

            episodes = bar(episodes, desc="Q-learning", unit="episode")
        for _ in episodes:
            finished = self._episode
            while self._episode == finished:
                self.learn_step()
        return self

    def policy(self) -> np.ndarray:
        """Greedy action per state (table row), shape (n_states,)."""
        self._check_fitted()
        return np.argmax(self.Q, axis=1)

    def predict(self, observation: Any) -> int:
        """Greedy action for one observation (as the environment returns it)."""
        self._check_fitted()
        return int(np.argmax(self.Q[self._index(observation)]))

    def _check_fitted(self) -> None:
        if self.Q is None:
            raise RuntimeError("this agent has not learned anything yet: call fit(env, n_episodes) first.")


def _argmax_random_ties(values: np.ndarray, rng: np.random.Generator) -> int:
    # With a table of zeros, plain argmax always picks action 0; breaking ties at random explores more evenly.
    # Plain Python on a handful of actions is several times faster than numpy's per-call overhead.
    row = values.tolist()
    top = max(row)
    best = [action for action, value in enumerate(row) if value == top]
    return best[0] if len(best) == 1 else best[int(rng.integers(len(best)))]


def rollout(env, policy: Callable[[Any], int], seed: int, max_steps: int = 1000) -> tuple[float, int, bool]:
    """Play one episode with ``policy(observation) -> action``; return (return, length, terminated)."""
    observation, _ = env.reset(seed=seed)
    total, terminated = 0.0, False
    for length in range(1, max_steps + 1):
        observation, reward, terminated, truncated, _ = env.step(policy(observation))
        total += float(reward)
        if terminated or truncated:
            return total, length, bool(terminated)
    return total, max_steps, False


def evaluate(env, policy: Callable[[Any], int], n_episodes: int = 100, seed: int = 10_000, max_steps: int = 1000) -> np.ndarray:
    """Returns of ``n_episodes`` seeded episodes (seeds ``seed, seed + 1, ...``), shape (n_episodes,)."""
    return np.array([rollout(env, policy, seed + i, max_steps)[0] for i in range(n_episodes)])
