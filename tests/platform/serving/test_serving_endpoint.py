"""Local endpoints: deploy, the container contract, the Runtime API through boto3, and SageMaker's errors."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import textwrap
import time

import boto3
import botocore.exceptions
import numpy as np
import pandas as pd
import pytest

from helpers.platform import image_uris
from helpers.platform.configs import SourceCode
from helpers.platform.serving import Endpoint, ModelBuilder, list_endpoints, use_local_runtime
from helpers.platform.serving.access import secret_path, store_secret
from helpers.platform.serving.errors import MAX_PAYLOAD_BYTES
from serving_support import (FEATURE_DIM, SLOW_MARKER, make_classification, owner_headers, script_score,
                             train_linear_learner, write_script_model)


@pytest.fixture(scope="module")
def script_endpoint(home, tmp_path_factory):
    model_dir, code_dir = write_script_model(tmp_path_factory.mktemp("script-model"))
    builder = ModelBuilder(model_path=str(model_dir),
                           source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
    endpoint = builder.deploy(endpoint_name="script-ep", invocation_timeout_seconds=1)
    yield endpoint
    endpoint.delete()


@pytest.fixture(scope="module")
def ll_endpoint(home, tmp_path_factory):
    model_dir = train_linear_learner(tmp_path_factory.mktemp("ll"))
    builder = ModelBuilder(model_path=str(model_dir), image_uri=image_uris.retrieve("linear-learner", "us-east-1"))
    endpoint = builder.deploy(endpoint_name="ll-ep", instance_type="ml.m5.large", initial_instance_count=1)
    yield endpoint
    endpoint.delete()


def post(url: str, path: str, body: bytes, headers: dict | None = None, method: str = "POST"):
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=owner_headers(headers))
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def runtime_client():
    """A plain boto3 client, configured only by the environment (as learners' code is)."""
    use_local_runtime()
    return boto3.session.Session().client("sagemaker-runtime")


# ----------------------------------------------------------------------------- deploy / describe
def test_deploy_registers_an_in_service_endpoint(ll_endpoint):
    view = ll_endpoint.describe()
    assert view["EndpointStatus"] == "InService"
    assert view["EndpointArn"].endswith(":endpoint/ll-ep")
    assert view["ProductionVariants"][0]["VariantName"] == "AllTraffic"
    assert view["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    assert "ll-ep" in [summary["EndpointName"] for summary in list_endpoints()]
    assert Endpoint.get("ll-ep").endpoint_status == "InService"


def test_container_contract_ping_and_invocations(script_endpoint):
    status, _, _ = post(script_endpoint.url, "/ping", b"", method="GET")
    assert status == 200
    rows = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 0.0, -1.0, 2.0]])
    body = "\n".join(",".join(map(str, r)) for r in rows).encode()
    status, headers, answer = post(script_endpoint.url, "/invocations", body,
                                   {"Content-Type": "text/csv", "Accept": "application/json"})
    assert status == 200 and headers["content-type"] == "application/json"
    scores = [p["score"] for p in json.loads(answer)["predictions"]]
    np.testing.assert_allclose(scores, script_score(rows))


def test_invoke_returns_the_sdk_v3_output_shape(script_endpoint):
    output = script_endpoint.invoke(b"1,2,3,4", content_type="text/csv", accept="text/csv")
    assert output.content_type == "text/csv"
    assert output.invoked_production_variant == "AllTraffic"
    assert float(output.body.read()) == pytest.approx(float(script_score([1, 2, 3, 4])))


@pytest.mark.parametrize("kind", ["numpy", "pandas", "list", "one-row"])
def test_predict_serialises_tables_as_csv_rows(script_endpoint, kind):
    rows = np.arange(12, dtype=float).reshape(3, FEATURE_DIM) / 3
    data = {"numpy": rows, "pandas": pd.DataFrame(rows, columns=list("abcd")), "list": rows.tolist(),
            "one-row": rows[0]}[kind]
    answer = script_endpoint.predict(data)
    expected = script_score(rows if kind != "one-row" else rows[:1])
    np.testing.assert_allclose([p["score"] for p in answer["predictions"]], expected)
    np.testing.assert_allclose(script_endpoint.predict(data, accept="text/csv"), expected)


