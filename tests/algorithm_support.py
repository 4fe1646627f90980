"""Shared helpers for the tests of helpers.algorithms, and a tiny plug-in algorithm for the platform's tests
(not collected: no test_ prefix)."""

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


#: A plug-in built-in for the platform's tests (pipelines, tuning): its score is the hyperparameter
#: ``quality`` times the share of positive labels, so a test steers metrics and conditions; a negative
#: ``quality`` fails the job.
TINY_ALGORITHM = '''
import json
from pathlib import Path

class Tiny:
    name = "tiny-algo"
    image_repository = "tiny-algo"
    required_channels = frozenset({"train"})
    supported_channels = frozenset({"train"})

    def validate_hyperparameters(self, hps):
        return {"quality": float(hps.get("quality", 1.0))}

    def metric_definitions(self):
        return [{"Name": "train:score", "Regex": "#metrics train:score=([-+0-9.eE]+)"}]

    def train(self, channels, hyperparameters, model_dir, log=print):
        labels = [float(line.split(",")[0]) for path in sorted(Path(channels["train"]).iterdir())
                  for line in path.read_text().splitlines()]
        quality = self.validate_hyperparameters(hyperparameters)["quality"]
        if quality < 0:
            raise ValueError("quality must not be negative")
        score = quality * sum(labels) / len(labels)
        log(f"#metrics train:score={score}")
        Path(model_dir, "model.json").write_text(json.dumps({"score": score}))
'''
#: The ``builtins.ENV`` entry that serves it as the image ``tiny-algo``, once ``write_tiny_algorithm``
#: wrote it to a folder on the path.
TINY_ALGORITHM_ENTRY = "tiny-algo=tinyalgo:Tiny"


def write_tiny_algorithm(folder: Path) -> Path:
    """Write TINY_ALGORITHM as ``folder/tinyalgo.py``; returns that file."""
    path = folder / "tinyalgo.py"
    path.write_text(TINY_ALGORITHM, encoding="utf-8")
    return path
