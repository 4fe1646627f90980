"""Small models to deploy in tests and in ``benchmarks/bench_endpoint.py`` (test support, not part of ``helpers``).

* :func:`train_linear_learner` — a real built-in model (linear-learner) trained in-process on a few
  hundred seeded rows (no training job needed): the model folder to pass as ``model_path``.
* :func:`write_script_model` — a script-mode model: ``weights.npy`` plus an ``inference.py`` whose
  handlers follow the built-ins' contract (CSV / JSON / JSON Lines in, JSON / CSV out, 400 on a
  wrong feature count or NaN) and that sleeps when the first feature is ``SLOW_MARKER`` — the way
  to test the invocation time limit.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np
import pytest

FEATURE_DIM = 4
SLOW_MARKER = 777.0
_WEIGHTS = np.array([0.5, -1.0, 2.0, 0.25])

INFERENCE_PY = '''\
"""Script-mode handlers: a linear score, the built-ins' request and response formats."""
import json
import time
from pathlib import Path

import numpy as np

from helpers.algorithms import payloads
from helpers.algorithms.errors import InferenceError

SLOW_MARKER = {slow}


def model_fn(model_dir):
    return np.load(Path(model_dir) / "weights.npy", allow_pickle=False)


def input_fn(body, content_type):
    return payloads.parse_features(body, content_type)


def predict_fn(features, weights):
    matrix = payloads.check_features(features, len(weights))
    if matrix[0, 0] == SLOW_MARKER:
        time.sleep(float(matrix[0, 1]))  # a deliberately slow model: sleeps feature-2 seconds
    return [{{"score": float(v)}} for v in matrix @ weights]


def output_fn(records, accept):
    mime, _ = payloads.negotiate_accept(accept, ("application/json", "text/csv"), "application/json")
    if mime == "text/csv":
        return "".join(f"{{r['score']!r}}\\n" for r in records).encode(), "text/csv"
    return json.dumps({{"predictions": records}}).encode(), "application/json"
'''


def write_script_model(folder: str | Path, weights=_WEIGHTS) -> tuple[Path, Path]:
    """Write (model folder with weights.npy, code folder with inference.py) under ``folder``."""
    folder = Path(folder)
    model_dir, code_dir = folder / "model", folder / "code"
    model_dir.mkdir(parents=True, exist_ok=True)
    code_dir.mkdir(parents=True, exist_ok=True)
    np.save(model_dir / "weights.npy", np.asarray(weights, dtype=np.float64))
    (code_dir / "inference.py").write_text(INFERENCE_PY.format(slow=SLOW_MARKER))
    return model_dir, code_dir


def script_score(features) -> np.ndarray:
    """What the script model answers (its scores), to check answers against."""
    return np.asarray(features, dtype=np.float64) @ _WEIGHTS


def make_classification(rows: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (features, 0/1 labels) with FEATURE_DIM features and a linear boundary."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, FEATURE_DIM))
    labels = (features @ np.array([1.0, -2.0, 0.5, 1.0]) + rng.normal(scale=0.3, size=rows) > 0).astype(int)
    return features, labels


def train_linear_learner(folder: str | Path, rows: int = 300, seed: int = 0) -> Path:
    """Train a binary linear-learner in-process; return its model folder (for ``model_path``)."""
    from helpers import algorithms

    folder = Path(folder)
    features, labels = make_classification(rows, seed)
    (folder / "train").mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / "train" / "train.csv", np.column_stack([labels, features]), delimiter=",", fmt="%.6g")
    algorithms.get("linear-learner").train(
        {"train": folder / "train"},
        {"predictor_type": "binary_classifier", "feature_dim": str(FEATURE_DIM), "epochs": "3"},
        folder / "model", log=lambda line: None)
    return folder / "model"


def owner_headers(headers: dict | None = None) -> dict:
    """``headers`` plus the store's secret header: what a test sends to call a local server directly
    (the servers answer their owner only; see helpers.platform.serving.access)."""
    from helpers.platform.serving.access import auth_headers

    return {**auth_headers(), **(headers or {})}


def isolate(patch, home: str | Path) -> None:
    """Point a ``pytest.MonkeyPatch`` at a fresh store; register the variables ``use_local_runtime``
    sets, so undoing the patch restores them (no runtime URL leaks into later tests)."""
    from helpers.platform.serving.runtime import ENV_URLS, FAKE_CREDENTIALS

    patch.setenv("FLYWHEEL_HOME", str(home))
    if "s3fs" in sys.modules:
        # s3fs (also pandas' s3://) reuses one filesystem per arguments, with its boto3 client: one made
        # for an earlier test's router would call that router's port, gone by now
        sys.modules["s3fs"].S3FileSystem.clear_instance_cache()
    for key in ENV_URLS:  # replaced by use_local_runtime(); restored on undo
        patch.setenv(key, "http://127.0.0.1:9")
    for key, value in FAKE_CREDENTIALS.items():
        patch.setenv(key, value)


@contextlib.contextmanager
def module_store(tmp_path_factory: pytest.TempPathFactory, name: str, **env: str):
    """A fresh store (``isolate``) in a temporary folder ``name`` for one test module's fixture, with
    ``env``'s extra variables: yields the folder; at the end every server started is stopped (a failed
    set-up included) and the environment restored."""
    from helpers.platform.serving.registry import stop_all

    folder = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, folder)
        for key, value in env.items():
            patch.setenv(key, value)
        try:
            yield folder
        finally:
            stop_all()


def error_of(call) -> dict:
    """The ``Error`` part (``Code``, ``Message``) of the ``botocore`` ``ClientError`` that ``call()`` must raise."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]
