"""Client authentication at the token endpoint (RFC 6749 §2.3, §3.2.1, §5.2; OIDC Core §9):
client_secret_basic, client_secret_post, and ``none`` for public clients."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

import httpx
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from tests.conftest import SERVICE_SECRET, WEB_SECRET, TenantFixture, provision_client
from tests.flows import (
    SPA_REDIRECT,
    Browser,
    authorize_code,
    basic,
    new_authorization,
    token_request,
)

CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}


def assert_invalid_client(response: httpx.Response, *, basic_challenge: bool) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    if basic_challenge:
        assert response.headers["www-authenticate"].startswith("Basic ")


def test_client_secret_basic_authenticates(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §2.3.1: the server MUST support HTTP Basic for clients with a password."""
    response = token_request(client, "acme", CLIENT_CREDENTIALS, basic("service", SERVICE_SECRET))
    assert response.status_code == 200, response.text


def test_client_secret_post_authenticates(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §2.3.1: client_id and client_secret in the request body."""
    data = {**CLIENT_CREDENTIALS, "client_id": "service", "client_secret": SERVICE_SECRET}
    response = token_request(client, "acme", data)
    assert response.status_code == 200, response.text


def test_public_client_authenticates_with_client_id_only(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §3.2.1/§4.1.3: a public client sends its client_id (auth method ``none``);
    PKCE binds the code to it."""
    auth = new_authorization(client_id="spa", redirect_uri=SPA_REDIRECT)
    code = authorize_code(browser, acme, auth)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SPA_REDIRECT,
        "code_verifier": auth.verifier,
        "client_id": "spa",
    }
    response = token_request(browser.client, "acme", data)
    assert response.status_code == 200, response.text
    assert "access_token" in response.json()


def test_wrong_secret_with_basic_is_401_invalid_client_with_www_authenticate(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §5.2: a client that tried HTTP Basic and failed gets 401 and the server
    MUST include WWW-Authenticate."""
    wrong = basic("service", SERVICE_SECRET + "x")
    response = token_request(client, "acme", CLIENT_CREDENTIALS, wrong)
    assert_invalid_client(response, basic_challenge=True)


def test_wrong_secret_in_body_is_invalid_client(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §5.2: failed client authentication is invalid_client (401)."""
    data = {**CLIENT_CREDENTIALS, "client_id": "service", "client_secret": WEB_SECRET}
    assert_invalid_client(token_request(client, "acme", data), basic_challenge=False)


def test_unknown_client_is_invalid_client(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §5.2: unknown client is invalid_client, by every method."""
    by_basic = token_request(client, "acme", CLIENT_CREDENTIALS, basic("nobody", SERVICE_SECRET))
    assert_invalid_client(by_basic, basic_challenge=True)
    by_post = {**CLIENT_CREDENTIALS, "client_id": "nobody", "client_secret": SERVICE_SECRET}
    assert_invalid_client(token_request(client, "acme", by_post), basic_challenge=False)
    by_none = {**CLIENT_CREDENTIALS, "client_id": "nobody"}
    assert_invalid_client(token_request(client, "acme", by_none), basic_challenge=False)


def test_confidential_client_without_secret_is_invalid_client(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §3.2.1: confidential clients MUST authenticate at the token endpoint; a
    client_id alone is no credential."""
    response = token_request(client, "acme", {**CLIENT_CREDENTIALS, "client_id": "service"})
    assert_invalid_client(response, basic_challenge=False)
    no_client = token_request(client, "acme", CLIENT_CREDENTIALS)
    assert_invalid_client(no_client, basic_challenge=False)


def test_public_client_presenting_a_secret_is_invalid_client(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §2.3: a public client has no secret, so any secret it presents is wrong."""
    data = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "spa"}
    response = token_request(client, "acme", {**data, "client_secret": WEB_SECRET})
    assert_invalid_client(response, basic_challenge=False)


def test_two_authentication_methods_at_once_is_invalid_request(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §2.3: the client MUST NOT use more than one authentication method in each
    request; §5.2 calls such a request invalid_request."""
    data = {**CLIENT_CREDENTIALS, "client_id": "service", "client_secret": SERVICE_SECRET}
    response = token_request(client, "acme", data, basic("service", SERVICE_SECRET))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


def test_malformed_basic_credentials_are_invalid_client(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §5.2, RFC 7617 §2: Basic credentials that are not base64 user:pass fail
    client authentication with a challenge."""
    for value in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = token_request(client, "acme", CLIENT_CREDENTIALS, {"Authorization": value})
        assert_invalid_client(response, basic_challenge=True)


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        ("partner app", "s3cret+with:colons%and&more=chars/0123456789ab"),
        ("ops:svc", "plain-secret-0123456789-abcdefghijklmnop"),
    ],
)
def test_basic_credentials_are_form_urlencoded_before_base64(
    rt: Runtime, client: TestClient, acme: TenantFixture, client_id: str, secret: str
) -> None:
    """RFC 6749 §2.3.1: the client id and password are encoded with
    application/x-www-form-urlencoded, then used as the Basic user-id and password."""
    provision_client(
        rt,
        "acme",
        client_id=client_id,
        name="Partner",
        client_type="confidential",
        secret=secret,
        redirect_uris=[],
        post_logout_redirect_uris=[],
        grants=["client_credentials"],
    )
    encoded = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    header = {"Authorization": "Basic " + base64.b64encode(encoded.encode()).decode()}
    response = token_request(client, "acme", CLIENT_CREDENTIALS, header)
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]
