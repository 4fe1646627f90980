"""The dataset loader: documented dtypes and shapes, checksums, clear errors, the datasets command."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

import pandas as pd
import pytest

from helpers import data
from helpers.data import cli, loading
from helpers.data.catalog import CATALOG

NAMES = data.names()


@pytest.fixture
def copy(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of datasets/ that the loader uses instead of the real one."""
    folder = tmp_path / "datasets"
    shutil.copytree(root / "datasets", folder)
    monkeypatch.setenv(loading.ENV_ROOT, str(folder))
    return folder


def flip_a_byte(file: Path) -> None:
    raw = bytearray(file.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    file.write_bytes(bytes(raw))


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_loads_with_its_documented_dtypes_and_shape(name: str):
    frame = data.load(name)
    entry = CATALOG[name]
    documented = {column: entry.dtypes.get(column, entry.other_dtype) for column in frame.columns}
    assert {column: str(dtype) for column, dtype in frame.dtypes.items()} == documented
    assert set(entry.dtypes) <= set(frame.columns)
    assert frame.shape == entry.shape == (data.info(name)["rows"], data.info(name)["columns"])


def test_the_course_names_are_all_there():
    expected = {"messy_customers", "lung_cancer", "card_transactions", "maintenance", "ratings",
                "museum_visitors", "customer_churn", "bikeshare", "default", "boston", "caravan", "penguins_raw"}
    assert set(NAMES) == expected


@pytest.mark.parametrize("name", NAMES)
def test_info_gives_source_licence_and_file(name: str):
    entry = data.info(name)
    assert entry["description"] and entry["source"] and entry["licence"]
    assert data.path(name).exists() and entry["file"] == f"datasets/{data.path(name).name}"
    assert (entry["regenerate"] is not None) == (entry["kind"] == "synthetic")


def test_shipped_datasets_verify_clean():
    assert data.verify() == []


def test_manifest_lists_exactly_the_data_files(root: Path):
    manifest = loading.read_manifest(root / "datasets")
    on_disk = {p.name for p in (root / "datasets").glob("*.csv*")}
    assert set(manifest) == on_disk == {entry.file for entry in CATALOG.values()}
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in manifest.values())


def test_datasets_stay_small(root: Path):
    total = sum(p.stat().st_size for p in (root / "datasets").rglob("*") if p.is_file())
    assert total < 30e6, f"datasets/ holds {total / 1e6:.1f} MB; the budget is 30 MB"


@pytest.mark.parametrize("name", ["card_transactions", "bikeshare"])  # one synthetic, one real
def test_a_flipped_byte_makes_load_fail_naming_the_file_and_the_fix(copy: Path, name: str):
    file = copy / CATALOG[name].file
    expected = loading.read_manifest(copy)[file.name]
    flip_a_byte(file)
    with pytest.raises(data.DatasetError) as error:
        data.load(name)
    message = str(error.value)
    assert file.name in message and expected in message and loading.sha256(file) in message
    assert f"git checkout -- datasets/{file.name}" in message
    assert ("--regenerate " + name in message) == CATALOG[name].synthetic
    assert data.verify() == [message]


def test_a_missing_file_names_the_file_and_how_to_restore_it(copy: Path):
    (copy / "ratings.csv").unlink()
    with pytest.raises(data.DatasetError, match=r"ratings\.csv is missing") as error:
        data.load("ratings")
    assert "git checkout -- datasets/ratings.csv" in str(error.value)
    assert "python -m helpers datasets --regenerate ratings" in str(error.value)
    assert any("ratings.csv" in problem for problem in data.verify())


def test_a_file_missing_from_the_manifest_is_reported(copy: Path):
    manifest = loading.read_manifest(copy)
    del manifest["boston.csv"]
    loading.write_manifest(manifest, copy)
    with pytest.raises(data.DatasetError, match=r"boston\.csv has no checksum"):
        data.load("boston")


def test_an_unknown_name_lists_the_available_ones():
    with pytest.raises(data.DatasetError) as error:
        data.load("penguins")
    message = str(error.value)
    assert "'penguins'" in message and "Did you mean 'penguins_raw'" in message
    assert all(name in message for name in NAMES)
    with pytest.raises(data.DatasetError, match="Available datasets"):
        data.info("iris")
    assert data.verify(["iris"]) and "Available datasets" in data.verify(["iris"])[0]


