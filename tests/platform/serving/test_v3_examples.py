"""SDK v3 inference examples of aws/sagemaker-python-sdk (v3-examples/inference-examples), each run
cell by cell with only its imports changed (helpers.platform instead of sagemaker.*): the source path
and commit are in each test's docstring. No AWS, no Docker: the kit's local platform serves them."""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np
import pytest

from helpers.platform import IgnoredArgumentWarning
from helpers.platform.serving import list_endpoints


def test_v3_inference_spec_example_runs_with_only_imports_changed(home):
    """aws/sagemaker-python-sdk v3-examples/inference-examples/inference-spec-example.ipynb at commit
    3203e4996219799e7fcad214c7925ffd8594da1f, cell by cell. Changed: the imports (helpers.platform
    instead of sagemaker.serve / sagemaker.core.resources) and nothing else."""
    import uuid

    import torch
    import torch.nn as nn

    from helpers.platform import EndpointConfig, InferenceSpec, ModelBuilder, ModelServer, SchemaBuilder  # noqa: F811

    class SimpleModel(nn.Module):
        """A simple neural network for classification."""
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, x):
            return torch.softmax(self.linear(x), dim=1)

    pytorch_model = SimpleModel()
    model_path = tempfile.mkdtemp()
    sample_input = torch.tensor([[0.1, 0.2, 0.3, 0.4]], dtype=torch.float32)
    traced_model = torch.jit.trace(pytorch_model, sample_input)
    model_file = os.path.join(model_path, "model.pth")
    torch.jit.save(traced_model, model_file)

    class SimpleModelSpec(InferenceSpec):
        """Custom InferenceSpec for our simple PyTorch model."""

        def load(self, model_dir: str):
            model = SimpleModel()
            model_path = os.path.join(model_dir, "model.pth")
            if os.path.exists(model_path):
                model = torch.jit.load(model_path, map_location='cpu')
            model.eval()
            return model

        def invoke(self, input_object: object, model: object):
            if isinstance(input_object, list):
                input_tensor = torch.tensor(input_object, dtype=torch.float32)
            else:
                input_tensor = torch.tensor([[0.1, 0.2, 0.3, 0.4]], dtype=torch.float32)
            with torch.no_grad():
                predictions = model(input_tensor)
            return predictions.tolist()

    sample_input = [[0.1, 0.2, 0.3, 0.4]]
    sample_output = [[0.9, 0.1]]
    schema_builder = SchemaBuilder(sample_input, sample_output)

    MODEL_NAME_PREFIX = "custom-spec-model"
    ENDPOINT_NAME_PREFIX = "custom-spec-endpoint"
    unique_id = str(uuid.uuid4())[:8]
    model_name = f"{MODEL_NAME_PREFIX}-{unique_id}"
    endpoint_name = f"{ENDPOINT_NAME_PREFIX}-{unique_id}"
    inference_spec = SimpleModelSpec()
    with pytest.warns(IgnoredArgumentWarning, match="model_server"):  # one server process serves it locally
        model_builder = ModelBuilder(
            inference_spec=inference_spec,
            model_path=model_path,
            model_server=ModelServer.TORCHSERVE,
            schema_builder=schema_builder
        )

    core_model = model_builder.build(model_name=model_name)
    assert core_model.model_name == model_name
    core_endpoint = model_builder.deploy(endpoint_name=endpoint_name)
    assert core_endpoint.endpoint_name == endpoint_name

    test_data_1 = [[0.1, 0.2, 0.3, 0.4]]
    result_1 = core_endpoint.invoke(body=json.dumps(test_data_1), content_type="application/json")
    prediction_1 = json.loads(result_1.body.read().decode('utf-8'))
    test_data_2 = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.2, 0.3, 0.4, 0.5]]
    result_2 = core_endpoint.invoke(body=json.dumps(test_data_2), content_type="application/json")
    prediction_2 = json.loads(result_2.body.read().decode('utf-8'))
    with torch.no_grad():
        local = pytorch_model(torch.tensor(test_data_2)).tolist()
    assert np.allclose(prediction_1, local[:1], atol=1e-6) and np.allclose(prediction_2, local, atol=1e-6)
    assert core_endpoint.predict(test_data_2) == prediction_2  # the sample output's type: a list

    core_endpoint_config = EndpointConfig.get(endpoint_config_name=core_endpoint.endpoint_name)
    core_model.delete()
    core_endpoint.delete()
    core_endpoint_config.delete()
    import shutil
    shutil.rmtree(model_path)
    with pytest.raises(ValueError, match="Could not find endpoint configuration"):
        core_endpoint_config.describe()


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


TRAIN_SCRIPT = '''import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset
import os

class SimpleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x):
        return torch.softmax(self.linear(x), dim=1)

def train():
    model = SimpleModel()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()

    # Synthetic data
    X = torch.randn(100, 4)
    y = torch.randint(0, 2, (100,))
    dataset = TensorDataset(X, y)
    dataloader = DataLoader(dataset, batch_size=32)

    # Train for 1 epoch
    model.train()
    for batch_x, batch_y in dataloader:
        optimizer.zero_grad()
        outputs = model(batch_x)
        loss = criterion(outputs, batch_y)
        loss.backward()
        optimizer.step()

    # Save model for TorchServe
    model.eval()
    traced_model = torch.jit.trace(model, torch.randn(1, 4))

    model_dir = os.environ.get('SM_MODEL_DIR', '/opt/ml/model')
    os.makedirs(model_dir, exist_ok=True)
    torch.jit.save(traced_model, os.path.join(model_dir, 'model.pth'))

    print("Training completed and model saved!")

if __name__ == "__main__":
    train()
'''


