"""The HTTP edge of the token function's JSON endpoints (idgate.web.json_endpoints): the
answers a client gets for requests that never reach the protocol logic."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import SERVICE_SECRET, TenantFixture
from tests.flows import basic

SERVICE_AUTH = basic("service", SERVICE_SECRET)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_wrong_method_is_405_with_allow_and_a_json_error(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 9110 §15.5.6: a 405 response MUST carry Allow."""
    response = client.post("/t/acme/jwks")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["error"] == "method_not_allowed"


def test_head_of_the_key_set_has_its_headers_and_no_body(
    client: TestClient, acme: TenantFixture
) -> None:
    full = client.get("/t/acme/jwks")
    head = client.head("/t/acme/jwks")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == full.headers["content-length"]
    assert head.headers["cache-control"] == "public, max-age=300"


def test_unknown_tenant_is_a_json_404(client: TestClient, acme: TenantFixture) -> None:
    response = client.get("/t/nobody/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_oversized_form_is_refused_without_a_server_error(
    client: TestClient, acme: TenantFixture
) -> None:
    body = b"grant_type=client_credentials&scope=" + b"a" * 70_000
    response = client.post("/t/acme/token", content=body, headers={**FORM, **SERVICE_AUTH})
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def test_form_that_is_not_utf8_is_invalid_request(client: TestClient, acme: TenantFixture) -> None:
    body = b"grant_type=client_credentials&scope=\xff\xfe"
    response = client.post("/t/acme/token", content=body, headers={**FORM, **SERVICE_AUTH})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_security_headers_and_request_id_are_on_every_answer(
    client: TestClient, acme: TenantFixture
) -> None:
    for response in (client.get("/t/acme/jwks"), client.get("/t/nobody/jwks")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert len(response.headers["x-request-id"]) == 32
