"""SDK v2's ``sagemaker.amazon.amazon_estimator``: the base of the first-party algorithm estimators
(``KMeans``, ``PCA``, ``LinearLearner``...), ``RecordSet`` and SDK v1's ``get_image_uri``.

``estimator.record_set(x, labels)`` writes ``x`` as RecordIO-protobuf shards (one per training instance)
and a manifest listing them to ``data_location`` in the store, as SDK v2 does
(``<data_location>/<Class>-<timestamp>/matrix_0.pbr`` ... ``.amazon.manifest``), and returns a
``RecordSet`` that ``fit`` trains on. Its channel is the one SDK v2 sends: the manifest, ``ManifestFile``,
``ShardedByS3Key`` (the kit's ``Channel``), so on both backends the job gets exactly the shards the
manifest lists, never the manifest itself.
"""

from __future__ import annotations

import io
import json
import logging
import os
import warnings

import helpers.platform as kit
from helpers.platform.errors import warn_ignored
from helpers.platform.v2.amazon.common import RecordDeserializer, RecordSerializer, write_numpy_to_dense_tensor
from helpers.platform.v2.amazon.hyperparameter import Hyperparameter as hp
from helpers.platform.v2.amazon.validation import gt
from helpers.platform.v2.estimator import Estimator
from helpers.platform.v2.inputs import TrainingInput
from helpers.platform.v2.model import Model
from helpers.platform.v2.predictor import Predictor
from helpers.platform.v2.session import kit_session
from helpers.platform.v2.utils import sagemaker_timestamp

__all__ = ["AmazonAlgorithmEstimatorBase", "RecordSet", "RecordPredictor", "AlgorithmModel", "get_image_uri",
           "upload_numpy_to_s3_shards"]

logger = logging.getLogger(__name__)
MANIFEST = ".amazon.manifest"


class RecordSet:
    """Records stored in S3 for a channel: ``s3_data`` (a manifest, or a prefix with
    ``s3_data_type="S3Prefix"``), ``num_records`` rows of ``feature_dim`` features, bound to ``channel``."""

    def __init__(self, s3_data: str, num_records: int, feature_dim: int, s3_data_type: str = "ManifestFile",
                 channel: str = "train"):
        self.s3_data = s3_data
        self.feature_dim = feature_dim
        self.num_records = num_records
        self.s3_data_type = s3_data_type
        self.channel = channel

    def __repr__(self) -> str:
        return str((RecordSet, self.__dict__))

    def data_channel(self) -> dict:
        """``{channel: TrainingInput}``, what ``fit`` receives for this set."""
        return {self.channel: self.records_s3_input()}

    def records_s3_input(self) -> TrainingInput:
        """The ``TrainingInput`` SDK v2 sends for this set (sharded by key, the manifest's type)."""
        return TrainingInput(self.s3_data, distribution="ShardedByS3Key", s3_data_type=self.s3_data_type)

    def channel_prefix(self) -> str:
        """The ``S3Prefix`` a job reads for this set: ``s3_data`` itself for an ``S3Prefix`` set; for a
        manifest, its prefix plus the longest start its files share (``.../KMeans-<time>/matrix_``), which
        matches exactly the listed shards and not the manifest beside them (SageMaker's S3Prefix is a key
        prefix too, so the same channel trains there). A hand-made manifest whose files share no start
        reads every object under its prefix."""
        if self.s3_data_type == "S3Prefix":
            return self.s3_data
        if self.s3_data_type != "ManifestFile":
            raise ValueError(f"RecordSet(s3_data_type={self.s3_data_type!r}): use 'ManifestFile' or 'S3Prefix'.")
        try:
            manifest = json.loads(_read_s3(self.s3_data))
        except ValueError:  # not JSON (or not UTF-8): the check below names the problem
            manifest = None
        well_formed = isinstance(manifest, list) and len(manifest) > 1 and isinstance(manifest[0], dict)
        prefix = manifest[0].get("prefix") if well_formed else None
        files = manifest[1:] if well_formed else []
        if not isinstance(prefix, str) or not all(isinstance(name, str) and name for name in files):
            raise ValueError(f"{self.s3_data} is not a manifest of files ([{{'prefix': 's3://...'}}, 'file', ...]): "
                             f"make the RecordSet with estimator.record_set(x), or pass s3_data_type='S3Prefix'.")
        return prefix + os.path.commonprefix(files)

    def to_input_data(self):
        """The kit's channel for this set, as SDK v2 sends it (RecordIO-protobuf: the built-ins' default)."""
        if self.s3_data_type == "ManifestFile":
            self.channel_prefix()  # a malformed manifest fails here, naming record_set as the fix
        return self.records_s3_input().to_input_data(self.channel)


