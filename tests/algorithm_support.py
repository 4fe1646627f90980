"""Shared helpers for the tests of helpers.algorithms (not collected: no test_ prefix)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers import algorithms


def write_csv(directory: Path, values: np.ndarray, name: str = "part-0.csv") -> Path:
    """Write ``values`` as SageMaker CSV (no header, full float precision) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savetxt(directory / name, np.asarray(values, dtype=np.float64), delimiter=",", fmt="%.17g")
    return directory


def channel(root: Path, name: str, x: np.ndarray, y: np.ndarray | None = None) -> Path:
    """A channel directory holding ``x`` (label ``y`` first when given)."""
    values = x if y is None else np.column_stack([y, x])
    return write_csv(root / name, values)


def train(algorithm: "str | algorithms.Algorithm", channels: dict[str, Path], hps: dict, model_dir: Path) -> list[str]:
    """Train ``algorithm`` (a registered name, or an instance); return its log lines."""
    lines: list[str] = []
    chosen = algorithms.get(algorithm) if isinstance(algorithm, str) else algorithm
    chosen.train(channels, hps, model_dir, log=lines.append)
    return lines


def metrics(lines: list[str]) -> dict[str, float]:
    """The last value of every ``#metrics name=value`` line."""
    out = {}
    for line in lines:
        if line.startswith("#metrics "):
            key, _, value = line[len("#metrics "):].partition("=")
            out[key] = float(value)
    return out


def csv_body(x: np.ndarray) -> bytes:
    return ("\n".join(",".join(repr(float(v)) for v in row) for row in x) + "\n").encode()


def invoke(name: str, model, body: bytes, content_type: str, accept: str | None):
    """input_fn -> predict_fn -> output_fn, as the serving layer calls them."""
    algo = algorithms.get(name)
    return algo.output_fn(algo.predict_fn(algo.input_fn(body, content_type), model), accept)
