"""Cleaning moves for messy tables, each recorded in a report so nothing changes silently.

Every step takes a DataFrame and returns a new one (the input is never modified) and, given a
:class:`CleaningReport`, writes down what it did: which column, which action (fix, impute, flag,
drop), how many rows, and an example. Rows that are dropped are kept in ``report.dropped`` with
the reason, so a cleaning run can always be audited and undone::

    report = CleaningReport()
    frame = standardise_missing(raw, report=report)
    frame = normalise_values(frame, "Country", COUNTRY_ALIASES, report=report)
    print(report)

:func:`clean_customers` and :func:`clean_penguins` chain the steps for the course's two messy
tables; later notebooks call them to start from clean data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "Change",
    "CleaningReport",
    "MISSING_MARKERS",
    "COUNTRY_ALIASES",
    "SEX_ALIASES",
    "TITLES",
    "strip_whitespace",
    "standardise_missing",
    "parse_name",
    "normalise_names",
    "normalise_values",
    "DayfirstEvidence",
    "infer_dayfirst",
    "parse_dates",
    "flag_out_of_range",
    "impute",
    "drop_missing",
    "drop_duplicates",
    "customers_dayfirst",
    "clean_customers",
    "clean_penguins",
    "PENGUIN_COLUMNS",
    "PENGUIN_MEASUREMENTS",
]

#: What a step may do to a value or a row.
ACTIONS = ("fix", "impute", "flag", "drop")

#: Texts that mean "no value" in exported tables (compared lower-case, after stripping).
MISSING_MARKERS = ("", "n/a", "na", "nan", "none", "null", "-", "--", "?", "??", "unknown", "missing", ".")

#: Spellings of a country -> its canonical name. Keys are lower-case without dots or extra spaces.
COUNTRY_ALIASES: dict[str, str] = {
    **dict.fromkeys(["usa", "us", "united states", "united states of america", "america"], "United States"),
    **dict.fromkeys(["uk", "united kingdom", "great britain", "britain", "england", "gb", "gbr"], "United Kingdom"),
    **dict.fromkeys(["india", "in", "ind", "republic of india", "bharat"], "India"),
    **dict.fromkeys(["germany", "de", "deu", "ger", "deutschland"], "Germany"),
    **dict.fromkeys(["canada", "ca", "can"], "Canada"),
    # Cities typed into the country column: mapping them is a guess, reported as such.
    **dict.fromkeys(["new york", "chicago"], "United States"),
    **dict.fromkeys(["london", "manchester"], "United Kingdom"),
    **dict.fromkeys(["mumbai", "bangalore"], "India"),
    **dict.fromkeys(["berlin", "munich"], "Germany"),
    **dict.fromkeys(["toronto", "vancouver"], "Canada"),
}
#: The aliases above that are cities, not countries.
CITIES = {"new york", "chicago", "london", "manchester", "mumbai", "bangalore", "berlin", "munich", "toronto", "vancouver"}
#: Countries whose people write numeric dates month first (12/31/1980); elsewhere day first.
MONTH_FIRST_COUNTRIES = {"United States", "Canada"}

#: Spellings of sex -> "F" or "M" (the codes the seed table uses).
SEX_ALIASES: dict[str, str] = {
    "f": "F", "female": "F", "woman": "F", "w": "F",
    "m": "M", "male": "M", "man": "M",
}

#: Honorifics found before names; the value says which sex code it implies, if any.
TITLES: dict[str, str | None] = {
    "mr": "M", "mrs": "F", "ms": "F", "miss": "F", "dr": None, "prof": None, "mx": None, "sir": "M",
}


# ---------------------------------------------------------------------------------------- report
@dataclass
class Change:
    """One thing a cleaning step did."""

    step: str
    column: str
    action: str  # one of ACTIONS
    rows: int
    detail: str


@dataclass
class CleaningReport:
    """What a cleaning run changed: every step's changes and every dropped row with its reason."""

    changes: list[Change] = field(default_factory=list)
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows_in: int | None = None
    rows_out: int | None = None

    def add(self, step: str, column: str, action: str, rows: int, detail: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"action {action!r} is unknown: use one of {', '.join(ACTIONS)}.")
        if rows:
            self.changes.append(Change(step, column, action, int(rows), detail))

    def drop(self, frame: pd.DataFrame, mask: pd.Series, step: str, column: str, reason: str) -> pd.DataFrame:
        """Remove the rows where ``mask`` is True, keeping them (with ``reason``) in ``dropped``."""
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            gone = frame.loc[mask].assign(reason=reason)
            self.dropped = gone if self.dropped.empty else pd.concat([self.dropped, gone])
            self.add(step, column, "drop", int(mask.sum()), reason)
        return frame.loc[~mask]

    def to_frame(self) -> pd.DataFrame:
        """The changes as a table: step, column, action, rows, detail."""
        return pd.DataFrame([vars(c) for c in self.changes], columns=["step", "column", "action", "rows", "detail"])

    def rows_changed(self, action: str) -> int:
        return sum(c.rows for c in self.changes if c.action == action)

    def __str__(self) -> str:
        lines = []
        if self.rows_in is not None:
            lines.append(f"{self.rows_in} rows in, {self.rows_out} rows out ({len(self.dropped)} dropped, kept in report.dropped).")
        for c in self.changes:
            lines.append(f"- {c.step} · {c.column} · {c.action} {c.rows} row(s): {c.detail}")
        return "\n".join(lines) if lines else "no changes"


