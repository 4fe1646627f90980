"""STS's ``GetCallerIdentity``, answered locally for plain boto3 (many notebooks call it for the account id).

``use_backend("local")`` sets ``AWS_ENDPOINT_URL_STS`` to the router's URL, so
``boto3.client("sts").get_caller_identity()`` arrives here (signed for "sts", AWS's query protocol:
``POST /`` with ``Action=GetCallerIdentity&Version=2011-06-15`` as a form body) once the router has
checked the owner. The answer is STS's XML, naming the local account and the kit's local user; any
other action gets STS's ``InvalidAction`` error, saying what the local platform answers.
"""

from __future__ import annotations

import urllib.parse
import uuid
from xml.sax.saxutils import escape

from helpers.platform.backend import LOCAL_ACCOUNT_ID
from helpers.platform.serving.access import clip
from helpers.platform.serving.app import read_body

MAX_BODY_BYTES = 64 * 1024
NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
#: The caller the local platform names: a user of the local account, as ``aws sts get-caller-identity`` shows one.
LOCAL_USER_ID = "AIDAFLYWHEELLOCALUSER"
LOCAL_USER_ARN = f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:user/flywheel-local"


def caller_identity_xml(request_id: str) -> bytes:
    return (f'<GetCallerIdentityResponse xmlns="{NAMESPACE}"><GetCallerIdentityResult>'
            f"<Arn>{LOCAL_USER_ARN}</Arn><UserId>{LOCAL_USER_ID}</UserId><Account>{LOCAL_ACCOUNT_ID}</Account>"
            f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>").encode()


def error_xml(code: str, message: str, request_id: str) -> bytes:
    return (f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>").encode()


class StsApi:
    """Answers boto3's STS requests (one instance per router)."""

    async def __call__(self, scope: dict, path: str, headers: dict, receive, send) -> None:
        body = await read_body(receive, MAX_BODY_BYTES)
        form = urllib.parse.parse_qs((body or b"").decode("utf-8", "replace"))
        form.update(urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1")))
        action = (form.get("Action") or [""])[0]
        request_id = str(uuid.uuid4())
        if action == "GetCallerIdentity":
            status, payload = 200, caller_identity_xml(request_id)
        else:
            status, payload = 400, error_xml("InvalidAction", (
                f"STS action {clip(action, 80)!r} is not answered by the local platform: it answers GetCallerIdentity "
                "only (use_backend('sagemaker') reaches AWS)."), request_id)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"text/xml"), (b"content-length", str(len(payload)).encode()),
            (b"x-amzn-requestid", request_id.encode())]})
        await send({"type": "http.response.body", "body": payload})
