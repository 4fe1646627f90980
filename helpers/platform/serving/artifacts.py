"""Model artifacts: check a ``model.tar.gz`` is the one training wrote, then unpack it safely.

Nothing in an artifact is unpickled before its sha256 matches the value recorded when it was made
(the training job's ``job.json``, or the model record written by ``ModelBuilder.build``). Unpacking
uses the standard library's ``data`` filter: no absolute paths, no ``..``, no links pointing out of
the target, no device files — a malicious archive is refused, not half-extracted.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

from helpers.platform.artifacts import pack, sha256_of


class ArtifactError(RuntimeError):
    """A model artifact is missing, altered or unsafe; the message names the file and the fix."""


def verify_sha256(path: str | Path, expected: str | None) -> str:
    """Return the file's sha256; raise :class:`ArtifactError` when it differs from ``expected``."""
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"model artifact {path} does not exist: was the training job's output deleted?")
    actual = sha256_of(path)
    if not expected:
        raise ArtifactError(
            f"no sha256 is recorded for {path}: refusing to unpickle an artifact of unknown origin. "
            f"Build the model again with ModelBuilder(...).build() so its checksum is recorded.")
    if actual != expected.lower():
        raise ArtifactError(
            f"model artifact {path} has sha256 {actual[:16]}..., but {expected[:16]}... was recorded when it "
            f"was made: the file changed since (tampered, or overwritten by another run). Nothing was "
            f"loaded. Retrain, or build the model from the artifact you trust.")
    return actual


def safe_extract(archive: str | Path, target: str | Path) -> Path:
    """Unpack ``archive`` (tar, tar.gz) into an empty ``target``; refuse any member escaping it."""
    archive, target = Path(archive), Path(target)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            # Check every member before writing any: a refused archive leaves nothing behind.
            for member in tar.getmembers():
                try:
                    if member.name.startswith(("/", "\\")):  # the data filter would only strip the "/"
                        raise tarfile.AbsolutePathError(member)
                    tarfile.data_filter(member, str(target))
                except tarfile.FilterError as error:
                    raise ArtifactError(
                        f"refusing to unpack {archive.name}: member {member.name!r} is unsafe ({error}). "
                        f"A model archive must only hold regular files and folders inside it.") from None
            tar.extractall(target, filter="data")
    except tarfile.TarError as error:
        shutil.rmtree(target, ignore_errors=True)
        raise ArtifactError(f"{archive} is not a readable tar archive ({error}).") from None
    except ArtifactError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def pack_dir(source: str | Path, archive: str | Path) -> str:
    """Pack a folder into ``archive`` the way training jobs do; return the archive's sha256."""
    return pack(Path(source), Path(archive))