def _read_s3(uri: str) -> str:
    bucket, _, key = uri[len("s3://"):].partition("/")
    return kit_session(None).read_s3_file(bucket, key)


def _build_shards(num_shards: int, array):
    """``array`` split into ``num_shards`` row blocks, the last taking the remainder (SDK v2's rule)."""
    if num_shards < 1:
        raise ValueError("num_shards must be >= 1")
    size = int(array.shape[0] / num_shards)
    if size == 0:
        raise ValueError(f"Array length ({array.shape[0]} rows) is less than num shards ({num_shards}, the "
                         f"estimator's instance_count): give more rows or fewer instances.")
    shards = [array[i * size:(i + 1) * size] for i in range(num_shards - 1)]
    shards.append(array[(num_shards - 1) * size:])
    return shards


def upload_numpy_to_s3_shards(num_shards: int, session, bucket: str, key_prefix: str, array, labels=None,
                              encrypt: bool = False) -> str:
    """Write ``array`` (and ``labels``) as ``num_shards`` RecordIO-protobuf objects under
    ``s3://bucket/key_prefix/`` plus the manifest listing them; return the manifest's URI.

    ``session``: the v2 or kit Session whose store receives them (SDK v2 passes a boto3 S3 resource).
    An upload that fails part-way leaves no manifest, so no RecordSet names its shards.
    """
    shards = _build_shards(num_shards, array)
    label_shards = _build_shards(num_shards, labels) if labels is not None else [None] * len(shards)
    key_prefix = key_prefix if key_prefix.endswith("/") else key_prefix + "/"
    put = _putter(kit_session(session), encrypt)
    uploaded: list[str] = []
    for index, (shard, label_shard) in enumerate(zip(shards, label_shards)):
        buffer = io.BytesIO()
        write_numpy_to_dense_tensor(buffer, shard, label_shard)
        name = f"matrix_{str(index).zfill(len(str(len(shards))))}.pbr"
        put(bucket, key_prefix + name, buffer.getvalue())
        uploaded.append(name)
    manifest = json.dumps([{"prefix": f"s3://{bucket}/{key_prefix}"}] + uploaded)
    put(bucket, key_prefix + MANIFEST, manifest.encode("utf-8"))
    return f"s3://{bucket}/{key_prefix}{MANIFEST}"


def _putter(session, encrypt: bool):
    """``put(bucket, key, body)`` into the session's store (local, or S3 on the sagemaker backend)."""
    if encrypt:  # SDK v2 asked for SSE-S3, which S3 has applied to every new object since January 2023
        warn_ignored("record_set", ["encrypt"], "S3 encrypts new objects with AES-256 by default; the local "
                     "store keeps them on this disk")
    return lambda bucket, key, body: session.upload_string_as_file_body(body, bucket, key)


