"""The endpoint registry in the local store: ``<FLYWHEEL_HOME>/endpoints/<name>/``.

Each endpoint folder holds

* ``endpoint.json`` — the ``DescribeEndpoint`` record (variants, data capture, times) plus a
  ``Local`` block (log file, time limit, the pid deploy started); written by the notebook side only;
* ``config.json`` — what the server loads (models, weights, capture settings, time limit);
* ``server.json`` — written by the server once it listens: pid and start time, port, URL;
* ``failure`` — written by the server when it cannot start: the ``FailureReason``;
* ``server.log`` — the server's output (the endpoint's "CloudWatch log");
* ``update.json`` — an UpdateEndpoint of this endpoint: the new configuration, its worker's pid, and the
  ``FailureReason`` if it failed (the endpoint then still serves the old one, ``InService``);
* ``variants/<variant>/model/`` — the unpacked model;
* ``instances/<n>/`` — instances 2..N of an endpoint deployed with ``initial_instance_count=N``: each a
  server process of its own with the same ``config.json`` and its own ``server.json`` and log (the
  endpoint folder's server is instance 1); the router spreads invocations over those that run.

The status is never stored: :func:`describe_endpoint` derives it from these files and the server
process (pid *and* start time), so an endpoint whose server died (killed, crashed, machine rebooted)
is reported ``Failed`` with the reason, never ``InService``.

The three JSON files are read through the validated reader (``helpers.platform.records``): an
endpoint with a corrupt one is skipped by :func:`list_endpoints` with a warning naming the file,
``describe`` of it is a clear error, and cleanup stops only what is provably its server.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from helpers.platform import records
from helpers.platform.backend import default_region
from helpers.platform.records import INT, LIST, NULL, NUMBER, OBJECT, STR, CorruptRecord, field
from helpers.platform.serving import processes
from helpers.platform.serving.errors import LOCAL_ACCOUNT
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import TRANSFORM_JOBS, endpoints_root, private_dir, store


#: What the readers of each file rely on; other keys are free.
ENDPOINT_SCHEMA = {
    "EndpointName": field(STR, required=True),
    "EndpointArn": field(STR),
    "EndpointConfigName": field(STR),
    "ProductionVariants": field(LIST, items=field(OBJECT, fields={"VariantName": field(STR), "ModelName": field(STR),
                                                                  "CurrentWeight": field(NUMBER),
                                                                  "DesiredWeight": field(NUMBER)})),
    "DataCaptureConfig": field(OBJECT, NULL),
    "CreationTime": field(STR, NULL),
    "LastModifiedTime": field(STR, NULL),
    "Local": field(OBJECT, fields={"LogFile": field(STR, NULL), "InvocationTimeoutSeconds": field(NUMBER),
                                   "SpawnPid": field(INT, NULL), "SpawnCreateTime": field(NUMBER, NULL)}),
}
CONFIG_SCHEMA = {
    "EndpointName": field(STR, required=True),
    "Variants": field(LIST, required=True, items=field(OBJECT)),
    "DataCapture": field(OBJECT, NULL),
    "InvocationTimeoutSeconds": field(NUMBER),
}
SERVER_SCHEMA = {
    "Pid": field(INT, required=True),
    "PidCreateTime": field(NUMBER, required=True),
    "Port": field(INT, required=True),
    "Url": field(STR, required=True),
    "Status": field(STR),
    "InvocationTimeoutSeconds": field(NUMBER),
}


class EndpointNotFound(ValueError):
    """No endpoint of that name in the local store; the message lists the ones that exist."""


def store_root() -> Path:
    return store()


def check_name(name: str, what: str = "endpoint") -> str:
    if not isinstance(name, str) or not RESOURCE_NAME.match(name) or len(name) > 63:
        raise ValueError(
            f"{what} name {name!r} is not valid: use 1-63 letters, digits and hyphens, starting and "
            f"ending with a letter or digit (e.g. 'churn-model-1').")
    return name


def endpoint_dir(name: str) -> Path:
    return endpoints_root() / check_name(name)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{default_region()}:{LOCAL_ACCOUNT}:{kind}/{name.lower()}"


def write_json(path: Path, payload: dict) -> None:
    """Write atomically: a reader never sees half a record (a failed write leaves no temporary file)."""
    private_dir(path.parent)
    records.write_record(path, payload)


def read_json(path: Path) -> dict | None:
    """A JSON object from ``path``, or None when it is missing or not a JSON object (lenient: for state
    files whose absence is an answer; records go through :func:`load` instead)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def load(name: str, file: str, schema: dict) -> dict | None:
    """One of the endpoint's JSON files, validated: None when missing, CorruptRecord when unusable."""
    folder = endpoint_dir(name)
    try:
        return records.read_record(folder / file, schema, folder=folder)
    except FileNotFoundError:
        return None


