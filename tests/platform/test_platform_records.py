"""The validated record reader shared by training jobs, tuning jobs and endpoints."""

from __future__ import annotations

import json

import pytest

from helpers.platform.records import (INT, LIST, NULL, NUMBER, OBJECT, STR, CorruptRecord, check, field, read_record,
                                      write_record)

SCHEMA = {
    "Name": field(STR, required=True),
    "Status": field(STR, choices=("Up", "Down")),
    "Pid": field(INT, NULL),
    "Started": field(NUMBER),
    "Local": field(OBJECT, fields={"Port": field(INT, required=True)}),
    "Items": field(LIST, items=field(OBJECT, fields={"Value": field(NUMBER)})),
}


@pytest.mark.parametrize("record, problem", [
    ({}, "Name is missing"),
    ({"Name": 5}, "Name is 5 (an integer), expected a string"),
    ({"Name": "a", "Status": "Sideways"}, "Status is 'Sideways', expected one of 'Up', 'Down'"),
    ({"Name": "a", "Pid": "abc"}, 'Pid is "abc" (a string), expected an integer or null'),
    ({"Name": "a", "Pid": True}, "Pid is true (true/false), expected an integer or null"),
    ({"Name": "a", "Pid": 1.5}, "Pid is 1.5 (a number), expected an integer or null"),
    ({"Name": "a", "Started": False}, "Started is false (true/false), expected an integer or a number"),
    ({"Name": "a", "Local": {}}, "Local.Port is missing"),
    ({"Name": "a", "Local": []}, "Local is [] (a list), expected an object"),
    ({"Name": "a", "Items": [{"Value": 1}, {"Value": "x"}]}, 'Items[1].Value is "x" (a string), expected'),
])
def test_check_names_the_first_problem(record, problem):
    assert check(record, SCHEMA).startswith(problem)


@pytest.mark.parametrize("record", [
    {"Name": "a"},
    {"Name": "a", "Status": "Up", "Pid": None, "Started": 3, "Local": {"Port": 1, "Extra": [1]},
     "Items": [{"Value": 2.5}], "Unknown": {"kept": True}},
])
def test_good_records_pass_and_unknown_keys_are_free(record, tmp_path):
    assert check(record, SCHEMA) is None
    write_record(tmp_path / "r.json", record)
    assert read_record(tmp_path / "r.json", SCHEMA) == record


def test_a_missing_file_is_not_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_record(tmp_path / "none.json", SCHEMA)


@pytest.mark.parametrize("content, problem", [
    ("", "the file is empty"),
    ('{"Name": "a"', "not valid JSON"),
    ("[1]", "it holds a list where a JSON object"),
    ('"x"', "it holds a string where a JSON object"),
    (b"\xff{}", "not UTF-8 text"),
    ('{"Name": 1}', "Name is 1 (an integer), expected a string"),
])
def test_a_corrupt_file_names_itself_the_problem_and_the_fix(tmp_path, content, problem):
    folder = tmp_path / "job one"
    folder.mkdir()
    path = folder / "job.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CorruptRecord) as error:
        read_record(path, SCHEMA)
    assert error.value.path == path and error.value.problem.startswith(problem)
    assert str(error.value).startswith(f"{path} is corrupt: {problem}")
    assert str(error.value).endswith(f"rm -r '{folder}'")  # quoted: the folder name has a space
    assert isinstance(error.value, ValueError)  # callers that catch ValueError keep working


def test_a_value_json_cannot_hold_fails_before_any_file_is_written(tmp_path):
    target = tmp_path / "r.json"
    write_record(target, {"Name": "old"})
    loop: dict = {"Name": "new"}
    loop["Self"] = loop
    with pytest.raises(ValueError, match="Circular"):
        write_record(target, loop)
    assert json.loads(target.read_text()) == {"Name": "old"} and [p.name for p in tmp_path.iterdir()] == ["r.json"]
