"""A small local data lake: parquet files in a folder laid out like an S3 bucket, queried with SQL.

Real projects start from a lake: raw exports land in ``s3://<bucket>/raw/<table>/``, cleaned tables
go to ``s3://<bucket>/curated/<table>/``, and analysts query both with SQL through Athena. Here the
bucket is a folder (``$FLYWHEEL_HOME/lake/<bucket>`` by default) and DuckDB plays Athena::

    lake = Lake()
    lake.ingest("messy_customers", table="customers")        # a raw export lands in raw/
    raw = lake.query("SELECT * FROM raw.customers WHERE Country = 'USA'")
    lake.write(clean, "curated", "customers", overwrite=True)  # the cleaned table, next to the raw one

Each table is one folder of parquet files; ``raw.<table>`` and ``curated.<table>`` are SQL views
over them (Athena's databases are the zones here). ``s3://<bucket>/...`` paths inside SQL are
mapped to the local folder, so ``read_parquet('s3://flywheel-lake/raw/customers/*.parquet')``
works as it would with DuckDB on real S3.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers import platform_home

__all__ = ["Lake", "LakeError", "ZONES", "DEFAULT_BUCKET"]

#: The lake's zones: data as received, and data cleaned and documented for everyone downstream.
ZONES = ("raw", "curated")
DEFAULT_BUCKET = "flywheel-lake"
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PART = "part-0000.parquet"


class LakeError(ValueError):
    """A lake operation cannot be done; the message says why and what to do instead."""


class Lake:
    """A bucket-shaped folder with ``raw/`` and ``curated/`` zones of parquet tables.

    Parameters
    ----------
    root:
        Folder that stands for S3; the bucket is a sub-folder. Default: ``$FLYWHEEL_HOME/lake``
        (outside the course checkout, so cleaning runs never dirty it).
    bucket:
        The bucket name used in ``s3://`` URIs.
    """

    def __init__(self, root: str | Path | None = None, bucket: str = DEFAULT_BUCKET):
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise LakeError(
                f"{bucket!r} is not a valid bucket name: use 3-63 lower-case letters, digits, dots or hyphens."
            )
        self.root = Path(root) if root is not None else platform_home.lake_root()
        self.bucket = bucket

    def __repr__(self) -> str:
        # No local path: notebook outputs must read the same on every laptop.
        return f"Lake(s3://{self.bucket}/, tables={self.tables()})"

    # ------------------------------------------------------------------------------ locations
    @property
    def bucket_dir(self) -> Path:
        return self.root / self.bucket

    def _check(self, zone: str, table: str) -> None:
        if zone not in ZONES:
            raise LakeError(f"zone {zone!r} does not exist: the lake has {', '.join(ZONES)}.")
        if not isinstance(table, str) or not _TABLE_NAME.match(table):
            raise LakeError(
                f"table name {table!r} is not allowed: use lower-case letters, digits and underscores, "
                "starting with a letter (it becomes an SQL name), e.g. 'customers_2024'."
            )

    def uri(self, zone: str, table: str) -> str:
        """The table's S3-style URI, e.g. ``s3://flywheel-lake/raw/customers/``."""
        self._check(zone, table)
        return f"s3://{self.bucket}/{zone}/{table}/"

    def path(self, zone: str, table: str) -> Path:
        """The local folder that holds the table's parquet files."""
        self._check(zone, table)
        return self.bucket_dir / zone / table

    def exists(self, zone: str, table: str) -> bool:
        return any(self.path(zone, table).glob("*.parquet"))

    def tables(self, zone: str | None = None) -> list[str]:
        """Every table as ``zone.table``, sorted (only those of ``zone`` when given)."""
        if zone is not None and zone not in ZONES:
            raise LakeError(f"zone {zone!r} does not exist: the lake has {', '.join(ZONES)}.")
        found = []
        for zone in [zone] if zone else ZONES:
            folder = self.bucket_dir / zone
            if folder.is_dir():
                found += [f"{zone}.{d.name}" for d in sorted(folder.iterdir()) if d.is_dir() and any(d.glob("*.parquet"))]
        return found

    def ls(self, zone: str | None = None) -> pd.DataFrame:
        """What ``aws s3 ls --recursive`` would show (for one ``zone`` when given), with rows and columns."""
        import pyarrow.parquet as pq

        rows = []
        for name in self.tables(zone):
            zone, table = name.split(".")
            for file in sorted(self.path(zone, table).glob("*.parquet")):
                meta = pq.read_metadata(file)
                rows.append({"key": f"{zone}/{table}/{file.name}", "rows": meta.num_rows, "columns": meta.num_columns})
        return pd.DataFrame(rows, columns=["key", "rows", "columns"])

    # ------------------------------------------------------------------------ reading/writing
    def write(self, frame: pd.DataFrame, zone: str, table: str, *, overwrite: bool = False) -> str:
        """Store ``frame`` as ``zone.table``; return its URI.

        An existing table is replaced only with ``overwrite=True`` (writing the very same data again
        is allowed, so re-running a notebook is harmless).
        """
        self._check(zone, table)
        if not isinstance(frame, pd.DataFrame):
            raise LakeError(f"the lake stores DataFrames, got a {type(frame).__name__}: wrap it in pd.DataFrame(...).")
        bad = [c for c in frame.columns if not isinstance(c, str) or not c.strip()]
        if bad:
            raise LakeError(f"column name(s) {bad!r} are not text: parquet needs string column names; rename them.")
        if frame.columns.duplicated().any():
            dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
            raise LakeError(f"column name(s) {dupes} appear twice: rename them before writing.")
        folder = self.path(zone, table)
        if self.exists(zone, table) and not overwrite:
            if self.read(zone, table).equals(frame.reset_index(drop=True)):
                return self.uri(zone, table)
            raise LakeError(
                f"{self.uri(zone, table)} already holds different data: pass overwrite=True to replace it"
                + (" (raw data is usually kept as received: write the cleaned table to 'curated' instead)." if zone == "raw" else ".")
            )
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        frame.reset_index(drop=True).to_parquet(folder / _PART, index=False)
        return self.uri(zone, table)

    def read(self, zone: str, table: str) -> pd.DataFrame:
        """The whole table as a DataFrame."""
        if not self.exists(zone, table):
            raise self._missing(f"{zone}.{table}")
        parts = [pd.read_parquet(f) for f in sorted(self.path(zone, table).glob("*.parquet"))]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def ingest(self, dataset: str, table: str | None = None, *, overwrite: bool = False) -> str:
        """Land a course dataset (``helpers.data.load(dataset)``) in ``raw/``, as a nightly export would."""
        from helpers import data

        table = table or dataset
        return self.write(data.load(dataset), "raw", table, overwrite=overwrite)

    def _missing(self, name: str) -> LakeError:
        have = ", ".join(self.tables()) or "none yet"
        return LakeError(
            f"there is no table {name} in s3://{self.bucket}/ (tables: {have}); "
            "land it first with lake.ingest(...) or lake.write(...)."
        )

    # ------------------------------------------------------------------------------------- SQL
    def connect(self):
        """A DuckDB connection with a view per table (``raw.customers`` ...), like Athena's catalogue."""
        import duckdb

        con = duckdb.connect()
        for zone in ZONES:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {zone}")
        for name in self.tables():
            zone, table = name.split(".")
            pattern = _sql_string(str(self.path(zone, table) / "*.parquet"))
            con.execute(f"CREATE VIEW {zone}.{table} AS SELECT * FROM read_parquet({pattern})")
        return con

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run one SQL query over the lake and return the result as a DataFrame."""
        import duckdb

        if not isinstance(sql, str) or not sql.strip():
            raise LakeError("the query is empty: write SQL such as \"SELECT * FROM raw.customers LIMIT 5\".")
        local = self.bucket_dir.as_posix().replace("'", "''")
        sql = sql.replace(f"s3://{self.bucket}", local)
        con = self.connect()
        try:
            return con.execute(sql, params).df() if params is not None else con.execute(sql).df()
        except duckdb.CatalogException as error:
            match = re.search(r"Table with name (\w+) does not exist", str(error))
            if match:
                raise self._missing(match.group(1)) from None
            raise
        except duckdb.IOException as error:
            message = str(error).replace(self.bucket_dir.as_posix(), f"s3://{self.bucket}").splitlines()[0]
            raise LakeError(
                f"{message}. Check the path: the bucket is s3://{self.bucket}/ with the zones {', '.join(ZONES)}; "
                f"tables: {', '.join(self.tables()) or 'none yet'}."
            ) from None
        finally:
            con.close()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
