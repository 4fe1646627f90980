"""Wire formats of SDK v3's SchemaBuilder (``sagemaker.serve``): the codec each sample type picks, the
request and answer a client sends and reads with a schema, and the copy of those formats kept in the model
record so an endpoint reached by name speaks them too. No import of ``endpoint`` here:
``Endpoint.predict`` reads the formats, and ``inference_spec``'s endpoints subclass ``Endpoint``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from helpers.platform.serving import registry

#: The pickled (InferenceSpec, SchemaBuilder) in a model's code folder, beside its ``inference.py``
SERVE_PICKLE = "serve.pkl"


# ------------------------------------------------------------------------------------ codecs
def _read(stream) -> bytes:
    return stream.read() if hasattr(stream, "read") else bytes(stream)


def _to_numpy(data) -> np.ndarray:
    if hasattr(data, "detach"):  # a torch tensor
        data = data.detach().cpu().numpy()
    return np.asarray(data)


def _npy(data) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, _to_numpy(data), allow_pickle=False)
    return buffer.getvalue()


def _jsonable(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if hasattr(value, "to_dict"):  # pandas
        return value.to_dict(orient="list") if hasattr(value, "columns") else value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable: return lists, dicts, numbers or "
                    f"strings, or give SchemaBuilder a sample of the type you return.")


class Codec:
    """One wire format: ``serialize(data) -> bytes`` under ``CONTENT_TYPE``; ``deserialize(stream,
    content_type)`` back to the sample's type, asked for with ``ACCEPT`` (the SDK's (de)serializer API)."""

    def __init__(self, kind: str, content_type: str, accept: str | None = None):
        self.kind, self.CONTENT_TYPE, self.ACCEPT = kind, content_type, accept or content_type

    def serialize(self, data) -> bytes:
        if self.kind in ("npy", "torch"):
            return _npy(data)
        if self.kind == "csv":
            import pandas as pd

            frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(_to_numpy(data))
            return frame.to_csv(index=False).encode("utf-8")
        if self.kind == "bytes":
            if isinstance(data, str) and Path(data).is_file():  # the SDK's DataSerializer reads a path
                return Path(data).read_bytes()
            return bytes(data)
        if self.kind == "text":
            return str(data).encode("utf-8")
        return json.dumps(data, default=_jsonable).encode("utf-8")

    def deserialize(self, stream, content_type: str | None = None):
        body = _read(stream)
        if self.kind == "npy":
            return np.load(io.BytesIO(body), allow_pickle=False)
        if self.kind == "torch":
            import torch

            return torch.from_numpy(np.load(io.BytesIO(body), allow_pickle=False))
        if self.kind == "csv":
            import pandas as pd

            return pd.read_csv(io.BytesIO(body))
        if self.kind == "bytes":
            return body
        if self.kind == "text":
            return body.decode("utf-8")
        return json.loads(body)

    def __repr__(self) -> str:
        return f"Codec({self.kind!r}, content_type={self.CONTENT_TYPE!r}, accept={self.ACCEPT!r})"


def _is_torch_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def codec_for(sample, role: str) -> Codec:
    """The wire format ``sagemaker.serve.SchemaBuilder`` picks for a sample (``role``: input/output)."""
    import pandas as pd

    if isinstance(sample, np.ndarray):
        return Codec("npy", "application/x-npy")
    if isinstance(sample, pd.DataFrame):
        return Codec("csv", "text/csv")
    if isinstance(sample, (bytes, bytearray)) or (role == "input" and isinstance(sample, str) and Path(sample).is_file()):
        return Codec("bytes", "file-path/raw-bytes", "*/*")
    if _is_torch_tensor(sample):
        return Codec("torch", "tensor/pt")
    if isinstance(sample, str):
        return Codec("text", "text/plain", "application/json")
    try:
        json.dumps(sample)
    except (TypeError, ValueError):
        raise ValueError(f"SchemaBuilder cannot pick a wire format for a sample {role} of type "
                         f"{type(sample).__name__}: give a numpy array, DataFrame, torch tensor, bytes, str or "
                         f"JSON-able value (lists, dicts, numbers), or pass {role}_translator=... with "
                         f"serialize/deserialize methods.") from None
    return Codec("json", "application/json")


# ------------------------------------------------------------------------------- client side
def serialized(data, translator, serializer) -> tuple[bytes, str]:
    """(bytes, content type) of ``data`` as a SchemaBuilder sends it: through its custom translator when it
    has one (``CONTENT_TYPE``, else octet-stream), else its serializer. Both sides use it: the client's
    request and the server's answer."""
    if translator is not None:
        content_type = getattr(translator, "CONTENT_TYPE", None) or "application/octet-stream"
        body = translator.serialize(data, content_type)
    else:
        content_type = serializer.CONTENT_TYPE
        body = serializer.serialize(data)
    body = body.read() if hasattr(body, "read") else body
    return (body.encode("utf-8") if isinstance(body, str) else bytes(body)), content_type


