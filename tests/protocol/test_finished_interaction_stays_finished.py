"""OIDC Core §3.1.2.6 / RFC 6749 §4.1.2.1: once an authorization request has been answered
with an error at the redirect URI (the end user denied consent, or ``prompt=none`` could
not be satisfied), its pending interaction is gone for good: the deletion is committed
even though the answer is an error, so the interaction id cannot be resumed, shown or
answered again (e.g. turning the denial into an approval)."""

from __future__ import annotations

from urllib.parse import urlencode

from idgate.identity.interactions import start_interaction
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tenant_scope import scoped
from idgate.tenancy.tenants import serving_tenant
from tests.conftest import TenantFixture
from tests.flows import Browser, hidden, new_authorization, query_of


def _consent_location(browser: Browser, acme: TenantFixture) -> str:
    first = browser.authorize(new_authorization())
    signed_in = browser.submit_login(first.headers["location"], acme.email, acme.password)
    resumed = browser.get(signed_in.headers["location"])
    location = resumed.headers["location"]
    assert location.startswith("/t/acme/consent"), location
    return location


def _assert_gone(browser: Browser, interaction_id: str) -> None:
    query = urlencode({"interaction": interaction_id})
    resumed = browser.get(f"/t/acme/authorize/resume?{query}")
    assert resumed.status_code == 400 and "location" not in resumed.headers
    assert browser.get(f"/t/acme/consent?{query}").status_code == 400


def test_denied_consent_finishes_the_interaction_for_good(
    browser: Browser, acme: TenantFixture
) -> None:
    location = _consent_location(browser, acme)
    page = browser.get(location)
    denied = browser.answer_consent(location, "deny")
    assert query_of(denied.headers["location"])["error"] == "access_denied"
    interaction_id = query_of(location)["interaction"]
    allowed = browser.post(
        "/t/acme/consent",
        {
            "interaction": interaction_id,
            "csrf_token": hidden(page.text, "csrf_token"),
            "decision": "allow",
        },
    )
    assert allowed.status_code == 400 and "location" not in allowed.headers
    _assert_gone(browser, interaction_id)


def test_prompt_none_error_on_a_resumed_interaction_finishes_it_for_good(
    rt: Runtime, browser: Browser, acme: TenantFixture
) -> None:
    tenant = serving_tenant(rt, "acme")
    auth = new_authorization(prompt="none")
    with scoped(tenant.id), database.write(rt.engine) as conn:
        interaction_id = start_interaction(
            conn, tenant_id=tenant.id, kind="authorize", params=auth.params, now=rt.now()
        )
    query = urlencode({"interaction": interaction_id})
    refused = browser.get(f"/t/acme/authorize/resume?{query}")
    assert refused.status_code == 302, refused.text
    assert query_of(refused.headers["location"])["error"] == "login_required"
    _assert_gone(browser, interaction_id)
