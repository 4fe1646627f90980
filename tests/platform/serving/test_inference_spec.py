"""SDK v3's custom serving path locally: ModelBuilder(inference_spec=..., schema_builder=...), the
wire formats the SchemaBuilder's samples pick, and the hosting names notebooks call on the result
(Endpoint.endpoint_config_name, EndpointConfig.describe(), Session.delete_*, Transformer.output_path)."""

from __future__ import annotations

import io
import json
import os
import warnings

import botocore.exceptions
import numpy as np
import pandas as pd
import pytest

from helpers.platform import IgnoredArgumentWarning, InferenceSpec, ModelBuilder, SchemaBuilder, Session
from helpers.platform.serving import EndpointConfig, Model, Transformer
from helpers.platform.serving.inference_spec import spec_handlers, write_spec_code
from serving_support import write_script_model

WEIGHTS = np.array([0.5, -1.0, 2.0, 0.25])


class LinearSpec(InferenceSpec):
    """Loads weights.npy; preprocess scales by 2, postprocess rounds: both must run on the server."""

    def load(self, model_dir):
        return np.load(os.path.join(model_dir, "weights.npy"))

    def preprocess(self, input_data):
        return np.asarray(input_data, dtype=float) * 2

    def invoke(self, input_object, model):
        return input_object @ model

    def postprocess(self, predictions):
        return np.round(predictions, 3)


def expected(rows) -> np.ndarray:
    return np.round((np.asarray(rows, dtype=float) * 2) @ WEIGHTS, 3)


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spec-model")
    np.save(folder / "weights.npy", WEIGHTS)
    return folder


@pytest.fixture(scope="module")
def spec_endpoint(home, weights_dir):
    sample = np.array([[1.0, 2.0, 3.0, 4.0]])
    builder = ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec(),
                           schema_builder=SchemaBuilder(sample, np.array([1.0])))
    endpoint = builder.deploy(endpoint_name="spec-ep")
    yield endpoint
    endpoint.delete()


def test_deploy_local_needs_a_local_mode_as_in_the_sdk(weights_dir, home):
    from helpers.platform import Mode

    builder = ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec(),
                           schema_builder=SchemaBuilder(np.zeros((1, 4)), np.zeros(1)))
    with pytest.raises(ValueError, match="mode=Mode.IN_PROCESS"):
        builder.deploy_local(endpoint_name="not-local")
    assert Mode.LOCAL_CONTAINER.value == 2 and str(Mode.IN_PROCESS) == "IN_PROCESS"


# ------------------------------------------------------------------------- a spec on a server
def test_spec_endpoint_predict_returns_the_sample_outputs_type_after_pre_and_postprocess(spec_endpoint):
    rows = np.array([[1.0, 0.0, 0.5, 2.0], [0.1, 0.2, 0.3, 0.4]])
    answer = spec_endpoint.predict(rows)
    assert isinstance(answer, np.ndarray) and np.array_equal(answer, expected(rows))
    raw = spec_endpoint.invoke(_npy(rows), content_type="application/x-npy")
    assert raw.content_type == "application/x-npy"
    assert np.array_equal(np.load(io.BytesIO(raw.body.read())), expected(rows))


def test_spec_endpoint_refuses_a_body_in_another_format_naming_the_one_it_reads(spec_endpoint):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        spec_endpoint.invoke(json.dumps([[1, 2, 3, 4]]), content_type="application/json")
    message = str(caught.value)
    assert "400" in message and "application/x-npy" in message and "sample input" in message


def test_endpoint_names_its_config_and_the_config_describes_itself(spec_endpoint):
    assert spec_endpoint.endpoint_config_name == "spec-ep"
    config = EndpointConfig.get("spec-ep")
    description = config.describe()
    assert description["EndpointConfigName"] == "spec-ep"
    assert description["ProductionVariants"][0]["ModelName"] == spec_endpoint.production_variants[0]["ModelName"]
    assert config.endpoint_config_arn.endswith(":endpoint-config/spec-ep")
    assert config.refresh() is config and config.production_variants == description["ProductionVariants"]


