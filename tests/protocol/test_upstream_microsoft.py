"""Signing in through an organization's own Microsoft app (issue "Bring your own OAuth", the
Microsoft preset) against the Microsoft identity platform stand-in over HTTP: the
multi-tenant ``{tenantid}`` issuer rule (``iss`` must name the token's own ``tid``), the
connection's audience (``common``, ``organizations``, ``consumers`` or one tenant ID),
Microsoft emails never treated as verified so never linked to an existing customer (the
"nOAuth" takeover), and client authentication as the upstream's metadata allows.

idgate runs in-process behind a ``TestClient``; the test walks the browser's redirects:
authorize → sign-in page → its "Continue with Microsoft" link → the stand-in (approves at
once) → idgate's callback, opened with the ``TestClient``'s cookies."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idgate.control.connections_admin import put_upstream_connection
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers, upstream_flows, upstream_identities
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app
from tests.conftest import WEB_SECRET, TenantFixture
from tests.flows import (
    WEB_REDIRECT,
    Authorization,
    Browser,
    basic,
    new_authorization,
    query_of,
    token_request,
)
from tests.standins.microsoft import MicrosoftStandIn
from tests.standins.microsoft_formats import (
    CONSUMERS_TID,
    MicrosoftAccount,
    organization_account,
    personal_account,
)

MS_CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"  # an application (client) ID
MS_SECRET = "Qx~8Q~tmsCq.Yd1nWv_rFzE-3pLk9aJbHs0uX7cK"  # Microsoft's secret value shape
CALLBACK = "http://testserver/t/acme/upstream/microsoft/callback"
CONTOSO_TID = "3e1c4c1a-52b4-4a56-9d7e-0f1c2b3a4d5e"
FABRIKAM_TID = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
NOT_VERIFIED = "Microsoft sent a sign-in that could not be verified."


@pytest.fixture
def microsoft(microsoft_standin: MicrosoftStandIn) -> MicrosoftStandIn:
    microsoft_standin.register_app(MS_CLIENT_ID, MS_SECRET, CALLBACK)
    return microsoft_standin


def connect(rt: Runtime, microsoft: MicrosoftStandIn, tenant: str | None = None) -> None:
    """``idgate connection create acme --provider microsoft --issuer {stand-in}/{tenant}/v2.0
    [--microsoft-tenant TENANT]`` (``tenant`` None: the default, ``common``)."""
    wanted = ConnectionSettings(
        provider="microsoft",
        client_id=MS_CLIENT_ID,
        client_secret=MS_SECRET,
        issuer=microsoft.authority(tenant or "common"),
        microsoft_tenant=tenant,
    )
    with scoped(ALL_TENANTS):
        put_upstream_connection(rt, LOCAL_OPERATOR, "acme", "microsoft", wanted)


# --- the browser's way through idgate and the stand-in ----------------------------------


def continue_with(page: str, name: str) -> str:
    match = re.search(rf'<a href="([^"]+)">Continue with {name}</a>', page)
    assert match, page
    return unescape(match.group(1))


def through_microsoft(browser: Browser, microsoft: MicrosoftStandIn, auth: Authorization) -> Any:
    """Authorize at idgate, "Continue with Microsoft", approve at the stand-in: idgate's
    answer to the callback."""
    first = browser.authorize(auth)
    assert first.headers["location"].startswith("/t/acme/login?"), first.text
    page = browser.get(first.headers["location"])
    assert page.status_code == 200, page.text
    start = continue_with(page.text, "Microsoft")
    assert start.startswith("/t/acme/upstream/microsoft/start?interaction="), start
    to_microsoft = browser.get(start)
    assert to_microsoft.status_code in (302, 303), to_microsoft.text
    assert to_microsoft.headers["location"].startswith(microsoft.base_url)
    with httpx.Client(follow_redirects=False) as http:
        approved = http.get(to_microsoft.headers["location"])
    assert approved.status_code == 302, approved.text
    callback = approved.headers["location"]
    assert callback.startswith(f"{CALLBACK}?"), callback
    parts = urlsplit(callback)
    return browser.get(f"{parts.path}?{parts.query}")


def sign_in(browser: Browser, microsoft: MicrosoftStandIn) -> dict[str, Any]:
    """A whole authorization through Microsoft for the ``web`` client: the claims of the ID
    token idgate then issues to it."""
    auth = new_authorization()
    called_back = through_microsoft(browser, microsoft, auth)
    assert called_back.status_code == 302, called_back.text
    redirect = browser.follow_to_redirect_uri(called_back)
    assert redirect.startswith(f"{WEB_REDIRECT}?"), redirect
    response = token_request(
        browser.client,
        "acme",
        {
            "grant_type": "authorization_code",
            "code": query_of(redirect)["code"],
            "redirect_uri": WEB_REDIRECT,
            "code_verifier": auth.verifier,
        },
        basic("web", WEB_SECRET),
    )
    assert response.status_code == 200, response.text
    return dict(jwt.decode(response.json()["id_token"], options={"verify_signature": False}))


def assert_refused(response: httpx.Response, message: str) -> None:
    """Back on the sign-in page with the message: no redirect, so no code for the client."""
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    assert "<h1>Sign in</h1>" in response.text
    assert message in unescape(response.text), response.text


def refused_sign_in(browser: Browser, microsoft: MicrosoftStandIn, message: str) -> None:
    assert_refused(through_microsoft(browser, microsoft, new_authorization()), message)


def another_browser() -> Browser:
    return Browser(TestClient(build_app(), base_url="http://testserver"))


# --- what idgate stored -----------------------------------------------------------------


def identity_rows(rt: Runtime) -> list[dict[str, Any]]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return [dict(row._mapping) for row in conn.execute(select(upstream_identities))]


def customer_rows(rt: Runtime) -> list[dict[str, Any]]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return [dict(row._mapping) for row in conn.execute(select(customers))]


def awaiting_proof(rt: Runtime) -> int:
    query = select(upstream_flows).where(upstream_flows.c.stage == "awaiting_proof")
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return len(conn.execute(query).all())


def contoso_member(username: str = "megan@contoso.example") -> MicrosoftAccount:
    return organization_account(CONTOSO_TID, username, "Megan Bowen")


# --- common: any work or personal account, its email never verified --------------------


def test_a_work_account_through_common_becomes_an_unverified_customer_and_reaches_the_client(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft)
    megan = microsoft.sign_in_as(contoso_member())

    claims = sign_in(browser, microsoft)

    assert claims["email"] == "megan@contoso.example"
    assert claims["email_verified"] is False  # Microsoft never vouches for an email
    assert claims["name"] == "Megan Bowen"
    [customer] = [c for c in customer_rows(rt) if c["id"] == claims["sub"]]
    assert customer["email_verified"] is False
    assert customer["password_hash"] is None
    [identity] = identity_rows(rt)
    assert identity["customer_id"] == claims["sub"]
    assert identity["subject"] == microsoft.sub_of(megan, MS_CLIENT_ID)  # the pairwise sub
    assert identity["refresh_token"] is not None  # offline_access is a default scope
    # Once more, in another browser: the same Microsoft account is the same customer.
    assert sign_in(another_browser(), microsoft)["sub"] == claims["sub"]
    assert len(identity_rows(rt)) == 1


def test_an_id_token_whose_iss_names_another_tenant_than_its_tid_is_refused(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft)
    microsoft.sign_in_as(contoso_member())
    microsoft.mismatch_next_issuer(FABRIKAM_TID)

    refused_sign_in(browser, microsoft, NOT_VERIFIED)

    assert identity_rows(rt) == []
    assert [c["email"] for c in customer_rows(rt)] == [acme.email]


def test_a_microsoft_email_equal_to_a_password_customers_is_never_linked(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    # nOAuth: anyone can put any address in a Microsoft account's email attribute.
    connect(rt, microsoft)
    microsoft.sign_in_as(organization_account(FABRIKAM_TID, "ALICE@example.com", "Not Alice"))

    refused_sign_in(browser, microsoft, "Microsoft does not confirm the email is yours")

    assert identity_rows(rt) == []
    assert awaiting_proof(rt) == 0  # not even a link waiting for Alice's password
    [alice] = customer_rows(rt)
    assert (alice["id"], alice["name"]) == (acme.customer_id, "Alice Liddell")


def test_a_denied_consent_at_microsoft_comes_back_to_the_sign_in_page(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft)
    microsoft.sign_in_as(contoso_member())
    microsoft.deny_next()

    refused_sign_in(browser, microsoft, "Signing in with Microsoft was cancelled.")

    assert identity_rows(rt) == []


# --- the connection's audience ----------------------------------------------------------


def test_organizations_accepts_work_accounts_and_refuses_personal_ones(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft, "organizations")
    microsoft.sign_in_as(personal_account("sam@outlook.example", "Sam Home"))
    refused_sign_in(browser, microsoft, NOT_VERIFIED)
    assert identity_rows(rt) == []

    microsoft.sign_in_as(contoso_member())
    assert sign_in(another_browser(), microsoft)["email"] == "megan@contoso.example"


def test_consumers_accepts_personal_accounts_and_refuses_work_ones(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft, "consumers")
    microsoft.sign_in_as(contoso_member())
    refused_sign_in(browser, microsoft, NOT_VERIFIED)
    assert identity_rows(rt) == []

    sam = microsoft.sign_in_as(personal_account("sam@outlook.example", "Sam Home"))
    assert sam.tid == CONSUMERS_TID
    claims = sign_in(another_browser(), microsoft)
    assert (claims["email"], claims["email_verified"]) == ("sam@outlook.example", False)


def test_a_tenant_id_accepts_its_own_members_only(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft, CONTOSO_TID)
    microsoft.sign_in_as(organization_account(FABRIKAM_TID, "lee@fabrikam.example", "Lee Gu"))
    refused_sign_in(browser, microsoft, NOT_VERIFIED)
    assert identity_rows(rt) == []

    microsoft.sign_in_as(contoso_member())
    assert sign_in(another_browser(), microsoft)["email"] == "megan@contoso.example"


def test_a_tenant_id_refuses_a_token_whose_iss_names_it_but_whose_tid_is_another(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft, CONTOSO_TID)
    microsoft.sign_in_as(organization_account(FABRIKAM_TID, "lee@fabrikam.example", "Lee Gu"))
    microsoft.mismatch_next_issuer(CONTOSO_TID)

    refused_sign_in(browser, microsoft, NOT_VERIFIED)

    assert identity_rows(rt) == []


# --- client authentication at the token endpoint ----------------------------------------


def test_microsoft_gets_pkce_s256_a_nonce_and_client_secret_basic_as_its_metadata_allows(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    connect(rt, microsoft)
    microsoft.sign_in_as(contoso_member())

    sign_in(browser, microsoft)

    [asked] = microsoft.authorize_requests  # state, nonce and PKCE S256 (the stand-in checks)
    assert (asked["client_id"], asked["redirect_uri"]) == (MS_CLIENT_ID, CALLBACK)
    assert (asked["response_type"], asked["code_challenge_method"]) == ("code", "S256")
    assert asked["state"] and asked["nonce"] and asked["code_challenge"]
    assert set(asked["scope"].split()) == {"openid", "email", "profile", "offline_access"}
    [received] = microsoft.token_requests
    assert received.tenant == "common"
    assert received.client_auth == "client_secret_basic"
    assert (received.client_id, received.client_secret) == (MS_CLIENT_ID, MS_SECRET)
    assert "client_secret" not in received.form
    assert received.form["grant_type"] == "authorization_code"
    assert received.form["redirect_uri"] == CALLBACK
    assert received.form["code_verifier"]


def test_the_code_exchange_posts_the_secret_when_the_metadata_lists_only_client_secret_post(
    rt: Runtime, acme: TenantFixture, browser: Browser, microsoft: MicrosoftStandIn
) -> None:
    microsoft.auth_methods = ("client_secret_post", "private_key_jwt")
    connect(rt, microsoft)
    microsoft.sign_in_as(contoso_member())

    sign_in(browser, microsoft)

    [received] = microsoft.token_requests
    assert received.client_auth == "client_secret_post"
    assert "authorization" not in received.headers
    assert (received.form["client_id"], received.form["client_secret"]) == (MS_CLIENT_ID, MS_SECRET)
