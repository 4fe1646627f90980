"""The listing helpers every record kind (training jobs, tuning jobs, endpoints) shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.platform import records
from helpers.platform.records import STR, CorruptRecord, CorruptRecordWarning, field

SCHEMA = {"Name": field(STR, required=True)}


def make(root: Path, name: str, text: str | None) -> None:
    (root / name).mkdir(parents=True)
    if text is not None:
        (root / name / "job.json").write_text(text)


def read(root: Path):
    def reader(name: str) -> dict:
        if name == "gone":
            raise ValueError("removed while listing")
        return records.read_record(root / name / "job.json", SCHEMA)
    return reader


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make(tmp_path, "b-good", '{"Name": "b-good"}')
    make(tmp_path, "a-good", '{"Name": "a-good"}')
    make(tmp_path, "broken", '{"Name": ')
    make(tmp_path, "no-record", None)
    return tmp_path


def test_folders_holding_lists_record_folders_sorted(root: Path, tmp_path: Path):
    assert records.folders_holding(root, "job.json") == ["a-good", "b-good", "broken"]
    assert records.folders_holding(tmp_path / "missing", "job.json") == []


def test_readable_skips_a_corrupt_record_with_a_warning_and_a_vanished_one_silently(root: Path):
    with pytest.warns(CorruptRecordWarning, match="broken/job.json is corrupt"):
        listed = list(records.readable(["a-good", "broken", "gone", "b-good"], read(root)))
    assert listed == [("a-good", {"Name": "a-good"}), ("b-good", {"Name": "b-good"})]


def test_corrupt_among_names_each_unreadable_record(root: Path):
    found = records.corrupt_among(["a-good", "broken", "gone"], read(root))
    assert [type(e) for e in found] == [CorruptRecord]
    assert found[0].path == root / "broken" / "job.json"


def read_named(root: Path, name: str) -> dict:
    return records.read_named(root, name, "job.json", SCHEMA, name_key="Name", kind="Job",
                              known_label="Recent jobs", none_yet="No jobs yet.")


def test_read_named_says_which_records_exist_when_one_is_missing(root: Path, tmp_path: Path):
    with pytest.raises(ValueError, match=r"Job 'nope' not found in .*\. Recent jobs: a-good, b-good, broken\.$"):
        read_named(root, "nope")
    with pytest.raises(ValueError, match=r"not found in .*\. No jobs yet\.$"):
        read_named(tmp_path / "empty", "nope")


def test_read_named_refuses_a_record_copied_under_another_name(root: Path):
    make(root, "copy", '{"Name": "a-good"}')
    with pytest.raises(CorruptRecord, match="Name is 'a-good' but the folder is 'copy' \\(copied by hand\\?\\)"):
        read_named(root, "copy")
    assert read_named(root, "a-good")["Name"] == "a-good"


def test_claim_folder_makes_a_unique_owner_only_folder_within_the_length(tmp_path: Path):
    names = [records.claim_folder(tmp_path / "jobs", "a-very-long-base-name-", "20261207", 24, "job")
             for _ in range(3)]
    # the base is cut to fit the length
    assert names == ["a-very-long-bas-20261207", "a-very-long-b-20261207-1", "a-very-long-b-20261207-2"]
    assert all(len(name) <= 24 and (tmp_path / "jobs" / name).is_dir() for name in names)
    assert oct((tmp_path / "jobs" / names[0]).stat().st_mode & 0o777) == "0o700"
    # a cut that ends on a hyphen drops it: "ab-X", not "ab--X"
    assert records.claim_folder(tmp_path / "other", "ab-cd-", "X", 5, "job") == "ab-X"
