"""How fast is the RL of notebook 09? Prints figures; asserts nothing (pytest does not collect it).

    python tests/benchmarks/bench_rl.py           # the fast parts (about half a minute)
    python tests/benchmarks/bench_rl.py --full    # plus the full-mode DQN on CartPole (minutes)

CPU seconds (this process's user + system time) are shown beside wall seconds: they hardly depend on
how busy the machine is. Targets: the whole notebook runs in SMOKE mode in < 60 s (ideally < 30 s) on 2
cores; the full DQN reaches a greedy mean return >= 195 over 100 CartPole-v1 episodes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def measure(label: str, work) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<52} wall {wall:7.2f} s   cpu {cpu:7.2f} s", flush=True)
    return result, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run the full-mode DQN (minutes)")
    args = parser.parse_args()

    import gymnasium as gym

    from helpers.rl.bandits import ThompsonSampling, simulate
    from helpers.rl.dqn import CARTPOLE, CARTPOLE_STEPS, DQN
    from helpers.rl.qlearning import QLearning, evaluate
    from helpers.rl.supply_chain import InventoryEnv, best_reorder_point_policy

    _, _, cpu = measure("bandits: Thompson sampling, 20 x 1,000 pulls",
                        lambda: simulate(lambda s: ThompsonSampling(4, seed=s), [0.3, 0.5, 0.65, 0.4], 1000, 20))
    print(f"{'':<52} {20_000 / cpu:,.0f} pulls per cpu second")
    lake = gym.make("FrozenLake-v1", is_slippery=True)
    agent, _, cpu = measure("Q-learning: slippery FrozenLake, 2,000 episodes", lambda: QLearning(seed=0).fit(lake, 2000))
    print(f"{'':<52} {sum(agent.episode_lengths) / cpu:,.0f} steps per cpu second")
    shop = InventoryEnv()
    agent, _, cpu = measure("Q-learning: inventory, 6,000 episodes of 28 days",
                            lambda: QLearning(alpha=0.1, gamma=0.9, seed=0).fit(shop, 6000))
    print(f"{'':<52} {6000 * 28 / cpu:,.0f} steps per cpu second")
    measure("(s, S) grid search: 210 policies x 30 episodes", lambda: best_reorder_point_policy(shop, 30, seed=0))
    cartpole = gym.make("CartPole-v1")
    smoke = dict(CARTPOLE, learning_starts=500)
    dqn, _, cpu = measure("DQN smoke: 2,000 steps", lambda: DQN(**smoke, seed=0).fit(cartpole, 2000))
    print(f"{'':<52} {len(dqn.losses) / cpu:,.0f} gradient steps per cpu second (with acting)")
    if args.full:
        dqn, wall, cpu = measure(f"DQN full: up to {CARTPOLE_STEPS:,} steps", lambda: DQN(**CARTPOLE, seed=0).fit(cartpole, CARTPOLE_STEPS))
        returns = evaluate(cartpole, dqn.predict, n_episodes=100, seed=10_000)
        print(f"{'':<52} stopped after {dqn.evaluations[-1][0]:,} steps; greedy mean return over 100 episodes "
              f"{returns.mean():.1f} (target >= 195)")


if __name__ == "__main__":
    main()
