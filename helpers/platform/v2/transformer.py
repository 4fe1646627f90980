"""SDK v2's ``sagemaker.transformer``: ``Transformer`` for batch transform, the kit's with v2's returns.

Same constructor (and argument order) as the kit's ``helpers.platform.Transformer``, which is SDK v2's;
``transform()`` returns None as in v2 and ``latest_transform_job`` has v2's ``.name`` / ``.job_name``
(it is still the job's name as a string, as the kit's is).

Locally the kit runs the job. The kit's Transformer has no SageMaker twin yet, so on
``use_backend("sagemaker")`` this class sends SageMaker's CreateTransformJob itself, through the session's
boto3 SageMaker client (the request SDK v2 sends), and waits on DescribeTransformJob.
"""

from __future__ import annotations

from dataclasses import dataclass

import helpers.platform as kit
from helpers.platform.v2.session import kit_session, wait_until_done
from helpers.platform.v2.utils import name_from_base


class _TransformJob(str):
    """The name of a transform job that also answers SDK v2's ``_TransformJob`` calls."""

    def __new__(cls, name: str, sagemaker_client=None):
        job = super().__new__(cls, name)
        job._client = sagemaker_client  # boto3's SageMaker client on AWS; None for a local job
        return job

    @property
    def name(self) -> str:
        return str(self)

    @property
    def job_name(self) -> str:
        return str(self)

    def describe(self) -> dict:
        if self._client is not None:
            return self._client.describe_transform_job(TransformJobName=str(self))
        return kit.describe_transform_job(str(self))

    def wait(self, logs: bool = True) -> None:
        """Block until the job ends (FailedStatusError if it failed); a local job has ended already."""
        if self._client is not None:
            wait_until_done(self.describe, "TransformJob")


def _drop_none(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


@dataclass
class Transformer(kit.Transformer):
    """``sagemaker.transformer.Transformer`` (SDK v2): ``Transformer(model_name, instance_count, instance_type,
    strategy=, assemble_with=, output_path=, accept=, ...)``; ``transform(data, content_type=, split_type=, ...)``."""

    def __post_init__(self) -> None:
        if kit.current_backend() == "local":  # the kit's warnings name what a local job ignores
            super().__post_init__()

    def transform(self, data: str, data_type: str = "S3Prefix", content_type: str | None = None,
                  compression_type: str | None = None, split_type: str | None = None, job_name: str | None = None,
                  input_filter: str | None = None, output_filter: str | None = None, join_source: str | None = None,
                  experiment_config=None, model_client_config: dict | None = None, batch_data_capture_config=None,
                  wait: bool = True, logs: bool = True) -> None:
        """Run the batch transform job over every object under ``data``; the answers land in
        ``output_path`` as ``<object>.out``. Returns None, as SDK v2 does (``describe()`` has the job)."""
        if kit.current_backend() == "sagemaker":
            self._create_transform_job(data, data_type, content_type, compression_type, split_type, job_name,
                                       input_filter, output_filter, join_source, model_client_config,
                                       experiment_config)
            if wait:
                self.latest_transform_job.wait()
            return
        super().transform(data, data_type=data_type, content_type=content_type, compression_type=compression_type,
                          split_type=split_type, job_name=job_name, input_filter=input_filter,
                          output_filter=output_filter, join_source=join_source,
                          model_client_config=model_client_config, wait=wait, logs=logs,
                          experiment_config=experiment_config, batch_data_capture_config=batch_data_capture_config)
        self.latest_transform_job = _TransformJob(self.latest_transform_job)

    def _create_transform_job(self, data, data_type, content_type, compression_type, split_type, job_name,
                              input_filter, output_filter, join_source, model_client_config, experiment_config):
        """CreateTransformJob as SDK v2 sends it; the job's name becomes ``latest_transform_job``."""
        session = kit_session(self.sagemaker_session)
        name = job_name or name_from_base(self.base_transform_job_name or self.model_name)
        if self.output_path is None:  # SDK v2's default: the session's bucket, under the job's name
            self.output_path = f"s3://{session.default_bucket()}/{name}"
        data_processing = _drop_none({"InputFilter": input_filter, "OutputFilter": output_filter,
                                      "JoinSource": join_source})
        request = _drop_none({
            "TransformJobName": name, "ModelName": self.model_name, "BatchStrategy": self.strategy,
            "MaxConcurrentTransforms": self.max_concurrent_transforms, "MaxPayloadInMB": self.max_payload,
            "Environment": self.env, "Tags": self.tags, "ModelClientConfig": model_client_config,
            "ExperimentConfig": experiment_config, "DataProcessing": data_processing or None,
            "TransformInput": _drop_none({
                "DataSource": {"S3DataSource": {"S3DataType": data_type, "S3Uri": data}},
                "ContentType": content_type, "CompressionType": compression_type, "SplitType": split_type}),
            "TransformOutput": _drop_none({"S3OutputPath": self.output_path, "Accept": self.accept,
                                           "AssembleWith": self.assemble_with, "KmsKeyId": self.output_kms_key}),
            "TransformResources": _drop_none({"InstanceType": self.instance_type,
                                              "InstanceCount": self.instance_count,
                                              "VolumeKmsKeyId": self.volume_kms_key}),
        })
        client = session.sagemaker_client
        client.create_transform_job(**request)
        self.latest_transform_job = _TransformJob(name, client)

    def wait(self, logs: bool = True) -> None:
        """Block until the latest job ends (a local job has ended inside ``transform()``)."""
        if self.latest_transform_job:
            _TransformJob.wait(self.latest_transform_job)

    @classmethod
    def attach(cls, transform_job_name: str, sagemaker_session=None) -> "Transformer":
        """A Transformer with the settings of an existing transform job."""
        client = kit_session(sagemaker_session).sagemaker_client if kit.current_backend() == "sagemaker" else None
        job = _TransformJob(transform_job_name, client)
        described = job.describe()
        output = described.get("TransformOutput", {})
        resources = described.get("TransformResources", {})
        transformer = cls(described["ModelName"], resources.get("InstanceCount", 1),
                          resources.get("InstanceType", "ml.m5.large"), strategy=described.get("BatchStrategy"),
                          assemble_with=output.get("AssembleWith"), output_path=output.get("S3OutputPath"),
                          accept=output.get("Accept"), max_concurrent_transforms=described.get("MaxConcurrentTransforms"),
                          max_payload=described.get("MaxPayloadInMB"), sagemaker_session=sagemaker_session)
        transformer.latest_transform_job = job
        return transformer
