"""SDK v3 inference examples of aws/sagemaker-python-sdk (v3-examples/inference-examples) on the local
modes (deploy_local), each run cell by cell with only its imports changed (helpers.platform instead of
sagemaker.*): the source path and commit are in each test's docstring. No AWS, no Docker.

inference-spec-example and train-inference-e2e-example run verbatim in tests/ports/ (test_port_inference_spec,
test_port_train_inference_e2e)."""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np
import pytest

from helpers.platform import IgnoredArgumentWarning
from helpers.platform.serving import list_endpoints


def test_v3_in_process_mode_example_runs_with_only_imports_changed(home):
    """aws/sagemaker-python-sdk v3-examples/inference-examples/in-process-mode-example.ipynb at commit
    3203e4996219799e7fcad214c7925ffd8594da1f, cell by cell (the 100-request timing loop cut to 10).
    Changed: the imports (helpers.platform instead of sagemaker.serve...)."""
    import time
    import uuid

    from helpers.platform import InferenceSpec, Mode, ModelBuilder, SchemaBuilder  # noqa: F811

    class MathInferenceSpec(InferenceSpec):
        """Simple math operations for IN_PROCESS testing."""

        def load(self, model_dir: str):
            return {"operation": "multiply", "factor": 2.0}

        def invoke(self, input_object, model):
            if isinstance(input_object, dict) and "numbers" in input_object:
                numbers = input_object["numbers"]
            elif isinstance(input_object, list):
                numbers = input_object
            else:
                numbers = [float(input_object)]
            factor = model["factor"]
            result = [num * factor for num in numbers]
            return {"result": result, "operation": f"multiply by {factor}"}

    sample_input = {"numbers": [1.0, 2.0, 3.0]}
    sample_output = {"result": [2.0, 4.0, 6.0], "operation": "multiply by 2.0"}
    schema_builder = SchemaBuilder(sample_input, sample_output)

    MODEL_NAME_PREFIX = "inprocess-math-model"
    ENDPOINT_NAME_PREFIX = "inprocess-math-endpoint"
    unique_id = str(uuid.uuid4())[:8]
    model_name = f"{MODEL_NAME_PREFIX}-{unique_id}"
    endpoint_name = f"{ENDPOINT_NAME_PREFIX}-{unique_id}"
    inference_spec = MathInferenceSpec()
    model_builder = ModelBuilder(
        inference_spec=inference_spec,
        schema_builder=schema_builder,
        mode=Mode.IN_PROCESS  # This is the key difference!
    )
    core_model = model_builder.build(model_name=model_name)
    assert core_model.model_name == model_name
    local_endpoint = model_builder.deploy_local(endpoint_name=endpoint_name)
    assert local_endpoint.endpoint_name == endpoint_name

    result_1 = local_endpoint.invoke(body={"numbers": [1.0, 2.0, 3.0]}, content_type="application/json")
    assert result_1.body == {"result": [2.0, 4.0, 6.0], "operation": "multiply by 2.0"}
    result_2 = local_endpoint.invoke(body={"numbers": [10.5, 20.3, 30.7, 40.1]}, content_type="application/json")
    assert result_2.body["result"] == [21.0, 40.6, 61.4, 80.2]
    result_3 = local_endpoint.invoke(body=[5.0], content_type="application/json")
    assert result_3.body["result"] == [10.0]

    start_time = time.time()
    num_requests = 10
    for i in range(num_requests):
        test_data = {"numbers": [i, i+1, i+2]}
        result = local_endpoint.invoke(body=test_data, content_type="application/json")
    assert result.body["result"] == [18.0, 20.0, 22.0] and time.time() - start_time < 30

    if local_endpoint and hasattr(local_endpoint, 'in_process_mode_obj'):
        if local_endpoint.in_process_mode_obj:
            local_endpoint.in_process_mode_obj.destroy_server()
    assert endpoint_name not in [e["EndpointName"] for e in list_endpoints()]


