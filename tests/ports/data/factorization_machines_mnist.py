# Code cells of aws/amazon-sagemaker-examples
# introduction_to_amazon_algorithms/factorization_machines_mnist/factorization_machines_mnist.ipynb
# at commit 011a30b0e7573fc6143cbbcb597ca5cd88ec5b4e (Apache-2.0, Amazon.com, Inc. or its affiliates),
# as published; the port's changes are declared in tests/ports/test_port_factorization_machines_mnist.py.
# %% cell 3
# Define IAM role
import boto3
import re
import os
import io
import numpy as np

import sagemaker

role = sagemaker.get_execution_role()
sagemaker_session = sagemaker.Session()

bucket = sagemaker_session.default_bucket() # or '<your_s3_bucket_name_here>'
prefix = 'sagemaker/DEMO-fm-mnist'
# %% cell 5
%%time
import pickle
import gzip
import urllib.request

# Load the dataset
urllib.request.urlretrieve("http://deeplearning.net/data/mnist/mnist.pkl.gz", "mnist.pkl.gz")
with gzip.open('mnist.pkl.gz', 'rb') as f:
    train_set, valid_set, test_set = pickle.load(f, encoding='latin1')
# %% cell 7
%matplotlib inline
import matplotlib.pyplot as plt
plt.rcParams["figure.figsize"] = (2,10)


def show_digit(img, caption='', subplot=None):
    if subplot is None:
        _, (subplot) = plt.subplots(1,1)
    imgr = img.reshape((28,28))
    subplot.axis('off')
    subplot.imshow(imgr, cmap='gray')
    plt.title(caption)

show_digit(train_set[0][30], 'This is a {}'.format(train_set[1][30]))
# %% cell 9
import sagemaker.amazon.common as smac

print("train data shape: {}".format(train_set[0].shape))
print("train label shape: {}".format(train_set[1].shape))

# need to store data and label as float32 because of `write_numpy_to_dense_tensor`
train_data = train_set[0].astype(np.float32)
train_labels = np.where(train_set[1] == 0, 0, 1).astype(np.float32)  # label 0 as 0 and others as 1

buf = io.BytesIO()
smac.write_numpy_to_dense_tensor(buf, train_data, train_labels)
buf.seek(0)
# %% cell 12
key = 'recordio-pb-data'
boto3.resource('s3').Bucket(bucket).Object(os.path.join(prefix, 'train', key)).upload_fileobj(buf)
s3_train_data = 's3://{}/{}/train/{}'.format(bucket, prefix, key)
print('uploaded training data location: {}'.format(s3_train_data))
# %% cell 14
output_location = 's3://{}/{}/output'.format(bucket, prefix)
print('training artifacts will be uploaded to: {}'.format(output_location))
# %% cell 16
from sagemaker.amazon.amazon_estimator import get_image_uri

container = get_image_uri(boto3.Session().region_name, 'factorization-machines')
# %% cell 18
fm = sagemaker.estimator.Estimator(container,
                                   role, 
                                   train_instance_count=1, 
                                   train_instance_type='ml.c4.xlarge',
                                   output_path=output_location,
                                   sagemaker_session=sagemaker_session)

fm.set_hyperparameters(feature_dim=784,
                      predictor_type='binary_classifier',
                      mini_batch_size=200,
                      num_factors=10)

fm.fit({'train': s3_train_data})
# %% cell 20
fm_predictor = fm.deploy(initial_instance_count=1, instance_type='ml.m4.xlarge')
# %% cell 22
import json
from sagemaker.predictor import json_deserializer

def fm_serializer(data):
    js = {'instances': []}
    for row in data:
        js['instances'].append({'features': row.tolist()})
    return json.dumps(js)

fm_predictor.content_type = 'application/json'
fm_predictor.serializer = fm_serializer
fm_predictor.deserializer = json_deserializer
# %% cell 24
example = train_data[30:31]
result = fm_predictor.predict(example)
print(result)
# %% cell 25
show_digit(example)
# %% cell 27
predictions = []
for array in np.array_split(test_set[0], 100):
    result = fm_predictor.predict(array)
    predictions += [r['predicted_label'] for r in result['predictions']]

predictions = np.array(predictions)
# %% cell 28
import pandas as pd
# creating the confusion matrix
pd.crosstab(np.where(test_set[1] == 0, 0, 1).astype(np.float32), 
            predictions,
            rownames=['actuals'],
            colnames=['predictions'])
# %% cell 31
sagemaker.Session().delete_endpoint(fm_predictor.endpoint)
