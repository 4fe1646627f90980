"""Port: SDK v3 script-mode training with hyperparameters read from a JSON and a YAML file, checked by
the training script itself through its arguments and SM_HPS (aws/sagemaker-python-sdk v3-examples)."""

from __future__ import annotations

from port_support import Change, Port, run

PORT = Port(
    name="hyperparameter_files",
    repo="aws/sagemaker-python-sdk",
    path="v3-examples/training-examples/hyperparameter-training-example.ipynb",
    commit="290fdc2012f4a9e9cbecafe3402581ad7264389e",
    smoke="none: two one-step training jobs",
    changes=(
        Change("import", "from sagemaker.train.model_trainer import ModelTrainer", "from helpers.platform import ModelTrainer"),
        Change("import", "from sagemaker.train.configs import SourceCode", "from helpers.platform import SourceCode"),
        Change("import", "from sagemaker.core.helper.session_helper import Session, get_execution_role",
               "from helpers.platform import Session, get_execution_role"),
    ),
)


def test_hyperparameter_files_notebook_runs_with_only_its_imports_changed(port_home):
    ns = run(PORT, port_home)
    from helpers.platform import describe_training_job

    for trainer in (ns["json_trainer"], ns["yaml_trainer"]):  # the script's own asserts passed: jobs completed
        job = describe_training_job(trainer.latest_training_job.training_job_name)
        assert job["TrainingJobStatus"] == "Completed"
