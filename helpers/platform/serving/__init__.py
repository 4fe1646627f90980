"""Local hosting with SageMaker's contracts: deploy, invoke, batch transform, capture, monitor.

Everything a learner calls is re-exported from ``helpers.platform``; see each module's docstring:
``model_builder`` (ModelBuilder), ``endpoint`` (Endpoint), ``resources`` (Model, EndpointConfig,
ProductionVariant, DataCaptureConfig), ``transform`` (Transformer), ``monitor``
(DefaultModelMonitor), ``runtime`` (boto3 -> local runtime), ``registry`` (list / describe /
delete, what is still running), ``loadtest`` (a small load generator).
"""

from helpers.platform.serving.endpoint import (Endpoint, InvokeEndpointOutput, delete_endpoint, describe_endpoint,
                                               list_endpoints)
from helpers.platform.serving.model_builder import ModelBuilder
from helpers.platform.serving.registry import RunningResource, running_resources, stop_all, stop_resource
from helpers.platform.serving.resources import DataCaptureConfig, EndpointConfig, Model, ProductionVariant
from helpers.platform.serving.monitor import DatasetFormat, DefaultModelMonitor, MonitoringReport
from helpers.platform.serving.runtime import clear_local_runtime, use_local_runtime
from helpers.platform.serving.transform import Transformer, describe_transform_job

__all__ = [
    "DataCaptureConfig", "DatasetFormat", "DefaultModelMonitor", "Endpoint", "EndpointConfig",
    "InvokeEndpointOutput", "Model", "ModelBuilder", "MonitoringReport", "ProductionVariant", "RunningResource",
    "Transformer", "clear_local_runtime", "delete_endpoint", "describe_endpoint", "describe_transform_job",
    "list_endpoints", "running_resources", "stop_all", "stop_resource", "use_local_runtime",
]
