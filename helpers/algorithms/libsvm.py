"""``text/libsvm``, the format SageMaker's XGBoost reads by default, read as XGBoost reads it.

One record per line: the label (optionally ``label:weight``), then ``index:value`` pairs separated by
spaces, e.g. ``1 0:0.5 3:1.2``; ``#`` starts a comment; blank lines are skipped. An index is a column
number taken as written (XGBoost's reader is 0-based: a file numbered from 1 leaves column 0 empty, and
the model has one feature more than the highest index). Indices may come in any order; a feature left
out is *missing* (XGBoost's default branch), not zero: the rows stay sparse all the way to the
DMatrix. Anything else is refused with the file and the 1-based line (or the request's line), where
XGBoost's own reader would guess silently (``abc 1:2`` is read as label 1 without features).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from helpers.algorithms.errors import DataFormatError, InferenceError

__all__ = ["CONTENT_TYPES", "Rows", "read_files", "parse_request", "looks_like_libsvm", "row_beyond", "with_width"]

#: The content types SageMaker's XGBoost reads as libsvm (training: text/libsvm; inference: both).
CONTENT_TYPES = ("text/libsvm", "text/x-libsvm")
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)"
_LINE = re.compile(rf"(?P<label>{_NUMBER})(?::(?P<weight>{_NUMBER}))?(?P<pairs>(?:[ \t]+[0-9]+:(?:{_NUMBER}))*)",
                   re.IGNORECASE)
_PAIR = re.compile(rf"([0-9]+):({_NUMBER})", re.IGNORECASE)
_TOKEN = re.compile(rf"(?:{_NUMBER})(?::(?:{_NUMBER}))?|[0-9]+:(?:{_NUMBER})", re.IGNORECASE)
_EXAMPLE = "'1 0:0.5 3:1.2' (label, then index:value pairs; label:weight for an instance weight)"


@dataclass
class Rows:
    """Parsed libsvm records: ``features`` a CSR matrix (n, width), ``labels`` (n,), ``weights`` (n,) or
    None when no line gave one, and where each row came from (for messages)."""

    features: object  # scipy.sparse.csr_matrix
    labels: np.ndarray
    weights: np.ndarray | None
    channel: str
    files: list[Path]
    row_file: np.ndarray
    row_line: np.ndarray

    def where(self, row: int) -> str:
        """``"Channel 'train', file 'a.libsvm', line 12"`` for row index ``row``."""
        return f"Channel {self.channel!r}, file {self.files[self.row_file[row]].name!r}, line {int(self.row_line[row])}"

    @property
    def width(self) -> int:
        return int(self.features.shape[1])


class _Problem(ValueError):
    """A line that is not libsvm; ``line`` is its 1-based number in the text parsed."""

    def __init__(self, line: int, message: str, text: str = ""):
        super().__init__(message)
        self.line, self.text = line, text


def _explain(text: str) -> str:
    """What is wrong with a line the line pattern refused: its first bad token, named."""
    tokens = text.split()
    for position, token in enumerate(tokens):
        if token.lower().startswith("qid:"):
            return f"{token!r}: qid is for ranking objectives, which this kit does not train; remove it"
        if not _TOKEN.fullmatch(token):
            return f"token {position + 1}, {token!r}, is neither a number nor index:value"
        if position == 0 and ":" in token and not _LINE.fullmatch(token):
            return f"the first token, {token!r}, must be the label"
        if position > 0 and not _PAIR.fullmatch(token):
            return f"token {position + 1}, {token!r}, is not index:value (indices are whole numbers >= 0)"
    return "it is not label index:value ..."


def _record(number: int, content: str) -> tuple[float, str | None, list[int], list[float]]:
    """Line ``number``'s label, weight (its text, None when absent), indices and values."""
    match = _LINE.fullmatch(content)
    if match is None:
        raise _Problem(number, f"{content[:60]!r} is not libsvm: {_explain(content)}. Write lines like {_EXAMPLE}",
                       content)
    label, weight = float(match["label"]), match["weight"]
    if not math.isfinite(label):
        raise _Problem(number, f"the label is {match['label']!r}: give a finite number")
    if weight is not None and not (math.isfinite(float(weight)) and float(weight) >= 0):
        raise _Problem(number, f"the instance weight (after 'label:') is {weight!r}: give a number >= 0")
    pairs = _PAIR.findall(match["pairs"])
    row = [int(index) for index, _ in pairs]
    if len(set(row)) != len(row):
        repeated = next(index for index in row if row.count(index) > 1)
        raise _Problem(number, f"index {repeated} appears twice; give each feature once")
    cells = [float(value) for _, value in pairs]
    bad = next((pairs[i][1] for i, v in enumerate(cells) if not math.isfinite(v)), None)
    if bad is not None:
        raise _Problem(number, f"value {bad!r} is not a finite number; leave a missing feature out of the line")
    return label, weight, row, cells


