"""Port: XGBoost regression on abalone through plain boto3 only (aws/amazon-sagemaker-examples, SDK v1):
libsvm files uploaded with boto3's S3 resource, the control plane's create/describe calls, and
predictions through a ``runtime.sagemaker`` client with ``text/x-libsvm``."""

from __future__ import annotations

import numpy as np

from port_support import Change, Port, run, v2

PORT = Port(
    name="xgboost_abalone",
    repo="aws/amazon-sagemaker-examples",
    path="introduction_to_amazon_algorithms/xgboost_abalone/xgboost_abalone.ipynb",
    commit="03fd65d949fb4d6ea309a21b393d5ffcfbfb1154",
    smoke="400 shells instead of 4,177; 10 boosting rounds instead of 50; status polled every 0.5 s, not 60 s",
    changes=(
        v2("from sagemaker import get_execution_role"),
        v2("from sagemaker.amazon.amazon_estimator import get_image_uri"),
        Change("data", "bucket='<bucket-name>' # put your s3 bucket name here, and create s3 bucket",
               "import helpers.platform; bucket=helpers.platform.Session().default_bucket() # the cell asks for yours"),
        Change("data", 'urllib.request.urlretrieve("https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/regression/abalone", FILE_DATA)',
               "import port_support; port_support.write_abalone_libsvm(FILE_DATA)"),
        Change("shell", "%%time\n", "", count=8),
        Change("shell", "!head -1 abalone.test > abalone.single.test",
               "open('abalone.single.test', 'w').write(open('abalone.test').readline())"),
        Change("smoke", '"num_round":"50"', '"num_round":"10"'),
        Change("smoke", "time.sleep(60)", "time.sleep(0.5)", count=2),
    ),
)


def test_xgboost_abalone_notebook_runs_on_plain_boto3(port_home):
    ns = run(PORT, port_home)
    preds, labels = np.array(ns["preds"]), np.array(ns["labels"])
    assert preds.shape == labels.shape and len(labels) == 60  # 15 % of 400
    assert np.median(np.abs(labels - preds) / labels) < 0.5  # rings follow the shell's size
    assert ns["resp"]["EndpointStatus"] == "InService"
