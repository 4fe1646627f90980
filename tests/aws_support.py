"""A fake AWS account for the sagemaker-backend tests: moto stands in for AWS, no network."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from helpers.platform import backend

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def schema_checked_once(validate):
    """``jsonschema.validate`` that checks each schema once and keeps its validator.

    The SDK validates its config file against its JSON schema each time it builds a session, trainer or
    resource, and ``jsonschema.validate`` first re-checks the schema itself, which is most of the cost
    (about 1 s a time on a loaded 2-core machine, a dozen times in a test). Every instance is still
    validated, with the same error; a call with other arguments goes to ``validate`` unchanged."""
    import jsonschema

    kept: dict[int, tuple[object, object]] = {}

    def checked_once(instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs:
            return validate(instance, schema, cls, *args, **kwargs)
        schema_and_validator = kept.get(id(schema))
        if schema_and_validator is None or schema_and_validator[0] is not schema:
            validator_class = jsonschema.validators.validator_for(schema)
            validator_class.check_schema(schema)
            schema_and_validator = kept[id(schema)] = (schema, validator_class(schema))
        error = jsonschema.exceptions.best_match(schema_and_validator[1].iter_errors(instance))
        if error is not None:
            raise error

    return checked_once


@contextlib.contextmanager
def mock_aws_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str):
    """Fake credentials and region, SDK telemetry and role validation off, ``env``'s extra variables,
    everything inside moto's ``mock_aws`` (skipped without moto). Yields the account's IAM role ARN,
    sagemaker and s3 clients and ``tmp_path``; the backend choice and SDK sessions are forgotten at the end.
    The SDK's config schema is checked once (``schema_checked_once``)."""
    moto = pytest.importorskip("moto")
    jsonschema = pytest.importorskip("jsonschema")
    monkeypatch.setattr(jsonschema, "validate", schema_checked_once(jsonschema.validate))
    config = tmp_path / "sagemaker-config.yaml"
    config.write_text('SchemaVersion: "1.0"\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n')
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       "SAGEMAKER_VALIDATE_ROLE": "false", "SAGEMAKER_USER_CONFIG_OVERRIDE": str(config),
                       **env}.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER",
                "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.setenv(key, "")  # recorded, so a use_backend("local") inside the test is undone
        monkeypatch.delenv(key)
    from helpers.platform.aws import sdk as aws_sdk

    aws_sdk.forget_sessions()  # SDK sessions hold clients made under another mock
    try:
        with moto.mock_aws():
            import boto3

            role = boto3.client("iam").create_role(RoleName="FlywheelRole", AssumeRolePolicyDocument=ROLE_POLICY)
            yield {"role": role["Role"]["Arn"], "sagemaker": boto3.client("sagemaker"), "s3": boto3.client("s3"),
                   "dir": tmp_path}
    finally:
        backend._chosen = None
        aws_sdk.forget_sessions()  # nor may this mock's outlive it


# Fixtures for a module whose tests share one fake account (import them by these names; pytest finds
# fixtures by the name given here).
@pytest.fixture(scope="module", name="account")
def module_account(tmp_path_factory: pytest.TempPathFactory):
    """One fake AWS account for the module: the SDK Session it builds takes seconds (tests use their own names)."""
    with pytest.MonkeyPatch.context() as monkeypatch, \
            mock_aws_account(tmp_path_factory.mktemp("aws"), monkeypatch) as fake:
        yield fake


@pytest.fixture(name="aws")
def on_module_account(account, flywheel_home):
    """The sagemaker backend on the module's account for one test. ``backend.choose``, not
    ``use_backend``: that one also points boto3 at the local router (and starts it)."""
    backend.choose("sagemaker")
    yield account
    backend._chosen = None
