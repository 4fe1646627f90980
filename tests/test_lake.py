"""The local data lake: S3-shaped layout, SQL over raw/ and curated/, safe writes, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.lake import Lake, LakeError


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Name": ["Richard Roe", "Desai, Arnav", None, "Mrs. Mary Major"],
            "Country": ["USA", "U.S.", "N/A", "UK"],
            "salary": [52000.0, 61000.0, np.nan, 48000.0],
        }
    )


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path)


def test_write_uses_an_s3_layout_and_round_trips(lake, raw, tmp_path):
    uri = lake.write(raw, "raw", "customers")
    assert uri == "s3://flywheel-lake/raw/customers/"
    assert (tmp_path / "flywheel-lake" / "raw" / "customers" / "part-0000.parquet").is_file()
    back = lake.read("raw", "customers")
    pd.testing.assert_frame_equal(back, raw)
    assert lake.tables() == ["raw.customers"]
    listing = lake.ls()
    assert listing.to_dict("records") == [{"key": "raw/customers/part-0000.parquet", "rows": 4, "columns": 3}]


def test_sql_over_zones_like_athena(lake, raw):
    lake.write(raw, "raw", "customers")
    lake.write(raw.dropna(), "curated", "customers")
    counts = lake.query(
        "SELECT (SELECT count(*) FROM raw.customers) AS raw_rows, (SELECT count(*) FROM curated.customers) AS clean_rows"
    )
    assert counts.iloc[0].tolist() == [4, 3]
    usa = lake.query("SELECT Name FROM raw.customers WHERE Country IN ('USA', 'U.S.') ORDER BY Name")
    assert usa["Name"].tolist() == ["Desai, Arnav", "Richard Roe"]
    # Missing values survive the trip through parquet and SQL as missing, not as the text 'None'.
    assert lake.query("SELECT count(*) AS n FROM raw.customers WHERE Name IS NULL")["n"].item() == 1


def test_s3_paths_in_sql_map_to_the_local_bucket(lake, raw):
    lake.write(raw, "raw", "customers")
    frame = lake.query("SELECT count(*) AS n FROM read_parquet('s3://flywheel-lake/raw/customers/*.parquet')")
    assert frame["n"].item() == 4


def test_listing_one_zone(lake, raw):
    lake.write(raw, "raw", "customers")
    lake.write(raw, "curated", "customers")
    assert lake.tables("curated") == ["curated.customers"]
    assert lake.ls("raw")["key"].tolist() == ["raw/customers/part-0000.parquet"]
    assert len(lake.ls()) == 2
    with pytest.raises(LakeError, match="zone 'gold' does not exist"):
        lake.ls("gold")


def test_query_parameters(lake, raw):
    lake.write(raw, "raw", "customers")
    frame = lake.query("SELECT Name FROM raw.customers WHERE salary > ?", [50000])
    assert sorted(frame["Name"]) == ["Desai, Arnav", "Richard Roe"]


def test_writing_the_same_data_again_is_harmless_but_different_data_needs_overwrite(lake, raw):
    lake.write(raw, "raw", "customers")
    lake.write(raw.copy(), "raw", "customers")  # a notebook re-run
    changed = raw.assign(salary=raw["salary"] * 2)
    with pytest.raises(LakeError, match="already holds different data: pass overwrite=True.*curated"):
        lake.write(changed, "raw", "customers")
    pd.testing.assert_frame_equal(lake.read("raw", "customers"), raw)  # nothing lost
    lake.write(changed, "raw", "customers", overwrite=True)
    assert lake.read("raw", "customers")["salary"].iloc[0] == 104000.0


def test_the_index_is_not_stored(lake, raw):
    lake.write(raw.set_index(pd.Index([10, 11, 12, 13])), "curated", "customers")
    assert lake.read("curated", "customers").index.tolist() == [0, 1, 2, 3]


def test_repr_shows_no_local_path(lake, raw, tmp_path):
    lake.write(raw, "raw", "customers")
    assert repr(lake) == "Lake(s3://flywheel-lake/, tables=['raw.customers'])"


def test_default_root_is_the_flywheel_home(flywheel_home):
    assert Lake().root == flywheel_home / "lake"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda lake, raw: lake.write(raw, "bronze", "customers"), "zone 'bronze' does not exist: the lake has raw, curated"),
        (lambda lake, raw: lake.write(raw, "raw", "Customers 2024"), "use lower-case letters, digits and underscores"),
        (lambda lake, raw: lake.write(raw.to_dict(), "raw", "customers"), "wrap it in pd.DataFrame"),
        (lambda lake, raw: lake.write(raw.set_axis([0, 1, 2], axis=1), "raw", "t"), "not text"),
        (lambda lake, raw: lake.write(raw.set_axis(["a", "a", "b"], axis=1), "raw", "t"), "appear twice"),
        (lambda lake, raw: lake.read("curated", "customers"), "no table curated.customers.*lake.ingest"),
        (lambda lake, raw: lake.query("SELECT * FROM raw.customrs"), "no table customrs.*tables: raw.customers"),
        (lambda lake, raw: lake.query("  "), "the query is empty"),
        (lambda lake, raw: lake.query("SELECT * FROM read_parquet('s3://flywheel-lake/raw/nope/*.parquet')"),
         "s3://flywheel-lake/raw/nope.*Check the path"),
    ],
)
def test_bad_input_names_the_problem_and_the_fix(lake, raw, call, message):
    lake.write(raw, "raw", "customers")
    with pytest.raises(LakeError, match=message):
        call(lake, raw)


def test_bad_bucket_name(tmp_path):
    with pytest.raises(LakeError, match="not a valid bucket name"):
        Lake(tmp_path, bucket="My_Bucket")