class Scorer:
    """A model class of this test module, which the server cannot import: it travels by value."""

    def __init__(self, weights):
        self.weights = weights

    def predict(self, rows):
        return np.asarray(rows) @ self.weights


def test_in_memory_model_with_a_schema_is_served_by_its_predict_and_session_deletes_it_all(home):
    X = np.random.default_rng(0).normal(size=(30, 4))
    model = Scorer(WEIGHTS)
    endpoint = ModelBuilder(model=model, schema_builder=SchemaBuilder(X[:2], X[:2] @ WEIGHTS)).deploy(
        endpoint_name="native-ep", endpoint_config_name="native-config")
    model_name = endpoint.production_variants[0]["ModelName"]
    try:
        assert endpoint.endpoint_config_name == "native-config"
        assert np.allclose(endpoint.predict(X[:5]), model.predict(X[:5]))
        assert Session().wait_for_endpoint("native-ep")["EndpointStatus"] == "InService"
    finally:
        session = Session()
        session.delete_endpoint("native-ep")
        session.delete_endpoint_config("native-config")
        session.delete_model(model_name)
    with pytest.raises(ValueError, match="Could not find endpoint configuration"):
        EndpointConfig.get("native-config")
    assert model_name not in [m.model_name for m in Model.get_all()]


# ---------------------------------------------------------------------- wire formats, in-process
SAMPLES = {
    "ndarray": np.array([[1.0, 2.0]]),
    "DataFrame": pd.DataFrame({"a": [1.5], "b": [2.5]}),
    "bytes": b"\x00\x01raw",
    "str": "some text",
    "list": [[0.1, 0.2]],
    "dict": {"instances": [1, 2]},
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_schema_builder_picks_the_sdks_content_types(kind, monkeypatch):
    """Against the installed SDK's own SchemaBuilder: same Content-Type for the input, same Accept for
    the output, for every sample type it detects."""
    # The SDK's import builds a boto3 session and needs a region (ours does not): without this the test
    # passed only after another test in its worker had set one.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    from sagemaker.serve.builder.schema_builder import SchemaBuilder as SdkSchemaBuilder

    sample = SAMPLES[kind]
    ours, theirs = SchemaBuilder(sample, sample), SdkSchemaBuilder(sample, sample)
    assert ours.input_serializer.CONTENT_TYPE == theirs.input_serializer.CONTENT_TYPE
    assert ours.output_deserializer.ACCEPT == theirs.output_deserializer.ACCEPT


def test_schema_builder_picks_tensor_pt_for_a_torch_sample_and_round_trips_it(tmp_path):
    import torch

    sample = torch.tensor([[1.0, 2.0]])
    schema = SchemaBuilder(sample, sample)
    assert schema.input_serializer.CONTENT_TYPE == "tensor/pt" and schema.output_deserializer.ACCEPT == "tensor/pt"
    back = schema.input_deserializer.deserialize(io.BytesIO(schema.input_serializer.serialize(sample)))
    assert isinstance(back, torch.Tensor) and torch.equal(back, sample)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_the_served_handlers_round_trip_each_sample_type(kind, tmp_path):
    """Client serializer -> server input_fn -> spec -> output_fn -> client deserializer gives back the
    sample's type (DataFrames keep their columns)."""
    from helpers.platform.serving.inference_spec import answer_of, request_of

    class Echo(InferenceSpec):
        def load(self, model_dir):
            return None

        def invoke(self, input_object, model):
            return input_object

    sample = SAMPLES[kind]
    schema = SchemaBuilder(sample, sample)
    folder, entry = write_spec_code(tmp_path / "code", Echo(), schema)
    model_fn, input_fn, predict_fn, output_fn = spec_handlers(str(folder / entry))
    body, content_type, accept = request_of(schema, sample)
    out_body, out_type = output_fn(predict_fn(input_fn(body, content_type), model_fn(str(tmp_path))), accept)
    back = answer_of(schema, out_body, out_type)
    if isinstance(sample, pd.DataFrame):
        pd.testing.assert_frame_equal(back, sample)
    elif isinstance(sample, np.ndarray):
        assert np.array_equal(back, sample)
    else:
        assert back == sample and type(back) is type(sample)


def test_custom_translators_carry_their_own_format_both_ways(tmp_path):
    """SchemaBuilder(..., input_translator=, output_translator=): the SDK's CustomPayloadTranslator API."""
    from helpers.platform import CustomPayloadTranslator
    from helpers.platform.serving.inference_spec import answer_of, request_of

    class Pipe(CustomPayloadTranslator):  # "a|b|c" <-> ["a", "b", "c"]
        def serialize_payload_to_bytes(self, payload):
            return "|".join(payload).encode()

        def deserialize_payload_from_stream(self, stream):
            return stream.read().decode().split("|")

    class Upper(InferenceSpec):
        def load(self, model_dir):
            return str.upper

        def invoke(self, input_object, model):
            return [model(word) for word in input_object]

    schema = SchemaBuilder(["a"], ["A"], input_translator=Pipe("text/x-pipe", "text/x-pipe"),
                           output_translator=Pipe("text/x-pipe", "text/x-pipe"))
    folder, entry = write_spec_code(tmp_path / "code", Upper(), schema)
    model_fn, input_fn, predict_fn, output_fn = spec_handlers(str(folder / entry))
    body, content_type, accept = request_of(schema, ["x", "yz"])
    assert (body, content_type, accept) == (b"x|yz", "text/x-pipe", "text/x-pipe")
    out_body, out_type = output_fn(predict_fn(input_fn(body, content_type), model_fn(str(tmp_path))), accept)
    assert (out_body, out_type) == (b"X|YZ", "text/x-pipe")
    assert answer_of(schema, out_body, out_type) == ["X", "YZ"]


def test_a_sample_no_format_fits_is_refused_naming_the_fix():
    with pytest.raises(ValueError, match="input_translator"):
        SchemaBuilder(object(), [1])


def test_a_spec_without_a_schema_or_with_source_code_is_refused(weights_dir, home):
    from helpers.platform.configs import SourceCode

    with pytest.raises(ValueError, match="schema_builder=SchemaBuilder"):
        ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec()).build(model_name="no-schema")
    with pytest.raises(ValueError, match="not both"):
        ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec(), schema_builder=SchemaBuilder([1], [1]),
                     source_code=SourceCode(source_dir=str(weights_dir))).build(model_name="two-ways")


