"""Local hosting with SageMaker's contracts: deploy, invoke, batch transform, capture, monitor.

Everything a learner calls is re-exported from ``helpers.platform``; see each module's docstring:
``model_builder`` (ModelBuilder), ``endpoint`` (Endpoint), ``resources`` (Model, EndpointConfig,
ProductionVariant, DataCaptureConfig), ``transform`` (Transformer), ``monitor``
(DefaultModelMonitor), ``runtime`` (boto3 -> local runtime), ``registry`` (list / describe /
delete, what is still running), ``loadtest`` (a small load generator).

Names load lazily (as ``helpers.platform``'s): importing the package imports none of its modules, so
a process that needs one module (a job, the router, the capture process) does not pay for the rest.
"""

from helpers.platform import lazy

__getattr__, __dir__, __all__ = lazy.exports(__name__, {
    "helpers.platform.serving.endpoint": "Endpoint InvokeEndpointOutput delete_endpoint describe_endpoint list_endpoints",
    "helpers.platform.serving.model_builder": "ModelBuilder",
    "helpers.platform.serving.registry": "RunningResource running_resources stop_all stop_resource",
    "helpers.platform.serving.resources": "DataCaptureConfig EndpointConfig Model ProductionVariant",
    "helpers.platform.serving.monitor": "DatasetFormat DefaultModelMonitor MonitoringReport",
    "helpers.platform.serving.runtime": "clear_local_runtime use_local_runtime",
    "helpers.platform.serving.transform": "Transformer describe_transform_job",
})
