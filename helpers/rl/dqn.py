"""Deep Q-learning (DQN) with torch, for gymnasium environments with vector observations and discrete actions.

When the state is continuous (CartPole: cart position and velocity, pole angle and angular velocity) a
table no longer works: a small neural network ``Q(s) -> one value per action`` replaces it. Plain
Q-learning with a network is unstable; DQN adds the two tricks that make it work:

- a **replay buffer**: learn from random mini-batches of past transitions, not from the last few
  (consecutive steps are nearly identical, so they make poor, correlated mini-batches);
- a **target network**: a frozen copy of the network computes the targets ``r + gamma * max Q_target(s')``
  and is refreshed every ``target_update`` steps, so the targets do not chase the weights every step.

Exploration is epsilon-greedy with epsilon shrinking linearly over the first steps. Targets use the
*double DQN* rule (the online network picks the next action, the target network values it), which
curbs the over-estimation of the max. Every ``eval_every`` steps the greedy policy is scored on a few
seeded episodes and the best weights are kept: DQN's performance wobbles, and this is the early
stopping of RL.

    agent = DQN(seed=0).fit(gym.make("CartPole-v1"), total_steps=50_000, progress=True)
    agent.predict(obs) -> action

The full CartPole run takes minutes, too long for the notebook's SMOKE pass, so its result is stored:
``python -m helpers.rl.dqn`` reruns it and rewrites :data:`FULL_RUN` (learning curve and final score),
which :func:`load_full_run` reads back.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from helpers.rl.qlearning import evaluate
from helpers.rl.schedules import LinearSchedule

__all__ = ["ReplayBuffer", "QNetwork", "DQN", "CARTPOLE", "CARTPOLE_STEPS", "FULL_RUN", "FULL_RUN_COMMAND",
           "full_run", "load_full_run"]

#: Settings that solve CartPole-v1 (greedy mean return >= 195 over 100 episodes) within CARTPOLE_STEPS steps:
#: a gradient step every 4 environment steps, evaluation every 5,000 steps, stop once 10 evaluation
#: episodes average 475 (the best evaluated weights are kept either way).
CARTPOLE = {
    "hidden": (128, 128),
    "learning_rate": 1e-3,
    "gamma": 0.99,
    "batch_size": 64,
    "buffer_size": 50_000,
    "learning_starts": 1_000,
    "train_every": 4,
    "target_update": 500,
    "eval_every": 5_000,
    "eval_episodes": 10,
    "target_return": 475.0,
}
CARTPOLE_STEPS = 100_000
#: The stored result of the full CartPole run (DQN(**CARTPOLE, seed=0), CARTPOLE_STEPS steps) and the
#: command that recomputes it.
FULL_RUN = Path(__file__).with_name("cartpole_full_run.json")
FULL_RUN_COMMAND = "python -m helpers.rl.dqn"
#: The final score is the greedy policy's mean return over this many seeded episodes (the classic bar).
FULL_RUN_EPISODES, FULL_RUN_EVAL_SEED = 100, 10_000


class ReplayBuffer:
    """A ring buffer of transitions; :meth:`sample` draws a uniform random mini-batch.

    Observations have shape ``(obs_dim,)``; the oldest transition is overwritten when it is full.
    """

    def __init__(self, capacity: int, obs_dim: int) -> None:
        if capacity < 1:
            raise ValueError(f"the replay buffer capacity is a number of transitions (>= 1), got {capacity}.")
        self.capacity = capacity
        self.observations = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.next_observations = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.position = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, observation, action: int, reward: float, next_observation, terminated: bool) -> None:
        i = self.position
        self.observations[i] = observation
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_observations[i] = next_observation
        self.terminated[i] = float(terminated)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> tuple[torch.Tensor, ...]:
        """(observations, actions, rewards, next_observations, terminated) as tensors with batch_size rows."""
        if self.size < batch_size:
            raise ValueError(f"cannot sample {batch_size} transitions from a buffer holding {self.size}.")
        index = rng.integers(0, self.size, size=batch_size)
        return (
            torch.from_numpy(self.observations[index]),
            torch.from_numpy(self.actions[index]),
            torch.from_numpy(self.rewards[index]),
            torch.from_numpy(self.next_observations[index]),
            torch.from_numpy(self.terminated[index]),
        )


class QNetwork(nn.Module):
    """A multilayer perceptron: observation (obs_dim,) -> one Q-value per action (n_actions,)."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int] = (128, 128)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = obs_dim
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, n_actions))
        self.net = nn.Sequential(*layers)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.net(observations)


