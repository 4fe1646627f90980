"""Production variants: two models behind one endpoint, traffic split by weight, counts per variant."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.platform.configs import SourceCode
from helpers.platform.serving import Endpoint, EndpointConfig, ModelBuilder, ProductionVariant, use_local_runtime
from serving_support import module_store, write_script_model

ROW = b"1,1,1,1"
SCORES = {"A": 1.0, "B": 2.0}  # sum of each model's weights: what each answers for ROW


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with module_store(tmp_path_factory, "variants-home"):
        for name, weights in (("A", [0.25, 0.25, 0.25, 0.25]), ("B", [0.5, 0.5, 0.5, 0.5])):
            model_dir, code_dir = write_script_model(tmp_path_factory.mktemp(f"model-{name}"), weights=weights)
            ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
                source_dir=str(code_dir), entry_script="inference.py")).build(model_name=f"model-{name.lower()}")
        EndpointConfig.create(endpoint_config_name="ab-config", production_variants=[
            ProductionVariant(variant_name="A", model_name="model-a", initial_variant_weight=0.8),
            ProductionVariant(variant_name="B", model_name="model-b", initial_variant_weight=0.2)])
        yield Endpoint.create(endpoint_name="ab-test", endpoint_config_name="ab-config")


def test_traffic_follows_the_weights_and_each_answer_names_its_variant(endpoint):
    seen = {"A": 0, "B": 0}
    for _ in range(400):
        answer = endpoint.invoke(ROW, content_type="text/csv", accept="text/csv")
        variant = answer.invoked_production_variant
        assert float(answer.body.read()) == pytest.approx(SCORES[variant])  # the answer came from that model
        seen[variant] += 1
    assert 270 <= seen["A"] <= 370  # binomial(400, 0.8): mean 320, sd 8
    counts = {m["VariantName"]: m["Invocations"] for m in endpoint.metrics()}
    assert counts == seen
    described = {v["VariantName"]: v["CurrentWeight"] for v in endpoint.describe()["ProductionVariants"]}
    assert described == {"A": 0.8, "B": 0.2}


def test_target_variant_overrides_the_weights(endpoint):
    client = __import__("boto3").session.Session().client("sagemaker-runtime", endpoint_url=use_local_runtime())
    for _ in range(5):
        answer = client.invoke_endpoint(EndpointName="ab-test", Body=ROW, ContentType="text/csv", TargetVariant="B")
        assert answer["InvokedProductionVariant"] == "B"
        assert json.loads(answer["Body"].read())["predictions"][0]["score"] == pytest.approx(SCORES["B"])
    with pytest.raises(client.exceptions.ValidationError, match="TargetVariant 'C'"):
        client.invoke_endpoint(EndpointName="ab-test", Body=ROW, ContentType="text/csv", TargetVariant="C")


def test_shifting_all_traffic_to_the_winner(endpoint):
    before = {m["VariantName"]: m["Invocations"] for m in endpoint.metrics()}
    endpoint.update_weights({"A": 0, "B": 1})
    variants = {endpoint.invoke(ROW, content_type="text/csv").invoked_production_variant for _ in range(30)}
    assert variants == {"B"}
    after = {m["VariantName"]: m["Invocations"] for m in endpoint.metrics()}
    assert after["A"] == before["A"] and after["B"] == before["B"] + 30
    assert {v["VariantName"]: v["CurrentWeight"] for v in endpoint.describe()["ProductionVariants"]} == {"A": 0, "B": 1}
    with pytest.raises(ValueError, match="unknown variant"):
        endpoint.update_weights({"Z": 1})
    with pytest.raises(ValueError, match="above 0"):
        endpoint.update_weights({"A": 0, "B": 0})


def test_bad_configurations_are_refused_with_the_fix(endpoint):
    with pytest.raises(ValueError, match="used twice"):
        EndpointConfig.create(endpoint_config_name="dup", production_variants=[
            ProductionVariant(variant_name="A", model_name="model-a"),
            ProductionVariant(variant_name="A", model_name="model-b")])
    with pytest.raises(ValueError, match="Could not find model \"nope\".*model-a"):
        EndpointConfig.create(endpoint_config_name="missing", production_variants=[
            ProductionVariant(variant_name="A", model_name="nope")])
    with pytest.raises(ValueError, match="positive"):
        EndpointConfig.create(endpoint_config_name="zero", production_variants=[
            ProductionVariant(variant_name="A", model_name="model-a", initial_variant_weight=0)])
    assert np.isclose(sum(v["CurrentWeight"] for v in endpoint.describe()["ProductionVariants"]), 1.0)
