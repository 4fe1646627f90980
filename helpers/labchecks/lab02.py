"""Checks for 02_data_cleaning."""

from __future__ import annotations

import pandas as pd

from helpers.checks import LabChecks, check_callable, check_columns, check_equal, check_type, fail

check = LabChecks("02_data_cleaning")


def _raw_customers() -> pd.DataFrame:
    from helpers import data

    return data.load("messy_customers")


@check.exercise(
    title="country spellings with SQL",
    hint="GROUP BY the column for one row per value, count(*) AS n for its rows, ORDER BY n largest first",
    wrong=lambda: [
        (pd.DataFrame({"country": ["USA"], "n": [1070]}),),
        (pd.DataFrame({"spelling": ["USA"], "count": [232]}),),
        (pd.DataFrame({"country": ["USA", "UK"], "n": [232, 184]}),),  # a LIMIT drops the rare spellings
        ("SELECT country, count(*) FROM raw.customers",),
    ],
)
def country_spellings(frame):
    check_columns("spellings", frame, ["country", "n"], "name the columns with AS: country, count(*) AS n")
    expected = _raw_customers()["country"].value_counts(dropna=False)
    got = {(None if pd.isna(k) else k): int(v) for k, v in zip(frame["country"], frame["n"])}
    want = {(None if pd.isna(k) else k): int(v) for k, v in expected.items()}
    if len(got) != len(want):
        if None not in got and len(got) == len(want) - 1:
            fail(f"`spellings` has no row for the missing country (NULL): GROUP BY keeps it as a group, but "
                 "pandas' value_counts() and groupby() drop it unless you pass dropna=False.")
        fail(f"`spellings` has {len(got)} rows, but raw.customers has {len(want)} distinct country values "
             "(a LIMIT or head() drops the rare spellings, which are the point of the exercise).")
    wrong = [k for k in want if got.get(k) != want[k]]
    if wrong:
        fail(f"the count for {wrong[0]!r} is {got.get(wrong[0])}, but raw.customers has {want[wrong[0]]}.")
    counts = list(frame["n"])
    if counts != sorted(counts, reverse=True):
        fail("the rows are not sorted by n, largest first.", "ORDER BY n DESC")


_NAME_CASES = [
    ("Richard Roe", ("Richard", "Roe")),
    ("Desai, Arnav", ("Arnav", "Desai")),
    ("Mrs. Mary Major", ("Mary", "Major")),
    ("RICHARD ROE", ("Richard", "Roe")),
    ("  jonas   meyer ", ("Jonas", "Meyer")),
    ("Dr. Jonas Schmidt", ("Jonas", "Schmidt")),
]


_NAME_FORMS = {
    "Richard Roe": "the first word is the first name, the last word the last name",
    "Desai, Arnav": "a comma means 'Last, First'",
    "Mrs. Mary Major": "a first word ending in '.' is a title: drop it",
    "RICHARD ROE": "names come back in Title Case: .title()",
    "  jonas   meyer ": "squeeze the spaces first (' '.join(text.split())) and use Title Case",
    "Dr. Jonas Schmidt": "a first word ending in '.' is a title: drop it",
}


def _naive_split(text):
    first, _, last = text.partition(" ")
    return first, last


@check.exercise(
    title="splitting names",
    hint="normalise spaces and case first; a comma means 'Last, First'; drop a leading title such as 'Mrs.'",
    wrong=lambda: [
        (_naive_split,),
        (lambda text: tuple(reversed(text.split(", "))) if "," in text else tuple(text.split(" ", 1)),),
        (lambda text: None,),
    ],
)
def split_name(fn):
    check_callable("split_name", fn)
    for text, expected in _NAME_CASES:
        got = fn(text)
        if got is None:
            fail(f"split_name({text!r}) returned None: did the function forget to `return` (first, last)?")
        if isinstance(got, str) or not hasattr(got, "__len__") or len(got) != 2:
            fail(f"split_name({text!r}) returned {got!r}: return a pair (first, last).")
        got = tuple(got)
        if got != expected:
            fail(f"split_name({text!r}) is {got!r}, but {expected!r} is expected: {_NAME_FORMS[text]}.")


