"""Where the local platform keeps its state (objects, jobs, endpoints): FLYWHEEL_HOME or ~/.flywheel.

Kept outside the repository so a learner's runs never dirty the checkout.

The home holds captured requests, training data and models, so it is the owner's only: every folder the
kit creates in it is 0700 and every file its own writers create is 0600. Child processes the kit starts
(training containers, endpoint servers, the capture writer) get the umask ``PRIVATE_UMASK`` so what they
write is private too. Create folders through ``ensure_home()`` / ``private_dir()`` and write files
through ``write_private_bytes()`` / ``write_private_text()`` / ``open_private()``.

Every file that must never be seen half-written (records, objects, archives, labs) goes through the one
atomic writer, :func:`atomic_open` / :func:`write_atomic`: a temporary file in the same folder, fsync'd,
then ``os.replace`` onto the target, so a reader sees the old content or the new, never a mix; a write
that fails removes its temporary file and leaves the old file as it was.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644  # a new file of the checkout written by write_atomic(..., file_mode=None)
# For subprocess.Popen(umask=...): what a child creates is readable by its owner only.
PRIVATE_UMASK = 0o077


def home() -> Path:
    """The configured home folder (not created; use ``ensure_home()`` before writing into it)."""
    return Path(os.environ.get("FLYWHEEL_HOME") or Path.home() / ".flywheel").expanduser()


# Every folder the kit keeps in the home is named here, and only here (tests/test_platform_home.py
# checks that no other module joins a name onto home()). The endpoint family hangs off ``store()``, the
# resolved home, because endpoint servers and the runtime router get it as an absolute path.
OBJECTS = "s3"                          # the local object store: one folder per bucket
JOBS = "jobs"                           # training jobs: <name>/job.json, logs, the /opt/ml tree
TUNING_JOBS = "tuning-jobs"             # tuning jobs: <name>/tuning.json
ENDPOINTS = "endpoints"                 # endpoints: <name>/endpoint.json, server.json, capture...
RUNTIME = "_runtime"                    # in ENDPOINTS: the runtime router's runtime.json, lock and log
MODELS = "models"                       # CreateModel records and their unpacked artifacts
ENDPOINT_CONFIGS = "endpoint-configs"   # CreateEndpointConfig records, <name>.json
TRANSFORM_JOBS = "transform-jobs"       # batch transform jobs: <name>/job.json
LAKE = "lake"                           # helpers.lake: the data lake's buckets
WRITEUPS = "writeups"                   # a learner's problem statement and architecture
MODEL_REGISTRY = "model-registry"       # model package groups: <group>/group.json, <group>/versions/<n>/
PIPELINES = "pipelines"                 # pipelines: <name>/pipeline.json, executions/, cache/
PROGRESS = "progress"                   # the learner's opt-in progress record (helpers.learning_record)
SECRET_FILE = "endpoint-secret"         # the store's secret token (helpers.platform.serving.access)


def store(base: str | os.PathLike | None = None) -> Path:
    """The home as an absolute, resolved path (``base`` when given: a child process gets it in argv)."""
    return Path(base).expanduser() if base is not None else home().expanduser().resolve()


def objects_root() -> Path:
    """``<home>/s3``: every bucket of the local object store."""
    return home() / OBJECTS


def jobs_root() -> Path:
    """``<home>/jobs``: one folder per training job."""
    return home() / JOBS


def tuning_jobs_root() -> Path:
    """``<home>/tuning-jobs``: one folder per tuning job."""
    return home() / TUNING_JOBS


def endpoints_root(base: str | os.PathLike | None = None) -> Path:
    """``<store>/endpoints``: one folder per endpoint (see :func:`store` for ``base``)."""
    return store(base) / ENDPOINTS


def runtime_dir(base: str | os.PathLike | None = None) -> Path:
    """``<store>/endpoints/_runtime``: the runtime router's state, lock and log."""
    return endpoints_root(base) / RUNTIME


def models_root(base: str | os.PathLike | None = None) -> Path:
    """``<store>/models``: one folder per model."""
    return store(base) / MODELS


def endpoint_configs_root(base: str | os.PathLike | None = None) -> Path:
    """``<store>/endpoint-configs``: one ``<name>.json`` per endpoint configuration."""
    return store(base) / ENDPOINT_CONFIGS


def transform_jobs_root(base: str | os.PathLike | None = None) -> Path:
    """``<store>/transform-jobs``: one folder per batch transform job."""
    return store(base) / TRANSFORM_JOBS


def lake_root() -> Path:
    """``<home>/lake``: the default root of ``helpers.lake.Lake``."""
    return home() / LAKE


def writeups_root() -> Path:
    """``<home>/writeups``: a learner's problem statement and architecture (kept out of the checkout)."""
    return home() / WRITEUPS


def model_registry_root() -> Path:
    """``<home>/model-registry``: one folder per model package group (``helpers.platform.registry``)."""
    return home() / MODEL_REGISTRY


def pipelines_root() -> Path:
    """``<home>/pipelines``: one folder per pipeline, its executions and step cache (``helpers.platform.pipelines``)."""
    return home() / PIPELINES


def progress_root() -> Path:
    """``<home>/progress``: the learner's consent and progress record (``helpers.learning_record``)."""
    return home() / PROGRESS


def secret_file(base: str | os.PathLike | None = None) -> Path:
    """``<home>/endpoint-secret`` (``base``: another home, not resolved)."""
    return (Path(base) if base is not None else home()).expanduser() / SECRET_FILE


