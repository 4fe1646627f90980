"""SDK v2's ``sagemaker.pytorch.model``: ``PyTorchModel`` and ``PyTorchPredictor`` (numpy in, numpy out)."""

from __future__ import annotations

from helpers.platform.v2.deserializers import NumpyDeserializer
from helpers.platform.v2.model import Model
from helpers.platform.v2.predictor import Predictor
from helpers.platform.v2.serializers import NumpySerializer


class PyTorchPredictor(Predictor):
    """A ``Predictor`` that sends numpy arrays as ``application/x-npy`` and reads the answer back as one."""

    def __init__(self, endpoint_name: str, sagemaker_session=None, serializer=None, deserializer=None, **kwargs):
        super().__init__(endpoint_name, sagemaker_session=sagemaker_session,
                         serializer=serializer or NumpySerializer(), deserializer=deserializer or NumpyDeserializer(),
                         **kwargs)


class PyTorchModel(Model):
    """``PyTorchModel(model_data, role, entry_point, framework_version=..., py_version=...)``: served by
    ``entry_point``'s ``model_fn``/``predict_fn``...; ``deploy`` returns a ``PyTorchPredictor``. Without
    ``image_uri`` the CPU inference image serves it (give a GPU image's URI for a GPU instance on AWS)."""

    def __init__(self, model_data: str, role: str | None = None, entry_point: str | None = None,
                 framework_version: str | None = None, py_version: str | None = None, image_uri: str | None = None,
                 predictor_cls=PyTorchPredictor, model_server_workers=None, **kwargs):
        from helpers.platform.errors import warn_ignored

        if image_uri is None and (framework_version is None or py_version is None):
            raise ValueError("PyTorchModel needs framework_version and py_version, or image_uri (SDK v2's rule).")
        warn_ignored("PyTorchModel", ["model_server_workers"] if model_server_workers else [],
                     "one local server process serves the model")
        self.framework_version = framework_version
        self.py_version = py_version
        if image_uri is None:
            from helpers.platform.v2 import image_uris

            image_uri = image_uris.retrieve("pytorch", None, version=framework_version, py_version=py_version,
                                            instance_type="ml.m5.large", image_scope="inference")
        super().__init__(image_uri, model_data=model_data, role=role, predictor_cls=predictor_cls,
                         entry_point=entry_point, **kwargs)
