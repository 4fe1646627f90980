"""Port: XGBoost regression on abalone through plain boto3 only (aws/amazon-sagemaker-examples, SDK v1):
libsvm files uploaded with boto3's S3 resource, the control plane's create/describe calls, and
predictions through a ``runtime.sagemaker`` client with ``text/x-libsvm``."""

from __future__ import annotations

import numpy as np

from port_support import CONTROL_PLANE, V1, Change, Port, run

LEGACY_XGBOOST = ("the legacy XGBoost 0.72 image (get_image_uri's 'xgboost', xgboost:latest) takes hyperparameters "
                  "1.x dropped; the kit checks every XGBoost image against the 1.x list; not in issue 21")
HTTPS_S3 = ("https S3 URLs where SageMaker takes them (CreateTrainingJob's S3Uri and S3OutputPath match "
            "^(https|s3)://): issue 21 item 3 made the kit take them as model URLs only")

PORT = Port(
    name="xgboost_abalone",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/xgboost_abalone/xgboost_abalone.ipynb",
    commit="03fd65d949fb4d6ea309a21b393d5ffcfbfb1154",
    smoke="400 shells instead of 4,177; 10 boosting rounds instead of 50",
    changes=(
        Change("import", "from sagemaker import get_execution_role", "from helpers.platform import get_execution_role"),
        Change("data", "bucket='<bucket-name>' # put your s3 bucket name here, and create s3 bucket",
               "import helpers.platform; bucket=helpers.platform.Session().default_bucket() # the cell asks for yours"),
        Change("data", 'urllib.request.urlretrieve("https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/regression/abalone", FILE_DATA)',
               "import port_support; port_support.write_abalone_libsvm(FILE_DATA)"),
        Change("shell", "%%time\n", "", count=8),
        Change("shell", "!head -1 abalone.test > abalone.single.test",
               "open('abalone.single.test', 'w').write(open('abalone.test').readline())"),
        Change("smoke", '"num_round":"50"', '"num_round":"10"'),
        Change("workaround", "from sagemaker.amazon.amazon_estimator import get_image_uri\ncontainer = get_image_uri(region, 'xgboost')",
               "from helpers.platform.image_uris import retrieve\ncontainer = retrieve('xgboost', region, 'latest')",
               why=V1, what="get_image_uri"),
        Change("workaround", "bucket_path = 'https://s3-{}.amazonaws.com/{}'.format(region,bucket)",
               "bucket_path = 's3://{}'.format(bucket)", why=HTTPS_S3,
               what="https://s3-<region>.amazonaws.com/<bucket> as training S3Uri and S3OutputPath"),
        Change("workaround", '        "silent":"0",\n', "", why=LEGACY_XGBOOST, what="silent"),
        Change("workaround", '"objective":"reg:linear"', '"objective":"reg:squarederror"', why=LEGACY_XGBOOST,
               what="reg:linear"),
        Change("workaround", "client.create_training_job(**create_training_params)",
               "job_name = port_support.create_training_job(create_training_params)",
               why=CONTROL_PLANE, what="CreateTrainingJob"),
        Change("workaround", """create_model_response = client.create_model(
    ModelName = model_name,
    ExecutionRoleArn = role,
    PrimaryContainer = primary_container)""", """create_model_response = {'ModelArn': helpers.platform.ModelBuilder(
    image_uri = container,
    s3_model_data_url = model_data,
    role_arn = role).build(model_name=model_name).model_arn}""", why=CONTROL_PLANE, what="CreateModel"),
        Change("workaround", """create_endpoint_config_response = client.create_endpoint_config(
    EndpointConfigName = endpoint_config_name,
    ProductionVariants=[{
        'InstanceType':'ml.m4.xlarge',
        'InitialVariantWeight':1,
        'InitialInstanceCount':1,
        'ModelName':model_name,
        'VariantName':'AllTraffic'}])""", """create_endpoint_config_response = {'EndpointConfigArn': helpers.platform.EndpointConfig.create(
    endpoint_config_name = endpoint_config_name,
    production_variants=[helpers.platform.ProductionVariant(
        instance_type='ml.m4.xlarge',
        initial_variant_weight=1,
        initial_instance_count=1,
        model_name=model_name,
        variant_name='AllTraffic')]).endpoint_config_arn}""", why=CONTROL_PLANE, what="CreateEndpointConfig"),
        Change("workaround", """create_endpoint_response = client.create_endpoint(
    EndpointName=endpoint_name,
    EndpointConfigName=endpoint_config_name)""", """create_endpoint_response = {'EndpointArn': helpers.platform.Endpoint.create(
    endpoint_name=endpoint_name,
    endpoint_config_name=endpoint_config_name).endpoint_arn}""", why=CONTROL_PLANE, what="CreateEndpoint"),
    ),
)


def test_xgboost_abalone_notebook_runs_on_plain_boto3(port_home):
    ns = run(PORT, port_home)
    preds, labels = np.array(ns["preds"]), np.array(ns["labels"])
    assert preds.shape == labels.shape and len(labels) == 60  # 15 % of 400
    assert np.median(np.abs(labels - preds) / labels) < 0.5  # rings follow the shell's size
    assert ns["resp"]["EndpointStatus"] == "InService"
