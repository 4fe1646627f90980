"""The checks both backends run before a training job exists, written once so the two cannot drift:
hyperparameter files, channel lists, and a built-in algorithm's channel rules.

Channels are read by attribute (``channel_name``, ``data_source``, ``compression_type``...), so our
``InputData``/``Channel`` and the SDK's pass the same checks.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.platform.errors import InputDataError

_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
#: What SageMaker accepts as the name of a job, endpoint, variant, pipeline or model package group: up to 63
#: letters, digits and hyphens, starting and ending with a letter or digit.
RESOURCE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def load_hyperparameters(hyperparameters) -> dict:
    """A dict as is (copied); a path to a JSON or YAML file is read (as the SDK allows)."""
    if hyperparameters is None:
        return {}
    if isinstance(hyperparameters, (str, os.PathLike)):
        path = Path(hyperparameters)
        if not path.is_file():
            raise ValueError(f"Hyperparameters file not found: {path}. Pass a dict, or the path of a JSON/YAML file.")
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            import yaml

            data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path} must hold a mapping of hyperparameter names to values.")
        return data
    if not isinstance(hyperparameters, dict):
        raise TypeError(f"hyperparameters must be a dict (or a file path), not {type(hyperparameters).__name__}.")
    return dict(hyperparameters)


#: CreateTrainingJob's values for a channel's options (botocore's SageMaker model; "Converse" is for
#: foundation-model fine-tuning and not taken here).
S3_DATA_TYPES = ("S3Prefix", "ManifestFile", "AugmentedManifestFile")
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")
COMPRESSIONS = ("None", "Gzip")
RECORD_WRAPPERS = ("None", "RecordIO")
INPUT_MODES = ("File", "Pipe", "FastFile")


@dataclass(frozen=True)
class ChannelOptions:
    """One channel as CreateTrainingJob sends it, with SageMaker's defaults filled in.

    ``source``: an ``s3://`` URI (the prefix, or the manifest's URI), an ``https://`` S3 URL or a
    local path; ``input_mode``: the channel's own, else the trainer's ``training_input_mode``;
    ``shuffle_seed``: ``ShuffleConfig.Seed`` (None: no shuffling).
    """

    name: str
    source: object
    s3_data_type: str = "S3Prefix"
    distribution: str = "FullyReplicated"
    content_type: str | None = None
    compression: str = "None"
    record_wrapper: str = "None"
    input_mode: str = "File"
    shuffle_seed: int | None = None
    attribute_names: tuple[str, ...] = ()
    instance_group_names: tuple[str, ...] = ()

    def channel(self, uri: str) -> dict:
        """The ``Channel`` of CreateTrainingJob (and DescribeTrainingJob) for this channel read from ``uri``."""
        source = {"S3DataType": self.s3_data_type, "S3Uri": uri, "S3DataDistributionType": self.distribution}
        for key, value in (("AttributeNames", self.attribute_names), ("InstanceGroupNames", self.instance_group_names)):
            if value:
                source[key] = list(value)
        entry = {"ChannelName": self.name, "DataSource": {"S3DataSource": source}}
        if self.shuffle_seed is not None:
            entry["ShuffleConfig"] = {"Seed": self.shuffle_seed}
        if self.content_type:
            entry["ContentType"] = self.content_type
        entry.update({"CompressionType": self.compression, "RecordWrapperType": self.record_wrapper,
                      "InputMode": self.input_mode})
        return entry


def channel_from_request(entry: dict, s3_uri: str):
    """A CreateTrainingJob request's ``Channel`` (boto3's dict) as the kit's ``Channel``, every option kept;
    ``s3_uri``: its S3Uri, already checked by the caller."""
    from helpers.platform.configs import Channel, S3DataSource

    source = (entry.get("DataSource") or {}).get("S3DataSource") or {}
    return Channel(channel_name=entry.get("ChannelName"), content_type=entry.get("ContentType"),
                   data_source=S3DataSource(s3_uri=s3_uri, s3_data_type=source.get("S3DataType") or "S3Prefix",
                                            s3_data_distribution_type=source.get("S3DataDistributionType"),
                                            attribute_names=source.get("AttributeNames"),
                                            instance_group_names=source.get("InstanceGroupNames")),
                   compression_type=entry.get("CompressionType"), record_wrapper_type=entry.get("RecordWrapperType"),
                   input_mode=entry.get("InputMode"), shuffle_config=(entry.get("ShuffleConfig") or {}).get("Seed"))


def _is(obj, shape: str) -> bool:
    """Whether ``obj`` is a ``shape`` (``"S3DataSource"``, ``"DataSource"``): ours or the SDK's, by class name;
    never ``hasattr``, which a pipeline expression answers yes to for every name."""
    return type(obj).__name__ == shape


def _given(obj, name: str):
    """``obj.name``, or None when absent or unset (the SDK's pydantic shapes hold ``Unassigned()``)."""
    value = getattr(obj, name, None)
    return None if value is None or type(value).__name__ == "Unassigned" else value


def channel_options(channel, training_input_mode: str = "File") -> ChannelOptions:
    """The options of ``channel`` (our ``InputData``/``Channel`` or the SDK's), checked as SageMaker
    checks them; raises ``InputDataError`` naming the option and its values."""
    source = channel.data_source
    s3 = _given(source, "s3_data_source") if _is(source, "DataSource") else source
    if _is(source, "DataSource") and s3 is None:
        raise InputDataError(f"Channel {channel.channel_name!r}: the data source has no s3_data_source; the kit's "
                             "channels read S3: DataSource(s3_data_source=S3DataSource(s3_uri=..., ...)).")
    if _is(s3, "S3DataSource"):
        options = dict(source=_given(s3, "s3_uri"), s3_data_type=_given(s3, "s3_data_type") or "S3Prefix",
                       distribution=_given(s3, "s3_data_distribution_type") or "FullyReplicated",
                       attribute_names=tuple(_given(s3, "attribute_names") or ()),
                       instance_group_names=tuple(_given(s3, "instance_group_names") or ()))
    else:
        options = dict(source=s3)
    options.update(name=channel.channel_name, content_type=_given(channel, "content_type"),
                   compression=_given(channel, "compression_type") or "None",
                   record_wrapper=_given(channel, "record_wrapper_type") or "None",
                   input_mode=_given(channel, "input_mode") or training_input_mode or "File",
                   shuffle_seed=shuffle_seed(channel))
    found = ChannelOptions(**options)
    check_channel_options(found)
    return found


def shuffle_seed(channel) -> int | None:
    """``channel.shuffle_config``'s seed: a ShuffleConfig (ours, SDK v2's or v3's, with ``.seed``) or the seed."""
    config = _given(channel, "shuffle_config")
    seed = config if config is None or isinstance(config, (int, float, str)) else _given(config, "seed")
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputDataError(f"Channel {channel.channel_name!r}: shuffle_config's seed must be an integer, not "
                             f"{seed!r}, e.g. ShuffleConfig(seed=42).")
    return seed


def check_channel_options(options: ChannelOptions) -> None:
    """What CreateTrainingJob refuses, or SageMaker's documentation says not to send, refused before a job
    exists on both backends: unknown values, and Gzip or RecordIO wrapping outside Pipe mode."""
    where = f"Channel {options.name!r}"
    for label, value, allowed in (("s3_data_type", options.s3_data_type, S3_DATA_TYPES),
                                  ("s3_data_distribution_type", options.distribution, DISTRIBUTIONS),
                                  ("compression_type", options.compression, COMPRESSIONS),
                                  ("record_wrapper_type", options.record_wrapper, RECORD_WRAPPERS),
                                  ("input_mode", options.input_mode, INPUT_MODES)):
        if value not in allowed:
            raise InputDataError(f"{where}: {label}={value!r} is not one of {', '.join(map(repr, allowed))}.")
    if options.source is None:
        raise InputDataError(f"{where}: the S3 data source has no s3_uri: pass the s3:// URI that "
                             "upload_data(...) returned.")
    if options.input_mode != "Pipe":
        for label, value in (("compression_type", options.compression),
                             ("record_wrapper_type", options.record_wrapper)):
            if value != "None":
                raise InputDataError(
                    f"{where}: {label}={value!r} acts only in Pipe input mode on SageMaker (in {options.input_mode} "
                    f"mode its documentation says to leave it unset): store the objects uncompressed / already in "
                    f"the format the algorithm reads, or set input_mode='Pipe'.")
        if options.s3_data_type == "AugmentedManifestFile":
            raise InputDataError(f"{where}: s3_data_type='AugmentedManifestFile' can only be used in Pipe input "
                                 "mode on SageMaker: set input_mode='Pipe', or use a ManifestFile / S3Prefix.")


def merge_channels(defaults, given) -> list:
    """The trainer's channels with ``given`` ones replacing those of the same name (the SDK's rule),
    each checked: an InputData-like item, a valid name, a data source."""
    merged = {getattr(c, "channel_name", None): c for c in defaults or []}
    for channel in given or []:
        merged[getattr(channel, "channel_name", None)] = channel
    channels = list(merged.values())
    for channel in channels:
        if not (hasattr(channel, "channel_name") and hasattr(channel, "data_source")):
            raise TypeError(f"input_data_config takes InputData(channel_name=..., data_source=...) items, "
                            f"not {type(channel).__name__}.")
        if not channel.channel_name or not _CHANNEL_NAME.match(str(channel.channel_name)):
            raise InputDataError(f"Invalid channel name {channel.channel_name!r}: use letters, digits, '.', '-' "
                                 "or '_', e.g. InputData(channel_name='train', data_source=...).")
        if channel.data_source is None:
            raise InputDataError(f"Channel {channel.channel_name!r} has no data_source: pass the s3:// URI "
                                 "that upload_data(...) returned.")
    return channels


def check_algorithm_channels(algorithm_name: str, algorithm, channel_names) -> None:
    """A built-in algorithm gets every channel it requires and none it does not read."""
    names = set(channel_names)
    required = set(getattr(algorithm, "required_channels", ()) or ())
    supported = set(getattr(algorithm, "supported_channels", ()) or ())
    missing = sorted(required - names)
    if missing:
        raise InputDataError(
            f"{algorithm_name} needs the channel(s) {', '.join(map(repr, missing))} but got "
            f"{', '.join(map(repr, sorted(names))) or 'none'}. Pass e.g. train(input_data_config=["
            f"InputData(channel_name={missing[0]!r}, data_source=session.upload_data('train.csv'))]).")
    unknown = sorted(names - supported) if supported else []
    if unknown:
        raise InputDataError(f"{algorithm_name} does not read the channel(s) {', '.join(map(repr, unknown))}; "
                             f"its channels are {', '.join(map(repr, sorted(supported)))}.")
