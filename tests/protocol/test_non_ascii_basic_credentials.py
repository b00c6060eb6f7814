"""Raw non-ASCII bytes in ``Authorization: Basic`` are malformed client credentials
(RFC 6749 §5.2: invalid_client, 401 with a Basic challenge), never a server error, at every
endpoint that authenticates a client.

httpx refuses such header values, so each request is an ASGI scope built by hand, as the
server would hand it over."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest

from idgate.kernel.runtime import Runtime
from local.server import build_app
from tests.conftest import TenantFixture

ENDPOINTS = ("token", "introspect", "revoke", "device_authorization")
FORMS = {
    "token": b"grant_type=client_credentials",
    "introspect": b"token=whatever",
    "revoke": b"token=whatever",
    "device_authorization": b"scope=openid",
}


def _post(path: str, authorization: bytes, body: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"authorization", authorization),
        ],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # In a thread of its own: pytest-playwright keeps a loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, build_app()(scope, receive, send)).result()
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("authorization", [b"Basic \xff\xfe", b"Basic \xc3\xa9t\xc3\xa9:x"])
def test_non_ascii_basic_credentials_are_invalid_client_not_a_server_error(
    rt: Runtime,
    acme: TenantFixture,
    endpoint: str,
    authorization: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, headers, body = _post(f"/t/acme/{endpoint}", authorization, FORMS[endpoint])
    assert status == 401, body
    assert orjson.loads(body)["error"] == "invalid_client"
    assert headers[b"www-authenticate"].startswith(b"Basic ")
    assert "unhandled error" not in caplog.text