@check.exercise(
    title="sex codes",
    hint="one lower-case key per spelling the table shows, each to 'F' or 'M'; leave '?' and 'n/a' out so they "
    "stay missing",
    wrong=lambda: [
        ({"m": "M", "f": "F"},),  # misses 'male' and 'female'
        ({"m": "M", "male": "M", "f": "F", "female": "F", "?": "F"},),  # guesses the unknowns
        ({"m": "F", "male": "F", "f": "M", "female": "M"},),
        ([("m", "M")],),
    ],
)
def sex_codes(mapping):
    from helpers.cleaning import MISSING_MARKERS, SEX_ALIASES

    check_type("sex_codes", mapping, dict, "a dict from lower-case spelling to 'F' or 'M'")
    spellings = sorted({s.strip().lower() for s in _raw_customers()["sex"].dropna()})
    # normalise_values ignores case and spaces in the keys, so the check does too.
    mapping = {str(k).strip().lower(): v for k, v in mapping.items()}
    for spelling in spellings:
        if spelling in MISSING_MARKERS:
            if spelling in mapping:
                fail(f"`sex_codes` maps the missing marker {spelling!r}: leave it out, so it becomes missing "
                     "instead of a guess.")
            continue
        if spelling not in mapping:
            fail(f"`sex_codes` has no entry for the spelling {spelling!r} (the raw table has {spellings}).")
        if mapping[spelling] != SEX_ALIASES[spelling]:
            fail(f"`sex_codes[{spelling!r}]` is {mapping[spelling]!r}, which is not the right code.")


@check.exercise(
    title="dayfirst per row",
    hint="True everywhere except where the country is 'United States' or 'Canada'; unknown country -> True",
    wrong=lambda: [
        (pd.Series(True, index=range(3)), pd.Series(["United States", "India", None])),
        (pd.Series([True, True, False]), pd.Series(["United States", "India", None])),  # unknown -> month first
        ([False, True, True], pd.Series(["United States", "India", None])),
    ],
)
def dayfirst(decision, countries):
    from helpers.cleaning import customers_dayfirst

    check_type("dayfirst", decision, pd.Series, "build it from the country column, ~step['country'].isin([...]), "
               "so that it is a Series with one value per row of step")
    if len(decision) != len(countries):
        fail(f"`dayfirst` has {len(decision)} rows, but the table has {len(countries)}: one decision per row.")
    if decision.isna().any():
        fail("`dayfirst` has missing values: give rows with an unknown country the majority's habit (True).")
    if not decision.index.equals(countries.index):
        fail("`dayfirst` has another index than `step` (e.g. a new Series numbered from 0): the next cell matches "
             "the decisions to the rows by index. Build it from step['country'] itself.")
    if not pd.api.types.is_bool_dtype(decision):
        fail(f"`dayfirst` holds {decision.dtype} values, but parse_dates needs True/False: use a comparison or "
             ".isin(...), or convert with .astype(bool).")
    expected = customers_dayfirst(countries.reset_index(drop=True))
    got = decision.reset_index(drop=True).astype(bool)
    wrong = got != expected
    if wrong.any():
        row = int(wrong.idxmax())
        fail(f"`dayfirst` is {bool(got[row])} for a row whose country is {countries.iloc[row]!r}.")


#: The situations of exercise 5 (the dict below holds the course's answers).
DECISIONS = {
    "salary is missing": "drop",
    "country typed as 'U.S.'": "fix",
    "sex is missing but the name starts with 'Mrs.'": "impute",
    "dob is '31/04/1971' (31 April does not exist)": "flag",
    "the same row appears twice, identical": "drop",
    "dob is '47', an age typed where a date belongs": "flag",
    "dob '04/03/1970' for a customer in the UK": "fix",
}
SITUATIONS = list(DECISIONS)
ACTIONS = ("fix", "impute", "flag", "drop")
# A UK date is read day first (fixed by the country), and clean_customers also marks it in
# dob_ambiguous: both readings of the situation are right.
_ALSO_RIGHT = {"dob '04/03/1970' for a customer in the UK": {"flag"}}
# Why the course's answer is right, shown when a learner chooses another.
_WHY = {
    "salary is missing": "salary is the target the model learns to predict: an imputed salary would teach it "
                         "made-up answers, so the row cannot be learned from",
    "country typed as 'U.S.'": "'U.S.' has one right reading, United States",
    "sex is missing but the name starts with 'Mrs.'": "the title is evidence: fill it in, and mark it as imputed",
    "dob is '31/04/1971' (31 April does not exist)": "no date is the right reading: set it missing, keep the "
                                                      "customer and report it",
    "the same row appears twice, identical": "a copy adds nothing and counts one customer twice",
    "dob is '47', an age typed where a date belongs": "the age is real information and the customer is real: keep "
                                                       "them, with the date missing and the row reported",
    "dob '04/03/1970' for a customer in the UK": "the UK writes day first: read it as 4 March (and it may be marked "
                                                 "as ambiguous)",
}


