"""Personal data in the messy customer table: classify the columns, keep only what the purpose needs,
replace identities by keyed pseudonyms, coarsen birth dates into age bands, and count k-anonymity.

* :func:`classify`: each column is a **direct identifier** (names a person: name, customer id), a
  **quasi-identifier** (harmless alone, identifying in combination: birth date, country, sex), a
  **sensitive** value (salary, health) or **ordinary**. :data:`MUST_NOT_BE_FEATURES` says what a model
  may not learn from, and why (identifiers; sex, a protected characteristic: the table's salaries hold a
  deliberate 8% gender gap that a model would learn and repeat).
* :func:`minimise`: drop every column the purpose does not need; a direct identifier is refused
  (keep its pseudonym instead).
* :func:`pseudonymise`: HMAC-SHA256 with a secret key the caller passes: the same value and key give
  the same pseudonym on every run and machine (records can still be joined), another key gives
  another one, and without the key nobody can recompute or reverse it. A plain hash would not do: anyone
  can hash every customer id and match. Pseudonymised data is still personal data (the key holder can
  re-identify), so the key is kept apart from the data.
* :func:`age_bands`: whole years into bands ("30-39", "70+"): a coarser quasi-identifier.
* :func:`k_anonymity`: the size of the smallest group of rows sharing the same quasi-identifiers; k = 1
  means somebody is unique, hence re-identifiable by anyone who knows those facts about them.

    from helpers import data
    from helpers.framing import privacy
    raw = data.load("messy_customers")
    privacy.classify(raw)                                     # column, kind, why
    table, report = privacy.protect_customers(raw, key=my_key) # my_key = secrets.token_hex(16), kept elsewhere
    print(report)
    privacy.k_anonymity(table, ["country", "age_band"]).summary()
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["KINDS", "COLUMN_KINDS", "MUST_NOT_BE_FEATURES", "NEEDED_FOR_SALARY_MODEL", "classify", "minimise",
           "pseudonymise", "age_bands", "KAnonymity", "k_anonymity", "PrivacyReport", "protect_customers"]

#: The kinds of column, most identifying first.
KINDS = ("direct identifier", "quasi-identifier", "sensitive", "ordinary")

#: The columns of the messy customer table (raw and as helpers.cleaning.clean_customers leaves it), and
#: common columns of other personal tables: column -> (kind, why).
COLUMN_KINDS: dict[str, tuple[str, str]] = {
    "customer_id": ("direct identifier", "points at one customer record, hence one person"),
    "customer_key": ("direct identifier", "a pseudonym: one person, re-identifiable by whoever holds the key"),
    "name": ("direct identifier", "names the person"),
    "first_name": ("direct identifier", "part of the name"),
    "last_name": ("direct identifier", "part of the name"),
    "email": ("direct identifier", "reaches the person"),
    "phone": ("direct identifier", "reaches the person"),
    "address": ("direct identifier", "locates the person"),
    "dob": ("quasi-identifier", "a birth date plus sex and a postcode identifies most people"),
    "age": ("quasi-identifier", "narrows the person down, with other facts"),
    "age_typed": ("quasi-identifier", "an age typed in place of the birth date"),
    "age_band": ("quasi-identifier", "a coarse age: identifies only in small groups"),
    "country": ("quasi-identifier", "narrows the person down, with other facts"),
    "postcode": ("quasi-identifier", "a few streets: strongly narrows the person down"),
    "sex": ("quasi-identifier", "narrows the person down; also a protected characteristic"),
    "title": ("quasi-identifier", "Mr / Mrs / Ms reveals sex and sometimes marital status"),
    "salary": ("sensitive", "income: harmful if disclosed"),
    "sex_imputed": ("ordinary", "a cleaning flag"),
    "dob_ambiguous": ("ordinary", "a cleaning flag"),
}

#: What a model may not learn from, and why (classify adds every direct identifier of a table).
MUST_NOT_BE_FEATURES: dict[str, str] = {
    "customer_id": "an identifier carries no signal, only the person; a model could memorise individuals",
    "customer_key": "a pseudonym is still an identifier: use it to join tables, never as an input",
    "name": "an identifier; it can also proxy origin and sex",
    "first_name": "an identifier; it proxies sex and origin",
    "last_name": "an identifier; it proxies origin",
    "title": "it reveals sex",
    "sex": "a protected characteristic: the salaries hold an 8% gender gap a model would learn and repeat; "
           "keep it aside to audit the model for bias, not as an input",
}

#: What a salary model needs (the course's purpose for this table): the pseudonym to join on, two
#: inputs and the target.
NEEDED_FOR_SALARY_MODEL = ("customer_key", "country", "age_band", "salary")


def classify(frame: pd.DataFrame, extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per column of ``frame``: ``kind`` (one of :data:`KINDS`), ``why``, and ``feature``
    (False when the column must not be a model input). Indexed by column name, in the frame's order.

    ``extra``: kinds of columns :data:`COLUMN_KINDS` does not know, e.g. ``{"loyalty_points": "ordinary"}``.
    An unknown column without one is an error: a guess here could leak a person.
    """
    extra = dict(extra or {})
    bad = {c: k for c, k in extra.items() if k not in KINDS}
    if bad:
        raise ValueError(f"extra kinds {bad} are not kinds: use one of {list(KINDS)}.")
    unknown = [c for c in frame.columns if c not in COLUMN_KINDS and c not in extra]
    if unknown:
        raise ValueError(f"no kind known for column(s) {unknown}: say what each is, e.g. "
                         f"classify(frame, extra={{{unknown[0]!r}: 'ordinary'}}) with one of {list(KINDS)}.")
    rows = []
    for column in frame.columns:
        kind, why = (extra[column], "given by the caller") if column in extra else COLUMN_KINDS[column]
        feature = kind != "direct identifier" and column not in MUST_NOT_BE_FEATURES
        rows.append({"column": column, "kind": kind, "why": why, "feature": feature})
    return pd.DataFrame(rows).set_index("column")


