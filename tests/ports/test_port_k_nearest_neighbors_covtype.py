"""Port: k-NN classifier on covtype, RecordIO-protobuf train and test channels, boto3 S3 and control plane
(aws/amazon-sagemaker-examples, SDK v1/v2 mix). Part 1 of the notebook (cells 2-22); Part 2, the
hyperparameter deep-dive (eight more training jobs), is not ported."""

from __future__ import annotations

from port_support import SMAC, Change, Port, run, v2, v2_imports, v2_serializers

PORT = Port(
    name="k_nearest_neighbors_covtype",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/k_nearest_neighbors_covtype/k_nearest_neighbors_covtype.ipynb",
    commit="01cb3f5a9e0caed1aa644766b46547a4b8a9d477",
    smoke="2,000 rows instead of 581,012 (sample_size 1,000 instead of 200,000)",
    changes=(
        *v2_imports(count_import_sagemaker=2),
        *v2_serializers(),
        SMAC,
        v2("from sagemaker.amazon.amazon_estimator import get_image_uri"),
        Change("data", 's3.download_file(downloaded_data_bucket, f"{downloaded_data_prefix}/covtype.data.gz", "covtype.data.gz")',
               'import port_support; port_support.write_covtype_gz("covtype.data.gz")'),
        # the notebook keeps its data in /tmp/covtype; the port keeps it in its own working folder
        Change("shell", "!mkdir -p /tmp/covtype/raw\n!mv covtype.data.gz /tmp/covtype/raw/covtype.data.gz ",
               'os.makedirs("covtype/raw", exist_ok=True)\nos.replace("covtype.data.gz", "covtype/raw/covtype.data.gz")'),
        Change("data", 'data_dir = "/tmp/covtype/"', 'data_dir = "covtype/"'),
        Change("data", "import boto3\n# S3 bucket", "import boto3, os\n# S3 bucket"),
        Change("smoke", '"sample_size": 200000', '"sample_size": 1000'),
    ),
)


def test_k_nearest_neighbors_covtype_part1_runs(port_home):
    ns = run(PORT, port_home)
    assert ns["predictions"].shape == ns["test_labels"].shape
    assert ns["accuracy"] > 0.5  # the cover type follows elevation bands: neighbours agree
    from helpers.platform import list_endpoints

    assert ns["endpoint_name"] not in [e["EndpointName"] for e in list_endpoints()]  # boto3 deleted it
