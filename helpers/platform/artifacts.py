"""Packing a job's ``model/`` (and ``output/data/``) folder into a ``.tar.gz`` in the store.

The archive holds the folder's contents at its root (``model.tar.gz`` -> ``model.pkl``, not
``model/model.pkl``), as SageMaker writes it; its sha256 is recorded so a server can check the
file before unpickling anything from it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import tempfile
from pathlib import Path

from helpers.platform_home import private_dir


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack(folder: Path, target: Path) -> str:
    """Write ``folder``'s contents to ``target`` (tar.gz) atomically; returns the archive's sha256."""
    private_dir(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tar.gz")
    os.close(fd)
    try:
        # Fixed mtimes and owners: the same model gives the same bytes (and the same sha256).
        def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            return info

        with open(tmp, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz:
                with tarfile.open(fileobj=gz, mode="w") as tar:
                    for path in sorted(folder.rglob("*")):
                        tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False, filter=clean)
        digest = sha256_of(Path(tmp))
        os.replace(tmp, target)
        return digest
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unpack(archive: Path, folder: Path) -> Path:
    """Extract a model archive into an emptied ``folder`` with the serving checks (unsafe members,
    size caps, owner-only modes: ``helpers.platform.serving.artifacts.safe_extract``); returns the folder."""
    from helpers.platform.serving.artifacts import safe_extract  # serving imports this module

    return safe_extract(archive, folder)