def minimise(frame: pd.DataFrame, needed: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """(the frame with only the ``needed`` columns, in that order; the dropped column names).

    A needed column missing from the frame, or a direct identifier other than a pseudonym
    (``customer_key``), is a ValueError saying what to do instead.
    """
    needed = list(needed)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"column(s) {missing} are not in the table (it has {list(frame.columns)}): "
                         "derive them first (age_bands, pseudonymise) or correct the names.")
    identifiers = [c for c in needed if COLUMN_KINDS.get(c, ("",))[0] == "direct identifier" and c != "customer_key"]
    if identifiers:
        raise ValueError(f"{identifiers} identify people directly: keep a pseudonym instead "
                         "(frame['customer_key'] = pseudonymise(frame['customer_id'], key)).")
    dropped = [c for c in frame.columns if c not in needed]
    return frame[needed].copy(), dropped


def _key_bytes(key: str | bytes) -> bytes:
    if not isinstance(key, (str, bytes)):
        raise TypeError(f"the key is a {type(key).__name__}: pass a secret string or bytes, e.g. secrets.token_hex(16).")
    raw = key.encode("utf-8") if isinstance(key, str) else key
    if len(raw) < 16:
        raise ValueError(f"the key has {len(raw)} bytes: a short key can be guessed and every pseudonym recomputed; "
                         "use at least 16, e.g. secrets.token_hex(16), and keep it apart from the data.")
    return raw


def pseudonymise(values: pd.Series | Iterable, key: str | bytes, *, length: int = 16) -> pd.Series:
    """A keyed pseudonym per value: ``"p"`` + the first ``length`` hex digits of HMAC-SHA256(key, value).

    ``values``: identifiers (n,), e.g. ``frame["customer_id"]``; values are compared as trimmed text, so
    ``" C00001"`` and ``"C00001"`` get the same pseudonym. Missing values stay missing. Returns a str
    Series with the input's index. 16 hex digits (64 bits) make a collision between two of a million
    customers about one chance in 36 million.
    """
    secret = _key_bytes(key)
    if not 8 <= length <= 64:
        raise ValueError(f"length={length}: use 8 to 64 hex digits (16 is plenty for millions of people).")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))

    def one(value) -> str | float:
        if pd.isna(value):
            return np.nan
        digest = hmac.new(secret, str(value).strip().encode("utf-8"), hashlib.sha256).hexdigest()
        return "p" + digest[:length]

    return series.map(one).astype("str").where(series.notna())


