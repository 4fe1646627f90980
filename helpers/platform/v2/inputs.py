"""SDK v2's ``sagemaker.inputs``: ``TrainingInput`` (and SDK v1's name for it, ``s3_input``).

A ``TrainingInput`` describes one channel as SDK v2 does (``.config`` is the Channel shape of
CreateTrainingJob) and becomes the kit's ``InputData`` when a job starts, so the same object trains
locally and, with ``use_backend("sagemaker")``, on SageMaker::

    train = TrainingInput("s3://bucket/train/", content_type="text/csv")
    estimator.fit({"train": train})
"""

from __future__ import annotations

import warnings

from helpers.platform import InputData
from helpers.platform.errors import warn_ignored

#: Channel settings SageMaker honours that a local job (one process, File mode, plain objects) does not:
#: name -> the value that needs no warning.
_LOCAL_DEFAULTS = {"distribution": "FullyReplicated", "compression": None, "record_wrapping": None,
                   "input_mode": None, "attribute_names": None, "target_attribute_name": None,
                   "shuffle_config": None, "instance_groups": None}
_S3_DATA_TYPES = ("S3Prefix", "ManifestFile", "AugmentedManifestFile")


class TrainingInput:
    """One training channel's data, as ``sagemaker.inputs.TrainingInput`` (SDK v2).

    Args:
        s3_data: ``s3://bucket/prefix`` of the channel's objects (``https://`` S3 URLs work too).
        content_type: the MIME type the algorithm reads (``"text/csv"``,
            ``"application/x-recordio-protobuf"``...); built-ins default as on SageMaker.
        s3_data_type: ``"S3Prefix"`` (the only one read locally; a manifest is refused with the fix).
        distribution, compression, record_wrapping, input_mode, attribute_names, target_attribute_name,
            shuffle_config, instance_groups: SageMaker's channel options; kept in ``.config`` and sent
            on the ``sagemaker`` backend, accepted locally with an ``IgnoredArgumentWarning``
            (one local process reads every object of the channel, uncompressed, in File mode).
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
        if s3_data_type not in _S3_DATA_TYPES:
            raise ValueError(f"TrainingInput: s3_data_type {s3_data_type!r} is not one of {', '.join(_S3_DATA_TYPES)}.")
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

    def to_input_data(self, channel_name: str) -> InputData:
        """The kit's ``InputData`` for ``channel_name``; says which SageMaker options a local job ignores."""
        if self.s3_data_type != "S3Prefix":
            raise ValueError(
                f"Channel {channel_name!r}: s3_data_type={self.s3_data_type!r} is not read by the local backend. "
                f"Point s3_data at the folder that holds the channel's objects with s3_data_type='S3Prefix' "
                f"(use_backend('sagemaker') reads manifests).")
        ignored = [name for name, default in _LOCAL_DEFAULTS.items() if getattr(self, name) != default]
        warn_ignored(f"TrainingInput (channel {channel_name!r})", ignored,
                     "a local job reads every object of the channel in File mode, uncompressed, in one process")
        return InputData(channel_name=channel_name, data_source=self.s3_data, content_type=self.content_type)

    def __repr__(self) -> str:
        return f"TrainingInput(s3_data={self.s3_data!r}, content_type={self.content_type!r})"


def s3_input(*args, **kwargs) -> TrainingInput:
    """SDK v1's name for :class:`TrainingInput` (same arguments); warns, as SDK v2 did."""
    warnings.warn("s3_input is SDK v1's name: use sagemaker.inputs.TrainingInput (same arguments).",
                  DeprecationWarning, stacklevel=2)
    return TrainingInput(*args, **kwargs)
