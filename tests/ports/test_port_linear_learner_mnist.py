"""Port: linear learner on MNIST, a training job then a tuning job whose best model is deployed
(aws/amazon-sagemaker-examples, SDK v2)."""

from __future__ import annotations

import numpy as np

from port_support import SHELL_MATPLOTLIB, SHELL_TIME, V2, Change, Port, mnist_sets, run, v2_imports, v2_serializers

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
        Change("import", "import sagemaker.amazon.common as smac", "import helpers.platform.recordio as smac"),
        Change("import", "from sagemaker import image_uris", "from helpers.platform import image_uris"),
        Change("import", "from sagemaker.tuner import IntegerParameter, ContinuousParameter\n"
               "from sagemaker.tuner import HyperparameterTuner",
               "from helpers.platform import IntegerParameter, ContinuousParameter\n"
               "from helpers.platform import HyperparameterTuner"),
        Change("data", 's3.download_file(downloaded_data_bucket, f"{downloaded_data_prefix}/mnist.pkl.gz", "mnist.pkl.gz")',
               'import port_support; port_support.write_mnist_pkl_gz("mnist.pkl.gz")'),
        SHELL_TIME, SHELL_MATPLOTLIB,
        Change("smoke", "max_jobs = 6", "max_jobs = 2"),
        Change("workaround", """linear = sagemaker.estimator.Estimator(
    container,
    role,
    instance_count=1,
    instance_type="ml.c4.xlarge",
    output_path=output_location,
    sagemaker_session=sess,
)
linear.set_hyperparameters(feature_dim=784, predictor_type="binary_classifier", mini_batch_size=200)

linear.fit({"train": s3_train_data})""", """linear = sagemaker.ModelTrainer(
    training_image=container,
    role=role,
    compute=sagemaker.Compute(instance_count=1, instance_type="ml.c4.xlarge"),
    output_data_config=sagemaker.OutputDataConfig(s3_output_path=output_location),
    sagemaker_session=sess,
    hyperparameters=dict(feature_dim=784, predictor_type="binary_classifier", mini_batch_size=200),
)

linear.train(input_data_config=[sagemaker.InputData(channel_name="train", data_source=s3_train_data)])""",
               why=V2, what="Estimator, set_hyperparameters, fit"),
        Change("workaround", "hp_tuner.fit(inputs=", "hp_tuner.tune(inputs=", why=V2, what="tuner.fit"),
        Change("workaround", 'linear_predictor = hp_tuner.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge")',
               'linear_predictor = sagemaker.ModelBuilder(model=hp_tuner.best_training_job(), '
               'instance_type="ml.m4.xlarge").deploy()', why=V2, what="tuner.deploy (deploys the best job)"),
        Change("workaround", 'linear_predictor.predict(train_set[0][30:31], initial_args={"ContentType": "text/csv"})',
               'linear_predictor.predict(train_set[0][30:31], content_type="text/csv")',
               why=V2, what="Predictor.predict(initial_args=...)"),
        Change("workaround", "linear_predictor.delete_model()\nlinear_predictor.delete_endpoint()",
               "linear_predictor.delete()", why=V2, what="Predictor.delete_model/delete_endpoint"),
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
