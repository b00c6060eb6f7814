"""Health probes and Prometheus metrics: liveness, readiness (503 while the database is
down), request metrics by route template, grants by type and outcome, logins by outcome,
and request ids under API Gateway."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from local.server import build_app
from tests.conftest import SERVICE_SECRET, TenantFixture
from tests.flows import Browser, basic, new_authorization, token_request
from tests.handlers.lambda_events import call_like_lambda


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_live_answers_ok(rt: Runtime) -> None:
    response = TestClient(build_app()).get("/health/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_checks_the_database(rt: Runtime) -> None:
    response = TestClient(build_app()).get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_ready_is_503_json_while_the_database_is_down(rt: Runtime, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "idgate.db"
    down = build_runtime(rt.settings.model_copy(update={"database_url": f"sqlite:///{missing}"}))
    install_runtime(down)
    try:
        response = TestClient(build_app()).get("/health/ready")
    finally:
        install_runtime(rt)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "down"}}
    assert str(missing) not in response.text


def test_metrics_count_requests_by_route_template_not_raw_path(
    rt: Runtime, acme: TenantFixture
) -> None:
    client = TestClient(build_app())
    labels = {"route": "/t/{tenant}/jwks", "method": "GET", "status": "200"}
    before = _sample("idgate_http_requests_total", **labels)
    latency_before = _sample("idgate_http_request_duration_seconds_count", route=labels["route"])

    assert client.get("/t/acme/jwks").status_code == 200
    scrape = client.get("/metrics")

    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    assert _sample("idgate_http_requests_total", **labels) == before + 1
    assert _sample("idgate_http_request_duration_seconds_count", route=labels["route"]) == (
        latency_before + 1
    )
    assert 'route="/t/{tenant}/jwks"' in scrape.text
    assert 'route="/t/acme/jwks"' not in scrape.text


def test_unmatched_paths_share_one_route_label(rt: Runtime) -> None:
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    before = _sample("idgate_http_requests_total", **labels)

    TestClient(build_app()).get("/no/such/path-12345")

    assert _sample("idgate_http_requests_total", **labels) == before + 1
    assert "path-12345" not in TestClient(build_app()).get("/metrics").text


def test_grants_are_counted_issued_or_failed_by_grant_type_and_error(
    rt: Runtime, acme: TenantFixture
) -> None:
    client = TestClient(build_app())
    form = {"grant_type": "client_credentials"}
    issued = _sample("idgate_grants_issued_total", grant_type="client_credentials")
    bad_secret = _sample(
        "idgate_grants_failed_total", grant_type="client_credentials", error="invalid_client"
    )
    unsupported = _sample(
        "idgate_grants_failed_total", grant_type="unsupported", error="unsupported_grant_type"
    )

    ok = token_request(client, "acme", form, basic("service", SERVICE_SECRET))
    wrong = token_request(client, "acme", form, basic("service", "x" * 40))
    bogus = token_request(client, "acme", {"grant_type": "bogus"}, basic("service", "x" * 40))

    assert (ok.status_code, wrong.status_code, bogus.status_code) == (200, 401, 400)
    assert _sample("idgate_grants_issued_total", grant_type="client_credentials") == issued + 1
    assert (
        _sample(
            "idgate_grants_failed_total", grant_type="client_credentials", error="invalid_client"
        )
        == bad_secret + 1
    )
    assert (
        _sample(
            "idgate_grants_failed_total", grant_type="unsupported", error="unsupported_grant_type"
        )
        == unsupported + 1
    )


def test_logins_are_counted_by_outcome(rt: Runtime, acme: TenantFixture) -> None:
    browser = Browser(TestClient(build_app()))
    failures = _sample("idgate_logins_total", outcome="failure")
    successes = _sample("idgate_logins_total", outcome="success")
    first = browser.authorize(new_authorization())
    login_page = first.headers["location"]

    refused = browser.submit_login(login_page, acme.email, "wrong password")
    accepted = browser.submit_login(login_page, acme.email, acme.password)

    assert (refused.status_code, accepted.status_code) == (401, 302)
    assert _sample("idgate_logins_total", outcome="failure") == failures + 1
    assert _sample("idgate_logins_total", outcome="success") == successes + 1


def test_metrics_and_health_are_not_mounted_in_lambda_functions() -> None:
    from functions.authorize.app import app as authorize_app
    from functions.device.app import app as device_app
    from functions.token.app import endpoints as token_endpoints

    for routes in (authorize_app.routes, token_endpoints.routes, device_app.routes):
        paths = {getattr(route, "path", "") for route in routes}
        assert not any(p.startswith(("/metrics", "/health")) for p in paths), paths


def _api_gateway_event(path: str, request_id: str) -> dict[str, object]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "id.example.com", "x-request-id": "client-chosen-id"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "id.example.com",
            "requestId": request_id,
            "stage": "$default",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "test",
            },
        },
        "isBase64Encoded": False,
    }


def test_lambda_request_id_is_the_api_gateway_request_id(rt: Runtime, acme: TenantFixture) -> None:
    from functions.token.app import handler

    result = call_like_lambda(handler, _api_gateway_event("/t/acme/jwks", "Ab1cD2eF3gHIJ="))

    assert result["statusCode"] == 200
    assert result["headers"]["x-request-id"] == "Ab1cD2eF3gHIJ="
    body = result["body"]
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    assert json.loads(body)["keys"]
