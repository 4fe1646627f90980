"""Port: k-NN classifier on covtype, RecordIO-protobuf train and test channels, boto3 S3 and control plane
(aws/amazon-sagemaker-examples, SDK v1/v2 mix). Part 1 of the notebook (cells 2-22); Part 2, the
hyperparameter deep-dive (eight more training jobs), is not ported."""

from __future__ import annotations

from port_support import V1, V2, Change, Port, run, v2_imports, v2_serializers

PORT = Port(
    name="k_nearest_neighbors_covtype",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/k_nearest_neighbors_covtype/k_nearest_neighbors_covtype.ipynb",
    commit="01cb3f5a9e0caed1aa644766b46547a4b8a9d477",
    smoke="2,000 rows instead of 581,012 (sample_size 1,000 instead of 200,000)",
    changes=(
        *v2_imports(count_import_sagemaker=2),
        *v2_serializers(),
        Change("import", "import sagemaker.amazon.common as smac", "import helpers.platform.recordio as smac"),
        Change("data", 's3.download_file(downloaded_data_bucket, f"{downloaded_data_prefix}/covtype.data.gz", "covtype.data.gz")',
               'import port_support; port_support.write_covtype_gz("covtype.data.gz")'),
        # the notebook keeps its data in /tmp/covtype; the port keeps it in its own working folder
        Change("shell", "!mkdir -p /tmp/covtype/raw\n!mv covtype.data.gz /tmp/covtype/raw/covtype.data.gz ",
               'os.makedirs("covtype/raw", exist_ok=True)\nos.replace("covtype.data.gz", "covtype/raw/covtype.data.gz")'),
        Change("data", 'data_dir = "/tmp/covtype/"', 'data_dir = "covtype/"'),
        Change("data", "import boto3\n# S3 bucket", "import boto3, os\n# S3 bucket"),
        Change("smoke", '"sample_size": 200000', '"sample_size": 1000'),
        Change("workaround", "from sagemaker.amazon.amazon_estimator import get_image_uri\n",
               "from helpers.platform.image_uris import retrieve\n", why=V1, what="get_image_uri"),
        Change("workaround", """    knn = sagemaker.estimator.Estimator(
        get_image_uri(boto3.Session().region_name, "knn"),
        get_execution_role(),
        train_instance_count=1,
        train_instance_type="ml.m5.2xlarge",
        output_path=output_path,
        sagemaker_session=sagemaker.Session(),
    )
    knn.set_hyperparameters(**hyperparams)
""", """    knn = sagemaker.ModelTrainer(
        training_image=retrieve("knn", boto3.Session().region_name),
        role=get_execution_role(),
        compute=sagemaker.Compute(instance_count=1, instance_type="ml.m5.2xlarge"),
        output_data_config=sagemaker.OutputDataConfig(s3_output_path=output_path),
        sagemaker_session=sagemaker.Session(),
        hyperparameters=hyperparams,
    )
""", why=V1, what="Estimator(train_instance_count=...), set_hyperparameters"),
        Change("workaround", "    knn.fit(fit_input)\n",
               "    knn.train(input_data_config=[sagemaker.InputData(channel_name=name, data_source=uri)\n"
               "                                 for name, uri in fit_input.items()])\n", why=V2, what="fit({channel: uri})"),
        Change("workaround", """    knn_predictor = knn_estimator.deploy(
        initial_instance_count=1, instance_type=instance_type, endpoint_name=endpoint_name
    )""", """    knn_predictor = sagemaker.ModelBuilder(model=knn_estimator, instance_type=instance_type).deploy(
        endpoint_name=endpoint_name
    )""", why=V2),
        Change("workaround", 'predictor.predict(batch, initial_args={"ContentType": "text/csv"})',
               'predictor.predict(batch, content_type="text/csv")', why=V2, what="Predictor.predict(initial_args=...)"),
        Change("workaround", "predictor.endpoint)", "predictor.endpoint_name)", why=V1),
        Change("workaround", "{predictor.endpoint}", "{predictor.endpoint_name}", why=V1, count=2),
    ),
)


def test_k_nearest_neighbors_covtype_part1_runs(port_home):
    ns = run(PORT, port_home)
    assert ns["predictions"].shape == ns["test_labels"].shape
    assert ns["accuracy"] > 0.5  # the cover type follows elevation bands: neighbours agree
    from helpers.platform import list_endpoints

    assert ns["endpoint_name"] not in [e["EndpointName"] for e in list_endpoints()]  # boto3 deleted it