def _report(report: CleaningReport | None) -> CleaningReport:
    return report if report is not None else CleaningReport()


def _need_columns(frame: Any, columns: Iterable[str], step: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{step} needs a pandas DataFrame, got a {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{step}: no column {', '.join(map(repr, missing))} in the table (it has {list(frame.columns)}); "
            "check the spelling, or rename the column first."
        )


def _examples(values: Iterable[Any], n: int = 3) -> str:
    seen: list[str] = []
    for value in values:
        text = repr(value)
        if text not in seen:
            seen.append(text)
        if len(seen) == n:
            break
    return ", ".join(seen)


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]


# ------------------------------------------------------------------------------------ text steps
def strip_whitespace(frame: pd.DataFrame, columns: Iterable[str] | None = None, *,
                     report: CleaningReport | None = None) -> pd.DataFrame:
    """Trim text and collapse runs of spaces (" Mary   Major " -> "Mary Major")."""
    columns = list(columns) if columns is not None else _text_columns(frame)
    _need_columns(frame, columns, "strip_whitespace")
    out = frame.copy()
    for column in columns:
        before = out[column]
        after = before.str.strip().str.replace(r"\s+", " ", regex=True)
        changed = before.notna() & (before != after)
        out[column] = after
        _report(report).add("strip whitespace", column, "fix", int(changed.sum()), f"e.g. {_examples(before[changed])}")
    return out


def standardise_missing(frame: pd.DataFrame, markers: Iterable[str] = MISSING_MARKERS,
                        columns: Iterable[str] | None = None, *, report: CleaningReport | None = None) -> pd.DataFrame:
    """Turn text markers of "no value" ("", "N/A", "?", ...) into real missing values."""
    markers = {m.strip().lower() for m in markers}
    columns = list(columns) if columns is not None else _text_columns(frame)
    _need_columns(frame, columns, "standardise_missing")
    out = frame.copy()
    for column in columns:
        values = out[column]
        is_marker = values.notna() & values.astype("str").str.strip().str.lower().isin(markers)
        if is_marker.any():
            _report(report).add(
                "missing markers", column, "fix", int(is_marker.sum()),
                f"{_examples(values[is_marker])} -> missing",
            )
            out[column] = values.mask(is_marker)
    return out