class DQN:
    """Deep Q-network agent.

    Parameters
    ----------
    hidden : layer widths of the Q-network.
    learning_rate : Adam step size.
    gamma : discount per step.
    batch_size : transitions per gradient step.
    buffer_size : replay buffer capacity (transitions).
    learning_starts : steps of (random-ish) experience collected before the first gradient step.
    train_every : environment steps per gradient step.
    target_update : steps between copies of the online network into the target network.
    epsilon : exploration schedule ``step -> epsilon``; default 1.0 -> 0.05 over 10,000 steps.
    eval_every, eval_episodes : score the greedy policy every ``eval_every`` steps on ``eval_episodes``
        seeded episodes and keep the best weights (``None`` switches it off: the last weights are kept).
    target_return : stop early once a periodic evaluation reaches this mean return (``None``: never).
    seed : seeds the network's initial weights, exploration, replay sampling and the episodes.
    """

    def __init__(
        self,
        hidden: Sequence[int] = (128, 128),
        learning_rate: float = 1e-3,
        gamma: float = 0.99,
        batch_size: int = 64,
        buffer_size: int = 50_000,
        learning_starts: int = 1_000,
        train_every: int = 1,
        target_update: int = 500,
        epsilon: LinearSchedule | None = None,
        eval_every: int | None = 5_000,
        eval_episodes: int = 10,
        target_return: float | None = None,
        seed: int = 0,
    ) -> None:
        self.hidden = tuple(hidden)
        self.learning_rate = learning_rate
        self.gamma = gamma
        self.batch_size = batch_size
        self.buffer_size = buffer_size
        self.learning_starts = learning_starts
        self.train_every = train_every
        self.target_update = target_update
        self.epsilon = epsilon or LinearSchedule(1.0, 0.05, 10_000)
        self.eval_every = eval_every
        self.eval_episodes = eval_episodes
        self.target_return = target_return
        self.seed = seed
        self.network: QNetwork | None = None
        self.episode_returns: list[float] = []  # return of each training episode (exploring)
        self.episode_steps: list[int] = []  # total environment steps when each training episode ended
        self.evaluations: list[tuple[int, float]] = []  # (step, mean greedy return) of periodic evaluations
        self.losses: list[float] = []

    def _check_env(self, env) -> int:
        if not isinstance(env.action_space, spaces.Discrete):
            raise TypeError(f"DQN needs a Discrete action space, got {env.action_space}.")
        space = env.observation_space
        if not (isinstance(space, spaces.Box) and len(space.shape) == 1):
            raise TypeError(
                f"DQN here needs vector observations (a 1-D Box), got {space}: "
                "use helpers.rl.qlearning.QLearning for Discrete observations."
            )
        return int(space.shape[0])

    def fit(self, env, total_steps: int, progress: bool = False) -> "DQN":
        """Learn for ``total_steps`` environment steps (fewer if ``target_return`` is reached)."""
        if total_steps < 1:
            raise ValueError(f"total_steps must be >= 1, got {total_steps}.")
        obs_dim = self._check_env(env)
        threads = torch.get_num_threads()
        # One thread: tiny matrices gain nothing from more, and results stay reproducible.
        torch.set_num_threads(1)
        try:
            self._fit(env, obs_dim, total_steps, progress)
        finally:
            torch.set_num_threads(threads)
        return self

    def _fit(self, env, obs_dim: int, total_steps: int, progress: bool) -> None:
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        n_actions = int(env.action_space.n)
        self.network = QNetwork(obs_dim, n_actions, self.hidden)
        target = copy.deepcopy(self.network)
        optimiser = torch.optim.Adam(self.network.parameters(), lr=self.learning_rate)
        buffer = ReplayBuffer(self.buffer_size, obs_dim)
        self.episode_returns, self.episode_steps, self.evaluations, self.losses = [], [], [], []
        best_return, best_weights = -np.inf, None

        steps = range(1, total_steps + 1)
        if progress:
            from helpers.progress import progress as bar

            steps = bar(steps, desc="DQN", unit="step")
        episode = 0
        observation, _ = env.reset(seed=self.seed * 1_000_003)
        episode_return = 0.0
        for step in steps:
            if rng.random() < self.epsilon(step):
                action = int(rng.integers(n_actions))
            else:
                action = self._greedy(observation)
            next_observation, reward, terminated, truncated, _ = env.step(action)
            # Truncation (time limit) is not a terminal state: the target still bootstraps from it.
            buffer.add(observation, action, float(reward), next_observation, bool(terminated))
            episode_return += float(reward)
            observation = next_observation
            if terminated or truncated:
                self.episode_returns.append(episode_return)
                self.episode_steps.append(step)
                episode += 1
                observation, _ = env.reset(seed=self.seed * 1_000_003 + episode)
                episode_return = 0.0

            if step >= self.learning_starts and step % self.train_every == 0:
                self.losses.append(self._train_step(buffer, target, optimiser, rng))
            if step % self.target_update == 0:
                target.load_state_dict(self.network.state_dict())
            if self.eval_every and step % self.eval_every == 0:
                # Seeds far from the training episodes' and from the usual final-evaluation seeds.
                score = float(evaluate(env, self.predict, self.eval_episodes, seed=500_000 + self.seed).mean())
                self.evaluations.append((step, score))
                if score > best_return:
                    best_return, best_weights = score, copy.deepcopy(self.network.state_dict())
                # The evaluation interrupted the training episode: start a fresh one.
                observation, _ = env.reset(seed=self.seed * 1_000_003 + episode)
                episode_return = 0.0
                if self.target_return is not None and score >= self.target_return:
                    break
        if best_weights is not None:
            self.network.load_state_dict(best_weights)

    def _train_step(self, buffer: ReplayBuffer, target: QNetwork, optimiser, rng) -> float:
        observations, actions, rewards, next_observations, terminated = buffer.sample(self.batch_size, rng)
        q = self.network(observations).gather(1, actions[:, None]).squeeze(1)
        with torch.no_grad():
            # Double DQN: the online network chooses the next action, the target network values it.
            next_actions = self.network(next_observations).argmax(dim=1, keepdim=True)
            next_q = target(next_observations).gather(1, next_actions).squeeze(1)
            targets = rewards + self.gamma * (1.0 - terminated) * next_q
        loss = nn.functional.smooth_l1_loss(q, targets)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.network.parameters(), 10.0)
        optimiser.step()
        return float(loss.detach())

    def _greedy(self, observation) -> int:
        with torch.no_grad():
            values = self.network(torch.as_tensor(np.asarray(observation, dtype=np.float32))[None])
        return int(values.argmax(dim=1))

    def predict(self, observation: Any) -> int:
        """Greedy action for one observation."""
        if self.network is None:
            raise RuntimeError("this agent has not learned anything yet: call fit(env, total_steps) first.")
        return self._greedy(observation)


