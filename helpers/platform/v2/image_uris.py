"""SDK v2's ``sagemaker.image_uris.retrieve`` (and SDK v1's ``get_image_uri``) on the kit's image table.

Answers are the ECR URIs SageMaker uses; locally a built-in algorithm's image selects that algorithm.
"""

from __future__ import annotations

import warnings

from helpers.platform import image_uris as kit_image_uris
from helpers.platform.backend import default_region
from helpers.platform.errors import warn_ignored

_UNUSED = ("accelerator_type", "container_version", "distribution", "base_framework_version",
           "training_compiler_config", "model_id", "model_version", "tolerate_vulnerable_model",
           "tolerate_deprecated_model", "sdk_version", "inference_tool", "serverless_inference_config",
           "config_name", "model_type", "hub_arn")


def retrieve(framework: str, region: str | None = None, version: str | None = None, py_version: str | None = None,
             instance_type: str | None = None, image_scope: str | None = None, **sdk_options) -> str:
    """The ECR URI of a SageMaker image, e.g. ``retrieve("linear-learner", "us-east-1")``; ``region`` defaults
    to the session's (``AWS_REGION``, else us-east-1). SDK v2's JumpStart and accelerator options are
    accepted with an ``IgnoredArgumentWarning``."""
    unknown = sorted(set(sdk_options) - set(_UNUSED))
    if unknown:
        raise TypeError(f"retrieve() got unexpected argument(s) {', '.join(unknown)}.")
    warn_ignored("image_uris.retrieve", [k for k, v in sdk_options.items() if v not in (None, False)],
                 "the kit's image table has no JumpStart models or accelerators")
    return kit_image_uris.retrieve(framework, region or default_region(), version=version, py_version=py_version,
                                   instance_type=instance_type, image_scope=image_scope)


def get_image_uri(region_name: str, repo_name: str, repo_version="1") -> str:
    """SDK v1's ``sagemaker.amazon.amazon_estimator.get_image_uri(region, "kmeans")`` (with a
    DeprecationWarning, as SDK v2 gave): the same URI as ``retrieve(repo_name, region, version=repo_version)``."""
    warnings.warn("get_image_uri is SDK v1's: use sagemaker.image_uris.retrieve(framework, region) (SDK v2).",
                  DeprecationWarning, stacklevel=2)
    return kit_image_uris.retrieve(repo_name, region_name or default_region(), version=str(repo_version))


def list_frameworks() -> list[str]:
    return kit_image_uris.list_frameworks()
