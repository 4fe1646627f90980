"""Port: PCA on MNIST with RecordIO-protobuf training data (aws/amazon-sagemaker-examples, SDK v2)."""

from __future__ import annotations

import numpy as np

from port_support import SHELL_MATPLOTLIB, SMAC, Change, Port, mnist_sets, run, v2, v2_imports, v2_serializers

PORT = Port(
    name="pca_mnist",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/pca_mnist/pca_mnist.ipynb",
    commit="020cbf312366e986ece37ffe48c5336cb991779f",
    smoke="300 training images instead of 50,000 (so feature_dim 300: the notebook transposes the set)",
    changes=(
        *v2_imports(count_import_sagemaker=3),
        *v2_serializers(),
        SMAC,
        v2("from sagemaker.image_uris import retrieve"),
        Change("data", 's3.download_file(downloaded_data_bucket, f"{downloaded_data_prefix}/mnist.pkl.gz", "mnist.pkl.gz")',
               'import port_support; port_support.write_mnist_pkl_gz("mnist.pkl.gz")'),
        Change("shell", "%%time\n", "", count=2),
        SHELL_MATPLOTLIB,
        Change("smoke", "feature_dim=50000", "feature_dim=300"),
    ),
)


def test_pca_mnist_notebook_runs(port_home):
    ns = run(PORT, port_home)
    (images, _), _, _ = mnist_sets()
    eigendigits = ns["eigendigits"]
    assert eigendigits.shape == (10, images.shape[1])  # 10 components, one value per pixel
    assert np.isfinite(eigendigits).all() and len(ns["result"]["projections"]) >= 1
