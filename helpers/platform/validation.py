"""The checks both backends run before a training job exists, written once so the two cannot drift:
hyperparameter files, channel lists, and a built-in algorithm's channel rules.

Channels are read by attribute (``channel_name``, ``data_source``), so our ``InputData`` and the
SDK's pass the same checks.
"""

from __future__ import annotations

import json
import os
import re
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
