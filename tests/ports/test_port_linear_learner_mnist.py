"""Port: linear learner on MNIST, a training job then a tuning job whose best model is deployed
(aws/amazon-sagemaker-examples, SDK v2)."""

from __future__ import annotations

import numpy as np

from port_support import (SHELL_MATPLOTLIB, SHELL_TIME, SMAC, Change, Port, mnist_sets, run, v2, v2_imports,
                          v2_serializers)

PORT = Port(
    name="linear_learner_mnist",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/linear_learner_mnist/linear_learner_mnist.ipynb",
    commit="020cbf312366e986ece37ffe48c5336cb991779f",
    smoke="300 training, 100 validation and 100 test images instead of 50,000/10,000/10,000; 2 tuning trials "
          "instead of 6",
    changes=(
        Change("shell", "! pip install --upgrade sagemaker\n", "# the kit's environment is installed from its lock\n"),
        *v2_imports(count_import_sagemaker=2),
        *v2_serializers(),
        SMAC,
        v2("from sagemaker import image_uris"),
        v2("from sagemaker.tuner import IntegerParameter, ContinuousParameter"),
        v2("from sagemaker.tuner import HyperparameterTuner"),
        Change("data", 's3.download_file(downloaded_data_bucket, f"{downloaded_data_prefix}/mnist.pkl.gz", "mnist.pkl.gz")',
               'import port_support; port_support.write_mnist_pkl_gz("mnist.pkl.gz")'),
        SHELL_TIME, SHELL_MATPLOTLIB,
        Change("smoke", "max_jobs = 6", "max_jobs = 2"),
    ),
)


def test_linear_learner_mnist_notebook_runs(port_home):
    ns = run(PORT, port_home)
    _, _, (_, test_labels) = mnist_sets()
    predictions = ns["predictions"]
    assert predictions.shape == test_labels.shape and set(np.unique(predictions)) <= {0, 1}
    # the digit-0 prototype is easy to tell apart: the best tuned model is better than always "not 0"
    accuracy = (predictions == np.where(test_labels == 0, 1, 0)).mean()
    assert accuracy > 1 - (test_labels == 0).mean()
