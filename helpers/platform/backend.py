"""Which backend the platform talks to: ``local`` (default, offline) or ``sagemaker`` (real AWS).

The one setting a learner changes to move to SageMaker: ``FLYWHEEL_BACKEND=sagemaker`` in the
environment, or ``helpers.platform.use_backend("sagemaker")`` at the top of the notebook.

Every public name that has a SageMaker twin is listed once, in :data:`TWINS`, and the choice is
consulted in one place, :func:`sagemaker_twin`: a class with a twin derives from :class:`Twin`, a
function with one is decorated with :func:`dispatches`. So local modules never name the AWS side
(``helpers.platform.aws``), and a new twin cannot be forgotten in one of several branches.
"""

from __future__ import annotations

import functools
import importlib
import os

BACKENDS = ("local", "sagemaker")
_chosen: str | None = None

#: Local implementation -> its SageMaker twin, both as ``"module:attribute"`` import strings (the
#: way uvicorn's config names swappable implementations). Importing a twin imports the SDK, so it
#: happens only when the ``sagemaker`` backend is chosen and the name is used.
TWINS = {
    "helpers.platform.session:Session": "helpers.platform.aws.sdk:sdk_session",
    "helpers.platform.session:get_execution_role": "helpers.platform.aws.sdk:get_execution_role",
    "helpers.platform.trainer:ModelTrainer": "helpers.platform.aws.training:SageMakerModelTrainer",
    "helpers.platform.jobs:describe_training_job": "helpers.platform.aws.training:describe_training_job",
    "helpers.platform.jobs:list_training_jobs": "helpers.platform.aws.training:list_training_jobs",
    "helpers.platform.tuning.tuner:HyperparameterTuner": "helpers.platform.aws.tuning:SageMakerHyperparameterTuner",
    "helpers.platform.tuning.records:describe_hyper_parameter_tuning_job":
        "helpers.platform.aws.tuning:describe_hyper_parameter_tuning_job",
    "helpers.platform.tuning.records:list_training_jobs_for_hyper_parameter_tuning_job":
        "helpers.platform.aws.tuning:list_training_jobs_for_hyper_parameter_tuning_job",
    "helpers.platform.tuning.records:list_hyper_parameter_tuning_jobs":
        "helpers.platform.aws.tuning:list_hyper_parameter_tuning_jobs",
    "helpers.platform.serving.model_builder:ModelBuilder": "helpers.platform.aws.serving:SageMakerModelBuilder",
    "helpers.platform.serving.endpoint:Endpoint": "helpers.platform.aws.serving:RemoteEndpoint",
    "helpers.platform.serving.endpoint:list_endpoints": "helpers.platform.aws.serving:list_endpoints",
    "helpers.platform.serving.endpoint:describe_endpoint": "helpers.platform.aws.serving:describe_endpoint",
    "helpers.platform.serving.endpoint:delete_endpoint": "helpers.platform.aws.serving:delete_all",
    "helpers.platform.registry.model_packages:create_model_package_group": "helpers.platform.aws.registry:create_model_package_group",
    "helpers.platform.registry.model_packages:describe_model_package_group": "helpers.platform.aws.registry:describe_model_package_group",
    "helpers.platform.registry.model_packages:list_model_package_groups": "helpers.platform.aws.registry:list_model_package_groups",
    "helpers.platform.registry.model_packages:delete_model_package_group": "helpers.platform.aws.registry:delete_model_package_group",
    "helpers.platform.registry.model_packages:create_model_package": "helpers.platform.aws.registry:create_model_package",
    "helpers.platform.registry.model_packages:describe_model_package": "helpers.platform.aws.registry:describe_model_package",
    "helpers.platform.registry.model_packages:list_model_packages": "helpers.platform.aws.registry:list_model_packages",
    "helpers.platform.registry.model_packages:update_model_package": "helpers.platform.aws.registry:update_model_package",
    "helpers.platform.registry.model_packages:delete_model_package": "helpers.platform.aws.registry:delete_model_package",
    "helpers.platform.pipelines.pipeline:Pipeline.upsert": "helpers.platform.aws.pipelines:upsert",
    "helpers.platform.pipelines.pipeline:Pipeline.describe": "helpers.platform.aws.pipelines:describe",
    "helpers.platform.pipelines.pipeline:Pipeline.start": "helpers.platform.aws.pipelines:start",
    "helpers.platform.pipelines.pipeline:Pipeline.list_executions": "helpers.platform.aws.pipelines:list_executions",
    "helpers.platform.pipelines.pipeline:Pipeline.delete": "helpers.platform.aws.pipelines:delete",
    "helpers.platform.pipelines.pipeline:list_pipelines": "helpers.platform.aws.pipelines:list_pipelines",
    "helpers.platform.pipelines.execution:describe_pipeline_execution":
        "helpers.platform.aws.pipelines:describe_pipeline_execution",
    "helpers.platform.pipelines.execution:list_pipeline_execution_steps":
        "helpers.platform.aws.pipelines:list_pipeline_execution_steps",
    "helpers.platform.pipelines.execution:stop_pipeline_execution": "helpers.platform.aws.pipelines:stop_pipeline_execution",
}


