"""Exploration schedules: how epsilon shrinks as an agent learns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinearSchedule:
    """A value that moves linearly from ``start`` to ``end`` over ``duration`` ticks, then stays at ``end``.

    A tick is whatever the learner counts: an episode for tabular Q-learning, an environment step for DQN.
    """

    start: float = 1.0
    end: float = 0.05
    duration: int = 1000

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"LinearSchedule duration must be >= 0 ticks, got {self.duration}: pass 0 for a constant.")

    def __call__(self, tick: int) -> float:
        if self.duration == 0 or tick >= self.duration:
            return float(self.end)
        fraction = max(tick, 0) / self.duration
        return float(self.start + fraction * (self.end - self.start))
