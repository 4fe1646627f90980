"""Data capture in SageMaker's format, and model monitoring: baseline, violations, drift, plot."""

from __future__ import annotations

import http.client
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.platform import image_uris, storage  # noqa: E402
from helpers.platform.serving import DataCaptureConfig, ModelBuilder  # noqa: E402
from helpers.platform.serving.capture import read_records  # noqa: E402
from helpers.platform.serving.loadtest import load_test  # noqa: E402
from helpers.platform.serving.monitor import DatasetFormat, DefaultModelMonitor, ks_distance  # noqa: E402
from serving_support import make_classification, module_store, owner_headers, train_linear_learner  # noqa: E402

CAPTURE = "s3://monitor-bucket/data-capture"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    with module_store(tmp_path_factory, "monitor-home"):
        model_dir = train_linear_learner(tmp_path_factory.mktemp("ll"))
        builder = ModelBuilder(model_path=str(model_dir), image_uri=image_uris.retrieve("linear-learner", "us-east-1"))
        builder.build(model_name="monitored-model")
        yield builder


def send(endpoint, rows: np.ndarray, as_json: bool = False, headers: dict | None = None) -> None:
    """One Runtime API request per row, on one keep-alive connection (faster than botocore per call)."""
    host, port = endpoint.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        for row in rows:
            if as_json:
                body, content_type = json.dumps({"instances": [{"features": row.tolist()}]}), "application/json"
            else:
                body, content_type = ",".join(map(str, row)), "text/csv"
            connection.request("POST", f"/endpoints/{endpoint.endpoint_name}/invocations", body=body,
                               headers=owner_headers({"Content-Type": content_type, **(headers or {})}))
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
    finally:
        connection.close()


def test_captured_records_have_sagemaker_s_format_and_layout(deployed):
    endpoint = deployed.deploy(endpoint_name="capture-all", data_capture_config=DataCaptureConfig(
        sampling_percentage=100, destination_s3_uri=CAPTURE))
    assert endpoint.describe()["DataCaptureConfig"] == {
        "EnableCapture": True, "CaptureStatus": "Started", "CurrentSamplingPercentage": 100, "DestinationS3Uri": CAPTURE}
    rows, _ = make_classification(3, seed=5)
    endpoint.invoke(",".join(map(str, rows[0])), content_type="text/csv", inference_id="req-1",
                    custom_attributes="app=test")
    send(endpoint, rows[1:2])
    send(endpoint, rows[2:], as_json=True)
    files = endpoint.capture_files()
    base = storage.s3_to_path(CAPTURE)
    relative = files[0].relative_to(base).as_posix()
    assert re.fullmatch(r"capture-all/AllTraffic/\d{4}/\d{2}/\d{2}/\d{2}/\d{2}-\d{2}-\d{3}-[0-9a-f-]{36}\.jsonl", relative)
    records = list(read_records(files))
    assert len(records) == 3
    first = records[0]
    assert set(first) == {"captureData", "eventMetadata", "eventVersion"} and first["eventVersion"] == "0"
    assert first["captureData"]["endpointInput"] == {
        "observedContentType": "text/csv", "mode": "INPUT", "data": ",".join(map(str, rows[0])), "encoding": "CSV"}
    output = first["captureData"]["endpointOutput"]
    assert output["mode"] == "OUTPUT" and output["encoding"] == "JSON" and output["observedContentType"] == "application/json"
    assert "predicted_label" in json.loads(output["data"])["predictions"][0]
    meta = first["eventMetadata"]
    assert meta["inferenceId"] == "req-1" and meta["customAttributes"] == ["app=test"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", meta["inferenceTime"])
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["eventId"])
    assert records[2]["captureData"]["endpointInput"]["encoding"] == "JSON"
    endpoint.delete()


def test_sampling_percentage_and_capture_options(deployed):
    none = deployed.deploy(endpoint_name="capture-none", data_capture_config=DataCaptureConfig(
        sampling_percentage=0, destination_s3_uri=CAPTURE))
    half = deployed.deploy(endpoint_name="capture-half", data_capture_config=DataCaptureConfig(
        sampling_percentage=50, destination_s3_uri=CAPTURE, capture_options=["REQUEST"]))
    for endpoint in (none, half):
        result = load_test(f"{endpoint.url}/endpoints/{endpoint.endpoint_name}/invocations", b"0.1,0.2,0.3,0.4",
                           concurrency=4, requests=300)
        assert result.ok == 300
    assert list(read_records(none.capture_files())) == []
    captured = list(read_records(half.capture_files()))
    assert 110 <= len(captured) <= 190  # binomial(300, 0.5): outside this range ~1e-6
    assert all(set(r["captureData"]) == {"endpointInput"} for r in captured)
    with pytest.raises(ValueError, match="0 to 100"):
        DataCaptureConfig(sampling_percentage=120)
    with pytest.raises(ValueError, match="REQUEST"):
        DataCaptureConfig(capture_options=["BODY"])
    none.delete()
    half.delete()


@pytest.fixture(scope="module")
def monitor(tmp_path_factory, deployed):
    features, _ = make_classification(2000, seed=7)
    return DefaultModelMonitor(role="local").suggest_baseline(
        baseline_dataset=pd.DataFrame(features), dataset_format=DatasetFormat.csv(header=False),
        output_s3_uri="s3://monitor-bucket/baseline")


