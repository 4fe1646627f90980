"""Values decided when a pipeline runs, not when it is written: parameters, a step's properties, a
value in a step's JSON report, a join of strings, the execution's own id, ARN and times (``ExecutionVariables``).

Each is an :class:`Expression`: ``expr`` is how SageMaker's pipeline definition writes it
(``{"Get": "Parameters.InputData"}``, ``{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}``,
``{"Get": "Execution.PipelineExecutionId"}``,
``{"Std:JsonGet": ...}``, ``{"Std:Join": ...}``), ``resolve(context)`` its value in one execution, and
``step_names()`` the steps it reads (a step that uses another's property depends on it).

:func:`to_json`, :func:`resolve` and :func:`step_names` walk nested dicts and lists holding expressions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class Context:
    """What expressions read in one execution: parameter values by name, each finished step's
    properties (its Describe* answer, plus ``PropertyFiles``: report name -> parsed JSON), and the
    execution variables by name (``PipelineExecutionId``, ``StartDateTime``...; see :class:`ExecutionVariables`)."""

    parameters: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    execution: dict = field(default_factory=dict)


class Expression:
    """Base of every run-time value (see the module docstring)."""

    @property
    def expr(self):
        raise NotImplementedError

    def resolve(self, context: Context):
        raise NotImplementedError

    def step_names(self) -> set[str]:
        return set()

    def parameter_names(self) -> set[str]:
        return set()

    def to_string(self) -> "Join":
        """This value as text at run time, as the SDK's ``to_string()``: a field that takes strings only (a
        processing script's ``job_arguments``) needs it for an Integer or Float parameter."""
        return Join(on="", values=[self])

    def __str__(self) -> str:
        # str() of a run-time value would freeze a placeholder into a path: say what to do instead.
        raise TypeError(f"{self!r} has no value until the pipeline runs, so it cannot be made into a string: "
                        "use Join(on='/', values=[...]) to build a string from it.")


def to_json(value):
    """``value`` with every expression replaced by its definition form."""
    if isinstance(value, Expression):
        return value.expr
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def resolve(value, context: Context):
    """``value`` with every expression replaced by its value in ``context``."""
    if isinstance(value, Expression):
        return value.resolve(context)
    if isinstance(value, dict):
        return {k: resolve(v, context) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(v, context) for v in value]
    return value


