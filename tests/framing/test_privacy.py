"""helpers.framing.privacy: no identifier survives; keyed pseudonyms are stable and key-dependent; bands; k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import data
from helpers.framing import privacy

KEY = "a-test-key-of-32-characters-long"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return data.load("messy_customers")


@pytest.fixture(scope="module")
def protected(raw):
    return privacy.protect_customers(raw, KEY)


def test_no_identifier_survives_protection(raw, protected):
    table, report = protected
    assert list(table.columns) == list(privacy.NEEDED_FOR_SALARY_MODEL)
    cells = {str(value) for value in table.to_numpy().ravel()}
    names = set(raw["name"].dropna().str.strip())
    ids = set(raw["customer_id"].dropna().str.strip())
    assert not cells & names and not cells & ids
    # Not even inside a cell: no pseudonym contains a customer id.
    joined = " ".join(cells)
    assert not any(customer_id in joined for customer_id in list(ids)[:200])
    assert {"name", "customer_id", "dob", "sex"} <= set(report.dropped)


def test_the_same_key_gives_the_same_pseudonym_and_another_key_another():
    ids = pd.Series(["C00001", " C00001", "C00002", None], index=[10, 11, 12, 13])
    first, again = privacy.pseudonymise(ids, KEY), privacy.pseudonymise(ids, KEY)
    other = privacy.pseudonymise(ids, "another-key-also-32-characters!!")
    pd.testing.assert_series_equal(first, again)
    assert first[10] == first[11] != first[12]          # trimmed text: one person, one pseudonym
    assert pd.isna(first[13])                           # missing stays missing
    assert list(first.index) == [10, 11, 12, 13]
    assert (first[[10, 12]] != other[[10, 12]]).all()
    assert all(p.startswith("p") and len(p) == 17 and "C0000" not in p for p in first[[10, 12]])


def test_the_pseudonym_is_stable_across_runs():
    # HMAC-SHA256 is fixed by RFC 2104 / FIPS 180-4: this value is the same on every machine and run.
    import hashlib
    import hmac

    expected = "p" + hmac.new(KEY.encode(), b"C00001", hashlib.sha256).hexdigest()[:16]
    assert privacy.pseudonymise(["C00001"], KEY)[0] == expected


@pytest.mark.parametrize("key, error", [("short", ValueError), (b"", ValueError), (12345, TypeError)])
def test_a_weak_or_missing_key_is_refused_with_the_fix(key, error):
    with pytest.raises(error, match="token_hex"):
        privacy.pseudonymise(["C00001"], key)


def test_age_bands_cover_the_edges_and_keep_missing():
    bands = privacy.age_bands(pd.Series([18, 29.9, 30, 69, 70, 95, np.nan], index=list("abcdefg")))
    assert bands.tolist()[:6] == ["10-19", "20-29", "30-39", "60-69", "70+", "70+"]
    assert pd.isna(bands["g"]) and list(bands.index) == list("abcdefg")
    with pytest.raises(ValueError, match="impossible birth dates"):
        privacy.age_bands([-3, 40])


def test_k_anonymity_counts_the_smallest_group_and_rows_below_a_target():
    frame = pd.DataFrame({"country": ["UK", "UK", "UK", "US", "US", None], "band": ["30-39"] * 5 + ["70+"]})
    result = privacy.k_anonymity(frame, ["country", "band"])
    assert result.k == 1                                 # the row with no country is alone
    assert result.rows_below(3) == 3 and result.rows_below(2) == 1
    assert "k = 1" in result.summary(target=3)


def test_bands_raise_k_over_exact_birth_dates(protected):
    _, report = protected
    assert report.k_before.rows_below(5) > 10 * report.k_after.rows_below(5)
    assert "before:" in str(report) and "dropped name (direct identifier)" in str(report)


def test_classify_marks_identifiers_and_protected_columns_as_no_features(raw):
    table = privacy.classify(raw)
    assert table.loc["name", "kind"] == "direct identifier" and not table.loc["name", "feature"]
    assert table.loc["dob", "kind"] == "quasi-identifier"
    assert table.loc["salary", "kind"] == "sensitive"
    assert not table.loc["sex", "feature"]


def test_classify_refuses_a_column_it_does_not_know_and_names_the_fix(raw):
    with pytest.raises(ValueError, match=r"extra=\{'loyalty'"):
        privacy.classify(raw.assign(loyalty=1))
    assert privacy.classify(raw.assign(loyalty=1), extra={"loyalty": "ordinary"}).loc["loyalty", "feature"]


def test_minimise_refuses_a_direct_identifier_and_an_absent_column(raw):
    with pytest.raises(ValueError, match="pseudonymise"):
        privacy.minimise(raw, ["name", "salary"])
    with pytest.raises(ValueError, match="not in the table"):
        privacy.minimise(raw, ["age_band"])
    kept, dropped = privacy.minimise(raw, ["country", "salary"])
    assert list(kept.columns) == ["country", "salary"] and "name" in dropped
