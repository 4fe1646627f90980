"""SDK v2's small modules on the kit: sagemaker.s3 (S3Uploader/S3Downloader on the kit's Session),
sagemaker.utils names, sagemaker.image_uris (and v1's get_image_uri), sagemaker.model.Model's checks.
No job or server runs here."""

from __future__ import annotations

import re

import pytest


def test_s3_uploader_and_downloader_round_trip(flywheel_home, tmp_path):
    from helpers.platform.v2.s3 import S3Downloader, S3Uploader

    (tmp_path / "a.csv").write_text("1,2\n")
    uri = S3Uploader.upload(str(tmp_path / "a.csv"), "s3://bucket-x/data/in")
    assert uri == "s3://bucket-x/data/in/a.csv"
    assert S3Uploader.upload_string_as_file_body("hello", "s3://bucket-x/data/in/b.txt") == "s3://bucket-x/data/in/b.txt"
    assert sorted(S3Downloader.list("s3://bucket-x/data/in")) == ["s3://bucket-x/data/in/a.csv",
                                                                  "s3://bucket-x/data/in/b.txt"]
    assert S3Downloader.read_file("s3://bucket-x/data/in/b.txt") == "hello"
    written = S3Downloader.download("s3://bucket-x/data/in", str(tmp_path / "out"))
    assert sorted(p.rsplit("/", 1)[-1] for p in written) == ["a.csv", "b.txt"]
    assert (tmp_path / "out" / "a.csv").read_text() == "1,2\n"
    with pytest.raises(ValueError, match="s3:// URI"):
        S3Uploader.upload(str(tmp_path / "a.csv"), "bucket-x/data")


def test_s3_path_helpers():
    from helpers.platform.v2.s3 import parse_s3_url, s3_path_join

    assert parse_s3_url("s3://b/k/p") == ("b", "k/p")
    assert s3_path_join("s3://b/", "/k/", "p") == "s3://b/k/p"
    assert s3_path_join("k", "p", with_end_slash=True) == "k/p/"
    with pytest.raises(ValueError, match="s3:// URI"):
        parse_s3_url("https://example.com/x")


def test_utils_make_names_as_sdk_v2():
    from helpers.platform.v2 import utils

    assert re.fullmatch(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}", utils.sagemaker_timestamp())
    name = utils.name_from_base("x" * 80)
    assert len(name) == 63 and name.startswith("x" * 39 + "-")
    assert utils.unique_name_from_base("job") != utils.unique_name_from_base("job")
    assert utils.base_name_from_image("1.dkr.ecr.us-east-1.amazonaws.com/kmeans:1") == "kmeans"


def test_image_uris_retrieve_and_v1s_get_image_uri():
    from helpers.platform import IgnoredArgumentWarning
    from helpers.platform.v2.image_uris import get_image_uri, retrieve

    assert retrieve(region="us-east-1", framework="linear-learner") == \
        "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
    with pytest.warns(IgnoredArgumentWarning, match="accelerator_type"):
        retrieve("kmeans", "us-east-1", accelerator_type="ml.eia1.medium")
    with pytest.raises(TypeError, match="frameworkk"):
        retrieve("kmeans", "us-east-1", frameworkk="x")
    with pytest.warns(DeprecationWarning, match="image_uris.retrieve"):
        assert get_image_uri("us-east-1", "xgboost").endswith("/xgboost:1")


def test_model_needs_its_artifact_and_says_so():
    from helpers.platform import IgnoredArgumentWarning
    from helpers.platform.v2.model import Model

    with pytest.raises(ValueError, match="model_data="):
        Model("382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1")
    with pytest.warns(IgnoredArgumentWarning, match="vpc_config"):
        model = Model("kmeans", model_data="s3://b/model.tar.gz", vpc_config={"Subnets": []})
    with pytest.raises(ValueError, match="not been created"):
        model.delete_model()
    with pytest.raises(ValueError, match="initial_instance_count and instance_type"):
        model.deploy()
