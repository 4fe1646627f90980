"""Reading a training channel the way SageMaker's built-in algorithms read it, by its content type:

* ``text/csv``: every file in the channel's directory, no header row, numbers only, the label in the
  first column (for supervised algorithms), the same number of columns in every row;
* ``application/x-recordio-protobuf``: every file a sequence of RecordIO-framed ``Record`` messages
  (:mod:`helpers.algorithms.recordio`), dense or sparse features, the label in ``label["values"]``.

A job's channel has the content type its ``InputData(content_type=...)`` gave, or, when it gave
none, the one SageMaker assumes for the algorithm (:func:`resolve_content_type`): protobuf for the
built-ins, so CSV sent without ``content_type="text/csv"`` fails here as it fails on SageMaker.

Anything else raises :class:`~helpers.algorithms.errors.DataFormatError` naming the channel, the
file and the 1-based row or record, and saying how to fix it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from helpers.algorithms import recordio
from helpers.algorithms.errors import DataFormatError
from helpers.algorithms.numbers import is_number

__all__ = ["Table", "Channel", "read_channel", "read_sparse_channel", "channel_files", "split_label",
           "check_class_labels", "resolve_content_type", "CSV", "RECORDIO"]

CSV, RECORDIO = "text/csv", recordio.CONTENT_TYPE
_WRITE_HINT = "write it with pandas as df.to_csv(path, header=False, index=False), label first"
_PROTOBUF_HINT = ("write it with helpers.platform.recordio.write_numpy_to_dense_tensor(f, x.astype('float32'), "
                  "labels=y.astype('float32')) (sagemaker.amazon.common's function)")
#: Dense copies of sparse protobuf rows above this many cells are refused (8 bytes each).
_MAX_DENSE_CELLS = 50_000_000


@dataclass(frozen=True)
class Channel(os.PathLike):
    """A channel's directory and its content type, as ``Algorithm.train`` hands it to ``fit``.

    Path-like (``Path(channel)`` is the directory). ``content_type`` None means "not a SageMaker
    job": the files decide (RecordIO-framed files are protobuf, anything else CSV).
    """

    path: Path
    content_type: str | None = None

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __truediv__(self, other: str) -> Path:
        return Path(self.path) / other

    def __str__(self) -> str:
        return os.fspath(self.path)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def resolve_content_type(channel: str, given: str | None, *, algorithm: str, default: str,
                         supported: Sequence[str], aliases: Mapping[str, str] | None = None) -> str:
    """The content type a channel is read as: ``given`` (case-insensitive; ``aliases`` maps the short
    names an algorithm's container also takes, e.g. XGBoost's ``csv``) or, when a job gave none,
    SageMaker's ``default`` for the algorithm; DataFormatError when the algorithm cannot train on it."""
    mime = _media_type(given) or default
    mime = (aliases or {}).get(mime, mime)
    if mime == "application/x-recordio":  # SageMaker's older name for the same format
        mime = RECORDIO
    if mime not in supported:
        fix = (f"write it as RecordIO-protobuf ({_PROTOBUF_HINT}) and pass content_type={RECORDIO!r}"
               if RECORDIO in supported else f"pass content_type={supported[0]!r}")
        raise DataFormatError(
            f"Channel {channel!r}: {algorithm} does not train on content type {mime!r} (SageMaker refuses it too; it "
            f"trains on {', '.join(supported)}). Fix: {fix}.")
    return mime


def _content_type_of(directory) -> str | None:
    return directory.content_type if isinstance(directory, Channel) else None