def _records(text: str):
    """(line number, stripped content) of each line that holds a record (comments and blanks skipped)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if content:
            yield number, content


def _parse(text: str):
    """(labels, weights or None, indptr, indices, values, line numbers) of libsvm ``text``."""
    labels, weights, indptr, indices, values, lines = [], [], [0], [], [], []
    weighted: dict[bool, int] = {}  # has a weight -> first line that has (or lacks) one
    for number, content in _records(text):
        label, weight, row, cells = _record(number, content)
        weighted.setdefault(weight is not None, number)
        if len(weighted) > 1:  # XGBoost's reader then packs the weights it found onto the first rows
            raise _Problem(number, f"line {weighted[True]} gives an instance weight (label:weight) and line "
                                   f"{weighted[False]} does not: give every line a weight, or none")
        labels.append(label)
        weights.append(float(weight) if weight is not None else 1.0)
        indices.extend(row)
        values.extend(cells)
        indptr.append(len(indices))
        lines.append(number)
    return labels, (weights if weighted.get(True) else None), indptr, indices, values, lines


def _csr(indptr, indices, values, rows: int, width: int):
    import scipy.sparse as sp

    matrix = sp.csr_matrix((np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int64),
                            np.asarray(indptr, dtype=np.int64)), shape=(rows, width))
    matrix.sort_indices()  # XGBoost accepts any order; CSR consumers expect sorted
    return matrix


def _read_file(channel: str, path: Path):
    """:func:`_parse` of one channel file, its problems as DataFormatError naming the file and line."""
    where = f"Channel {channel!r}, file {path.name!r}"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{where} is not UTF-8 text (byte {exc.start}): libsvm is text, e.g. {_EXAMPLE}.") from None
    try:
        return _parse(text)
    except _Problem as problem:
        if "," in problem.text and ":" not in problem.text:
            raise DataFormatError(
                f"{where}, line {problem.line} looks like CSV, but the channel's content type is text/libsvm (what "
                f"SageMaker's XGBoost assumes when InputData has no content_type). Fix: InputData(..., "
                f"content_type='text/csv') for CSV, label first.") from None
        raise DataFormatError(f"{where}, line {problem.line}: {problem}.") from None


def read_files(channel: str, files: Iterable[Path]) -> Rows:
    """Every record of a channel's libsvm ``files``; DataFormatError names the file and line."""
    files = list(files)
    labels, weights, indptr, indices, values, row_file, row_line = [], [], [0], [], [], [], []
    weighted_file: Path | None = None  # the first file with records decides: weights in every file, or none
    any_weight = False
    for position, path in enumerate(files):
        f_labels, f_weights, f_indptr, f_indices, f_values, f_lines = _read_file(channel, path)
        if not f_labels:
            continue
        if weighted_file is None:
            weighted_file, any_weight = path, f_weights is not None
        elif (f_weights is not None) != any_weight:
            raise DataFormatError(
                f"Channel {channel!r}: file {path.name!r} {'gives' if f_weights else 'lacks'} instance weights "
                f"(label:weight) but {weighted_file.name!r} {'lacks' if f_weights else 'gives'} them: give every "
                f"line a weight, or none.")
        weights.extend(f_weights or [1.0] * len(f_labels))
        indptr.extend(p + len(indices) for p in f_indptr[1:])
        labels.extend(f_labels)
        indices.extend(f_indices)
        values.extend(f_values)
        row_file.extend([position] * len(f_labels))
        row_line.extend(f_lines)
    if not labels:
        raise DataFormatError(f"Channel {channel!r} holds no libsvm records ({', '.join(p.name for p in files[:5])}): "
                              f"write one record per line, e.g. {_EXAMPLE}.")
    width = max(indices) + 1 if indices else 1
    return Rows(_csr(indptr, indices, values, len(labels), width), np.asarray(labels),
                np.asarray(weights) if any_weight else None, channel, files, np.asarray(row_file), np.asarray(row_line))


def parse_request(body: bytes | str):
    """The features of a libsvm request as CSR (n, highest index + 1); labels are ignored, as XGBoost
    ignores them when predicting. InferenceError 400 names the line."""
    try:
        text = body if isinstance(body, str) else bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InferenceError(f"A libsvm request is UTF-8 text; byte {exc.start} is not. Send lines like {_EXAMPLE}.",
                             400) from None
    for number, content in _records(text):
        first = content.split()[0]
        if ":" in first:  # XGBoost would read it as label:weight and drop that feature without a word
            raise InferenceError(
                f"libsvm request, line {number} starts with {first!r}: a libsvm line starts with its label (any "
                f"number, ignored when predicting), then index:value pairs, e.g. '0 {first} ...'.", 400)
    try:
        labels, _, indptr, indices, values, _ = _parse(text)
    except _Problem as problem:
        raise InferenceError(f"libsvm request, line {problem.line}: {problem}.", 400) from None
    if not labels:
        raise InferenceError(f"The libsvm request holds no records: send one per line, e.g. {_EXAMPLE}.", 400)
    return _csr(indptr, indices, values, len(labels), max(indices) + 1 if indices else 1)


def row_beyond(features, width: int) -> tuple[int, int] | None:
    """(row, index) of the first entry of ``features`` (CSR) at a column >= ``width``, else None."""
    over = np.flatnonzero(features.indices >= width)
    if not over.size:
        return None
    return int(np.searchsorted(features.indptr, over[0], side="right") - 1), int(features.indices[over[0]])


def with_width(features, width: int):
    """``features`` (CSR) with ``width`` columns: the absent ones are missing features (call
    :func:`row_beyond` first: a narrower width would drop entries)."""
    features.resize((features.shape[0], width))
    return features


def looks_like_libsvm(files: list[Path]) -> bool:
    """True when the first record of the first file reads as libsvm (a channel given no content type)."""
    with files[0].open("rb") as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    for line in head.splitlines():
        content = line.split("#", 1)[0].strip()
        if content:
            tokens = content.split()
            return len(tokens) > 1 and _PAIR.fullmatch(tokens[1]) is not None
    return False