def _check(name: str) -> str:
    value = (name or "").strip().lower()
    if value not in BACKENDS:
        raise ValueError(f"Unknown backend {name!r}: choose one of {', '.join(BACKENDS)} "
                         "(e.g. use_backend('local'), or set FLYWHEEL_BACKEND=sagemaker).")
    return value


def choose(name: str) -> str:
    """Record the backend for objects created from now on (``helpers.platform.use_backend`` also
    points boto3's sagemaker-runtime client at it)."""
    global _chosen
    _chosen = _check(name)
    return _chosen


def current_backend() -> str:
    """``use_backend(...)``'s choice, else ``FLYWHEEL_BACKEND``, else ``"local"``."""
    if _chosen is not None:
        return _chosen
    return _check(os.environ.get("FLYWHEEL_BACKEND") or "local")


def load(import_string: str):
    """The object an import string ``"package.module:attribute"`` names (``"module:Class.method"`` too: a
    method dispatches like a function, its twin receiving the local object first)."""
    module, _, attribute = import_string.partition(":")
    return functools.reduce(getattr, attribute.split("."), importlib.import_module(module))


def sagemaker_twin(local: str):
    """The SageMaker twin of ``local`` (a key of TWINS) when that backend is chosen, else None."""
    if current_backend() != "sagemaker":
        return None
    return load(TWINS[local])


def _key(thing) -> str:
    key = f"{thing.__module__}:{thing.__qualname__}"
    if key not in TWINS:
        raise TypeError(f"{key} has a SageMaker twin but is not in helpers.platform.backend.TWINS: add it there.")
    return key


class Twin:
    """Base of a public class with a SageMaker twin: under the ``sagemaker`` backend, constructing
    it builds the twin instead. A twin that subclasses the local class (sharing its arguments'
    checks) is allocated here and initialised once by Python; any other twin is called."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if Twin in cls.__bases__:
            cls._twin_key = _key(cls)

    def __new__(cls, *args, **kwargs):
        twin = sagemaker_twin(cls._twin_key)
        if twin is None or (isinstance(twin, type) and issubclass(cls, twin)):
            return super().__new__(cls)
        if isinstance(twin, type) and issubclass(twin, cls):
            return super().__new__(twin)
        return twin(*args, **kwargs)


def dispatches(function):
    """Decorate a public function with a SageMaker twin: the call goes to the chosen backend's."""
    key = _key(function)

    @functools.wraps(function)
    def call(*args, **kwargs):
        return (sagemaker_twin(key) or function)(*args, **kwargs)

    return call


def default_region() -> str:
    """The AWS region names and ARNs use: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


#: The account id local ARNs and the default bucket carry (no AWS account is involved).
LOCAL_ACCOUNT_ID = "000000000000"