def request_of(schema, data) -> tuple[bytes, str, str]:
    """(body, content type, accept) of a request carrying ``data``, as the SDK's predictor sends it."""
    body, content_type = serialized(data, getattr(schema, "custom_input_translator", None),
                                    getattr(schema, "input_serializer", None))
    output = getattr(schema, "custom_output_translator", None)
    accept = (getattr(output, "ACCEPT", None) or "*/*") if output is not None else schema.output_deserializer.ACCEPT
    return body, content_type, accept


def answer_of(schema, body: bytes, content_type: str | None):
    """The response body as the sample output's type."""
    translator = getattr(schema, "custom_output_translator", None)
    if translator is not None:
        return translator.deserialize(io.BytesIO(body), content_type)
    return schema.output_deserializer.deserialize(io.BytesIO(body), content_type)


# ------------------------------------------------------------- formats kept with the model
def _side(schema, role: str) -> dict:
    """One direction's wire format as JSON: the codec's kind, or ``Kind: None`` when a translator (or an
    SDK serializer of a sample the kit cannot type) does the work, which then needs ``serve.pkl``."""
    translator = getattr(schema, f"custom_{role}_translator", None)
    if translator is None:
        try:
            codec = codec_for(getattr(schema, f"sample_{role}"), role)
            return {"Kind": codec.kind, "ContentType": codec.CONTENT_TYPE, "Accept": codec.ACCEPT}
        except (AttributeError, ValueError):
            pass
    content_type = getattr(translator, "CONTENT_TYPE", None) or "application/octet-stream"
    return {"Kind": None, "ContentType": content_type, "Accept": getattr(translator, "ACCEPT", None) or "*/*"}


def serving_formats(schema_builder) -> dict:
    """The SchemaBuilder's request and answer formats, kept in the model record (``Local.Schema``) so an
    endpoint looked up by name (``Endpoint.get``, a new kernel) predicts as ``deploy()``'s object does.
    The SDK keeps them only inside ``serve.pkl``; a JSON copy lets clients read them without unpickling."""
    return {"Input": _side(schema_builder, "input"), "Output": _side(schema_builder, "output")}


class RecordedSchema:
    """A SchemaBuilder's formats rebuilt from :func:`serving_formats` (``request_of`` / ``answer_of`` take it)."""

    def __init__(self, formats: dict):
        sides = formats["Input"], formats["Output"]
        self.input_serializer, self.output_deserializer = (
            Codec(side["Kind"], side["ContentType"], side["Accept"]) for side in sides)

    def __repr__(self) -> str:
        return f"RecordedSchema(input={self.input_serializer!r}, output={self.output_deserializer!r})"


def _pickled_schema(code_dir: str):
    """The SchemaBuilder in the model's ``serve.pkl`` (for translators, whose code only the pickle holds).
    The same file the endpoint's server unpickles, in the store's owner-only folder."""
    import cloudpickle

    with open(Path(code_dir) / SERVE_PICKLE, "rb") as file:
        return cloudpickle.load(file)[1]


def _model_local(variant: dict) -> dict:
    return (variant.get("Model") or {}).get("Local") or {}


def recorded_schema(endpoint_name: str, target_variant: str | None = None):
    """The schema the endpoint's model was built with (None when its models have none), from the
    endpoint's own snapshot of its models, so a model rebuilt since does not change it."""
    config = registry.load(endpoint_name, "config.json", registry.CONFIG_SCHEMA)
    variants = [v for v in (config or {}).get("Variants", [])
                if target_variant is None or v.get("VariantName") == target_variant]
    by_formats = {json.dumps(_model_local(v).get("Schema"), sort_keys=True): _model_local(v) for v in variants}
    if len(by_formats) > 1:
        raise ValueError(f"endpoint {endpoint_name}'s variants {', '.join(v['VariantName'] for v in variants)} read "
                         f"different formats: name one with predict(data, target_variant=...).")
    if not by_formats:
        return None
    local = next(iter(by_formats.values()))
    formats = local.get("Schema")
    if formats is None:
        return None
    if formats["Input"]["Kind"] is None or formats["Output"]["Kind"] is None:
        return _pickled_schema(local["CodeDir"])
    return RecordedSchema(formats)