def test_builtin_linear_learner_answers_in_its_format(ll_endpoint):
    features, _ = make_classification(5, seed=1)
    answer = ll_endpoint.predict(features)
    assert len(answer["predictions"]) == 5
    for prediction in answer["predictions"]:
        assert 0.0 <= prediction["score"] <= 1.0 and prediction["predicted_label"] in (0, 1)


# --------------------------------------------------------------------------------- boto3 / runtime
def test_boto3_invoke_endpoint_reaches_the_local_runtime(script_endpoint, ll_endpoint):
    client = runtime_client()
    assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"].startswith("http://127.0.0.1:")
    answer = client.invoke_endpoint(EndpointName="script-ep", Body=b"1,2,3,4", ContentType="text/csv",
                                    Accept="application/json", CustomAttributes="trace=1")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["InvokedProductionVariant"] == "AllTraffic"
    assert json.loads(answer["Body"].read())["predictions"][0]["score"] == pytest.approx(script_score([1, 2, 3, 4]))
    # the same runtime URL reaches every endpoint
    answer = client.invoke_endpoint(EndpointName="ll-ep", Body=b"0.1,0.2,0.3,0.4", ContentType="text/csv")
    assert "predicted_label" in json.loads(answer["Body"].read())["predictions"][0]


def test_boto3_model_error_carries_the_container_status_and_message(ll_endpoint):
    client = runtime_client()
    with pytest.raises(client.exceptions.ModelError) as caught:
        client.invoke_endpoint(EndpointName="ll-ep", Body=b"1,2,3", ContentType="text/csv")
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert response["OriginalStatusCode"] == 400
    assert "4 features" in response["OriginalMessage"] and "got 3" in response["OriginalMessage"]
    assert response["Error"]["Message"].startswith("Received client error (400) from primary")

    with pytest.raises(client.exceptions.ModelError) as caught:
        client.invoke_endpoint(EndpointName="ll-ep", Body=b"<x/>", ContentType="application/xml")
    assert caught.value.response["OriginalStatusCode"] == 415


def test_endpoint_invoke_raises_botocore_client_errors(ll_endpoint):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ll_endpoint.invoke(b"1,2,nan,4", content_type="text/csv")
    assert caught.value.response["Error"]["Code"] == "ModelError"
    assert "finite" in caught.value.response["OriginalMessage"]


def test_unknown_endpoint_is_a_validation_error(ll_endpoint):
    client = runtime_client()
    with pytest.raises(client.exceptions.ValidationError) as caught:
        client.invoke_endpoint(EndpointName="no-such-endpoint", Body=b"1,2,3,4", ContentType="text/csv")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = caught.value.response["Error"]["Message"]
    assert "no-such-endpoint" in message and "not found" in message and "ll-ep" in message


