"""Port: SDK v3 ModelBuilder + custom InferenceSpec + SchemaBuilder (aws/sagemaker-python-sdk v3-examples)."""

from __future__ import annotations

from port_support import Change, Port, run

PORT = Port(
    name="inference_spec",
    repo="aws/sagemaker-python-sdk",
    path="v3-examples/inference-examples/inference-spec-example.ipynb",
    commit="3203e4996219799e7fcad214c7925ffd8594da1f",
    smoke="none: the notebook's model is already tiny (a 4x2 linear layer)",
    changes=(
        Change("import", "from sagemaker.serve.model_builder import ModelBuilder",
               "from helpers.platform import ModelBuilder"),
        Change("import", "from sagemaker.serve.spec.inference_spec import InferenceSpec",
               "from helpers.platform import InferenceSpec"),
        Change("import", "from sagemaker.serve.builder.schema_builder import SchemaBuilder",
               "from helpers.platform import SchemaBuilder"),
        Change("import", "from sagemaker.serve.utils.types import ModelServer",
               "from helpers.platform import ModelServer"),
        Change("import", "from sagemaker.core.resources import EndpointConfig",
               "from helpers.platform import EndpointConfig"),
    ),
)


def test_inference_spec_notebook_runs_with_only_its_imports_changed(port_home):
    ns = run(PORT, port_home)
    single, batch = ns["prediction_1"], ns["prediction_2"]
    assert len(single) == 1 and len(batch) == len(ns["test_data_2"])
    for row in single + batch:  # the model's softmax: two probabilities summing to one
        assert len(row) == 2 and abs(sum(row) - 1) < 1e-5
