"""Checks for 02_data_cleaning."""

from __future__ import annotations

import functools

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


# --- exercise 6: the numbers behind a box plot ---------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _salaries_and_countries() -> tuple[pd.Series, pd.Series]:
    """The possible salaries and their countries, rows shuffled (seeded): what exercise 6's check feeds."""
    from helpers.data_quality import outliers

    people = outliers.customer_measurements(_raw_customers())
    possible = outliers.without_impossible(people, outliers.CUSTOMER_RULES).sample(frac=1.0, random_state=2)
    return possible["salary"], possible["country"]


def _per_group_fences(values: pd.Series, groups: pd.Series) -> pd.Series:
    from helpers.data_quality import outliers

    return values.groupby(groups).apply(lambda part: outliers.iqr_fences(part)[1])


def _q3_plus_iqr(values: pd.Series, groups: pd.Series) -> pd.Series:
    """A typical mistake: the factor 1.5 forgotten."""
    quartiles = values.groupby(groups).quantile([0.25, 0.75]).unstack()
    return quartiles[0.75] + (quartiles[0.75] - quartiles[0.25])


@check.exercise(
    title="the numbers behind a box plot",
    hint="each country's own quartiles: its upper fence is Q3 + 1.5 x (Q3 - Q1)",
    wrong=lambda: [
        (lambda values, groups: pd.Series(values.quantile(0.75) + 1.5 * (values.quantile(0.75) - values.quantile(0.25)),
                                          index=sorted(groups.dropna().unique())),),
        (_q3_plus_iqr,),
        (lambda values, groups: values.groupby(groups).mean() + 3 * values.groupby(groups).std(),),
        (lambda values, groups: None,),
    ],
)
def upper_fences(fn):
    check_callable("upper_fences", fn)
    values, groups = _salaries_and_countries()
    got = fn(values.copy(), groups.copy())
    if got is None:
        fail("upper_fences returned None: did the function forget to `return` the fences?")
    if isinstance(got, dict):
        got = pd.Series(got)
    if not isinstance(got, pd.Series):
        fail(f"upper_fences returned a {type(got).__name__}: return a pandas Series with one fence per country, "
             "indexed by the country (groupby gives that index).")
    expected = _per_group_fences(values, groups)
    if sorted(map(str, got.index)) != sorted(map(str, expected.index)):
        fail(f"the fences are indexed by {sorted(map(str, got.index))}; expected one per country, "
             f"{sorted(expected.index)} (a missing country is no group).")
    got = got.astype("float64").reindex(expected.index)
    if got.nunique() == 1:
        fail("every country gets the same fence: that is the fence of the whole table; compute the quartiles "
             "per country (group the values by the countries).")
    wrong = ((got - expected).abs() > 1e-6 * expected.abs()).to_numpy()
    if wrong.any():
        country = expected.index[wrong.argmax()]
        part = values[groups == country]
        q1, q3 = part.quantile(0.25), part.quantile(0.75)
        diagnosis = {
            "Q3 + 1 x IQR: the factor 1.5 is missing": q3 + (q3 - q1),
            "mean + 3 standard deviations: that is a z-score rule, the box plot uses the quartiles": part.mean() + 3 * part.std(),
            "mean + 2 standard deviations: that is a z-score rule, the box plot uses the quartiles": part.mean() + 2 * part.std(),
            "the largest salary: the fence is where the outliers start, not the last point": part.max(),
        }
        named = [text for text, value in diagnosis.items() if abs(got[country] - value) <= 1e-6 * abs(value)]
        why = named[0] if named else "expected Q3 + 1.5 x (Q3 - Q1) of that country's salaries"
        fail(f"the fence of {country} is {got[country]:,.1f}, but {expected[country]:,.1f} is expected: {why}.")


