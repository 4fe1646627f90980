"""Port: factorization machines on MNIST, RecordIO-protobuf training (aws/amazon-sagemaker-examples, SDK v1)."""

from __future__ import annotations

import numpy as np

from port_support import (MNIST_DOWNLOAD, SHELL_MATPLOTLIB, SHELL_TIME, SMAC, Port, mnist_sets, run, v2,
                          v2_imports)

PORT = Port(
    name="factorization_machines_mnist",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/factorization_machines_mnist/factorization_machines_mnist.ipynb",
    commit="011a30b0e7573fc6143cbbcb597ca5cd88ec5b4e",
    smoke="300 training and 100 test images instead of 50,000 and 10,000",
    changes=(
        *v2_imports(count_import_sagemaker=1, get_execution_role=False),
        SMAC,
        v2("from sagemaker.amazon.amazon_estimator import get_image_uri"),
        v2("from sagemaker.predictor import json_deserializer"),
        MNIST_DOWNLOAD, SHELL_TIME, SHELL_MATPLOTLIB,
    ),
)


def test_factorization_machines_mnist_notebook_runs(port_home):
    ns = run(PORT, port_home)
    _, _, (test_images, test_labels) = mnist_sets()
    predictions = ns["predictions"]
    assert predictions.shape == test_labels.shape and set(np.unique(predictions)) <= {0.0, 1.0}
    assert set(ns["result"]["predictions"][0]) == {"score", "predicted_label"}
