"""End to end: a real browser (Debian chromium via Playwright) and an independent,
maintained OAuth 2.0 / OIDC client library (authlib) complete every flow against a live
``idgate serve``. authlib builds every request and validates every response; the tests
only drive the browser and state what must hold.

ID tokens are validated the way authlib's own OpenID client does (``parse_id_token`` in
``authlib.integrations.base_client``): joserfc verifies the signature against the JWKS and
authlib's ``CodeIDToken`` checks iss, aud, exp, nonce, azp and at_hash.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from playwright.sync_api import Page, expect

from tests.browser.conftest import EMAIL, PASSWORD, SERVICE_SECRET, WEB_SECRET, Provider

pytestmark = pytest.mark.browser

SCOPE = "openid profile email offline_access"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def relying_party(provider: Provider, client_id: str) -> OAuth2Client:
    if client_id == "web":
        return OAuth2Client(
            client_id="web",
            client_secret=WEB_SECRET,
            token_endpoint_auth_method="client_secret_basic",
            scope=SCOPE,
            redirect_uri=provider.callback,
            code_challenge_method="S256",
        )
    return OAuth2Client(
        client_id=client_id,
        token_endpoint_auth_method="none",
        scope=SCOPE,
        redirect_uri=provider.callback,
        code_challenge_method="S256",
    )


@pytest.fixture
def web(provider: Provider) -> Iterator[OAuth2Client]:
    with relying_party(provider, "web") as client:
        yield client


def new_authorization(
    provider: Provider, oauth: OAuth2Client, **extra: str
) -> AuthorizationRequest:
    nonce, code_verifier = generate_token(20), generate_token(48)
    url, state = oauth.create_authorization_url(
        provider.metadata["authorization_endpoint"],
        nonce=nonce,
        code_verifier=code_verifier,
        **extra,
    )
    return AuthorizationRequest(url, state, nonce, code_verifier)


def sign_in(page: Page) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def authorize_interactively(page: Page, provider: Provider, auth: AuthorizationRequest) -> str:
    """Sign in, and allow if the provider asks (consent is remembered per client unless the
    request says prompt=consent); return the authorization response URL."""
    page.goto(auth.url)
    sign_in(page)
    consent_page = f"{provider.issuer}/consent?"
    page.wait_for_url(lambda url: url.startswith((consent_page, provider.rp_url)))
    if "prompt=consent" in auth.url:
        assert page.url.startswith(consent_page), page.url
    if page.url.startswith(consent_page):
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{provider.rp_url}/**")
    return page.url


def authorize_silently(page: Page, provider: Provider, auth: AuthorizationRequest) -> str:
    """Navigate to the authorization URL and prove the provider showed no page: the
    navigation's final response comes from the relying party, reached only by redirects."""
    response = page.goto(auth.url)
    assert response is not None
    assert response.url.startswith(f"{provider.callback}?"), response.url
    return response.url


def exchange_code(
    provider: Provider, oauth: OAuth2Client, auth: AuthorizationRequest, response_url: str
) -> dict[str, Any]:
    assert query_of(response_url)["iss"] == provider.issuer  # RFC 9207
    token = oauth.fetch_token(
        provider.metadata["token_endpoint"],
        authorization_response=response_url,
        state=auth.state,
        code_verifier=auth.code_verifier,
    )
    return dict(token)


def validate_id_token(
    provider: Provider, token: dict[str, Any], client_id: str, nonce: str | None
) -> CodeIDToken:
    decoded = jwt.decode(
        token["id_token"],
        KeySet.import_key_set(provider.jwks),
        registry=JWSRegistry(
            algorithms=provider.metadata["id_token_signing_alg_values_supported"],
            strict_check_header=False,
        ),
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": client_id},
        },
        {"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
    )
    claims.validate()
    assert "at_hash" in claims
    return claims


def signed_in_tokens(
    page: Page, provider: Provider, oauth: OAuth2Client, **extra: str
) -> tuple[dict[str, Any], CodeIDToken]:
    auth = new_authorization(provider, oauth, **extra)
    token = exchange_code(provider, oauth, auth, authorize_interactively(page, provider, auth))
    return token, validate_id_token(provider, token, str(oauth.client_id), auth.nonce)


def refresh_error(provider: Provider, oauth: OAuth2Client, refresh_token: str) -> str:
    with pytest.raises(OAuthError) as failure:
        oauth.refresh_token(provider.metadata["token_endpoint"], refresh_token=refresh_token)
    return str(failure.value.error)