# --- exercise 7: keep, cap, drop or investigate ------------------------------------------------------
#: The decisions of exercise 7 and the reasons a learner may give (key -> meaning), as printed.
OUTLIER_OPTIONS = ("keep", "cap", "drop", "investigate")
OUTLIER_REASONS: dict[str, str] = {
    "breaks a rule": "the value cannot be true (no such date, a birth after the export, older than anyone ever)",
    "ask the source": "someone can say what was meant (2077 typed for 1977?): mark the row, the value counts as missing",
    "rare but possible": "the value can be true; it is only far from the others (of its country)",
    "salary is the target": "the next model learns to predict salary: a changed salary is a made-up answer",
    "one detector, plausible row": "a single detector flags the row, and read as a whole it makes sense",
    "a copy": "the same customer is already in the table",
    "extremes pull this model": "the value is an input of a model that extreme values pull (a linear or logistic model)",
}
# Each flagged row of the exercise: (the raw table's row label as the key, kind, accepted decisions,
# the reasons that apply). The kinds name the lesson; _OUTLIER_MISTAKES says why a decision is wrong for a kind.
_OUTLIER_ROWS = (
    ("121", "impossible", ("investigate", "drop"), {"breaks a rule", "ask the source"}),
    ("48", "impossible", ("investigate", "drop"), {"breaks a rule", "ask the source"}),
    ("7", "impossible", ("investigate", "drop"), {"breaks a rule", "ask the source"}),
    ("798", "target", ("keep",), {"rare but possible", "salary is the target"}),
    ("137", "target", ("keep",), {"rare but possible", "salary is the target"}),
    ("476", "one detector", ("keep",), {"one detector, plausible row", "rare but possible", "salary is the target"}),
    ("415", "copy", ("drop",), {"a copy"}),
    ("798 as an input", "input", ("cap",), {"rare but possible", "extremes pull this model"}),
)
#: The rows of the raw customer table that exercise 7 shows (row 798 appears twice: as the target, then as an input).
OUTLIER_CASE_ROWS = [int(key) for key, *_ in _OUTLIER_ROWS if key.isdigit()]
_OUTLIER_MISTAKES = {
    ("impossible", "keep"): "keeping an impossible value keeps an error in every statistic and in the model",
    ("impossible", "cap"): "capping an impossible value replaces an error by a made-up value (the fence), which then "
                           "looks real",
    ("target", "drop"): "dropping a rare but real salary teaches the model that such salaries do not exist",
    ("target", "cap"): "capping the target gives this customer a made-up salary: the model learns a wrong answer",
    ("target", "investigate"): "nothing about this value is impossible: investigating every flag spends someone's time "
                               "on real customers",
    ("one detector", "drop"): "dropping a plausible row because one detector flags it loses a real customer",
    ("one detector", "cap"): "capping a plausible row because one detector flags it changes a real salary",
    ("one detector", "investigate"): "read as a whole the row makes sense (a young, low-paid worker): investigating "
                                     "every flag spends someone's time on real customers",
    ("copy", "keep"): "a copy counts the same customer twice",
    ("copy", "cap"): "a copy counts the same customer twice, capped or not",
    ("copy", "investigate"): "a copy needs no investigation: the first row is already in the table",
    ("input", "keep"): "as an input of a linear model the extreme value pulls the fitted line; capped to the fence "
                       "the row still says 'a top earner', without the pull (as the target, row 798, it stays)",
    ("input", "drop"): "dropping loses a real customer; capping keeps the row and removes the pull",
    ("input", "investigate"): "the value is real: nothing to ask, but as an input it pulls a linear model",
}


def _outlier_exercise():
    """The exercise as a :class:`helpers.framing.decisions.Exercise`: it reads the answers (spelling,
    aliases) and prints; the verdicts are made here, to name the mistake of each wrong decision."""
    from helpers.framing.decisions import Case, Exercise

    cases = tuple(Case(key, key, accepted, reasons, kind) for key, kind, accepted, reasons in _OUTLIER_ROWS)
    aliases = {"clip": "cap", "winsorise": "cap", "winsorize": "cap", "remove": "drop", "delete": "drop",
               "flag": "investigate"}
    return Exercise("keep, cap, drop or investigate", OUTLIER_OPTIONS, OUTLIER_REASONS, cases, aliases)


def outlier_reasons_table() -> str:
    """The decisions and the reasons of exercise 7, as the notebook prints them."""
    lines = [f"decisions: {', '.join(OUTLIER_OPTIONS)}", "reasons:"]
    return "\n".join(lines + [f"  - {key}: {meaning}" for key, meaning in OUTLIER_REASONS.items()])


def _outlier_key(key) -> str:
    """A row label as the exercise names it: 121, '121' and 'row 121' are the same row."""
    return " ".join(str(key).lower().removeprefix("row").split())


