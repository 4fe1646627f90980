"""A processing script run on SageMaker's processing contract, locally.

On SageMaker a processing job copies each ``ProcessingInput`` to its ``LocalPath`` (the SDK's
``destination``, under ``/opt/ml/processing/``), runs the script, then uploads each output's
``LocalPath`` (the SDK's ``source``, e.g. ``/opt/ml/processing/train``) to its S3 URI at the end of the
job. Scripts written for it, like the public examples' ``preprocessing.py`` and ``evaluation.py``,
hold those paths as literals: ``os.path.join("/opt/ml/processing/input", "census-income.csv")``,
``base_dir = "/opt/ml/processing"`` then ``f"{base_dir}/train/train.csv"``.

Locally ``/opt/ml`` is not ours to write and runs must not collide, so each run builds the tree under
its own folder (``<job>/opt/ml/processing/...``, as ``helpers.platform.opt_ml`` does for training) and
runs a COPY of the script (``opt/ml/processing/input/code/<script>``, where SageMaker puts it too) in
which the prefix ``/opt/ml/processing`` is replaced by that folder:

- in the script's string literals (f-strings included), found with ``tokenize`` so code and comments
  are left alone;
- in its arguments (``--input /opt/ml/processing/input``).

Why this and not the alternatives: a container or a chroot is not available on a course laptop; a
per-user mount namespace (``unshare``) works on some Linux machines and is refused on others (CI
runners, macOS); patching ``open``/``os``/``pathlib`` at run time misses every library that opens files
itself (pandas' C parser, tarfile...). The rewrite is visible (the copy is kept in the job folder) and
exact for the public examples. What it cannot see: a path built piece by piece (``"/opt" + "/ml"``) or
written in a module the script imports; such a run fails, and its reason says so.

The script runs as ``python <copy> <arguments>`` would, through :mod:`~helpers.platform.pipelines.launcher`,
which takes both from the environment: the command line, which every user of the machine can read, shows
neither the job folder nor the arguments (they name the pipeline and the step).

The process's working directory is the job's ``work/`` folder (``tar.extractall(path=".")`` lands
there); outputs are copied to their S3 folder only when the script exits 0 (``S3UploadMode EndOfJob``).
Then the job folder keeps the script's copy and its ``stdout.log``/``stderr.log``; a failed job keeps
its whole tree to look into.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tokenize
from pathlib import Path

from helpers.platform.opt_ml import place_file
from helpers.platform.pipelines import launcher
from helpers.platform_home import make_tree_private, private_dir, write_private_text

PREFIX = "/opt/ml/processing"
CODE_DIR = f"{PREFIX}/input/code"
_UNSAFE_IN_LITERAL = set("\"'\\{}\n")  # a local root holding these would break the rewritten literals


INTERNAL_ERROR = "SageMaker.JOB_INTERNAL_ERROR"
SERVICE_FAULT = "Step.SERVICE_FAULT"


class ScriptFailed(RuntimeError):
    """The job failed; the message is the step's FailureReason, ``exception_type`` the retry type it stands for
    (None: the script's own error, never retried)."""

    def __init__(self, message: str, exception_type: str | None = None):
        super().__init__(message)
        self.exception_type = exception_type


def check_local_path(path: str, what: str) -> str:
    """``path`` if it lies under ``/opt/ml/processing/`` (SageMaker's rule for LocalPath), else a ValueError."""
    text = str(path).rstrip("/")
    if not text.startswith(PREFIX + "/") or "/../" in text + "/" or text.startswith(CODE_DIR):
        raise ValueError(f"{what} {path!r} must be a folder under {PREFIX}/ (SageMaker's processing contract), "
                         f"e.g. '{PREFIX}/input/data' or '{PREFIX}/train'; {CODE_DIR} holds the script.")
    return text


def local_folder(root: Path, container_path: str) -> Path:
    """The folder under ``root`` (the job's ``opt/ml/processing``) that stands for ``container_path``."""
    return root.joinpath(*container_path[len(PREFIX):].strip("/").split("/"))


def rewrite_source(source: str, root: Path) -> str:
    """``source`` with ``/opt/ml/processing`` in string literals replaced by ``root``."""
    local = str(root)
    if _UNSAFE_IN_LITERAL & set(local):
        raise ValueError(f"The job folder {local!r} holds a quote, backslash or brace, which cannot go into the "
                         "script's string literals: set FLYWHEEL_HOME to a plainer path.")
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}  # 3.12 splits f-strings
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type in kinds]
    except (tokenize.TokenError, SyntaxError):
        return source  # unchanged: Python then names the syntax error, as it would on SageMaker
    lines = source.splitlines(keepends=True)
    # Replace from the last token back, so earlier positions stay valid.
    for token in reversed(tokens):
        (row, col), (end_row, end_col) = token.start, token.end
        text = "".join(lines[row - 1:end_row])
        end = len(text) - len(lines[end_row - 1]) + end_col
        if PREFIX in text[col:end]:
            lines[row - 1:end_row] = [text[:col] + text[col:end].replace(PREFIX, local) + text[end:]]
    return "".join(lines)


