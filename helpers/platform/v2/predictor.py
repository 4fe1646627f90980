"""SDK v2's ``sagemaker.predictor``: ``Predictor`` (and SDK v1's ``RealTimePredictor``) on the kit's endpoints.

``Predictor(endpoint_name).predict(data)`` serializes ``data`` with its ``serializer``, sends it with the
serializer's ``CONTENT_TYPE`` and the deserializer's ``ACCEPT``, and reads the answer with its
``deserializer``, as SDK v2 does. The request goes through the kit's ``Endpoint.invoke``, so data
capture, the runtime router and, after ``use_backend("sagemaker")``, the real endpoint all apply.

SDK v1 code runs too: ``RealTimePredictor(endpoint, sagemaker_session, serializer, deserializer,
content_type, accept)`` and ``predictor.endpoint``; serializers that are plain functions
(``predictor.serializer = my_function``) with ``predictor.content_type = "text/csv"`` set by hand; and
the module's v1 objects ``csv_serializer``, ``json_serializer``, ``npy_serializer``, ``csv_deserializer``,
``json_deserializer``, ``numpy_deserializer``. Each v1 name warns with a DeprecationWarning naming the v2 one.
"""

from __future__ import annotations

import warnings
from typing import Any

from helpers.platform.v2.deserializers import (BaseDeserializer, BytesDeserializer, CSVDeserializer,
                                               JSONDeserializer, NumpyDeserializer, StreamDeserializer,
                                               StringDeserializer)
from helpers.platform.v2.serializers import (BaseSerializer, CSVSerializer, IdentitySerializer, JSONSerializer,
                                             NumpySerializer)

__all__ = ["Predictor", "RealTimePredictor", "csv_serializer", "json_serializer", "npy_serializer",
           "csv_deserializer", "json_deserializer", "numpy_deserializer", "StringDeserializer",
           "BytesDeserializer", "StreamDeserializer"]

#: ``initial_args`` keys (boto3's ``invoke_endpoint`` arguments) -> ``Endpoint.invoke`` arguments
_REQUEST_ARGS = {"ContentType": "content_type", "Accept": "accept", "CustomAttributes": "custom_attributes",
                 "TargetModel": "target_model", "TargetVariant": "target_variant",
                 "TargetContainerHostname": "target_container_hostname", "InferenceId": "inference_id",
                 "EnableExplanations": "enable_explanations", "InferenceComponentName": "inference_component_name",
                 "SessionId": "session_id"}


def _joined(types) -> str | None:
    """An Accept / Content-Type header from one MIME type or a tuple of them."""
    if types is None or isinstance(types, str):
        return types
    return ", ".join(types)


def _body_of(serialized, serializer):
    """What ``serialize`` returned, as bytes or str for ``invoke`` (serializers may return a buffer)."""
    body = serialized.read() if hasattr(serialized, "read") else serialized
    if not isinstance(body, (bytes, bytearray, str)):
        raise TypeError(f"The request body is a {type(body).__name__}, not bytes or str: {serializer!r} sends data "
                        f"as it is. Set predictor.serializer to one that encodes it, e.g. CSVSerializer() or "
                        f"NumpySerializer() (helpers.platform.v2.serializers).")
    return body