def _outlier_verdict(exercise, key: str, kind: str, accepted, applies, answer) -> str:
    """What is wrong with ``answer`` (decision, reasons) for one row; "" when it is right."""
    if isinstance(answer, dict):
        answer = (answer.get("decision", answer.get("choice")), answer.get("reasons", ()))
    if isinstance(answer, str) or not isinstance(answer, (tuple, list)) or len(answer) != 2:
        fail(f"the answer for row {key} is {answer!r}: give a pair (decision, reasons), e.g. ('keep', {{'rare but possible'}}).")
    decision, reasons = answer
    reasons = [reasons] if isinstance(reasons, str) else list(reasons)
    try:
        decision = exercise.option(decision)
        reasons = {exercise.reason(r) for r in reasons}
    except ValueError as error:
        fail(str(error))
    if decision not in accepted:
        return f"not {decision!r}: {_OUTLIER_MISTAKES[(kind, decision)]}."
    if not reasons:
        return f"{decision!r} is right; give at least one reason from the printed list."
    misfits = sorted(reasons - set(applies))
    if misfits:
        return (f"{decision!r} is right, but {misfits[0]!r} does not apply to this row "
                f"({OUTLIER_REASONS[misfits[0]]}).")
    return ""


@check.exercise(
    title="keep, cap, drop or investigate",
    hint="first ask whether the value can be true at all; then what the column is for (the target, or an input)",
    wrong=lambda: [
        ({**_outlier_model_answers(), 121: ("cap", {"breaks a rule"})},),  # capping an impossible value
        ({**_outlier_model_answers(), 798: ("drop", {"rare but possible"})},),  # dropping a rare, real salary
        ({key: ("investigate", {"ask the source"}) for key in _outlier_model_answers()},),
        ({**_outlier_model_answers(), 415: ("keep", {"rare but possible"})},),
        (list(_outlier_model_answers().values()),),
    ],
)
def outlier_decisions(answers):
    exercise = _outlier_exercise()
    if not isinstance(answers, dict):
        fail(f"`outlier_decisions` is a {type(answers).__name__}: make it a dict {{row: (decision, reasons)}} "
             "with the rows printed above as keys, e.g. {121: ('drop', {'breaks a rule'}), ...}.")
    given = {_outlier_key(k): v for k, v in answers.items()}
    keys = [key for key, *_ in _OUTLIER_ROWS]
    unknown = [k for k in given if k not in keys]
    missing = [k for k in keys if k not in given]
    if unknown or missing:
        fail(f"the keys should be the rows printed above, {keys}; "
             + (f"{unknown[0]!r} is not one of them." if unknown else f"there is no answer for {missing[0]!r}."))
    wrong = [(key, message) for key, kind, accepted, applies in _OUTLIER_ROWS
             if (message := _outlier_verdict(exercise, key, kind, accepted, applies, given[key]))]
    if wrong:
        key, message = wrong[0]
        fail(f"{len(wrong)} of {len(keys)} rows to rethink; row {key}: {message}")


def _outlier_model_answers() -> dict:
    return {int(key) if key.isdigit() else key: (accepted[0], set(reasons)) for key, _, accepted, reasons in _OUTLIER_ROWS}


# --- exercise 8: pick an imputer, and say why ---------------------------------------------------------
#: The reasons a learner may give for an imputation choice (key -> meaning), as printed.
IMPUTATION_REASONS: dict[str, str] = {
    "lowest error": "the lowest mean RMSE of the eight runs",
    "within noise of the best": "its fold-by-fold gap to the best run is under two standard errors",
    "within noise of complete data": "its fold-by-fold gap to the model on the complete data is under two standard errors",
    "the indicator helps": "with the missing indicator, this strategy's RMSE is lower than without it",
    "uses the other columns": "it fills a gap from the row's other columns, which correlate with the missing one",
    "cheapest": "the quickest to fit and to explain: one number per column",
}
#: The reasons that report a measurement: a choice needs at least one (cost alone does not say it works).
_MEASURED = ("lowest error", "within noise of the best", "within noise of complete data", "the indicator helps")
_NOISE = 2.0  # standard errors of the paired fold differences
_COMPLETE = "complete data (no gaps)"


