"""End to end, as the issue "Bring your own OAuth" defines done: a tenant on a tier that
allows it connects a real, independent OpenID provider (panva's node oidc-provider) and a
GitHub app (the GitHub stand-in, speaking GitHub's formats) with the real CLI; in Debian
chromium a customer signs in through the OpenID provider, then through GitHub, proves the
second account is theirs by signing in with the first, and keeps one ``sub``; the
application then fetches the customer's upstream access tokens, which the upstreams
themselves accept. A signed-in customer links GitHub on the linking page, and after an
admin unlinks it, GitHub no longer signs them in without proof.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from idgate.control.customer_identities import unlink_customer_identity
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.settings import Settings
from idgate.process import build_runtime
from idgate.storage import database
from idgate.storage.tables import upstream_identities
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.browser.conftest import (
    Provider,
    _free_port,
    _idgate,
    running_idgate,
    wait_for_discovery,
)
from tests.browser.test_authlib_relying_party import (
    exchange_code,
    new_authorization,
    validate_id_token,
)
from tests.standins.github import GitHubStandIn
from tests.standins.oidc_upstream import OidcUpstream, start_oidc_upstream

pytestmark = pytest.mark.browser

SLUG = "byo"
WEB_SECRET = "byo-web-client-secret-0123456789-abcdefghij"
GITHUB_SECRET = "github-app-secret-5b1e0c3f9a7d42e8b6"
OIDC_SECRET = "corp-sso-client-secret-0d9f8e7c6b5a4f3e2d1c"
SCOPE = "openid profile email offline_access upstream_token"
DANA = "dana@example.com"
ERIN, ERIN_PASSWORD = "erin@example.com", "erin-password-123"


@dataclass(frozen=True)
class Byo:
    provider: Provider
    oidc: OidcUpstream
    github: GitHubStandIn
    database_url: str


def _provision(env: dict[str, str], cwd: Any, rp_url: str, oidc: OidcUpstream) -> None:
    def idgate(*args: str) -> None:
        _idgate(*args, cwd=cwd, env=env)

    idgate("tenant", "create", SLUG, "--name", "Byo Inc", "--tier", "pro")
    idgate(
        "client", "create", SLUG, "--client-id", "web", "--secret", WEB_SECRET,
        "--redirect-uri", f"{rp_url}/callback", "--grant", "authorization_code",
        *(arg for scope in SCOPE.split() for arg in ("--scope", scope)), "--name", "Byo Web",
    )  # fmt: skip
    idgate(
        "connection", "create", SLUG, "--provider", "oidc", "--id", "corp",
        "--name", "Corp SSO", "--issuer", oidc.issuer,
        "--client-id", "idgate-byo", "--client-secret", OIDC_SECRET,
    )  # fmt: skip
    idgate(
        "connection", "create", SLUG, "--provider", "github",
        "--client-id", "Iv1.byo", "--client-secret", GITHUB_SECRET,
    )  # fmt: skip
    idgate("user", "create", SLUG, "--email", ERIN, "--password", ERIN_PASSWORD)


@pytest.fixture(scope="module")
def byo(tmp_path_factory: pytest.TempPathFactory, rp_url: str) -> Iterator[Byo]:
    workdir = tmp_path_factory.mktemp("idgate-byo")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    issuer = f"{base_url}/t/{SLUG}"
    github = GitHubStandIn.start()
    github.register_app("Iv1.byo", GITHUB_SECRET, f"{issuer}/upstream/github/callback")
    github.add_user(
        "dana-gh",
        id=4242,
        name="Dana S.",
        emails=[{"email": DANA, "primary": True, "verified": True, "visibility": "private"}],
    )
    github.add_user(
        "erin-gh",
        id=7777,
        name="Erin",
        emails=[{"email": ERIN, "primary": True, "verified": True, "visibility": "private"}],
    )
    oidc = start_oidc_upstream(
        clients=[
            {
                "client_id": "idgate-byo",
                "client_secret": OIDC_SECRET,
                "redirect_uris": [f"{issuer}/upstream/corp/callback"],
            }
        ],
        accounts={"dana": {"email": DANA, "email_verified": True, "name": "Dana Scully"}},
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDGATE_")},
        "IDGATE_PUBLIC_URL": base_url,
        "IDGATE_DATABASE_URL": f"sqlite:///{workdir / 'idgate.db'}",
        **github.idgate_env,
    }
    try:
        _provision(env, workdir, rp_url, oidc)
        with running_idgate(workdir, port, env) as (server, log):
            metadata = wait_for_discovery(server, issuer, log)
            jwks = httpx.get(metadata["jwks_uri"], timeout=5).json()
            provider = Provider(base_url, issuer, metadata, jwks, rp_url)
            yield Byo(provider, oidc, github, env["IDGATE_DATABASE_URL"])
    finally:
        oidc.stop()
        github.stop()


@pytest.fixture
def web(byo: Byo) -> Iterator[OAuth2Client]:
    with OAuth2Client(
        client_id="web",
        client_secret=WEB_SECRET,
        token_endpoint_auth_method="client_secret_basic",
        scope=SCOPE,
        redirect_uri=byo.provider.callback,
        code_challenge_method="S256",
    ) as client:
        yield client


def _through_corp_sso(page: Page) -> None:
    page.get_by_role("link", name="Continue with Corp SSO").click()
    page.fill("input[name=login]", "dana")
    page.fill("input[name=password]", "not checked by the dev interactions")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _through_github(page: Page) -> None:
    page.get_by_role("link", name="Continue with GitHub").click()
    expect(page.get_by_role("heading", name="Authorize idgate")).to_be_visible()
    page.get_by_role("button", name="Authorize").click()


def _finish(page: Page, byo: Byo) -> str:
    """Allow on idgate's consent page when it is asked; the authorization response URL."""
    consent = f"{byo.provider.issuer}/consent?"
    page.wait_for_url(lambda url: url.startswith((consent, byo.provider.rp_url)))
    if page.url.startswith(consent):
        expect(page.get_by_text("Use your linked accounts on your behalf")).to_be_visible()
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{byo.provider.rp_url}/**")
    return page.url


def _sign_in(browser: Browser, byo: Byo, web: OAuth2Client, *steps: Any) -> dict[str, Any]:
    """One sign-in in a fresh browser (no session at idgate or at the upstreams): the
    token response, with the ID token's claims under ``claims``."""
    context = browser.new_context()
    try:
        page = context.new_page()
        auth = new_authorization(byo.provider, web)
        page.goto(auth.url)
        for step in steps:
            step(page)
        token = exchange_code(byo.provider, web, auth, _finish(page, byo))
    finally:
        context.close()
    claims = validate_id_token(byo.provider, token, "web", auth.nonce)
    return {**token, "claims": dict(claims)}


def _proves_with_corp_sso(page: Page) -> None:
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("An account with this email already exists")
    expect(page.get_by_role("link", name="Continue with GitHub")).to_have_count(0)
    _through_corp_sso(page)


def _handoff(byo: Byo, connection: str, access_token: str) -> dict[str, Any]:
    response = httpx.get(
        f"{byo.provider.issuer}/upstream/{connection}/token",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "refresh_token" not in body and body["token_type"] == "Bearer"
    return body


def test_a_customer_signs_in_through_both_upstreams_links_them_and_keeps_one_sub(
    browser: Browser, byo: Byo, web: OAuth2Client
) -> None:
    byo.github.sign_in_as("dana-gh")
    first = _sign_in(browser, byo, web, _through_corp_sso)
    sub = first["claims"]["sub"]
    assert first["claims"]["email"] == DANA

    # GitHub knows the same verified email: idgate asks for proof, then links.
    linked = _sign_in(browser, byo, web, _through_github, _proves_with_corp_sso)
    assert linked["claims"]["sub"] == sub

    again = _sign_in(browser, byo, web, _through_github)
    assert again["claims"]["sub"] == sub

    # The application fetches the customer's upstream tokens; the upstreams accept them.
    corp = _handoff(byo, "corp", again["access_token"])
    assert (corp["connection"], corp["provider"]) == ("corp", "oidc")
    userinfo = httpx.get(
        byo.oidc.discovery()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {corp['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["sub"] == "dana"
    github = _handoff(byo, "github", again["access_token"])
    user = httpx.get(
        f"{byo.github.base_url}/user",
        headers={"Authorization": f"Bearer {github['access_token']}", "User-Agent": "test"},
        timeout=10,
    )
    assert user.status_code == 200 and user.json()["login"] == "dana-gh"


def test_an_upstream_denial_comes_back_to_the_sign_in_page_with_a_message(
    browser: Browser, byo: Byo, web: OAuth2Client
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(new_authorization(byo.provider, web).url)
        page.get_by_role("link", name="Continue with GitHub").click()
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("alert")).to_have_text("Signing in with GitHub was cancelled.")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert not page.url.startswith(byo.provider.rp_url)
    finally:
        context.close()


def _with_password(page: Page) -> None:
    page.fill("#email", ERIN)
    page.fill("#password", ERIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _unlink_github(byo: Byo, customer_id: str) -> None:
    """What an organization admin's unlink does (``DELETE
    /api/v1/orgs/byo/customers/{id}/identities/{identity_id}``), on the server's database."""
    rt = build_runtime(Settings(database_url=byo.database_url))
    try:
        with scoped(ALL_TENANTS):
            with database.read(rt.engine) as conn:
                identity_id = conn.execute(
                    select(upstream_identities.c.id).where(
                        upstream_identities.c.customer_id == customer_id
                    )
                ).scalar_one()
            unlink_customer_identity(rt, LOCAL_OPERATOR, SLUG, customer_id, identity_id)
    finally:
        rt.engine.dispose()


def test_a_signed_in_customer_links_github_on_the_linking_page_until_it_is_unlinked(
    browser: Browser, byo: Byo, web: OAuth2Client
) -> None:
    byo.github.sign_in_as("erin-gh")
    context = browser.new_context()
    try:
        page = context.new_page()
        auth = new_authorization(byo.provider, web)
        page.goto(auth.url)
        _with_password(page)
        token = exchange_code(byo.provider, web, auth, _finish(page, byo))
        sub = validate_id_token(byo.provider, token, "web", auth.nonce)["sub"]
        page.goto(f"{byo.provider.issuer}/upstream/github/link")
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("heading", name="Account linked")).to_be_visible()
    finally:
        context.close()

    linked = _sign_in(browser, byo, web, _through_github)
    assert linked["claims"]["sub"] == sub

    _unlink_github(byo, sub)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(new_authorization(byo.provider, web).url)
        _through_github(page)
        expect(page.get_by_role("status")).to_contain_text("An account with this email")
    finally:
        context.close()