def age_bands(ages: pd.Series | Iterable, *, width: int = 10, top: int = 70) -> pd.Series:
    """Whole years (n,) into bands of ``width`` years: "20-29", ..., and "70+" from ``top`` on.

    Missing ages stay missing; a negative age is a ValueError (fix impossible birth dates first, e.g.
    with helpers.cleaning.clean_customers). Returns a str Series with the input's index.
    """
    series = ages if isinstance(ages, pd.Series) else pd.Series(list(ages))
    years = pd.to_numeric(series, errors="coerce").astype("float64")
    if (years < 0).any():
        raise ValueError(f"{int((years < 0).sum())} negative age(s): fix impossible birth dates first "
                         "(helpers.cleaning.clean_customers makes them missing).")
    if width < 1 or top % width:
        raise ValueError(f"width={width}, top={top}: the top band must start on a band edge (a multiple of width).")
    low = (np.floor(years / width) * width)

    def band(start: float) -> str | float:
        if np.isnan(start):
            return np.nan
        return f"{top}+" if start >= top else f"{int(start)}-{int(start) + width - 1}"

    return low.map(band).astype("str").where(years.notna())


@dataclass(frozen=True)
class KAnonymity:
    """``k``: the smallest group of rows sharing the same quasi-identifier values; ``groups``: every
    group's size (a Series indexed by the values); ``quasi_identifiers``: the columns grouped on."""

    k: int
    groups: pd.Series
    quasi_identifiers: tuple[str, ...]

    def rows_below(self, k: int) -> int:
        """How many rows sit in groups smaller than ``k`` (they would need coarsening or suppression)."""
        return int(self.groups[self.groups < k].sum())

    def summary(self, target: int = 5) -> str:
        unique = int((self.groups == 1).sum())
        return (f"k-anonymity on {', '.join(self.quasi_identifiers)}: k = {self.k}; {len(self.groups)} groups, "
                f"{unique} rows unique (k = 1), {self.rows_below(target)} rows in groups smaller than {target}")


def k_anonymity(frame: pd.DataFrame, quasi_identifiers: Iterable[str]) -> KAnonymity:
    """Group ``frame`` on the ``quasi_identifiers`` (a missing value is a value of its own) and measure k."""
    columns = list(quasi_identifiers)
    missing = [c for c in columns if c not in frame.columns]
    if not columns or missing:
        raise ValueError(f"quasi-identifier column(s) {missing or '(none given)'} not in the table; "
                         f"it has {list(frame.columns)}.")
    sizes = frame.groupby(columns, dropna=False, observed=True).size().sort_values(kind="stable")
    return KAnonymity(int(sizes.min()) if len(sizes) else 0, sizes, tuple(columns))


@dataclass
class PrivacyReport:
    """What :func:`protect_customers` did: columns dropped (with their kinds), pseudonymised, derived;
    k-anonymity before (exact birth date) and after (age band)."""

    dropped: dict[str, str] = field(default_factory=dict)
    pseudonymised: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    k_before: KAnonymity | None = None
    k_after: KAnonymity | None = None

    def __str__(self) -> str:
        lines = ["privacy report"]
        lines += [f"  pseudonymised {src} -> {dst} (HMAC-SHA256, keyed)" for src, dst in self.pseudonymised.items()]
        lines += [f"  derived {dst} from {src}" for dst, src in self.derived.items()]
        lines += [f"  dropped {col} ({kind})" for col, kind in self.dropped.items()]
        if self.k_before is not None and self.k_after is not None:
            lines += [f"  before: {self.k_before.summary()}", f"  after:  {self.k_after.summary()}"]
        return "\n".join(lines)


def protect_customers(raw: pd.DataFrame, key: str | bytes, *, needed: Iterable[str] = NEEDED_FOR_SALARY_MODEL
                      ) -> tuple[pd.DataFrame, PrivacyReport]:
    """The messy customer table, cleaned, pseudonymised, banded and minimised for a purpose.

    Steps: ``helpers.cleaning.clean_customers`` (duplicates, formats, ages); ``customer_key`` =
    pseudonymise(customer_id, key); ``age_band`` from ``age``; then only the ``needed`` columns are kept
    (default :data:`NEEDED_FOR_SALARY_MODEL`). Returns (table, report); one row per cleaned customer.
    """
    from helpers import cleaning

    clean, _ = cleaning.clean_customers(raw)
    report = PrivacyReport()
    clean["customer_key"] = pseudonymise(clean["customer_id"], key)
    report.pseudonymised["customer_id"] = "customer_key"
    clean["age_band"] = age_bands(clean["age"])
    report.derived["age_band"] = "age"
    report.k_before = k_anonymity(clean, ["country", "sex", "dob"])
    table, dropped = minimise(clean, needed)
    kinds = classify(clean)["kind"]
    report.dropped = {column: kinds[column] for column in dropped}
    report.k_after = k_anonymity(table, [c for c in table.columns if kinds.get(c) == "quasi-identifier"])
    return table, report
