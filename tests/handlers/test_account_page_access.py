"""The account page's connected accounts, authorized applications and account deletion, on
SQLite and PostgreSQL: the customer's last way to sign in stays, revoking an application
deletes its consent and kills its refresh tokens, and deleting the account needs
re-authentication and removes the customer's rows."""

from __future__ import annotations

import re

import pytest

from idgate.kernel.runtime import Runtime
from idgate.storage.tables import (
    account_tokens,
    consents,
    customers,
    sessions,
    token_families,
    upstream_identities,
)
from tests.conftest import WEB_SECRET, FakeClock, TenantFixture, provision_customer
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    authorize_code,
    basic,
    new_authorization,
    token_request,
)
from tests.handlers.account_fixtures import (
    ACCOUNT,
    add_github_connection,
    audited,
    browser_with_session,
    count_rows,
    done,
    post,
    refused,
    signed_in_browser,
)
from tests.handlers.admin_fixtures import use_cheap_password_hashing
from tests.handlers.upstream_fixtures import link_identity


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_password_hashing(monkeypatch)


def web_refresh_token(browser: Browser, acme: TenantFixture) -> str:
    auth = new_authorization(scope="openid profile email offline_access")
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    response = token_request(browser.client, "acme", data, basic("web", WEB_SECRET))
    assert response.status_code == 200, response.text
    return str(response.json()["refresh_token"])


def refresh_status(browser: Browser, refresh_token: str) -> tuple[int, str | None]:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    response = token_request(browser.client, "acme", data, basic("web", WEB_SECRET))
    return response.status_code, response.json().get("error")


def test_linked_accounts_are_listed_with_unlink_and_other_connections_with_link(
    rt: Runtime, acme: TenantFixture
) -> None:
    add_github_connection(rt)
    add_github_connection(rt, "corp", "Corp SSO")
    link_identity(rt, "acme", acme.customer_id, "corp", email="alice@corp.example")
    page = signed_in_browser(rt, acme).get(ACCOUNT).text
    assert "Corp SSO</strong>: alice@corp.example" in page
    assert 'href="/t/acme/upstream/github/link">Link GitHub</a>' in page
    assert "Link Corp SSO" not in page


def test_unlinking_an_account_of_a_customer_with_a_password_is_audited(
    rt: Runtime, acme: TenantFixture
) -> None:
    add_github_connection(rt)
    identity = link_identity(rt, "acme", acme.customer_id, "github")
    browser = signed_in_browser(rt, acme)
    done(post(browser, "connections/unlink", identity_id=identity), "unlinked")
    assert count_rows(rt, upstream_identities, customer_id=acme.customer_id) == 0
    (event,) = audited(rt, "customer.identity_unlinked")
    assert event["actor"] == f"customer:{acme.customer_id}"


def test_the_last_way_to_sign_in_cannot_be_unlinked(rt: Runtime, acme: TenantFixture) -> None:
    add_github_connection(rt)
    bob = provision_customer(rt, "acme", email="bob@example.com", password=None)
    only = link_identity(rt, "acme", bob.id, "github")
    bobs = browser_with_session(rt, bob.id)
    refused(post(bobs, "connections/unlink", identity_id=only), "your only way to sign in")
    assert count_rows(rt, upstream_identities, id=only) == 1


def test_another_customers_linked_account_cannot_be_unlinked(
    rt: Runtime, acme: TenantFixture
) -> None:
    add_github_connection(rt)
    bob = provision_customer(rt, "acme", email="bob@example.com", password="bob-password-1234")
    bobs_identity = link_identity(rt, "acme", bob.id, "github")
    browser = signed_in_browser(rt, acme)
    refused(post(browser, "connections/unlink", identity_id=bobs_identity), "not linked to yours")
    assert count_rows(rt, upstream_identities, id=bobs_identity) == 1


def test_revoking_an_application_deletes_its_consent_and_its_refresh_tokens_fail(
    rt: Runtime, acme: TenantFixture
) -> None:
    browser = signed_in_browser(rt, acme)
    refresh_token = web_refresh_token(browser, acme)
    page = browser.get(ACCOUNT).text
    assert "<strong>Acme Web</strong>" in page and 'name="client_id" value="web"' in page

    done(post(browser, "applications/revoke", client_id="web"), "revoked")
    assert refresh_status(browser, refresh_token) == (400, "invalid_grant")
    assert count_rows(rt, consents, customer_id=acme.customer_id) == 0
    assert "No applications have access" in browser.get(ACCOUNT).text
    (event,) = audited(rt, "consent.revoked")
    assert (event["actor"], event["details"]) == (
        f"customer:{acme.customer_id}",
        {"client_id": "web"},
    )


def test_revoking_an_application_the_customer_never_authorized_is_refused(
    rt: Runtime, acme: TenantFixture
) -> None:
    browser = signed_in_browser(rt, acme)
    refresh_token = web_refresh_token(browser, acme)
    refused(post(browser, "applications/revoke", client_id="spa"), "not authorized")
    assert refresh_status(browser, refresh_token)[0] == 200


def test_deleting_the_account_needs_the_password_and_removes_the_customers_rows(
    rt: Runtime, acme: TenantFixture
) -> None:
    add_github_connection(rt)
    link_identity(rt, "acme", acme.customer_id, "github")
    browser = signed_in_browser(rt, acme)
    refresh_token = web_refresh_token(browser, acme)
    refused(post(browser, "delete", current_password="wrong-password"), "not correct")
    assert count_rows(rt, customers, id=acme.customer_id) == 1

    deleted = post(browser, "delete", current_password=acme.password)
    assert deleted.status_code == 302, deleted.text
    assert deleted.headers["location"] == f"{ACCOUNT}/deleted"
    assert 'idgate_session=""' in deleted.headers["set-cookie"]
    goodbye = browser.get(f"{ACCOUNT}/deleted")
    assert goodbye.status_code == 200 and "Account deleted" in goodbye.text

    for table in (customers, sessions, consents, token_families, upstream_identities):
        column = "id" if table is customers else "customer_id"
        assert count_rows(rt, table, **{column: acme.customer_id}) == 0, table.name
    assert count_rows(rt, account_tokens, customer_id=acme.customer_id) == 0
    assert refresh_status(browser, refresh_token) == (400, "invalid_grant")
    (event,) = audited(rt, "customer.deleted")
    assert (event["actor"], event["target"]) == (f"customer:{acme.customer_id}", acme.customer_id)
    assert browser.get(ACCOUNT).status_code == 302  # signed out: the page asks to sign in


def test_a_customer_without_a_password_deletes_only_right_after_signing_in(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    bob = provision_customer(rt, "acme", email="bob@example.com", password=None)
    bobs = browser_with_session(rt, bob.id)
    page = bobs.get(ACCOUNT).text
    assert "Set a password" in page and not re.search(r'name="current_password"', page)
    clock.advance(301)
    refused(post(bobs, "delete"), "sign in again")
    assert count_rows(rt, customers, id=bob.id) == 1

    fresh = browser_with_session(rt, bob.id)
    assert post(fresh, "delete").status_code == 302
    assert count_rows(rt, customers, id=bob.id) == 0