class AmazonAlgorithmEstimatorBase(Estimator):
    """The first-party algorithm estimators' base (not used directly): hyperparameters as keyword
    arguments checked when set, ``record_set`` to upload numpy data, ``fit(records, mini_batch_size)``.

    Args:
        role, instance_count, instance_type: as ``Estimator`` (SDK v1's ``train_instance_count`` /
            ``train_instance_type`` work and warn).
        data_location: ``s3://`` prefix ``record_set`` writes under (default
            ``s3://<default bucket>/sagemaker-record-sets/``).
        **kwargs: ``Estimator``'s other arguments (``output_path``, ``sagemaker_session``, ...).
    """

    feature_dim = hp("feature_dim", gt(0), data_type=int)
    mini_batch_size = hp("mini_batch_size", gt(0), data_type=int)
    repo_name: str | None = None
    repo_version: int | str | None = 1
    #: mini_batch_size when fit() gets none (None: not sent, the algorithm's default)
    DEFAULT_MINI_BATCH_SIZE: int | None = None

    def __init__(self, role=None, instance_count=None, instance_type=None, data_location: str | None = None,
                 enable_network_isolation: bool = False, **kwargs):
        if "image_uri" in kwargs or "image_name" in kwargs:
            raise TypeError(f"{type(self).__name__} takes no image_uri: it trains the {self.repo_name} image "
                            f"of the session's region. Use Estimator(image_uri=...) for another image.")
        session = kit_session(kwargs.get("sagemaker_session"))  # one (an SDK session on AWS is not free)
        image_uri = kit.image_uris.retrieve(self.repo_name, session.boto_region_name,
                                            None if self.repo_version is None else str(self.repo_version))
        super().__init__(image_uri, role, instance_count, instance_type,
                         enable_network_isolation=enable_network_isolation, **kwargs)
        self.data_location = data_location or f"s3://{session.default_bucket()}/sagemaker-record-sets/"

    def training_image_uri(self) -> str:
        return self.image_uri

    def hyperparameters(self) -> dict[str, str]:
        """The hyperparameters sent: every one set, as SageMaker's strings."""
        return hp.serialize_all(self)

    def set_hyperparameters(self, **kwargs) -> None:
        """Set hyperparameters by attribute name (``max_iterations``) or SageMaker's (``local_lloyd_max_iter``),
        checked as the keyword arguments are (SDK v2's first-party classes have no such method: this
        is ``Estimator``'s, made to go through the same checks). Names the class does not know are sent
        as given, for the algorithm's own check to judge."""
        by_name = {getattr(type(self), attribute).name: attribute for attribute in dir(type(self))
                   if isinstance(getattr(type(self), attribute, None), hp)}
        for name, value in kwargs.items():
            attribute = name if isinstance(getattr(type(self), name, None), hp) else by_name.get(name)
            if attribute is None:
                self.__dict__.setdefault("_hyperparameters", {})[name] = value
            else:
                setattr(self, attribute, value)

    @property
    def data_location(self) -> str:
        return self._data_location

    @data_location.setter
    def data_location(self, data_location: str) -> None:
        if not isinstance(data_location, str) or not data_location.startswith("s3://"):
            raise ValueError(f'Expecting an S3 URL beginning with "s3://". Got "{data_location}"')
        self._data_location = data_location if data_location.endswith("/") else data_location + "/"

    # ------------------------------------------------------------------------------- data
    def record_set(self, train, labels=None, channel: str = "train", encrypt: bool = False) -> RecordSet:
        """Upload ``train`` (2-D numpy array, one row per record) and ``labels`` (1-D, same length) as
        RecordIO-protobuf, one shard per training instance, with a manifest; return their ``RecordSet``."""
        if getattr(train, "ndim", None) != 2:
            raise ValueError(f"record_set(train): give a 2-D numpy array (rows, features), got "
                             f"{type(train).__name__} of shape {getattr(train, 'shape', '?')}; reshape one "
                             f"feature with x.reshape(-1, 1).")
        if labels is not None and len(labels) != train.shape[0]:
            raise ValueError(f"record_set: {len(labels)} labels for {train.shape[0]} rows; give one label per row.")
        bucket, _, key_prefix = self.data_location[len("s3://"):].partition("/")
        key_prefix = f"{key_prefix}{type(self).__name__}-{sagemaker_timestamp()}/".lstrip("/")
        logger.debug("Uploading to bucket %s and key_prefix %s", bucket, key_prefix)
        manifest = upload_numpy_to_s3_shards(int(self.instance_count), self.sagemaker_session, bucket, key_prefix,
                                             train, labels, encrypt)
        return RecordSet(manifest, num_records=train.shape[0], feature_dim=train.shape[1], channel=channel)

    def _channels(self, inputs) -> list:
        """RecordSets (one, or a list with a ``train`` one) -> their channels; anything else: ``Estimator``'s."""
        if isinstance(inputs, RecordSet):
            return [inputs.to_input_data()]
        if isinstance(inputs, list) and inputs and all(isinstance(r, RecordSet) for r in inputs):
            return [records.to_input_data() for records in inputs]
        return super()._channels(inputs)

    # ------------------------------------------------------------------------------- training
    @staticmethod
    def _train_set(records) -> RecordSet:
        if isinstance(records, list):
            for record in records:
                if isinstance(record, RecordSet) and record.channel == "train":
                    return record
            raise ValueError("Must provide train channel: one RecordSet with channel='train' "
                             "(estimator.record_set(x, channel='train')).")
        if not isinstance(records, RecordSet):
            raise TypeError(f"fit(records): give a RecordSet (estimator.record_set(x)) or a list of them, not "
                            f"{type(records).__name__}; for S3 data use Estimator(image_uri, ...).fit({{'train': uri}}).")
        return records

    def _default_mini_batch_size(self, num_records: int) -> int | None:
        """mini_batch_size when fit() is given none: ``DEFAULT_MINI_BATCH_SIZE`` capped at the records per
        instance (a larger one fails the job), as SDK v2's LinearLearner and PCA do."""
        if self.DEFAULT_MINI_BATCH_SIZE is None:
            return None
        return min(self.DEFAULT_MINI_BATCH_SIZE, max(1, int(num_records / int(self.instance_count))))

    def _prepare_for_training(self, records=None, mini_batch_size=None, job_name=None) -> None:
        """feature_dim from the train RecordSet, mini_batch_size (given, else the class default)."""
        super()._prepare_for_training(job_name=job_name)
        if records is None:
            return
        train = self._train_set(records)
        self.feature_dim = train.feature_dim
        self.mini_batch_size = mini_batch_size or self._default_mini_batch_size(train.num_records)

    def _prepare_for_tuning(self, inputs=None, job_name=None, **kwargs) -> None:
        """A tuner's ``fit(records, mini_batch_size=...)``: as ``fit`` for RecordSets, else ``Estimator``'s."""
        if isinstance(inputs, (RecordSet, list)):
            self._prepare_for_training(inputs, job_name=job_name, **kwargs)
        else:
            super()._prepare_for_tuning(inputs, job_name=job_name, **kwargs)

    def fit(self, records, mini_batch_size: int | None = None, wait: bool = True, logs=True,
            job_name: str | None = None, experiment_config=None) -> None:
        """Train on ``records`` (a ``RecordSet`` from ``record_set``, or a list of them with one
        ``channel="train"``); ``mini_batch_size`` (None: the algorithm's default). Blocks while ``wait``;
        a failed job raises ``FailedStatusError``."""
        self._prepare_for_training(records, mini_batch_size=mini_batch_size, job_name=job_name)
        self._start_new(records, wait=wait, logs=logs, experiment_config=experiment_config)


