"""The model registry's calls, named and shaped like boto3's SageMaker client (snake_case arguments,
PascalCase answers): model package groups hold numbered versions (model packages), each with its
artifact, image, metrics and a ModelApprovalStatus a reviewer changes.

    create_model_package_group("churn-models", "Churn classifiers")
    package = create_model_package("churn-models", model_data_url=job["ModelArtifacts"]["S3ModelArtifacts"],
                                   image_uri=image, model_metrics={...},
                                   customer_metadata_properties={"auc": "0.91"})
    update_model_package(package["ModelPackageArn"], "Approved", approval_description="beats v2 on AUC")
    latest_approved_model_package("churn-models")["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]

Records live in ``<home>/model-registry`` (``registry.store``) and survive a kernel restart. With the
``sagemaker`` backend each call goes to SageMaker's model registry instead (``helpers.platform.aws.registry``,
listed in ``backend.TWINS``); ``latest_approved_model_package`` and ``model_data_url`` are built on the
others, so they follow the backend too.
"""

from __future__ import annotations

import copy

from helpers.platform import records
from helpers.platform.backend import dispatches
from helpers.platform.jobs import now, parse_time
from helpers.platform.registry import store
from helpers.platform.registry.store import APPROVAL_STATUSES

_TIMES = ("CreationTime", "LastModifiedTime")


def _public(record: dict) -> dict:
    """A record as boto3 returns it: times as datetimes."""
    out = copy.deepcopy(record)
    for key in _TIMES:
        if key in out:
            out[key] = parse_time(out[key])
    return out


def _check_status(status: str) -> str:
    if status not in APPROVAL_STATUSES:
        raise ValueError(f"Unknown ModelApprovalStatus {status!r}: use one of {', '.join(APPROVAL_STATUSES)}.")
    return status


# ------------------------------------------------------------------------------------------ groups

@dispatches
def create_model_package_group(model_package_group_name: str, model_package_group_description: str = "") -> dict:
    """CreateModelPackageGroup: ``{"ModelPackageGroupArn": ...}``; an existing name is refused."""
    name = store.check_group_name(model_package_group_name)
    if name in store.group_names():
        raise ValueError(f"Model package group {name!r} already exists: register versions into it with "
                         f"create_model_package({name!r}, ...), or delete it first.")
    record = {"ModelPackageGroupName": name, "ModelPackageGroupArn": store.arn("model-package-group", name),
              "ModelPackageGroupDescription": model_package_group_description, "CreationTime": now(),
              "ModelPackageGroupStatus": "Completed"}
    store.write_group(record)
    return {"ModelPackageGroupArn": record["ModelPackageGroupArn"]}


@dispatches
def describe_model_package_group(model_package_group_name: str) -> dict:
    """DescribeModelPackageGroup (ValueError naming the groups that exist if it is unknown)."""
    return _public(store.read_group(model_package_group_name))


@dispatches
def list_model_package_groups(name_contains: str | None = None, sort_order: str = "Ascending") -> list[dict]:
    """ModelPackageGroupSummaryList, by creation time; a corrupt group is warned about and skipped."""
    names = [n for n in store.group_names() if not name_contains or name_contains in n]
    summaries = [_public(record) for _, record in records.readable(names, store.read_group)]
    summaries.sort(key=lambda s: (str(s["CreationTime"]), s["ModelPackageGroupName"]),
                   reverse=sort_order == "Descending")
    return summaries


@dispatches
def delete_model_package_group(model_package_group_name: str) -> None:
    """DeleteModelPackageGroup: refused while the group holds versions, as SageMaker does."""
    store.read_group(model_package_group_name)
    versions = store.version_numbers(model_package_group_name)
    if versions:
        raise ValueError(f"Model package group {model_package_group_name!r} still holds versions "
                         f"{', '.join(map(str, versions))}: delete them first with delete_model_package(arn) "
                         "(list_model_packages gives their ARNs).")
    import shutil

    shutil.rmtree(store.group_dir(model_package_group_name))


# ---------------------------------------------------------------------------------------- versions

