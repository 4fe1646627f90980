"""SDK v2's script-mode estimators on the kit (helpers.platform.v2.sklearn): SKLearn fit runs the script with
its hyperparameters as arguments, deploy serves its model.joblib and the SKLearnPredictor round-trips numpy."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from serving_support import module_store

TRAIN_SCRIPT = textwrap.dedent('''
    import argparse, os
    import joblib, numpy as np
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float)
    parser.add_argument("--solver", type=str)
    args = parser.parse_args()
    rows = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), delimiter=",")
    model = LogisticRegression(C=args.C, solver=args.solver).fit(rows[:, 1:], rows[:, 0])
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
    print(f"C={args.C} solver={args.solver}")
''')


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """(folder with src/train.py, s3 prefix of a separable CSV training set, features)."""
    from helpers.platform.v2 import Session

    with module_store(tmp_path_factory, "v2-frameworks-home") as folder:
        (folder / "src").mkdir()
        (folder / "src" / "train.py").write_text(TRAIN_SCRIPT)
        rng = np.random.default_rng(2)
        features = rng.normal(size=(80, 2))
        rows = np.column_stack([(features[:, 0] > features[:, 1]).astype(int), features])
        np.savetxt(folder / "train.csv", rows, delimiter=",", fmt="%.5f")
        uri = Session().upload_data(str(folder / "train.csv"), key_prefix="sk/train").rsplit("/", 1)[0]
        yield folder, uri, features


def sklearn(folder, **extra):
    from helpers.platform.v2.sklearn import SKLearn

    return SKLearn(entry_point="train.py", source_dir=str(folder / "src"), framework_version="1.2-1",
                   instance_type="ml.m5.large", role="arn:aws:iam::000000000000:role/r", **extra)


def test_sklearn_fits_deploys_and_predicts_numpy(workspace):
    from helpers.platform import list_endpoints
    from helpers.platform.v2.sklearn import SKLearnPredictor

    folder, uri, features = workspace
    estimator = sklearn(folder, hyperparameters={"C": 0.5, "solver": "lbfgs"})
    estimator.fit({"train": uri})
    described = estimator.latest_training_job.describe()
    assert described["AlgorithmSpecification"]["TrainingImage"].endswith("sagemaker-scikit-learn:1.2-1-cpu-py3")
    assert described["HyperParameters"] == {"C": "0.5", "solver": "lbfgs"}  # strings as they are, numbers as JSON
    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    try:
        assert isinstance(predictor, SKLearnPredictor)
        assert predictor.endpoint_name == estimator.latest_training_job.name  # SDK v2's default name
        predicted = predictor.predict(features[:10])
        assert isinstance(predicted, np.ndarray) and predicted.shape == (10,)
        assert (predicted == (features[:10, 0] > features[:10, 1])).mean() >= 0.8
    finally:
        with pytest.warns(DeprecationWarning, match="predictor.delete_endpoint"):
            estimator.delete_endpoint()  # SDK v1's call
    assert predictor.endpoint_name not in [e["EndpointName"] for e in list_endpoints()]


def test_sklearn_refuses_what_sdk_v2_refuses(workspace):
    from helpers.platform.v2.sklearn import SKLearn

    folder, _, _ = workspace
    with pytest.raises(ValueError, match="framework_version"):
        SKLearn(entry_point="train.py", source_dir=str(folder / "src"), instance_type="ml.m5.large", role="r")
    with pytest.raises(ValueError, match="one instance"):
        sklearn(folder, instance_count=2)
    with pytest.raises(ValueError, match="entry_script"):  # the kit's check, before any job
        SKLearn(entry_point="missing.py", source_dir=str(folder / "src"), framework_version="1.2-1",
                instance_type="ml.m5.large", role="r").fit({"train": workspace[1]})


def test_pytorch_runs_its_script_on_the_pytorch_image(workspace):
    """The script imports no torch: what is checked is the v2 mapping (image, script, hyperparameters)."""
    from helpers.platform.v2.pytorch import PyTorch

    folder, uri, _ = workspace
    (folder / "src" / "torch_train.py").write_text(
        "import os, sys\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'args.txt'), 'w').write(' '.join(sys.argv[1:]))\n")
    estimator = PyTorch(entry_point="torch_train.py", source_dir=str(folder / "src"), framework_version="2.1",
                        py_version="py310", instance_count=1, instance_type="ml.m5.large", role="r",
                        hyperparameters={"epochs": 2, "lr": 0.01})
    estimator.fit({"training": uri}, logs=False)
    described = estimator.latest_training_job.describe()
    assert described["AlgorithmSpecification"]["TrainingImage"].endswith("pytorch-training:2.1-cpu-py310")
    assert described["HyperParameters"] == {"epochs": "2", "lr": "0.01"}
    with pytest.raises(ValueError, match="py_version"):
        PyTorch(entry_point="torch_train.py", framework_version="2.1", instance_count=1, instance_type="ml.m5.large",
                role="r")