def get_image_uri(region_name: str, repo_name: str, repo_version: int | str = 1) -> str:
    """SDK v1's image lookup (``.../kmeans:1``); warns: SDK v2 uses ``image_uris.retrieve(framework, region)``."""
    warnings.warn("get_image_uri(region, repo) is SDK v1's; SDK v2 uses sagemaker.image_uris.retrieve(framework, "
                  "region, version) (same answer here).", DeprecationWarning, stacklevel=2)
    return kit.image_uris.retrieve(repo_name, region_name, None if repo_version is None else str(repo_version))


class RecordPredictor(Predictor):
    """A first-party algorithm's predictor: sends numpy rows as RecordIO-protobuf, reads ``Record``s back
    (``record.label["<name>"].float32_tensor.values``), as SDK v2's ``KMeansPredictor`` and the others do."""

    def __init__(self, endpoint_name: str, sagemaker_session=None, serializer=None, deserializer=None,
                 component_name: str | None = None):
        super().__init__(endpoint_name, sagemaker_session,
                         serializer=RecordSerializer() if serializer is None else serializer,
                         deserializer=RecordDeserializer() if deserializer is None else deserializer,
                         component_name=component_name)


class AlgorithmModel(Model):
    """A first-party algorithm's ``Model`` (``KMeansModel``...): ``model_data`` served by the algorithm's
    image of the session's region; ``deploy()`` returns the algorithm's predictor."""

    estimator_cls: type[AmazonAlgorithmEstimatorBase]

    def __init__(self, model_data: str, role: str | None = None, sagemaker_session=None, **kwargs):
        image_uri = kwargs.pop("image_uri", None) or kit.image_uris.retrieve(
            self.estimator_cls.repo_name, kit_session(sagemaker_session).boto_region_name,
            str(self.estimator_cls.repo_version))
        predictor_cls = kwargs.pop("predictor_cls", None) or self.estimator_cls.predictor_cls
        super().__init__(image_uri, model_data, role, predictor_cls=predictor_cls,
                         sagemaker_session=sagemaker_session, **kwargs)