def test_baseline_files_follow_the_model_monitor_schemas(monitor):
    statistics = json.loads(storage.get_bytes("s3://monitor-bucket/baseline/statistics.json"))
    constraints = json.loads(storage.get_bytes("s3://monitor-bucket/baseline/constraints.json"))
    assert statistics == monitor.baseline_statistics().body_dict
    assert statistics["dataset"]["item_count"] == 2000
    feature = statistics["features"][0]
    assert feature["name"] == "_c0" and feature["inferred_type"] == "Fractional"
    numbers = feature["numerical_statistics"]
    assert numbers["common"] == {"num_present": 2000, "num_missing": 0}
    assert {"mean", "sum", "std_dev", "min", "max", "distribution"} <= set(numbers)
    assert len(numbers["distribution"]["kll"]["buckets"]) == 10
    assert sum(b["count"] for b in numbers["distribution"]["kll"]["buckets"]) == 2000
    assert [f["name"] for f in constraints["features"]] == ["_c0", "_c1", "_c2", "_c3"]
    assert constraints["features"][0]["completeness"] == 1.0
    assert constraints["monitoring_config"]["distribution_constraints"]["comparison_threshold"] == 0.1


def test_traffic_like_the_baseline_raises_no_violation(deployed, monitor):
    endpoint = deployed.deploy(endpoint_name="steady", data_capture_config=DataCaptureConfig(
        sampling_percentage=100, destination_s3_uri=CAPTURE))
    rows, _ = make_classification(400, seed=8)
    send(endpoint, rows)
    report = monitor.run_monitoring(endpoint_name="steady", output_s3_uri="s3://monitor-bucket/reports/steady")
    assert report.item_count == 400
    assert report.violations == [] and report.drifted_features == []
    assert json.loads(storage.get_bytes("s3://monitor-bucket/reports/steady/constraint_violations.json")) == {"violations": []}
    endpoint.delete()


def test_drifted_traffic_is_flagged_on_the_shifted_feature_only(deployed, monitor):
    endpoint = deployed.deploy(endpoint_name="drifting", data_capture_config=DataCaptureConfig(
        sampling_percentage=100, destination_s3_uri=CAPTURE))
    rows, _ = make_classification(300, seed=9)
    rows[:, 2] += 1.5  # the feature _c2 drifts
    send(endpoint, rows)
    report = monitor.run_monitoring(endpoint_name="drifting", output_s3_uri="s3://monitor-bucket/reports/drift")
    assert report.drifted_features == ["_c2"]
    kinds = {(v["feature_name"], v["constraint_check_type"]) for v in report.violations}
    assert kinds == {("_c2", "baseline_drift_check")}
    written = json.loads(storage.get_bytes("s3://monitor-bucket/reports/drift/constraint_violations.json"))
    assert written["violations"][0]["description"].startswith("Baseline drift distance")
    frame = report.to_frame()
    assert frame.loc["_c2", "distance"] > 0.3 > frame.drop(index="_c2")["distance"].max()
    figure = report.plot()
    assert len(figure.axes) == 5 and figure.axes[0].get_title() == "drift distance (KS)"
    plt.close(figure)
    endpoint.delete()


def test_missing_values_and_columns_are_violations(deployed, monitor):
    endpoint = deployed.deploy(endpoint_name="quality", data_capture_config=DataCaptureConfig(
        sampling_percentage=100, destination_s3_uri=CAPTURE))
    rows, _ = make_classification(50, seed=10)
    send(endpoint, rows)
    endpoint.flush_capture()
    # Only answered invocations are captured and the model refuses these rows, so they are written
    # as capture records directly, as a more lenient model would have captured them.
    lenient = storage.s3_to_path(CAPTURE) / "quality" / "AllTraffic" / "2000" / "01" / "01" / "00"
    lenient.mkdir(parents=True)
    records = [{"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                                  "data": data, "encoding": "CSV"}},
                "eventMetadata": {"eventId": str(i), "inferenceTime": "2000-01-01T00:00:00Z"}, "eventVersion": "0"}
               for i, data in enumerate(["1,,2,3", "1,2,3", "0.5,0.5,0.5,0.5,9"] * 10)]
    (lenient / "00-00-000-x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    report = monitor.run_monitoring(endpoint_name="quality")
    kinds = {v["constraint_check_type"] for v in report.violations}
    assert {"missing_column_check", "extra_column_check", "completeness_check"} <= kinds
    # a time window excludes the old file
    recent = monitor.run_monitoring(endpoint_name="quality", start_time=1_000_000_000)
    assert recent.item_count == 50
    endpoint.delete()


def test_ks_distance_matches_scipy():
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(0)
    a, b = np.sort(rng.normal(size=1024)), rng.normal(0.3, 1, size=500)
    assert ks_distance(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


def test_monitoring_without_a_baseline_or_traffic_says_what_to_do(deployed):
    with pytest.raises(ValueError, match="suggest_baseline"):
        DefaultModelMonitor().run_monitoring(endpoint_name="x")
