"""One JSON log line per request, with its request id, and never a secret: no query
string, form body, Authorization header or cookie reaches the log."""

from __future__ import annotations

import json
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from local.server import build_app
from tests.conftest import SERVICE_SECRET, TenantFixture
from tests.flows import basic, new_authorization

Capture = pytest.CaptureFixture[str]


def _lines(capsys: Capture) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _request_lines(capsys: Capture) -> tuple[list[dict[str, Any]], str]:
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == "request"], out


def test_a_token_request_logs_one_json_line_without_the_client_secret(
    rt: Runtime, acme: TenantFixture, capsys: Capture
) -> None:
    client = TestClient(build_app())
    capsys.readouterr()

    response = client.post(
        "/t/acme/token?debug=query-marker-7f3a",
        data={"grant_type": "client_credentials", "x_unrecognized": "form-marker-19bc"},
        headers={**basic("service", SERVICE_SECRET), "Cookie": "idgate_session=cookie-marker-4d2e"},
    )

    assert response.status_code == 200, response.text
    [line], out = _request_lines(capsys)
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["method"] == "POST"
    assert line["route"] == "/t/{tenant}/token"
    assert line["tenant"] == "acme"
    assert line["status"] == 200
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float)
    assert "timestamp" in line
    authorization = basic("service", SERVICE_SECRET)["Authorization"]
    for secret in (SERVICE_SECRET, authorization.split()[1], response.json()["access_token"]):
        assert secret not in out
    for marker in ("query-marker-7f3a", "form-marker-19bc", "cookie-marker-4d2e"):
        assert marker not in out


def test_client_secret_post_body_never_reaches_the_log(
    rt: Runtime, acme: TenantFixture, capsys: Capture
) -> None:
    client = TestClient(build_app())
    capsys.readouterr()

    client.post(
        "/t/acme/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "service",
            "client_secret": SERVICE_SECRET,
        },
    )

    [line], out = _request_lines(capsys)
    assert line["route"] == "/t/{tenant}/token"
    assert SERVICE_SECRET not in out


def test_authorization_request_logs_the_route_template_not_its_query(
    rt: Runtime, acme: TenantFixture, capsys: Capture
) -> None:
    client = TestClient(build_app())
    auth = new_authorization()
    capsys.readouterr()

    client.get("/t/acme/authorize", params=auth.params, follow_redirects=False)

    [line], out = _request_lines(capsys)
    assert line["route"] == "/t/{tenant}/authorize"
    for value in (auth.state, auth.nonce, auth.challenge):
        assert value not in out


def test_a_well_formed_incoming_request_id_is_kept_and_echoed(rt: Runtime, capsys: Capture) -> None:
    client = TestClient(build_app())
    capsys.readouterr()

    response = client.get("/health/live", headers={"X-Request-Id": "lb-7c1e.42"})

    assert response.headers["x-request-id"] == "lb-7c1e.42"
    [line], _out = _request_lines(capsys)
    assert line["request_id"] == "lb-7c1e.42"


def test_a_malformed_incoming_request_id_is_replaced_by_a_random_one(
    rt: Runtime, capsys: Capture
) -> None:
    client = TestClient(build_app())
    capsys.readouterr()

    response = client.get("/health/live", headers={"X-Request-Id": 'bad id"\\n' + "x" * 200})

    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    [line], out = _request_lines(capsys)
    assert line["request_id"] == request_id
    assert "bad id" not in out


def test_other_log_lines_during_a_request_carry_its_request_id(
    rt: Runtime, capsys: Capture
) -> None:
    from fastapi import APIRouter

    from idgate.web.app_factory import create_app

    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        structlog.get_logger("idgate.test").warning("inside the handler")

    client = TestClient(create_app(router))
    capsys.readouterr()

    response = client.get("/boom", headers={"X-Request-Id": "trace-1"})

    lines = _lines(capsys)
    inside = [line for line in lines if line["event"] == "inside the handler"]
    assert [line["request_id"] for line in inside] == ["trace-1"]
    assert response.headers["x-request-id"] == "trace-1"
