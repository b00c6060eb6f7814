"""Client credentials grant (RFC 6749 §4.4; RFC 9068 §2.2 for the access token's subject)."""

from __future__ import annotations

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.errors import ValidationFailed
from idgate.kernel.runtime import Runtime
from tests.conftest import SERVICE_SECRET, WEB_SECRET, TenantFixture, provision_client
from tests.flows import basic, token_request

SERVICE_AUTH = basic("service", SERVICE_SECRET)
GRANT = {"grant_type": "client_credentials"}


def assert_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def test_confidential_client_gets_an_access_token_and_no_refresh_token(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §4.4.3: a refresh token SHOULD NOT be included; §5.1 response fields."""
    response = token_request(client, "acme", GRANT, SERVICE_AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["expires_in"] > 0
    assert "refresh_token" not in body
    assert "id_token" not in body


def test_access_token_subject_is_the_client_id(client: TestClient, acme: TenantFixture) -> None:
    """RFC 9068 §2.2: with no resource owner, ``sub`` is the client's identifier; the
    token is a JWT with typ at+jwt (§2.1) that introspection (RFC 7662) reports active."""
    token = token_request(client, "acme", GRANT, SERVICE_AUTH).json()["access_token"]
    assert jwt.get_unverified_header(token)["typ"].lower() == "at+jwt"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "service" and claims["client_id"] == "service"
    assert claims["iss"] == acme.issuer
    introspection = client.post("/t/acme/introspect", data={"token": token}, headers=SERVICE_AUTH)
    body = introspection.json()
    assert body["active"] is True
    assert body["sub"] == "service" and body["client_id"] == "service"


def test_public_client_is_refused_client_credentials(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §4.4: the client credentials grant MUST only be used by confidential
    clients. A public client identified by client_id is not registered for the grant
    (unauthorized_client, §5.2); one presenting a secret fails authentication
    (invalid_client)."""
    by_id = token_request(client, "acme", {**GRANT, "client_id": "spa"})
    assert_error(by_id, "unauthorized_client")
    with_secret = token_request(
        client, "acme", {**GRANT, "client_id": "spa", "client_secret": WEB_SECRET}
    )
    assert_error(with_secret, "invalid_client", status=401)


def test_a_public_client_cannot_be_registered_for_client_credentials(
    rt: Runtime, acme: TenantFixture
) -> None:
    """RFC 6749 §4.4: a public client can never hold the grant, so registration refuses."""
    with pytest.raises(ValidationFailed):
        provision_client(
            rt,
            "acme",
            client_id="bad",
            name="Bad",
            client_type="public",
            secret=None,
            redirect_uris=[],
            post_logout_redirect_uris=[],
            grants=["client_credentials"],
        )


def test_end_user_scopes_are_invalid_scope(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §4.4.2/§5.2: a scope the client may not have is invalid_scope; OIDC scopes
    such as openid need an end user, which this grant has none of."""
    for scope in ("openid", "offline_access", "unknown"):
        response = token_request(client, "acme", {**GRANT, "scope": scope}, SERVICE_AUTH)
        assert_error(response, "invalid_scope")