def _fold_scores(scores) -> pd.DataFrame:
    """``imputation.imputation_scores``'s table as one column per (strategy, indicator), one row per fold."""
    check_columns("scores", scores, ["strategy", "indicator", "fold", "score"],
                  "pass the per-fold table of imputation.imputation_scores(X, y, complete=X_complete)")
    wide = scores.pivot_table(index="fold", columns=["strategy", "indicator"], values="score")
    if (_COMPLETE, False) not in wide.columns:
        fail("`scores` has no row for the complete data: compute it with complete=X_complete.")
    return wide


def _within_noise(wide: pd.DataFrame, run, reference) -> bool:
    """True when ``run``'s fold-by-fold gap to ``reference`` is under _NOISE standard errors (paired folds)."""
    gap = wide[run] - wide[reference]
    error = gap.std(ddof=1) / len(gap) ** 0.5
    return bool(abs(gap.mean()) <= _NOISE * error)


def imputation_facts(scores) -> dict[tuple[str, bool], set[str]]:
    """Per run (strategy, indicator), the reasons of IMPUTATION_REASONS that are true of it in ``scores``."""
    wide = _fold_scores(scores)
    runs = [run for run in wide.columns if run[0] != _COMPLETE]
    means = wide[runs].mean()
    best = means.idxmin()
    facts = {}
    for strategy, indicator in runs:
        run = (strategy, indicator)
        true = set()
        if run == best:
            true.add("lowest error")
        if _within_noise(wide, run, best):
            true.add("within noise of the best")
        if _within_noise(wide, run, (_COMPLETE, False)):
            true.add("within noise of complete data")
        if indicator and (strategy, False) in means and means[run] < means[(strategy, False)]:
            true.add("the indicator helps")
        true.add("uses the other columns" if strategy in ("knn", "iterative") else "cheapest")
        facts[(str(strategy), bool(indicator))] = true
    return facts


def _imputation_answer(choice) -> tuple[str, bool, set[str]]:
    """``choice`` as (strategy, indicator, reasons): a dict with those keys, or a triple."""
    from helpers.framing.decisions import normalise

    if isinstance(choice, dict):
        missing = [k for k in ("strategy", "indicator", "reasons") if k not in choice]
        if missing:
            fail(f"`imputer_choice` has no {missing[0]!r}: give a dict with 'strategy', 'indicator' and 'reasons'.")
        strategy, indicator, reasons = choice["strategy"], choice["indicator"], choice["reasons"]
    elif isinstance(choice, (tuple, list)) and len(choice) == 3:
        strategy, indicator, reasons = choice
    else:
        fail("`imputer_choice` should be a dict {'strategy': ..., 'indicator': True/False, 'reasons': {...}}.")
    strategy = normalise(strategy)
    if strategy not in ("mean", "median", "knn", "iterative"):
        fail(f"{strategy!r} is not one of the strategies measured: 'mean', 'median', 'knn', 'iterative' "
             "(the complete data is the reference, not an option: the gaps exist).")
    if indicator not in (True, False):  # True, False, 1, 0 and numpy booleans compare equal to them
        fail(f"'indicator' is {indicator!r}: True (with the missing indicator) or False.")
    if isinstance(reasons, str):
        reasons = [reasons]
    names = {normalise(r): r for r in IMPUTATION_REASONS}
    unknown = [r for r in reasons if normalise(r) not in names]
    if unknown:
        fail(f"{unknown[0]!r} is not one of the printed reasons: pick from {list(IMPUTATION_REASONS)}.")
    return strategy, bool(indicator), {names[normalise(r)] for r in reasons}