@dispatches
def create_model_package(model_package_group_name: str, *, model_data_url: str, image_uri: str,
                         framework: str | None = None, model_metrics: dict | None = None,
                         model_approval_status: str = "PendingManualApproval",
                         model_package_description: str = "",
                         customer_metadata_properties: dict | None = None,
                         content_types: list[str] | None = None, response_types: list[str] | None = None) -> dict:
    """CreateModelPackage: register a new version of the group; ``{"ModelPackageArn": ...}``.

    Args:
        model_data_url: the model artifact (``s3://.../model.tar.gz``, or a local path).
        image_uri: the inference image (``image_uris.retrieve(...)``); ``framework`` e.g. ``"XGBOOST"``.
        model_metrics: boto3's ModelMetrics, e.g. ``{"ModelQuality": {"Statistics": {"ContentType":
            "application/json", "S3Uri": report_uri}}}``.
        customer_metadata_properties: string -> string, e.g. ``{"auc": "0.91"}`` (values kept as strings).
    """
    group = store.read_group(model_package_group_name)["ModelPackageGroupName"]
    _check_status(model_approval_status)
    if not isinstance(model_data_url, str) or not model_data_url:
        raise ValueError("model_data_url must be the model artifact's URI, e.g. "
                         "job.describe()['ModelArtifacts']['S3ModelArtifacts'].")
    metadata = {str(k): str(v) for k, v in (customer_metadata_properties or {}).items()}
    version = store.claim_version(group)
    container = {"Image": image_uri, "ModelDataUrl": model_data_url, **({"Framework": framework} if framework else {})}
    record = {
        "ModelPackageGroupName": group, "ModelPackageVersion": version,
        "ModelPackageName": group,
        "ModelPackageArn": store.arn("model-package", f"{group}/{version}"),
        "ModelPackageDescription": model_package_description,
        "ModelApprovalStatus": model_approval_status, "ModelPackageStatus": "Completed",
        "CreationTime": now(), "LastModifiedTime": now(),
        "InferenceSpecification": {"Containers": [container],
                                   "SupportedContentTypes": list(content_types or ["text/csv"]),
                                   "SupportedResponseMIMETypes": list(response_types or ["text/csv"])},
        "ModelMetrics": copy.deepcopy(model_metrics or {}),
        "CustomerMetadataProperties": metadata,
    }
    store.write_package(record)
    return {"ModelPackageArn": record["ModelPackageArn"]}


def _locate(model_package_arn: str) -> tuple[str, int]:
    """``(group, version)`` from an ARN ``...:model-package/<group>/<n>`` or ``"<group>/<n>"``."""
    resource = str(model_package_arn).rpartition(":model-package/")[2]
    group, _, version = resource.rpartition("/")
    if not group or not version.isdigit():
        raise ValueError(f"{model_package_arn!r} is not a model package version: pass its ModelPackageArn "
                         "(create_model_package or list_model_packages give it) or '<group>/<version>'.")
    return store.check_group_name(group), int(version)


@dispatches
def describe_model_package(model_package_name: str) -> dict:
    """DescribeModelPackage of a version, by its ARN or ``"<group>/<version>"``."""
    group, version = _locate(model_package_name)
    store.read_group(group)
    return _public(store.read_package(group, version))


@dispatches
def list_model_packages(model_package_group_name: str, model_approval_status: str | None = None,
                        sort_order: str = "Ascending") -> list[dict]:
    """ModelPackageSummaryList of a group, by version (``sort_order`` "Ascending" or "Descending"),
    optionally only one ModelApprovalStatus; a corrupt version is warned about and skipped."""
    if sort_order not in ("Ascending", "Descending"):
        raise ValueError(f"sort_order must be 'Ascending' or 'Descending', not {sort_order!r}.")
    if model_approval_status is not None:
        _check_status(model_approval_status)
    group = store.read_group(model_package_group_name)["ModelPackageGroupName"]
    numbers = store.version_numbers(group)
    found = records.readable([str(n) for n in numbers], lambda v: store.read_package(group, int(v)))
    keys = ("ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn", "ModelPackageDescription",
            "CreationTime", "ModelPackageStatus", "ModelApprovalStatus")
    summaries = [_public({k: record.get(k) for k in keys}) for _, record in found
                 if model_approval_status in (None, record["ModelApprovalStatus"])]
    summaries.sort(key=lambda s: s["ModelPackageVersion"], reverse=sort_order == "Descending")
    return summaries


@dispatches
def update_model_package(model_package_arn: str, model_approval_status: str,
                         approval_description: str | None = None) -> dict:
    """UpdateModelPackage: set a version's ModelApprovalStatus (with a reason); ``{"ModelPackageArn": ...}``."""
    _check_status(model_approval_status)
    group, version = _locate(model_package_arn)
    store.read_group(group)
    record = store.read_package(group, version)
    record.update(ModelApprovalStatus=model_approval_status, LastModifiedTime=now())
    if approval_description is not None:
        record["ApprovalDescription"] = str(approval_description)
    store.write_package(record)
    return {"ModelPackageArn": record["ModelPackageArn"]}


@dispatches
def delete_model_package(model_package_name: str) -> None:
    """DeleteModelPackage: remove one version (its number is not reused while later ones exist)."""
    import shutil

    group, version = _locate(model_package_name)
    store.read_package(group, version)
    shutil.rmtree(store.versions_dir(group) / str(version))


def latest_approved_model_package(model_package_group_name: str) -> dict:
    """DescribeModelPackage of the highest Approved version of the group (what a deployment should serve).

    ValueError naming the fix when no version is approved.
    """
    approved = list_model_packages(model_package_group_name, "Approved", sort_order="Descending")
    if not approved:
        raise ValueError(f"No approved version in model package group {model_package_group_name!r}: approve one "
                         "with update_model_package(arn, 'Approved', approval_description='why').")
    return describe_model_package(approved[0]["ModelPackageArn"])


def model_data_url(description: dict) -> str:
    """The artifact a DescribeModelPackage answer serves: its first container's ModelDataUrl."""
    return description["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
