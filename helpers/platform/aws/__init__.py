"""The SageMaker twins: the platform's public names sent through the real SageMaker Python SDK v3
and boto3. Only this package imports ``sagemaker``; nothing local imports it: the local classes
and functions reach their twin through ``helpers.platform.backend.TWINS``.

- :mod:`~helpers.platform.aws.sdk`: the SDK's Session, and our config dataclasses -> the SDK's;
- :mod:`~helpers.platform.aws.training`: ``ModelTrainer`` and training jobs;
- :mod:`~helpers.platform.aws.tuning`: ``HyperparameterTuner`` and tuning jobs;
- :mod:`~helpers.platform.aws.serving`: ``ModelBuilder``, ``Endpoint`` and the endpoint functions;
- :mod:`~helpers.platform.aws.registry`: the model registry's functions;
- :mod:`~helpers.platform.aws.pipelines`: ``Pipeline``'s upsert/start/describe/delete and its executions.

Needs AWS credentials, a region and an execution role; tests run it against moto.
"""
