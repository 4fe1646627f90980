"""Port: k-means on MNIST through the SDK's high-level KMeans class (aws/amazon-sagemaker-examples, SDK v1)."""

from __future__ import annotations

from port_support import MNIST_DOWNLOAD, SHELL_MATPLOTLIB, V1, V2, Change, Port, mnist_sets, run, v2_imports

PORT = Port(
    name="kmeans_mnist",
    repo="aws/amazon-sagemaker-examples",
    path="sagemaker-python-sdk/1P_kmeans_highlevel/kmeans_mnist.ipynb",
    commit="07653c625e580ee7679e5186ac4f27e3c1cc9d5f",
    smoke="300 training and 100 validation images instead of 50,000 and 10,000",
    changes=(
        *v2_imports(count_import_sagemaker=1),
        Change("import", "from sagemaker.session import Session", "from helpers.platform import Session"),
        MNIST_DOWNLOAD, SHELL_MATPLOTLIB,
        Change("shell", "%%time\n", "", count=3),
        Change("shell", "%%time \n", ""),
        # SDK v2's KMeans = a ModelTrainer on the kmeans image whose record_set() writes RecordIO to S3.
        Change("workaround", """from sagemaker import KMeans
""", """import io
import helpers.platform as sagemaker
import helpers.platform.recordio as smac
""", why=V2, what="the first-party estimator classes (sagemaker.KMeans, record_set)"),
        Change("workaround", """kmeans = KMeans(role=role,
                train_instance_count=2,
                train_instance_type='ml.c4.8xlarge',
                output_path=output_location,
                k=10,
                data_location=data_location)""", """kmeans = sagemaker.ModelTrainer(
    training_image=sagemaker.image_uris.retrieve('kmeans', Session().boto_region_name),
    role=role,
    compute=sagemaker.Compute(instance_count=2, instance_type='ml.c4.8xlarge'),
    output_data_config=sagemaker.OutputDataConfig(s3_output_path=output_location),
    hyperparameters={'k': 10, 'feature_dim': train_set[0].shape[1]})""", why=V1, what="KMeans(train_instance_count=...)"),
        Change("workaround", "kmeans.fit(kmeans.record_set(train_set[0]))", """with open('train.pbr', 'wb') as buf:
    smac.write_numpy_to_dense_tensor(buf, train_set[0])
sagemaker.Session().upload_data('train.pbr', bucket, 'kmeans_highlevel_example/data')
kmeans.train(input_data_config=[sagemaker.InputData(channel_name='train', data_source=data_location)])""",
               why=V2, what="record_set"),
        Change("workaround", """kmeans_predictor = kmeans.deploy(initial_instance_count=1,
                                 instance_type='ml.m4.xlarge')""",
               "kmeans_predictor = sagemaker.ModelBuilder(model=kmeans, instance_type='ml.m4.xlarge').deploy()", why=V2),
        Change("workaround", "result = kmeans_predictor.predict(valid_set[0][0:100])\n",
               "result = smac.read_records(io.BytesIO(kmeans_predictor.invoke(\n"
               "    body=smac_body(valid_set[0][0:100]), content_type='application/x-recordio-protobuf',\n"
               "    accept='application/x-recordio-protobuf').body.read()))\n",
               why=V2, what="KMeansPredictor sends and reads RecordIO-protobuf; Endpoint.predict sends CSV, reads JSON"),
        Change("workaround", "print(kmeans_predictor.endpoint)", "print(kmeans_predictor.endpoint_name)", why=V2),
        Change("workaround", "delete_endpoint(kmeans_predictor.endpoint)",
               "delete_endpoint(kmeans_predictor.endpoint_name)", why=V2),
        Change("workaround", "show_digit(train_set[0][30], 'This is a {}'.format(train_set[1][30]))\n",
               "show_digit(train_set[0][30], 'This is a {}'.format(train_set[1][30]))\n\n\n"
               "def smac_body(rows):\n    buf = io.BytesIO()\n    smac.write_numpy_to_dense_tensor(buf, rows)\n"
               "    return buf.getvalue()\n", why=V2, what="RecordSerializer (the helper the predictor change uses)"),
    ),
)


def test_kmeans_mnist_notebook_runs(port_home):
    ns = run(PORT, port_home)
    _, (valid_images, _), _ = mnist_sets()
    clusters = ns["clusters"]
    assert len(clusters) == 100 and all(0 <= c < 10 for c in clusters)
    assert set(ns["result"][0].label) == {"closest_cluster", "distance_to_cluster"}