def full_run(seed: int = 0, total_steps: int = CARTPOLE_STEPS) -> dict:
    """Train DQN(**CARTPOLE) on CartPole-v1 and score it as the notebook does (minutes of CPU).

    Returns a JSON-ready dict: the training episodes' ``episode_steps`` and ``episode_returns``, the periodic
    ``evaluations`` as [step, mean return] pairs, and ``final_returns``, the greedy policy's return on each
    of FULL_RUN_EPISODES seeded episodes, with their ``mean_return``.
    """
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    start = time.perf_counter()
    agent = DQN(**CARTPOLE, seed=seed).fit(env, total_steps=total_steps)
    seconds = time.perf_counter() - start
    returns = evaluate(env, agent.predict, n_episodes=FULL_RUN_EPISODES, seed=FULL_RUN_EVAL_SEED)
    return {
        "command": FULL_RUN_COMMAND,
        "environment": "CartPole-v1",
        "seed": seed,
        "settings": {**CARTPOLE, "hidden": list(CARTPOLE["hidden"])},
        "total_steps": total_steps,
        "steps_run": agent.evaluations[-1][0] if agent.evaluations else total_steps,
        "train_seconds": round(seconds, 1),
        "versions": {"torch": torch.__version__, "gymnasium": gym.__version__, "numpy": np.__version__},
        "episode_steps": agent.episode_steps,
        "episode_returns": agent.episode_returns,
        "evaluations": [[step, score] for step, score in agent.evaluations],
        "final_returns": [float(value) for value in returns],
        "mean_return": float(np.mean(returns)),
    }


def load_full_run(path: Path = FULL_RUN) -> dict:
    """The stored full run (see :func:`full_run`); a missing file names the command that writes it."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing: rerun the full DQN with `{FULL_RUN_COMMAND}` (a few minutes).")
    return json.loads(Path(path).read_text())


def to_json(record: dict) -> str:
    """One key per line, each value (a list of hundreds of numbers included) on its line: short diffs."""
    lines = [f" {json.dumps(key)}: {json.dumps(value)}" for key, value in record.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.rl.dqn [PATH]``: rerun the full CartPole DQN and store its result (default FULL_RUN)."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else FULL_RUN
    record = full_run()
    path.write_text(to_json(record))
    print(f"{path}: {record['steps_run']:,} steps in {record['train_seconds']:.0f} s; greedy mean return over "
          f"{FULL_RUN_EPISODES} episodes {record['mean_return']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
