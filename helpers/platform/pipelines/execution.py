"""Pipeline executions: running the steps in order, in this process, and reading their records back.

An execution's record (``store``) says PipelineExecutionStatus (Executing, Succeeded, Failed, Stopped),
its FailureReason, the parameters it ran with, and one entry per step that started, in the
ListPipelineExecutionSteps shape (StepStatus, times, FailureReason, Metadata, CacheHitResult). A step
that fails ends the execution Failed with its reason; the steps after it do not run. An execution whose
Python process died (kernel restart) while Executing is marked Failed the next time anyone looks.
"""

from __future__ import annotations

import copy
import os
import time
from datetime import datetime, timezone
from typing import Callable

from helpers.platform.backend import dispatches
from helpers.platform.errors import FailedStatusError
from helpers.platform.jobs import now, parse_time, process_alive, process_started
from helpers.platform.pipelines import expressions, graph, store
from helpers.platform.pipelines import caching, retry
from helpers.platform.pipelines.caching import cache_key
from helpers.platform.pipelines.expressions import Context
from helpers.platform.pipelines.steps import ConditionStep, FailStep, RunInfo, Step, StepFailed

_STEP_TIMES = ("StartTime", "EndTime")


class StopDuringRetries(Exception):
    """stop() was called while a step waited to retry: the step and the execution end Stopped."""
_EXECUTION_TIMES = ("CreationTime", "LastModifiedTime")


def locate(execution_arn: str) -> tuple[str, str]:
    """``(pipeline name, execution id)`` from ``arn:...:pipeline/<name>/execution/<id>``."""
    resource = str(execution_arn).rpartition(":pipeline/")[2]
    name, marker, execution_id = resource.partition("/execution/")
    if not marker or not execution_id:
        raise ValueError(f"{execution_arn!r} is not a pipeline execution ARN: use the PipelineExecutionArn that "
                         "pipeline.start() or pipeline.list_executions() gives.")
    return store.check_name(name), execution_id


def _reconcile(name: str, execution_id: str, record: dict) -> dict:
    """An Executing execution whose process is gone can never finish: mark it Failed."""
    if record["PipelineExecutionStatus"] not in ("Executing", "Stopping"):
        return record
    local = record.get(store.PRIVATE, {})
    if process_alive(local.get("Pid"), local.get("Started")):
        return record
    reason = ("The Python process that ran this execution exited before it finished (kernel restarted or "
              "interrupted?). Start the pipeline again: steps that finished are reused if they are cached.")
    for step in record["Steps"]:
        if step["StepStatus"] in ("Starting", "Executing", "Stopping"):
            step.update(StepStatus="Failed", FailureReason=reason, EndTime=now())
    record.update(PipelineExecutionStatus="Failed", FailureReason=reason, LastModifiedTime=now())
    try:
        store.write_execution(name, execution_id, record)
    except OSError:
        pass  # a look must not fail on a full disk: the next one reconciles again
    return record


def read(execution_arn: str) -> dict:
    """The execution's record, reconciled."""
    name, execution_id = locate(execution_arn)
    return _reconcile(name, execution_id, store.read_execution(name, execution_id))


def reconcile_executions() -> list[str]:
    """Read every Executing execution, which marks those whose Python process died Failed (for ``cleanup``).

    Returns the ARNs of the executions that were Executing before and are not any more; corrupt records
    are left to ``store.corrupt_records``.
    """
    from helpers.platform.records import CorruptRecord

    ended = []
    for name in store.pipeline_names():
        for execution_id in store.execution_ids(name):
            try:
                record = store.read_execution(name, execution_id)
                if record["PipelineExecutionStatus"] not in ("Executing", "Stopping"):
                    continue
                if _reconcile(name, execution_id, record)["PipelineExecutionStatus"] == "Failed":
                    ended.append(record["PipelineExecutionArn"])
            except (CorruptRecord, ValueError):
                continue
    return ended


#: DescribePipelineExecution's answer has these members (botocore's DescribePipelineExecutionResponse); the
#: parameters an execution ran with are ListPipelineParametersForExecution's.
DESCRIBE_KEYS = ("PipelineArn", "PipelineExecutionArn", "PipelineExecutionDisplayName", "PipelineExecutionStatus",
                 "PipelineExecutionDescription", "PipelineExperimentConfig", "FailureReason", "CreationTime",
                 "LastModifiedTime", "CreatedBy", "LastModifiedBy", "ParallelismConfiguration",
                 "SelectiveExecutionConfig", "PipelineVersionId", "MLflowConfig", "PipelineVersionAliases", "RoleArn")


