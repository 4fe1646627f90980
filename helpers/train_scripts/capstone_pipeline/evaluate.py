"""Cost a trained model on the holdout in dollars: a SageMaker processing script (notebook 10's pipeline).

It is a script, not a function of the notebook, because SageMaker runs scripts in containers; this one
runs in SageMaker's XGBoost image (``image_uris.retrieve("xgboost", region, version="1.7-1")``, the
training image: it has xgboost, pandas and numpy, as the public examples' ``evaluation.py`` uses it) and,
locally, on the same contract (``helpers.platform.pipelines.processing``):

* input ``model``: ``/opt/ml/processing/input/model/model.tar.gz``, the training job's artifact holding
  ``xgboost-model``;
* input ``rows``: one CSV file in ``/opt/ml/processing/input/rows``, no header, the label (0/1) first,
  then the features;
* ``--threshold T``: payments scoring ``>= T`` are reviewed; ``--review-cost C``: dollars per review (fraud
  or not); ``--amount-column K``: the feature (0-based, label excluded) holding the payment's amount,
  which a missed fraud costs in refunds;
* output ``evaluation``: ``/opt/ml/processing/output/evaluation/evaluation.json``,
  ``{"cost": {"value": dollars, to the cent}, "reviews": {"value": payments flagged}}``, the report the
  pipeline's condition reads with ``JsonGet(..., json_path="cost.value")``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import tarfile

import numpy as np
import pandas as pd
import xgboost

MODEL_DIR = "/opt/ml/processing/input/model"
ROWS_DIR = "/opt/ml/processing/input/rows"
OUTPUT_DIR = "/opt/ml/processing/output/evaluation"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, required=True, help="review payments scoring >= this")
    parser.add_argument("--review-cost", type=float, required=True, help="dollars per reviewed payment")
    parser.add_argument("--amount-column", type=int, required=True, help="feature index of the amount")
    return parser.parse_args(argv)


def one_file(folder: str, pattern: str) -> str:
    files = sorted(glob.glob(os.path.join(folder, pattern)))
    if len(files) != 1:
        sys.exit(f"Expected one {pattern} file in {folder}, found {len(files)}: {files}.")
    return files[0]


def load_booster(archive_path: str) -> xgboost.Booster:
    """The ``xgboost-model`` inside a training job's ``model.tar.gz``, read without unpacking to disk."""
    with tarfile.open(archive_path) as archive:
        booster = xgboost.Booster()
        booster.load_model(bytearray(archive.extractfile("xgboost-model").read()))
    return booster


def holdout_cost(y: np.ndarray, flagged: np.ndarray, amounts: np.ndarray, review_cost: float) -> float:
    """Dollars lost: a missed fraud costs its amount, every flagged payment a review (``helpers.evaluation.
    cost_of_predictions``' rule, written out here because the container has no course kit)."""
    outcome = np.select([(y == 1) & ~flagged, (y == 0) & flagged, (y == 1) & flagged],
                        [amounts, np.full(len(y), review_cost), np.full(len(y), review_cost)], default=0.0)
    return float(outcome.sum())


def main(argv=None) -> None:
    args = parse_args(argv)
    booster = load_booster(one_file(MODEL_DIR, "*.tar.gz"))
    table = pd.read_csv(one_file(ROWS_DIR, "*.csv"), header=None)
    y, x = table.iloc[:, 0].to_numpy(), table.iloc[:, 1:].to_numpy()
    flagged = booster.predict(xgboost.DMatrix(x)) >= args.threshold
    cost = holdout_cost(y, flagged, x[:, args.amount_column], args.review_cost)
    report = {"cost": {"value": round(cost, 2)}, "reviews": {"value": int(flagged.sum())}}
    with open(os.path.join(OUTPUT_DIR, "evaluation.json"), "w") as out:
        json.dump(report, out)
    print(f"holdout cost ${report['cost']['value']:,.2f} with {report['reviews']['value']} reviews")


if __name__ == "__main__":
    main()
