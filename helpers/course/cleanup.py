"""``python -m helpers cleanup``: stop the local endpoints and servers left running.

Endpoints keep running after a notebook finishes or its kernel restarts — on AWS they would keep
billing. This finds every server process of the local store (registered endpoints, servers whose
registration was lost, batch-transform servers, the local SageMaker Runtime), by pid and start
time, and stops it; training and tuning jobs whose notebook died are marked Failed (their training
process stopped only when pid and start time prove it is theirs), and so are pipeline executions whose
Python process died; the state file a dead runtime
router left is removed; multipart uploads of the local S3 API untouched for a day are aborted, as S3's
lifecycle rule ``AbortIncompleteMultipartUpload`` does (an upload still receiving parts is kept). Corrupt records are reported by name, with how to remove them, and skipped:
they never stop the rest. ``--list`` only shows all this and changes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

RESTART_RUNTIME = ('python -c "from helpers.platform.serving.runtime import use_local_runtime; '
                   'use_local_runtime(start=True)"')


def corrupt_records() -> list:
    """Every record of the store that cannot be read (training jobs, tuning jobs, endpoints, model
    registry, pipelines)."""
    from helpers.platform import jobs
    from helpers.platform.pipelines import store as pipeline_store
    from helpers.platform.registry import store as model_registry
    from helpers.platform.serving import registry
    from helpers.platform.tuning import records as tuning_records

    return [*jobs.corrupt_records(), *tuning_records.corrupt_records(), *registry.corrupt_records(),
            *model_registry.corrupt_records(), *pipeline_store.corrupt_records()]


def runtime_report() -> tuple[str, str, str]:
    """The runtime router's state: ("running" | "dead" | "not started" | "corrupt", detail, fix)."""
    from helpers.platform.serving import runtime

    try:
        status = runtime.runtime_status()
    except (ValueError, TypeError, KeyError) as error:  # a state file with a wrong type inside
        return ("corrupt", f"its state file {runtime.state_file()} is unusable ({error})",
                "run `python -m helpers cleanup` to remove it (the next deploy starts the runtime again)")
    state = str(status.get("Status", ""))
    if state == "running":
        return "running", f"pid {status.get('Pid')}, {status.get('Url')}", ""
    if state.startswith("dead"):
        return ("dead", f"its process (pid {status.get('Pid')}) is gone but its state file "
                        f"{runtime.state_file()} is left; boto3 calls to local endpoints fail to connect",
                f"run `python -m helpers cleanup` to remove the stale state, or restart it: {RESTART_RUNTIME}")
    return "not started", "started by the first deploy", ""


def remove_stale_runtime_state() -> bool:
    """Delete the state file of a router that is no longer running (under the router's start lock)."""
    from helpers.platform.serving import runtime

    if runtime_report()[0] not in ("dead", "corrupt"):
        return False
    with runtime.start_lock():
        if runtime_report()[0] not in ("dead", "corrupt"):
            return False  # started again meanwhile
        runtime.state_file().unlink(missing_ok=True)
    return True


def stale_uploads() -> list:
    """Multipart uploads of the local S3 API untouched for over a day (``UnfinishedUpload`` items)."""
    from helpers.platform.serving import s3_api

    return s3_api.stale_uploads()


def abort_stale_uploads() -> list:
    """Remove the uploads :func:`stale_uploads` lists; returns those removed."""
    from helpers.platform.serving import s3_api

    return s3_api.abort_stale_uploads()


def reconcile_jobs() -> list[str]:
    """Read every training and tuning job record, which marks those whose notebook died Failed.

    Returns the names of the jobs that were InProgress before and are not any more.
    """
    from helpers.platform import jobs
    from helpers.platform.records import CorruptRecord
    from helpers.platform.tuning import records as tuning_records

    ended = []
    for load, read, status_key, names in (
            (jobs.load_record, jobs.read_record, "TrainingJobStatus", jobs.record_names()),
            (tuning_records.load, tuning_records.read, "HyperParameterTuningJobStatus", tuning_records.known_names())):
        for name in names:
            try:
                if load(name)[status_key] != "InProgress":
                    continue
                if read(name)[status_key] != "InProgress":
                    ended.append(name)
            except (CorruptRecord, ValueError):
                continue  # reported with the corrupt records, or removed meanwhile
    return ended