@check.exercise(
    title="pick an imputer, and say why",
    hint="read the measured table: which runs are within the noise, and which reasons are true of your choice?",
    wrong=lambda: [
        ({"strategy": "mean", "indicator": False, "reasons": {"cheapest"}}, _boston_scores()),
        ({"strategy": "iterative", "indicator": True, "reasons": {"lowest error"}}, _boston_scores()),
        ({"strategy": "median", "indicator": True, "reasons": {"cheapest"}}, _boston_scores()),
        ({"strategy": "knn", "indicator": True, "reasons": set()}, _boston_scores()),
        ({"strategy": "complete data", "indicator": False, "reasons": {"lowest error"}}, _boston_scores()),
    ],
)
def imputer_choice(choice, scores):
    strategy, indicator, reasons = _imputation_answer(choice)
    facts = imputation_facts(scores)
    run = f"{strategy} {'with' if indicator else 'without'} the indicator"
    true = facts[(strategy, indicator)]
    if "within noise of the best" not in true:
        best = next(r for r, f in facts.items() if "lowest error" in f)
        why = ("the gaps are missing not at random, and a constant fill without the indicator hides that a value "
               "was missing, the signal the model needed" if strategy in ("mean", "median") and not indicator
               else "the fold-by-fold comparison shows it measurably worse")
        fail(f"{run} is beyond the noise of the best run ({best[0]} {'with' if best[1] else 'without'} the indicator): "
             f"{why}.")
    if not reasons:
        fail(f"{run} is a sound choice, but give at least one reason from the printed list.")
    false = sorted(reasons - true)
    if false:
        fail(f"{false[0]!r} is not true of {run} in the measured table ({IMPUTATION_REASONS[false[0]]}); "
             f"what is true of it: {sorted(true)}.")
    if not set(reasons) & set(_MEASURED):
        fail(f"{run} is a sound choice, but {sorted(reasons)} says only what it costs: add what the measurement "
             f"shows, one of {[r for r in _MEASURED if r in true]}.")


def _boston_scores() -> pd.DataFrame:
    """The per-fold table exercise 8 reads (cached: a few seconds to compute)."""
    return _boston_scores_cached().copy()


@functools.lru_cache(maxsize=1)
def _boston_scores_cached() -> pd.DataFrame:
    from helpers.data_quality import imputation

    X, y, complete = imputation.boston_with_gaps()
    return imputation.imputation_scores(X, y, complete=complete)


# --- exercise: personal data for the churn model (section 13) -----------------------------------------------

PRIVACY_HINT = (
    "for each column ask, in this order: does it name or point at one person? does the churn model need it, or "
    "is a coarser value enough? does it reveal a protected characteristic?"
)
#: What may happen to a column of the customer table before it goes to the churn model's data.
PRIVACY_OPTIONS = {
    "feature": "kept as it is, as an input of the model",
    "pseudonymise": "replaced by a keyed pseudonym, kept to join other tables, never an input",
    "coarsen": "replaced by a coarser value (an age band), which is the input",
    "audit only": "kept apart from the model's inputs, to check the model for bias",
    "drop": "not copied at all",
}
_PRIVACY_ALIASES = {"keep": "feature", "input": "feature", "pseudonymize": "pseudonymise", "pseudonym": "pseudonymise",
                    "band": "coarsen", "age band": "coarsen", "bin": "coarsen", "generalise": "coarsen",
                    "generalize": "coarsen", "audit": "audit only", "keep aside": "audit only", "remove": "drop",
                    "delete": "drop"}
# column -> the decisions that are right (the first is the model answer).
_PRIVACY_ACCEPTED = {
    "customer_id": ("pseudonymise",),
    "name": ("drop",),
    "title": ("drop",),
    "sex": ("audit only", "drop"),
    "dob": ("drop", "coarsen"),
    "age": ("coarsen",),
    "country": ("feature",),
    "salary": ("feature",),
}
# (column, wrong decision) -> why; a decision not listed gets the column's general reason.
_PRIVACY_MISTAKES = {
    ("customer_id", "feature"): "an identifier carries no signal, only the person: a model could memorise individuals",
    ("customer_id", "drop"): "the churn labels (who left) are joined to the customers by it: without a key nothing can "
                             "be joined; keep a keyed pseudonym instead of the id",
    ("customer_id", "coarsen"): "an id has nothing to coarsen: the labels join on the exact customer; pseudonymise it",
    ("name", "feature"): "a name identifies the person, and first names proxy sex and origin",
    ("name", "pseudonymise"): "one join key is enough, the customer id's pseudonym; names are not even unique (two "
                              "people share one), so a pseudonymised name joins badly and adds nothing",
    ("title", "feature"): "Mr / Mrs / Ms reveals sex: a proxy smuggles the protected characteristic back in",
    ("title", "audit only"): "sex itself is kept for the audit; the title adds marital status, which nobody needs",
    ("sex", "feature"): "sex is a protected characteristic: a model given it learns the table's gender gap and repeats "
                        "it (measured below); keep it apart to audit the model, or drop it",
    ("sex", "pseudonymise"): "a pseudonym hides an identity, not a category: two values stay two values, and the "
                             "model would still learn the gap",
    ("dob", "feature"): "a birth date with country and sex singles out most customers (k-anonymity 1): the churn "
                        "model needs an age band, not the day someone was born",
    ("dob", "pseudonymise"): "a birth date is not a join key, and a pseudonym of it is still unique per person",
    ("dob", "audit only"): "nothing to audit in a birth date: keep the age band, drop the date",
    ("age", "feature"): "exact age with country still leaves people unique (k-anonymity 1): a 10-year band serves a "
                        "churn model as well and hides the person in a group",
    ("age", "drop"): "age may well predict churn: keep it, coarsened to a band",
    ("country", "drop"): "the churn model needs it, and it is coarse: each country holds many customers",
    ("country", "pseudonymise"): "a pseudonym replaces an identity, not a category the model needs to read",
    ("salary", "drop"): "the purpose needs it (income may predict churn); sensitive means access-controlled, not dropped",
    ("salary", "pseudonymise"): "a pseudonym replaces an identity, not a number: a pseudonymised salary is useless to "
                                "the model and still sensitive",
}


