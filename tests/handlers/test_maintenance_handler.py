"""The maintenance function (functions/maintenance): invoked by its EventBridge schedule
(template.yaml), it runs the data-lifecycle purge once and logs and returns the counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from idgate.identity.interactions import INTERACTION_LIFETIME
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import interactions
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import FakeClock, TenantFixture
from tests.handlers.lambda_events import invoke, load_event

SCHEDULED_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2024-01-01T00:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:events:eu-west-1:123456789012:rule/idgate-PurgeSchedule"],
    "detail": {},
}


def _interactions(rt: Runtime) -> int:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(interactions)).scalar_one())


def test_a_scheduled_event_purges_and_logs_the_counts(
    rt: Runtime,
    acme: TenantFixture,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from functions.authorize.app import handler as authorize
    from functions.maintenance.app import handler

    started = invoke(authorize, load_event("authorize_get", CODE_CHALLENGE="x" * 43))
    assert started.status == 302, started.text
    assert _interactions(rt) == 1
    clock.advance(INTERACTION_LIFETIME)
    capsys.readouterr()
    counts = handler(SCHEDULED_EVENT, None)
    assert counts["interactions"] == 1
    assert _interactions(rt) == 0
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    (purged,) = [line for line in logged if line.get("event") == "purged"]
    assert purged["interactions"] == 1
    assert purged["trigger"] == "Scheduled Event"
