"""The analytics function (functions/analytics) as Lambda runs it: its EventBridge
schedule's event rolls the events up (tests/events/scheduled/analytics_rollup.json), and
API Gateway's events for its two greedy routes reach the API (CSV included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from idgate.control.platform import init_platform
from idgate.identity.interactions import start_interaction
from idgate.identity.sign_in import SignInFailed, sign_in
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import find_tenant
from tests.conftest import FakeClock, TenantFixture
from tests.handlers.admin_fixtures import OPERATOR_PASSWORD, ROOT_EMAIL, mint_token, operator_id
from tests.handlers.lambda_events import invoke, load_event

SCHEDULED = Path(__file__).resolve().parents[1] / "events" / "scheduled" / "analytics_rollup.json"


def _sign_in(rt: Runtime, password: str) -> None:
    with scoped(ALL_TENANTS):
        with database.write(rt.engine) as conn:
            tenant = find_tenant(conn, "acme")
            assert tenant is not None
            interaction = start_interaction(
                conn,
                tenant_id=tenant.id,
                kind="authorize",
                params={"client_id": "web"},
                now=rt.now(),
            )
        try:
            sign_in(
                rt, tenant, interaction_id=interaction, email="alice@example.com", password=password
            )
        except SignInFailed:
            pass


def test_the_scheduled_event_rolls_up_and_the_api_answers_csv(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    from functions.analytics.app import handler

    _sign_in(rt, acme.password)
    _sign_in(rt, "wrong password")
    clock.advance(120)  # past the rollup's settling minute
    counts = handler(json.loads(SCHEDULED.read_text()), None)
    assert counts["sign_in_events"] == 2
    assert handler(json.loads(SCHEDULED.read_text()), None)["sign_in_events"] == 0

    with scoped(ALL_TENANTS):
        init_platform(rt, owner_email=ROOT_EMAIL, password=OPERATOR_PASSWORD)
        token = mint_token(rt, operator_id(rt, ROOT_EMAIL))
    today = datetime.fromtimestamp(clock.now, UTC).date().isoformat()
    event = load_event("analytics_org_logins_csv", SLUG="acme", TOKEN=token, FROM=today, TO=today)
    answer = invoke(handler, event)
    assert answer.status == 200, answer.text
    assert answer.text.splitlines() == ["start,success,failure", f"{today}T00:00:00+00:00,1,1"]
    overview = invoke(handler, load_event("analytics_platform_overview", TOKEN=token))
    assert overview.status == 200, overview.text
    assert overview.json()["organizations"]["active"] == 1
