"""Where pipelines keep their state: ``<home>/pipelines/<name>/pipeline.json`` (the upserted definition),
``executions/<id>/execution.json`` (statuses, per-step records, failure reasons) and ``cache/<key>.json``
(the step cache), written atomically in private folders.

Records survive a kernel restart; every read is checked against a schema, so a damaged file is a
:class:`~helpers.platform.records.CorruptRecord` naming the folder to remove.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

from helpers.platform import records
from helpers.platform.records import LIST, OBJECT, STR, field
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import pipelines_root, private_dir

PIPELINE_FILE = "pipeline.json"
EXECUTION_FILE = "execution.json"
STOP_FILE = "stop-requested"
EXECUTIONS = "executions"
CACHE = "cache"
PRIVATE = "FlywheelLocal"

#: PipelineExecutionStatus and StepStatus values, as SageMaker spells them.
EXECUTION_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded")
STEP_STATUSES = ("Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded")

PIPELINE_SCHEMA = {
    "PipelineName": field(STR, required=True),
    "PipelineArn": field(STR, required=True),
    "PipelineDefinition": field(STR, required=True),
    "CreationTime": field(STR, required=True),
    "LastModifiedTime": field(STR),
}

EXECUTION_SCHEMA = {
    "PipelineArn": field(STR, required=True),
    "PipelineExecutionArn": field(STR, required=True),
    "PipelineExecutionStatus": field(STR, required=True, choices=EXECUTION_STATUSES),
    "CreationTime": field(STR, required=True),
    "FailureReason": field(STR),
    "PipelineParameters": field(LIST, items=field(OBJECT, fields={"Name": field(STR), "Value": field(STR)})),
    "Steps": field(LIST, required=True, items=field(OBJECT, fields={
        "StepName": field(STR, required=True), "StepStatus": field(STR, required=True, choices=STEP_STATUSES),
        "FailureReason": field(STR), "Metadata": field(OBJECT), "CacheHitResult": field(OBJECT)})),
    PRIVATE: field(OBJECT, fields={"Properties": field(OBJECT), "Pid": field(records.INT, records.NULL),
                                   "Started": field(records.NUMBER, records.NULL)}),
}

CACHE_SCHEMA = {
    "StepName": field(STR, required=True),
    "Key": field(STR, required=True),
    "CreationTime": field(STR, required=True),
    "SourcePipelineExecutionArn": field(STR, required=True),
    "Properties": field(OBJECT, required=True),
}


def check_name(name: str) -> str:
    """``name`` if it is a valid pipeline name, else a ValueError with the fix."""
    if not isinstance(name, str) or not RESOURCE_NAME.match(name):
        raise ValueError(f"Invalid pipeline name {name!r}: 1 to 63 letters, digits and hyphens, starting with a "
                         "letter or digit, e.g. 'churn-training'.")
    return name


def pipeline_dir(name: str) -> Path:
    return pipelines_root() / check_name(name)


def pipeline_names() -> list[str]:
    return records.folders_holding(pipelines_root(), PIPELINE_FILE)


def write_pipeline(record: dict) -> None:
    folder = private_dir(pipeline_dir(record["PipelineName"]))
    records.write_record(folder / PIPELINE_FILE, record, prefix=".pipeline-")


def read_pipeline(name: str) -> dict:
    check_name(name)
    return records.read_named(pipelines_root(), name, PIPELINE_FILE, PIPELINE_SCHEMA, name_key="PipelineName",
                              kind="Pipeline", known_label="Pipelines",
                              none_yet="No pipelines yet: build a Pipeline(...) and call its upsert().")


# ------------------------------------------------------------------------------------- executions

def executions_dir(pipeline: str) -> Path:
    return pipeline_dir(pipeline) / EXECUTIONS


def claim_execution(pipeline: str) -> str:
    """Create a new execution folder and return its id (``execution-<YYYYmmddHHMMSS>[-n]``)."""
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    return records.claim_folder(executions_dir(pipeline), "execution", stamp, 63, "pipeline execution")


def execution_ids(pipeline: str) -> list[str]:
    return records.folders_holding(executions_dir(pipeline), EXECUTION_FILE)


def write_execution(pipeline: str, execution_id: str, record: dict) -> None:
    folder = private_dir(executions_dir(pipeline) / execution_id)
    records.write_record(folder / EXECUTION_FILE, record, prefix=".execution-")


def read_execution(pipeline: str, execution_id: str) -> dict:
    """An execution's record as stored: ValueError naming recent executions; CorruptRecord if unusable."""
    path = executions_dir(pipeline) / execution_id / EXECUTION_FILE
    try:
        record = records.read_record(path, EXECUTION_SCHEMA)
    except FileNotFoundError:
        known = execution_ids(pipeline)
        hint = f"Recent executions: {', '.join(known[-5:])}." if known else "It has not been started yet."
        raise ValueError(f"Execution {execution_id!r} of pipeline {pipeline!r} not found. {hint}") from None
    if not record["PipelineExecutionArn"].endswith(f"/execution/{execution_id}"):
        raise records.CorruptRecord(path, f"PipelineExecutionArn {record['PipelineExecutionArn']!r} does not end "
                                          f"with its folder's id {execution_id!r} (copied by hand?)")
    return record


def request_stop(pipeline: str, execution_id: str) -> None:
    """Leave the stop request the running execution checks before each step (a file of its own, so the
    running process's record writes cannot lose it)."""
    records.write_record(executions_dir(pipeline) / execution_id / STOP_FILE, {"StopRequested": True})


def stop_requested(pipeline: str, execution_id: str) -> bool:
    return (executions_dir(pipeline) / execution_id / STOP_FILE).is_file()


# ------------------------------------------------------------------------------------------ cache

def cache_path(pipeline: str, key: str) -> Path:
    return pipeline_dir(pipeline) / CACHE / f"{key}.json"


def read_cache(pipeline: str, key: str) -> dict | None:
    """The cache entry of ``key``, or None; a damaged entry is warned about and treated as a miss."""
    try:
        return records.read_record(cache_path(pipeline, key), CACHE_SCHEMA)
    except FileNotFoundError:
        return None
    except records.CorruptRecord as error:
        warnings.warn(f"{error} (the step runs again instead of using the cache)", records.CorruptRecordWarning,
                      stacklevel=2)
        return None


def write_cache(pipeline: str, key: str, entry: dict) -> None:
    folder = private_dir(pipeline_dir(pipeline) / CACHE)
    records.write_record(folder / f"{key}.json", entry, prefix=".cache-")


def cache_entries(pipeline: str) -> list[dict]:
    """Every readable cache entry of ``pipeline`` (a damaged one is warned about and skipped)."""
    folder = pipeline_dir(pipeline) / CACHE
    keys = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    return [entry for entry in (read_cache(pipeline, key) for key in keys) if entry is not None]


def remove_cache(pipeline: str, key: str) -> None:
    cache_path(pipeline, key).unlink(missing_ok=True)


def corrupt_records() -> list[records.CorruptRecord]:
    """Every pipeline or execution record that cannot be read (for ``cleanup`` and the doctor)."""
    found = records.corrupt_among(pipeline_names(), read_pipeline)
    for name in records.folders_holding(pipelines_root(), PIPELINE_FILE):
        found += records.corrupt_among(execution_ids(name), lambda i, n=name: read_execution(n, i))
    return found
