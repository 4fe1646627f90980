"""The catalog: every dataset the course uses, its file, its documented dtypes and where it came from.

One :class:`DatasetSpec` per set, read from ``catalog.json`` next to this file (data, not code: the
twelve entries share one shape). ``datasets/README.md`` carries the long datasheets (every column with
its unit and meaning); the catalog holds what the loader needs to read a file and what a learner sees
from ``helpers.data.info(name)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: where its file is, how to read it and what it is.

    ``dtypes`` maps every column to the dtype :func:`helpers.data.load` returns (pandas 3 names:
    ``str`` for text, ``datetime64[us]`` for parsed dates). ``other_dtype`` covers columns not listed
    (used for Caravan's 85 integer columns). ``generator`` is the module under ``helpers.data`` that
    regenerates a synthetic set; ``None`` for real data copied from a package.
    """

    name: str
    file: str
    description: str
    source: str
    licence: str
    shape: tuple[int, int]
    dtypes: dict[str, str]
    generator: str | None = None
    other_dtype: str | None = None
    read_options: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return self.generator is not None

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain data (what :func:`helpers.data.info` returns)."""
        return {
            "name": self.name,
            "description": self.description,
            "file": f"datasets/{self.file}",
            "kind": "synthetic" if self.synthetic else "real",
            "rows": self.shape[0],
            "columns": self.shape[1],
            "dtypes": dict(self.dtypes),
            **({"other_columns_dtype": self.other_dtype} if self.other_dtype else {}),
            "source": self.source,
            "licence": self.licence,
            "regenerate": f"python -m helpers datasets --regenerate {self.name}" if self.synthetic else None,
            "datasheet": f"datasets/README.md#{self.name}",
        }


def _load(path: Path) -> tuple[DatasetSpec, ...]:
    """The entries of ``catalog.json`` (a list of DatasetSpec fields; ``shape`` as [rows, columns]).

    messy_customers reads as raw strings on purpose (``keep_default_na: false``): the cleaning notebook
    parses them. Empty fields become NaN; every other missing-value marker ("N/A", "?", " ",
    "unknown") stays as written.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))
    return tuple(DatasetSpec(**{**entry, "shape": tuple(entry["shape"])}) for entry in entries)


SPECS: tuple[DatasetSpec, ...] = _load(Path(__file__).with_name("catalog.json"))
CATALOG: dict[str, DatasetSpec] = {spec.name: spec for spec in SPECS}