@dataclass
class Table:
    """The rows of one channel: ``values`` (n_rows, n_columns) float64, and where each row came from.

    From CSV the label (if any) is a column of ``values``; from protobuf ``values`` holds the
    features only and ``labels`` the records' labels (None when they have none).
    """

    channel: str
    values: np.ndarray
    files: list[Path]
    row_file: np.ndarray  # index into ``files`` for each row
    row_line: np.ndarray  # 1-based line (CSV) or record (protobuf) number of each row in its file
    labels: np.ndarray | None = None
    content_type: str = CSV

    def where(self, row: int) -> str:
        """``"Channel 'train', file 'part-0.csv', row 12"`` (protobuf: ``record 12``) for row index ``row``."""
        unit = "record" if self.content_type == RECORDIO else "row"
        return f"Channel {self.channel!r}, file {self.files[self.row_file[row]].name!r}, {unit} {int(self.row_line[row])}"

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


def read_channel(channel: str, directory: Path | Channel | None) -> Table:
    """Every row of every file in the channel, checked: numeric, finite, same column count.

    A :class:`Channel` is read as its content type; a plain path as protobuf when its first file is
    RecordIO-framed, else as CSV. Sparse protobuf rows are made dense.
    """
    files = channel_files(channel, directory)
    content_type = _content_type_of(directory) or _sniff(files)
    if content_type == RECORDIO:
        return _read_protobuf(channel, files)
    if content_type != CSV:
        raise DataFormatError(f"Channel {channel!r}: content type {content_type!r} is not read locally by this "
                              f"algorithm; send {CSV!r} or {RECORDIO!r}.")
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


def _not_protobuf(channel: str, path: Path, head: bytes) -> DataFormatError:
    looks = "looks like CSV text" if head[:1].isdigit() or head[:1] in (b"-", b".") else "is not RecordIO-protobuf"
    return DataFormatError(
        f"Channel {channel!r}, file {path.name!r} {looks}, but the channel's content type is {RECORDIO} (what SageMaker's "
        f"built-in algorithms assume when InputData has no content_type; SageMaker fails the job with \"ClientError: "
        f"Unable to read data channel '{channel}'. Requested content-type is '{RECORDIO}'. Please verify the data matches "
        f"the requested content-type.\"). Fix: pass InputData(..., content_type='text/csv') for CSV, or {_PROTOBUF_HINT}.")


def _decode_files(channel: str, files: list[Path]) -> tuple[list[recordio.Batch], list[Path], int]:
    """The decoded records of every protobuf file (files without records skipped) and the feature count."""
    batches, used, width, first = [], [], None, None
    for path in files:
        data = path.read_bytes()
        if not data:
            continue
        if not recordio.is_recordio(data[:4]):
            raise _not_protobuf(channel, path, data[:16])
        source = f"Channel {channel!r}, file {path.name!r}"
        try:
            batch = recordio.decode_batch(data, source)
        except recordio.RecordIOError as exc:
            raise DataFormatError(f"{exc} Fix: {_PROTOBUF_HINT}.") from None
        if width is None:
            width, first = int(batch.widths[0]), path
        bad = np.flatnonzero(batch.widths != width)
        if bad.size:
            r = int(bad[0])
            raise DataFormatError(
                f"{source}, record {r + 1}: {int(batch.widths[r])} features, but record 1 of {first.name!r} has {width}. "
                f"Every record of a channel needs the same features (a sparse record's shape=[feature_dim]).")
        if batch.rows and not np.isfinite(np.concatenate([values for _, values in batch.rows])).all():
            r = next(r for r, (_, values) in enumerate(batch.rows) if not np.isfinite(values).all())
            raise DataFormatError(f"{source}, record {r + 1}: a feature is NaN or infinite. SageMaker's built-in "
                                  f"algorithms take no missing values: impute or drop them before writing.")
        if batch.labels is not None and not np.isfinite(batch.labels).all():
            r = int(np.flatnonzero(~np.isfinite(batch.labels))[0])
            raise DataFormatError(f"{source}, record {r + 1}: the label is {batch.labels[r]}, not a finite number.")
        if batches and (batch.labels is None) != (batches[0].labels is None):
            raise DataFormatError(f"{source}: its records {'have no' if batch.labels is None else 'have'} labels but "
                                  f"those of {used[0].name!r} {'do' if batch.labels is None else 'do not'}: label every "
                                  f"record of a channel, or none.")
        batches.append(batch)
        used.append(path)
    if not batches:
        raise DataFormatError(f"Channel {channel!r} is empty: its {len(files)} file(s) hold no records "
                              f"({', '.join(p.name for p in files[:5])}). Fix: {_PROTOBUF_HINT}.")
    return batches, used, width


