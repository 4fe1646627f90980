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
    make(tmp_path, "b-good", '{"Name": "b"}')
    make(tmp_path, "a-good", '{"Name": "a"}')
    make(tmp_path, "broken", '{"Name": ')
    make(tmp_path, "no-record", None)
    return tmp_path


def test_folders_holding_lists_record_folders_sorted(root: Path, tmp_path: Path):
    assert records.folders_holding(root, "job.json") == ["a-good", "b-good", "broken"]
    assert records.folders_holding(tmp_path / "missing", "job.json") == []


def test_readable_skips_a_corrupt_record_with_a_warning_and_a_vanished_one_silently(root: Path):
    with pytest.warns(CorruptRecordWarning, match="broken/job.json is corrupt"):
        listed = list(records.readable(["a-good", "broken", "gone", "b-good"], read(root)))
    assert listed == [("a-good", {"Name": "a"}), ("b-good", {"Name": "b"})]


def test_corrupt_among_names_each_unreadable_record(root: Path):
    found = records.corrupt_among(["a-good", "broken", "gone"], read(root))
    assert [type(e) for e in found] == [CorruptRecord]
    assert found[0].path == root / "broken" / "job.json"