def _print_corrupt(corrupt: list) -> None:
    if not corrupt:
        return
    print(f"{len(corrupt)} corrupt record(s), skipped:")
    for error in corrupt:
        print(f"  {error}")


def main(argv: list[str], root: Path) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers cleanup", description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="show what is running, stop nothing")
    args = parser.parse_args(argv)

    from helpers.platform.records import CorruptRecordWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptRecordWarning)  # reported once, below, with the fix
        try:
            return _show() if args.list else _clean()
        except PermissionError as error:  # a store of another user's (a classroom): refused, nothing stopped
            print(f"cleanup: {not_yours(error)}", file=sys.stderr)
            return 2


def _owner(path: Path) -> str:
    """Who owns ``path``, as seen from here: the owner of the nearest folder above it this user may look at
    (inside another's 0700 home nothing can be looked at; the home itself can)."""
    try:
        import pwd  # POSIX only; elsewhere the owner goes unnamed
    except ImportError:
        return "another user"
    for candidate in [path, *path.parents]:
        try:
            uid = candidate.stat().st_uid
        except OSError:
            continue
        if uid == os.getuid():
            break
        try:
            return f"user {pwd.getpwuid(uid).pw_name}"
        except KeyError:
            return f"user {uid}"
    return "another user"


def not_yours(error: PermissionError) -> str:
    """What to say when the store (FLYWHEEL_HOME) or a file in it may not be read by this user."""
    from helpers.platform_home import home

    where = error.filename or home()
    return (f"cannot read {where} ({error.strerror or error}): this store belongs to {_owner(Path(where))}, not to you. "
            f"Nothing was stopped. Run cleanup as that user, or set FLYWHEEL_HOME to your own store "
            f"(now {home()}).")


def _show() -> int:
    from helpers.platform.serving.registry import running_resources, store_root

    resources = running_resources()
    if resources:
        print(f"{len(resources)} resource(s) running (store {store_root()}):")
        for resource in resources:
            print(f"  {resource}")
        print("Stop them with: python -m helpers cleanup")
    else:
        print(f"Nothing left running (store {store_root()}).")
    router, detail, fix = runtime_report()
    if router in ("dead", "corrupt"):
        print(f"The local SageMaker Runtime is {router}: {detail}. Fix: {fix}.")
    stale = stale_uploads()
    if stale:
        print(f"{len(stale)} unfinished multipart upload(s) untouched for over a day (cleanup aborts them):")
        for upload in stale:
            print(f"  {upload}")
    _print_corrupt(corrupt_records())
    return 0


def _clean() -> int:
    from helpers.platform.pipelines import reconcile_executions
    from helpers.platform.serving.registry import running_resources, stop_resource, store_root

    resources = running_resources()
    failed = 0
    # endpoints first: the runtime router is only useful while endpoints exist
    for resource in sorted(resources, key=lambda r: r.kind == "router"):
        try:
            stop_resource(resource)
            print(f"stopped {resource}")
        except Exception as error:  # keep going: one stubborn process must not hide the others
            failed += 1
            print(f"could not stop {resource}: {error}")
    for name in reconcile_jobs():
        print(f"job {name!r}: the notebook that ran it had exited; marked Failed")
    for arn in reconcile_executions():
        print(f"pipeline execution {arn}: the notebook that ran it had exited; marked Failed")
    if remove_stale_runtime_state():
        print("removed the stale state file of the local SageMaker Runtime (it was not running); "
              "the next deploy starts it again")
    for upload in abort_stale_uploads():
        print(f"aborted {upload} (as S3's AbortIncompleteMultipartUpload rule would)")
    if not resources:
        print(f"Nothing left running (store {store_root()}).")
    _print_corrupt(corrupt_records())
    left = running_resources()
    if left:
        print(f"{len(left)} still running: " + ", ".join(map(str, left)) + ". Run the command again, or "
              "stop them by pid (kill <pid>).")
        return 1
    return 1 if failed else 0