def privacy_options_table() -> str:
    """The decisions of exercise 10 and the columns to decide, as the notebook prints them."""
    lines = ["decisions:"] + [f"  - {key}: {meaning}" for key, meaning in PRIVACY_OPTIONS.items()]
    return "\n".join(lines + [f"columns to decide: {', '.join(_PRIVACY_ACCEPTED)}"])


def _privacy_model_answers() -> dict[str, str]:
    return {column: accepted[0] for column, accepted in _PRIVACY_ACCEPTED.items()}


def _privacy_option(column, value) -> str:
    from helpers.framing.decisions import normalise

    if isinstance(value, (tuple, list)) and value:  # (decision, reasons...): the decision is judged
        value = value[0]
    if not isinstance(value, str):
        fail(f"the decision for {column!r} is {value!r}: give one of {list(PRIVACY_OPTIONS)} as a string.")
    wanted = normalise(value)
    options = {normalise(o): o for o in PRIVACY_OPTIONS}
    options.update({normalise(a): o for a, o in _PRIVACY_ALIASES.items()})
    if wanted not in options:
        fail(f"{value!r} (for {column!r}) is not a decision: use one of {list(PRIVACY_OPTIONS)}.")
    return options[wanted]


@check.exercise(
    title="what the churn model may see",
    hint=PRIVACY_HINT,
    wrong=lambda: [
        ({column: "feature" for column in _PRIVACY_ACCEPTED},),
        ({**_privacy_model_answers(), "customer_id": "drop"},),
        ({**_privacy_model_answers(), "sex": "feature"},),
        ({**_privacy_model_answers(), "title": "feature"},),
        ({**_privacy_model_answers(), "age": "feature"},),
        ({**_privacy_model_answers(), "name": "pseudonymise"},),
        ({k: v for k, v in _privacy_model_answers().items() if k != "dob"},),
        (list(_privacy_model_answers().values()),),
    ],
)
def privacy_decisions(decisions):
    if isinstance(decisions, pd.Series):
        decisions = decisions.to_dict()
    if not isinstance(decisions, dict):
        fail(f"`privacy_decisions` is a {type(decisions).__name__}: make it a dict {{column: decision}} with the "
             f"columns printed above as keys, e.g. {{'customer_id': '...', 'name': '...'}}.")
    unknown = [c for c in decisions if c not in _PRIVACY_ACCEPTED]
    missing = [c for c in _PRIVACY_ACCEPTED if c not in decisions]
    if unknown:
        fail(f"{unknown} are not columns to decide: the columns are {list(_PRIVACY_ACCEPTED)} (first_name, last_name "
             "follow name; the cleaning flags are dropped).")
    if missing:
        fail(f"no decision for {missing}: decide every column printed above.")
    wrong = []
    for column, accepted in _PRIVACY_ACCEPTED.items():
        decision = _privacy_option(column, decisions[column])
        if decision not in accepted:
            wrong.append(f"{column}: not {decision!r}: "
                         + _PRIVACY_MISTAKES.get((column, decision), f"the right decision is among {list(accepted)}") + ".")
    if wrong:
        fail(f"{len(wrong)} of {len(_PRIVACY_ACCEPTED)} decisions need another look:\n" + "\n".join(f"  - {w}" for w in wrong))