def _public(record: dict) -> dict:
    out = {k: copy.deepcopy(v) for k, v in record.items() if k in DESCRIBE_KEYS}
    for key in _EXECUTION_TIMES:
        if key in out:
            out[key] = parse_time(out[key])
    return out


@dispatches
def describe_pipeline_execution(pipeline_execution_arn: str) -> dict:
    """DescribePipelineExecution (works from any process reading the same FLYWHEEL_HOME)."""
    return _public(read(pipeline_execution_arn))


@dispatches
def list_pipeline_execution_steps(pipeline_execution_arn: str, sort_order: str = "Descending") -> list[dict]:
    """PipelineExecutionSteps: one entry per step that started ("Descending": the latest first, as SageMaker)."""
    steps = copy.deepcopy(read(pipeline_execution_arn)["Steps"])
    for step in steps:
        for key in _STEP_TIMES:
            if key in step:
                step[key] = parse_time(step[key])
    return steps[::-1] if sort_order == "Descending" else steps


def list_pipeline_parameters_for_execution(pipeline_execution_arn: str) -> dict:
    """ListPipelineParametersForExecution: ``{"PipelineParameters": [{"Name": ..., "Value": ...}]}``, every
    parameter's value in that execution (defaults included), as text."""
    return {"PipelineParameters": copy.deepcopy(read(pipeline_execution_arn).get("PipelineParameters", []))}


@dispatches
def stop_pipeline_execution(pipeline_execution_arn: str) -> None:
    """StopPipelineExecution: the running execution stops before its next step (status Stopped)."""
    name, execution_id = locate(pipeline_execution_arn)
    record = read(pipeline_execution_arn)
    if record["PipelineExecutionStatus"] == "Executing":
        store.request_stop(name, execution_id)


class PipelineExecution:
    """A pipeline execution, as the SDK's ``PipelineExecution``: ``describe()``, ``status``, ``list_steps()``,
    ``list_parameters()``, ``wait()``, ``stop()``, and ``result(step_name)`` (a step's properties). The sagemaker
    backend's ``SageMakerPipelineExecution`` has the same interface."""

    def __init__(self, arn: str):
        locate(arn)
        self.arn = arn

    def describe(self) -> dict:
        """DescribePipelineExecution."""
        return describe_pipeline_execution(self.arn)

    @property
    def status(self) -> str:
        """PipelineExecutionStatus: Executing, Stopping, Stopped, Failed or Succeeded."""
        return self.describe()["PipelineExecutionStatus"]

    def list_steps(self, sort_order: str = "Descending") -> list[dict]:
        """ListPipelineExecutionSteps: one entry per step that started, the latest first by default."""
        return list_pipeline_execution_steps(self.arn, sort_order)

    def list_parameters(self) -> dict:
        """ListPipelineParametersForExecution: ``{"PipelineParameters": [{"Name": ..., "Value": ...}]}``."""
        return list_pipeline_parameters_for_execution(self.arn)

    def stop(self) -> None:
        """StopPipelineExecution."""
        stop_pipeline_execution(self.arn)

    def wait(self, delay: float = 1.0, max_attempts: int | None = None) -> None:
        """Block until the execution ends; FailedStatusError (with its reason) if it failed."""
        attempts = 0
        while True:
            record = read(self.arn)
            status = record["PipelineExecutionStatus"]
            if status == "Failed":
                raise FailedStatusError("PipelineExecution", status, record.get("FailureReason", "(Unknown)"),
                                        description=_public(record))
            if status in ("Succeeded", "Stopped"):
                return
            attempts += 1
            if max_attempts is not None and attempts >= max_attempts:
                raise TimeoutError(f"Pipeline execution {self.arn} is still {status}.")
            time.sleep(delay)

    def result(self, step_name: str) -> dict:
        """The properties of a step that succeeded (its Describe* answer)."""
        properties = read(self.arn).get(store.PRIVATE, {}).get("Properties", {})
        if step_name not in properties:
            raise ValueError(f"Step {step_name!r} has no result in this execution (steps with one: "
                             f"{', '.join(properties) or 'none'}); list_steps() says why.")
        return copy.deepcopy(properties[step_name])

    def __repr__(self) -> str:
        return f"PipelineExecution(arn={self.arn!r})"