# ------------------------------------------------------------------------------------------ names
def parse_name(text: Any) -> tuple[str | None, str | None, str | None]:
    """Split a name written in any of the usual forms into (title, first, last).

    "Richard Roe", "Desai, Arnav", "Mrs. Mary Major", "ROE, RICHARD", "Olivia A. Taylor" -> titles
    without the dot, middle initials dropped, names in Title Case when typed all upper or all lower.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return None, None, None
    if not isinstance(text, str):
        raise TypeError(f"a name must be text, got {text!r}: convert the column with .astype('str') first.")
    cleaned = re.sub(r"\s+", " ", text).strip()
    if not cleaned:
        return None, None, None
    if cleaned.isupper() or cleaned.islower():
        cleaned = cleaned.title()
    title = None
    if "," in cleaned:
        last, first = (part.strip() for part in cleaned.split(",", 1))
        tokens = first.split(" ")
        if tokens and tokens[0].rstrip(".").lower() in TITLES:
            title, first = tokens[0].rstrip("."), " ".join(tokens[1:])
        return title, _drop_initials(first) if first else None, last or None
    tokens = cleaned.split(" ")
    if tokens[0].rstrip(".").lower() in TITLES and len(tokens) > 1:
        title, tokens = tokens[0].rstrip("."), tokens[1:]
    if len(tokens) == 1:
        return title, None, tokens[0]
    return title, _drop_initials(" ".join(tokens[:-1])), tokens[-1]


def _drop_initials(first: str) -> str | None:
    """"Olivia A." -> "Olivia": a middle initial is typed sometimes and not other times."""
    kept = [t for t in first.split(" ") if not re.fullmatch(r"[A-Za-z]\.?", t)] or first.split(" ")[:1]
    return " ".join(kept) or None


def normalise_names(frame: pd.DataFrame, column: str = "Name", *, report: CleaningReport | None = None) -> pd.DataFrame:
    """Rewrite ``column`` as "First Last" and add ``title``, ``first_name`` and ``last_name`` columns."""
    _need_columns(frame, [column], "normalise_names")
    parts = frame[column].map(parse_name)
    out = frame.copy()
    out["title"] = pd.Series([p[0] for p in parts], index=frame.index, dtype="str")
    out["first_name"] = pd.Series([p[1] for p in parts], index=frame.index, dtype="str")
    out["last_name"] = pd.Series([p[2] for p in parts], index=frame.index, dtype="str")
    full = [" ".join(x for x in (p[1], p[2]) if x) or None for p in parts]
    out[column] = pd.Series(full, index=frame.index, dtype="str")
    changed = frame[column].notna() & (frame[column] != out[column])
    _report(report).add(
        "names", column, "fix", int(changed.sum()),
        f"rewritten as 'First Last', e.g. {_examples(frame[column][changed])}; titles moved to `title`",
    )
    return out


# ------------------------------------------------------------------------------------- categories
def _key(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace(".", "")).strip().lower()


def normalise_values(frame: pd.DataFrame, column: str, aliases: Mapping[str, str], *,
                     guesses: Iterable[str] = (), report: CleaningReport | None = None) -> pd.DataFrame:
    """Map every spelling in ``column`` to its canonical value (case, dots and spaces ignored).

    Values with no alias become missing and are reported (never guessed); keys listed in
    ``guesses`` (e.g. a city in a country column) are mapped but reported as a separate fix.
    """
    _need_columns(frame, [column], "normalise_values")
    lookup = {_key(k): v for k, v in aliases.items()}
    guesses = {_key(g) for g in guesses}
    values = frame[column]
    keys = values.map(lambda v: _key(v) if isinstance(v, str) else None)
    mapped = keys.map(lambda k: lookup.get(k) if k is not None else None)
    present = values.notna()
    unknown = present & mapped.isna()
    guessed = present & keys.isin(guesses) & mapped.notna()
    changed = present & mapped.notna() & (mapped != values) & ~guessed
    log = _report(report)
    log.add("normalise", column, "fix", int(changed.sum()),
            f"spellings mapped to {sorted(set(mapped[changed]))}, e.g. {_examples(values[changed])}")
    log.add("normalise", column, "fix", int(guessed.sum()),
            f"mapped from a guess (e.g. a city): {_examples(values[guessed])}")
    log.add("normalise", column, "flag", int(unknown.sum()),
            f"no known spelling: {_examples(values[unknown], 5)} -> missing; add them to the aliases if they are valid")
    out = frame.copy()
    out[column] = pd.Series(mapped.where(present), index=frame.index, dtype="str")
    return out


# ------------------------------------------------------------------------------------------ dates
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.\-]?(\d{1,2})[/.\-]?(\d{1,2})([ T].*)?$")
_AGE = re.compile(r"^\d{1,3}$")


@dataclass
class DayfirstEvidence:
    """Which way round are the numeric dates written? Counted from the values themselves."""

    day_first: int  # values like 31/12/1980: only a day can be above 12 in first place
    month_first: int  # values like 12/31/1980
    ambiguous: int  # values like 04/03/1970: both readings are valid dates

    @property
    def decision(self) -> bool | None:
        """True (day first), False (month first) or None when the values give no evidence."""
        if self.day_first == self.month_first:
            return None
        return self.day_first > self.month_first

    def __str__(self) -> str:
        return (f"{self.day_first} day-first, {self.month_first} month-first, {self.ambiguous} ambiguous "
                f"-> dayfirst={self.decision}")


def infer_dayfirst(values: pd.Series) -> DayfirstEvidence:
    """Count the numeric dates that can only be read day-first, only month-first, or either way."""
    day = month = both = 0
    for value in values.dropna():
        match = _NUMERIC_DATE.match(str(value).strip())
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            day += 1
        elif second > 12 >= first:
            month += 1
        elif first != second and first <= 12 and second <= 12:
            both += 1
    return DayfirstEvidence(day, month, both)


def _parse_one_kind(values: pd.Series, dayfirst: bool) -> pd.Series:
    """Parse date strings; year-first forms are parsed year-first whatever ``dayfirst`` says.

    (``format="mixed", dayfirst=True`` would read "1970/03/04" as 3 April: dateutil applies
    dayfirst to the two numbers after the year too.)
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    text = values.astype("str").str.strip()
    year_first = text.str.match(_YEAR_FIRST.pattern)
    if year_first.any():
        parts = text[year_first].str.extract(_YEAR_FIRST.pattern)
        iso = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
        out[year_first] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    rest = ~year_first
    if rest.any():
        out[rest] = pd.to_datetime(text[rest], format="mixed", dayfirst=dayfirst, errors="coerce")
    return out