@check.exercise(
    title="fix, impute, flag or drop",
    hint="drop only what you cannot learn from; fix what has one right reading; impute from evidence; "
    "flag what stays uncertain",
    wrong=lambda: [
        ({k: "drop" for k in DECISIONS},),
        ({**DECISIONS, "salary is missing": "impute"},),
        ({**DECISIONS, "dob is '47', an age typed where a date belongs": "drop"},),
        ({k: v for k, v in list(DECISIONS.items())[1:]},),
        (list(DECISIONS.values()),),
    ],
)
def decisions(answers):
    if isinstance(answers, (list, tuple)):
        fail(f"`decisions` is a {type(answers).__name__}: make it a dict whose keys are the situations printed above, "
             "e.g. dict(zip(SITUATIONS, [...your actions in the same order...])).")
    check_type("decisions", answers, dict, "a dict {situation: 'fix' | 'impute' | 'flag' | 'drop'}")
    given = {" ".join(str(k).split()): v for k, v in answers.items()}
    missing = [k for k in DECISIONS if k not in given]
    if missing:
        fail(f"`decisions` has no entry for {missing[0]!r}: the keys are the situations printed above, copied "
             "exactly (or use dict(zip(SITUATIONS, actions))).")
    actions = {k: str(v).strip().lower() for k, v in given.items()}
    bad = [v for k, v in actions.items() if k in DECISIONS and v not in ACTIONS]
    if bad:
        fail(f"{bad[0]!r} is not an action: use 'fix', 'impute', 'flag' or 'drop'.")
    wrong = [k for k, v in DECISIONS.items() if actions[k] != v and actions[k] not in _ALSO_RIGHT.get(k, set())]
    if wrong:
        first = wrong[0]
        fail(f"{len(wrong)} decision(s) to rethink, e.g. {first!r}: not {actions[first]!r}, because {_WHY[first]}.")


@check.exercise(
    title="clean penguins",
    hint="rename with a dict, species.str.split().str[0], map sex with {'MALE': 'M', 'FEMALE': 'F'}, "
    "dropna(subset=[...measurements...], how='all')",
    wrong=lambda: [
        (pd.DataFrame({"species": ["Adelie"]}),),
        (_raw_penguins_renamed(),),  # renamed, but nothing else
        (_raw_penguins_renamed().dropna(subset=["body_mass_g"]).assign(sex=lambda f: f["sex"].fillna("M")),),
    ],
)
def penguins(frame):
    from helpers.cleaning import PENGUIN_MEASUREMENTS, clean_penguins
    from helpers import data

    columns = ["species", "sex", *PENGUIN_MEASUREMENTS]
    check_columns("penguins", frame, columns, "rename 'Culmen Length (mm)' to 'bill_length_mm' and so on")
    expected, _ = clean_penguins(data.load("penguins_raw"))
    if len(frame) < len(expected):
        fail(f"`penguins` has {len(frame)} rows, but {len(expected)} birds were measured: a bird with some "
             "measurements is kept; drop only those with none, dropna(subset=measurements, how='all').")
    if len(frame) > len(expected):
        fail(f"`penguins` has {len(frame)} rows, but only {len(expected)} birds were measured: drop the birds with "
             "none of the four measurements, dropna(subset=measurements, how='all').")
    species = sorted(frame["species"].dropna().unique())
    if species != sorted(expected["species"].unique()):
        fail(f"the species are {species}; expected the common names {sorted(expected['species'].unique())}: "
             "keep the first word, .str.split(' ').str[0].")
    sexes = set(frame["sex"].dropna().unique())
    if sexes != {"F", "M"}:
        fail(f"`sex` holds {sorted(map(str, sexes))}; use 'F' and 'M' (map {{'FEMALE': 'F', 'MALE': 'M'}}), and keep "
             "unknown sex missing.")
    if int(frame["sex"].isna().sum()) != int(expected["sex"].isna().sum()):
        fail(f"`sex` has {int(frame['sex'].isna().sum())} missing values, but {int(expected['sex'].isna().sum())} "
             "birds have no recorded sex: keep them missing, do not guess.")
    for column in PENGUIN_MEASUREMENTS:
        if not frame[column].reset_index(drop=True).astype(float).equals(expected[column].astype(float)):
            fail(f"the values of `{column}` differ from the raw measurements: keep them as measured.")


def _raw_penguins_renamed() -> pd.DataFrame:
    from helpers import data
    from helpers.cleaning import PENGUIN_COLUMNS

    return data.load("penguins_raw").rename(columns=PENGUIN_COLUMNS)
