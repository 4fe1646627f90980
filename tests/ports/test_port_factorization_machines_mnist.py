"""Port: factorization machines on MNIST, RecordIO-protobuf training (aws/amazon-sagemaker-examples, SDK v1)."""

from __future__ import annotations

import numpy as np

from port_support import (MNIST_DOWNLOAD, SHELL_MATPLOTLIB, SHELL_TIME, V1, V2, Change, Port, mnist_sets, run,
                          v2_imports)

PORT = Port(
    name="factorization_machines_mnist",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/factorization_machines_mnist/factorization_machines_mnist.ipynb",
    commit="011a30b0e7573fc6143cbbcb597ca5cd88ec5b4e",
    smoke="300 training and 100 test images instead of 50,000 and 10,000",
    changes=(
        *v2_imports(count_import_sagemaker=1, get_execution_role=False),
        Change("import", "import sagemaker.amazon.common as smac", "import helpers.platform.recordio as smac"),
        MNIST_DOWNLOAD, SHELL_TIME, SHELL_MATPLOTLIB,
        Change("workaround", """from sagemaker.amazon.amazon_estimator import get_image_uri

container = get_image_uri(boto3.Session().region_name, 'factorization-machines')""",
               """from helpers.platform.image_uris import retrieve

container = retrieve('factorization-machines', boto3.Session().region_name)""", why=V1),
        Change("workaround", """fm = sagemaker.estimator.Estimator(container,
                                   role, 
                                   train_instance_count=1, 
                                   train_instance_type='ml.c4.xlarge',
                                   output_path=output_location,
                                   sagemaker_session=sagemaker_session)

fm.set_hyperparameters(feature_dim=784,""", """fm = sagemaker.ModelTrainer(training_image=container,
                                   role=role,
                                   compute=sagemaker.Compute(instance_count=1, instance_type='ml.c4.xlarge'),
                                   output_data_config=sagemaker.OutputDataConfig(s3_output_path=output_location),
                                   sagemaker_session=sagemaker_session,
                                   hyperparameters=dict(feature_dim=784,""", why=V2),
        Change("workaround", """                      num_factors=10)

fm.fit({'train': s3_train_data})""", """                      num_factors=10))

fm.train(input_data_config=[sagemaker.InputData(channel_name='train', data_source=s3_train_data)])""", why=V2),
        Change("workaround", "fm_predictor = fm.deploy(initial_instance_count=1, instance_type='ml.m4.xlarge')",
               "fm_predictor = sagemaker.ModelBuilder(model=fm, instance_type='ml.m4.xlarge').deploy()", why=V2),
        Change("workaround", "from sagemaker.predictor import json_deserializer\n",
               "json_deserializer = None  # v1's function; the kit's predict parses JSON answers itself\n", why=V1),
        Change("workaround", "fm_predictor.deserializer = json_deserializer",
               "fm_predictor.predict = lambda data: json.loads(fm_predictor.invoke(\n"
               "    body=fm_serializer(data), content_type=fm_predictor.content_type).body.read())",
               why=V2, what="a v2 Predictor sends through its serializer attribute; Endpoint.predict sends CSV"),
        Change("workaround", "delete_endpoint(fm_predictor.endpoint)", "delete_endpoint(fm_predictor.endpoint_name)",
               why=V1),
    ),
)


def test_factorization_machines_mnist_notebook_runs(port_home):
    ns = run(PORT, port_home)
    _, _, (test_images, test_labels) = mnist_sets()
    predictions = ns["predictions"]
    assert predictions.shape == test_labels.shape and set(np.unique(predictions)) <= {0.0, 1.0}
    assert set(ns["result"]["predictions"][0]) == {"score", "predicted_label"}