def test_v3_train_inference_e2e_example_runs_with_only_imports_changed(home):
    """aws/sagemaker-python-sdk v3-examples/inference-examples/train-inference-e2e-example.ipynb at commit
    27d9fa6172ac68b95098d233c4e0e7fce3f100ec, cell by cell (prints left out; the three test inputs
    checked against the trained weights). Changed: the imports. The training script runs as a local
    training job; ModelBuilder(model=model_trainer, inference_spec=...) serves its model.tar.gz."""
    import tarfile
    import uuid

    import boto3
    import torch

    from helpers.platform import (EndpointConfig, InferenceSpec, ModelBuilder, ModelServer,  # noqa: F811
                                  ModelTrainer, SchemaBuilder, Session, SourceCode)

    MODEL_NAME_PREFIX = "train-inf-v3-example-model"
    ENDPOINT_NAME_PREFIX = "train-inf-v3-example-endpoint"
    TRAINING_JOB_PREFIX = "e2e-v3-pytorch"
    session = Session()
    AWS_REGION = session.boto_region_name
    PYTORCH_TRAINING_IMAGE = f"763104351884.dkr.ecr.{AWS_REGION}.amazonaws.com/pytorch-training:1.13.1-cpu-py39"
    unique_id = str(uuid.uuid4())[:8]
    training_job_name = f"{TRAINING_JOB_PREFIX}-{unique_id}"
    model_name = f"{MODEL_NAME_PREFIX}-{unique_id}"
    endpoint_name = f"{ENDPOINT_NAME_PREFIX}-{unique_id}"

    def create_pytorch_training_code():
        temp_dir = tempfile.mkdtemp()
        with open(os.path.join(temp_dir, 'train.py'), 'w') as f:
            f.write(TRAIN_SCRIPT)
        with open(os.path.join(temp_dir, 'requirements.txt'), 'w') as f:
            f.write('torch>=1.13.0,<2.0.0\n')
        return temp_dir

    training_code_dir = create_pytorch_training_code()
    boto_session = boto3.Session(region_name=AWS_REGION)
    sagemaker_session = Session(boto_session=boto_session)
    model_trainer = ModelTrainer(
        sagemaker_session=sagemaker_session,
        training_image=PYTORCH_TRAINING_IMAGE,
        source_code=SourceCode(
            source_dir=training_code_dir,
            entry_script="train.py",
            requirements="requirements.txt",
        ),
        base_job_name=training_job_name
    )
    model_trainer.train()

    def create_schema_builder():
        sample_input = [[0.1, 0.2, 0.3, 0.4]]
        sample_output = [[0.8, 0.2]]
        return SchemaBuilder(sample_input, sample_output)

    class SimpleInferenceSpec(InferenceSpec):
        def load(self, model_dir):
            import torch
            return torch.jit.load(f"{model_dir}/model.pth")

        def invoke(self, input_object, model):
            import torch
            return model(torch.tensor(input_object)).tolist()

    schema_builder = create_schema_builder()
    with pytest.warns(IgnoredArgumentWarning, match="dependencies, model_server"):
        model_builder = ModelBuilder(
            model=model_trainer,
            schema_builder=schema_builder,
            model_server=ModelServer.TORCHSERVE,
            inference_spec=SimpleInferenceSpec(),
            image_uri=PYTORCH_TRAINING_IMAGE.replace("training", "inference"),
            dependencies={"auto": False},
        )
    with pytest.warns(IgnoredArgumentWarning, match="region"):
        core_model = model_builder.build(model_name=model_name, region=AWS_REGION)
    core_endpoint = model_builder.deploy(
        endpoint_name=endpoint_name,
        initial_instance_count=1
    )

    artifact = model_trainer.latest_training_job.describe()["ModelArtifacts"]["S3ModelArtifacts"]
    assert core_model.primary_container["ModelDataUrl"] == artifact
    with tarfile.open(from_store(artifact)) as archive:
        archive.extractall(weights := tempfile.mkdtemp(), filter="data")
    trained = torch.jit.load(os.path.join(weights, "model.pth"))
    for test_input in ([[0.1, 0.2, 0.3, 0.4]], [[0.5, 0.3, 0.2, 0.1]], [[0.9, 0.1, 0.8, 0.2]], [[0.2, 0.7, 0.4, 0.6]]):
        result = core_endpoint.invoke(body=json.dumps(test_input), content_type="application/json")
        prediction = json.loads(result.body.read().decode('utf-8'))
        with torch.no_grad():
            assert np.allclose(prediction, trained(torch.tensor(test_input)).tolist(), atol=1e-6)

    core_endpoint_config = EndpointConfig.get(endpoint_config_name=core_endpoint.endpoint_name)
    core_model.delete()
    core_endpoint.delete()
    core_endpoint_config.delete()


def from_store(uri: str):
    from helpers.platform import storage

    return storage.s3_to_path(uri)