def read_record(name: str) -> dict | None:
    """``endpoint.json`` (None when there is none); CorruptRecord when it is unusable."""
    record = load(name, "endpoint.json", ENDPOINT_SCHEMA)
    if record is not None and record["EndpointName"] != name:
        raise CorruptRecord(endpoint_dir(name) / "endpoint.json",
                            f"EndpointName is {record['EndpointName']!r} but the folder is {name!r} (copied by hand?)")
    return record


def write_record(name: str, record: dict) -> None:
    record["LastModifiedTime"] = now_iso()
    write_json(endpoint_dir(name) / "endpoint.json", record)


def names() -> list[str]:
    return [name for name in records.folders_holding(endpoints_root(), "endpoint.json") if RESOURCE_NAME.match(name)]


def check_files(name: str) -> dict | None:
    """``endpoint.json`` after checking all three files (CorruptRecord names the first bad one)."""
    record = read_record(name)
    if record is not None:
        load(name, "config.json", CONFIG_SCHEMA)
        server_state(name)
    return record


def is_corrupt(name: str) -> bool:
    try:
        check_files(name)
    except CorruptRecord:
        return True
    return False


def corrupt_records() -> list[CorruptRecord]:
    """Every endpoint with an unusable file (for ``cleanup`` and the doctor)."""
    return records.corrupt_among(names(), check_files)


def server_state(name: str) -> dict | None:
    """What the server wrote about itself (``server.json``): pid, port, url, status; CorruptRecord if unusable."""
    return load(name, "server.json", SERVER_SCHEMA)


def server_ref(name: str, record: dict | None = None) -> processes.ProcessRef | None:
    """The endpoint's server process: from server.json, else the pid deploy spawned."""
    state = server_state(name)
    if state:
        return processes.ProcessRef.from_dict(state)
    local = (record if record is not None else read_record(name) or {}).get("Local") or {}
    return processes.ProcessRef.from_dict({"Pid": local.get("SpawnPid"), "PidCreateTime": local.get("SpawnCreateTime")}
                                          if local.get("SpawnPid") else None)


INSTANCES = "instances"


def instance_dirs(name: str) -> list[Path]:
    """The folders of the endpoint's instances 2..N (instance 1 is the endpoint folder's own server)."""
    root = endpoint_dir(name) / INSTANCES
    try:
        found = [path for path in root.iterdir() if path.name.isdigit()]
    except OSError:
        return []
    return sorted(found, key=lambda path: int(path.name))


def running_instances(name: str) -> list[dict]:
    """``server.json`` of each of the endpoint's instances whose server process runs, instance 1 first.

    An instance whose state file is missing (starting) or unusable counts as not serving."""
    running = []
    for folder in [endpoint_dir(name), *instance_dirs(name)]:
        try:
            state = records.read_record(folder / "server.json", SERVER_SCHEMA, folder=folder)
        except (FileNotFoundError, CorruptRecord):
            continue
        if processes.is_alive(processes.ProcessRef.from_dict(state)):
            running.append(state)
    return running


