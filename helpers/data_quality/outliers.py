"""Impossible values and statistical outliers: two different questions, kept apart.

- An **impossible value** breaks a rule of the world or of the business: a birth date after the day
  the table was exported (a negative age), an age above the oldest person ever recorded, a salary of
  zero, "30 February". No statistic is needed to find it and no statistic should be computed with
  it: it is an error to fix or make missing. :class:`Rule` and :func:`impossible_values` find them.
- A **statistical outlier** is a possible value that is far from the others: a salary of $150,000
  among $50,000s. It may be the most interesting row of the table. Three detectors, each returning
  one value per row (index kept):

  - :func:`iqr_outliers`: outside Tukey's fences [Q1 - k·IQR, Q3 + k·IQR] (k = 1.5);
  - :func:`robust_z` / :func:`robust_z_outliers`: 0.6745 (x - median) / MAD, flagged beyond 3.5
    (Iglewicz and Hoaglin); median and MAD, unlike mean and standard deviation, are not dragged by
    the outliers they are looking for;
  - :func:`isolation_scores` / :func:`isolation_outliers`: scikit-learn's ``IsolationForest`` on
    several columns at once (how few random cuts isolate a row).

:func:`flag_table` runs the rules first, hides the impossible cells from the detectors, then lists
every flagged row with what flagged it, so a learner can decide per row: keep, cap
(:func:`cap_to_fences`), drop or investigate; :func:`apply_decisions` carries the decisions out. :func:`customer_measurements` and
:data:`CUSTOMER_RULES` prepare the course's messy customer table for it::

    from helpers import data
    from helpers.data_quality import outliers
    people = outliers.customer_measurements(data.load("messy_customers"))
    table = outliers.flag_table(people, ["age", "salary"], outliers.CUSTOMER_RULES, by="country",
                                show=["customer_id", "dob_typed"])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DECISIONS",
    "METHODS",
    "OLDEST_AGE",
    "Rule",
    "CUSTOMER_RULES",
    "impossible_values",
    "without_impossible",
    "iqr_fences",
    "iqr_outliers",
    "robust_z",
    "robust_z_outliers",
    "isolation_scores",
    "isolation_outliers",
    "cap_to_fences",
    "flag_table",
    "apply_decisions",
    "customer_measurements",
]

#: What a learner may decide for a flagged row.
DECISIONS = ("keep", "cap", "drop", "investigate")
#: The statistical detectors :func:`flag_table` runs, by name.
METHODS = ("iqr", "robust_z", "isolation")
#: The oldest age ever verified (Jeanne Calment, 122 years): anything above is not a person's age.
OLDEST_AGE = 122
#: 0.6745 is the 75th percentile of the standard normal: it makes the MAD comparable to a standard deviation.
_MAD_TO_SD = 0.6745


# ------------------------------------------------------------------------------------ input checks
def _numeric(values: Any, name: str = "values") -> pd.Series:
    """``values`` as a float Series (index kept when it is a Series); a clear error otherwise."""
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be one column, got a table with columns {list(values.columns)}: pass frame['column'].")
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel() if np.ndim(values) else [values])
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        raise TypeError(
            f"{name} holds {series.dtype} values such as {series.dropna().head(2).tolist()}: outliers are measured on "
            "numbers; convert first, e.g. pd.to_numeric(column.str.replace(',', ''), errors='coerce')."
        )
    series = series.astype("float64")
    if np.isinf(series).any():
        raise ValueError(f"{name} holds infinite values: make them missing first (series.replace([np.inf, -np.inf], np.nan)).")
    return series


def _enough(series: pd.Series, minimum: int, what: str) -> None:
    known = int(series.notna().sum())
    if known < minimum:
        raise ValueError(f"{what} needs at least {minimum} known values, got {known}: use more rows or fewer groups.")


def _need_columns(frame: Any, columns: Iterable[str], where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{where} needs a pandas DataFrame, got a {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{where}: no column {', '.join(map(repr, missing))} (the table has {list(frame.columns)}); check the spelling.")


def _per_group(series: pd.Series, by: Any, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``function`` applied to the whole Series, or to each group of ``by`` (a Series aligned with it)."""
    if by is None:
        return function(series)
    labels = np.asarray(by).ravel()
    if len(labels) != len(series) or (isinstance(by, pd.Series) and not by.index.equals(series.index)):
        raise ValueError("by must have one group label per value, with the same index (e.g. frame['country']).")
    groups = pd.Series(labels, index=series.index)
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    # Rows of an unknown group are judged against nobody: they stay missing (not flagged).
    for _, rows in series.groupby(groups, sort=False, dropna=True):
        out.loc[rows.index] = function(rows)
    return out


