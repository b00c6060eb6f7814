"""Signing in through an organization's own GitHub app (issue "Bring your own OAuth"): a new
GitHub account becomes a customer, a known one signs its customer in, an account without a
verified email signs no one in, an account whose email belongs to an existing customer is
linked only after that customer proves it with their password, and a signed-in customer
links another account, never one that is someone else's. Against the GitHub stand-in over
HTTP (see ``upstream_flows``); the failures are in ``test_upstream_sign_in_failures``."""

from __future__ import annotations

from typing import Any

import pytest

from idgate.control.customers_admin import set_customer_disabled, show_customer
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.upstream.connections import enabled_connection
from idgate.identity.upstream.providers.model import UpstreamProfile, UpstreamTokens
from idgate.identity.upstream.resolution import resolve_customer
from idgate.identity.upstream.upstream_http import UpstreamFailed
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import PASSWORD, TenantFixture, provision_customer
from tests.flows import WEB_REDIRECT, hidden, new_authorization
from tests.protocol.upstream_flows import (
    CALLBACK,
    GITHUB_CLIENT_ID,
    GITHUB_SECRET,
    GitHubWorld,
    acme_tenant,
    connect_github,
    customer_emails,
    flow_count,
    github_sub,
    id_token_claims,
    identity_rows,
    link_through_github,
    pending_interaction,
    redeem,
    sign_in_with_github,
    through_github,
    verified,
)
from tests.standins.github import GitHubStandIn

OCTO_ID = 583231


