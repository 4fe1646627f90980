"""What the first code cell of every notebook calls: seeds, display settings, the time estimate."""

from __future__ import annotations

import os
import random
import sys
from functools import lru_cache

import numpy as np

from helpers import ROOT

SEED = 42


def smoke_mode() -> bool:
    """True when a fast pass was asked for (CI sets ``FLYWHEEL_SMOKE=1``)."""
    return os.environ.get("FLYWHEEL_SMOKE", "0") == "1"


@lru_cache(maxsize=1)
def agenda() -> dict:
    import yaml

    with open(ROOT / "helpers" / "course" / "agenda.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def notebook_entry(notebook_id: str) -> tuple[int, dict]:
    """Return (day, entry) for a notebook id such as ``"04_linear_regression_gd"``."""
    for day, spec in agenda()["days"].items():
        for entry in spec["notebooks"]:
            if entry["id"] == notebook_id:
                return int(day), entry
    raise KeyError(
        f"{notebook_id!r} is not in helpers/course/agenda.yaml: add it under the day it is taught."
    )


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, numpy and, when a notebook has imported it already, torch.

    torch is not imported here: it costs seconds, and most notebooks never use it. Code that uses
    torch (helpers.gd.autograd, helpers.rl.dqn) takes its own seed.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def setup(notebook_id: str, seed: int = SEED) -> None:
    """Seed every generator, set quiet display defaults and print the notebook's time estimate."""
    seed_everything(seed)
    import pandas as pd

    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    try:
        import matplotlib.pyplot as plt

        plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 80, "axes.grid": True})
    except ImportError:
        pass
    day, entry = notebook_entry(notebook_id)
    mode = " · SMOKE mode (fast pass)" if smoke_mode() else ""
    print(f"Day {day} · {entry['title']} · about {entry['learner_minutes']} min{mode}")
