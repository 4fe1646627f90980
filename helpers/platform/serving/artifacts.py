"""Model artifacts: check a ``model.tar.gz`` is the one training wrote, then unpack it safely.

Nothing in an artifact is unpickled before its sha256 matches the value recorded when it was made
(the training job's ``job.json``, or the model record written by ``ModelBuilder.build``).
:func:`verified_extract` hashes and unpacks the *same bytes*: the archive is read once into a private
spooled copy, so a file swapped between the check and the unpacking is never unpacked.

Unpacking uses the standard library's ``data`` filter: no absolute paths, no ``..``, no links
pointing out of the target, no device files — a malicious archive is refused, not half-extracted.
On top of it: at most ``MAX_MEMBERS`` members, ``MAX_MEMBER_BYTES`` per file and
``max_unpacked_bytes()`` in all (a small gzip of zeros would otherwise fill the disk on every
deploy), and every unpacked file and folder is its owner's only (no setuid / setgid / sticky bits,
nothing readable or writable by group or others).

The checksum proves the archive is the one the kit recorded; it is not a trust boundary. A model's
pickles and its ``inference.py`` run code when loaded, by design (as in SageMaker's framework
containers): deploy only models you or your training jobs made.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import tarfile
import tempfile
from pathlib import Path

from helpers.platform.artifacts import pack, sha256_of
from helpers.platform_home import byte_cap

MAX_UNPACKED_ENV = "FLYWHEEL_MAX_MODEL_BYTES"
DEFAULT_MAX_UNPACKED_BYTES = 2 * 1024 ** 3      # a generous cap on a model's unpacked size: 2 GiB
MAX_MEMBER_BYTES = 2 * 1024 ** 3                # and on any one file in it
MAX_MEMBERS = 100_000                           # files, folders and links in one archive
SPOOL_BYTES = 64 * 1024 * 1024                  # archives up to this size are checked in memory
_CHUNK = 1 << 20


class ArtifactError(RuntimeError):
    """A model artifact is missing, altered or unsafe; the message names the file and the fix."""


def max_unpacked_bytes() -> int:
    """The cap on a model's unpacked size in bytes: ``$FLYWHEEL_MAX_MODEL_BYTES`` or 2 GiB."""
    return byte_cap(MAX_UNPACKED_ENV, DEFAULT_MAX_UNPACKED_BYTES, ArtifactError)


def verify_sha256(path: str | Path, expected: str | None) -> str:
    """Return the file's sha256; raise :class:`ArtifactError` when it differs from ``expected``.

    Only a check: to unpack what was checked, use :func:`verified_extract`.
    """
    path = _existing(path)
    _require(path, expected)
    actual = sha256_of(path)
    _compare(path, actual, expected)
    return actual


def verified_extract(archive: str | Path, expected: str | None, target: str | Path) -> str:
    """Check ``archive``'s sha256 against ``expected`` and unpack those same bytes into ``target``.

    The archive is opened once and copied to a private spooled file while it is hashed (in memory up to
    ``SPOOL_BYTES``, then on disk next to ``target``); the copy is what is unpacked. Returns the sha256.
    """
    archive, target = _existing(archive), Path(target)
    _require(archive, expected)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=target.parent) as copy:
        digest = hashlib.sha256()
        with open(archive, "rb") as raw:
            for block in iter(lambda: raw.read(_CHUNK), b""):
                digest.update(block)
                copy.write(block)
        actual = digest.hexdigest()
        _compare(archive, actual, expected)
        copy.seek(0)
        _extract(archive.name, lambda: tarfile.open(fileobj=copy, mode="r:*"), target)
    return actual


def safe_extract(archive: str | Path, target: str | Path) -> Path:
    """Unpack ``archive`` (tar, tar.gz) into an empty ``target``; refuse any member escaping it,
    an archive over the size caps, and special files. Modes come out owner-only."""
    archive, target = Path(archive), Path(target)
    _extract(archive.name, lambda: tarfile.open(archive, "r:*"), target)
    return target


def _extract(name: str, opener, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True, mode=0o700)
    try:
        with opener() as tar:
            _check_members(name, tar, target)  # every member before writing any: a refusal leaves nothing
            tar.extractall(target, filter=_private)
    except tarfile.TarError as error:
        shutil.rmtree(target, ignore_errors=True)
        raise ArtifactError(f"{name} is not a readable tar archive ({error}).") from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _check_members(name: str, tar: tarfile.TarFile, target: Path) -> None:
    """Raise ArtifactError for the first unsafe member, or when the archive is over a cap.

    Reads headers only as far as the caps allow, so a bomb is refused before it is decompressed.
    """
    cap, total, count = max_unpacked_bytes(), 0, 0
    for member in tar:
        count += 1
        if count > MAX_MEMBERS:
            raise ArtifactError(f"refusing to unpack {name}: it holds more than {MAX_MEMBERS:,} members. "
                                "Pack the model's files into fewer, larger ones.")
        try:
            if member.name.startswith(("/", "\\")):  # the data filter would only strip the "/"
                raise tarfile.AbsolutePathError(member)
            tarfile.data_filter(member, str(target))
        except tarfile.FilterError as error:
            raise ArtifactError(
                f"refusing to unpack {name}: member {member.name!r} is unsafe ({error}). "
                f"A model archive must only hold regular files and folders inside it.") from None
        if member.size > MAX_MEMBER_BYTES:
            raise ArtifactError(f"refusing to unpack {name}: member {member.name!r} unpacks to {member.size:,} "
                                f"bytes, over the cap of {MAX_MEMBER_BYTES:,} bytes for one file.")
        total += member.size
        if total > cap:
            raise ArtifactError(f"refusing to unpack {name}: it unpacks to more than {cap:,} bytes, the cap on "
                                f"a model's unpacked size (set {MAX_UNPACKED_ENV} to raise it, if the model "
                                "really is that big).")


def _private(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """The ``data`` filter, then owner-only modes: folders 0700, files at most 0700 (no setuid, setgid,
    sticky, and nothing for group or others)."""
    member = tarfile.data_filter(member, path)
    if member is None or member.issym():
        return member
    if member.isdir():
        return member.replace(mode=0o700, deep=False)
    if member.mode is not None:
        return member.replace(mode=stat.S_IMODE(member.mode) & 0o700, deep=False)
    return member


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"model artifact {path} does not exist: was the training job's output deleted?")
    if not path.is_file():
        raise ArtifactError(f"model artifact {path} is not a regular file: point the model at its model.tar.gz.")
    return path


def _require(path: Path, expected: str | None) -> None:
    if not expected:
        raise ArtifactError(
            f"no sha256 is recorded for {path}: refusing to unpickle an artifact of unknown origin. "
            f"Build the model again with ModelBuilder(...).build() so its checksum is recorded.")


def _compare(path: Path, actual: str, expected: str) -> None:
    if actual != expected.lower():
        raise ArtifactError(
            f"model artifact {path} has sha256 {actual[:16]}..., but {expected[:16]}... was recorded when it "
            f"was made: the file changed since (tampered, or overwritten by another run). Nothing was "
            f"loaded. Retrain, or build the model from the artifact you trust.")


def pack_dir(source: str | Path, archive: str | Path) -> str:
    """Pack a folder into ``archive`` the way training jobs do; return the archive's sha256."""
    return pack(Path(source), Path(archive))
