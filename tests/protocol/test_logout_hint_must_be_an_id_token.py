"""RP-Initiated Logout 1.0 §2 with RFC 8725 §3.11: ``id_token_hint`` must be an ID token
this OP issued. A JWT of another type signed with the same keys (an RFC 9068 access token,
``typ: at+jwt``) is an invalid hint: an error page, no logout, no redirect (§4)."""

from __future__ import annotations

from urllib.parse import urlencode

from idgate.kernel.runtime import Runtime
from tests.conftest import TenantFixture, provision_client
from tests.flows import Browser, basic, new_authorization, query_of, token_request

PORTAL_SECRET = "portal-secret-0123456789abcdef-0123456789"  # noqa: S105 - a test secret
PORTAL_REDIRECT = "https://portal.example.com/callback"
PORTAL_BYE = "https://portal.example.com/bye"


def _portal_tokens(rt: Runtime, browser: Browser, acme: TenantFixture) -> dict[str, str]:
    """Tokens of a client whose access tokens name itself as audience, so that an access
    token's ``aud`` and ``sid`` look just like an ID token's."""
    provision_client(
        rt,
        "acme",
        client_id="portal",
        name="Portal",
        client_type="confidential",
        secret=PORTAL_SECRET,
        redirect_uris=[PORTAL_REDIRECT],
        post_logout_redirect_uris=[PORTAL_BYE],
        grants=["authorization_code"],
        audience="portal",
    )
    auth = new_authorization(client_id="portal", redirect_uri=PORTAL_REDIRECT, scope="openid")
    code = query_of(browser.sign_in(auth, acme.email, acme.password))["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": PORTAL_REDIRECT,
        "code_verifier": auth.verifier,
    }
    response = token_request(browser.client, "acme", data, basic("portal", PORTAL_SECRET))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _logout(browser: Browser, hint: str) -> int:
    query = urlencode({"id_token_hint": hint, "post_logout_redirect_uri": PORTAL_BYE})
    return browser.get(f"/t/acme/logout?{query}").status_code


def test_access_token_as_id_token_hint_is_refused_and_the_session_stays(
    rt: Runtime, browser: Browser, acme: TenantFixture
) -> None:
    tokens = _portal_tokens(rt, browser, acme)
    assert _logout(browser, tokens["access_token"]) == 400
    still_in = browser.authorize(
        new_authorization(
            client_id="portal", redirect_uri=PORTAL_REDIRECT, scope="openid", prompt="none"
        )
    )
    assert "code" in query_of(still_in.headers["location"])


def test_id_token_of_the_same_sign_in_is_still_a_valid_hint(
    rt: Runtime, browser: Browser, acme: TenantFixture
) -> None:
    tokens = _portal_tokens(rt, browser, acme)
    assert _logout(browser, tokens["id_token"]) == 302