def test_v3_local_container_mode_example_runs_with_only_imports_changed(home):
    """aws/sagemaker-python-sdk v3-examples/inference-examples/local-mode-example.ipynb at commit
    3203e4996219799e7fcad214c7925ffd8594da1f, cell by cell (the prints left out). Changed: the imports.
    No Docker: LOCAL_CONTAINER runs as the kit's local server, with the SDK's prepare() and invoke()."""
    import shutil
    import uuid

    import torch
    import torch.nn as nn

    from helpers.platform import InferenceSpec, Mode, ModelBuilder, ModelServer, SchemaBuilder  # noqa: F811

    class SimpleModel(nn.Module):
        """Simple PyTorch model for testing."""
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, x):
            return torch.softmax(self.linear(x), dim=1)

    def save_pytorch_model(model_path: str):
        """Save PyTorch model for testing."""
        model = SimpleModel()
        sample_input = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float32)
        traced_model = torch.jit.trace(model, sample_input)
        model_file = os.path.join(model_path, "model.pt")
        torch.jit.save(traced_model, model_file)
        return model_file

    temp_model_path = tempfile.mkdtemp()
    model_file = save_pytorch_model(temp_model_path)

    class PyTorchInferenceSpec(InferenceSpec):
        """PyTorch InferenceSpec for local container mode."""

        def __init__(self, model_path=None):
            self.model_path = model_path

        def prepare(self, model_dir: str):
            if self.model_path:
                src_model = os.path.join(self.model_path, "model.pt")
                dst_model = os.path.join(model_dir, "model.pt")
                if os.path.exists(src_model) and src_model != dst_model:
                    shutil.copy2(src_model, dst_model)

        def load(self, model_dir: str):
            model_path = os.path.join(model_dir, "model.pt")
            if os.path.exists(model_path):
                model = torch.jit.load(model_path, map_location='cpu')
            else:
                model = SimpleModel()
            model.eval()
            return model

        def invoke(self, input_object, model):
            if isinstance(input_object, dict) and "data" in input_object:
                input_data = input_object["data"]
            else:
                input_data = input_object
            if isinstance(input_data, list):
                input_tensor = torch.tensor(input_data, dtype=torch.float32)
            else:
                input_tensor = torch.tensor(input_data.tolist() if hasattr(input_data, 'tolist') else input_data,
                                            dtype=torch.float32)
            with torch.no_grad():
                output = model(input_tensor)
                return output.tolist()

    sample_input = [[1.0, 2.0, 3.0, 4.0]]
    sample_output = [[0.6, 0.4]]
    schema_builder = SchemaBuilder(sample_input, sample_output)

    MODEL_NAME_PREFIX = "pytorch-local"
    ENDPOINT_NAME_PREFIX = "pytorch-local"
    unique_id = str(uuid.uuid4())[:8]
    model_name = f"{MODEL_NAME_PREFIX}-{unique_id}"
    endpoint_name = f"{ENDPOINT_NAME_PREFIX}-{unique_id}"
    inference_spec = PyTorchInferenceSpec(model_path=temp_model_path)
    with pytest.warns(IgnoredArgumentWarning, match="model_server"):
        model_builder = ModelBuilder(
            inference_spec=inference_spec,
            model_server=ModelServer.TORCHSERVE,
            schema_builder=schema_builder,
            mode=Mode.LOCAL_CONTAINER  # This enables Docker container mode
        )
    local_model = model_builder.build(model_name=model_name)
    assert local_model.model_name == model_name
    local_endpoint = model_builder.deploy_local(
        endpoint_name=endpoint_name,
        wait=True,
        container_timeout_in_seconds=1200  # 20 minutes timeout
    )

    traced = torch.jit.load(model_file)  # the weights prepare() copied into the model: same answers
    answers = []
    for test_input in ([[1.0, 2.0, 3.0, 4.0]], [[1.0, 2.0, 3.0, 4.0], [0.5, 1.5, 2.5, 3.5], [2.0, 3.0, 4.0, 5.0]],
                       [[0.1, 0.2, 0.3, 0.4]]):
        response = local_endpoint.invoke(body=json.dumps(test_input), content_type="application/json")
        answers.append(json.loads(response.body.read().decode('utf-8')))
        with torch.no_grad():
            assert np.allclose(answers[-1], traced(torch.tensor(test_input)).tolist(), atol=1e-6)
    assert local_endpoint.endpoint_name == endpoint_name and len(answers[1]) == 3

    shutil.rmtree(temp_model_path)
    local_endpoint.local_container_mode_obj.destroy_server()  # the notebook leaves it to the process's end
