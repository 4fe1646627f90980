"""image_uris.retrieve answers what the SageMaker SDK answers, from a bundled table, without the SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers.platform import image_uris

BUILT_INS = ["linear-learner", "kmeans", "pca", "knn", "factorization-machines", "randomcutforest",
             "forecasting-deepar"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "il-central-1"]


def test_documented_examples():
    # The two URIs quoted in SAGEMAKER_CONTRACTS.md (from the AWS docs' ECR path tables).
    assert image_uris.retrieve("linear-learner", "us-east-1") == \
        "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
    assert image_uris.retrieve("xgboost", "us-east-1", version="1.7-1") == \
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert image_uris.retrieve("deepar", "us-east-1") == image_uris.retrieve("forecasting-deepar", "us-east-1")


@pytest.mark.parametrize("kwargs, words", [
    ({"framework": "tensorflow-magic", "region": "us-east-1"}, ["Unsupported framework", "linear-learner", "xgboost"]),
    ({"framework": "kmeans", "region": "mars-north-1"}, ["Unsupported region", "us-east-1"]),
    ({"framework": "xgboost", "region": "us-east-1"}, ["xgboost version", "1.7-1", "version="]),
    ({"framework": "pytorch", "region": "us-east-1", "version": "2.5"}, ["image scope", "training"]),
    ({"framework": "pytorch", "region": "us-east-1", "version": "2.5", "image_scope": "training"}, ["instance_type"]),
])
def test_errors_list_the_options(kwargs, words):
    with pytest.raises(ValueError) as info:
        image_uris.retrieve(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_importing_image_uris_does_not_import_sagemaker():
    code = ("import sys; from helpers.platform import image_uris; image_uris.retrieve('pca', 'us-east-1'); "
            "print('sagemaker' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _sdk_cases():
    cases = [(fw, region, {}) for fw in BUILT_INS for region in REGIONS]
    for region in REGIONS[:4]:
        cases += [("xgboost", region, {"version": v}) for v in ("1", "latest", "1.5-1", "1.7-1", "3.0-5")]
        cases += [("sklearn", region, {"version": v}) for v in ("0.23-1", "1.2-1", "1.4-2")]
        cases += [("sklearn", region, {"version": "1.2-1", "image_scope": "inference"})]
        cases += [("pytorch", region, {"version": v, "image_scope": scope, "instance_type": it, "py_version": py})
                  for v, py in (("1.13", "py39"), ("2.5", "py311")) for scope in ("training", "inference")
                  for it in ("ml.m5.xlarge", "ml.g5.xlarge")]
        cases += [("pytorch", region, {"image_scope": "training", "instance_type": "ml.c5.2xlarge"})]
    return cases


def test_same_answers_as_the_sdk():
    # The SDK is the reference; it is imported only here, in a child process with telemetry off.
    cases = _sdk_cases()
    code = (
        "import functools, json, sys\n"
        "from sagemaker.core import common_utils, image_uris\n"
        # The SDK re-reads botocore's endpoint file on every call (0.2 s): cache it for the test.
        "common_utils._botocore_resolver = functools.lru_cache()(common_utils._botocore_resolver)\n"
        "cases = json.load(sys.stdin)\n"
        "print(json.dumps([image_uris.retrieve(fw, region, **kw) for fw, region, kw in cases]))\n"
    )
    env = dict(os.environ, SAGEMAKER_USER_CONFIG_OVERRIDE="", AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(cases), capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    expected = json.loads(out.stdout.strip().splitlines()[-1])
    ours = [image_uris.retrieve(fw, region, **kw) for fw, region, kw in cases]
    mismatches = [(case, mine, theirs) for case, mine, theirs in zip(cases, ours, expected) if mine != theirs]
    assert not mismatches, mismatches[:5]


def test_bundled_table_matches_the_installed_sdk(tmp_path):
    fresh = image_uris.regenerate(tmp_path / "table.json")
    try:
        assert json.loads(fresh.read_text()) == json.loads(image_uris.TABLE.read_text()), \
            "helpers/platform/image_uri_config.json is stale: run python -m helpers.platform.image_uris --regenerate"
    finally:
        image_uris._table.cache_clear()


def test_parse_splits_ecr_uris():
    parsed = image_uris.parse("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
    assert parsed == {"account": "683313688378", "region": "us-east-1", "repo": "sagemaker-xgboost", "tag": "1.7-1"}
    assert image_uris.parse("linear-learner") is None
