"""SDK v2's ``sagemaker.inputs``: ``TrainingInput`` (and SDK v1's name for it, ``s3_input``).

A ``TrainingInput`` describes one channel as SDK v2 does (``.config`` is the Channel shape of
CreateTrainingJob) and becomes the kit's ``InputData`` (or, with options, its ``Channel``) when a job
starts, so the same object trains locally and, with ``use_backend("sagemaker")``, on SageMaker::

    train = TrainingInput("s3://bucket/train/", content_type="text/csv")
    estimator.fit({"train": train})
"""

from __future__ import annotations

import warnings

from helpers.platform.configs import Channel, DataSource, InputData, S3DataSource
from helpers.platform.errors import warn_ignored
from helpers.platform.validation import S3_DATA_TYPES

#: Channel settings CreateTrainingJob's Channel has no field for (SDK v2 sent it for AutoML channels).
_UNCARRIED = {"target_attribute_name": None}


class TrainingInput:
    """One training channel's data, as ``sagemaker.inputs.TrainingInput`` (SDK v2).

    Args:
        s3_data: ``s3://bucket/prefix`` of the channel's objects (``https://`` S3 URLs work too).
        content_type: the MIME type the algorithm reads (``"text/csv"``,
            ``"application/x-recordio-protobuf"``...); built-ins default as on SageMaker.
        s3_data_type: ``"S3Prefix"`` or ``"ManifestFile"`` (the channel gets the files the manifest lists,
            on both backends); ``"AugmentedManifestFile"`` is SageMaker's only.
        distribution, compression, record_wrapping, input_mode, attribute_names, shuffle_config,
            instance_groups: become the kit's ``Channel`` (SDK v3's names), sent to CreateTrainingJob on
            the ``sagemaker`` backend and checked the same on both (see
            ``helpers.platform.validation.channel_options``; what a local job does with each is in
            ``ModelTrainer``'s docs).
        target_attribute_name: kept in ``.config`` only (CreateTrainingJob has no such field): an
            ``IgnoredArgumentWarning`` says so.
    """

    def __init__(self, s3_data, distribution: str | None = None, compression: str | None = None,
                 content_type: str | None = None, record_wrapping: str | None = None,
                 s3_data_type: str = "S3Prefix", instance_groups=None, input_mode: str | None = None,
                 attribute_names=None, target_attribute_name: str | None = None, shuffle_config=None,
                 **unknown):
        if unknown:
            raise TypeError(f"TrainingInput() got unexpected argument(s) {', '.join(sorted(unknown))}.")
        if not isinstance(s3_data, str) or not s3_data.startswith(("s3://", "https://")):
            raise ValueError(f"TrainingInput: s3_data must be an s3:// URI such as "
                             f"Session().upload_data('train.csv', key_prefix='train'), not {s3_data!r}.")
        if s3_data_type not in S3_DATA_TYPES:
            raise ValueError(f"TrainingInput: s3_data_type {s3_data_type!r} is not one of {', '.join(S3_DATA_TYPES)}.")
        self.s3_data = s3_data
        self.s3_data_type = s3_data_type
        self.distribution = distribution or "FullyReplicated"
        self.compression = compression
        self.content_type = content_type
        self.record_wrapping = record_wrapping
        self.input_mode = input_mode
        self.attribute_names = attribute_names
        self.target_attribute_name = target_attribute_name
        self.shuffle_config = shuffle_config
        self.instance_groups = instance_groups

    @property
    def config(self) -> dict:
        """The Channel of CreateTrainingJob without its name, as SDK v2's ``TrainingInput.config``."""
        source = {"S3DataType": self.s3_data_type, "S3Uri": self.s3_data,
                  "S3DataDistributionType": self.distribution}
        if self.attribute_names:
            source["AttributeNames"] = list(self.attribute_names)
        if self.instance_groups:
            source["InstanceGroupNames"] = list(self.instance_groups)
        config = {"DataSource": {"S3DataSource": source}}
        for key, value in (("CompressionType", self.compression), ("ContentType", self.content_type),
                           ("RecordWrapperType", self.record_wrapping), ("InputMode", self.input_mode)):
            if value is not None:
                config[key] = value
        if self.target_attribute_name is not None:
            config["TargetAttributeName"] = self.target_attribute_name
        if self.shuffle_config is not None:
            config["ShuffleConfig"] = {"Seed": getattr(self.shuffle_config, "seed", self.shuffle_config)}
        return config

    def to_input_data(self, channel_name: str) -> InputData | Channel:
        """The kit's channel for ``channel_name``: an ``InputData`` when every option is SageMaker's default
        (the request is then the one a plain URI makes), else a ``Channel`` carrying them."""
        ignored = [name for name, default in _UNCARRIED.items() if getattr(self, name) != default]
        warn_ignored(f"TrainingInput (channel {channel_name!r})", ignored,
                     "CreateTrainingJob's channels have no such field")
        if (self.s3_data_type, self.distribution, self.compression, self.record_wrapping, self.input_mode,
                self.attribute_names, self.instance_groups, self.shuffle_config) == \
                ("S3Prefix", "FullyReplicated", None, None, None, None, None, None):
            return InputData(channel_name=channel_name, data_source=self.s3_data, content_type=self.content_type)
        source = S3DataSource(s3_data_type=self.s3_data_type, s3_uri=self.s3_data,
                              s3_data_distribution_type=self.distribution,
                              attribute_names=list(self.attribute_names) if self.attribute_names else None,
                              instance_group_names=list(self.instance_groups) if self.instance_groups else None)
        return Channel(channel_name=channel_name, data_source=DataSource(s3_data_source=source),
                       content_type=self.content_type, compression_type=self.compression,
                       record_wrapper_type=self.record_wrapping, input_mode=self.input_mode,
                       shuffle_config=self.shuffle_config)

    def __repr__(self) -> str:
        return f"TrainingInput(s3_data={self.s3_data!r}, content_type={self.content_type!r})"


class ShuffleConfig:
    """SDK v2's ``sagemaker.inputs.ShuffleConfig``: the seed SageMaker shuffles a channel's objects with."""

    def __init__(self, seed: int):
        self.seed = seed

    def __repr__(self) -> str:
        return f"ShuffleConfig(seed={self.seed!r})"


def s3_input(*args, **kwargs) -> TrainingInput:
    """SDK v1's name for :class:`TrainingInput` (same arguments); warns, as SDK v2 did."""
    warnings.warn("s3_input is SDK v1's name: use sagemaker.inputs.TrainingInput (same arguments).",
                  DeprecationWarning, stacklevel=2)
    return TrainingInput(*args, **kwargs)
