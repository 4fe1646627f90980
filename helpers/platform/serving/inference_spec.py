"""SDK v3's custom serving path: an ``InferenceSpec`` (how to load and call the model) and a
``SchemaBuilder`` (sample input and output, which pick the wire formats), served locally::

    class MySpec(InferenceSpec):                 # sagemaker.serve's InferenceSpec works as well
        def load(self, model_dir):               # the unpacked model folder (str)
            return joblib.load(os.path.join(model_dir, "model.joblib"))
        def invoke(self, input_object, model):   # the deserialized request -> the prediction
            return model.predict(input_object)

    builder = ModelBuilder(model_path=folder, inference_spec=MySpec(),
                           schema_builder=SchemaBuilder(sample_input=X[:2], sample_output=y[:2]))
    endpoint = builder.deploy(endpoint_name="custom")
    endpoint.predict(X[:5])                      # an ndarray, since sample_output is one

As the SDK does, ``build()`` pickles the spec and the schema with cloudpickle into the model's code
(``serve.pkl``, so a spec class defined in the notebook travels by value) next to an ``inference.py``
whose handlers mirror the SDK's TorchServe handler: deserialize with the schema's input
deserializer, ``preprocess`` (when it returns something), ``invoke``, ``postprocess`` (likewise),
serialize with the schema's output serializer.

Wire formats by sample type, as ``sagemaker.serve.SchemaBuilder`` picks them: numpy array ->
``application/x-npy``; DataFrame -> ``text/csv``; bytes -> raw bytes; torch tensor -> ``tensor/pt``
(npy bytes); str -> ``text/plain`` (answered with Accept ``application/json``, the SDK's choice);
anything JSON can hold -> ``application/json``. One local difference: DataFrames travel with their
header row, so their columns survive the trip (the SDK drops the header when sending). The codecs live
in ``wire_formats``, which also keeps a JSON copy of the formats in the model record, so
``Endpoint.get(name).predict(x)`` (a new kernel, say) speaks them as ``deploy()``'s endpoint does.
"""

from __future__ import annotations

import abc
import io
import json
from enum import Enum
from pathlib import Path
from typing import Any

from helpers.platform.serving.endpoint import Endpoint
from helpers.platform.serving.wire_formats import (SERVE_PICKLE, _jsonable, answer_of, codec_for, request_of,
                                                    serialized)
from helpers.platform_home import private_dir

class Mode(Enum):
    """Where the SDK runs a model (``sagemaker.serve.mode.function_pointers.Mode``, same names and
    values). Locally every mode is one local server process; ``deploy_local`` needs ``IN_PROCESS`` or
    ``LOCAL_CONTAINER``, as in the SDK."""

    def __str__(self):
        return str(self.name)

    IN_PROCESS = 1
    LOCAL_CONTAINER = 2
    SAGEMAKER_ENDPOINT = 3


class ModelServer(Enum):
    """The SDK's model servers (``sagemaker.serve.utils.types.ModelServer``, same names and values).
    Accepted by ``ModelBuilder(model_server=...)``; locally the kit's own server serves every model."""

    def __str__(self):
        return str(self.name)

    TORCHSERVE = 1
    MMS = 2
    TENSORFLOW_SERVING = 3
    DJL_SERVING = 4
    TRITON = 5
    TGI = 6
    TEI = 7
    SMD = 8
    VLLM = 9
    SGLANG = 10
    VLLM_OMNI = 11
    LLAMACPP = 12


ENTRY_SCRIPT = "inference.py"
_SCRIPT = '''"""Written by ModelBuilder.build(): serves the InferenceSpec and SchemaBuilder pickled in serve.pkl."""
from helpers.platform.serving.inference_spec import spec_handlers

model_fn, input_fn, predict_fn, output_fn = spec_handlers(__file__)
'''


