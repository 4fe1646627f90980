"""Regenerate the synthetic datasets: one seeded generator module per set, one CSV per set.

``generate(name)`` returns exactly the frame that ``load(name)`` reads back from the shipped file, and
``write(name, folder)`` writes the same bytes every time (fixed seed, fixed column order, ``\\n`` line
ends, floats rounded in the generator), which a test proves against the shipped file.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from helpers.data.loading import DatasetError, spec


def _module(name: str):
    entry = spec(name)
    if not entry.synthetic:
        raise DatasetError(f"{name!r} is real data copied from a package, not generated; restore it with "
                           f"`git checkout -- datasets/{entry.file}`.")
    return importlib.import_module(f"helpers.data.{entry.generator}")


def synthetic_names() -> list[str]:
    """The names of the generated datasets."""
    from helpers.data.catalog import CATALOG

    return [name for name, entry in CATALOG.items() if entry.synthetic]


def generate(name: str, seed: int | None = None, **params) -> pd.DataFrame:
    """Draw synthetic dataset ``name``; ``seed=None`` uses the seed of the shipped file. Extra keyword
    arguments go to the generator (e.g. ``fraud_rate`` for card_transactions; see its docstring)."""
    module = _module(name)
    return module.generate(seed=module.SEED if seed is None else seed, **params)


def write(name: str, directory: str | Path) -> Path:
    """Write synthetic dataset ``name`` (shipped seed and parameters) into ``directory``; returns the file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec(name).file
    generate(name).to_csv(target, index=False, lineterminator="\n", encoding="utf-8")
    return target
