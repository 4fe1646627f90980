"""Port: k-means on MNIST through the SDK's high-level KMeans class (aws/amazon-sagemaker-examples, SDK v1)."""

from __future__ import annotations

from port_support import MNIST_DOWNLOAD, SHELL_MATPLOTLIB, Change, Port, mnist_sets, run, v2, v2_imports

PORT = Port(
    name="kmeans_mnist",
    repo="aws/amazon-sagemaker-examples",
    path="sagemaker-python-sdk/1P_kmeans_highlevel/kmeans_mnist.ipynb",
    commit="07653c625e580ee7679e5186ac4f27e3c1cc9d5f",
    smoke="300 training and 100 validation images instead of 50,000 and 10,000",
    changes=(
        *v2_imports(count_import_sagemaker=1),
        v2("from sagemaker.session import Session"),
        v2("from sagemaker import KMeans"),
        MNIST_DOWNLOAD, SHELL_MATPLOTLIB,
        Change("shell", "%%time\n", "", count=3),
        Change("shell", "%%time \n", ""),
    ),
)


def test_kmeans_mnist_notebook_runs(port_home):
    ns = run(PORT, port_home)
    _, (valid_images, _), _ = mnist_sets()
    clusters = ns["clusters"]
    assert len(clusters) == 100 and all(0 <= c < 10 for c in clusters)
    assert set(ns["result"][0].label) == {"closest_cluster", "distance_to_cluster"}
