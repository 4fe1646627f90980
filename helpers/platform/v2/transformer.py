"""SDK v2's ``sagemaker.transformer``: ``Transformer`` for batch transform, the kit's with v2's returns.

Same constructor (and argument order) as the kit's ``helpers.platform.Transformer``, which is SDK v2's;
``transform()`` returns None as in v2 and ``latest_transform_job`` has v2's ``.name`` / ``.job_name``
(it is still the job's name as a string, as the kit's is).
"""

from __future__ import annotations

from dataclasses import dataclass

import helpers.platform as kit


class _TransformJob(str):
    """The name of a transform job that also answers SDK v2's ``_TransformJob`` calls."""

    @property
    def name(self) -> str:
        return str(self)

    @property
    def job_name(self) -> str:
        return str(self)

    def describe(self) -> dict:
        return kit.describe_transform_job(str(self))

    def wait(self, logs: bool = True) -> None:
        """Local transform jobs end inside ``transform()``; kept for SDK v2's call shape."""


@dataclass
class Transformer(kit.Transformer):
    """``sagemaker.transformer.Transformer`` (SDK v2): ``Transformer(model_name, instance_count, instance_type,
    strategy=, assemble_with=, output_path=, accept=, ...)``; ``transform(data, content_type=, split_type=, ...)``."""

    def transform(self, data: str, data_type: str = "S3Prefix", content_type: str | None = None,
                  compression_type: str | None = None, split_type: str | None = None, job_name: str | None = None,
                  input_filter: str | None = None, output_filter: str | None = None, join_source: str | None = None,
                  experiment_config=None, model_client_config: dict | None = None, batch_data_capture_config=None,
                  wait: bool = True, logs: bool = True) -> None:
        """Run the batch transform job over every object under ``data``; the answers land in
        ``output_path`` as ``<object>.out``. Returns None, as SDK v2 does (``describe()`` has the job)."""
        super().transform(data, data_type=data_type, content_type=content_type, compression_type=compression_type,
                          split_type=split_type, job_name=job_name, input_filter=input_filter,
                          output_filter=output_filter, join_source=join_source,
                          model_client_config=model_client_config, wait=wait, logs=logs,
                          experiment_config=experiment_config, batch_data_capture_config=batch_data_capture_config)
        self.latest_transform_job = _TransformJob(self.latest_transform_job)

    @classmethod
    def attach(cls, transform_job_name: str, sagemaker_session=None) -> "Transformer":
        """A Transformer with the settings of an existing transform job."""
        described = kit.describe_transform_job(transform_job_name)
        output = described.get("TransformOutput", {})
        resources = described.get("TransformResources", {})
        transformer = cls(described["ModelName"], resources.get("InstanceCount", 1),
                          resources.get("InstanceType", "ml.m5.large"), strategy=described.get("BatchStrategy"),
                          assemble_with=output.get("AssembleWith"), output_path=output.get("S3OutputPath"),
                          accept=output.get("Accept"), max_concurrent_transforms=described.get("MaxConcurrentTransforms"),
                          max_payload=described.get("MaxPayloadInMB"), sagemaker_session=sagemaker_session)
        transformer.latest_transform_job = _TransformJob(transform_job_name)
        return transformer
