"""Port: random cut forest on NYC taxi ridership (aws/amazon-sagemaker-examples, SDK v1)."""

from __future__ import annotations

import numpy as np

from port_support import (LIBS, PANDAS, SHELL_MATPLOTLIB, SHELL_TIME, V1, V2, Change, Port, run, v2_imports)

ESTIMATOR = """rcf = RandomCutForest(role=execution_role,
                      train_instance_count=1,
                      train_instance_type='ml.m4.xlarge',
                      data_location='s3://{{}}/{{}}/'.format(bucket, {prefix}),
                      output_path='s3://{{}}/{{}}/output'.format(bucket, {prefix}),
                      num_samples_per_tree=512,
                      num_trees=50)

# automatically upload the training data to S3 and run the training job
rcf.fit(rcf.record_set({data}))"""

TRAINER = """rcf = sagemaker.ModelTrainer(
    training_image=sagemaker.image_uris.retrieve('randomcutforest', session.boto_region_name),
    role=execution_role,
    compute=sagemaker.Compute(instance_count=1, instance_type='ml.m4.xlarge'),
    output_data_config=sagemaker.OutputDataConfig(s3_output_path='s3://{{}}/{{}}/output'.format(bucket, {prefix})),
    hyperparameters={{'num_samples_per_tree': 512, 'num_trees': 50, 'feature_dim': {data}.shape[1]}})

# record_set(): the data as RecordIO-protobuf under data_location, then fit() on it
with open('train.pbr', 'wb') as f:
    smac.write_numpy_to_dense_tensor(f, {data}.astype('float32'))
data_location = session.upload_data('train.pbr', bucket, {prefix})
rcf.train(input_data_config=[sagemaker.InputData(channel_name='train', data_source=data_location)])"""

DEPLOY = """rcf_inference = rcf.deploy(
    initial_instance_count=1,
    instance_type='ml.m4.xlarge',
)"""

PORT = Port(
    name="random_cut_forest",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/random_cut_forest/random_cut_forest.ipynb",
    commit="49a1237e89ef4804007b83c75921448e3ed263e2",
    smoke="6,600 half-hours instead of NAB's 10,320 (the rows the notebook zooms into are kept); 128 samples per "
          "tree instead of 512 (50 trees: SageMaker's minimum)",
    changes=(
        *v2_imports(count_import_sagemaker=1, get_execution_role=False),
        Change("data", "bucket = ''   # <--- specify a bucket you have access to",
               "bucket = sagemaker.Session().default_bucket()   # <--- the cell asks for a bucket you have"),
        Change("data", "urllib.request.urlretrieve(data_source, data_filename)",
               "import port_support; port_support.write_nyc_taxi_csv(data_filename)"),
        SHELL_TIME, SHELL_MATPLOTLIB,
        Change("workaround", "from sagemaker import RandomCutForest\n", "import helpers.platform.recordio as smac\n",
               why=V2, what="the first-party estimator classes (sagemaker.RandomCutForest, record_set)"),
        Change("workaround", "taxi_data.value.as_matrix().reshape(-1,1)", "taxi_data.value.to_numpy().reshape(-1,1)",
               why=LIBS, what=PANDAS, count=2),
        Change("workaround", ESTIMATOR.format(prefix="prefix", data="taxi_data.value.to_numpy().reshape(-1,1)"),
               TRAINER.format(prefix="prefix", data="taxi_data.value.to_numpy().reshape(-1,1)"),
               why=V1, what="RandomCutForest(train_instance_count=...), record_set"),
        Change("workaround", ESTIMATOR.format(prefix="prefix_shingled", data="taxi_data_shingled"),
               TRAINER.format(prefix="prefix_shingled", data="taxi_data_shingled"),
               why=V1, what="RandomCutForest(train_instance_count=...), record_set"),
        Change("smoke", "'num_samples_per_tree': 512", "'num_samples_per_tree': 128", count=2),
        Change("workaround", "rcf.latest_training_job.job_name", "rcf.latest_training_job.training_job_name",
               why=V2, what="_TrainingJob.job_name"),
        Change("workaround", DEPLOY, "rcf_inference = sagemaker.ModelBuilder(model=rcf, instance_type='ml.m4.xlarge').deploy()",
               why=V2, count=2),
        Change("workaround", "rcf_inference.endpoint)", "rcf_inference.endpoint_name)", why=V1, count=3),
        Change("workaround", "from sagemaker.predictor import csv_serializer, json_deserializer\n",
               "csv_serializer = json_deserializer = None  # v1's functions; the kit's predict sends CSV, parses JSON\n",
               why=V1, count=2),
    ),
)


def test_random_cut_forest_notebook_runs(port_home):
    ns = run(PORT, port_home)
    taxi = ns["taxi_data"]
    assert len(taxi["score"]) == len(taxi) and taxi["score"].notna().all()
    scores = ns["scores"]  # the shingled model's: one per 48-half-hour window
    assert len(scores) == len(taxi) - ns["shingle_size"] and np.isfinite(scores).all()
    # the spike the data holds around row 5960 is among the anomalies of the first model
    assert ns["score_cutoff"] > ns["scores"].mean()
