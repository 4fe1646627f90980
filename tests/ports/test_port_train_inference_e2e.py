"""Port: SDK v3 end to end, script-mode PyTorch training then ModelBuilder(model=trainer,
inference_spec=..., schema_builder=...) deployed and invoked (aws/sagemaker-python-sdk v3-examples)."""

from __future__ import annotations

from port_support import Change, Port, run

PORT = Port(
    name="train_inference_e2e",
    repo="aws/sagemaker-python-sdk",
    path="v3-examples/inference-examples/train-inference-e2e-example.ipynb",
    commit="27d9fa6172ac68b95098d233c4e0e7fce3f100ec",
    smoke="none: the notebook trains one epoch on 100 synthetic rows",
    changes=(
        Change("import", "from sagemaker.serve.model_builder import ModelBuilder", "from helpers.platform import ModelBuilder"),
        Change("import", "from sagemaker.serve.builder.schema_builder import SchemaBuilder",
               "from helpers.platform import SchemaBuilder"),
        Change("import", "from sagemaker.serve.utils.types import ModelServer", "from helpers.platform import ModelServer"),
        Change("import", "from sagemaker.serve.spec.inference_spec import InferenceSpec",
               "from helpers.platform import InferenceSpec"),
        Change("import", "from sagemaker.train.model_trainer import ModelTrainer", "from helpers.platform import ModelTrainer"),
        Change("import", "from sagemaker.train.configs import SourceCode", "from helpers.platform import SourceCode"),
        Change("import", "from sagemaker.core.resources import EndpointConfig", "from helpers.platform import EndpointConfig"),
        Change("import", "from sagemaker.core.helper.session_helper import Session", "from helpers.platform import Session"),
    ),
)


def test_train_inference_e2e_notebook_runs_with_only_its_imports_changed(port_home):
    ns = run(PORT, port_home)
    prediction = ns["prediction"]  # the last of the test inputs: the trained softmax's two probabilities
    assert len(prediction) == 1 and len(prediction[0]) == 2 and abs(sum(prediction[0]) - 1) < 1e-5
    job = ns["model_trainer"].latest_training_job.describe()
    assert job["TrainingJobStatus"] == "Completed" and job["TrainingJobName"].startswith(ns["TRAINING_JOB_PREFIX"])