class Predictor:
    """Real-time inference on the endpoint ``endpoint_name`` (SDK v2's ``sagemaker.predictor.Predictor``).

    Args:
        endpoint_name: the endpoint's name (what ``estimator.deploy()`` made).
        sagemaker_session: a Session (default: a new ``helpers.platform.Session()`` when one is needed).
        serializer: turns ``predict``'s data into the request body; its ``CONTENT_TYPE`` is sent
            (default ``IdentitySerializer()``: bytes as they are, ``application/octet-stream``).
        deserializer: reads the answer; its ``ACCEPT`` is sent (default ``BytesDeserializer()``).
    """

    def __init__(self, endpoint_name: str, sagemaker_session=None, serializer=None, deserializer=None,
                 component_name: str | None = None, **kwargs):
        if not isinstance(endpoint_name, str) or not endpoint_name:
            raise ValueError(f"Predictor needs the endpoint's name as a string, got {endpoint_name!r} "
                             f"(estimator.deploy() returns a Predictor for the endpoint it made).")
        v1_headers = {key: kwargs.pop(key) for key in ("content_type", "accept") if key in kwargs}
        if kwargs:
            raise TypeError(f"Predictor() got unexpected keyword arguments {sorted(kwargs)}: it takes endpoint_name, "
                            f"sagemaker_session, serializer, deserializer, component_name.")
        if v1_headers:  # SDK v2 removed them (the serializer and deserializer say), and warns as here
            warnings.warn(f"Predictor: {', '.join(v1_headers)} is SDK v1's; SDK v2 takes the headers from the "
                          f"serializer's CONTENT_TYPE and the deserializer's ACCEPT (used here as given).",
                          DeprecationWarning, stacklevel=2)
        self.endpoint_name = endpoint_name
        self._session = sagemaker_session
        self.serializer = IdentitySerializer() if serializer is None else serializer
        self.deserializer = BytesDeserializer() if deserializer is None else deserializer
        self.component_name = component_name
        # set only by v1 code (predictor.content_type = ...); None: the (de)serializer's own
        self._content_type, self._accept = v1_headers.get("content_type"), v1_headers.get("accept")

    # ------------------------------------------------------------------------------- properties
    @property
    def sagemaker_session(self):
        if self._session is None:
            from helpers.platform import Session

            self._session = Session()
        return self._session

    @sagemaker_session.setter
    def sagemaker_session(self, session) -> None:
        self._session = session

    @property
    def content_type(self) -> str | None:
        """The request's Content-Type: the serializer's ``CONTENT_TYPE`` unless v1 code set one."""
        if self._content_type is not None:
            return self._content_type
        return getattr(self.serializer, "CONTENT_TYPE", None) or getattr(self.serializer, "content_type", None)

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        self._content_type = value

    @property
    def accept(self):
        """The request's Accept: the deserializer's ``ACCEPT`` (a tuple) unless v1 code set one."""
        if self._accept is not None:
            return self._accept
        return getattr(self.deserializer, "ACCEPT", None) or getattr(self.deserializer, "accept", None)

    @accept.setter
    def accept(self, value) -> None:
        self._accept = value

    @property
    def endpoint(self) -> str:
        """SDK v1's name for ``endpoint_name``."""
        return self.endpoint_name

    # -------------------------------------------------------------------------------- inference
    def predict(self, data, initial_args: dict | None = None, target_model: str | None = None,
                target_variant: str | None = None, inference_id: str | None = None,
                custom_attributes: str | None = None, component_name: str | None = None) -> Any:
        """Serialize ``data``, invoke the endpoint, return the deserialized answer.

        ``initial_args`` are boto3 ``invoke_endpoint`` arguments (``ContentType``, ``Accept``,
        ``CustomAttributes``, ``TargetVariant``, ...) that win over the predictor's own."""
        request = self._request(data, initial_args, target_model=target_model, target_variant=target_variant,
                                inference_id=inference_id, custom_attributes=custom_attributes,
                                inference_component_name=component_name or self.component_name)
        name = request.pop("endpoint_name")
        answer = self._endpoint(name).invoke(**request)
        return self._answer(answer.body, answer.content_type or "application/octet-stream")

    def _request(self, data, initial_args: dict | None, **given) -> dict:
        """``Endpoint.invoke``'s arguments (and the endpoint name) from ``initial_args`` and the predictor."""
        args = dict(initial_args or {})
        args.pop("Body", None)  # v2 sends the serialized data whatever initial_args says
        name = args.pop("EndpointName", self.endpoint_name)
        unknown = sorted(set(args) - set(_REQUEST_ARGS))
        if unknown:
            raise ValueError(f"initial_args has {unknown}, which invoke_endpoint does not take: use "
                             f"{', '.join(_REQUEST_ARGS)} (boto3's names).")
        request = {_REQUEST_ARGS[key]: value for key, value in args.items()}
        request.setdefault("content_type", _joined(self.content_type))
        request.setdefault("accept", _joined(self.accept))
        for key, value in given.items():
            if value is not None:
                request[key] = value
        request["body"] = _body_of(self._serialize(data), self.serializer)
        request["endpoint_name"] = name
        return {key: value for key, value in request.items() if value is not None or key == "body"}

    def _serialize(self, data):
        if self.serializer is None:  # SDK v1: the data is the body
            return data
        if isinstance(self.serializer, BaseSerializer) or hasattr(self.serializer, "serialize"):
            return self.serializer.serialize(data)
        if callable(self.serializer):  # SDK v1: a function
            return self.serializer(data)
        raise TypeError(f"predictor.serializer is a {type(self.serializer).__name__}: give a serializer such as "
                        f"CSVSerializer() (helpers.platform.v2.serializers), a function, or None.")

    def _answer(self, stream, content_type: str):
        if self.deserializer is None:  # SDK v1's RealTimePredictor without one returned the bytes
            return stream.read()
        if isinstance(self.deserializer, BaseDeserializer) or hasattr(self.deserializer, "deserialize"):
            return self.deserializer.deserialize(stream, content_type)
        return self.deserializer(stream, content_type)  # SDK v1: a function

    @staticmethod
    def _endpoint(name: str):
        from helpers.platform import Endpoint

        return Endpoint(name)

    # -------------------------------------------------------------------------------- lifecycle
    def _config_name(self) -> str:
        return self._endpoint(self.endpoint_name).describe()["EndpointConfigName"]

    def _model_names(self) -> list[str]:
        """The models the endpoint serves: named in its variants when the description has them (the local
        record does, in a kernel that never started the runtime router too), else by DescribeEndpointConfig."""
        description = self._endpoint(self.endpoint_name).describe()
        variants = description.get("ProductionVariants") or []
        if not variants or not all("ModelName" in variant for variant in variants):
            variants = self.sagemaker_session.sagemaker_client.describe_endpoint_config(
                EndpointConfigName=description["EndpointConfigName"])["ProductionVariants"]
        return list(dict.fromkeys(variant["ModelName"] for variant in variants))

    def delete_endpoint(self, delete_endpoint_config: bool = True) -> None:
        """Delete the endpoint and (default) its endpoint configuration; the model stays (``delete_model``)."""
        config_name = self._config_name() if delete_endpoint_config else None
        self.sagemaker_session.delete_endpoint(self.endpoint_name)
        if config_name:
            self.sagemaker_session.delete_endpoint_config(config_name)

    def delete_model(self) -> None:
        """Delete the model(s) the endpoint's configuration serves (call before ``delete_endpoint``)."""
        for name in self._model_names():
            self.sagemaker_session.delete_model(name)

    def update_endpoint(self, initial_instance_count: int | None = None, instance_type: str | None = None,
                        **kwargs) -> None:
        """Change the endpoint's instance count (the only update the local platform makes in place)."""
        unused = sorted(key for key, value in {"instance_type": instance_type, **kwargs}.items() if value is not None)
        if unused:
            raise ValueError(f"update_endpoint: {unused} cannot be changed in place; deploy again with "
                             f"estimator.deploy(..., endpoint_name=...) to change them. initial_instance_count can.")
        if initial_instance_count is None:
            raise ValueError("update_endpoint: give initial_instance_count (the new number of instances).")
        self._endpoint(self.endpoint_name).update_instance_count(initial_instance_count)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(endpoint_name={self.endpoint_name!r}, serializer={self.serializer!r}, "
                f"deserializer={self.deserializer!r})")


