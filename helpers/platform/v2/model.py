"""SDK v2's ``sagemaker.model``: ``Model`` (an image plus a ``model.tar.gz``) that deploys to an
endpoint or runs a batch transform, on the kit's ``ModelBuilder`` and ``Transformer``.

``Estimator.create_model()`` and ``Estimator.deploy()`` go through it, so a v2 notebook's
``estimator.deploy(...)`` becomes ``ModelBuilder(model=<training job>).deploy(...)``: locally a local
endpoint, on ``use_backend("sagemaker")`` the SDK's CreateModel / CreateEndpointConfig / CreateEndpoint.
"""

from __future__ import annotations

import helpers.platform as kit
from helpers.platform.errors import warn_ignored
from helpers.platform.v2.session import kit_session

#: Model arguments SageMaker uses that a local endpoint has no use for (name -> the value that needs no warning).
_MODEL_IGNORED = {"vpc_config": None, "enable_network_isolation": False, "model_kms_key": None,
                  "image_config": None, "code_location": None, "dependencies": None, "git_config": None,
                  "resources": None}
_DEPLOY_IGNORED = ("accelerator_type", "tags", "kms_key", "serverless_inference_config",
                   "async_inference_config", "volume_size", "model_data_download_timeout",
                   "container_startup_health_check_timeout", "inference_recommendation_id", "explainer_config")


def script_source(entry_point: str | None, source_dir: str | None):
    """The kit's ``SourceCode`` for script mode (``entry_point`` in ``source_dir``, default the working
    folder), or None without an ``entry_point``: the same rule for training and serving."""
    return kit.SourceCode(source_dir=source_dir or ".", entry_script=entry_point) if entry_point else None


class Model:
    """``sagemaker.model.Model`` (SDK v2): ``image_uri`` serving ``model_data``.

    Args:
        image_uri: the inference image (a built-in algorithm's image selects its handlers).
        model_data: ``s3://.../model.tar.gz``.
        role: the execution role (recorded locally).
        predictor_cls: what ``deploy()`` returns, called as ``predictor_cls(endpoint_name, sagemaker_session)``;
            without one ``deploy()`` returns None, as in SDK v2.
        env: environment variables of the serving container.
        name: the model's name (default: made from the image and a timestamp).
        entry_point, source_dir: ``inference.py`` in ``source_dir`` serves the model (script mode).
        sagemaker_session: a v2 or kit ``Session``.
    """

    def __init__(self, image_uri: str | None, model_data: str | None = None, role: str | None = None,
                 predictor_cls=None, env: dict | None = None, name: str | None = None, vpc_config=None,
                 sagemaker_session=None, enable_network_isolation: bool = False, model_kms_key=None,
                 image_config=None, source_dir: str | None = None, code_location=None,
                 entry_point: str | None = None, container_log_level=None, dependencies=None, git_config=None,
                 resources=None, training_job_name: str | None = None, **unknown):
        if unknown:
            raise TypeError(f"Model() got unexpected argument(s) {', '.join(sorted(unknown))}.")
        if not model_data and not training_job_name:
            raise ValueError("Model needs model_data='s3://.../model.tar.gz' (a training job's "
                             "describe()['ModelArtifacts']['S3ModelArtifacts']).")
        given = dict(vpc_config=vpc_config, enable_network_isolation=enable_network_isolation,
                     model_kms_key=model_kms_key, image_config=image_config, code_location=code_location,
                     dependencies=dependencies, git_config=git_config, resources=resources)
        warn_ignored("Model", [k for k, v in given.items() if v != _MODEL_IGNORED[k]],
                     "a local endpoint is one server process on this machine")
        self.image_uri = image_uri
        self.model_data = model_data
        self.role = role
        self.predictor_cls = predictor_cls
        self.env = dict(env or {})
        self.name = name
        self.sagemaker_session = sagemaker_session
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.endpoint_name: str | None = None
        # the training job that made model_data: the kit then checks the artifact's recorded checksum
        self._training_job_name = training_job_name
        self._built = None

    def _builder(self):
        source_code = script_source(self.entry_point, self.source_dir)
        where = (dict(model=self._training_job_name) if self._training_job_name
                 else dict(model_path=self.model_data))
        return kit.ModelBuilder(**where, image_uri=self.image_uri, role_arn=self.role, env_vars=self.env,
                                source_code=source_code, sagemaker_session=kit_session(self.sagemaker_session))

    def _create(self, builder=None) -> str:
        """CreateModel once; returns the model's name."""
        if self._built is None:
            builder = builder or self._builder()
            self._built = builder.build(model_name=self.name)
            self.name = self._built.model_name
        return self.name

    def deploy(self, initial_instance_count: int | None = None, instance_type: str | None = None,
               serializer=None, deserializer=None, endpoint_name: str | None = None, wait: bool = True,
               data_capture_config=None, **sdk_options):
        """Create the model, its endpoint configuration and the endpoint; return
        ``predictor_cls(endpoint_name, sagemaker_session)`` (its serializer/deserializer set when given),
        or None without a ``predictor_cls``, as SDK v2 does."""
        if not initial_instance_count or not instance_type:
            raise ValueError("deploy() needs initial_instance_count and instance_type, e.g. "
                             "deploy(initial_instance_count=1, instance_type='ml.m5.large').")
        unknown = sorted(set(sdk_options) - set(_DEPLOY_IGNORED))
        if unknown:
            raise TypeError(f"deploy() got unexpected argument(s) {', '.join(unknown)}.")
        warn_ignored("deploy", [k for k, v in sdk_options.items() if v is not None],
                     "a local endpoint is one real-time server process")
        builder = self._builder()
        if self._built is None:
            self._create(builder)
        else:
            builder.built_model = self._built
        endpoint = builder.deploy(endpoint_name=endpoint_name or self.name, initial_instance_count=initial_instance_count,
                                  instance_type=instance_type, wait=wait, data_capture_config=data_capture_config)
        self.endpoint_name = endpoint.endpoint_name
        if self.predictor_cls is None:
            return None
        predictor = self.predictor_cls(self.endpoint_name, self.sagemaker_session)
        if serializer is not None:
            predictor.serializer = serializer
        if deserializer is not None:
            predictor.deserializer = deserializer
        return predictor

    def transformer(self, instance_count: int, instance_type: str, strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None, output_kms_key=None,
                    accept: str | None = None, env: dict | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags=None, volume_kms_key=None):
        """A v2 ``Transformer`` for batch transform with this model (created first if needed)."""
        from helpers.platform.v2.transformer import Transformer

        return Transformer(self._create(), instance_count, instance_type, strategy=strategy,
                           assemble_with=assemble_with, output_path=output_path, output_kms_key=output_kms_key,
                           accept=accept, max_concurrent_transforms=max_concurrent_transforms,
                           max_payload=max_payload, tags=tags, env=env, sagemaker_session=self.sagemaker_session,
                           volume_kms_key=volume_kms_key)

    def delete_model(self) -> None:
        """DeleteModel (the endpoint, if any, keeps running, as on SageMaker)."""
        if self.name is None:
            raise ValueError("This Model has not been created yet: deploy() or transformer() creates it.")
        kit_session(self.sagemaker_session).delete_model(self.name)

    def __repr__(self) -> str:
        return f"Model(image_uri={self.image_uri!r}, model_data={self.model_data!r}, name={self.name!r})"
