"""An InferenceSpec endpoint reached by name (Endpoint.get, a new kernel) speaks its SchemaBuilder's
formats, as deploy()'s object does; ModelBuilder(model="<hub id>") says what the kit serves instead."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.platform import InferenceSpec, ModelBuilder, SchemaBuilder
from helpers.platform.serving import Endpoint
from helpers.platform.serving.inference_spec import CustomPayloadTranslator

WEIGHTS = np.array([0.5, -1.0, 2.0])
ROWS = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.5]])


class DotSpec(InferenceSpec):
    def load(self, model_dir):
        return np.load(os.path.join(model_dir, "weights.npy"))

    def invoke(self, input_object, model):
        return np.asarray(input_object, dtype=float) @ model


class SemicolonTranslator(CustomPayloadTranslator):
    """Rows as "a,b,c;d,e,f" text: a format only this class knows, so a lookup needs the pickled schema."""

    def serialize_payload_to_bytes(self, payload):
        return ";".join(",".join(str(x) for x in row) for row in np.atleast_2d(payload)).encode()

    def deserialize_payload_from_stream(self, stream):
        return np.array([[float(x) for x in row.split(",")] for row in stream.read().decode().split(";")])


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lookup-model")
    np.save(folder / "weights.npy", WEIGHTS)
    return folder


@pytest.fixture(scope="module")
def npy_endpoint(home, weights_dir):
    builder = ModelBuilder(model_path=str(weights_dir), inference_spec=DotSpec(),
                           schema_builder=SchemaBuilder(ROWS[:1], np.array([1.0])))
    endpoint = builder.deploy(endpoint_name="lookup-npy")
    yield endpoint
    endpoint.delete()


def test_an_endpoint_looked_up_by_name_sends_and_reads_the_schemas_formats(npy_endpoint):
    deployed = npy_endpoint.predict(ROWS)
    found = Endpoint.get("lookup-npy").predict(ROWS)  # a new object: nothing but the name
    assert isinstance(found, np.ndarray) and found.dtype == deployed.dtype
    assert np.array_equal(found, ROWS @ WEIGHTS) and np.array_equal(found, deployed)


def test_a_new_process_predicts_with_the_schemas_formats_from_the_name_only(npy_endpoint, home):
    """The store (FLYWHEEL_HOME) and the endpoint's name are all the new process shares with this one."""
    script = ("import json, numpy as np; from helpers.platform.serving import Endpoint; "
              "answer = Endpoint.get('lookup-npy').predict(np.array(%r)); "
              "print(json.dumps([type(answer).__name__, answer.tolist()]))" % ROWS.tolist())
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr
    kind, values = json.loads(done.stdout.strip().splitlines()[-1])
    assert kind == "ndarray" and np.allclose(values, ROWS @ WEIGHTS)


def test_the_model_record_keeps_the_formats_and_explicit_types_still_win(npy_endpoint):
    from helpers.platform.serving import Model

    model = Model(npy_endpoint.production_variants[0]["ModelName"]).describe()
    assert model["Local"]["Schema"]["Input"] == {"Kind": "npy", "ContentType": "application/x-npy",
                                                 "Accept": "application/x-npy"}
    buffer = io.BytesIO()
    np.save(buffer, ROWS)
    raw = Endpoint("lookup-npy").invoke(buffer.getvalue(), content_type="application/x-npy")
    assert np.array_equal(np.load(io.BytesIO(raw.body.read())), ROWS @ WEIGHTS)


def test_a_translators_format_is_used_by_name_too(home, weights_dir):
    translator = SemicolonTranslator(content_type="text/x-rows", accept_type="text/x-rows")
    schema = SchemaBuilder(ROWS[:1], ROWS[:1, :1], input_translator=translator, output_translator=translator)
    builder = ModelBuilder(model_path=str(weights_dir), inference_spec=DotSpec(), schema_builder=schema)
    builder.deploy(endpoint_name="lookup-translator")
    try:
        found = Endpoint.get("lookup-translator").predict(ROWS)
        assert np.allclose(found.ravel(), ROWS @ WEIGHTS)
    finally:
        Endpoint("lookup-translator").delete()


def test_variants_of_different_formats_are_told_apart_by_target_variant(home, weights_dir):
    from helpers.platform.serving import EndpointConfig, ProductionVariant

    npy = ModelBuilder(model_path=str(weights_dir), inference_spec=DotSpec(),
                       schema_builder=SchemaBuilder(ROWS[:1], np.array([1.0]))).build(model_name="lookup-a")
    rows = ModelBuilder(model_path=str(weights_dir), inference_spec=DotSpec(),
                        schema_builder=SchemaBuilder(ROWS[:1].tolist(), [1.0])).build(model_name="lookup-b")
    EndpointConfig.create("lookup-two", [ProductionVariant("A", npy.model_name),
                                         ProductionVariant("B", rows.model_name)])
    endpoint = Endpoint.create("lookup-two", "lookup-two")
    try:
        with pytest.raises(ValueError, match="variants A, B read different formats.*target_variant="):
            endpoint.predict(ROWS)
        answer = Endpoint.get("lookup-two").predict(ROWS.tolist(), target_variant="B")
        assert isinstance(answer, list) and np.allclose(answer, ROWS @ WEIGHTS)
        assert isinstance(endpoint.predict(ROWS, target_variant="A"), np.ndarray)
    finally:
        endpoint.delete()


@pytest.mark.parametrize("hub_id", ["meta-llama/Llama-3.2-1B", "bert-base-uncased"])
def test_a_hub_model_id_gets_an_error_naming_what_the_kit_serves(flywheel_home, hub_id):
    with pytest.raises(ValueError, match="Hugging Face Hub or JumpStart model id.*needs the network.*model_path="):
        ModelBuilder(model=hub_id).build()
