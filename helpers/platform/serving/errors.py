"""The error shapes of the SageMaker Runtime API and of an inference container, as bytes on the wire.

Two layers answer a bad request, as on AWS:

* the **container** (``POST /invocations``) answers with its own status (400, 406, 413, 415, 500...)
  and a plain-text message naming the problem;
* the **Runtime API** (``POST /endpoints/<name>/invocations``) wraps a container error into a
  ``ModelError`` (HTTP 424) whose JSON body carries ``OriginalStatusCode`` and ``OriginalMessage``,
  and answers its own checks (unknown endpoint, unknown variant, bad header) with a
  ``ValidationError`` (HTTP 400). botocore reads the error code from the ``x-amzn-ErrorType``
  header, so ``client.exceptions.ModelError`` / ``ValidationError`` are raised unchanged.
"""

from __future__ import annotations

import json
import uuid

from helpers.platform.backend import LOCAL_ACCOUNT_ID as LOCAL_ACCOUNT

#: Maximum real-time payload, as on SageMaker (6 MB) — request and response.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


class InvocationTimeout(BaseException):
    """Raised inside the model's handlers when they run past the invocation time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that an ``except Exception`` in user code
    cannot swallow it.
    """


def _headers(content_type: bytes, body: bytes, extra: list[tuple[bytes, bytes]] | None = None):
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if extra:
        headers += extra
    return headers


def aws_error(status: int, code: str, message: str, **fields) -> tuple[int, list, bytes]:
    """An AWS JSON error response: (status, headers, body) with ``x-amzn-ErrorType: <code>``."""
    payload = {"ErrorCode": code, "Message": message, **fields}
    body = json.dumps(payload).encode()
    request_id = str(uuid.uuid4()).encode()
    return status, _headers(b"application/json", body, [
        (b"x-amzn-errortype", f"{code}:http://internal.amazon.com/coral/com.amazon.sagemaker/".encode()),
        (b"x-amzn-requestid", request_id),
    ]), body


def validation_error(message: str, status: int = 400) -> tuple[int, list, bytes]:
    return aws_error(status, "ValidationError", message)


def model_error(endpoint_name: str, original_status: int, original_message: str,
                log_hint: str, variant: str = "primary") -> tuple[int, list, bytes]:
    """SageMaker's wrapping of a container error (424) — the message format AWS uses."""
    kind = "client" if 400 <= original_status < 500 else "server"
    message = (f'Received {kind} error ({original_status}) from {variant} with message '
               f'"{original_message}". See {log_hint} for more information.')
    return aws_error(
        424, "ModelError", message,
        OriginalStatusCode=original_status,
        OriginalMessage=original_message,
        LogStreamArn=f"arn:aws:logs:local:{LOCAL_ACCOUNT}:log-group:/aws/sagemaker/Endpoints/{endpoint_name}",
    )


def timeout_message(variant: str, seconds: float) -> str:
    return (f"Your invocation timed out while waiting for a response from container {variant} "
            f"(limit {seconds:g} s). Make the model answer faster (smaller batches, a lighter model), "
            f"or use batch transform (Transformer) for slow, large jobs.")


def plain(status: int, message: str) -> tuple[int, list, bytes]:
    """A container's own error: plain text, the message naming the problem."""
    body = message.encode("utf-8", "replace")
    return status, _headers(b"text/plain; charset=utf-8", body), body