# -------------------------------------------------------------------------------------------- runner

class Run:
    """One execution being run: its record, written after every change, and the values steps read."""

    def __init__(self, pipeline_name: str, execution_id: str, record: dict, parameters: dict,
                 log: Callable[[str], None]):
        self.pipeline_name = pipeline_name
        self.execution_id = execution_id
        self.record = record
        started = parse_time(record["CreationTime"])
        self.context = Context(parameters=parameters, steps={}, execution=expressions.execution_values(
            pipeline_name, record["PipelineArn"], execution_id, started))
        self.log = log

    @property
    def arn(self) -> str:
        return self.record["PipelineExecutionArn"]

    def save(self) -> None:
        self.record["LastModifiedTime"] = now()
        self.record.setdefault(store.PRIVATE, {})["Properties"] = self.context.steps
        store.write_execution(self.pipeline_name, self.execution_id, self.record)

    def finish(self, status: str, reason: str | None = None) -> None:
        self.record["PipelineExecutionStatus"] = status
        if reason:
            self.record["FailureReason"] = reason
        self.save()
        self.log(f"Pipeline execution {self.execution_id}: {status}" + (f" ({reason})" if reason else ""))

    def run_steps(self, steps: list[Step]) -> bool:
        """Run ``steps`` in order; False when one failed or a stop was requested (the execution has ended)."""
        for step in graph.ordered(steps, self.pipeline_name):
            if store.stop_requested(self.pipeline_name, self.execution_id):
                self.finish("Stopped", f"Stopped before step {step.name!r}: stop() was called.")
                return False
            if not self.run_step(step):
                return False
        return True

    def run_step(self, step: Step) -> bool:
        entry = {"StepName": step.name, "StepDisplayName": step.display_name or step.name,
                 "StepStatus": "Executing", "StartTime": now(), "AttemptCount": 1, "Metadata": {}}
        if step.description:
            entry["StepDescription"] = step.description
        self.record["Steps"].append(entry)
        self.save()
        try:
            properties = self._properties(step, entry)
        except StopDuringRetries as stop:
            entry.update(StepStatus="Stopped", EndTime=now(), FailureReason=str(stop))
            self.finish("Stopped", str(stop))
            return False
        except Exception as error:  # noqa: BLE001 - any error of a step is its failure reason
            reason = _reason(error)
            entry.update(StepStatus="Failed", EndTime=now(), FailureReason=reason)
            if isinstance(step, FailStep):
                entry["Metadata"] = step.metadata({"ErrorMessage": reason})
            self.finish("Failed", f"Step {step.name!r} failed: {reason}")
            return False
        self.context.steps[step.name] = properties
        entry.update(StepStatus="Succeeded", EndTime=now(), Metadata=step.metadata(properties))
        self.save()
        self.log(f"Step {step.name}: Succeeded" + (" (cache hit)" if "CacheHitResult" in entry else ""))
        if isinstance(step, ConditionStep):
            chosen = step.if_steps if properties["Outcome"] == "True" else step.else_steps
            return self.run_steps(chosen)
        return True

    def _properties(self, step: Step, entry: dict) -> dict:
        if isinstance(step, ConditionStep):
            return {"Outcome": str(step.evaluate(self.context))}
        arguments = expressions.resolve(step.arguments(self.pipeline_name), self.context)
        key = cache_key(step.name, step.step_type, step.cache_arguments(arguments), step.code_identity())
        use_cache = step.cache_config is not None and step.cache_config.enable_caching
        if use_cache:
            hit = self._cached(step, key)
            if hit is not None:
                entry["CacheHitResult"] = {"SourcePipelineExecutionArn": hit["SourcePipelineExecutionArn"]}
                self.log(f"Step {step.name}: cache hit, reusing the outputs of "
                         f"{hit['SourcePipelineExecutionArn'].rpartition('/')[2]} (same arguments)")
                return hit["Properties"]
        job_dir = store.executions_dir(self.pipeline_name) / self.execution_id / "steps" / step.name
        properties = self._attempts(step, entry, arguments, RunInfo(self.pipeline_name, self.arn, key, job_dir))
        if use_cache:
            created = datetime.fromtimestamp(caching.wall_clock(), timezone.utc).isoformat()
            store.write_cache(self.pipeline_name, key, {"StepName": step.name, "Key": key, "CreationTime": created,
                                                        "SourcePipelineExecutionArn": self.arn,
                                                        "Properties": properties})
        return properties

    def _attempts(self, step: Step, entry: dict, arguments: dict, info: RunInfo) -> dict:
        """Run ``step``, retrying a failure that one of its retry policies covers (``retry`` module)."""
        first = caching.wall_clock()
        retries = 0
        while True:
            try:
                return step.execute(copy.deepcopy(arguments), info)  # execute may fill in its copy
            except StepFailed as error:
                retries += 1
                policy = retry.matching(step.retry_policies, error.exception_type)
                if policy is None or not policy.allows(retries, caching.wall_clock() - first):
                    raise
                wait = policy.delay(retries)
                self._check_stop(step, error)
                entry["AttemptCount"] = retries + 1
                self.save()
                self.log(f"Step {step.name}: {error.exception_type}: {error}; retry {retries} in {wait:g} s")
                retry.pause(wait)
                self._check_stop(step, error)  # stop() called during the wait

    def _check_stop(self, step: Step, error: StepFailed) -> None:
        if store.stop_requested(self.pipeline_name, self.execution_id):
            raise StopDuringRetries(f"Stopped while retrying step {step.name!r} (last failure: {error}): stop() "
                                    "was called.")

    def _cached(self, step: Step, key: str) -> dict | None:
        entry = store.read_cache(self.pipeline_name, key)
        if entry is None or not step.outputs_exist(entry["Properties"]):
            return None
        if step.cache_config.expired(parse_time(entry["CreationTime"]), caching.wall_clock()):
            return None
        return entry


