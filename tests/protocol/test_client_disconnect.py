"""A client that disconnects while its request body is read is not a server error."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from idgate.kernel.runtime import Runtime
from local.server import build_app
from tests.conftest import TenantFixture


def test_client_disconnect_mid_body_is_not_logged_as_server_error(
    rt: Runtime, acme: TenantFixture, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/t/acme/token",
        "raw_path": b"/t/acme/token",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # In a thread of its own: pytest-playwright keeps a loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, build_app()(scope, receive, send)).result()
    assert sent[0]["status"] == 400
    assert "unhandled error" not in caplog.text