def is_active(provider: Provider, oauth: OAuth2Client, token: str, hint: str) -> bool:
    response = oauth.introspect_token(
        provider.metadata["introspection_endpoint"], token=token, token_type_hint=hint
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


def test_confidential_client_code_flow_validates_id_token_userinfo_and_sso(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    token, claims = signed_in_tokens(page, provider, web, prompt="consent")
    assert {"access_token", "id_token", "refresh_token", "expires_in"} <= token.keys()
    assert token["token_type"].lower() == "bearer"
    assert "sid" in claims and "auth_time" in claims

    userinfo = web.get(provider.metadata["userinfo_endpoint"])
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["sub"] == claims["sub"]
    assert userinfo.json()["email"] == EMAIL

    # SSO: the same browser gets a code for prompt=none without seeing a page.
    silent = new_authorization(provider, web, prompt="none")
    again = exchange_code(provider, web, silent, authorize_silently(page, provider, silent))
    second = validate_id_token(provider, again, "web", silent.nonce)
    assert (second["sub"], second["sid"]) == (claims["sub"], claims["sid"])
    assert second["auth_time"] == claims["auth_time"]


def test_refresh_token_rotates_and_reusing_an_old_one_revokes_the_family(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    first, _ = signed_in_tokens(page, provider, web)
    second = dict(
        web.refresh_token(provider.metadata["token_endpoint"], refresh_token=first["refresh_token"])
    )
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert is_active(provider, web, second["access_token"], "access_token")

    assert refresh_error(provider, web, first["refresh_token"]) == "invalid_grant"
    assert refresh_error(provider, web, second["refresh_token"]) == "invalid_grant"
    assert not is_active(provider, web, second["access_token"], "access_token")


def test_public_client_code_flow_authenticates_with_pkce_only(
    page: Page, provider: Provider
) -> None:
    with relying_party(provider, "spa") as spa:
        token, _ = signed_in_tokens(page, provider, spa, prompt="consent")
        refreshed = spa.refresh_token(provider.metadata["token_endpoint"])
        assert refreshed["refresh_token"] != token["refresh_token"]

        # The code is bound to the challenge: the wrong verifier gets nothing.
        silent = new_authorization(provider, spa, prompt="none")
        response_url = authorize_silently(page, provider, silent)
        with pytest.raises(OAuthError) as failure:
            spa.fetch_token(
                provider.metadata["token_endpoint"],
                authorization_response=response_url,
                state=silent.state,
                code_verifier=generate_token(48),
            )
        assert failure.value.error == "invalid_grant"


def test_client_credentials_with_client_secret_post(provider: Provider) -> None:
    token_endpoint = provider.metadata["token_endpoint"]
    with OAuth2Client(
        client_id="service",
        client_secret=SERVICE_SECRET,
        token_endpoint_auth_method="client_secret_post",
    ) as service:
        token = service.fetch_token(token_endpoint, grant_type="client_credentials")
        assert "refresh_token" not in token and "id_token" not in token
        access = jwt.decode(
            token["access_token"],
            KeySet.import_key_set(provider.jwks),
            registry=JWSRegistry(algorithms=["ES256"], strict_check_header=False),
        )
        assert access.header["typ"] == "at+jwt"
        assert access.claims["iss"] == provider.issuer
        assert access.claims["client_id"] == "service"
        assert is_active(provider, service, token["access_token"], "access_token")

    with (
        OAuth2Client(
            client_id="service",
            client_secret="not-the-secret-" + generate_token(32),
            token_endpoint_auth_method="client_secret_post",
        ) as impostor,
        pytest.raises(OAuthError) as failure,
    ):
        impostor.fetch_token(token_endpoint, grant_type="client_credentials")
    assert failure.value.error == "invalid_client"


def test_introspection_and_revoking_a_refresh_token_deactivates_its_access_token(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    token, _ = signed_in_tokens(page, provider, web)
    assert is_active(provider, web, token["access_token"], "access_token")
    assert is_active(provider, web, token["refresh_token"], "refresh_token")
    assert not is_active(provider, web, generate_token(40), "access_token")

    revoked = web.revoke_token(
        provider.metadata["revocation_endpoint"],
        token=token["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert revoked.status_code == 200, revoked.text
    assert not is_active(provider, web, token["refresh_token"], "refresh_token")
    assert not is_active(provider, web, token["access_token"], "access_token")
    assert refresh_error(provider, web, token["refresh_token"]) == "invalid_grant"


def test_device_flow_is_approved_in_the_browser_while_the_device_polls(
    page: Page, provider: Provider
) -> None:
    token_endpoint = provider.metadata["token_endpoint"]

    def poll(tv: OAuth2Client, device_code: str) -> dict[str, Any]:
        return dict(
            tv.fetch_token(token_endpoint, grant_type=DEVICE_CODE_GRANT, device_code=device_code)
        )

    with OAuth2Client(client_id="tv", token_endpoint_auth_method="none") as tv:
        started = tv.request(
            "POST",
            provider.metadata["device_authorization_endpoint"],
            data={"client_id": "tv", "scope": "openid profile offline_access"},
            withhold_token=True,
        )
        assert started.status_code == 200, started.text
        grant = started.json()
        with pytest.raises(OAuthError) as pending:
            poll(tv, grant["device_code"])
        assert pending.value.error == "authorization_pending"
        first_poll = time.monotonic()

        page.goto(grant["verification_uri_complete"])
        sign_in(page)
        expect(page.get_by_text(grant["user_code"])).to_be_visible()
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("heading", name="Device connected")).to_be_visible()

        # A well-behaved device waits the interval between polls (RFC 8628 §3.5).
        time.sleep(max(0.0, grant["interval"] - (time.monotonic() - first_poll)) + 0.2)
        token = poll(tv, grant["device_code"])
        validate_id_token(provider, token, "tv", nonce=None)
        refreshed = tv.refresh_token(token_endpoint)
        assert refreshed["refresh_token"] != token["refresh_token"]


def test_rp_initiated_logout_returns_with_state_and_ends_the_session_and_its_tokens(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    token, _ = signed_in_tokens(page, provider, web)
    state = generate_token(16)
    logout = urlencode(
        {
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": provider.logged_out,
            "state": state,
        }
    )
    response = page.goto(f"{provider.metadata['end_session_endpoint']}?{logout}")
    assert response is not None
    assert response.url.startswith(f"{provider.logged_out}?"), response.url
    assert query_of(response.url)["state"] == state

    silent = new_authorization(provider, web, prompt="none")
    answer = query_of(authorize_silently(page, provider, silent))
    assert answer["error"] == "login_required"
    assert answer["state"] == silent.state and answer["iss"] == provider.issuer

    assert refresh_error(provider, web, token["refresh_token"]) == "invalid_grant"
    assert not is_active(provider, web, token["access_token"], "access_token")
