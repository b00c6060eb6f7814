"""``idgate tenant configure``: the local operator reads and changes a tenant's
self-service policy, each option checked by the core (one error line naming the setting)
and each change audited as the local operator."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate_cli.main import app

DEFAULT_LINES = [
    "sign-up: closed",
    "email-verification: required",
    "email-sign-in: off",
    "password-min-length: 10",
    "session-days: 7",
]


@pytest.fixture
def cli(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IDGATE_DATABASE_URL", rt.settings.database_url)
    runner = CliRunner()
    assert runner.invoke(app, ["tenant", "create", "shop"]).exit_code == 0
    return runner


def test_tenant_configure_without_options_shows_the_defaults(cli: CliRunner) -> None:
    shown = cli.invoke(app, ["tenant", "configure", "shop"])

    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == DEFAULT_LINES


def test_tenant_configure_changes_the_options_given_and_audits_the_change(
    cli: CliRunner, rt: Runtime
) -> None:
    options = ["--email-sign-in", "on", "--password-min-length", "12"]
    changed = cli.invoke(app, ["tenant", "configure", "shop", *options])

    assert changed.exit_code == 0, changed.output
    assert changed.output.splitlines() == [
        "sign-up: closed",
        "email-verification: required",
        "email-sign-in: on",
        "password-min-length: 12",
        "session-days: 7",
    ]
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        actors = conn.execute(
            select(audit_events.c.actor).where(audit_events.c.action == "org.settings_changed")
        ).all()
    assert [actor for (actor,) in actors] == ["operator:local-cli"]


@pytest.mark.parametrize(
    ("option", "value", "setting"),
    [
        ("--sign-up", "maybe", "sign_up"),
        ("--email-verification", "never", "email_verification"),
        ("--password-min-length", "7", "password_min_length"),
        ("--session-days", "0", "session_days"),
    ],
)
def test_tenant_configure_refuses_a_bad_value_in_one_line_naming_the_setting(
    cli: CliRunner, option: str, value: str, setting: str
) -> None:
    refused = cli.invoke(app, ["tenant", "configure", "shop", option, value])

    assert refused.exit_code == 1
    [line] = refused.output.strip().splitlines()
    assert line.startswith(f"error: {setting} must be")
    assert cli.invoke(app, ["tenant", "configure", "shop"]).output.splitlines() == DEFAULT_LINES
