"""SDK v2's ``sagemaker.sklearn.model``: ``SKLearnModel`` and ``SKLearnPredictor`` (numpy in, numpy out)."""

from __future__ import annotations

from helpers.platform.v2.deserializers import NumpyDeserializer
from helpers.platform.v2.model import Model
from helpers.platform.v2.predictor import Predictor
from helpers.platform.v2.serializers import NumpySerializer


class SKLearnPredictor(Predictor):
    """A ``Predictor`` that sends numpy arrays as ``application/x-npy`` and reads the answer back as one."""

    def __init__(self, endpoint_name: str, sagemaker_session=None, serializer=None, deserializer=None, **kwargs):
        super().__init__(endpoint_name, sagemaker_session=sagemaker_session,
                         serializer=serializer or NumpySerializer(), deserializer=deserializer or NumpyDeserializer(),
                         **kwargs)


class SKLearnModel(Model):
    """``SKLearnModel(model_data, role, entry_point, framework_version=..., source_dir=...)``: a scikit-learn model
    served by ``entry_point``'s ``model_fn``/``predict_fn``...; ``deploy`` returns an ``SKLearnPredictor``."""

    def __init__(self, model_data: str, role: str | None = None, entry_point: str | None = None,
                 framework_version: str | None = None, py_version: str = "py3", image_uri: str | None = None,
                 predictor_cls=SKLearnPredictor, **kwargs):
        if framework_version is None and image_uri is None:
            raise ValueError("SKLearnModel needs framework_version (e.g. '1.2-1') or image_uri (SDK v2).")
        self.framework_version = framework_version
        self.py_version = py_version
        if image_uri is None:
            from helpers.platform.v2 import image_uris

            image_uri = image_uris.retrieve("sklearn", None, version=framework_version, py_version=py_version,
                                            image_scope="inference")
        super().__init__(image_uri, model_data=model_data, role=role, predictor_cls=predictor_cls,
                         entry_point=entry_point, **kwargs)
