"""Packing a job's ``model/`` (and ``output/data/``) folder into a ``.tar.gz`` in the store.

The archive holds the folder's contents at its root (``model.tar.gz`` -> ``model.pkl``, not
``model/model.pkl``), as SageMaker writes it; its sha256 is recorded so a server can check the
file before unpickling anything from it.
"""

from __future__ import annotations

import gzip
import hashlib
import tarfile
from pathlib import Path

from helpers.platform_home import atomic_open, private_dir
from helpers.platform.storage import UPLOAD_PREFIX


def sha256_of(path: Path) -> str:
    """The file's sha256, hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def pack(folder: Path, target: Path) -> str:
    """Write ``folder``'s contents to ``target`` (tar.gz) atomically; returns the archive's sha256."""
    private_dir(target.parent)

    # Fixed mtimes and owners: the same model gives the same bytes (and the same sha256).
    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    digest = hashlib.sha256()
    with atomic_open(target, prefix=UPLOAD_PREFIX) as raw:
        hashing = _Hashing(raw, digest)
        with gzip.GzipFile(fileobj=hashing, mode="wb", mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=gz, mode="w") as tar:
                for path in sorted(folder.rglob("*")):
                    tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False, filter=clean)
    return digest.hexdigest()


class _Hashing:
    """A write-only file that feeds what it writes to ``digest`` (the archive is hashed as it is written)."""

    def __init__(self, raw, digest):
        self.raw, self.digest = raw, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()
