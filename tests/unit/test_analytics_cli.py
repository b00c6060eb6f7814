"""``idgate analytics``: an organization's sign-ins as a table with sparklines or as CSV,
and the platform overview, through the analytics API as the logged-in operator."""

from __future__ import annotations

from datetime import UTC, datetime

from typer.testing import CliRunner

from idgate.analytics.rollup import roll_up
from idgate.analytics.sign_in_events import record_sign_in
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import find_tenant
from idgate_cli.analytics_commands import sparkline
from tests.conftest import FakeClock
from tests.unit.test_admin_cli import (  # noqa: F401 - fixtures
    cli,
    logged_in,
    ok,
    platform,
    run,
    server,
    shop,
)


def _sign_ins(rt: Runtime, clock: FakeClock, outcomes: list[str]) -> None:
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        tenant = find_tenant(conn, "shop")
        assert tenant is not None
        for outcome in outcomes:
            record_sign_in(
                conn,
                tenant_id=tenant.id,
                outcome=outcome,
                method="password",
                now=clock.now,  # type: ignore[arg-type]
            )
    clock.advance(61)
    roll_up(rt)


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([0, 4, 8]) == "▁▅█"
    assert sparkline([0, 0]) == "▁▁"


def test_analytics_logins_prints_a_table_or_csv(
    cli: CliRunner,  # noqa: F811 - the fixture
    shop: str,  # noqa: F811 - the fixture
    rt: Runtime,
    clock: FakeClock,
) -> None:
    _sign_ins(rt, clock, ["success", "success", "failure"])
    today = datetime.fromtimestamp(clock.now, UTC).date().isoformat()
    table = ok(cli, "analytics", "logins", "shop", "--from", today, "--to", today)
    assert "sign-ins per day (UTC)" in table
    assert "success █ 2" in table and "failure █ 1" in table
    csv_text = ok(cli, "analytics", "logins", "shop", "--from", today, "--to", today, "--csv")
    lines = [line for line in csv_text.splitlines() if not line.startswith("{")]  # not logs
    assert lines == ["start,success,failure", f"{today}T00:00:00+00:00,2,1"]
    bad = run(cli, "analytics", "logins", "shop", "--interval", "minute")
    assert bad.exit_code == 1 and "interval" in bad.stderr


def test_analytics_overview_shows_the_platform_figures(
    cli: CliRunner,  # noqa: F811 - the fixture
    shop: str,  # noqa: F811 - the fixture
    rt: Runtime,
    clock: FakeClock,
) -> None:
    _sign_ins(rt, clock, ["success"])
    text = ok(cli, "analytics", "overview")
    assert "platform overview" in text
    assert "pending 1" in text
    assert "sign-ins, last 24 hours" in text