def prune_cache(pipeline_name: str, steps: list[Step]) -> int:
    """Remove the cache entries older than their step's ``expire_after``; returns how many went.

    Entries of steps without ``expire_after``, or no longer in the pipeline, stay (they never expire; a later
    definition may use them again).
    """
    configs = {step.name: step.cache_config for step, _ in graph.all_steps(steps)
               if step.cache_config is not None and step.cache_config.expire_after is not None}
    at = caching.wall_clock()
    removed = 0
    for entry in store.cache_entries(pipeline_name):
        config = configs.get(entry["StepName"])
        if config is not None and config.expired(parse_time(entry["CreationTime"]), at):
            store.remove_cache(pipeline_name, entry["Key"])
            removed += 1
    return removed


def _reason(error: BaseException) -> str:
    if isinstance(error, StepFailed):
        return str(error)
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    return f"{type(error).__name__}: {message}"


def start(pipeline_name: str, pipeline_arn: str, steps: list[Step], parameters: dict, display_name: str | None,
          log: Callable[[str], None]) -> PipelineExecution:
    """Create an execution record and run ``steps`` to the end in this process."""
    execution_id = store.claim_execution(pipeline_name)
    arn = f"{pipeline_arn}/execution/{execution_id}"
    record = {
        "PipelineArn": pipeline_arn, "PipelineExecutionArn": arn,
        "PipelineExecutionDisplayName": display_name or execution_id,
        "PipelineExecutionStatus": "Executing", "CreationTime": now(), "LastModifiedTime": now(),
        "PipelineParameters": [{"Name": k, "Value": str(v)} for k, v in parameters.items()],
        "Steps": [],
        store.PRIVATE: {"Pid": os.getpid(), "Started": process_started(os.getpid()), "Properties": {}},
    }
    run = Run(pipeline_name, execution_id, record, parameters, log)
    run.save()
    log(f"Pipeline execution {execution_id} started")
    pruned = prune_cache(pipeline_name, steps)
    if pruned:
        log(f"Step cache: removed {pruned} entr{'y' if pruned == 1 else 'ies'} older than their step's expire_after")
    try:
        if run.run_steps(steps):
            run.finish("Succeeded")
    except BaseException as error:  # Ctrl-C in the notebook: the record must not stay Executing
        interrupted = isinstance(error, KeyboardInterrupt)
        reason = "Interrupted (KeyboardInterrupt in the notebook)." if interrupted else _reason(error)
        for entry in record["Steps"]:
            if entry["StepStatus"] == "Executing":
                entry.update(StepStatus="Stopped" if interrupted else "Failed", EndTime=now(), FailureReason=reason)
        run.finish("Stopped" if interrupted else "Failed", reason)
        raise
    return PipelineExecution(arn)
