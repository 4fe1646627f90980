"""The four inference handlers a model is served through: ``model_fn``, ``input_fn``, ``predict_fn``,
``output_fn`` (or one ``transform_fn``), as SageMaker's framework containers call them.

* A **built-in algorithm** brings its handlers: ``helpers.algorithms.get(name)``.
* A **script-mode** model brings an ``inference.py`` (any of the functions); the ones it leaves out
  fall back to the framework defaults below (CSV / JSON / NPY in, ``model.predict``, JSON / CSV / NPY
  out), as the SageMaker scikit-learn container does.

:class:`Handlers` runs the three request stages and, when one raises, says which stage it was and
whether the client (4xx) or the model (5xx) is at fault.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from helpers.platform.serving.errors import InvocationTimeout

from helpers.algorithms.errors import InferenceError

MODEL_FILES = ("model.joblib", "model.pkl", "model.pickle")


class HandlerFailure(Exception):
    """A handler raised: ``status`` is what the container answers, ``message`` names the problem."""

    def __init__(self, stage: str, error: BaseException):
        self.stage, self.error = stage, error
        status = getattr(error, "status_code", None)
        if isinstance(status, int) and 400 <= status <= 599:
            self.status = status
        elif isinstance(error, SystemExit):  # the model's code tried to stop the server
            self.status = 500
        elif stage == "input_fn" or isinstance(error, (ValueError, TypeError, KeyError, UnicodeDecodeError)):
            # A body the handlers cannot read, or features the model cannot take (wrong count, NaN):
            # the request is at fault, not the model.
            self.status = 400
        else:
            self.status = 500
        text = str(error) or type(error).__name__
        if self.status == 500:
            text = f"{stage} raised {type(error).__name__}: {text}"
        self.message = text
        super().__init__(text)


@dataclass
class Handlers:
    """A loaded model and the functions that turn a request body into a response body."""

    model: Any
    input_fn: Callable[[bytes, str], Any] | None = None
    predict_fn: Callable[[Any, Any], Any] | None = None
    output_fn: Callable[[Any, str], Any] | None = None
    transform_fn: Callable[[Any, bytes, str, str], Any] | None = None
    #: Accept used when the request has none (or ``*/*``); None passes the header as sent (built-ins
    #: negotiate it themselves).
    default_accept: str | None = None

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        """Run the handlers on one request; raise :class:`HandlerFailure` naming the failing stage.

        ``content_type`` and ``accept`` are the request headers as sent ("" when absent).
        """
        if self.default_accept is not None and accept in ("", "*/*"):
            accept = self.default_accept
        stage = "input_fn"
        try:
            if self.transform_fn is not None:
                stage = "transform_fn"
                result = self.transform_fn(self.model, body, content_type, accept)
            else:
                data = self.input_fn(body, content_type)
                stage = "predict_fn"
                prediction = self.predict_fn(data, self.model)
                stage = "output_fn"
                result = self.output_fn(prediction, accept)
        except (InvocationTimeout, HandlerFailure):
            raise
        except (Exception, SystemExit) as error:  # every other failure becomes an HTTP answer, never a crash
            raise HandlerFailure(stage, error) from error
        if result.__class__ is tuple and len(result) == 2 and result[0].__class__ is bytes and result[1].__class__ is str:
            return result  # (body, content type): the built-ins' shape, already final
        return _as_response(result, accept)


def _as_response(result: Any, accept: str) -> tuple[bytes, str]:
    # output_fn may return (body, content_type) as the built-ins do, or a bare body as framework
    # handlers often do (then the body is in the Accept type).
    if isinstance(result, tuple) and len(result) == 2:
        body, content_type = result
    else:
        body, content_type = result, (accept if accept and accept != "*/*" else "application/json")
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, (bytes, bytearray, memoryview)):
        raise HandlerFailure("output_fn", InferenceError(  # the script's bug, not the request's: 500
            f"output_fn returned {type(body).__name__}, not bytes or str: encode the prediction "
            f"(e.g. json.dumps(...)) and return (body, content_type).", 500))
    if not isinstance(content_type, str):
        raise HandlerFailure("output_fn", InferenceError(
            f"output_fn returned the content type {content_type!r}: return (body, content_type) with a "
            f"MIME type string such as 'application/json'.", 500))
    return bytes(body), content_type


# --------------------------------------------------------------------------- framework defaults
def default_model_fn(model_dir: str | Path) -> Any:
    """Load ``model.joblib`` (or ``model.pkl``) from ``model_dir``, as a scikit-learn script saves it."""
    model_dir = Path(model_dir)
    for name in MODEL_FILES:
        path = model_dir / name
        if path.exists():
            import joblib

            return joblib.load(path)
    found = sorted(p.name for p in model_dir.iterdir()) if model_dir.exists() else []
    raise FileNotFoundError(
        f"no model_fn in inference.py and none of {', '.join(MODEL_FILES)} in the model ({found}): "
        f"save the model as model.joblib in SM_MODEL_DIR, or define model_fn(model_dir) in inference.py.")


def parse_csv(body: bytes) -> np.ndarray:
    """CSV rows (no header, no label) -> float array of shape (rows, features)."""
    text = body.strip()
    if not text:
        raise InferenceError("the request body is empty: send at least one CSV row of features.", 400)
    lines = text.splitlines()
    try:
        if len(lines) == 1:
            array = np.array(lines[0].split(b","), dtype=np.float64).reshape(1, -1)
        else:
            array = np.array([line.split(b",") for line in lines], dtype=np.float64)
    except ValueError as error:
        raise InferenceError(
            f"could not read the text/csv body as numbers ({error}): send rows of comma-separated "
            f"numbers, no header and no label column.", 400) from None
    return array


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def default_input_fn(body: bytes, content_type: str) -> np.ndarray:
    """text/csv, application/json (a list of rows or {"instances": ...}) or application/x-npy -> array."""
    content_type = _mime(content_type) or "text/csv"
    if content_type == "text/csv":
        return parse_csv(body)
    if content_type == "application/json":
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise InferenceError(f"the application/json body is not valid JSON ({error}).", 400) from None
        if isinstance(payload, dict):
            payload = payload.get("instances", payload.get("inputs"))
        try:
            array = np.asarray(payload, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise InferenceError(f"the JSON body is not a list of numeric rows ({error}).", 400) from None
        return array.reshape(1, -1) if array.ndim == 1 else array
    if content_type == "application/x-npy":
        try:
            return np.load(io.BytesIO(body), allow_pickle=False)
        except ValueError as error:
            raise InferenceError(f"the application/x-npy body is not a .npy array ({error}).", 400) from None
    raise InferenceError(
        f"content type {content_type!r} is not supported: use text/csv, application/json or application/x-npy.",
        415)


def default_predict_fn(data: Any, model: Any) -> Any:
    return model.predict(data)


def default_output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    """Encode as JSON (default), CSV (one row per prediction) or NPY, following ``accept``."""
    array = np.asarray(prediction)
    accept = _mime(accept.split(",", 1)[0] if accept else "")
    if accept in ("application/json", "*/*", ""):
        return json.dumps(array.tolist()).encode(), "application/json"
    if accept == "text/csv":
        rows = array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1)
        return ("\n".join(",".join(map(str, row)) for row in rows.tolist()) + "\n").encode(), "text/csv"
    if accept == "application/x-npy":
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue(), "application/x-npy"
    raise InferenceError(
        f"accept type {accept!r} is not supported: ask for application/json, text/csv or application/x-npy.",
        406)


# ------------------------------------------------------------------------------------- loading
def load_module(path: Path, name: str):
    """Import a user's inference script from ``path`` as a fresh module (its folder on sys.path)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}: is it a .py file?")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # so the script can import its sibling modules, as in SageMaker
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_script_handlers(script: Path, model_dir: Path) -> Handlers:
    """Handlers from a user's ``inference.py``; framework defaults for the functions it leaves out."""
    module = load_module(script, f"flywheel_inference_{abs(hash(str(script)))}")
    model_fn = getattr(module, "model_fn", default_model_fn)
    model = model_fn(str(model_dir))
    transform_fn = getattr(module, "transform_fn", None)
    return Handlers(
        model=model,
        input_fn=getattr(module, "input_fn", default_input_fn),
        predict_fn=getattr(module, "predict_fn", default_predict_fn),
        output_fn=getattr(module, "output_fn", default_output_fn),
        transform_fn=transform_fn,
        default_accept="application/json",  # the SageMaker inference toolkit's default
    )


def load_builtin_handlers(algorithm_name: str, model_dir: Path) -> Handlers:
    """Handlers of a built-in algorithm (``helpers.algorithms``, or one registered with the platform)."""
    from helpers.platform.builtins import load

    algorithm = load(algorithm_name)
    return Handlers(
        model=algorithm.model_fn(Path(model_dir)),
        input_fn=algorithm.input_fn,
        # input_fn's array goes straight to predict_fn: an algorithm may skip what parsing checked
        predict_fn=getattr(algorithm, "served_predict_fn", algorithm.predict_fn),
        output_fn=algorithm.output_fn,
    )