def rewrite_argument(value, root: Path) -> str:
    return str(value).replace(PREFIX, str(root))


def stage_inputs(root: Path, inputs: dict[str, tuple[Path, str]]) -> None:
    """Copy each input (a file or a folder) to its LocalPath under ``root``: ``{name: (source, local_path)}``."""
    for source, container_path in inputs.values():
        target = private_dir(local_folder(root, container_path))
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in files:
            relative = path.name if path == source else path.relative_to(source)
            place_file(path, target / relative)


def run_script(job_dir: Path, script: Path, argv: list, inputs: dict[str, tuple[Path, str]],
               outputs: dict[str, tuple[Path, str]], env: dict[str, str]) -> Path:
    """Run ``script`` on the contract in ``job_dir``; copy each output's LocalPath to its folder on success.

    ``inputs``: ``{name: (local source, LocalPath)}``; ``outputs``: ``{name: (target folder, LocalPath)}``.
    Returns the rewritten copy of the script. Raises :class:`ScriptFailed` with the last line of stderr.
    """
    try:
        root, copy = _prepare(job_dir, script, inputs, outputs)
    except OSError as error:
        raise ScriptFailed(f"InternalServerError: could not stage the job's inputs in {job_dir}: {error}",
                           SERVICE_FAULT) from None
    work = private_dir(job_dir / "work")
    # the script's path and arguments name the pipeline and step: in the environment, not on the command line
    line, passed = launcher.command(str(copy), [rewrite_argument(a, root) for a in argv])
    done = subprocess.run(line, env={**env, **passed}, capture_output=True, text=True, cwd=work)
    write_private_text(job_dir / "stdout.log", done.stdout)
    write_private_text(job_dir / "stderr.log", done.stderr)
    if done.returncode < 0:  # killed from outside (out of memory, the machine): an instance failure on SageMaker
        raise ScriptFailed(f"InternalServerError: {script.name} was killed by signal {-done.returncode}",
                           INTERNAL_ERROR)
    if done.returncode != 0:
        raise ScriptFailed(_failure(script.name, done.returncode, done.stderr, root))
    try:
        for target, container_path in outputs.values():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(local_folder(root, container_path), target)
            make_tree_private(target)
    except OSError as error:
        raise ScriptFailed(f"InternalServerError: could not upload the job's outputs: {error}", SERVICE_FAULT) from None
    _tidy(job_dir, root)
    return copy


def _tidy(job_dir: Path, root: Path) -> None:
    """After success keep only the script's copy and its logs: the data is in the store already, and a
    container's disk is gone after its job too (a failed job keeps its tree, to look into)."""
    shutil.rmtree(job_dir / "work", ignore_errors=True)
    code = local_folder(root, CODE_DIR)
    for path in sorted(root.rglob("*"), reverse=True):  # children before their folders
        if path == code or code in path.parents or path in code.parents:
            continue
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()


def _prepare(job_dir: Path, script: Path, inputs: dict, outputs: dict) -> tuple[Path, Path]:
    """Build the job's tree: inputs copied, output folders made, the rewritten script. ``(root, script copy)``."""
    if job_dir.exists():
        shutil.rmtree(job_dir)  # a retry or a rerun starts from a clean tree, as a new container would
    root = private_dir(job_dir / "opt" / "ml" / "processing")
    stage_inputs(root, inputs)
    for _target, container_path in outputs.values():
        private_dir(local_folder(root, container_path))  # SageMaker creates each output's LocalPath
    copy = private_dir(local_folder(root, CODE_DIR)) / script.name
    write_private_text(copy, rewrite_source(script.read_text(encoding="utf-8"), root))
    return root, copy


def _failure(name: str, status: int, stderr: str, root: Path) -> str:
    last = (stderr.strip().splitlines() or [f"exit status {status}"])[-1]
    reason = f"AlgorithmError: {name} exited with status {status}: {last.replace(str(root), PREFIX)}"
    if PREFIX in stderr and "No such file" in stderr:
        reason += (f" (locally only string literals of the script and its arguments are mapped from {PREFIX} to "
                   "the job folder: write the path as one literal, or pass it as an argument)")
    return reason