# --------------------------------------------------------------- ignored SDK arguments are named
def test_sdk_arguments_with_no_local_meaning_warn_naming_them(weights_dir, home):
    with pytest.warns(IgnoredArgumentWarning, match="log_level, model_server"):
        ModelBuilder(model_path=str(weights_dir), model_server="TRITON", log_level=20)
    with pytest.warns(IgnoredArgumentWarning, match="schema_builder"):
        ModelBuilder(model_path=str(weights_dir), schema_builder=SchemaBuilder([1], [1]))
    with pytest.warns(IgnoredArgumentWarning, match="tags"):
        ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec(), schema_builder=SchemaBuilder(
            np.zeros((1, 4)), np.zeros(1))).build(model_name="tagged", tags=[{"Key": "k", "Value": "v"}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # arguments the kit uses do not warn
        ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec(), role_arn=Session().expand_role("r"),
                     schema_builder=SchemaBuilder(np.zeros((1, 4)), np.zeros(1)))
    with pytest.raises(NotImplementedError, match="variants of one EndpointConfig"):
        ModelBuilder(modelbuilder_list=[ModelBuilder(model_path=str(weights_dir))])


# ------------------------------------------------------------------------ batch transform output
def test_transformer_output_path_is_set_after_transform_and_fresh_for_the_next_job(home, tmp_path):
    model_dir, code_dir = write_script_model(tmp_path / "script")
    from helpers.platform.configs import SourceCode

    model = ModelBuilder(model_path=str(model_dir), source_code=SourceCode(
        source_dir=str(code_dir), entry_script="inference.py")).build(model_name="batch-model")
    session = Session()
    data = session.upload_data(_csv(tmp_path / "in.csv"), key_prefix="batch/in")
    transformer = Transformer(model_name=model.model_name, accept="application/json")
    assert transformer.output_path is None
    first = transformer.transform(data, content_type="text/csv", split_type="Line", logs=False)
    assert transformer.output_path == first["TransformOutput"]["S3OutputPath"]
    assert transformer.output_path == f"s3://{session.default_bucket()}/{first['TransformJobName']}"
    second = transformer.transform(data, content_type="text/csv", split_type="Line", logs=False)
    assert transformer.output_path.endswith(second["TransformJobName"]) and first != second
    chosen = Transformer(model_name=model.model_name, output_path="s3://bucket-x/out")
    chosen.transform(data, content_type="text/csv", split_type="Line", logs=False)
    assert chosen.output_path == "s3://bucket-x/out"


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _csv(path):
    path.write_text("1,2,3,4\n0.5,0.5,0.5,0.5\n")
    return str(path)


def test_model_get_all_sorts_and_filters_as_list_models(weights_dir, home):
    import datetime

    spec = dict(model_path=str(weights_dir), inference_spec=LinearSpec(),
                schema_builder=SchemaBuilder(np.zeros((1, 4)), np.zeros(1)))
    before = datetime.datetime.now(datetime.timezone.utc)
    for name in ("listed-b", "listed-a", "other-c"):
        ModelBuilder(**spec).build(model_name=name)
    assert [m.model_name for m in Model.get_all(name_contains="LISTED")] == ["listed-a", "listed-b"]
    newest_first = [m.model_name for m in Model.get_all(sort_by="CreationTime", sort_order="Descending",
                                                         creation_time_after=before)]
    assert newest_first == ["other-c", "listed-a", "listed-b"]
    assert Model.get_all(creation_time_before=before.replace(tzinfo=None) - datetime.timedelta(days=1)) == []
    with pytest.raises(ValueError, match="sort_by 'Name' or 'CreationTime'"):
        Model.get_all(sort_by="Size")
    with pytest.warns(IgnoredArgumentWarning, match="region"):
        Model.get_all(region="eu-west-1")


def test_endpoint_config_and_transform_settings_with_no_local_meaning_warn(weights_dir, home, tmp_path):
    from helpers.platform.serving import ProductionVariant

    model = ModelBuilder(model_path=str(weights_dir), inference_spec=LinearSpec(),
                         schema_builder=SchemaBuilder(np.zeros((1, 4)), np.zeros(1))).build(model_name="warned")
    with pytest.warns(IgnoredArgumentWarning, match="kms_key_id, tags"):
        EndpointConfig.create("warned-config", [ProductionVariant("AllTraffic", model.model_name)],
                              tags=[{"Key": "team", "Value": "a"}], kms_key_id="alias/x")
    with pytest.warns(IgnoredArgumentWarning, match="session"):
        EndpointConfig.get("warned-config", session=Session())
    with pytest.warns(IgnoredArgumentWarning, match="output_kms_key, transform_ami_version"):
        positional = Transformer(model.model_name, 2, "ml.c5.xlarge", "SingleRecord", "Line", "s3://b/out", "alias/k",
                                 transform_ami_version="al2-ami-sagemaker-batch-gpu-470")
    assert (positional.output_path, positional.accept) == ("s3://b/out", None)  # the SDK's positional order
    with pytest.warns(IgnoredArgumentWarning, match="experiment_config"), pytest.raises(FileNotFoundError):
        Transformer(model_name=model.model_name).transform("s3://empty-bucket/none", experiment_config={"RunName": "r"})


def test_an_in_memory_model_given_with_a_spec_is_what_load_finds_in_model_dir(home, tmp_path):
    """ModelBuilder(model=obj, inference_spec=..., schema_builder=...): obj goes into the artifact as
    model.joblib, so the spec's load(model_dir) reads it; the handlers run it as the server would."""
    import tarfile

    import joblib
    from sklearn.linear_model import LinearRegression

    class JoblibSpec(InferenceSpec):
        def load(self, model_dir):
            return joblib.load(os.path.join(model_dir, "model.joblib"))

        def invoke(self, input_object, model):
            return model.predict(input_object)

    X = np.random.default_rng(1).normal(size=(20, 4))
    model = LinearRegression().fit(X, X @ WEIGHTS)
    built = ModelBuilder(model=model, inference_spec=JoblibSpec(),
                         schema_builder=SchemaBuilder(X[:1], np.zeros(1))).build(model_name="obj-and-spec")
    local = built.describe()["Local"]
    assert local["Algorithm"] is None and local["EntryScript"] == "inference.py"
    with tarfile.open(local["ArtifactPath"]) as archive:
        archive.extractall(tmp_path / "model", filter="data")
    model_fn, input_fn, predict_fn, output_fn = spec_handlers(os.path.join(local["CodeDir"], "inference.py"))
    body, content_type = output_fn(predict_fn(input_fn(_npy(X[:3]), "application/x-npy"),
                                              model_fn(str(tmp_path / "model"))), "application/x-npy")
    assert content_type == "application/x-npy"
    assert np.allclose(np.load(io.BytesIO(body)), model.predict(X[:3]))


def test_endpoint_resource_api_takes_the_sdks_arguments(spec_endpoint, home):
    """Endpoint.get_all filters and sorts as ListEndpoints; invoke's targets with no local meaning warn
    by name (and still answer); create's tags/session/region warn."""
    from helpers.platform.serving import Endpoint

    rows = np.array([[1.0, 0.0, 0.5, 2.0]])
    assert [e.endpoint_name for e in Endpoint.get_all(name_contains="SPEC-", status_equals="InService")] == ["spec-ep"]
    assert Endpoint.get_all(name_contains="spec-ep", status_equals="Failed") == []
    names = [e.endpoint_name for e in Endpoint.get_all(sort_by="Name", sort_order="Ascending")]
    assert names == sorted(names) and "spec-ep" in names
    with pytest.raises(ValueError, match="sort_by 'Name', 'CreationTime' or 'Status'"):
        Endpoint.get_all(sort_by="Size")
    with pytest.warns(IgnoredArgumentWarning, match="inference_component_name, target_model"):
        answer = spec_endpoint.invoke(_npy(rows), content_type="application/x-npy", target_model="m.tar.gz",
                                      inference_component_name="ic")
    assert np.array_equal(np.load(io.BytesIO(answer.body.read())), expected(rows))
    with pytest.warns(IgnoredArgumentWarning, match="region, tags"), pytest.raises(ValueError, match="already existing"):
        Endpoint.create("spec-ep", "spec-ep", tags=[{"Key": "k", "Value": "v"}], region="us-east-1")


def test_the_sdks_own_inference_spec_and_schema_builder_are_served_too(weights_dir, home, monkeypatch):
    """A spec subclassing sagemaker.serve's InferenceSpec, with the SDK's SchemaBuilder: built and
    run by the handlers the server uses (in-process here: the server would import the SDK for seconds)."""
    import tarfile

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # some SDK modules make a boto3 client at import
    pytest.importorskip("sagemaker.serve")
    from sagemaker.serve.builder.schema_builder import SchemaBuilder as SdkSchemaBuilder
    from sagemaker.serve.spec.inference_spec import InferenceSpec as SdkInferenceSpec

    from helpers.platform.serving.inference_spec import answer_of, request_of

    class SdkSpec(SdkInferenceSpec):
        def load(self, model_dir):
            return np.load(os.path.join(model_dir, "weights.npy"))

        def invoke(self, input_object, model):
            return input_object @ model

    schema = SdkSchemaBuilder(np.zeros((1, 4)), np.zeros(1))
    built = ModelBuilder(model_path=str(weights_dir), inference_spec=SdkSpec(), schema_builder=schema).build(
        model_name="sdk-spec")
    local = built.describe()["Local"]
    with tarfile.open(local["ArtifactPath"]) as archive:
        archive.extractall(tmp := weights_dir.parent / "sdk-spec-model", filter="data")
    model_fn, input_fn, predict_fn, output_fn = spec_handlers(os.path.join(local["CodeDir"], "inference.py"))
    rows = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]])
    body, content_type, accept = request_of(schema, rows)
    assert (content_type, accept) == ("application/x-npy", "application/x-npy")
    out_body, out_type = output_fn(predict_fn(input_fn(body, content_type), model_fn(str(tmp))), accept)
    assert np.array_equal(answer_of(schema, out_body, out_type), rows @ WEIGHTS)
