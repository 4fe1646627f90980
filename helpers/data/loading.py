"""Find, verify and read the shipped datasets. Never touches the network.

Every file in ``datasets/`` has a sha256 in ``datasets/MANIFEST.sha256`` (``sha256sum`` format, so
``cd datasets && sha256sum -c MANIFEST.sha256`` works too). :func:`load` checks it before reading, so a
damaged or edited file fails loudly with the way to restore it instead of giving silently wrong data.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

import pandas as pd

from helpers.data.catalog import CATALOG, DatasetSpec
from helpers.platform_home import write_atomic

MANIFEST = "MANIFEST.sha256"
ENV_ROOT = "FLYWHEEL_DATASETS"


class DatasetError(Exception):
    """A dataset cannot be loaded: unknown name, missing file or checksum mismatch. The message says
    which file and how to restore it."""


def root() -> Path:
    """The datasets folder: ``$FLYWHEEL_DATASETS`` when set, else ``<course>/datasets``."""
    override = os.environ.get(ENV_ROOT)
    if override:
        return Path(override)
    from helpers import ROOT

    return ROOT / "datasets"


def names() -> list[str]:
    """Every dataset name, in catalog order."""
    return list(CATALOG)


def spec(name: str) -> DatasetSpec:
    """The catalog entry of ``name``; an unknown name raises :class:`DatasetError` listing the known ones."""
    if not isinstance(name, str) or name not in CATALOG:
        close = difflib.get_close_matches(str(name), CATALOG, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DatasetError(f"unknown dataset {name!r}.{hint} Available datasets: {', '.join(CATALOG)}.")
    return CATALOG[name]


def info(name: str) -> dict:
    """The catalog entry of ``name`` as a dict: description, file, dtypes, source, licence, shape."""
    return spec(name).as_dict()


def path(name: str) -> Path:
    """Where the file of ``name`` lives (it may be missing; :func:`load` says so)."""
    return root() / spec(name).file


def sha256(file: Path) -> str:
    """The file's sha256, hex."""
    with open(file, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read_manifest(folder: Path | None = None) -> dict[str, str]:
    """``{file name: sha256}`` from the manifest; empty when the manifest is missing."""
    manifest = (folder or root()) / MANIFEST
    if not manifest.exists():
        return {}
    entries = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, file = line.split(maxsplit=1)
            entries[file.lstrip("*").strip()] = digest
    return entries


def write_manifest(entries: dict[str, str], folder: Path | None = None) -> Path:
    """Write ``{file name: sha256}`` sorted by file name, in ``sha256sum`` format."""
    manifest = (folder or root()) / MANIFEST
    write_atomic(manifest, "".join(f"{digest}  {file}\n" for file, digest in sorted(entries.items())), file_mode=None)
    return manifest


def restore_hint(entry: DatasetSpec) -> str:
    hint = f"restore it with `git checkout -- datasets/{entry.file}`"
    if entry.synthetic:
        hint += f" or regenerate it with `python -m helpers datasets --regenerate {entry.name}`"
    return hint


def problem(name: str, folder: Path | None = None, manifest: dict[str, str] | None = None) -> str | None:
    """What is wrong with the file of ``name`` (missing, not in the manifest, checksum mismatch), or None."""
    entry = spec(name)
    folder = folder or root()
    file = folder / entry.file
    if not file.exists():
        return f"dataset file {entry.file} is missing from {folder}; {restore_hint(entry)}."
    manifest = read_manifest(folder) if manifest is None else manifest
    expected = manifest.get(entry.file)
    if expected is None:
        return (f"dataset file {entry.file} has no checksum in {folder / MANIFEST}; "
                f"restore the manifest with `git checkout -- datasets/{MANIFEST}`.")
    actual = sha256(file)
    if actual != expected:
        return (f"dataset file {entry.file} was changed or damaged: expected sha256 {expected}, got {actual}; "
                f"{restore_hint(entry)}.")
    return None


def verify(names: list[str] | None = None, folder: Path | None = None) -> list[str]:
    """Check every (or the named) dataset file against the manifest. Returns the problems; empty = all good.

    ``folder`` defaults to :func:`root` (``$FLYWHEEL_DATASETS`` or the course's datasets/)."""
    folder = folder or root()
    manifest = read_manifest(folder)
    problems = []
    for name in CATALOG if names is None else names:
        try:
            found = problem(name, folder, manifest)
        except DatasetError as error:
            found = str(error)
        if found:
            problems.append(found)
    return problems


def _dtypes(entry: DatasetSpec, columns: list[str]) -> dict[str, str]:
    return {column: entry.dtypes.get(column, entry.other_dtype or "") for column in columns}


def load(name: str) -> pd.DataFrame:
    """Read dataset ``name`` into a DataFrame with the dtypes documented in ``datasets/README.md``.

    The file's sha256 is checked first; a missing, unknown or tampered file raises :class:`DatasetError`
    naming the file and how to restore it.
    """
    entry = spec(name)
    found = problem(name)
    if found:
        raise DatasetError(found)
    options = dict(entry.read_options)
    parse_dates = options.pop("parse_dates", [])
    text = [c for c, dtype in entry.dtypes.items() if dtype == "str"]
    frame = pd.read_csv(root() / entry.file, dtype={c: "str" for c in text}, parse_dates=parse_dates, **options)
    wanted = _dtypes(entry, list(frame.columns))
    missing = [c for c, dtype in wanted.items() if not dtype]
    if missing or len(frame.columns) != entry.shape[1]:
        raise DatasetError(f"dataset file {entry.file} has columns {list(frame.columns)} that the catalog does "
                           f"not describe ({missing}); {restore_hint(entry)}.")
    return frame.astype(wanted)
