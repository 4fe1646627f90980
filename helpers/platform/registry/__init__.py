"""A model registry shaped like SageMaker's: model package groups, versions with metrics, approval status.

    from helpers.platform import registry
    registry.create_model_package_group("churn-models")
    arn = registry.create_model_package("churn-models", model_data_url=uri, image_uri=image)["ModelPackageArn"]
    registry.update_model_package(arn, "Approved", approval_description="beats v1 on AUC")
    registry.latest_approved_model_package("churn-models")

Names load on first use (``helpers.platform.lazy``).
"""

from __future__ import annotations

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.registry.model_packages": (
        "create_model_package_group describe_model_package_group list_model_package_groups "
        "delete_model_package_group create_model_package describe_model_package list_model_packages "
        "update_model_package delete_model_package latest_approved_model_package model_data_url"),
    "helpers.platform.registry.store": "APPROVAL_STATUSES corrupt_records",
})