# ---------------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rule:
    """A value that cannot be true, whatever the statistics say.

    ``check(frame)`` returns a boolean Series (the frame's index), True where the rule is broken;
    ``column`` is the column whose value is impossible (hidden from the outlier detectors);
    ``why`` is the sentence a report shows.
    """

    name: str
    column: str
    check: Callable[[pd.DataFrame], pd.Series]
    why: str


def impossible_values(frame: pd.DataFrame, rules: Sequence[Rule]) -> pd.DataFrame:
    """One boolean column per rule (named after it), True where the row breaks it; rows as ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"impossible_values needs a pandas DataFrame, got a {type(frame).__name__}.")
    out = pd.DataFrame(index=frame.index)
    for rule in rules:
        if not isinstance(rule, Rule):
            raise TypeError(f"rules must be Rule objects, got {rule!r}: Rule(name, column, check, why).")
        _need_columns(frame, [rule.column], f"rule {rule.name!r}")
        broken = pd.Series(rule.check(frame), index=frame.index)
        out[rule.name] = broken.fillna(False).astype(bool)
    return out


def without_impossible(frame: pd.DataFrame, rules: Sequence[Rule]) -> pd.DataFrame:
    """A copy of ``frame`` with every impossible cell (a broken rule's ``column``) made missing.

    What the detectors should look at: the statistics of the possible values only. Other cells of
    the row stay (an impossible birth date says nothing against the salary typed beside it).
    """
    broken = impossible_values(frame, rules)
    out = frame.copy()
    for rule in rules:
        if broken[rule.name].any():
            # A datetime column goes to NaT, a number to NaN: each keeps its own dtype.
            out[rule.column] = out[rule.column].mask(broken[rule.name])
    return out


# ------------------------------------------------------------------------------------ detectors
def iqr_fences(values: Any, k: float = 1.5) -> tuple[float, float]:
    """Tukey's fences (Q1 - k·IQR, Q3 + k·IQR) of the known values, in the values' unit."""
    if not np.isscalar(k) or k <= 0:
        raise ValueError(f"k must be a positive number (1.5 is Tukey's 'outlier', 3 his 'far out'), got {k!r}.")
    series = _numeric(values)
    _enough(series, 4, "IQR fences")
    q1, q3 = series.quantile([0.25, 0.75])
    return float(q1 - k * (q3 - q1)), float(q3 + k * (q3 - q1))


def iqr_outliers(values: Any, k: float = 1.5, *, by: Any = None) -> pd.Series:
    """True per value outside the IQR fences (of its group when ``by`` gives one label per value).

    Missing values are never outliers (False). Returns a boolean Series with the input's index.
    """
    series = _numeric(values)

    def outside(part: pd.Series) -> pd.Series:
        low, high = iqr_fences(part, k)
        return ((part < low) | (part > high)).astype("float64").where(part.notna())

    return _per_group(series, by, outside).fillna(0).astype(bool)


def robust_z(values: Any, *, by: Any = None) -> pd.Series:
    """The robust z-score 0.6745 (x - median) / MAD per value (within its group with ``by``).

    Unitless, like a z-score, but median and MAD (median absolute deviation) ignore the extremes.
    Missing values give NaN. A MAD of 0 (half the values or more identical) has no scale: an error.
    """
    series = _numeric(values)

    def score(part: pd.Series) -> pd.Series:
        _enough(part, 3, "a robust z-score")
        median = part.median()
        mad = (part - median).abs().median()
        if mad == 0:
            raise ValueError(
                f"the MAD is 0: at least half the values equal {median:g}, so the robust z-score has no scale; "
                "use iqr_outliers, or look at the rare values directly (value_counts())."
            )
        return _MAD_TO_SD * (part - median) / mad

    return _per_group(series, by, score)


def robust_z_outliers(values: Any, threshold: float = 3.5, *, by: Any = None) -> pd.Series:
    """True per value whose robust z-score is beyond ``threshold`` in absolute value (3.5 by default)."""
    if not np.isscalar(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number of robust standard deviations (3.5 is usual), got {threshold!r}.")
    return (robust_z(values, by=by).abs() > threshold).fillna(False).astype(bool)


def isolation_scores(frame: pd.DataFrame, columns: Sequence[str], *, seed: int = 42, n_estimators: int = 200) -> pd.Series:
    """How easily an ``IsolationForest`` isolates each row: higher = more unusual (about 0.35-0.8).

    Fitted on the rows that have every one of ``columns`` (numbers; scale does not matter: each cut
    is drawn within one column's range); the other rows get NaN. Returns a float Series, ``frame``'s index.
    """
    from sklearn.ensemble import IsolationForest

    columns = list(columns)
    if not columns:
        raise ValueError("isolation_scores needs at least one column, e.g. ['age', 'salary'].")
    _need_columns(frame, columns, "isolation_scores")
    numbers = pd.DataFrame({c: _numeric(frame[c], f"column {c!r}") for c in columns})
    complete = numbers.notna().all(axis=1)
    if complete.sum() < 10:
        raise ValueError(f"an isolation forest needs at least 10 rows with every one of {columns}, got {int(complete.sum())}.")
    forest = IsolationForest(n_estimators=n_estimators, random_state=seed).fit(numbers[complete].to_numpy())
    out = pd.Series(np.nan, index=frame.index, dtype="float64")
    # score_samples is the negated anomaly score of the paper: flip it so that higher means stranger.
    out[complete] = -forest.score_samples(numbers[complete].to_numpy())
    return out


def isolation_outliers(frame: pd.DataFrame, columns: Sequence[str], *, share: float = 0.02, seed: int = 42) -> pd.Series:
    """True for the ``share`` of complete rows with the highest isolation scores (False elsewhere)."""
    if not np.isscalar(share) or not 0 < share < 0.5:
        raise ValueError(f"share must be between 0 and 0.5 (the fraction of rows to flag, e.g. 0.02), got {share!r}.")
    return _top_share(isolation_scores(frame, columns, seed=seed), share)


def _top_share(scores: pd.Series, share: float) -> pd.Series:
    """True for the rows whose score is above the (1 - share) quantile; missing scores are False."""
    return (scores > scores.quantile(1 - share)).fillna(False).astype(bool)


def cap_to_fences(values: Any, k: float = 1.5) -> pd.Series:
    """The values with everything beyond the IQR fences set to the fence (winsorising); NaN stays NaN."""
    low, high = iqr_fences(values, k)
    return _numeric(values).clip(low, high)


# ------------------------------------------------------------------------------------- the table
def _notes(values: pd.Series, hit: pd.Series, groups: pd.Series | None, k: float, column: str) -> pd.Series:
    """Per flagged value: "salary 153,600 (> fence 121,000, robust z +4.5)"; "" elsewhere."""
    def fences(part: pd.Series) -> pd.DataFrame:
        low, high = iqr_fences(part, k)
        return pd.DataFrame({"low": low, "high": high}, index=part.index)

    if groups is None:
        bounds = fences(values)
    else:
        bounds = pd.concat([fences(part) for _, part in values.groupby(groups, sort=False, dropna=True)])
        bounds = bounds.reindex(values.index)
    z = robust_z(values, by=groups)
    out = pd.Series("", index=values.index, dtype="str")
    for row in hit.index[hit]:
        value, low, high = values[row], bounds.at[row, "low"], bounds.at[row, "high"]
        side = f"> fence {high:,.0f}" if value > high else f"< fence {low:,.0f}" if value < low else "inside the fences"
        out[row] = f"{column} {value:,.6g} ({side}, robust z {z[row]:+.1f})"
    return out


def flag_table(frame: pd.DataFrame, columns: Sequence[str], rules: Sequence[Rule] = (), *,
               methods: Sequence[str] = METHODS, by: str | None = None, show: Sequence[str] = (), k: float = 1.5, threshold: float = 3.5,
               share: float = 0.02, seed: int = 42) -> pd.DataFrame:
    """Every row that breaks a rule or that a detector flags, with what flagged it.

    The rules run first; their impossible cells are hidden (made missing) before ``methods`` look at
    ``columns``, so an impossible value neither counts as an outlier nor moves the fences. ``by``
    (a column name) judges the univariate detectors within each group (e.g. salaries per country).

    Returns one row per flagged row (``frame``'s index), sorted most flagged first, with columns:
    ``show``'s columns (e.g. an id), ``by``, ``columns``' values; ``kind`` ("impossible" when a rule is broken, else "outlier");
    ``impossible`` (the broken rules' ``why``, "; "-joined, "" if none); one boolean per method
    (iqr / robust_z on any of ``columns``; isolation on all of them); ``n_methods``; and
    ``detail``: per flagged column its value, fence and robust z, and the isolation score. The learner
    adds the decision (one of :data:`DECISIONS`).
    """
    columns = list(columns)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown or not methods:
        raise ValueError(f"methods {unknown or list(methods)} unknown or empty: choose from {list(METHODS)}.")
    if not columns:
        raise ValueError("flag_table needs the numeric columns to judge, e.g. ['age', 'salary'].")
    show = [c for c in show if c not in columns and c != by]
    _need_columns(frame, columns + ([by] if by else []) + show, "flag_table")
    hidden = without_impossible(frame, rules)
    possible = pd.DataFrame({c: _numeric(hidden[c], f"column {c!r}") for c in columns}, index=frame.index)
    flags, details = _detect(possible, list(methods), frame[by] if by else None, k=k, threshold=threshold,
                             share=share, seed=seed)
    impossible = _broken_rules(frame, rules)
    n_methods = flags.sum(axis=1).astype("int64")
    flagged = (impossible != "") | (n_methods > 0)
    table = frame.loc[flagged, show + ([by] if by else []) + columns].copy()
    table.insert(0, "kind", pd.Series(np.where(impossible[flagged] != "", "impossible", "outlier"), index=table.index, dtype="str"))
    table["impossible"] = impossible[flagged]
    for method in methods:
        table[method] = flags.loc[flagged, method]
    table["n_methods"] = n_methods[flagged]
    table["detail"] = details[flagged]
    # Impossible rows first (fix them before judging anything), then the most flagged.
    order = table.assign(_rank=(table["kind"] == "impossible").astype(int)).sort_values(["_rank", "n_methods"], ascending=False, kind="stable")
    return order.drop(columns="_rank")


def _detect(possible: pd.DataFrame, methods: list[str], groups: pd.Series | None, *, k: float, threshold: float,
            share: float, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Each method's flags (a boolean column per method, any column counts) and a note per flagged row."""
    flags = pd.DataFrame(False, index=possible.index, columns=methods)
    notes = pd.DataFrame(index=possible.index)
    for column in possible.columns:
        values = possible[column]
        hit = pd.Series(False, index=possible.index)
        if "iqr" in methods:
            flags["iqr"] |= (found := iqr_outliers(values, k, by=groups))
            hit |= found
        if "robust_z" in methods:
            flags["robust_z"] |= (found := robust_z_outliers(values, threshold, by=groups))
            hit |= found
        notes[column] = _notes(values, hit, groups, k, column)
    if "isolation" in methods:
        scores = isolation_scores(possible, list(possible.columns), seed=seed)
        flags["isolation"] = _top_share(scores, share)
        notes["isolation"] = scores.map("isolation score {:.2f}".format).where(flags["isolation"], "")
    details = notes.apply(lambda row: "; ".join(text for text in row if text), axis=1).astype("str")
    return flags, details


def _broken_rules(frame: pd.DataFrame, rules: Sequence[Rule]) -> pd.Series:
    """Per row, the ``why`` of every rule it breaks, "; "-joined ("" for a possible row)."""
    broken = impossible_values(frame, rules)
    why = {rule.name: rule.why for rule in rules}
    if broken.columns.empty:
        return pd.Series("", index=frame.index, dtype="str")
    return broken.apply(lambda row: "; ".join(why[name] for name in broken.columns if row[name]), axis=1).astype("str")


def apply_decisions(frame: pd.DataFrame, decisions: Mapping[Any, str], columns: Sequence[str], rules: Sequence[Rule] = (),
                    *, by: str | None = None, k: float = 1.5):
    """Carry out a decision per flagged row; return ``(new frame, helpers.cleaning.CleaningReport)``.

    ``decisions`` maps a row label of ``frame`` to one of :data:`DECISIONS`:

    - ``"keep"``: the row as it is (a rare but real value is information);
    - ``"cap"``: each of ``columns`` clipped to its IQR fences (of the possible values, per group with
      ``by``; a row whose group is unknown is left as it is), the row kept;
    - ``"drop"``: the row removed (kept in ``report.dropped`` with the reason);
    - ``"investigate"``: the row kept, marked True in a new ``to_investigate`` column.

    A row that breaks one of ``rules`` may only be dropped or investigated: keeping it keeps an
    error, and capping it replaces an error by a made-up value. The input is never modified.
    """
    from helpers.cleaning import CleaningReport

    columns = list(columns)
    _need_columns(frame, columns + ([by] if by else []), "apply_decisions")
    unknown = {row: d for row, d in decisions.items() if d not in DECISIONS}
    if unknown:
        raise ValueError(f"decisions {unknown} are not one of {', '.join(DECISIONS)}.")
    absent = [row for row in decisions if row not in frame.index]
    if absent:
        raise KeyError(f"rows {absent[:5]} are not in the table: use the row labels of flag_table's index.")
    broken = impossible_values(frame, rules)
    wrong = [row for row, d in decisions.items() if d in ("keep", "cap") and broken.loc[row].any()]
    if wrong:
        raise ValueError(
            f"rows {wrong[:5]} hold impossible values: 'keep' keeps the error and 'cap' replaces it by a made-up value; "
            "decide 'drop' (or 'investigate', to ask where the value came from)."
        )
    chosen = pd.Series(decisions, dtype="str").reindex(frame.index)
    report = CleaningReport(rows_in=len(frame))
    out = frame.copy()
    capped = chosen == "cap"
    if capped.any():
        possible = without_impossible(frame, rules)
        groups = frame[by] if by else pd.Series("all", index=frame.index)
        for column in columns:
            values = _numeric(possible[column], f"column {column!r}")
            for _, part in values.groupby(groups, sort=False, dropna=True):
                low, high = iqr_fences(part, k)
                rows = part.index[capped[part.index]]
                before = out.loc[rows, column]
                out.loc[rows, column] = before.clip(low, high)
                changed = int((before != out.loc[rows, column]).sum())
                report.add("outliers", column, "fix", changed, f"capped to the IQR fences [{low:,.4g}, {high:,.4g}]")
    investigate = chosen == "investigate"
    if investigate.any():
        out["to_investigate"] = investigate
        report.add("outliers", ", ".join(columns), "flag", int(investigate.sum()), "to investigate: marked in `to_investigate`")
    out = report.drop(out, chosen == "drop", "outliers", ", ".join(columns), "dropped after review")
    report.rows_out = len(out)
    return out, report


# ----------------------------------------------------------------------------- the course table
#: The messy customer table's export date: a birth after it is impossible.
CUSTOMERS_AS_OF = "2024-01-01"

CUSTOMER_RULES: tuple[Rule, ...] = (
    Rule("not_a_date", "dob", lambda f: f["dob_typed"].notna() & f["dob"].isna() & f["age"].isna(),
         "birth date is not a calendar date (e.g. 30 February)"),
    Rule("born_after_export", "age", lambda f: f["age"] < 0,
         f"born after the table was exported ({CUSTOMERS_AS_OF}): a negative age"),
    Rule("older_than_anyone", "age", lambda f: f["age"] > OLDEST_AGE,
         f"older than the oldest person ever recorded ({OLDEST_AGE} years)"),
    Rule("salary_not_positive", "salary", lambda f: f["salary"] <= 0, "a salary of zero or less"),
)


def customer_measurements(raw: pd.DataFrame, *, as_of: str = CUSTOMERS_AS_OF) -> pd.DataFrame:
    """The messy customers with numbers to judge, impossible values still in (unlike ``clean_customers``).

    Returns, one row per raw row (index kept): ``customer_id``, ``country`` (canonical name or
    missing), ``dob_typed`` (the text as typed), ``dob`` (datetime64, NaT where it is not a date;
    dates in the future or before 1900 are KEPT), ``age`` (whole years at ``as_of``: negative for a
    birth after it; from an age typed in place of the date when there is one) and ``salary``
    (US dollars a year, float; missing where none was typed).
    """
    from helpers import cleaning

    _need_columns(raw, ["customer_id", "country", "dob", "salary"], "customer_measurements")
    frame = cleaning.standardise_missing(cleaning.strip_whitespace(raw[["customer_id", "country", "dob", "salary"]]))
    frame = cleaning.normalise_values(frame, "country", cleaning.COUNTRY_ALIASES, guesses=cleaning.CITIES)
    # parse_dates makes future and pre-1900 dates missing; here they must stay visible, so its window
    # is opened wide and the rules above judge them instead.
    parsed = cleaning.parse_dates(frame, "dob", dayfirst=cleaning.customers_dayfirst(frame["country"]),
                                  reference="2200-01-01", earliest="1000-01-01")
    years = np.floor((pd.Timestamp(as_of) - parsed["dob"]).dt.days / 365.2425)
    salary = pd.to_numeric(frame["salary"].str.replace(",", "", regex=False), errors="coerce")
    return pd.DataFrame({
        "customer_id": frame["customer_id"],
        "country": frame["country"],
        "dob_typed": frame["dob"],
        "dob": parsed["dob"],
        "age": years.astype("float64").fillna(parsed["age_typed"].astype("float64")),
        "salary": salary.astype("float64"),
    }, index=raw.index)