def _count_instances(name: str, record: dict, status: str, reason: str | None, local: dict):
    """An endpoint of several instances serves while any of them runs: (status, reason), and the
    variants' ``CurrentInstanceCount`` and ``Local["Instances"]`` (their URLs) as they are now."""
    running = running_instances(name)
    if running and status == "Failed" and not (endpoint_dir(name) / "failure").exists():
        status, reason = "InService", None  # instance 1 stopped; the others still answer
        local.update(Pid=running[0]["Pid"], Port=running[0]["Port"], Url=running[0]["Url"])
    local["Instances"] = [{"Pid": state["Pid"], "Port": state["Port"], "Url": state["Url"]} for state in running]
    record["ProductionVariants"] = [{**variant, "CurrentInstanceCount": min(len(running), variant.get(
        "DesiredInstanceCount", len(running)))} for variant in record.get("ProductionVariants") or []]
    return status, reason


UPDATE_FILE = "update.json"  # the last UpdateEndpoint's new config, its worker's pid, and why it failed


def _update_state(folder: Path, record: dict) -> tuple[str, str | None]:
    """SageMaker's blue/green update: the old servers serve while the new configuration starts beside them
    (``control_worker``), so the endpoint is ``Updating`` with a ``PendingDeploymentSummary`` while the
    update's worker runs, and ``InService`` with the ``FailureReason`` once an update has failed."""
    update = read_json(folder / UPDATE_FILE) or {}
    if update.get("FailureReason"):
        return "InService", update["FailureReason"]
    if processes.is_alive(processes.ProcessRef.from_dict(update)):
        record["PendingDeploymentSummary"] = {"EndpointConfigName": update.get("EndpointConfigName"),
                                              "StartTime": update.get("StartTime")}
        return "Updating", None
    return "InService", (f"The update to endpoint configuration {update.get('EndpointConfigName')} stopped before "
                         f"the new configuration served (see {folder / 'update.log'}); the endpoint still serves "
                         f"{record.get('EndpointConfigName')}.")


def live_view(name: str, record: dict) -> dict:
    """``endpoint.json`` merged with the server's own state, checked against the process.

    ``endpoint.json`` is written only by the notebook side (deploy, weights); ``server.json`` and
    ``failure`` only by the server: each file has one writer, so no update is ever lost.
    """
    record = dict(record)
    folder = endpoint_dir(name)
    local = dict(record.get("Local") or {})
    state = server_state(name)
    failure = folder / "failure"
    log_file = local.get("LogFile")
    if failure.exists():
        status, reason = "Failed", failure.read_text().strip()
    elif state is None:
        ref = server_ref(name, record)
        if processes.is_alive(ref):
            status, reason = "Creating", None
        else:
            status, reason = "Failed", f"The server process exited before it started serving; see {log_file}."
    elif processes.is_alive(processes.ProcessRef.from_dict(state)):
        status, reason = "InService", None
        local.update(Pid=state["Pid"], Port=state["Port"], Url=state["Url"])
    else:
        status, reason = "Failed", (
            f"The endpoint's server process (pid {state.get('Pid')}) is not running: it was stopped, "
            f"crashed, or the machine restarted. See {log_file} for its last output; delete the "
            f"endpoint and deploy it again.")
    if instance_dirs(name):
        status, reason = _count_instances(name, record, status, reason, local)
    if status == "InService" and (folder / UPDATE_FILE).exists():
        status, reason = _update_state(folder, record)
    record["EndpointStatus"] = status
    if reason:
        record["FailureReason"] = reason
    else:
        record.pop("FailureReason", None)
    record["Local"] = local
    return record


def describe_endpoint(name: str) -> dict:
    """``DescribeEndpoint`` for a local endpoint (status checked against its process).

    Raises EndpointNotFound (listing the endpoints there are) or CorruptRecord (naming the bad file).
    """
    record = check_files(check_name(name))
    if record is None:
        existing = names()
        raise EndpointNotFound(
            f"Could not find endpoint \"{name}\" (local store {endpoints_root()}). "
            + (f"Existing endpoints: {', '.join(existing)}." if existing else
               "No endpoint exists: deploy one with ModelBuilder(...).build() then .deploy(endpoint_name=...)."))
    return live_view(name, record)


