# Code cells of aws/sagemaker-python-sdk v3-examples/training-examples/hyperparameter-training-example.ipynb
# at commit 290fdc2012f4a9e9cbecafe3402581ad7264389e (Apache-2.0, Amazon.com, Inc. or its affiliates),
# as published; the port's changes are declared in tests/ports/test_port_hyperparameter_files.py.
# %% cell 1
import os
import json
import yaml
import tempfile
import shutil

from sagemaker.train.model_trainer import ModelTrainer
from sagemaker.train.configs import SourceCode
from sagemaker.core.helper.session_helper import Session, get_execution_role
# %% cell 3
sagemaker_session = Session()
role = get_execution_role()

# Expected hyperparameters
EXPECTED_HYPERPARAMETERS = {
    "integer": 1,
    "boolean": True,
    "float": 3.14,
    "string": "Hello World",
    "list": [1, 2, 3],
    "dict": {
        "string": "value",
        "integer": 3,
        "float": 3.14,
        "list": [1, 2, 3],
        "dict": {"key": "value"},
        "boolean": True,
    },
}

DEFAULT_CPU_IMAGE = "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.0.0-cpu-py310"

# Create temporary directory
temp_dir = tempfile.mkdtemp()
source_dir = os.path.join(temp_dir, "source")
os.makedirs(source_dir, exist_ok=True)

print(f"Created temporary directory: {temp_dir}")
# %% cell 5
# Create JSON hyperparameters file
json_file = os.path.join(source_dir, "hyperparameters.json")
with open(json_file, 'w') as f:
    json.dump(EXPECTED_HYPERPARAMETERS, f, indent=2)

# Create YAML hyperparameters file
yaml_file = os.path.join(source_dir, "hyperparameters.yaml")
with open(yaml_file, 'w') as f:
    yaml.dump(EXPECTED_HYPERPARAMETERS, f, default_flow_style=False, indent=2)

print("Created hyperparameter files")
# %% cell 6
# Create training script that validates hyperparameters
training_script = '''
import argparse
import json
import os

EXPECTED_HYPERPARAMETERS = {
    "integer": 1,
    "boolean": True,
    "float": 3.14,
    "string": "Hello World",
    "list": [1, 2, 3],
    "dict": {
        "string": "value",
        "integer": 3,
        "float": 3.14,
        "list": [1, 2, 3],
        "dict": {"key": "value"},
        "boolean": True,
    },
}

def parse_args():
    parser = argparse.ArgumentParser(description="Test Hyperparameters")
    parser.add_argument("--string", type=str, required=True)
    parser.add_argument("--integer", type=int, required=True)
    parser.add_argument("--float", type=float, required=True)
    parser.add_argument("--boolean", type=lambda x: json.loads(x), required=True)
    parser.add_argument("--list", type=lambda x: json.loads(x), required=True)
    parser.add_argument("--dict", type=lambda x: json.loads(x), required=True)
    return parser.parse_args()

def main():
    args = parse_args()
    print(f"Received hyperparameters: {args}")

    # Validate hyperparameters
    assert args.string == EXPECTED_HYPERPARAMETERS["string"]
    assert args.integer == EXPECTED_HYPERPARAMETERS["integer"]
    assert args.boolean == EXPECTED_HYPERPARAMETERS["boolean"]
    assert args.float == EXPECTED_HYPERPARAMETERS["float"]
    assert args.list == EXPECTED_HYPERPARAMETERS["list"]
    assert args.dict == EXPECTED_HYPERPARAMETERS["dict"]

    # Validate environment variables
    params = json.loads(os.environ["SM_HPS"])
    print(f"SM_HPS: {params}")
    assert params == EXPECTED_HYPERPARAMETERS

    print("All hyperparameter validations passed!")
    
    # Save results
    model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    os.makedirs(model_dir, exist_ok=True)
    
    results = {"status": "success", "hyperparameters": params}
    with open(os.path.join(model_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)

if __name__ == "__main__":
    main()
'''

with open(os.path.join(source_dir, "train.py"), 'w') as f:
    f.write(training_script)

# Create requirements file
with open(os.path.join(source_dir, "requirements.txt"), 'w') as f:
    f.write("omegaconf\n")

print("Created training script and requirements")
# %% cell 8
source_code = SourceCode(
    source_dir=source_dir,
    requirements="requirements.txt",
    entry_script="train.py",
)

json_trainer = ModelTrainer(
    sagemaker_session=sagemaker_session,
    training_image=DEFAULT_CPU_IMAGE,
    hyperparameters=json_file,
    source_code=source_code,
    base_job_name="hp-contract-hyperparameter-json",
)

print("ModelTrainer created with JSON hyperparameters!")
print(f"Hyperparameters loaded: {json_trainer.hyperparameters}")

# Verify hyperparameters match expected values
assert json_trainer.hyperparameters == EXPECTED_HYPERPARAMETERS
print("✓ JSON hyperparameters match expected values!")
# %% cell 9
print("Starting training with JSON hyperparameters...")

json_trainer.train()
print(f"JSON hyperparameters training completed: {json_trainer._latest_training_job.training_job_name}")
# %% cell 11
yaml_trainer = ModelTrainer(
    sagemaker_session=sagemaker_session,
    training_image=DEFAULT_CPU_IMAGE,
    hyperparameters=yaml_file,
    source_code=source_code,
    base_job_name="hp-contract-hyperparameter-yaml",
)

print("ModelTrainer created with YAML hyperparameters!")
print(f"Hyperparameters loaded: {yaml_trainer.hyperparameters}")

# Verify hyperparameters match expected values
assert yaml_trainer.hyperparameters == EXPECTED_HYPERPARAMETERS
print("✓ YAML hyperparameters match expected values!")
# %% cell 12
print("Starting training with YAML hyperparameters...")

yaml_trainer.train()
print(f"YAML hyperparameters training completed: {yaml_trainer._latest_training_job.training_job_name}")
# %% cell 14
training_jobs = [
    ("JSON File", json_trainer),
    ("YAML File", yaml_trainer)
]

print("Training Job Comparison:")
print("=" * 40)

for approach_name, trainer in training_jobs:
    job_name = trainer._latest_training_job.training_job_name
    model_artifacts = trainer._latest_training_job.model_artifacts
    
    print(f"\n{approach_name}:")
    print(f"  Job Name: {job_name}")
    print(f"  Model Artifacts: {model_artifacts}")
    print(f"  Status: Completed")
    
    # Verify all hyperparameters are identical
    assert trainer.hyperparameters == EXPECTED_HYPERPARAMETERS

print("\n✓ All training jobs completed successfully with identical hyperparameters!")
# %% cell 16
try:
    shutil.rmtree(temp_dir)
    print(f"Cleaned up temporary directory: {temp_dir}")
except Exception as e:
    print(f"Could not clean up temp directory: {e}")

print("Cleanup completed!")
