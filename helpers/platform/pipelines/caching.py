"""Step caching, as SageMaker's ``CacheConfig(enable_caching=True, expire_after="PT1H")``.

A cacheable step (processing, training, transform, tuning) whose resolved arguments (and code) match a
previous successful run of the same step in the same pipeline, newer than ``expire_after``, is not run
again: the execution reuses that run's properties and outputs and says so (``CacheHitResult``). An entry
older than its step's ``expire_after`` is a miss, and is removed when the pipeline next runs (the data the
step wrote stays, as with ``Pipeline.delete``); without ``expire_after`` an entry never expires.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime

_DURATION = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
# Case-insensitive, as the SDK's own example 'p30d' is.
_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def duration_seconds(text: str) -> float:
    """An ISO 8601 duration (``"PT1H"``, ``"P30D"``, ``"P1DT12H"``) in seconds (a month is 30 days, a year 365)."""
    match = _DURATION.match(text or "") if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expire_after={text!r} is not an ISO 8601 duration: write e.g. 'PT1H' (one hour), "
                         "'P30D' (30 days) or 'P1DT12H'.")
    return sum(float(part) * scale for part, scale in zip(match.groups(), _SECONDS) if part)


@dataclass(frozen=True)
class CacheConfig:
    """Whether a step may reuse an earlier run with the same arguments, and for how long
    (``expire_after``: an ISO 8601 duration; None: the cache never expires)."""

    enable_caching: bool = False
    expire_after: str | None = None

    def __post_init__(self):
        if self.expire_after is not None:
            duration_seconds(self.expire_after)

    @property
    def config(self) -> dict:
        """Its ``CacheConfig`` entry in the definition."""
        entry = {"Enabled": bool(self.enable_caching)}
        if self.expire_after is not None:
            entry["ExpireAfter"] = self.expire_after
        return entry

    def max_age(self) -> float | None:
        """Seconds an entry stays usable; None: forever."""
        return None if self.expire_after is None else duration_seconds(self.expire_after)

    def expired(self, created: object, at: float) -> bool:
        """Whether an entry written at ``created`` (a datetime; anything else counts as expired) is too old at
        ``at`` (seconds since the epoch)."""
        max_age = self.max_age()
        if max_age is None:
            return False
        return not isinstance(created, datetime) or at - created.timestamp() > max_age


def wall_clock() -> float:
    """Seconds since the epoch (a function of its own so tests can move time instead of waiting)."""
    return time.time()


def cache_key(step_name: str, step_type: str, arguments: dict, code: str) -> str:
    """sha256 of what decides a step's result: its name, type, resolved arguments and code identity."""
    text = json.dumps({"Name": step_name, "Type": step_type, "Arguments": arguments, "Code": code},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