def list_endpoints() -> list[dict]:
    """``ListEndpoints`` summaries, newest first."""
    summaries = []
    for name in names():
        try:
            record = check_files(name)
        except CorruptRecord as error:
            records.warn_corrupt(error)
            continue
        if record is None:
            continue  # deleted while listing
        record = live_view(name, record)
        summaries.append({key: record.get(key) for key in
                          ("EndpointName", "EndpointArn", "EndpointStatus", "CreationTime", "LastModifiedTime")})
    return sorted(summaries, key=lambda s: s.get("CreationTime") or "", reverse=True)


def delete_endpoint(name: str) -> bool:
    """Stop the endpoint's server and remove its folder (captured data stays in the store)."""
    folder = endpoint_dir(name)
    if not folder.exists():
        raise EndpointNotFound(f"Could not find endpoint \"{name}\": nothing to delete.")
    was_running = processes.stop(_recorded_server(name))
    # stragglers: a server of this folder whose pid the record lost (e.g. a deploy interrupted)
    instances = str(folder / INSTANCES) + os.sep
    for ref, _, args in processes.find_servers(store_root()):
        if str(folder) in args or any(arg.startswith(instances) for arg in args):
            was_running = processes.stop(ref) or was_running
    shutil.rmtree(folder, ignore_errors=True)
    return was_running


def _recorded_server(name: str) -> processes.ProcessRef | None:
    """The server the records name, or None when they are corrupt (the process scan still finds it)."""
    try:
        return server_ref(name)
    except CorruptRecord:
        return None


@dataclass(frozen=True)
class RunningResource:
    """A server process of the local platform that is still running."""

    kind: str        # "endpoint", "router", "transform"
    name: str
    pid: int
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r} (pid {self.pid}{', ' + self.detail if self.detail else ''})"


def running_resources() -> list[RunningResource]:
    """Every live server of this store: endpoints (registered or orphaned), the router, transforms."""
    found: dict[int, RunningResource] = {}
    corrupt = set()
    for name in names():
        try:
            record = check_files(name)
            ref, state = server_ref(name, record), server_state(name)
        except CorruptRecord:
            corrupt.add(name)  # its server, if one runs, is found below by its command line
            continue
        if processes.is_alive(ref):
            found[ref.pid] = RunningResource("endpoint", name, ref.pid, (state or {}).get("Url", ""))
    for ref, module, args in processes.find_servers(store_root()):
        if ref.pid in found or not processes.is_alive(ref):
            continue
        if module.endswith(".router"):
            found[ref.pid] = RunningResource("router", "sagemaker-runtime", ref.pid)
        else:
            folder = Path(args[0]) if args else Path("?")
            if folder.parent.name == INSTANCES:  # instance n of an endpoint: delete_endpoint stops them all
                endpoint = folder.parent.parent.name
                found[ref.pid] = RunningResource("endpoint", endpoint, ref.pid, f"instance {folder.name}")
                continue
            kind = "transform" if folder.parent.name == TRANSFORM_JOBS else "endpoint"
            detail = "its record is corrupt" if kind == "endpoint" and folder.name in corrupt else "not in the registry"
            found[ref.pid] = RunningResource(kind, folder.name, ref.pid, detail)
    return sorted(found.values(), key=lambda r: (r.kind, r.name))


def stop_resource(resource: RunningResource) -> bool:
    """Stop one running resource (an endpoint is deleted; other servers are stopped).

    An endpoint whose records are corrupt only has its server stopped (found by its command line, pid
    and start time): its folder is kept for the user to look at, and reported by ``cleanup``.
    """
    if resource.kind == "endpoint" and RESOURCE_NAME.match(resource.name) and endpoint_dir(resource.name).exists() \
            and not is_corrupt(resource.name):
        return delete_endpoint(resource.name)
    for ref, _, _ in processes.find_servers(store_root()):
        if ref.pid == resource.pid:
            return processes.stop(ref)
    return False


def stop_all() -> list[RunningResource]:
    """Stop every running server of this store (endpoints are deleted, the router stopped last)."""
    stopped = []
    resources = running_resources()
    for resource in sorted(resources, key=lambda r: r.kind == "router"):
        if stop_resource(resource):
            stopped.append(resource)
    return stopped