def step_names(value) -> set[str]:
    """Names of the steps whose properties ``value`` reads."""
    if isinstance(value, Expression):
        return value.step_names()
    if isinstance(value, dict):
        return set().union(*(step_names(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(step_names(v) for v in value))
    return set()


def parameter_names(value) -> set[str]:
    """Names of the parameters ``value`` reads (to check they are declared)."""
    if isinstance(value, Expression):
        return value.parameter_names()
    if isinstance(value, dict):
        return set().union(*(parameter_names(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(parameter_names(v) for v in value))
    return set()


# ------------------------------------------------------------------------------------- properties

_NAME_KEYS = ("OutputName", "InputName", "MetricName", "ChannelName", "Name")


def _walk(value, path: list, where: str):
    """Follow ``path`` (keys and indexes) into ``value``; a list indexed by a string finds the item
    whose OutputName/MetricName/ChannelName... is that string, as SageMaker's PropertiesList does."""
    for key in path:
        if isinstance(value, dict) and isinstance(key, str) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        elif isinstance(value, list) and isinstance(key, str):
            matches = [item for item in value if isinstance(item, dict)
                       and any(item.get(k) == key for k in _NAME_KEYS)]
            if not matches:
                names = [item.get(k) for item in value if isinstance(item, dict) for k in _NAME_KEYS if k in item]
                raise KeyError(f"{where}: no item named {key!r} (there are: {', '.join(map(str, names)) or 'none'})")
            value = matches[0]
        else:
            known = ", ".join(sorted(value)) if isinstance(value, dict) else type(value).__name__
            raise KeyError(f"{where}: {key!r} is not there (available: {known})")
    return value


class Properties(Expression):
    """A property of a step, e.g. ``step.properties.ModelArtifacts.S3ModelArtifacts`` or
    ``step.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri``: read from the step's
    Describe* answer when it has run."""

    def __init__(self, step_name: str, path: tuple = ()):
        self._step_name = step_name
        self._path = tuple(path)  # ("attr", name) or ("item", key) pairs

    def __getattr__(self, name: str) -> "Properties":
        if name.startswith("_"):
            raise AttributeError(name)
        return Properties(self._step_name, self._path + (("attr", name),))

    def __getitem__(self, key) -> "Properties":
        return Properties(self._step_name, self._path + (("item", key),))

    @property
    def expr(self):
        text = "".join(f".{key}" if kind == "attr" else f"[{key!r}]" for kind, key in self._path)
        return {"Get": f"Steps.{self._step_name}{text}"}

    def step_names(self) -> set[str]:
        return {self._step_name}

    def resolve(self, context: Context):
        if self._step_name not in context.steps:
            raise KeyError(f"step {self._step_name!r} has not run, so its properties are unknown")
        return _walk(context.steps[self._step_name], [key for _, key in self._path], self.expr["Get"])

    def __repr__(self) -> str:
        return f"Properties({self.expr['Get']!r})"


@dataclass(frozen=True)
class PropertyFile:
    """A JSON report a processing step writes (``path`` inside its output ``output_name``), read by
    :class:`JsonGet`: SageMaker's ``PropertyFile(name, output_name, path)``."""

    name: str
    output_name: str
    path: str

    @property
    def expr(self):
        return {"PropertyFileName": self.name, "OutputName": self.output_name, "FilePath": self.path}


_JSON_PATH = re.compile(r"[^.\[\]]+|\[\d+\]")


class JsonGet(Expression):
    """A value inside a step's JSON report: ``JsonGet(step_name="Evaluate", property_file=report,
    json_path="metrics.auc.value")`` (``property_file``: the PropertyFile or its name)."""

    def __init__(self, step_name: str, property_file, json_path: str):
        self.step_name = getattr(step_name, "name", step_name)
        self.property_file = getattr(property_file, "name", property_file)
        self.json_path = json_path

    @property
    def expr(self):
        return {"Std:JsonGet": {"PropertyFile": {"Get": f"Steps.{self.step_name}.PropertyFiles.{self.property_file}"},
                                "Path": self.json_path}}

    def step_names(self) -> set[str]:
        return {self.step_name}

    def resolve(self, context: Context):
        where = f"JsonGet({self.step_name}.{self.property_file}, {self.json_path!r})"
        files = _walk(context.steps.get(self.step_name, {}), ["PropertyFiles"], where)
        if self.property_file not in files:
            raise KeyError(f"{where}: step {self.step_name!r} declares no property file {self.property_file!r} "
                           f"(it has: {', '.join(files) or 'none'}); add it to the step's property_files")
        keys = [int(p[1:-1]) if p.startswith("[") else p for p in _JSON_PATH.findall(self.json_path)]
        return _walk(files[self.property_file], keys, where)

    def __repr__(self) -> str:
        return f"JsonGet({self.step_name!r}, {self.property_file!r}, {self.json_path!r})"


class Join(Expression):
    """Strings and run-time values joined by ``on``: ``Join(on="/", values=["s3://bucket", param])``."""

    def __init__(self, on: str = "", values: list | None = None):
        self.on = on
        self.values = list(values or [])

    @property
    def expr(self):
        return {"Std:Join": {"On": self.on, "Values": to_json(self.values)}}

    def step_names(self) -> set[str]:
        return step_names(self.values)

    def parameter_names(self) -> set[str]:
        return parameter_names(self.values)

    def resolve(self, context: Context):
        return self.on.join(str(v) for v in resolve(self.values, context))

    def __repr__(self) -> str:
        return f"Join({self.on!r}, {self.values!r})"


# -------------------------------------------------------------------------------- execution variables

def utc_text(moment: datetime) -> str:
    """``moment`` as ISO 8601 in UTC with milliseconds, e.g. ``2026-12-07T15:16:35.123Z``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ExecutionVariable(Expression):
    """A value of the running execution, as SageMaker's ``ExecutionVariable``: ``{"Get": "Execution.<name>"}``
    in the definition, the execution's own value when it runs (``CurrentDateTime``: the time it is read)."""

    def __init__(self, name: str):
        self.name = name

    @property
    def expr(self):
        return {"Get": f"Execution.{self.name}"}

    def to_string(self) -> "ExecutionVariable":
        return self  # already a string at run time, as the SDK's

    def resolve(self, context: Context):
        if self.name == "CurrentDateTime":
            return utc_text(datetime.now(timezone.utc))
        if self.name not in context.execution:
            raise KeyError(f"Execution.{self.name} has no value outside a running execution "
                           f"(known: {', '.join(sorted(context.execution)) or 'none'})")
        return context.execution[self.name]

    def __eq__(self, other) -> bool:
        return isinstance(other, ExecutionVariable) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("ExecutionVariable", self.name))

    def __repr__(self) -> str:
        return f"ExecutionVariable({self.name!r})"


class ExecutionVariables:
    """The execution variables SageMaker resolves in any step's arguments, as the SDK names them, e.g. a
    per-execution output folder ``Join(on="/", values=["s3://bucket", ExecutionVariables.PIPELINE_EXECUTION_ID])``.

    Dates are ISO 8601 text in UTC (``START_DATETIME``: when the execution started; ``CURRENT_DATETIME``: when the
    step's arguments are resolved). The job-name variables of the SDK (``TRAINING_JOB_NAME``,
    ``PROCESSING_JOB_NAME``) are not here: locally a step's job name is known only once it runs.
    """

    START_DATETIME = ExecutionVariable("StartDateTime")
    CURRENT_DATETIME = ExecutionVariable("CurrentDateTime")
    PIPELINE_NAME = ExecutionVariable("PipelineName")
    PIPELINE_ARN = ExecutionVariable("PipelineArn")
    PIPELINE_EXECUTION_ID = ExecutionVariable("PipelineExecutionId")
    PIPELINE_EXECUTION_ARN = ExecutionVariable("PipelineExecutionArn")


def execution_values(pipeline_name: str, pipeline_arn: str, execution_id: str, started: datetime) -> dict:
    """The values of the execution variables (but ``CurrentDateTime``) for one execution, by name."""
    return {"PipelineName": pipeline_name, "PipelineArn": pipeline_arn, "PipelineExecutionId": execution_id,
            "PipelineExecutionArn": f"{pipeline_arn}/execution/{execution_id}", "StartDateTime": utc_text(started)}