def _table(channel: str, batches: list[recordio.Batch], used: list[Path], values: np.ndarray) -> Table:
    row_file = np.concatenate([np.full(len(b), i) for i, b in enumerate(batches)])
    row_line = np.concatenate([np.arange(1, len(b) + 1) for b in batches])
    labels = None if batches[0].labels is None else np.concatenate([b.labels for b in batches])
    return Table(channel, values, used, row_file, row_line, labels, RECORDIO)


def _read_protobuf(channel: str, files: list[Path]) -> Table:
    batches, used, width = _decode_files(channel, files)
    n = sum(len(b) for b in batches)
    if n * width > _MAX_DENSE_CELLS:
        raise DataFormatError(f"Channel {channel!r}: {n} records x {width} features is too large to hold dense locally; "
                              f"use fewer rows or features.")
    values = np.zeros((n, width))
    r = 0
    for batch in batches:
        for keys, row in batch.rows:
            if keys is None:
                values[r] = row
            else:
                values[r, keys] = row
            r += 1
    return _table(channel, batches, used, values)


def read_sparse_channel(channel: str, directory: Path | Channel | None):
    """(features CSR (n, feature_dim), table) of a protobuf channel; ``table.labels`` holds the labels and
    ``table.values`` is empty (n, 0): the table only says where each record came from."""
    import scipy.sparse as sp

    files = channel_files(channel, directory)
    batches, used, width = _decode_files(channel, files)
    indices, data, counts = [], [], []
    for batch in batches:
        for keys, row in batch.rows:
            indices.append(np.arange(row.size) if keys is None else keys)
            data.append(row)
            counts.append(row.size)
    indptr = np.concatenate(([0], np.cumsum(counts)))
    x = sp.csr_matrix((np.concatenate(data), np.concatenate(indices), indptr), shape=(len(counts), width))
    x.sum_duplicates()
    return x, _table(channel, batches, used, np.empty((len(counts), 0)))


def _sniff(files: list[Path]) -> str:
    with files[0].open("rb") as handle:
        return RECORDIO if recordio.is_recordio(handle.read(4)) else CSV


def _read_file(channel: str, path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, 1-based line numbers) of one CSV file; None when it holds no rows."""
    raw = path.read_bytes()
    if recordio.is_recordio(raw[:4]):
        raise DataFormatError(
            f"Channel {channel!r}, file {path.name!r} is RecordIO-protobuf, but the channel's content type is text/csv. "
            f"Pass InputData(..., content_type={RECORDIO!r}) (or leave content_type out: SageMaker's default).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFormatError(
            f"Channel {channel!r}, file {path.name!r} is not UTF-8 text, but the channel's content type is text/csv: "
            f"{_WRITE_HINT}."
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
    if table.content_type == RECORDIO:
        return _split_protobuf(table, feature_dim, algorithm=algorithm, label_columns=label_columns)
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


def _split_protobuf(table: Table, feature_dim: int | None, *, algorithm: str, label_columns: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Protobuf records carry features and label apart: check the feature count and that a label is there."""
    if feature_dim is not None and table.n_columns != feature_dim:
        raise DataFormatError(
            f"{table.where(0)}: {table.n_columns} features, but feature_dim={feature_dim}. Fix the data or set "
            f"feature_dim={table.n_columns}.")
    if not label_columns:
        return table.values, None  # unsupervised algorithms ignore labels, as on SageMaker
    if table.labels is None:
        raise DataFormatError(
            f"{table.where(0)} has no label, and {algorithm} needs one per record: write the labels with the features, "
            f"write_numpy_to_dense_tensor(f, x, labels=y).")
    return table.values, table.labels


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

