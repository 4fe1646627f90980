"""Logistic regression on label-first CSV channels: a SageMaker script-mode entry point.

The same file runs in SageMaker's scikit-learn container
(``image_uris.retrieve("sklearn", region, version="1.2-1")``) and in a local Flywheel job, because
it only uses the script-mode contract:

* hyperparameters arrive as command-line arguments, ``--C 0.5 --max_iter 200`` (values are strings
  on the command line; argparse's ``type=`` turns them into numbers);
* each channel is a folder named by ``SM_CHANNEL_<NAME>`` (``train`` required, ``validation``
  optional) holding CSV files with the label (0/1) in the first column and no header row;
* the model is written to ``SM_MODEL_DIR`` (SageMaker packs it into ``model.tar.gz``);
* metrics are printed as ``validation:auc=0.9512`` lines for the job's metric definitions;
* on an error the reason goes to ``/opt/ml/output/failure`` (``SM_OUTPUT_FAILURE``, else
  ``SM_OUTPUT_DIR``/failure), which becomes the job's FailureReason, and the script exits non-zero.

``inference.py`` next to this file loads the model for an endpoint. Only scikit-learn 1.2 APIs are
used, the version of the ``1.2-1`` container.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MODEL_FILE = "model.joblib"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Hyperparameters and folders; folder defaults come from SageMaker's environment variables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength (> 0)")
    parser.add_argument("--max_iter", type=int, default=200, help="solver iterations")
    parser.add_argument("--class_weight", choices=("none", "balanced"), default="none",
                        help="'balanced' weights classes by the inverse of their frequency")
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    return parser.parse_args(argv)


def read_channel(folder: str | None, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, d), labels (n,)) from every CSV file in ``folder``: label first, no header."""
    if not folder:
        raise ValueError(f"No {name!r} channel: pass InputData(channel_name={name!r}, data_source=...) "
                         f"(the folder arrives as SM_CHANNEL_{name.upper()}).")
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ValueError(f"Channel {name!r} is empty: upload at least one CSV file.")
    frames = []
    for path in files:
        frame = pd.read_csv(path, header=None)
        numeric = frame.apply(pd.to_numeric, errors="coerce")
        bad_rows = np.flatnonzero(numeric.isna().any(axis=1).to_numpy())
        if len(bad_rows):
            row = int(bad_rows[0]) + 1
            raise ValueError(f"Channel {name!r}, file {path.name!r}, row {row}: not a number (a header row, text or "
                             "an empty field?). Write numbers only: label first, no header.")
        frames.append(numeric)
    data = pd.concat(frames, ignore_index=True).to_numpy(dtype=float)
    labels = data[:, 0]
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError(f"Channel {name!r}: the first column is the label and must be 0 or 1.")
    return data[:, 1:], labels.astype(int)


def train(args: argparse.Namespace) -> None:
    x, y = read_channel(args.train, "train")
    print(f"train: {len(y)} rows, {x.shape[1]} features, {y.mean():.1%} positive")
    weight = None if args.class_weight == "none" else args.class_weight
    model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=args.max_iter, class_weight=weight))
    model.fit(x, y)
    print(f"train:auc={roc_auc_score(y, model.predict_proba(x)[:, 1]):.4f}")
    if args.validation:
        x_val, y_val = read_channel(args.validation, "validation")
        if x_val.shape[1] != x.shape[1]:
            raise ValueError(f"Channel 'validation' has {x_val.shape[1]} features, 'train' has {x.shape[1]}.")
        scores = model.predict_proba(x_val)[:, 1]
        print(f"validation:auc={roc_auc_score(y_val, scores):.4f}")
        print(f"validation:accuracy={accuracy_score(y_val, scores >= 0.5):.4f}")
        print(f"validation:logloss={log_loss(y_val, scores, labels=[0, 1]):.4f}")
    if not args.model_dir:
        raise ValueError("No model folder: run as a training job (SM_MODEL_DIR) or pass --model-dir.")
    Path(args.model_dir).mkdir(parents=True, exist_ok=True)
    joblib.dump(model, Path(args.model_dir) / MODEL_FILE)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        train(args)
    except Exception as error:  # the reason SageMaker shows as FailureReason
        failure = os.environ.get("SM_OUTPUT_FAILURE") or (
            os.path.join(os.environ["SM_OUTPUT_DIR"], "failure") if os.environ.get("SM_OUTPUT_DIR") else None)
        if failure:
            Path(failure).parent.mkdir(parents=True, exist_ok=True)
            Path(failure).write_text(f"{type(error).__name__}: {error}")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
