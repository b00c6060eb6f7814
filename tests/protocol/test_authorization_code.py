"""Authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636, OIDC Core §3.1)."""

from __future__ import annotations

import jwt

from tests.conftest import WEB_SECRET, TenantFixture
from tests.flows import WEB_REDIRECT, Browser, basic, new_authorization, query_of, token_request


def test_code_flow_issues_id_access_and_refresh_tokens(
    browser: Browser, acme: TenantFixture
) -> None:
    auth = new_authorization()
    redirect = browser.sign_in(auth, acme.email, acme.password)
    assert redirect.startswith(WEB_REDIRECT)
    answer = query_of(redirect)
    assert answer["state"] == auth.state
    assert answer["iss"] == acme.issuer
    response = token_request(
        browser.client,
        "acme",
        {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": WEB_REDIRECT,
            "code_verifier": auth.verifier,
        },
        basic("web", WEB_SECRET),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert body["token_type"] == "Bearer"
    assert {"access_token", "id_token", "refresh_token", "expires_in"} <= body.keys()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert (
        claims["iss"] == acme.issuer
        and claims["aud"] == "web"
        and claims["sub"] == acme.customer_id
    )
    assert claims["nonce"] == auth.nonce
    assert {"exp", "iat", "auth_time", "at_hash", "sid"} <= claims.keys()
