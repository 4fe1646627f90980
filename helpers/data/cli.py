"""``python -m helpers datasets``: verify the shipped datasets, list them, or regenerate synthetic ones.

    python -m helpers datasets                      # same as --verify
    python -m helpers datasets --list               # names, shapes, kinds, descriptions
    python -m helpers datasets --regenerate         # every synthetic set, and their manifest lines
    python -m helpers datasets --regenerate ratings # just one
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from helpers.data import loading, synthetic
from helpers.data.catalog import CATALOG


def folder_for(root: Path) -> Path:
    override = os.environ.get(loading.ENV_ROOT)
    return Path(override) if override else Path(root) / "datasets"


def list_sets() -> None:
    width = max(map(len, CATALOG))
    for name, entry in CATALOG.items():
        kind = "synthetic" if entry.synthetic else "real"
        rows, columns = entry.shape
        print(f"{name:<{width}}  {kind:<9}  {rows:>7,} x {columns:<3}  {entry.description}")


def regenerate(names: list[str], folder: Path) -> int:
    unknown = [n for n in names if n not in CATALOG]
    real = [n for n in names if n in CATALOG and not CATALOG[n].synthetic]
    if unknown:
        print(f"unknown dataset(s) {', '.join(unknown)}; synthetic ones: {', '.join(synthetic.synthetic_names())}.")
        return 2
    if real:
        files = " ".join(f"datasets/{CATALOG[n].file}" for n in real)
        print(f"{', '.join(real)} copied from packages, cannot be regenerated; restore with `git checkout -- {files}`.")
        return 2
    manifest = loading.read_manifest(folder)
    for name in names or synthetic.synthetic_names():
        target = synthetic.write(name, folder)
        manifest[target.name] = loading.sha256(target)
        print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
    loading.write_manifest(manifest, folder)
    print(f"updated {folder / loading.MANIFEST}")
    return 0


def verify(folder: Path) -> int:
    problems = loading.verify(folder=folder)
    for problem in problems:
        print(f"FAIL  {problem}")
    if problems:
        return 1
    print(f"ok    {len(CATALOG)} datasets in {folder} match {loading.MANIFEST}")
    return 0


def main(argv: list[str], root: Path) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers datasets", description="Verify the shipped datasets, list them, or regenerate the synthetic ones.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--verify", action="store_true", help="check every file against MANIFEST.sha256 (default)")
    group.add_argument("--list", action="store_true", help="list the datasets")
    group.add_argument("--regenerate", nargs="*", metavar="NAME",
                       help="rewrite the synthetic set(s) (all when no NAME) and their manifest lines")
    args = parser.parse_args(argv)
    folder = folder_for(root)
    if args.list:
        list_sets()
        return 0
    if args.regenerate is not None:
        return regenerate(args.regenerate, folder)
    return verify(folder)