class InferenceSpec(abc.ABC):
    """How a model is loaded and called (``sagemaker.serve.spec.inference_spec.InferenceSpec``).

    Subclass it and define ``load(model_dir)`` and ``invoke(input_object, model)``; optionally
    ``preprocess(input_data)`` / ``postprocess(predictions)``, whose result replaces the data unless
    it is None.
    """

    @abc.abstractmethod
    def load(self, model_dir: str):
        """Load the model from ``model_dir`` (the unpacked model artifact) and return it."""

    @abc.abstractmethod
    def invoke(self, input_object: object, model: object):
        """The prediction for ``input_object`` (the deserialized request)."""

    def preprocess(self, input_data: object):
        """Transform the deserialized request before ``invoke``; None keeps it as it is."""

    def postprocess(self, predictions: object):
        """Transform ``invoke``'s result before it is serialized; None keeps it as it is."""

    def prepare(self, *args, **kwargs):
        """Called with the model folder (str) before ``build()`` packs it, as the SDK does: put files
        ``load`` needs there."""

    def get_model(self):
        """SDK hook naming a Hugging Face model; not used locally."""


class CustomPayloadTranslator(abc.ABC):
    """Your own wire format for SchemaBuilder's ``input_translator`` / ``output_translator``
    (``sagemaker.serve.marshalling.custom_payload_translator.CustomPayloadTranslator``).

    Define ``serialize_payload_to_bytes(payload) -> bytes`` and ``deserialize_payload_from_stream(stream)``;
    ``content_type`` / ``accept_type`` are the MIME types sent (default ``application/custom``).
    """

    def __init__(self, content_type: str = "application/custom", accept_type: str = "application/custom") -> None:
        self._content_type, self._accept_type = content_type, accept_type

    @abc.abstractmethod
    def serialize_payload_to_bytes(self, payload: object) -> bytes:
        """``payload`` -> the request (or response) body."""

    @abc.abstractmethod
    def deserialize_payload_from_stream(self, stream) -> object:
        """A readable stream of the body -> the payload."""

    def serialize(self, payload: object, content_type: str = "application/custom") -> bytes:
        return self.serialize_payload_to_bytes(payload)

    def deserialize(self, stream, content_type: str = "application/custom") -> object:
        return self.deserialize_payload_from_stream(stream)

    @property
    def CONTENT_TYPE(self) -> str:  # noqa: N802 - the SDK's name
        return self._content_type

    @property
    def ACCEPT(self) -> str:  # noqa: N802 - the SDK's name
        return self._accept_type


class SchemaBuilder:
    """Sample input and output of a model, from which the wire formats follow
    (``sagemaker.serve.builder.schema_builder.SchemaBuilder``: same arguments and attributes).

    Args:
        sample_input: a request as the model takes it (array, DataFrame, list, dict, str, bytes, tensor).
        sample_output: an answer as the model gives it; ``predict`` returns this type.
        input_translator / output_translator: objects with ``serialize(payload, content_type)`` and
            ``deserialize(stream, content_type)`` (the SDK's ``CustomPayloadTranslator``), for other formats.
    """

    def __init__(self, sample_input, sample_output, input_translator=None, output_translator=None):
        self.sample_input, self.sample_output = sample_input, sample_output
        if input_translator is not None:
            self.custom_input_translator = input_translator
        else:
            self.input_serializer = self.input_deserializer = codec_for(sample_input, "input")
        if output_translator is not None:
            self.custom_output_translator = output_translator
        else:
            self.output_serializer = self.output_deserializer = codec_for(sample_output, "output")

    def __repr__(self) -> str:
        return f"SchemaBuilder(input={type(self.sample_input).__name__}, output={type(self.sample_output).__name__})"


