"""Builders for the analytics tests: sign-ins through the core's own sign-in operations at
chosen times (a password sign-in as the login page makes it, an upstream one as the
upstream callback ends it), on the admin world of ``admin_fixtures``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from idgate.identity.customers import get_customer
from idgate.identity.interactions import load_interaction, start_interaction
from idgate.identity.sign_in import SignInFailed, open_signed_in_session, sign_in
from idgate.storage import database
from tests.conftest import FakeClock
from tests.handlers.admin_fixtures import AdminWorld, all_tenants, mint_token, tenant_by_slug


def utc_midnight_days_ago(days: int) -> float:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=days)).timestamp()


def _interaction(w: AdminWorld, slug: str, client_id: str) -> str:
    tenant = tenant_by_slug(w.rt, slug)
    with all_tenants(), database.write(w.rt.engine) as conn:
        return start_interaction(
            conn,
            tenant_id=tenant.id,
            kind="authorize",
            params={"client_id": client_id},
            now=w.rt.now(),
        )


def password_sign_in(w: AdminWorld, slug: str, client_id: str, email: str, password: str) -> bool:
    """A password sign-in at the login page; whether it succeeded."""
    tenant = tenant_by_slug(w.rt, slug)
    interaction = _interaction(w, slug, client_id)
    try:
        with all_tenants():
            sign_in(w.rt, tenant, interaction_id=interaction, email=email, password=password)
    except SignInFailed:
        return False
    return True


def upstream_sign_in(w: AdminWorld, slug: str, client_id: str, customer_id: str) -> None:
    """The end of a successful sign-in through upstream connection ``github``."""
    tenant = tenant_by_slug(w.rt, slug)
    interaction = _interaction(w, slug, client_id)
    with all_tenants():
        with database.read(w.rt.engine) as conn:
            customer = get_customer(conn, tenant.id, customer_id)
        assert customer is not None
        loaded = load_interaction(w.rt, tenant, interaction)
        open_signed_in_session(w.rt, tenant, customer, loaded, method="upstream:github")


def at(clock: FakeClock, moment: float) -> None:
    clock.now = moment


def fresh_tokens(w: AdminWorld) -> None:
    """Operator tokens minted now (the clock has moved past the earlier ones' expiry)."""
    for name, operator_id in w.ids.items():
        w.tokens[name] = mint_token(w.rt, operator_id)