def ensure_home() -> Path:
    """Create the home folder for its owner only (0700) and return it.

    An existing home that group or others may enter or read is tightened to 0700, with a one-line notice
    on stderr, so a store made by an older kit stops exposing its contents. A loose home that is shared
    (sticky, like /tmp) or another user's is refused with a PermissionError that names a folder to use.
    """
    folder = home()
    if folder.is_dir():
        _tighten(folder)
    else:
        _make_private(folder)
    return folder


def private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` and any missing parents as 0700 folders (``mkdir -p`` for the owner only).

    Folders that already exist keep their mode, except the home itself (``ensure_home`` tightens it).
    """
    path = Path(path)
    root = home()
    if _is_within(path, root):
        ensure_home()
    _make_private(path)
    return path


def open_private(path: str | os.PathLike, mode: str = "wb", **kwargs):
    """``open(path, mode)`` that creates a missing file 0600 (``mode``: "w", "wb", "a", "ab", "x", "xb")."""
    flags = {"w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC, "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
             "x": os.O_WRONLY | os.O_CREAT | os.O_EXCL}[mode[0]]
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    return os.fdopen(fd, mode, **kwargs)


def write_private_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` (created 0600 if missing; an existing file keeps its mode)."""
    with open_private(path, "wb") as handle:
        handle.write(data)


def write_private_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` (created 0600 if missing; an existing file keeps its mode)."""
    with open_private(path, "w", encoding=encoding) as handle:
        handle.write(text)


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", *, file_mode: int | None = PRIVATE_FILE_MODE,
                prefix: str | None = None, encoding: str | None = None,
                errors: str | None = None) -> Iterator[IO]:
    """Write ``path`` atomically: yield a temporary file in its folder, then fsync it and ``os.replace`` it.

    ``mode`` is "wb" or "w" (text: ``encoding`` defaults to UTF-8). The new file gets ``file_mode``:
    0600 by default; ``None`` keeps the mode of the file it replaces (0644 for a new one), for files of
    the checkout (labs, solutions, tables) rather than of the home. The temporary file is named ``<prefix>XXXX.tmp``
    (default prefix ``.<name>.``, hidden); if the body raises, or the disk fills, it is removed and the
    error propagates with ``path`` untouched. The folder must exist.
    """
    if mode not in {"w", "wb"}:
        raise ValueError(f"atomic_open writes a whole file: mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    if file_mode is None:
        file_mode = _current_mode(path, default=PUBLIC_FILE_MODE)
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=encoding, errors=errors) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
        os.chmod(temp, file_mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def write_atomic(path: str | os.PathLike, data: bytes | str, *, file_mode: int | None = PRIVATE_FILE_MODE,
                 prefix: str | None = None, errors: str | None = None) -> None:
    """Replace ``path``'s content with ``data`` (bytes, or str written as UTF-8) atomically; see :func:`atomic_open`."""
    text = isinstance(data, str)
    with atomic_open(path, "w" if text else "wb", file_mode=file_mode, prefix=prefix,
                     errors=errors if text else None) as handle:
        handle.write(data)


def exchange_folders(first: str | os.PathLike, second: str | os.PathLike) -> None:
    """Swap two folders in one step (Linux ``renameat2`` RENAME_EXCHANGE, macOS ``renamex_np`` RENAME_SWAP),
    so a reader never finds neither (an endpoint's servers during a blue/green update); elsewhere three
    renames, a moment apart. Both folders must exist on the same file system."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    a, b = os.fsencode(first), os.fsencode(second)
    if hasattr(libc, "renameat2") and libc.renameat2(-100, a, -100, b, 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        return
    if hasattr(libc, "renamex_np") and libc.renamex_np(a, b, 2) == 0:  # RENAME_SWAP
        return
    aside = f"{os.fsdecode(a)}.swap"
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


def _current_mode(path: Path, default: int) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return default


def byte_cap(env: str, default: int, error: type[Exception] = ValueError) -> int:
    """A cap on disk use in bytes: ``$env`` when set (a whole number), else ``default``.

    A value that is not a whole number raises ``error`` naming the variable and a value that works.
    """
    value = os.environ.get(env, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit():
        raise error(f"{env}={value!r} is not a whole number of bytes: set it like {env}={2 * default} "
                    f"({_in_units(2 * default)}), or unset it for the {_in_units(default)} default.")
    return int(value)


def _in_units(size: int) -> str:
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def _make_private(path: Path) -> None:
    # mkdir(parents=True) gives missing parents the umask's mode, so each level is made here with 0700.
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # a parallel writer made it first; it made it 0700 too
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask; 0700 is what we mean
    if not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a folder; move it away and retry")


def _tighten(folder: Path) -> None:
    info = folder.stat()
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o077:
        return
    if mode & stat.S_ISVTX or info.st_uid != os.getuid():
        # A shared folder (/tmp) or someone else's: tightening it would lock others out (or fail).
        raise PermissionError(
            f"FLYWHEEL_HOME={folder} is a shared folder (mode {mode:o}, owner uid {info.st_uid}): the platform keeps "
            f"data, models and captured requests there, so it needs a folder of its own. Point FLYWHEEL_HOME at "
            f"a new folder, e.g. FLYWHEEL_HOME={folder / 'flywheel'}")
    os.chmod(folder, PRIVATE_DIR_MODE)
    print(f"flywheel: {folder} was readable by other users (mode {mode:o}); made it owner-only (700)",
          file=sys.stderr)


def _is_within(path: Path, root: Path) -> bool:
    try:
        return path.absolute().is_relative_to(root.absolute())
    except OSError:
        return False


def make_tree_private(folder: str | os.PathLike) -> None:
    """Drop group and other permissions from ``folder`` and everything in it (symlinks are left alone).

    For trees copied with their source's modes (``shutil.copytree``) into the home.
    """
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames, ""]:
            path = os.path.join(dirpath, name) if name else dirpath
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)