def parse_dates(frame: pd.DataFrame, column: str, *, dayfirst: bool | pd.Series, reference: str | pd.Timestamp,
                earliest: str | pd.Timestamp = "1900-01-01", age_column: str | None = "age_typed",
                report: CleaningReport | None = None) -> pd.DataFrame:
    """Parse a column of dates written in mixed formats, as of the date ``reference``.

    - ISO and other year-first forms are read year-first; everything else with pandas'
      ``format="mixed"`` and the ``dayfirst`` decision: one bool for the whole column, or a boolean
      Series per row (e.g. from the country: 12/31/1980 in the US, 31/12/1980 in the UK).
      :func:`infer_dayfirst` counts the evidence in the values.
    - A bare number of 1-3 digits is an age typed where a date belongs: it goes to ``age_column``
      (as of ``reference``) and the date stays missing (``age_column=None``: just made missing).
    - A two-digit year that lands after ``reference`` ("04/03/70" -> 2070) is moved back a century.
    - Dates that cannot be parsed (30 February), or that lie after ``reference`` or before
      ``earliest``, become missing. Every change is reported.
    - ``<column>_ambiguous`` flags dates whose day and month could be swapped (04/03/1970).
    """
    _need_columns(frame, [column], "parse_dates")
    if isinstance(dayfirst, pd.Series):
        if not dayfirst.index.equals(frame.index) or dayfirst.isna().any() or not pd.api.types.is_bool_dtype(dayfirst):
            raise ValueError(
                "a per-row dayfirst must be a boolean Series with the frame's index and no missing values, "
                "e.g. ~frame['country'].isin(['United States']); fill unknown rows with the majority decision."
            )
        per_row = dayfirst.astype(bool)
    elif isinstance(dayfirst, (bool, np.bool_)):
        per_row = pd.Series(bool(dayfirst), index=frame.index)
    else:
        raise TypeError(
            f"dayfirst must be True, False or a boolean Series per row, got {dayfirst!r}: decide it from "
            "infer_dayfirst(...) and from where the data comes from."
        )
    reference, earliest = pd.Timestamp(reference), pd.Timestamp(earliest)
    log = _report(report)
    values = frame[column]
    present = values.notna()
    text = values.astype("str").str.strip().where(present)
    is_age = present & text.str.match(_AGE.pattern).fillna(False).astype(bool)
    to_parse = present & ~is_age
    parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    for decision in (True, False):
        rows = to_parse & (per_row == decision)
        if rows.any():
            parsed[rows] = _parse_one_kind(text[rows], decision)
    unparsed = to_parse & parsed.isna()
    # A year typed with two digits: the string holds no four-digit number ("04/03/70", "March 4, 70").
    two_digit = to_parse & ~text.str.contains(r"\d{4}", regex=True).fillna(True).astype(bool)
    century = two_digit & (parsed > reference)
    parsed = parsed.mask(century, parsed - pd.DateOffset(years=100))
    future = to_parse & (parsed > reference)
    ancient = to_parse & (parsed < earliest)
    parsed = parsed.mask(future | ancient)
    ambiguous = to_parse & ~unparsed & text.map(_swappable).astype(bool)

    out = frame.copy()
    out[column] = parsed
    out[f"{column}_ambiguous"] = ambiguous
    good = to_parse & ~unparsed & ~future & ~ancient
    how = f"dayfirst={bool(per_row.iloc[0])}" if per_row.nunique() <= 1 else "dayfirst decided per row"
    log.add("dates", column, "fix", int(good.sum()), f"parsed from mixed formats ({how}), e.g. {_examples(values[good])}")
    log.add("dates", column, "fix", int(century.sum()),
            f"two-digit year after {reference.date()} moved back 100 years: {_examples(values[century])}")
    log.add("dates", column, "flag", int(ambiguous.sum()),
            f"day and month could be swapped (read with {how}); flagged in `{column}_ambiguous`")
    log.add("dates", column, "flag", int(unparsed.sum()), f"not a date: {_examples(values[unparsed], 5)} -> missing")
    log.add("dates", column, "flag", int(future.sum()), f"after {reference.date()}: {_examples(values[future])} -> missing")
    log.add("dates", column, "flag", int(ancient.sum()), f"before {earliest.date()}: {_examples(values[ancient])} -> missing")
    if age_column is not None:
        out[age_column] = pd.to_numeric(text.where(is_age), errors="coerce").astype("Float64")
        log.add("dates", column, "flag", int(is_age.sum()),
                f"an age typed instead of a date: {_examples(values[is_age])} -> `{age_column}`, date missing")
    else:
        log.add("dates", column, "flag", int(is_age.sum()), f"a number, not a date: {_examples(values[is_age])} -> missing")
    return out


