"""DeepAR's data: the time series records (JSON Lines), the frequency, the date features and the
lags the network sees.

A record is ``{"start": "2024-01-01 00:00:00", "target": [12.0, 15.0, "NaN", null, 11.0],
"cat": [0, 2]}``: ``start`` a timestamp without time zone (``YYYY-MM-DD HH:MM:SS``, or a date),
``target`` the values (``"NaN"`` or ``null`` where missing), ``cat`` optional non-negative integer
categories (one int or a list; every record the same number). ``dynamic_feat`` is not used locally.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from helpers.algorithms.channels import channel_files
from helpers.algorithms.errors import DataFormatError

__all__ = ["Frequency", "parse_frequency", "Series", "read_series_channel", "parse_record", "time_features",
           "lags_for"]

_FREQ = re.compile(r"^\s*(\d*)\s*(min|H|D|W|M)\s*$")
_START = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
# Lags in units of the base frequency: the previous steps, then the seasonal ones SageMaker names
# (daily data: previous week, 2, 3 and 4 weeks, and a year - 364 days keeps the weekday).
_BASE_LAGS = {
    "min": [1, 2, 3, 4, 5, 10, 15, 30, 60],
    "H": [1, 2, 3, 24, 48, 72, 168],
    "D": [1, 2, 3, 7, 14, 21, 28, 364],
    "W": [1, 2, 3, 4, 52],
    "M": [1, 2, 3, 12],
}
_FIELDS = {  # date features per base frequency (GluonTS's choice), each scaled to [-0.5, 0.5]
    "min": ("minute_of_hour", "hour_of_day", "day_of_week"),
    "H": ("hour_of_day", "day_of_week", "day_of_month", "day_of_year"),
    "D": ("day_of_week", "day_of_month", "day_of_year"),
    "W": ("day_of_month", "week_of_year"),
    "M": ("month_of_year",),
}


@dataclass(frozen=True)
class Frequency:
    """``time_freq``: a multiple of a base unit (``5min``, ``H``, ``D``, ``2W``, ``M``)."""

    multiple: int
    unit: str

    def __str__(self) -> str:
        return f"{self.multiple if self.multiple != 1 else ''}{self.unit}"

    def step(self) -> pd.Timedelta:
        minutes = {"min": 1, "H": 60, "D": 1440, "W": 10080}[self.unit]
        return pd.Timedelta(minutes=minutes * self.multiple)


def parse_frequency(value: Any) -> Frequency:
    """``"5min"`` -> Frequency(5, "min"); ValueError for anything but an integer and M, W, D, H or min."""
    match = _FREQ.match(str(value))
    if not match:
        raise ValueError("expected an optional integer followed by M, W, D, H or min, e.g. 'D', '5min'")
    multiple = int(match.group(1) or 1)
    if multiple < 1:
        raise ValueError("the multiple must be a positive integer")
    return Frequency(multiple, match.group(2))


def lags_for(freq: Frequency) -> list[int]:
    """Lags (in steps of ``freq``) fed to the network: 1, 2, 3 and the seasonal lags that fit."""
    lags = {lag // freq.multiple for lag in _BASE_LAGS[freq.unit] if lag % freq.multiple == 0}
    return sorted(lags | {1, 2, 3})


def feature_names(freq: Frequency) -> tuple[str, ...]:
    return _FIELDS[freq.unit]


def time_features(start: pd.Timestamp, length: int, freq: Frequency, offset: int = 0) -> np.ndarray:
    """(length, n_features) date features of the steps ``offset .. offset + length - 1`` counted from
    ``start`` (negative offsets reach before it), each in [-0.5, 0.5]."""
    names = _FIELDS[freq.unit]
    steps = offset + np.arange(length)
    if freq.unit == "M":
        month = np.mod(start.month - 1 + freq.multiple * steps, 12)
        return (month / 11.0 - 0.5)[:, None]
    stamps = pd.DatetimeIndex(start + freq.step() * steps)
    columns = []
    for name in names:
        if name == "minute_of_hour":
            columns.append(stamps.minute.to_numpy() / 59.0 - 0.5)
        elif name == "hour_of_day":
            columns.append(stamps.hour.to_numpy() / 23.0 - 0.5)
        elif name == "day_of_week":
            columns.append(stamps.dayofweek.to_numpy() / 6.0 - 0.5)
        elif name == "day_of_month":
            columns.append((stamps.day.to_numpy() - 1) / 30.0 - 0.5)
        elif name == "day_of_year":
            columns.append((stamps.dayofyear.to_numpy() - 1) / 365.0 - 0.5)
        elif name == "week_of_year":
            columns.append((stamps.isocalendar().week.to_numpy().astype(float) - 1) / 52.0 - 0.5)
    return np.stack(columns, axis=1).astype(np.float64)


@dataclass
class Series:
    """One time series: ``target`` (T,) float64 with NaN where missing, its ``start`` and ``cat`` codes."""

    start: pd.Timestamp
    target: np.ndarray
    cat: list[int] = field(default_factory=list)


def parse_record(item: Any, *, use_cat: bool, use_dynamic: bool) -> Series:
    """A Series from a decoded JSON record; ValueError with the problem and the fix otherwise."""
    if not isinstance(item, dict):
        raise ValueError('a record must be a JSON object: {"start": "2024-01-01 00:00:00", "target": [...]}')
    if "start" not in item:
        raise ValueError('no "start": give the timestamp of the first target value, e.g. "start": "2024-01-01 00:00:00"')
    start = item["start"]
    if not isinstance(start, str) or not _START.match(start.strip()):
        raise ValueError(f'"start" {start!r} is not a timestamp like "2024-01-01 00:00:00" (YYYY-MM-DD HH:MM:SS, '
                         f"no time zone)")
    try:
        stamp = pd.Timestamp(start.strip())
    except ValueError:
        raise ValueError(f'"start" {start!r} is not a valid date') from None
    if "target" not in item:
        raise ValueError('no "target": give the values, e.g. "target": [12.0, 15.0, "NaN", 11.0]')
    target = _target(item["target"])
    cat: list[int] = []
    if "cat" in item and use_cat:
        raw = item["cat"]
        raw = [raw] if isinstance(raw, int) and not isinstance(raw, bool) else raw
        if not isinstance(raw, list) or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in raw):
            raise ValueError(f'"cat" {item["cat"]!r} must be non-negative integers (codes 0, 1, 2 ...), e.g. "cat": [0, 3]')
        cat = list(raw)
    if item.get("dynamic_feat") is not None and use_dynamic:
        raise ValueError('"dynamic_feat" is not supported by the local DeepAR: set num_dynamic_feat="ignore" to train '
                         "without it, or drop the field")
    return Series(stamp, target, cat)


def _target(raw: Any) -> np.ndarray:
    if not isinstance(raw, list):
        raise ValueError(f'"target" must be a list of numbers, got {type(raw).__name__}')
    out = np.empty(len(raw))
    for i, value in enumerate(raw):
        if value is None or (isinstance(value, str) and value.strip().lower() == "nan"):
            out[i] = math.nan
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[i] = value
        elif isinstance(value, float):  # NaN / infinity from a JSON NaN literal
            if math.isnan(value):
                out[i] = math.nan
            else:
                raise ValueError(f'"target" value {i + 1} is {value}: use finite numbers, and "NaN" for missing values')
        else:
            raise ValueError(f'"target" value {i + 1} is {value!r}: use numbers, and "NaN" or null for missing values')
    return out


def _lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if path.suffix.lower() == ".parquet" or raw[:4] == b"PAR1":
        raise DataFormatError(f"File {path.name!r} is Parquet, which the local DeepAR does not read: write the series "
                              f"as JSON Lines (one {{\"start\", \"target\"}} record per line).")
    try:
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise DataFormatError(f"File {path.name!r} is not UTF-8 text: write the series as JSON Lines.") from None


def read_series_channel(channel: str, directory: Path, *, use_cat: bool, use_dynamic: bool,
                        check: Callable[[Series], str | None] | None = None) -> list[Series]:
    """Every record of every file in the channel (``_SUCCESS`` and hidden files skipped), checked.

    ``check(series)`` may return a problem to report for that record (e.g. negative counts).
    Errors name the channel, the file and the 1-based line.
    """
    files = [p for p in channel_files(channel, directory) if p.name != "_SUCCESS"]
    out: list[Series] = []
    n_cat = None
    first_cat_where = ""
    for path in files:
        try:
            lines = _lines(path)
        except DataFormatError as exc:
            raise DataFormatError(f"Channel {channel!r}: {exc}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"Channel {channel!r}, file {path.name!r}, row {number}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(f"{where} is not valid JSON ({exc.msg}): DeepAR reads JSON Lines, one "
                                      f'{{"start": ..., "target": [...]}} record per line.') from None
            try:
                series = parse_record(item, use_cat=use_cat, use_dynamic=use_dynamic)
                problem = check(series) if check else None
            except ValueError as exc:
                raise DataFormatError(f"{where}: {exc}.") from None
            if problem:
                raise DataFormatError(f"{where}: {problem}.")
            if use_cat:
                if n_cat is None:
                    n_cat, first_cat_where = len(series.cat), where
                elif len(series.cat) != n_cat:
                    raise DataFormatError(
                        f"{where}: {len(series.cat)} categorical feature(s) in \"cat\", but {first_cat_where.lower()} has "
                        f"{n_cat}. Every record needs the same \"cat\" fields (or set cardinality='ignore').")
            out.append(series)
    if not out:
        raise DataFormatError(f"Channel {channel!r} is empty: its {len(files)} file(s) hold no records "
                              f"({', '.join(p.name for p in files[:5])}). Write one JSON record per line.")
    return out