class RealTimePredictor(Predictor):
    """SDK v1's ``RealTimePredictor``: ``Predictor`` with v1's arguments (warns; use ``Predictor``).

    ``serializer`` / ``deserializer`` may be v1 functions; ``content_type`` / ``accept`` set the headers
    (v1 took them from here, v2 from the serializer and deserializer). No deserializer: bytes come back.
    """

    def __init__(self, endpoint: str, sagemaker_session=None, serializer=None, deserializer=None,
                 content_type: str | None = None, accept: str | None = None):
        warnings.warn("RealTimePredictor is SDK v1's name; SDK v2 calls it sagemaker.predictor.Predictor "
                      "(endpoint_name=..., serializer=..., deserializer=...). It works the same here.",
                      DeprecationWarning, stacklevel=2)
        super().__init__(endpoint, sagemaker_session)
        self.serializer, self.deserializer = serializer, deserializer
        self._content_type, self._accept = content_type, accept


#: SDK v1's module-level (de)serializer objects -> (the v2 class that does the same, its arguments)
_V1_OBJECTS = {
    "csv_serializer": (CSVSerializer, {}),
    "json_serializer": (JSONSerializer, {}),
    "npy_serializer": (NumpySerializer, {}),
    "csv_deserializer": (CSVDeserializer, {}),
    "json_deserializer": (JSONDeserializer, {}),
    "numpy_deserializer": (NumpyDeserializer, {}),
}


def __getattr__(name: str):
    if name in _V1_OBJECTS:
        cls, kwargs = _V1_OBJECTS[name]
        warnings.warn(f"{name} is SDK v1's name; SDK v2 uses {cls.__name__}() from sagemaker."
                      f"{'serializers' if 'serializer' in name else 'deserializers'} (it works the same here).",
                      DeprecationWarning, stacklevel=2)
        return cls(**kwargs)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
