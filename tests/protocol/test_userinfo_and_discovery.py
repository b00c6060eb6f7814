"""Discovery (OIDC Discovery §3-4, RFC 8414 §2), the JWKS (RFC 7517), the UserInfo endpoint
(OIDC Core §5.3-5.4 with RFC 6750 bearer tokens) and ID token signatures (OIDC Core §2,
§3.1.3.6-3.1.3.7)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from tests.conftest import SERVICE_SECRET, WEB_SECRET, TenantFixture, provision_client
from tests.flows import (
    SPA_REDIRECT,
    WEB_REDIRECT,
    Browser,
    authorize_code,
    basic,
    new_authorization,
    token_request,
)

PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def code_tokens(
    browser: Browser,
    acme: TenantFixture,
    *,
    scope: str,
    client_id: str = "web",
    redirect_uri: str = WEB_REDIRECT,
) -> dict[str, Any]:
    auth = new_authorization(client_id=client_id, redirect_uri=redirect_uri, scope=scope)
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": redirect_uri,
        "code_verifier": auth.verifier,
    }
    headers = basic("web", WEB_SECRET) if client_id == "web" else None
    if headers is None:
        data["client_id"] = client_id
    response = token_request(browser.client, "acme", data, headers)
    assert response.status_code == 200, response.text
    return {**response.json(), "nonce": auth.nonce}


def userinfo(client: TestClient, token: str | None, method: str = "GET") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.request(method, "/t/acme/userinfo", headers=headers)


def assert_invalid_token(response: httpx.Response) -> None:
    """RFC 6750 §3, §3.1: 401 with a Bearer challenge naming invalid_token."""
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert response.json()["error"] == "invalid_token"


# Discovery and JWKS ---------------------------------------------------------------------


def test_discovery_document_describes_this_provider(
    client: TestClient, acme: TenantFixture
) -> None:
    """OIDC Discovery §3 (REQUIRED members, RS256 MUST be listed), §4.3 (issuer MUST be
    identical to the one the document was fetched under), RFC 8414 §2."""
    response = client.get("/t/acme/.well-known/openid-configuration")
    assert response.status_code == 200
    meta = response.json()
    assert meta["issuer"] == acme.issuer
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["subject_types_supported"] == ["public"]
    assert {"client_secret_basic", "client_secret_post", "none"} <= set(
        meta["token_endpoint_auth_methods_supported"]
    )
    assert {"RS256", "EdDSA", "ES256"} <= set(meta["id_token_signing_alg_values_supported"])
    assert {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
    } <= set(meta["grant_types_supported"])
    assert "openid" in meta["scopes_supported"]
    endpoints = [key for key in meta if key.endswith("_endpoint") or key == "jwks_uri"]
    assert {"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"} <= set(
        endpoints
    )
    for key in endpoints:
        assert meta[key].startswith(acme.issuer + "/"), key


def test_discovery_endpoints_are_served(client: TestClient, acme: TenantFixture) -> None:
    """OIDC Discovery §3: every advertised endpoint exists (none answers 404)."""
    meta = client.get("/t/acme/.well-known/openid-configuration").json()
    assert client.get(meta["jwks_uri"].removeprefix("http://testserver")).status_code == 200
    for key in ("token_endpoint", "introspection_endpoint", "revocation_endpoint"):
        path = meta[key].removeprefix("http://testserver")
        assert client.post(path, data={}).status_code in (400, 401), key


def test_jwks_publishes_public_signing_keys_only(client: TestClient, acme: TenantFixture) -> None:
    """RFC 7517 §4 (kid, use, alg), RFC 7518 §6: only public members are published; the
    RS256 ID-token key and the ES256 access-token key are present."""
    response = client.get("/t/acme/jwks")
    assert response.status_code == 200
    keys = response.json()["keys"]
    algs = {key["alg"] for key in keys}
    assert {"RS256", "ES256"} <= algs
    kids = [key["kid"] for key in keys]
    assert len(kids) == len(set(kids))
    for key in keys:
        assert key["kid"] and key["use"] == "sig"
        assert not PRIVATE_JWK_MEMBERS & key.keys(), key
    rsa = next(key for key in keys if key["alg"] == "RS256")
    assert rsa["kty"] == "RSA"
    ec = next(key for key in keys if key["alg"] == "ES256")
    assert ec["kty"] == "EC" and ec["crv"] == "P-256"


# UserInfo --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", {"sub"}),
        ("openid email", {"sub", "email", "email_verified"}),
        ("openid profile", {"sub", "name"}),
        ("openid profile email", {"sub", "name", "email", "email_verified"}),
    ],
)
def test_userinfo_releases_claims_by_scope(
    browser: Browser, acme: TenantFixture, scope: str, claims: set[str]
) -> None:
    """OIDC Core §5.3.2 (sub is always returned), §5.4 (email -> email, email_verified;
    profile -> name)."""
    tokens = code_tokens(browser, acme, scope=scope)
    response = userinfo(browser.client, tokens["access_token"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == claims
    assert body["sub"] == acme.customer_id
    id_claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert body["sub"] == id_claims["sub"]  # §5.3.2: MUST match the ID token's sub
    if "email" in claims:
        assert body["email"] == acme.email and isinstance(body["email_verified"], bool)
    if "name" in claims:
        assert body["name"] == "Alice Liddell"


def test_userinfo_accepts_post(browser: Browser, acme: TenantFixture) -> None:
    """OIDC Core §5.3.1: the UserInfo endpoint MUST support GET and POST."""
    tokens = code_tokens(browser, acme, scope="openid")
    response = userinfo(browser.client, tokens["access_token"], method="POST")
    assert response.status_code == 200 and response.json()["sub"] == acme.customer_id
    assert response.headers["cache-control"] == "no-store"


def test_userinfo_without_token_is_401_with_bearer_challenge(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6750 §3 and §3.1: a request without any credentials gets 401 and a bare
    WWW-Authenticate: Bearer challenge, with no error code in it."""
    response = userinfo(client, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="idgate"'
    assert "error=" not in response.headers["www-authenticate"]


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_userinfo_with_invalid_token_is_invalid_token(
    client: TestClient, acme: TenantFixture, token: str
) -> None:
    """RFC 6750 §3.1: a malformed or unverifiable token is invalid_token (401)."""
    assert_invalid_token(userinfo(client, token))


def test_userinfo_with_revoked_token_is_invalid_token(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6750 §3.1: a revoked token is invalid_token (revoked through RFC 7009)."""
    tokens = code_tokens(browser, acme, scope="openid offline_access")
    revoked = browser.client.post(
        "/t/acme/revoke", data={"token": tokens["access_token"]}, headers=basic("web", WEB_SECRET)
    )
    assert revoked.status_code == 200
    assert_invalid_token(userinfo(browser.client, tokens["access_token"]))


def test_userinfo_refuses_a_token_without_an_end_user(
    client: TestClient, acme: TenantFixture
) -> None:
    """OIDC Core §5.3: UserInfo needs an access token obtained with the openid scope; a
    client credentials token has no end user."""
    data = {"grant_type": "client_credentials"}
    token = token_request(client, "acme", data, basic("service", SERVICE_SECRET)).json()
    assert_invalid_token(userinfo(client, token["access_token"]))


# ID token signatures ------------------------------------------------------------------


def _at_hash(access_token: str, alg: str) -> str:
    """OIDC Core §3.1.3.6: left half of the hash of the access token; the hash is the one
    of the JWS alg (SHA-256 for RS256/ES256, SHA-512 for EdDSA with Ed25519)."""
    digest = (hashlib.sha512 if alg == "EdDSA" else hashlib.sha256)(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_id_token_signed_with_the_clients_alg_verifies_against_jwks(
    rt: Runtime, browser: Browser, acme: TenantFixture, alg: str
) -> None:
    """OIDC Core §3.1.3.7: the RP validates the ID token's signature with the key from the
    OP's JWKS (kid in the header), using the alg registered for the client (OIDC
    Registration §2 id_token_signed_response_alg); iss, aud, nonce and at_hash match."""
    client_id = f"app-{alg.lower()}"
    provision_client(
        rt,
        "acme",
        client_id=client_id,
        name=f"App {alg}",
        client_type="public",
        secret=None,
        redirect_uris=[SPA_REDIRECT],
        post_logout_redirect_uris=[],
        grants=["authorization_code"],
        id_token_alg=alg,
    )
    tokens = code_tokens(
        browser, acme, scope="openid email", client_id=client_id, redirect_uri=SPA_REDIRECT
    )
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == alg
    jwks = browser.client.get("/t/acme/jwks").json()["keys"]
    jwk = next(key for key in jwks if key["kid"] == header["kid"])
    assert jwk["alg"] == alg and jwk["use"] == "sig"
    assert not PRIVATE_JWK_MEMBERS & jwk.keys()
    claims = jwt.decode(
        tokens["id_token"],
        jwt.PyJWK(jwk).key,
        algorithms=[alg],
        audience=client_id,
        issuer=acme.issuer,
    )
    assert claims["sub"] == acme.customer_id
    assert claims["nonce"] == tokens["nonce"]
    assert claims["email"] == acme.email
    assert claims["at_hash"] == _at_hash(tokens["access_token"], alg)
