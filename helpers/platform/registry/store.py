"""Where the model registry keeps its records: ``<home>/model-registry/<group>/group.json`` and
``<group>/versions/<n>/package.json``, written atomically in private folders.

Records survive a kernel restart (any new Python process reading the same FLYWHEEL_HOME sees them);
every read is checked against a schema (``helpers.platform.records``), so a truncated or hand-edited
file is a :class:`~helpers.platform.records.CorruptRecord` naming the folder to remove.
"""

from __future__ import annotations

from pathlib import Path

from helpers.platform import records
from helpers.platform.backend import LOCAL_ACCOUNT_ID, default_region
from helpers.platform.records import INT, OBJECT, STR, field
from helpers.platform.validation import RESOURCE_NAME
from helpers.platform_home import model_registry_root, private_dir

GROUP_FILE = "group.json"
PACKAGE_FILE = "package.json"
VERSIONS = "versions"

#: ModelApprovalStatus values, as SageMaker spells them.
APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")

GROUP_SCHEMA = {
    "ModelPackageGroupName": field(STR, required=True),
    "ModelPackageGroupArn": field(STR, required=True),
    "ModelPackageGroupDescription": field(STR),
    "CreationTime": field(STR, required=True),
    "ModelPackageGroupStatus": field(STR),
}

PACKAGE_SCHEMA = {
    "ModelPackageGroupName": field(STR, required=True),
    "ModelPackageVersion": field(INT, required=True),
    "ModelPackageArn": field(STR, required=True),
    "ModelApprovalStatus": field(STR, required=True, choices=APPROVAL_STATUSES),
    "ModelPackageStatus": field(STR),
    "CreationTime": field(STR, required=True),
    "LastModifiedTime": field(STR),
    "InferenceSpecification": field(OBJECT, required=True),
    "ModelMetrics": field(OBJECT),
    "CustomerMetadataProperties": field(OBJECT),
    "ApprovalDescription": field(STR),
}


def check_group_name(name: str) -> str:
    """``name`` if SageMaker would accept it as a model package group name, else a ValueError with the fix."""
    if not isinstance(name, str) or not RESOURCE_NAME.match(name):
        raise ValueError(f"Invalid model package group name {name!r}: 1 to 63 letters, digits and hyphens, "
                         "starting with a letter or digit, e.g. 'churn-models'.")
    return name


def arn(kind: str, resource: str) -> str:
    """A local ARN: ``arn:aws:sagemaker:<region>:000000000000:<kind>/<resource>``."""
    return f"arn:aws:sagemaker:{default_region()}:{LOCAL_ACCOUNT_ID}:{kind}/{resource}"


def group_dir(name: str) -> Path:
    return model_registry_root() / check_group_name(name)


def versions_dir(name: str) -> Path:
    return group_dir(name) / VERSIONS


def group_names() -> list[str]:
    """Sorted names of the folders holding a ``group.json``."""
    return records.folders_holding(model_registry_root(), GROUP_FILE)


def write_group(record: dict) -> None:
    folder = private_dir(group_dir(record["ModelPackageGroupName"]))
    records.write_record(folder / GROUP_FILE, record, prefix=".group-")


def read_group(name: str) -> dict:
    """The group's record: ValueError naming the groups that exist if there is none; CorruptRecord if unusable."""
    check_group_name(name)
    return records.read_named(model_registry_root(), name, GROUP_FILE, GROUP_SCHEMA,
                              name_key="ModelPackageGroupName", kind="Model package group",
                              known_label="Groups",
                              none_yet="No groups yet: create one with create_model_package_group(name).")


def version_numbers(group: str) -> list[int]:
    """Version numbers of ``group`` that hold a ``package.json``, ascending."""
    return sorted(int(name) for name in records.folders_holding(versions_dir(group), PACKAGE_FILE)
                  if name.isdigit())


def claim_version(group: str) -> int:
    """Create the folder of the next version of ``group`` and return its number.

    ``mkdir`` is atomic, so two processes registering at once get two different versions.
    """
    folder = private_dir(versions_dir(group))
    taken = [int(p.name) for p in folder.iterdir() if p.name.isdigit()]
    version = max(taken, default=0) + 1
    while True:
        try:
            (folder / str(version)).mkdir(mode=0o700)
            return version
        except FileExistsError:
            version += 1


def write_package(record: dict) -> None:
    folder = versions_dir(record["ModelPackageGroupName"]) / str(record["ModelPackageVersion"])
    private_dir(folder)
    records.write_record(folder / PACKAGE_FILE, record, prefix=".package-")


def read_package(group: str, version: int) -> dict:
    """Version ``version`` of ``group``: ValueError naming the versions that exist; CorruptRecord if unusable."""
    path = versions_dir(group) / str(version) / PACKAGE_FILE
    try:
        record = records.read_record(path, PACKAGE_SCHEMA)
    except FileNotFoundError:
        known = version_numbers(group)
        hint = (f"Versions: {', '.join(map(str, known))}." if known
                else "It has no versions yet: register one with create_model_package(...).")
        raise ValueError(f"Model package {group}/{version} not found. {hint}") from None
    if record["ModelPackageGroupName"] != group or record["ModelPackageVersion"] != version:
        raise records.CorruptRecord(path, f"it says {record['ModelPackageGroupName']}/{record['ModelPackageVersion']} "
                                          f"but its folder is {group}/{version} (copied by hand?)")
    return record


def corrupt_records() -> list[records.CorruptRecord]:
    """Every group or version record that cannot be read (for ``cleanup`` and the doctor)."""
    found = records.corrupt_among(group_names(), read_group)
    for group in group_names():
        found += records.corrupt_among(
            [str(v) for v in version_numbers(group)], lambda v, g=group: read_package(g, int(v)))
    return found
