"""Port: SDK v3 batch transform of a shipped XGBoost model (aws/sagemaker-python-sdk v3-examples)."""

from __future__ import annotations

import numpy as np

from port_support import Change, Port, run

PORT = Port(
    name="transform_job",
    repo="aws/sagemaker-python-sdk",
    path="v3-examples/ml-ops-examples/v3-transform-job-example.ipynb",
    commit="3203e4996219799e7fcad214c7925ffd8594da1f",
    smoke="validation.csv has 30 rows instead of the churn set's 333; the model has 5 trees",
    changes=(
        Change("import", "from sagemaker.core.helper.session_helper import get_execution_role, Session",
               "from helpers.platform import get_execution_role, Session"),
        Change("import", "from sagemaker.core.transformer import Transformer", "from helpers.platform import Transformer"),
        Change("import", "from sagemaker.serve.model_builder import ModelBuilder", "from helpers.platform import ModelBuilder"),
        Change("import", "from sagemaker.core.image_uris import retrieve", "from helpers.platform.image_uris import retrieve"),
        # The notebook ships data/ next to it; the port writes files of the same format there.
        Change("data", 'model_file_name = "xgb-churn-prediction-model.tar.gz"\n',
               'model_file_name = "xgb-churn-prediction-model.tar.gz"\n'
               'import port_support; port_support.write_xgboost_pickle_model(f"data/{model_file_name}")\n'),
        Change("data", "# Dataset used to get predictions\n",
               '# Dataset used to get predictions\nport_support.write_churn_validation("data/validation.csv")\n'),
        # IPython runs `!aws ...` in a shell; a script runs the same copy with boto3 (what the CLI calls).
        Change("shell", "!aws s3 cp data/{model_file_name} s3://{bucket}/{prefix}/{model_file_name}",
               'boto3.client("s3").upload_file(f"data/{model_file_name}", bucket, f"{prefix}/{model_file_name}")'),
        Change("shell", "!aws s3 cp data/validation.csv s3://{bucket}/{prefix}/transform_input/validation/validation.csv",
               'boto3.client("s3").upload_file("data/validation.csv", bucket, '
               'f"{prefix}/transform_input/validation/validation.csv")'),
    ),
)


def test_transform_job_notebook_runs_with_only_imports_and_data_changed(port_home):
    ns = run(PORT, port_home)
    out = ns["transformer"].output_path
    assert out == ns["transform_output_path"]
    from helpers.platform import storage

    scores = np.loadtxt(storage.s3_to_path(f"{out}/validation.csv.out"), delimiter=",")
    rows = np.loadtxt(port_home / "data" / "validation.csv", delimiter=",")
    assert scores.shape == (len(rows),) and ((scores >= 0) & (scores <= 1)).all()