class SchemaEndpoint(Endpoint):
    """The endpoint ``ModelBuilder.deploy()`` returns for a model with a SchemaBuilder: ``predict``
    sends the data in the sample input's format and returns the sample output's type."""

    def __init__(self, endpoint_name: str, schema_builder=None):
        super().__init__(endpoint_name)
        self.schema_builder = schema_builder

    def predict(self, data: Any, accept: str | None = None, content_type: str | None = None,
                target_variant: str | None = None) -> Any:
        """``data`` like the SchemaBuilder's ``sample_input`` -> an answer like its ``sample_output``."""
        if self.schema_builder is None:
            return super().predict(data, accept=accept, content_type=content_type, target_variant=target_variant)
        return self._predict_with(self.schema_builder, data, accept, content_type, target_variant)


def mode_name(mode) -> str | None:
    """``Mode.IN_PROCESS`` (ours or the SDK's enum) or a string -> ``"IN_PROCESS"``."""
    return None if mode is None else str(getattr(mode, "name", mode)).upper()


class _LocalServer:
    """The handle the SDK's LocalEndpoint keeps (``in_process_mode_obj`` / ``local_container_mode_obj``)."""

    def __init__(self, endpoint: "LocalEndpoint"):
        self._endpoint = endpoint

    def destroy_server(self) -> None:
        """Stop the local endpoint (its model and endpoint config stay, as with ``delete()``)."""
        self._endpoint.delete()


class LocalEndpoint(SchemaEndpoint):
    """What ``ModelBuilder.deploy_local()`` returns (``sagemaker.serve.local_resources.LocalEndpoint``):
    ``invoke`` takes the payload itself, sends it in the SchemaBuilder's format, and its answer's
    ``body`` is already deserialized (the sample output's type)."""

    def __init__(self, endpoint_name: str, schema_builder=None, mode=None):
        super().__init__(endpoint_name, schema_builder)
        handle = _LocalServer(self)
        self.in_process_mode = mode_name(mode) == "IN_PROCESS"
        self.in_process_mode_obj = handle if self.in_process_mode else None
        self.local_container_mode_obj = None if self.in_process_mode else handle

    def invoke(self, body: Any, content_type: str = "application/json", accept: str = "application/json",
               **kwargs):
        """``body`` (an object like the sample input) -> ``InvokeEndpointOutput``, as the SDK's two modes
        answer: ``IN_PROCESS``: ``body`` is the deserialized answer; ``LOCAL_CONTAINER``: a str body is sent
        as it is, and ``body`` is a stream of the answer as JSON. Without a SchemaBuilder the payload
        goes as JSON, as in the SDK."""
        from helpers.platform.errors import warn_ignored
        from helpers.platform.serving.endpoint import InvokeEndpointOutput

        warn_ignored("LocalEndpoint.invoke", [k for k, v in kwargs.items() if v is not None],
                     "a local endpoint takes the payload, content type and accept only")
        schema = self.schema_builder or SchemaBuilder({}, {})  # JSON both ways
        data, sent_type, wanted = request_of(schema, body)
        if isinstance(body, str) and not self.in_process_mode:
            data = body.encode("utf-8")
        answer = Endpoint.invoke(self, data, content_type=sent_type, accept=wanted)
        result = answer_of(schema, answer.body.read(), answer.content_type)
        if self.in_process_mode:
            return InvokeEndpointOutput(body=result, content_type=answer.content_type)
        return InvokeEndpointOutput(body=io.BytesIO(json.dumps(result, default=_jsonable).encode("utf-8")),
                                    content_type=accept)

    def predict(self, data: Any, accept: str | None = None, content_type: str | None = None,
                target_variant: str | None = None) -> Any:
        return super().predict(data, accept=accept, content_type=content_type, target_variant=target_variant)


# ------------------------------------------------------------------------------- server side
def _module_of(thing):
    """The user's module defining ``thing``'s class, to pickle by value: the server process cannot
    import a notebook's or a test's module by name (``__main__`` travels by value anyway)."""
    import sys
    import sysconfig

    name = type(thing).__module__
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if module is None or name == "__main__" or name.split(".")[0] in ("helpers", "sagemaker") or path is None:
        return None
    installed = {sysconfig.get_paths()[key] for key in ("purelib", "platlib", "stdlib")}
    return None if any(Path(path).is_relative_to(root) for root in installed) else module


