"""SDK v2's ``Predictor`` and SDK v1's ``RealTimePredictor`` (``helpers.platform.v2.predictor``) against one
local endpoint (a script model answering JSON or CSV): the serializer's content type and the deserializer's
accept are sent, ``initial_args`` win, v1 functions and objects work and warn, delete_model/delete_endpoint."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from botocore.exceptions import ClientError

from helpers.platform import Endpoint, ModelBuilder, SourceCode
from helpers.platform.v2.deserializers import CSVDeserializer, JSONDeserializer, NumpyDeserializer, StringDeserializer
from helpers.platform.v2.predictor import Predictor, RealTimePredictor
from helpers.platform.v2.serializers import CSVSerializer, IdentitySerializer, JSONSerializer
from serving_support import module_store, script_score, write_script_model

ROWS = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 0.0, -1.0, 2.0]])


@pytest.fixture(scope="module")
def endpoint_name(tmp_path_factory):
    with module_store(tmp_path_factory, "v2-predictor-home"):
        model_dir, code_dir = write_script_model(tmp_path_factory.mktemp("script-model"))
        builder = ModelBuilder(model_path=str(model_dir),
                               source_code=SourceCode(source_dir=str(code_dir), entry_script="inference.py"))
        yield builder.deploy(endpoint_name="v2-predictor").endpoint_name


def test_predict_sends_the_serializers_type_and_reads_with_the_deserializer(endpoint_name):
    predictor = Predictor(endpoint_name, serializer=CSVSerializer(), deserializer=JSONDeserializer())
    assert (predictor.content_type, predictor.accept, predictor.endpoint) == ("text/csv", ("application/json",),
                                                                              endpoint_name)
    answer = predictor.predict(ROWS)
    assert [p["score"] for p in answer["predictions"]] == pytest.approx(script_score(ROWS))
    # a notebook sets the formats after deploy(), as v2 notebooks do (and an attribute of its own)
    predictor.serializer, predictor.deserializer = JSONSerializer(), NumpyDeserializer(accept="text/csv")
    predictor.ContentType = "text/csv"
    scores = predictor.predict({"instances": [{"features": row} for row in ROWS.tolist()]})
    assert scores == pytest.approx(script_score(ROWS))


def test_initial_args_win_over_the_predictors_own(endpoint_name):
    predictor = Predictor(endpoint_name)  # v2's defaults: bytes in, bytes out
    assert (predictor.content_type, predictor.accept) == ("application/octet-stream", ("*/*",))
    body = json.dumps({"instances": [{"features": list(ROWS[0])}]}).encode()
    answer = predictor.predict(body, initial_args={"ContentType": "application/json", "Accept": "text/csv"})
    assert float(answer) == pytest.approx(script_score(ROWS[:1])[0])
    predictor.deserializer = CSVDeserializer()
    assert predictor.predict(b"1,2,3,4", initial_args={"ContentType": "text/csv"}) == [
        [str(float(script_score(ROWS[:1])[0]))]]
    request = predictor._request(b"x", {"CustomAttributes": "trace=1", "InferenceId": "i-1", "TargetVariant": "v"})
    assert {k: request[k] for k in ("custom_attributes", "inference_id", "target_variant")} == {
        "custom_attributes": "trace=1", "inference_id": "i-1", "target_variant": "v"}
    with pytest.raises(ValueError, match=r"initial_args has \['Acept'\].*ContentType, Accept"):
        predictor.predict(b"1,2,3,4", initial_args={"Acept": "text/csv"})


def test_v1_real_time_predictor_functions_and_module_objects(endpoint_name):
    with pytest.warns(DeprecationWarning, match="RealTimePredictor is SDK v1's name"):
        predictor = RealTimePredictor(endpoint=endpoint_name, content_type="text/csv")
    answer = predictor.predict(b"1,2,3,4")  # v1 without (de)serializer: bytes in, bytes out, no Accept
    assert json.loads(answer)["predictions"][0]["score"] == pytest.approx(script_score(ROWS[:1])[0])
    with pytest.warns(DeprecationWarning, match="json_deserializer is SDK v1's name; SDK v2 uses JSONDeserializer"):
        from helpers.platform.v2.predictor import json_deserializer
    with pytest.warns(DeprecationWarning, match="csv_serializer"):
        from helpers.platform.v2.predictor import csv_serializer
    # v1 notebooks assign a plain function and a header by hand after deploy()
    deployed = Predictor(endpoint_name)
    deployed.content_type = "application/json"
    deployed.serializer = lambda rows: json.dumps({"instances": [{"features": list(r)} for r in rows]})
    deployed.deserializer = json_deserializer
    assert [p["score"] for p in deployed.predict(ROWS)["predictions"]] == pytest.approx(script_score(ROWS))
    deployed.content_type, deployed.serializer, deployed.accept = "text/csv", csv_serializer, "application/json"
    assert len(deployed.predict(ROWS)["predictions"]) == 2
    with pytest.warns(DeprecationWarning, match="content_type"):
        assert Predictor(endpoint_name, content_type="text/csv").content_type == "text/csv"


def test_errors_are_the_endpoints_and_bad_arguments_name_the_fix(endpoint_name):
    predictor = Predictor(endpoint_name, serializer=IdentitySerializer("text/csv"), deserializer=StringDeserializer())
    with pytest.raises(ClientError, match="ModelError"):
        predictor.predict(b"1,2")  # a wrong feature count: the model's 400, as AWS reports it
    with pytest.raises(TypeError, match="body is a ndarray.*CSVSerializer"):
        Predictor(endpoint_name).predict(ROWS)  # v2's default IdentitySerializer sends bytes only
    with pytest.raises(ValueError, match="endpoint's name"):
        Predictor(None)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        Predictor(endpoint_name, serialiser=CSVSerializer())
    with pytest.raises(ValueError, match="initial_instance_count can"):
        predictor.update_endpoint(instance_type="ml.m5.xlarge")


def test_delete_model_then_delete_endpoint_remove_all_three(endpoint_name, monkeypatch):
    from helpers.platform import EndpointConfig, Model

    # a new kernel that never deployed has no runtime router: nothing may need boto3's sagemaker client
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:9")
    predictor = Predictor(endpoint_name)
    config_name = Endpoint(endpoint_name).describe()["EndpointConfigName"]
    model_names = [v["ModelName"] for v in EndpointConfig.get(config_name).describe()["ProductionVariants"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predictor.delete_model()  # before the endpoint, as v2 notebooks do it
        predictor.delete_endpoint()
    for name in model_names:
        with pytest.raises(Exception, match="(?i)not find|does not exist"):
            Model.get(name)
    with pytest.raises(Exception, match="(?i)not find|does not exist"):
        EndpointConfig.get(config_name)
    with pytest.raises(Exception, match="(?i)not find|does not exist"):
        Endpoint.get(endpoint_name)
