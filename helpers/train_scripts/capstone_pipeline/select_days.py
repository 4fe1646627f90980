"""Keep the payments of some days: a SageMaker processing script (notebook 10's retraining pipeline).

It is a script, not a function of the notebook, because SageMaker runs scripts in containers; this one
runs in SageMaker's scikit-learn image (``image_uris.retrieve("sklearn", region, version="1.2-1")``: it
needs pandas only) and, locally, on the same contract (``helpers.platform.pipelines.processing``):

* input ``table``: one CSV file in ``/opt/ml/processing/input/table``, no header, the label (0/1) first
  and the payment's day (an integer, days since the data starts) last;
* ``--first-day D1 --last-day D2``: keep the rows with ``D1 <= day < D2``;
* output ``rows``: ``/opt/ml/processing/output/rows/rows.csv``, those rows without the day column, label
  first and no header: what the built-in XGBoost reads.

An input without exactly one CSV file, or an empty window, exits non-zero with the reason, which
becomes the step's FailureReason.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys

import pandas as pd

INPUT_DIR = "/opt/ml/processing/input/table"
OUTPUT_DIR = "/opt/ml/processing/output/rows"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-day", type=int, required=True, help="first day kept (inclusive)")
    parser.add_argument("--last-day", type=int, required=True, help="first day no longer kept (exclusive)")
    return parser.parse_args(argv)


def read_table(folder: str) -> pd.DataFrame:
    """The one CSV file in ``folder``, without a header (an error names what was found instead)."""
    files = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if len(files) != 1:
        sys.exit(f"Expected one CSV file in {folder}, found {len(files)}: {files}; give the step's input 'table' "
                 "the folder (S3 prefix) holding the labelled payments only.")
    return pd.read_csv(files[0], header=None)


def select_days(table: pd.DataFrame, first_day: int, last_day: int) -> pd.DataFrame:
    """Rows with ``first_day <= day < last_day`` (the day is the last column), without the day column."""
    days = table.iloc[:, -1]
    return table[(days >= first_day) & (days < last_day)].iloc[:, :-1]


def main(argv=None) -> None:
    args = parse_args(argv)
    rows = select_days(read_table(INPUT_DIR), args.first_day, args.last_day)
    if rows.empty:
        sys.exit(f"No payment has {args.first_day} <= day < {args.last_day}: choose days that the table holds.")
    rows.to_csv(os.path.join(OUTPUT_DIR, "rows.csv"), header=False, index=False)
    print(f"kept {len(rows)} rows of days {args.first_day} to {args.last_day - 1}")


if __name__ == "__main__":
    main()
