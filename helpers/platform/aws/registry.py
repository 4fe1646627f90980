"""The model registry's SageMaker twins: the same calls as ``helpers.platform.registry``, sent to
SageMaker's model registry through boto3 (arguments renamed to the API's PascalCase fields)."""

from __future__ import annotations

from helpers.platform.aws.sdk import client


def _answer(response: dict) -> dict:
    response.pop("ResponseMetadata", None)
    return response


def create_model_package_group(model_package_group_name: str, model_package_group_description: str = "") -> dict:
    return _answer(client().create_model_package_group(ModelPackageGroupName=model_package_group_name,
                                                       ModelPackageGroupDescription=model_package_group_description))


def describe_model_package_group(model_package_group_name: str) -> dict:
    return _answer(client().describe_model_package_group(ModelPackageGroupName=model_package_group_name))


def list_model_package_groups(name_contains: str | None = None, sort_order: str = "Ascending") -> list[dict]:
    args = {"SortBy": "CreationTime", "SortOrder": sort_order, **({"NameContains": name_contains} if name_contains else {})}
    pages = client().get_paginator("list_model_package_groups").paginate(**args)
    return [summary for page in pages for summary in page["ModelPackageGroupSummaryList"]]


def delete_model_package_group(model_package_group_name: str) -> None:
    client().delete_model_package_group(ModelPackageGroupName=model_package_group_name)


def create_model_package(model_package_group_name: str, *, model_data_url: str, image_uri: str,
                         framework: str | None = None, model_metrics: dict | None = None,
                         model_approval_status: str = "PendingManualApproval", model_package_description: str = "",
                         customer_metadata_properties: dict | None = None, content_types: list[str] | None = None,
                         response_types: list[str] | None = None) -> dict:
    container = {"Image": image_uri, "ModelDataUrl": model_data_url, **({"Framework": framework} if framework else {})}
    args = {"ModelPackageGroupName": model_package_group_name, "ModelApprovalStatus": model_approval_status,
            "ModelPackageDescription": model_package_description,
            "InferenceSpecification": {"Containers": [container],
                                       "SupportedContentTypes": list(content_types or ["text/csv"]),
                                       "SupportedResponseMIMETypes": list(response_types or ["text/csv"])}}
    if model_metrics:
        args["ModelMetrics"] = model_metrics
    if customer_metadata_properties:
        args["CustomerMetadataProperties"] = {str(k): str(v) for k, v in customer_metadata_properties.items()}
    return _answer(client().create_model_package(**args))


def _arn(model_package_name: str) -> str:
    """A versioned package's ARN: given, or looked up from ``"<group>/<version>"`` (the local shorthand)."""
    if model_package_name.startswith("arn:"):
        return model_package_name
    group, _, version = model_package_name.rpartition("/")
    for summary in list_model_packages(group):
        if str(summary.get("ModelPackageVersion")) == version:
            return summary["ModelPackageArn"]
    raise ValueError(f"Model package {model_package_name} not found in SageMaker's model registry.")


def describe_model_package(model_package_name: str) -> dict:
    return _answer(client().describe_model_package(ModelPackageName=_arn(model_package_name)))


def list_model_packages(model_package_group_name: str, model_approval_status: str | None = None,
                        sort_order: str = "Ascending") -> list[dict]:
    args = {"ModelPackageGroupName": model_package_group_name, "ModelPackageType": "Versioned",
            "SortBy": "CreationTime", "SortOrder": sort_order,
            **({"ModelApprovalStatus": model_approval_status} if model_approval_status else {})}
    pages = client().get_paginator("list_model_packages").paginate(**args)
    summaries = [summary for page in pages for summary in page["ModelPackageSummaryList"]]
    return sorted(summaries, key=lambda s: s.get("ModelPackageVersion", 0), reverse=sort_order == "Descending")


def update_model_package(model_package_arn: str, model_approval_status: str,
                         approval_description: str | None = None) -> dict:
    args = {"ModelPackageArn": _arn(model_package_arn), "ModelApprovalStatus": model_approval_status}
    if approval_description is not None:
        args["ApprovalDescription"] = approval_description
    return _answer(client().update_model_package(**args))


def delete_model_package(model_package_name: str) -> None:
    client().delete_model_package(ModelPackageName=_arn(model_package_name))