def test_load_never_touches_the_network(monkeypatch: pytest.MonkeyPatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load() tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert len(data.load("boston")) == 506


def test_the_messy_set_is_loaded_raw_as_text():
    frame = data.load("messy_customers")
    assert (frame.dtypes == "str").all()
    assert frame["dob"].isna().any() and frame["dob"].eq("N/A").any() and frame["dob"].eq(" ").any()
    assert frame["salary"].str.contains(",", na=False).any()  # "52,300" is not yet a number


def test_clean_sets_have_parsed_dates():
    assert data.load("museum_visitors")["date"].min() == pd.Timestamp("2022-01-01")
    assert data.load("card_transactions")["tx_datetime"].is_monotonic_increasing


def test_datasheet_documents_every_column_of_every_set(root: Path):
    readme = (root / "datasets" / "README.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", readme, flags=re.S | re.M))
    assert set(NAMES) <= set(sections), "every dataset needs a '## <name>' datasheet"
    for name in NAMES:
        section = sections[name]
        assert "Licence" in section and "Source" in section and f"{CATALOG[name].shape[0]:,}" in section, name
        if name == "caravan":  # 85 coded columns are described by group, plus the target
            assert "Purchase" in section and "MOSTYPE" in section
            continue
        undocumented = [c for c in data.load(name).columns if f"`{c}`" not in section]
        assert not undocumented, f"{name}: columns without a datasheet line: {undocumented}"


def test_cli_verify_passes_then_fails_on_a_tampered_copy(copy: Path, root: Path, capsys):
    assert cli.main([], root) == 0
    assert "12 datasets" in capsys.readouterr().out
    flip_a_byte(copy / "maintenance.csv")
    assert cli.main(["--verify"], root) == 1
    out = capsys.readouterr().out
    assert "maintenance.csv" in out and "--regenerate maintenance" in out


def test_cli_regenerate_restores_a_deleted_synthetic_set_and_its_manifest_line(copy: Path, root: Path, capsys):
    original = (copy / "lung_cancer.csv").read_bytes()
    (copy / "lung_cancer.csv").unlink()
    manifest = loading.read_manifest(copy)
    del manifest["lung_cancer.csv"]
    loading.write_manifest(manifest, copy)
    assert cli.main(["--regenerate", "lung_cancer"], root) == 0
    assert (copy / "lung_cancer.csv").read_bytes() == original
    assert data.verify() == []


def test_cli_refuses_to_regenerate_real_or_unknown_sets(copy: Path, root: Path, capsys):
    assert cli.main(["--regenerate", "bikeshare"], root) == 2
    assert "git checkout -- datasets/bikeshare.csv" in capsys.readouterr().out
    assert cli.main(["--regenerate", "nope"], root) == 2
    assert "messy_customers" in capsys.readouterr().out


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused_in_one_line(err: str, path: Path, folder: Path) -> None:
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"datasets: cannot write {path}: " in err
    # the fix: the owner does it, or a copy of one's own named by FLYWHEEL_DATASETS
    assert f"cp -r {folder} ~/datasets && {loading.ENV_ROOT}=~/datasets python -m helpers datasets --regenerate" in err


def test_regenerate_in_a_folder_the_learner_cannot_write_is_refused_before_anything(copy: Path, root: Path,
                                                                                      capsys, monkeypatch):
    before = files(copy)
    real_access = os.access
    # tests run as root, who may write anywhere: os.access answers as it would for a learner
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != copy and real_access(path, mode, **kw))
    assert cli.main(["--regenerate"], root) == 2
    assert_refused_in_one_line(capsys.readouterr().err, copy, copy)
    assert files(copy) == before


def test_a_file_the_learner_cannot_write_ends_in_the_same_line_not_a_traceback(copy: Path, root: Path, capsys,
                                                                              monkeypatch):
    before = files(copy)
    target = copy / CATALOG["lung_cancer"].file

    def denied(name, directory):  # what open() raises for a file of root's, mode 0644, opened by a learner
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(cli.synthetic, "write", denied)
    assert cli.main(["--regenerate", "lung_cancer"], root) == 2
    assert_refused_in_one_line(capsys.readouterr().err, target, copy)
    assert files(copy) == before  # the manifest too


def test_cli_lists_every_set(root: Path, capsys):
    assert cli.main(["--list"], root) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in NAMES) and "100,000 x 4" in out