class NativeModelSpec(InferenceSpec):
    """What the SDK serves for ``ModelBuilder(model=<in-memory model>, schema_builder=...)``: the
    pickled model itself, called if callable, else through its ``predict``."""

    def __init__(self, model):
        self.model = model

    def load(self, model_dir: str):
        return self.model

    def invoke(self, input_object, model):
        return model(input_object) if callable(model) else model.predict(input_object)


def write_spec_code(folder: Path, inference_spec, schema_builder) -> tuple[Path, str]:
    """Pickle (spec, schema) into ``folder`` with the ``inference.py`` that serves them; return
    (folder, entry script). The spec class travels by value when it was defined in the notebook."""
    import cloudpickle

    for method in ("load", "invoke"):
        if not callable(getattr(inference_spec, method, None)):
            raise TypeError(f"inference_spec={type(inference_spec).__name__} has no {method}() method: subclass "
                            f"InferenceSpec and define load(self, model_dir) and invoke(self, input_object, model).")
    if schema_builder is None:
        raise ValueError("inference_spec needs schema_builder=SchemaBuilder(sample_input, sample_output): the "
                         "samples choose how requests and answers are encoded.")
    private_dir(folder)
    things = (inference_spec, schema_builder, getattr(inference_spec, "model", None),
              getattr(schema_builder, "custom_input_translator", None),
              getattr(schema_builder, "custom_output_translator", None))
    by_value = [m for m in {_module_of(thing) for thing in things if thing is not None} if m is not None]
    try:
        for module in by_value:
            cloudpickle.register_pickle_by_value(module)
        payload = cloudpickle.dumps((inference_spec, schema_builder))
    except Exception as error:
        raise TypeError(f"cannot pickle the inference_spec ({type(inference_spec).__name__}) and schema_builder "
                        f"for the server: {error}. Keep open files, locks and clients out of their attributes "
                        f"(create them in load()).") from error
    finally:
        for module in by_value:
            cloudpickle.unregister_pickle_by_value(module)
    (folder / SERVE_PICKLE).write_bytes(payload)
    (folder / ENTRY_SCRIPT).write_text(_SCRIPT, encoding="utf-8")
    for path in (folder / SERVE_PICKLE, folder / ENTRY_SCRIPT):
        path.chmod(0o600)
    return folder, ENTRY_SCRIPT


def spec_handlers(script: str):
    """``model_fn, input_fn, predict_fn, output_fn`` serving the ``serve.pkl`` beside ``script``."""
    import cloudpickle

    with open(Path(script).parent / SERVE_PICKLE, "rb") as file:
        spec, schema = cloudpickle.load(file)

    def model_fn(model_dir: str):
        return spec.load(model_dir)

    def input_fn(body: bytes, content_type: str):
        translator = getattr(schema, "custom_input_translator", None)
        expected = getattr(getattr(schema, "input_deserializer", None), "CONTENT_TYPE", None)
        try:
            if translator is not None:
                data = translator.deserialize(io.BytesIO(body), content_type)
            else:
                data = schema.input_deserializer.deserialize(io.BytesIO(body), content_type)
        except Exception as error:
            raise ValueError(f"the request body could not be read as the SchemaBuilder's sample input"
                             f"{f' ({expected})' if expected else ''}: {error}. Send it with "
                             f"endpoint.predict(data) or Content-Type {expected or 'of the input translator'}.") from error
        processed = getattr(spec, "preprocess", lambda _: None)(data)
        return data if processed is None else processed

    def predict_fn(data, model):
        return spec.invoke(data, model)

    def output_fn(prediction, accept: str):
        processed = getattr(spec, "postprocess", lambda _: None)(prediction)
        prediction = prediction if processed is None else processed
        return serialized(prediction, getattr(schema, "custom_output_translator", None),
                          getattr(schema, "output_serializer", None))

    return model_fn, input_fn, predict_fn, output_fn
