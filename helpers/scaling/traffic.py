"""A day of requests, minute by minute: seeded profiles (steady, spiky, sparse) to simulate scaling on."""

from __future__ import annotations

import numpy as np

from helpers.scaling.simulate import DEFAULT_CAPACITY

__all__ = ["MINUTES_PER_DAY", "daily_traffic", "PROFILES", "per_second", "profile"]

MINUTES_PER_DAY = 1440


def daily_traffic(night: float, evening: float, *, spike_factor: float = 1.0, spike_at: int = 20 * 60,
                  spike_minutes: int = 0, seed: int = 0) -> np.ndarray:
    """Requests per minute over one day: an int array of shape (1440,), minute 0 is midnight.

    The mean follows a daily cycle from ``night`` (its low, at 04:00) to ``evening`` (its high, at 16:00
    and after, on a cosine); for ``spike_minutes`` from minute ``spike_at`` it is ``spike_factor`` times
    higher (a TV advert, a push notification). Counts are Poisson around that mean, from ``seed``.
    """
    if night < 0 or evening < 0 or spike_factor <= 0:
        raise ValueError("night and evening are requests per minute (>= 0) and spike_factor a positive multiplier")
    minutes = np.arange(MINUTES_PER_DAY)
    cycle = (1 - np.cos(2 * np.pi * (minutes - 4 * 60) / MINUTES_PER_DAY)) / 2  # 0 at 04:00, 1 at 16:00
    mean = night + (evening - night) * cycle
    mean[spike_at:spike_at + spike_minutes] *= spike_factor
    return np.random.default_rng(seed).poisson(mean).astype(np.int64)


# The course's three days, in requests per minute. The two busy days are set in units of one instance's
# measured capacity (DEFAULT_CAPACITY), so the lesson keeps its shape when the figure is measured again:
# the shop sleeps at an eighth of an instance and peaks at two and a half (an advert triples that), the
# card payments keep one instance three quarters busy; the internal tool has a few hundred a day.
PROFILES = {
    "steady": dict(night=0.733 * DEFAULT_CAPACITY, evening=0.767 * DEFAULT_CAPACITY),  # card payments, day and night
    "spiky": dict(night=0.125 * DEFAULT_CAPACITY, evening=2.5 * DEFAULT_CAPACITY, spike_factor=3.0,
                  spike_minutes=20),  # a shop, and an advert at 20:00
    "sparse": dict(night=0.0, evening=0.5),  # an internal tool: a few hundred requests a day
}


def per_second(requests_per_minute: float) -> str:
    """A rate for prose: requests per second to two significant figures, e.g. '1,100 requests a second'."""
    rate = float(f"{requests_per_minute / 60:.2g}")
    return f"{rate:,.0f} requests a second" if rate >= 10 else f"{rate:g} requests a second"


def profile(name: str, seed: int = 0) -> np.ndarray:
    """One of :data:`PROFILES` as requests per minute, shape (1440,)."""
    if name not in PROFILES:
        raise ValueError(f"unknown traffic profile {name!r}: choose one of {', '.join(PROFILES)}")
    return daily_traffic(**PROFILES[name], seed=seed)