def test_body_over_6_mb_is_refused_with_413(script_endpoint, ll_endpoint):
    big = b"1,2,3,4\n" * (MAX_PAYLOAD_BYTES // 8 + 1)
    status, _, answer = post(script_endpoint.url, "/invocations", big, {"Content-Type": "text/csv"})
    assert status == 413 and b"6 MB" in answer
    client = runtime_client()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.invoke_endpoint(EndpointName="script-ep", Body=big, ContentType="text/csv")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert "batch transform" in caught.value.response["Error"]["Message"]
    # just under the limit is fine (long numbers: few rows, so the answer stays small too)
    row = ",".join(["0." + "1" * 398] * FEATURE_DIM).encode() + b"\n"
    ok = row * ((MAX_PAYLOAD_BYTES - 100) // len(row))
    assert MAX_PAYLOAD_BYTES - len(row) < len(ok) <= MAX_PAYLOAD_BYTES
    status, _, answer = post(ll_endpoint.url, "/invocations", ok, {"Content-Type": "text/csv"})
    assert status == 200 and len(json.loads(answer)["predictions"]) == len(ok) // len(row)


def test_a_model_slower_than_the_limit_times_out_and_the_server_lives_on(script_endpoint):
    client = runtime_client()
    started = time.monotonic()
    with pytest.raises(client.exceptions.ModelError) as caught:
        client.invoke_endpoint(EndpointName="script-ep", Body=f"{SLOW_MARKER},3,0,0".encode(), ContentType="text/csv")
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.8  # the 1 s limit, not the 3 s the model wanted
    assert caught.value.response["OriginalStatusCode"] == 0
    assert "timed out" in caught.value.response["OriginalMessage"]
    status, _, answer = post(script_endpoint.url, "/invocations", f"{SLOW_MARKER},3,0,0".encode(),
                             {"Content-Type": "text/csv"})
    assert status == 504 and b"timed out" in answer
    # still healthy and answering
    assert post(script_endpoint.url, "/ping", b"", method="GET")[0] == 200
    assert script_endpoint.predict([1, 2, 3, 4])["predictions"][0]["score"] == pytest.approx(script_score([1, 2, 3, 4]))
    metrics = script_endpoint.metrics()[0]
    assert metrics["Invocation5XXErrors"] >= 2


def test_sagemaker_sdk_v3_endpoint_invoke_works_unchanged(script_endpoint, tmp_path):
    """The SDK's own Endpoint.invoke, in a fresh process configured only by the environment."""
    config = tmp_path / "sdk.yaml"
    config.write_text("SageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    env = {**os.environ, "SAGEMAKER_USER_CONFIG_OVERRIDE": str(config)}
    use_local_runtime()
    env.update({k: os.environ[k] for k in ("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "AWS_ACCESS_KEY_ID",
                                          "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")})
    code = textwrap.dedent("""
        import json
        from sagemaker.core.resources import Endpoint
        answer = Endpoint(endpoint_name="script-ep").invoke(body=b"1,2,3,4", content_type="text/csv",
                                                            accept="application/json")
        print(json.dumps({"type": type(answer).__name__, "variant": answer.invoked_production_variant,
                          "body": json.loads(answer.body.read())}))
    """)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["type"] == "InvokeEndpointOutput" and result["variant"] == "AllTraffic"
    assert result["body"]["predictions"][0]["score"] == pytest.approx(script_score([1, 2, 3, 4]))


# ------------------------------------------------------------------------------------ owner only
def test_the_store_secret_is_made_once_and_readable_by_its_owner_only(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    home = tmp_path / "fresh-home"
    with ThreadPoolExecutor(8) as pool:  # racing first uses agree on one secret
        secrets = set(pool.map(lambda _: store_secret(home), range(16)))
    assert len(secrets) == 1 and len(secrets.pop()) == 32
    assert secret_path(home).stat().st_mode & 0o777 == 0o600
    assert home.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in home.iterdir()] == ["endpoint-secret"]  # no temporary file left
    assert store_secret(tmp_path / "other-home") != store_secret(home)


def test_boto3_carries_the_secret_as_the_url_path_and_a_client_without_it_is_refused(script_endpoint):
    url = use_local_runtime()
    assert url.endswith("/" + store_secret()) and os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == url
    client = boto3.session.Session().client("sagemaker-runtime")  # configured by the environment only
    sent = []
    client.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint",
                                lambda request, **_: sent.append(request.url))
    answer = client.invoke_endpoint(EndpointName="script-ep", Body=b"1,2,3,4", ContentType="text/csv")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sent == [f"{url}/endpoints/script-ep/invocations"]  # botocore joined the two paths
    for door in (url.rsplit("/", 1)[0], script_endpoint.url):  # the router and the endpoint, no secret
        stranger = boto3.session.Session().client("sagemaker-runtime", endpoint_url=door)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            stranger.invoke_endpoint(EndpointName="script-ep", Body=b"1,2,3,4", ContentType="text/csv")
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
