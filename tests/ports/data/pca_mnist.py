# Code cells of aws/amazon-sagemaker-examples introduction_to_amazon_algorithms/pca_mnist/pca_mnist.ipynb
# at commit 020cbf312366e986ece37ffe48c5336cb991779f (Apache-2.0, Amazon.com, Inc. or its affiliates),
# as published; the port's changes are declared in tests/ports/test_port_pca_mnist.py.
# %% cell 5
import sagemaker
import boto3

sess = sagemaker.Session()

region = boto3.Session().region_name

# S3 bucket where the original mnist data is downloaded and stored.
downloaded_data_bucket = f"sagemaker-example-files-prod-{region}"
downloaded_data_prefix = "datasets/image/MNIST"

# S3 bucket for saving code and model artifacts.
# Feel free to specify a different bucket and prefix
bucket = sess.default_bucket()
s3_bucket_prefix = "sagemaker/DEMO-pca-mnist"
default_bucket_prefix = sess.default_bucket_prefix

# If a default bucket prefix is specified, append it to the s3 path
if default_bucket_prefix:
    prefix = f"{default_bucket_prefix}/{s3_bucket_prefix}"
else:
    prefix = s3_bucket_prefix

# Define IAM role
import boto3
import re
from sagemaker import get_execution_role

role = get_execution_role()
# %% cell 7
%%time
import pickle, gzip, numpy, json

s3 = boto3.client("s3")
s3.download_file(downloaded_data_bucket, f"{downloaded_data_prefix}/mnist.pkl.gz", "mnist.pkl.gz")
with gzip.open("mnist.pkl.gz", "rb") as f:
    train_set, valid_set, test_set = pickle.load(f, encoding="latin1")
# %% cell 9
%matplotlib inline
import matplotlib.pyplot as plt

plt.rcParams["figure.figsize"] = (2, 10)


def show_digit(img, caption="", subplot=None):
    if subplot is None:
        _, (subplot) = plt.subplots(1, 1)
    imgr = img.reshape((28, 28))
    subplot.axis("off")
    subplot.imshow(imgr, cmap="gray")
    plt.title(caption)


show_digit(train_set[0][30], "This is a {}".format(train_set[1][30]))
# %% cell 11
import io
import numpy as np
import sagemaker.amazon.common as smac

vectors = np.array([t.tolist() for t in train_set[0]]).T

buf = io.BytesIO()
smac.write_numpy_to_dense_tensor(buf, vectors)
buf.seek(0)
# %% cell 13
%%time
import boto3
import os

key = "recordio-pb-data"
boto3.resource("s3").Bucket(bucket).Object(os.path.join(prefix, "train", key)).upload_fileobj(buf)
s3_train_data = f"s3://{bucket}/{prefix}/train/{key}"
print(f"uploaded training data location: {s3_train_data}")
# %% cell 15
output_location = f"s3://{bucket}/{prefix}/output"
print(f"training artifacts will be uploaded to: {output_location}")
# %% cell 17
from sagemaker.image_uris import retrieve

container = retrieve(framework="pca", region=region)
# %% cell 19
import boto3
import sagemaker

sess = sagemaker.Session()

pca = sagemaker.estimator.Estimator(
    container,
    role,
    instance_count=1,
    instance_type="ml.c4.xlarge",
    output_path=output_location,
    sagemaker_session=sess,
)
pca.set_hyperparameters(
    feature_dim=50000,
    num_components=10,
    subtract_mean=True,
    algorithm_mode="randomized",
    mini_batch_size=200,
)

pca.fit({"train": s3_train_data})
# %% cell 21
pca_predictor = pca.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge")
# %% cell 23
from sagemaker.serializers import CSVSerializer
from sagemaker.deserializers import JSONDeserializer

pca_predictor.ContentType = "text/csv"
pca_predictor.serializer = CSVSerializer()
pca_predictor.deserializer = JSONDeserializer()
# %% cell 25
result = pca_predictor.predict(train_set[0][:, 0])
print(result)
# %% cell 27
import numpy as np

eigendigits = []
for array in np.array_split(train_set[0].T, 100):
    result = pca_predictor.predict(array)
    eigendigits += [r["projection"] for r in result["projections"]]

eigendigits = np.array(eigendigits).T
# %% cell 28
for e in enumerate(eigendigits):
    show_digit(e[1], f"eigendigit #{e[0]}")
# %% cell 31
import sagemaker

sagemaker.Session().delete_endpoint(pca_predictor.endpoint_name)
