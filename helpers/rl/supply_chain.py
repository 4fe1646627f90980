"""A small supply chain: order stock each morning, sell to random customers, pay for every mistake.

:class:`InventoryEnv` follows the gymnasium API (``reset(seed=...)``, ``step -> obs, reward, terminated,
truncated, info``) and passes ``gymnasium.utils.env_checker.check_env``. One step is one day:

1. The shop sees its stock on hand (units, 0..capacity) and the weekday (0 = Monday .. 6 = Sunday).
2. It orders one of ``order_sizes`` units; the delivery arrives before opening (whatever fits in the
   store room; units that do not fit are not delivered and not paid for).
3. Customers ask for Poisson(``demand_means[weekday]``) units; what is not in stock is a lost sale.
4. Cost of the day = ``order_cost`` if anything was ordered + ``unit_cost`` per unit received
   + ``holding_cost`` per unit left at closing + ``stockout_cost`` per unit of lost sales.
   The reward is minus that cost.

An episode lasts ``horizon`` days (truncation, not termination: the shop does not close).
Demand peaks at the weekend, which a fixed reorder-point policy (:class:`ReorderPointPolicy`) cannot
see and a learner that observes the weekday can exploit.

``gymnasium.make("flywheel/Inventory-v0")`` builds it too (registered when this module is imported).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import gymnasium as gym
import numpy as np
import pandas as pd
from gymnasium import spaces

__all__ = ["InventoryEnv", "ReorderPointPolicy", "best_reorder_point_policy", "order_table", "run_days", "state_counts", "ENV_ID"]

ENV_ID = "flywheel/Inventory-v0"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class InventoryEnv(gym.Env):
    """Inventory ordering with stochastic, weekly-seasonal demand. Units are items and currency units.

    Observation: ``MultiDiscrete([capacity + 1, 7])`` = (units on hand at opening before the delivery,
    weekday). Action: ``Discrete(len(order_sizes))``, the index of the order size. ``info`` of a step has
    the day's ``demand``, ``sold``, ``lost``, ``ordered``, ``received``, ``stock`` (at closing) and the
    cost parts ``order``, ``purchase``, ``holding``, ``stockout``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(
        self,
        capacity: int = 20,
        order_sizes: Sequence[int] = (0, 5, 10, 15, 20),
        demand_means: Sequence[float] = (2, 2, 2, 2, 8, 10, 1),
        order_cost: float = 6.0,
        unit_cost: float = 1.0,
        holding_cost: float = 0.5,
        stockout_cost: float = 5.0,
        horizon: int = 28,
        render_mode: str | None = None,
    ) -> None:
        order_sizes = tuple(int(q) for q in order_sizes)
        demand_means = tuple(float(m) for m in demand_means)
        if capacity < 1:
            raise ValueError(f"capacity is the store room size in units (>= 1), got {capacity}.")
        if not order_sizes or min(order_sizes) < 0 or len(set(order_sizes)) != len(order_sizes):
            raise ValueError(f"order_sizes must be distinct non-negative unit counts, got {order_sizes}.")
        if len(demand_means) != 7 or min(demand_means) < 0:
            raise ValueError(
                f"demand_means needs 7 non-negative mean demands (Monday..Sunday), got {len(demand_means)} values."
            )
        if min(order_cost, unit_cost, holding_cost, stockout_cost) < 0:
            raise ValueError("costs are non-negative amounts per order / unit / unit-day / lost unit.")
        if horizon < 1:
            raise ValueError(f"horizon is the episode length in days (>= 1), got {horizon}.")
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}.")
        self.capacity = int(capacity)
        self.order_sizes = order_sizes
        self.demand_means = np.array(demand_means)
        self.order_cost = float(order_cost)
        self.unit_cost = float(unit_cost)
        self.holding_cost = float(holding_cost)
        self.stockout_cost = float(stockout_cost)
        self.horizon = int(horizon)
        self.render_mode = render_mode
        self.observation_space = spaces.MultiDiscrete([self.capacity + 1, 7])
        self.action_space = spaces.Discrete(len(order_sizes))
        self.stock = 0
        self.weekday = 0
        self.day = 0
        self._last: dict[str, Any] = {}

    def _observation(self) -> np.ndarray:
        return np.array([self.stock, self.weekday], dtype=np.int64)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start on a Monday with a random stock (0..capacity); ``options={"stock": n}`` fixes it."""
        super().reset(seed=seed)
        options = options or {}
        if "stock" in options:
            stock = int(options["stock"])
            if not 0 <= stock <= self.capacity:
                raise ValueError(f"options['stock'] must be between 0 and capacity={self.capacity}, got {stock}.")
            self.stock = stock
        else:
            self.stock = int(self.np_random.integers(0, self.capacity + 1))
        self.weekday = 0
        self.day = 0
        self._last = {}
        return self._observation(), {}

    def step(self, action):
        # A plain range test: action_space.contains() costs more than the rest of the step.
        if not (isinstance(action, (int, np.integer)) and 0 <= action < len(self.order_sizes)):
            raise ValueError(
                f"action must be an index into order_sizes (0..{len(self.order_sizes) - 1}), got {action!r}."
            )
        ordered = self.order_sizes[int(action)]
        received = min(ordered, self.capacity - self.stock)
        self.stock += received
        demand = int(self.np_random.poisson(self.demand_means[self.weekday]))
        sold = min(demand, self.stock)
        lost = demand - sold
        self.stock -= sold
        parts = {
            "order": self.order_cost if ordered > 0 else 0.0,
            "purchase": self.unit_cost * received,
            "holding": self.holding_cost * self.stock,
            "stockout": self.stockout_cost * lost,
        }
        cost = float(sum(parts.values()))
        info = {
            "weekday": WEEKDAYS[self.weekday],
            "demand": demand,
            "sold": sold,
            "lost": lost,
            "ordered": ordered,
            "received": received,
            "stock": self.stock,
            "cost": cost,
            **parts,
        }
        self._last = info
        self.weekday = (self.weekday + 1) % 7
        self.day += 1
        truncated = self.day >= self.horizon
        return self._observation(), -cost, False, truncated, info

    def render(self):
        if self.render_mode != "ansi":
            return None
        if not self._last:
            return f"day {self.day}: {self.stock} units on hand, {WEEKDAYS[self.weekday]}"
        i = self._last
        return (
            f"day {self.day} ({i['weekday']}): ordered {i['ordered']}, demand {i['demand']}, "
            f"sold {i['sold']}, lost {i['lost']}, {i['stock']} left, cost {i['cost']:.1f}"
        )


class ReorderPointPolicy:
    """The classic (s, S) rule: when stock is at or below ``s``, order up to ``S``; otherwise order nothing.

    With discrete order sizes it orders the size closest to ``S - stock`` (the smaller one on a tie).
    Call it on an observation: ``policy(obs) -> action index``. It ignores the weekday.
    """

    def __init__(self, s: int, S: int, order_sizes: Sequence[int]) -> None:
        if not 0 <= s < S:
            raise ValueError(f"a reorder point needs 0 <= s < S, got s={s}, S={S}.")
        self.s, self.S = int(s), int(S)
        self.order_sizes = np.array(order_sizes)
        # Looked up on every simulated day (and the tuning grid simulates many): precompute the answers.
        self._no_order = int(np.argmin(self.order_sizes))  # the smallest size, normally 0
        self._order_for = [self._closest_size(self.S - stock) for stock in range(self.s + 1)]

    def _closest_size(self, units: int) -> int:
        gap = np.abs(self.order_sizes - units)
        ties = np.flatnonzero(gap == gap.min())
        return int(ties[np.argmin(self.order_sizes[ties])])  # the smaller size on a tie

    def __call__(self, observation) -> int:
        stock = int(observation[0])
        return self._no_order if stock > self.s else self._order_for[stock]

    def __repr__(self) -> str:
        return f"ReorderPointPolicy(s={self.s}, S={self.S})"


def best_reorder_point_policy(env: InventoryEnv, n_episodes: int = 50, seed: int = 0) -> tuple[ReorderPointPolicy, float]:
    """Try every (s, S) with 0 <= s < S <= capacity on ``n_episodes`` seeded episodes; return the cheapest.

    Returns ``(policy, mean cost per day)``. Use different seeds here and in the final evaluation, or the
    baseline is tuned on the very episodes it is judged on.
    """
    from helpers.rl.qlearning import evaluate

    best: tuple[ReorderPointPolicy, float] | None = None
    for s in range(env.capacity):
        for S in range(s + 1, env.capacity + 1):
            policy = ReorderPointPolicy(s, S, env.order_sizes)
            cost = -evaluate(env, policy, n_episodes, seed=seed).mean() / env.horizon
            if best is None or cost < best[1]:
                best = (policy, float(cost))
    assert best is not None
    return best


def order_table(env: InventoryEnv, policy: Callable[[np.ndarray], int]) -> np.ndarray:
    """Units ``policy`` orders in every state: shape (capacity + 1, 7), rows = stock, columns = weekday."""
    table = np.zeros((env.capacity + 1, 7), dtype=int)
    for stock in range(env.capacity + 1):
        for weekday in range(7):
            table[stock, weekday] = env.order_sizes[policy(np.array([stock, weekday]))]
    return table


def run_days(env: InventoryEnv, policy: Callable[[np.ndarray], int], seed: int) -> pd.DataFrame:
    """Play one seeded episode; one row per day with the ``info`` of the step (demand, sold, lost, cost...)."""
    observation, _ = env.reset(seed=seed)
    rows = []
    for _ in range(env.horizon):
        observation, _, terminated, truncated, info = env.step(policy(observation))
        rows.append(info)
        if terminated or truncated:
            break
    return pd.DataFrame(rows)


def state_counts(env: InventoryEnv, policy: Callable[[np.ndarray], int], seeds: Sequence[int]) -> np.ndarray:
    """How often ``policy`` meets each state over the seeded episodes: shape (capacity + 1, 7), rows = stock.

    States a policy never reaches are where its choices do not matter (and where a learner's are noise).
    """
    counts = np.zeros((env.capacity + 1, 7), dtype=int)
    for seed in seeds:
        observation, _ = env.reset(seed=seed)
        for _ in range(env.horizon):
            counts[observation[0], observation[1]] += 1
            observation, _, terminated, truncated, _ = env.step(policy(observation))
            if terminated or truncated:
                break
    return counts


if ENV_ID not in gym.registry:  # importing twice (e.g. a reload) must not warn
    gym.register(id=ENV_ID, entry_point=InventoryEnv)
