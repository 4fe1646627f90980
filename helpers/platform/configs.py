"""Job configuration objects with the SageMaker SDK v3 names and fields
(``sagemaker.core.training.configs``): keyword arguments only, unknown fields rejected.

They are plain dataclasses so the local backend never imports the SDK; the ``sagemaker`` backend
converts them to the SDK's pydantic classes field by field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_IGNORE_PATTERNS = [".env", ".git", "__pycache__", ".DS_Store", ".cache", ".ipynb_checkpoints"]


@dataclass(kw_only=True)
class SourceCode:
    """Script mode: run ``entry_script`` from ``source_dir`` (a local folder).

    ``requirements`` is recorded but not installed locally (the course environment already has the
    packages; on SageMaker the container installs them). ``command`` runs a shell-style command
    instead of ``entry_script`` (hyperparameters then arrive only through ``SM_HPS``).
    """

    source_dir: str | None = None
    requirements: str | None = None
    entry_script: str | None = None
    command: str | None = None
    args: list[Any] | None = None
    ignore_patterns: list[str] | None = field(default_factory=lambda: list(DEFAULT_IGNORE_PATTERNS))


@dataclass(kw_only=True)
class Compute:
    """Instances for the job. Locally the job runs as one process; the instance type is recorded
    (and names the image flavour) and ``instance_count`` fills ``resourceconfig.json``'s hosts."""

    instance_type: str | None = None
    instance_count: int | None = None
    volume_size_in_gb: int | None = 30
    enable_managed_spot_training: bool | None = None
    keep_alive_period_in_seconds: int | None = None


@dataclass(kw_only=True)
class S3DataSource:
    """Where a channel's objects are, and how SageMaker hands them to the instances (SDK v3's
    ``sagemaker.core.shapes.S3DataSource``).

    ``s3_data_type``: ``"S3Prefix"`` (every object whose key starts with ``s3_uri``), ``"ManifestFile"``
    (``s3_uri`` is a JSON manifest ``[{"prefix": "s3://b/p/"}, "rel/key1", ...]``: the channel gets the
    files it lists, at those relative paths) or ``"AugmentedManifestFile"`` (SageMaker only).
    ``s3_data_distribution_type``: ``"FullyReplicated"`` (every instance gets every object) or
    ``"ShardedByS3Key"`` (each of N instances gets about 1/N of the objects).
    """

    s3_data_type: str = "S3Prefix"
    s3_uri: str
    s3_data_distribution_type: str | None = None
    attribute_names: list[str] | None = None
    instance_group_names: list[str] | None = None


@dataclass(kw_only=True)
class DataSource:
    """A channel's source, as ``Channel.data_source`` takes it (SDK v3's ``DataSource``): S3 only here."""

    s3_data_source: S3DataSource | None = None
    file_system_data_source: Any = None


@dataclass(kw_only=True)
class InputData:
    """One input channel: ``data_source`` is an ``s3://`` URI (or a local path), or an ``S3DataSource``
    (a manifest, a distribution), and the files land in ``/opt/ml/input/data/<channel_name>/``."""

    channel_name: str | None = None
    data_source: Any = None
    content_type: str | None = None


@dataclass(kw_only=True)
class Channel:
    """One input channel with every option of CreateTrainingJob's ``Channel`` (SDK v3's
    ``sagemaker.core.shapes.Channel``), for what ``InputData`` cannot say.

    ``compression_type``: ``"None"`` or ``"Gzip"``; ``record_wrapper_type``: ``"None"`` or ``"RecordIO"``;
    both act in Pipe mode only on SageMaker. ``input_mode``: ``"File"``, ``"Pipe"`` or ``"FastFile"``
    (default: the trainer's ``training_input_mode``). ``shuffle_config``: a ``ShuffleConfig`` (``.seed``) or
    the seed, an int.
    """

    channel_name: str | None = None
    data_source: DataSource | S3DataSource | None = None
    content_type: str | None = None
    compression_type: str | None = None
    record_wrapper_type: str | None = None
    input_mode: str | None = None
    shuffle_config: Any = None


@dataclass(kw_only=True)
class StoppingCondition:
    """``max_runtime_in_seconds`` stops a job that runs longer (SDK default: 3600)."""

    max_runtime_in_seconds: int | None = None
    max_wait_time_in_seconds: int | None = None
    max_pending_time_in_seconds: int | None = None


@dataclass(kw_only=True)
class OutputDataConfig:
    """Where artifacts go: ``<s3_output_path>/<job name>/output/model.tar.gz``."""

    s3_output_path: str | None = None
    kms_key_id: str | None = None
    compression_type: str | None = None


@dataclass(kw_only=True)
class MetricDefinition:
    """A metric scraped from the job's log: the first group of ``regex`` is the value."""

    name: str
    regex: str


def to_dict(config) -> dict:
    return asdict(config)
