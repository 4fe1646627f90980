"""Predictive maintenance of a milling machine, after the published generating rules of the AI4I 2020
Predictive Maintenance Dataset (S. Matzka, "Explainable Artificial Intelligence for Predictive
Maintenance Applications", AI4I 2020; UCI ML Repository). Same columns, same failure rules; the numbers
are drawn afresh by this seeded generator (the original data is not copied).

Generating process (seeded; published in datasets/README.md), one row per process in time order:

* Type L/M/H (low/medium/high quality variant) with probability 50/30/20%; Product ID = type + serial.
* Air temperature [K]: a Gaussian random walk rescaled to mean 300 K, sd 2 K.
* Process temperature [K]: air temperature + 10 K + another random walk rescaled to sd 1 K.
* Torque [Nm] ~ N(40, 10), negative draws redrawn.
* Rotational speed [rpm] from the power the spindle draws, 2,860 W + 89.5 W per Nm of torque:
  rpm = 60 / (2 pi) * power / torque + N(0, 100), capped at the spindle's 2,900 rpm (speed falls as load rises).
* Tool wear [min]: each process adds 2/3/5 minutes (L/M/H) to the tool in use. Every tool has a
  life drawn ~ U(200, 240) min; when the wear reaches it the tool fails (TWF, 35% of tools) or is
  replaced in time (65%); either way the next process starts with a new tool.
* Failure modes (1 = happened), and Machine failure = any of them:
  TWF tool wear failure (above); HDF heat dissipation: process - air < 8.6 K and rpm < 1380;
  PWF power: torque x angular speed < 3,500 W or > 9,000 W; OSF overstrain: tool wear x torque >
  11,000 / 12,000 / 13,000 min Nm for L / M / H; RNF random: 0.1% of processes regardless.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 2016
TYPES = np.array(["L", "M", "H"])
WEAR_PER_PROCESS = {"L": 2, "M": 3, "H": 5}  # minutes of tool wear added by one process
OVERSTRAIN = {"L": 11_000, "M": 12_000, "H": 13_000}  # min * Nm
RPM_PER_RAD_S = 60 / (2 * np.pi)


def _random_walk(rng: np.random.Generator, n: int, mean: float, sd: float) -> np.ndarray:
    walk = np.cumsum(rng.normal(0, 1, n))
    return mean + sd * (walk - walk.mean()) / walk.std()


def _tool_wear(rng: np.random.Generator, kinds: np.ndarray, fail_share: float) -> tuple[np.ndarray, np.ndarray]:
    wear = np.zeros(len(kinds), dtype=np.int64)
    failed = np.zeros(len(kinds), dtype=np.int64)
    used, life = 0, rng.uniform(200, 240)
    for i, kind in enumerate(kinds):
        used += WEAR_PER_PROCESS[kind]
        wear[i] = used
        if used >= life:  # end of this tool's life: it breaks now, or is swapped before it can
            failed[i] = int(rng.random() < fail_share)
            used, life = 0, rng.uniform(200, 240)
    return wear, failed


def generate(seed: int = SEED, n_rows: int = 10_000, tool_fail_share: float = 0.35,
             random_failure_rate: float = 0.001) -> pd.DataFrame:
    """AI4I-2020-style rows. Columns (units in the names, as in the original): UDI, Product ID, Type,
    Air temperature [K], Process temperature [K], Rotational speed [rpm], Torque [Nm], Tool wear [min],
    Machine failure, TWF, HDF, PWF, OSF, RNF (0/1 each)."""
    rng = np.random.default_rng(seed)
    kinds = TYPES[rng.choice(3, n_rows, p=[0.5, 0.3, 0.2])]
    serial = rng.choice(np.arange(10_000, 60_000), n_rows, replace=False)
    air = np.round(_random_walk(rng, n_rows, 300.0, 2.0), 1)
    process = np.round(air + 10.0 + _random_walk(rng, n_rows, 0.0, 1.0), 1)
    torque = rng.normal(40, 10, n_rows)
    while (torque <= 0).any():
        torque[torque <= 0] = rng.normal(40, 10, (torque <= 0).sum())
    torque = np.round(torque, 1)
    power = 2860 + 89.5 * torque
    rpm = np.minimum(np.round(RPM_PER_RAD_S * power / torque + rng.normal(0, 100, n_rows)), 2900).astype(np.int64)
    wear, twf = _tool_wear(rng, kinds, tool_fail_share)

    actual_power = torque * rpm / RPM_PER_RAD_S  # W = Nm * rad/s
    hdf = ((process - air) < 8.6) & (rpm < 1380)
    pwf = (actual_power < 3500) | (actual_power > 9000)
    osf = wear * torque > np.array([OVERSTRAIN[k] for k in kinds])
    rnf = rng.random(n_rows) < random_failure_rate
    modes = {"TWF": twf.astype(bool), "HDF": hdf, "PWF": pwf, "OSF": osf, "RNF": rnf}
    failure = np.logical_or.reduce(list(modes.values()))
    return pd.DataFrame({
        "UDI": np.arange(1, n_rows + 1, dtype=np.int64),
        "Product ID": pd.array([f"{k}{s}" for k, s in zip(kinds, serial)], dtype="str"),
        "Type": pd.array(kinds, dtype="str"),
        "Air temperature [K]": air,
        "Process temperature [K]": process,
        "Rotational speed [rpm]": rpm,
        "Torque [Nm]": torque,
        "Tool wear [min]": wear,
        "Machine failure": failure.astype(np.int64),
        **{name: flag.astype(np.int64) for name, flag in modes.items()},
    })
