"""The local model registry: groups, numbered versions, the approval flow, the latest approved version,
state read back by a new process, and corrupt records named with their fix."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from helpers.platform import registry
from helpers.platform.records import CorruptRecord

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def register(group: str, n: int, **kwargs) -> str:
    return registry.create_model_package(group, model_data_url=f"s3://models/{group}/v{n}/model.tar.gz",
                                         image_uri=IMAGE, customer_metadata_properties={"auc": (80 + n) / 100},
                                         **kwargs)["ModelPackageArn"]


@pytest.fixture
def group(flywheel_home) -> str:
    registry.create_model_package_group("churn-models", "churn classifiers")
    return "churn-models"


def test_a_group_holds_numbered_versions_in_the_describe_shape(group):
    arns = [register(group, n) for n in (1, 2, 3)]
    assert arns[2].endswith(":model-package/churn-models/3")
    described = registry.describe_model_package(arns[1])
    assert described["ModelPackageVersion"] == 2
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    assert described["CustomerMetadataProperties"] == {"auc": "0.82"}
    assert registry.model_data_url(described) == "s3://models/churn-models/v2/model.tar.gz"
    assert described["CreationTime"].tzinfo is not None
    versions = [s["ModelPackageVersion"] for s in registry.list_model_packages(group)]
    assert versions == [1, 2, 3]
    assert [s["ModelPackageVersion"] for s in registry.list_model_packages(group, sort_order="Descending")] == [3, 2, 1]
    group_description = registry.describe_model_package_group(group)
    assert group_description["ModelPackageGroupArn"].endswith(":model-package-group/churn-models")
    assert [g["ModelPackageGroupName"] for g in registry.list_model_package_groups()] == [group]


def test_approval_flow_and_latest_approved(group):
    arns = [register(group, n) for n in (1, 2, 3)]
    with pytest.raises(ValueError, match="No approved version.*update_model_package"):
        registry.latest_approved_model_package(group)
    registry.update_model_package(arns[0], "Approved", approval_description="first usable model")
    registry.update_model_package(arns[1], "Approved")
    registry.update_model_package(arns[2], "Rejected", approval_description="worse AUC than v2")
    latest = registry.latest_approved_model_package(group)
    assert latest["ModelPackageVersion"] == 2
    rejected = registry.describe_model_package(f"{group}/3")
    assert (rejected["ModelApprovalStatus"], rejected["ApprovalDescription"]) == ("Rejected", "worse AUC than v2")
    assert [s["ModelPackageVersion"] for s in registry.list_model_packages(group, "Approved")] == [1, 2]


def test_errors_name_the_fix(group):
    register(group, 1)
    with pytest.raises(ValueError, match="not found.*Groups: churn-models"):
        registry.create_model_package("nope", model_data_url="s3://b/m.tar.gz", image_uri=IMAGE)
    with pytest.raises(ValueError, match="churn-models/7 not found. Versions: 1"):
        registry.update_model_package(f"{group}/7", "Approved")
    with pytest.raises(ValueError, match="Unknown ModelApprovalStatus 'approved'.*Approved"):
        registry.update_model_package(f"{group}/1", "approved")
    with pytest.raises(ValueError, match="already exists"):
        registry.create_model_package_group(group)
    with pytest.raises(ValueError, match="Invalid model package group name"):
        registry.create_model_package_group("bad name")
    with pytest.raises(ValueError, match="still holds versions 1.*delete_model_package"):
        registry.delete_model_package_group(group)
    registry.delete_model_package(f"{group}/1")
    registry.delete_model_package_group(group)
    assert registry.list_model_package_groups() == []


def test_state_survives_a_new_process(group, flywheel_home):
    arns = [register(group, n) for n in (1, 2, 3)]
    registry.update_model_package(arns[1], "Approved", approval_description="ok")
    code = textwrap.dedent("""
        import json
        from helpers.platform import registry
        latest = registry.latest_approved_model_package("churn-models")
        print(json.dumps([latest["ModelPackageVersion"], latest["ApprovalDescription"],
                          len(registry.list_model_packages("churn-models"))]))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [2, "ok", 3]


def test_a_corrupt_record_is_named_and_skipped_by_listings(group, flywheel_home):
    for n in (1, 2):
        register(group, n)
    path = flywheel_home / "model-registry" / group / "versions" / "2" / "package.json"
    path.write_text('{"ModelPackageGroupName": "churn-models", ')
    with pytest.raises(CorruptRecord, match=r"package.json is corrupt: not valid JSON.*rm -r .*versions/2"):
        registry.describe_model_package(f"{group}/2")
    with pytest.warns(UserWarning, match="package.json is corrupt"):
        assert [s["ModelPackageVersion"] for s in registry.list_model_packages(group)] == [1]
    assert [error.path for error in registry.corrupt_records()] == [path]
    record = json.loads((path.parent.parent / "1" / "package.json").read_text())
    record["ModelApprovalStatus"] = "Maybe"
    (path.parent.parent / "1" / "package.json").write_text(json.dumps(record))
    with pytest.raises(CorruptRecord, match="ModelApprovalStatus is 'Maybe', expected one of"):
        registry.describe_model_package(f"{group}/1")


def test_records_are_private(group, flywheel_home):
    register(group, 1)
    folder = flywheel_home / "model-registry" / group
    assert folder.stat().st_mode & 0o077 == 0
    assert (folder / "versions" / "1" / "package.json").stat().st_mode & 0o077 == 0


def test_the_sagemaker_backend_sends_the_same_calls_to_sagemakers_registry(flywheel_home, tmp_path, monkeypatch):
    from aws_support import mock_aws_account

    with mock_aws_account(tmp_path, monkeypatch):
        monkeypatch.setenv("FLYWHEEL_BACKEND", "sagemaker")
        registry.create_model_package_group("churn-models", "churn classifiers")
        arns = [register("churn-models", n) for n in (1, 2)]
        assert arns[1].startswith("arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/2")
        registry.update_model_package(arns[0], "Approved", approval_description="first usable model")
        latest = registry.latest_approved_model_package("churn-models")
        assert (latest["ModelPackageVersion"], latest["ModelPackageArn"]) == (1, arns[0])
        assert registry.model_data_url(latest) == "s3://models/churn-models/v1/model.tar.gz"
        assert [s["ModelPackageVersion"] for s in registry.list_model_packages("churn-models")] == [1, 2]
        assert not (flywheel_home / "model-registry").exists()  # nothing went to the local store
