"""Reading a training channel the way SageMaker's built-in algorithms read ``text/csv``: every file in
the channel's directory, no header row, numbers only, the label in the first column (for supervised
algorithms), the same number of columns in every row.

Anything else raises :class:`~helpers.algorithms.errors.DataFormatError` naming the channel, the
file and the 1-based row (the line number an editor shows), and saying how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.algorithms.errors import DataFormatError
from helpers.algorithms.numbers import is_number

__all__ = ["Table", "read_channel", "channel_files", "split_label", "check_class_labels"]

_WRITE_HINT = "write it with pandas as df.to_csv(path, header=False, index=False), label first"


@dataclass
class Table:
    """The rows of one channel: ``values`` (n_rows, n_columns) float64, and where each row came from."""

    channel: str
    values: np.ndarray
    files: list[Path]
    row_file: np.ndarray  # index into ``files`` for each row
    row_line: np.ndarray  # 1-based line number of each row in its file

    def where(self, row: int) -> str:
        """``"Channel 'train', file 'part-0.csv', row 12"`` for row index ``row``."""
        return f"Channel {self.channel!r}, file {self.files[self.row_file[row]].name!r}, row {int(self.row_line[row])}"

    @property
    def n_columns(self) -> int:
        return self.values.shape[1]


def channel_files(channel: str, directory: Path | None) -> list[Path]:
    """The data files of a channel (every non-hidden file under ``directory``, sorted by path)."""
    if directory is None:
        raise DataFormatError(f"Channel {channel!r} is required but was not given: add InputData(channel_name={channel!r}, ...).")
    directory = Path(directory)
    if not directory.is_dir():
        raise DataFormatError(
            f"Channel {channel!r}: directory {str(directory)!r} does not exist. "
            f"Upload the {channel} data (CSV, label first, no header) and pass its s3:// prefix as the channel."
        )
    files = sorted(
        p for p in directory.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )
    if not files:
        raise DataFormatError(
            f"Channel {channel!r} is empty: no files in {str(directory)!r}. "
            f"Upload the {channel} data (CSV, label first, no header) under the channel's s3:// prefix."
        )
    return files


def read_channel(channel: str, directory: Path | None) -> Table:
    """Every row of every file in the channel, checked: numeric, finite, same column count."""
    files = channel_files(channel, directory)
    blocks, row_file, row_line = [], [], []
    n_columns = None
    first_file = None
    for index, path in enumerate(files):
        parsed = _read_file(channel, path)
        if parsed is None:
            continue
        values, lines = parsed
        if n_columns is None:
            n_columns, first_file = values.shape[1], path
        elif values.shape[1] != n_columns:
            raise DataFormatError(
                f"Channel {channel!r}, file {path.name!r}, row {lines[0]}: {values.shape[1]} columns, but file "
                f"{first_file.name!r} has {n_columns}. Every file of a channel needs the same columns in the same order."
            )
        blocks.append(values)
        row_file.append(np.full(len(values), index))
        row_line.append(lines)
    if not blocks:
        raise DataFormatError(
            f"Channel {channel!r} is empty: its {len(files)} file(s) hold no rows ({', '.join(p.name for p in files[:5])}). "
            f"Write the data with rows, label first, no header."
        )
    return Table(channel, np.vstack(blocks), files, np.concatenate(row_file), np.concatenate(row_line))


def _read_file(channel: str, path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, 1-based line numbers) of one CSV file; None when it holds no rows."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFormatError(
            f"Channel {channel!r}, file {path.name!r} is not UTF-8 text. The built-in algorithms read CSV "
            f"(recordIO-protobuf is not supported locally): {_WRITE_HINT}."
        ) from None
    lines = text.splitlines()
    numbers = [i + 1 for i, line in enumerate(lines) if line.strip()]
    if not numbers:
        return None
    rows = [lines[i - 1] for i in numbers]
    try:
        values = np.loadtxt(rows, delimiter=",", dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        _raise_first_problem(channel, path, rows, numbers)
        raise  # pragma: no cover - _raise_first_problem always raises
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        cell = rows[r].split(",")[c].strip()
        raise DataFormatError(
            f"Channel {channel!r}, file {path.name!r}, row {numbers[r]}, column {c + 1}: {cell!r} is not a finite "
            f"number. SageMaker's built-in algorithms take no missing values: impute or drop them before uploading."
        )
    return values, np.asarray(numbers)


def _raise_first_problem(channel: str, path: Path, rows: list[str], numbers: list[int]) -> None:
    """Find the first bad row np.loadtxt refused and raise a DataFormatError that names it."""
    where = f"Channel {channel!r}, file {path.name!r}"
    width = len(rows[0].split(","))
    for r, row in enumerate(rows):
        cells = [cell.strip() for cell in row.split(",")]
        bad = [(c, cell) for c, cell in enumerate(cells) if not is_number(cell)]  # float() would take "1_0"
        if r == 0 and bad and len(bad) >= max(1, len(cells) // 2):
            shown = ", ".join(repr(cell) for cell in cells[:4]) + (", ..." if len(cells) > 4 else "")
            raise DataFormatError(
                f"{where}, row {numbers[r]} looks like a header row ({shown}). SageMaker's CSV format has no "
                f"header: {_WRITE_HINT}."
            )
        if len(cells) != width:
            raise DataFormatError(
                f"{where}, row {numbers[r]}: {len(cells)} columns, but row {numbers[0]} has {width}. Every row needs "
                f"the same columns (a comma inside a value, or a missing value, shifts them)."
            )
        if bad:
            c, cell = bad[0]
            if cell == "":
                problem = "is empty (a missing value). Impute or drop missing values before uploading"
            else:
                problem = (f"{cell!r} is not a number. Built-in algorithms take numbers only: encode categories "
                           f"as numbers (one-hot or codes) before uploading")
            raise DataFormatError(f"{where}, row {numbers[r]}, column {c + 1}: {problem}.")
    raise DataFormatError(f"{where} could not be read as CSV numbers: {_WRITE_HINT}.")


def split_label(table: Table, feature_dim: int | None, *, algorithm: str, label_columns: int = 1) -> tuple[np.ndarray, np.ndarray | None]:
    """(features, label) from a table whose first ``label_columns`` columns are the label (0 or 1).

    Checks the feature count against ``feature_dim`` (when given) and says which way it is off.
    """
    n_features = table.n_columns - label_columns
    if feature_dim is not None and n_features != feature_dim:
        if label_columns:
            layout = f"the label in column 1, then {feature_dim} feature columns"
        else:
            layout = (f"{feature_dim} feature columns and no label ({algorithm} is unsupervised and, like SageMaker with "
                      f"text/csv, takes every column as a feature: drop the label column)")
        raise DataFormatError(
            f"{table.where(0)}: {table.n_columns} columns, but feature_dim={feature_dim} means {feature_dim + label_columns} "
            f"columns: {layout}. Fix the data or set feature_dim={n_features}."
        )
    if n_features < 1:
        raise DataFormatError(f"{table.where(0)}: {table.n_columns} column(s) leave no feature column after the label.")
    if label_columns == 0:
        return table.values, None
    return table.values[:, label_columns:], table.values[:, 0]


def check_class_labels(table: Table, labels: np.ndarray, num_classes: int, *, what: str = "label") -> np.ndarray:
    """``labels`` as ints in 0..num_classes-1, or a DataFormatError naming the first bad row."""
    bad = (labels != np.round(labels)) | (labels < 0) | (labels > num_classes - 1)
    if bad.any():
        r = int(np.argmax(bad))
        raise DataFormatError(
            f"{table.where(r)}: {what} {float(labels[r])!r} is not a class index 0..{num_classes - 1}. Code the classes "
            f"as 0..{num_classes - 1} and put the label in the FIRST column."
        )
    return labels.astype(np.int64)

