"""Progress bars that look right in JupyterLab and stay quiet in CI.

Plain ``tqdm`` writes rates and timings that differ on every run, which would break the stored
outputs of the solution notebooks; in CI and SMOKE runs the bar is disabled.
"""

from __future__ import annotations

import os
from typing import Iterable, TypeVar

T = TypeVar("T")


def bars_enabled() -> bool:
    return not (os.environ.get("CI") or os.environ.get("FLYWHEEL_SMOKE") == "1")


def progress(iterable: Iterable[T], **kwargs) -> Iterable[T]:
    """``tqdm.auto.tqdm(iterable, **kwargs)``, disabled in CI and SMOKE runs."""
    from tqdm.auto import tqdm

    kwargs.setdefault("disable", not bars_enabled())
    return tqdm(iterable, **kwargs)