@pytest.fixture
def world(
    rt: Runtime,
    acme: TenantFixture,
    github_standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> GitHubWorld:
    return connect_github(rt, acme, github_standin, monkeypatch)


def _identities(rt: Runtime, customer_id: str) -> list[dict[str, Any]]:
    """The customer's ways to sign in, as the admin API's customer detail lists them."""
    with scoped(ALL_TENANTS):
        return show_customer(rt, LOCAL_OPERATOR, "acme", customer_id).identities


# --- a new account, a known account ------------------------------------------------------


def test_a_new_github_account_becomes_a_customer_and_the_flow_reaches_the_client(
    world: GitHubWorld, rt: Runtime
) -> None:
    world.github.add_user(
        "octocat",
        id=OCTO_ID,
        name="The Octocat",
        emails=[
            {"email": "octo@old.example", "primary": False, "verified": True},
            *verified("octocat@example.com"),
        ],
    )
    auth = new_authorization()
    redirect = sign_in_with_github(world, auth=auth)

    assert redirect.startswith(f"{WEB_REDIRECT}?")
    claims = id_token_claims(redeem(world.browser.client, redirect, auth))
    assert claims["email"] == "octocat@example.com"  # the primary verified address
    assert claims["email_verified"] is True
    assert claims["name"] == "The Octocat"
    # At GitHub: the authorization code flow with PKCE S256, then the code exchanged with
    # the client secret in the body (GitHub's way), JSON asked for.
    [asked] = world.github.authorize_requests
    assert asked["client_id"] == GITHUB_CLIENT_ID
    assert asked["redirect_uri"] == CALLBACK
    assert asked["scope"] == "read:user user:email"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert len(asked["state"]) >= 32 and "nonce" not in asked
    [exchange] = world.github.token_requests
    assert exchange.form["client_secret"] == GITHUB_SECRET
    assert exchange.form["redirect_uri"] == CALLBACK
    assert exchange.form["code_verifier"] and exchange.headers["accept"] == "application/json"
    [row] = identity_rows(rt)
    assert (row["customer_id"], row["subject"]) == (claims["sub"], str(OCTO_ID))
    assert row["email"] == "octocat@example.com"
    # Once more, in another browser: the same GitHub account is the same customer.
    assert github_sub(world, world.new_browser()) == claims["sub"]
    assert len(identity_rows(rt)) == 1


def test_the_upstream_tokens_are_stored_sealed(world: GitHubWorld, rt: Runtime) -> None:
    world.github.expiring_tokens = True  # an access and a refresh token
    world.github.add_user("octocat", id=OCTO_ID, emails=verified("octocat@example.com"))
    sign_in_with_github(world)

    [row] = identity_rows(rt)
    assert row["access_token"] and row["refresh_token"]
    for value in row.values():
        text = value if isinstance(value, bytes) else str(value).encode()
        for prefix in (b"ghu_", b"ghr_", b"gho_"):  # GitHub's token shapes
            assert prefix not in text


def test_a_disabled_customer_cannot_sign_in_through_github(world: GitHubWorld, rt: Runtime) -> None:
    world.github.add_user("octocat", id=OCTO_ID, emails=verified("octocat@example.com"))
    octocat = github_sub(world)
    with scoped(ALL_TENANTS):
        set_customer_disabled(rt, LOCAL_OPERATOR, "acme", octocat, disabled=True)

    browser = world.new_browser()
    interaction = pending_interaction(browser, new_authorization())
    answer = through_github(world, browser, interaction)
    assert answer.status_code == 400
    assert "This account is disabled." in answer.text
    assert hidden(answer.text, "interaction") == interaction
    assert "idgate_session" not in answer.cookies


# --- an existing customer's email ----------------------------------------------------------


def test_a_github_account_without_a_primary_verified_email_signs_no_one_in(
    world: GitHubWorld, rt: Runtime, acme: TenantFixture
) -> None:
    without = {
        # Alice's address, unverified at GitHub (anyone can add any address there).
        "mallory": [{"email": acme.email, "primary": True, "verified": False}],
        # Alice's address verified, but not the primary one.
        "trudy": [
            {"email": acme.email, "primary": False, "verified": True},
            {"email": "trudy@example.com", "primary": True, "verified": False},
        ],
        "ghost": [],  # no email at all
    }
    for number, (login, emails) in enumerate(without.items()):
        world.github.add_user(login, id=600 + number, emails=emails)
        world.github.sign_in_as(login)
        interaction = pending_interaction(world.browser, new_authorization())
        answer = through_github(world, world.browser, interaction)

        assert answer.status_code == 400, login
        assert "Your GitHub account has no verified email address to sign in with." in answer.text
        assert hidden(answer.text, "interaction") == interaction  # the sign-in page, to retry
        assert "idgate_session" not in answer.cookies
    assert identity_rows(rt) == []
    assert customer_emails(rt) == {acme.email}  # no customer made either
    assert _identities(rt, acme.customer_id) == [{"provider": "password", "subject": acme.email}]


def test_an_upstream_email_not_vouched_for_never_matches_an_existing_customer(
    world: GitHubWorld, rt: Runtime, acme: TenantFixture
) -> None:
    # GitHub's provider drops unverified emails; an OpenID provider passes
    # email_verified=false through: resolution must refuse it, not link, not create.
    with scoped(ALL_TENANTS):
        connection = enabled_connection(rt, acme_tenant(rt), "github")
        with database.write(rt.engine) as conn:
            with pytest.raises(UpstreamFailed, match="does not confirm the email is yours"):
                resolve_customer(
                    rt,
                    conn,
                    connection=connection,
                    interaction_id="no-interaction-needed",
                    profile=UpstreamProfile("sub-1", acme.email.upper(), False, "Mallory"),
                    tokens=UpstreamTokens("token", None, None, None, None),
                    now=rt.now(),
                )
    assert identity_rows(rt) == []
    assert flow_count(rt) == 0  # nothing held for proof either
    assert customer_emails(rt) == {acme.email}


def test_a_verified_email_of_an_existing_customer_links_only_after_their_password(
    world: GitHubWorld, rt: Runtime, acme: TenantFixture
) -> None:
    # Her address as GitHub has it, in other letter case: the same address.
    world.github.add_user("alice-gh", id=1001, name="Alice", emails=verified("Alice@Example.COM"))
    auth = new_authorization()
    interaction = pending_interaction(world.browser, auth)
    called_back = through_github(world, world.browser, interaction)

    assert called_back.status_code == 302
    login = called_back.headers["location"]
    assert login == f"/t/acme/login?interaction={interaction}"
    assert "idgate_session" not in called_back.cookies
    page = world.browser.get(login)
    assert page.status_code == 200
    assert "An account with this email already exists" in page.text
    assert "To link your GitHub account to it" in page.text
    assert "Continue with GitHub" not in page.text  # proof must come another way
    assert identity_rows(rt) == []  # nothing linked before the proof

    signed_in = world.browser.submit_login(login, acme.email, acme.password)
    redirect = world.browser.follow_to_redirect_uri(signed_in)

    assert id_token_claims(redeem(world.browser.client, redirect, auth))["sub"] == acme.customer_id
    identities = _identities(rt, acme.customer_id)
    assert [(i["provider"], i.get("connection_id"), i["subject"]) for i in identities] == [
        ("password", None, acme.email),
        ("github", "github", "1001"),
    ]
    # From now on GitHub alone signs alice in, in any browser.
    assert github_sub(world, world.new_browser()) == acme.customer_id


def test_another_customers_password_on_that_sign_in_links_nothing(
    world: GitHubWorld, rt: Runtime, acme: TenantFixture
) -> None:
    bob = provision_customer(rt, "acme", email="bob@example.com", password=PASSWORD)
    world.github.add_user("alice-gh", id=1001, emails=verified(acme.email))
    auth = new_authorization()
    interaction = pending_interaction(world.browser, auth)
    called_back = through_github(world, world.browser, interaction)
    assert called_back.status_code == 302

    signed_in = world.browser.submit_login(called_back.headers["location"], bob.email, PASSWORD)
    redirect = world.browser.follow_to_redirect_uri(signed_in)

    assert id_token_claims(redeem(world.browser.client, redirect, auth))["sub"] == bob.id
    assert identity_rows(rt) == []
    # The held account is gone: GitHub again asks for alice's proof, it does not sign in.
    other = world.new_browser()
    again = through_github(world, other, pending_interaction(other, new_authorization()))
    assert again.status_code == 302
    assert again.headers["location"].startswith("/t/acme/login?")
    assert identity_rows(rt) == []


# --- linking from a signed-in session ----------------------------------------------------


def test_linking_needs_a_signed_in_session(world: GitHubWorld, rt: Runtime) -> None:
    answer = world.browser.get("/t/acme/upstream/github/link")
    assert answer.status_code == 401
    assert "Sign in first, then link another account." in answer.text
    assert "location" not in answer.headers
    assert flow_count(rt) == 0


def test_a_signed_in_customer_links_a_github_account(
    world: GitHubWorld, rt: Runtime, acme: TenantFixture
) -> None:
    # Another email than alice's: linking from a session needs no email match.
    world.github.add_user("alice-gh", id=1001, emails=verified("alice@users.example"))
    world.browser.sign_in(new_authorization(), acme.email, acme.password)

    linked = link_through_github(world, world.browser)

    assert linked.status_code == 200, linked.text
    assert "Your GitHub account is now linked." in linked.text
    [row] = identity_rows(rt)
    assert (row["customer_id"], row["subject"], row["email"]) == (
        acme.customer_id,
        "1001",
        "alice@users.example",
    )
    assert github_sub(world, world.new_browser()) == acme.customer_id


def test_linking_a_github_account_of_another_customer_is_refused(
    world: GitHubWorld, rt: Runtime, acme: TenantFixture
) -> None:
    world.github.add_user("octocat", id=OCTO_ID, emails=verified("octocat@example.com"))
    octocat = github_sub(world, world.new_browser())  # the account is octocat's customer's
    world.browser.sign_in(new_authorization(), acme.email, acme.password)

    refused = link_through_github(world, world.browser)

    assert refused.status_code == 400
    assert "This GitHub account is already linked to an account." in refused.text
    assert [row["customer_id"] for row in identity_rows(rt)] == [octocat]
