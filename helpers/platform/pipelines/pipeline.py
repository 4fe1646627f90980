"""``Pipeline``: SageMaker Pipelines' entry point, run on the local platform.

    pipeline = Pipeline(name="churn", parameters=[input_data, epochs], steps=[process, train, check])
    print(pipeline.definition())          # the JSON SageMaker would store
    pipeline.upsert()
    execution = pipeline.start(parameters={"Epochs": 5})
    execution.list_steps()

Locally ``start`` runs the steps in this process, in dependency order, before it returns (SageMaker's
returns at once; ``wait()`` works either way). The definition, executions and step cache are kept in
``<home>/pipelines/<name>`` and read back after a kernel restart; to run the pipeline again after one,
rebuild the ``Pipeline`` object (its steps hold your functions and trainers) and ``start`` it.

With ``use_backend("sagemaker")`` the same calls go to SageMaker Pipelines (``helpers.platform.aws.pipelines``:
``upsert`` sends this definition, scripts uploaded to S3; ``start`` returns at once).
"""

from __future__ import annotations

import json
import shutil
from typing import Callable

from helpers.platform import records
from helpers.platform.backend import dispatches
from helpers.platform.jobs import now, parse_time
from helpers.platform.pipelines import execution, graph, store
from helpers.platform.pipelines.parameters import Parameter, values_for
from helpers.platform.pipelines.steps import Step
from helpers.platform.registry.store import arn as local_arn

DEFINITION_VERSION = "2020-12-01"


class Pipeline:
    """A named DAG of steps with parameters (SageMaker's ``sagemaker.workflow.pipeline.Pipeline``)."""

    def __init__(self, name: str, parameters: list[Parameter] | None = None, steps: list[Step] | None = None,
                 sagemaker_session=None):
        self.name = store.check_name(name)
        self.parameters = list(parameters or [])
        self.steps = list(steps or [])
        self.sagemaker_session = sagemaker_session
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"Pipeline {name!r} declares a parameter twice: {names}.")
        graph.check(self.steps, set(names), self.name)

    @property
    def arn(self) -> str:
        return local_arn("pipeline", self.name)

    def definition(self) -> str:
        """The pipeline definition as JSON: Version, Metadata, Parameters, Steps (Name, Type, Arguments, DependsOn...)."""
        return json.dumps({"Version": DEFINITION_VERSION, "Metadata": {},
                           "Parameters": [p.to_request() for p in self.parameters],
                           "PipelineExperimentConfig": None,
                           "Steps": [s.to_request(self.name) for s in self.steps]}, indent=2)

    @dispatches
    def upsert(self, role_arn: str | None = None, description: str | None = None) -> dict:
        """Create the pipeline or replace its definition: ``{"PipelineArn": ...}``."""
        try:
            created = store.read_pipeline(self.name)["CreationTime"]
        except (ValueError, records.CorruptRecord):
            created = now()
        store.write_pipeline({"PipelineName": self.name, "PipelineArn": self.arn,
                              "PipelineDefinition": self.definition(), "PipelineDescription": description or "",
                              "RoleArn": role_arn or "", "PipelineStatus": "Active",
                              "CreationTime": created, "LastModifiedTime": now()})
        return {"PipelineArn": self.arn}

    @dispatches
    def describe(self) -> dict:
        """DescribePipeline (after ``upsert``)."""
        record = store.read_pipeline(self.name)
        return {k: parse_time(v) if k.endswith("Time") else v for k, v in record.items()}

    @dispatches
    def start(self, parameters: dict | None = None, execution_display_name: str | None = None,
              log: Callable[[str], None] | None = print) -> execution.PipelineExecution:
        """Run an execution with ``parameters`` overriding the defaults; returns it when it has ended.

        The pipeline must have been upserted with this very definition (as on SageMaker, an execution runs
        the stored definition): otherwise a ValueError says to call ``upsert()``.
        """
        try:
            stored = store.read_pipeline(self.name)["PipelineDefinition"]
        except ValueError:
            raise ValueError(f"Pipeline {self.name!r} does not exist yet: call pipeline.upsert() before "
                             "start().") from None
        if json.loads(stored) != json.loads(self.definition()):
            raise ValueError(f"Pipeline {self.name!r} changed since its last upsert(): call pipeline.upsert() "
                             "again so the stored definition is the one that runs.")
        values = values_for(self.parameters, parameters)
        return execution.start(self.name, self.arn, self.steps, values, execution_display_name,
                               log or (lambda _message: None))

    @dispatches
    def list_executions(self, sort_order: str = "Descending") -> dict:
        """``{"PipelineExecutionSummaries": [...]}``, newest first by default (a corrupt one is skipped with a warning)."""
        ids = store.execution_ids(self.name)
        arns = {i: f"{self.arn}/execution/{i}" for i in ids}
        found = records.readable(ids, lambda i: execution.read(arns[i]))
        keys = ("PipelineExecutionArn", "PipelineExecutionDisplayName", "PipelineExecutionStatus", "StartTime")
        summaries = []
        for _, record in found:
            summary = {k: record.get(k) for k in keys if k in record}
            summary["StartTime"] = parse_time(record["CreationTime"])
            summaries.append(summary)
        summaries.sort(key=lambda s: (str(s["StartTime"]), s["PipelineExecutionArn"]),
                       reverse=sort_order == "Descending")
        return {"PipelineExecutionSummaries": summaries}

    @dispatches
    def delete(self) -> dict:
        """DeletePipeline: its definition, executions and step cache (the data its steps wrote stays)."""
        store.read_pipeline(self.name)
        shutil.rmtree(store.pipeline_dir(self.name))
        return {"PipelineArn": self.arn}

    def __repr__(self) -> str:
        return f"Pipeline(name={self.name!r}, steps={[s.name for s in self.steps]})"


@dispatches
def list_pipelines() -> list[dict]:
    """PipelineSummaries of the upserted pipelines (a corrupt one is skipped with a warning)."""
    found = records.readable(store.pipeline_names(), store.read_pipeline)
    return [{"PipelineName": r["PipelineName"], "PipelineArn": r["PipelineArn"],
             "CreationTime": parse_time(r["CreationTime"]),
             "LastModifiedTime": parse_time(r.get("LastModifiedTime", r["CreationTime"]))} for _, r in found]