def _swappable(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    match = _NUMERIC_DATE.match(value)
    if not match:
        return False
    first, second = int(match.group(1)), int(match.group(2))
    return first <= 12 and second <= 12 and first != second


# ---------------------------------------------------------------------------------------- numbers
def flag_out_of_range(frame: pd.DataFrame, column: str, *, low: float | None = None, high: float | None = None,
                      action: str = "missing", report: CleaningReport | None = None) -> pd.DataFrame:
    """Handle impossible values outside [low, high]: set them missing (``action="missing"``) or drop the rows."""
    _need_columns(frame, [column], "flag_out_of_range")
    if action not in ("missing", "drop"):
        raise ValueError(f"action {action!r} is unknown: use 'missing' (keep the row) or 'drop' (remove it).")
    if low is None and high is None:
        raise ValueError("give low, high or both: the range of possible values.")
    values = frame[column]
    bad = pd.Series(False, index=frame.index)
    if low is not None:
        bad |= values < low
    if high is not None:
        bad |= values > high
    bad = bad.fillna(False).astype(bool)
    bounds = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
    log = _report(report)
    if action == "drop":
        return log.drop(frame, bad, "impossible values", column, f"outside {bounds}, e.g. {_examples(values[bad])}")
    out = frame.copy()
    out[column] = values.mask(bad)
    log.add("impossible values", column, "flag", int(bad.sum()), f"outside {bounds}: {_examples(values[bad])} -> missing")
    return out


def impute(frame: pd.DataFrame, column: str, strategy: str | Any = "median", *, flag: bool = True,
           report: CleaningReport | None = None) -> pd.DataFrame:
    """Fill missing values with the column's ``"median"``, ``"mean"``, ``"mode"`` or a given value.

    With ``flag=True`` a boolean ``<column>_imputed`` column keeps the information that a value was
    made up (models can use it; analysts should).
    """
    _need_columns(frame, [column], "impute")
    values = frame[column]
    missing = values.isna()
    if strategy in ("median", "mean"):
        if not pd.api.types.is_numeric_dtype(values):
            raise TypeError(f"cannot take the {strategy} of text column {column!r}: use strategy='mode' or a value.")
        fill = getattr(values, strategy)()
    elif strategy == "mode":
        modes = values.mode()
        if modes.empty:
            raise ValueError(f"column {column!r} has no values at all: nothing to take the mode of; drop the column.")
        fill = modes.iloc[0]
    elif isinstance(strategy, str) and strategy in ("max", "min", "constant"):
        raise ValueError(f"strategy {strategy!r} is unknown: use 'median', 'mean', 'mode' or a fill value.")
    else:
        fill = strategy
    out = frame.copy()
    out[column] = values.fillna(fill)
    if flag:
        out[f"{column}_imputed"] = missing
    _report(report).add("impute", column, "impute", int(missing.sum()),
                        f"missing -> {fill!r} ({strategy if isinstance(strategy, str) else 'given value'})"
                        + (f"; flagged in `{column}_imputed`" if flag else ""))
    return out


def drop_missing(frame: pd.DataFrame, columns: Iterable[str], *, how: str = "any",
                 report: CleaningReport | None = None) -> pd.DataFrame:
    """Drop rows missing a value in ``columns`` (``how="all"``: only rows missing all of them)."""
    columns = list(columns)
    _need_columns(frame, columns, "drop_missing")
    if how not in ("any", "all"):
        raise ValueError(f"how={how!r} is unknown: use 'any' or 'all'.")
    gaps = frame[columns].isna()
    mask = gaps.any(axis=1) if how == "any" else gaps.all(axis=1)
    reason = f"missing {'any' if how == 'any' else 'all'} of {columns}"
    return _report(report).drop(frame, mask, "missing", ", ".join(columns), reason)


def drop_duplicates(frame: pd.DataFrame, subset: Iterable[str] | None = None, *,
                    key: Callable[[pd.DataFrame], pd.DataFrame] | None = None, merge: bool = False,
                    reason: str | None = None, report: CleaningReport | None = None) -> pd.DataFrame:
    """Drop rows that repeat an earlier row on ``subset`` (all columns by default), keeping the first.

    - ``key`` turns the subset into comparison keys first (e.g. :func:`comparison_key`: lower-case,
      no spaces or punctuation), so near-duplicates such as "Arnav Desai" / "ARNAV DESAI" match.
    - Rows with a missing value in ``subset`` are never called duplicates (unknown is not equal).
    - ``merge=True`` fills the kept row's missing values from the rows dropped as its duplicates
      (the first known value wins), so a re-registration that knew the birth date is not lost.
    """
    subset = list(subset) if subset is not None else list(frame.columns)
    _need_columns(frame, subset, "drop_duplicates")
    keys = frame[subset] if key is None else key(frame[subset])
    known = keys.notna().all(axis=1)
    group = pd.Series(-1, index=frame.index)
    group[known] = keys.loc[known].groupby(subset, sort=False, dropna=True).ngroup()
    repeat = known & group.duplicated(keep="first")
    log = _report(report)
    out = frame
    if merge and repeat.any():
        in_groups = known & group.isin(group[repeat])
        firsts = frame.loc[in_groups].groupby(group[in_groups], sort=False).transform("first")
        kept = in_groups & ~repeat
        filled = frame.loc[kept].isna() & firsts.loc[kept].notna()
        out = frame.copy()
        for column in firsts.columns:
            rows = filled.index[filled[column]]
            if len(rows):
                out.loc[rows, column] = firsts.loc[rows, column]
        log.add("duplicates", ", ".join(subset), "fix", int(filled.any(axis=1).sum()),
                f"{int(filled.to_numpy().sum())} missing value(s) filled from the duplicates dropped below")
    reason = reason or f"same {', '.join(subset)} as an earlier row"
    return log.drop(out, repeat, "duplicates", ", ".join(subset), reason)


def comparison_key(frame: pd.DataFrame) -> pd.DataFrame:
    """Lower-case, strip and squeeze text so that near-identical spellings compare equal."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].str.lower().str.replace(r"[^\w]+", "", regex=True)
    return out


# ----------------------------------------------------------------------------- the course tables
#: The date the customer table was exported: ages are computed at this date, later dates are impossible.
CUSTOMERS_AS_OF = "2024-01-01"


def customers_dayfirst(country: pd.Series, default: bool = True) -> pd.Series:
    """Per row: True where people write dates day first, False in month-first countries (US, Canada).

    Rows whose country is unknown get ``default`` (the majority's habit); their ambiguous dates
    stay flagged.
    """
    return (~country.isin(MONTH_FIRST_COUNTRIES)).where(country.notna(), default).astype(bool)


def clean_customers(raw: pd.DataFrame, *, dayfirst: bool | pd.Series | None = None, as_of: str = CUSTOMERS_AS_OF,
                    target: str = "salary") -> tuple[pd.DataFrame, CleaningReport]:
    """Clean the messy customer table (name, country, sex, dob -> salary); return (clean, report).

    Decisions, per column (each one is reported; dropped rows are kept in ``report.dropped``):

    - all rows: exact duplicates (the same record twice) dropped (drop);
    - all text: whitespace trimmed, missing markers ("", "N/A", "?", "unknown") made missing (fix);
    - name: one "First Last" form, honorifics moved to ``title``, middle initials dropped (fix);
    - country: spellings mapped to one name; cities mapped to their country (fix, reported as
      guesses); anything else missing (flag);
    - sex: codes mapped to F/M; a missing sex taken from an unambiguous title (impute, flagged in
      ``sex_imputed``);
    - dob: mixed formats parsed, day/month order by country (``dayfirst=None``) or as given; an
      age typed in place of the date kept in ``age_typed``; impossible dates missing (fix / flag);
    - age: whole years at ``as_of``, from dob or else from the typed age (fix);
    - target: thousands separators removed; rows without a salary dropped, since there is nothing
      to learn from them (drop); salaries <= 0 dropped as impossible (drop);
    - near-duplicates (the same person under a new id: same cleaned name and the same birth date,
      or the same name and the same salary) dropped, their missing values filled into the kept
      row first (drop / fix).
    """
    _need_columns(raw, ["name", "country", "sex", "dob", target], "clean_customers")
    report = CleaningReport(rows_in=len(raw))
    frame = report.drop(raw, raw.duplicated(keep="first"), "duplicates", "all", "exact duplicate of an earlier row")
    frame = strip_whitespace(frame, report=report)
    frame = standardise_missing(frame, report=report)
    frame = normalise_names(frame, "name", report=report)
    frame = normalise_values(frame, "country", COUNTRY_ALIASES, guesses=CITIES, report=report)
    frame = normalise_values(frame, "sex", SEX_ALIASES, report=report)
    implied = frame["title"].str.lower().map(TITLES)
    from_title = frame["sex"].isna() & implied.notna()
    frame["sex"] = frame["sex"].mask(from_title, implied)
    frame["sex_imputed"] = from_title
    report.add("impute", "sex", "impute", int(from_title.sum()),
               "missing sex taken from the title (Mrs/Ms -> F, Mr -> M); flagged in `sex_imputed`")
    if dayfirst is None:
        dayfirst = customers_dayfirst(frame["country"])
    frame = parse_dates(frame, "dob", dayfirst=dayfirst, reference=as_of, report=report)
    years = (pd.Timestamp(as_of) - frame["dob"]).dt.days / 365.2425
    frame["age"] = np.floor(years).astype("Float64").fillna(frame["age_typed"])
    frame = flag_out_of_range(frame, "age", low=16, high=110, report=report)
    salary = frame[target].str.replace(",", "", regex=False)
    with_commas = frame[target].notna() & (salary != frame[target])
    report.add("target", target, "fix", int(with_commas.sum()), f"thousands separators removed: {_examples(frame[target][with_commas])}")
    numbers = pd.to_numeric(salary, errors="coerce")
    not_numbers = frame[target].notna() & numbers.isna()
    report.add("target", target, "flag", int(not_numbers.sum()), f"not a number: {_examples(frame[target][not_numbers])} -> missing")
    frame[target] = numbers.astype("float64")
    frame = report.drop(frame, frame[target].isna(), "target", target, "no salary: nothing to learn from")
    frame = report.drop(frame, frame[target] <= 0, "target", target, "salary <= 0 is impossible")
    for subset in (["name", "dob"], ["name", target]):
        frame = drop_duplicates(frame, subset, merge=True, report=report,
                                reason=f"near-duplicate: same {' and '.join(subset)} as an earlier row")
    frame = frame.reset_index(drop=True)
    report.rows_out = len(frame)
    return frame, report


#: palmerpenguins raw column names -> snake_case names with units.
PENGUIN_COLUMNS = {
    "studyName": "study", "Sample Number": "sample", "Species": "species", "Region": "region", "Island": "island",
    "Stage": "stage", "Individual ID": "individual", "Clutch Completion": "clutch_completion", "Date Egg": "date_egg",
    "Culmen Length (mm)": "bill_length_mm", "Culmen Depth (mm)": "bill_depth_mm",
    "Flipper Length (mm)": "flipper_length_mm", "Body Mass (g)": "body_mass_g", "Sex": "sex",
    "Delta 15 N (o/oo)": "delta_15n", "Delta 13 C (o/oo)": "delta_13c", "Comments": "comments",
}
PENGUIN_MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def clean_penguins(raw: pd.DataFrame) -> tuple[pd.DataFrame, CleaningReport]:
    """Clean palmerpenguins' raw table; return (clean, report).

    - columns renamed to snake_case with units (``Culmen Length (mm)`` -> ``bill_length_mm``);
    - species shortened to its common name ("Adelie Penguin (Pygoscelis adeliae)" -> "Adelie");
    - sex: "MALE"/"FEMALE" -> "M"/"F", the stray "." made missing (kept missing: guessing sex from
      size would bake a model's opinion into the data);
    - ``date_egg`` parsed when it is still text (ISO dates);
    - rows with no body measurement at all dropped (the birds were not measured);
    - ``clutch_completion`` as a boolean.
    """
    _need_columns(raw, ["Species", "Sex", *[k for k, v in PENGUIN_COLUMNS.items() if v in PENGUIN_MEASUREMENTS]], "clean_penguins")
    report = CleaningReport(rows_in=len(raw))
    frame = raw.rename(columns=PENGUIN_COLUMNS)
    renamed = sum(1 for c in raw.columns if PENGUIN_COLUMNS.get(c, c) != c)
    report.add("rename", "all", "fix", len(frame),
               f"{renamed} columns renamed to snake_case with units, e.g. 'Culmen Length (mm)' -> 'bill_length_mm'")
    frame = strip_whitespace(frame, report=report)
    frame = standardise_missing(frame, report=report)
    species = frame["species"].str.split(" ").str[0].astype("str")
    report.add("normalise", "species", "fix", int((species != frame["species"]).sum()), "scientific name dropped: 'Adelie Penguin (Pygoscelis adeliae)' -> 'Adelie'")
    frame["species"] = species
    frame = normalise_values(frame, "sex", SEX_ALIASES, report=report)
    if "date_egg" in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame["date_egg"]):
        frame = parse_dates(frame, "date_egg", dayfirst=False, reference="2010-12-31", age_column=None, report=report)
        frame = frame.drop(columns="date_egg_ambiguous")
    if "clutch_completion" in frame.columns:
        frame["clutch_completion"] = frame["clutch_completion"].map({"Yes": True, "No": False}).astype("boolean")
    frame = drop_missing(frame, PENGUIN_MEASUREMENTS, how="all", report=report)
    frame = frame.reset_index(drop=True)
    report.rows_out = len(frame)
    return frame, report
