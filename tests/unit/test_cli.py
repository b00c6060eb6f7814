"""The provisioning commands scripts depend on: exact names, one-line errors, secrets shown
once; each one a control-plane operation by the local operator (audited, tier limits)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.clients import load_client
from idgate.process import build_runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import Tenant, find_tenant
from idgate_cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IDGATE_DATABASE_URL", rt.settings.database_url)
    return runner


def test_provisioning_commands_create_tenant_client_and_user(cli: CliRunner) -> None:
    assert cli.invoke(app, ["tenant", "create", "shop", "--name", "Shop"]).exit_code == 0
    created = cli.invoke(
        app,
        [
            "client",
            "create",
            "shop",
            "--client-id",
            "web",
            "--confidential",
            "--redirect-uri",
            "https://shop.example.com/cb",
            "--redirect-uri",
            "http://localhost:3000/cb",
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--post-logout-redirect-uri",
            "https://shop.example.com/",
        ],
    )
    assert created.exit_code == 0, created.output
    assert "client secret (shown once):" in created.output
    user = cli.invoke(
        app, ["user", "create", "shop", "--email", "a@example.com", "--password", "long enough"]
    )
    assert user.exit_code == 0, user.output


def test_operator_secret_must_be_at_least_32_characters(cli: CliRunner) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    result = cli.invoke(
        app,
        [
            "client",
            "create",
            "shop",
            "--client-id",
            "svc",
            "--secret",
            "too-short",
            "--grant",
            "client_credentials",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: client secret must be at least 32 characters"
    ]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/relative", "must be absolute"),
        ("https://x.example.com/cb#frag", "fragment"),
        ("http://x.example.com/cb", "loopback"),
    ],
)
def test_redirect_uris_are_validated(cli: CliRunner, uri: str, message: str) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    result = cli.invoke(
        app, ["client", "create", "shop", "--client-id", "c", "--public", "--redirect-uri", uri]
    )
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_duplicate_tenant_and_unknown_tenant_are_one_line_errors(cli: CliRunner) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    duplicate = cli.invoke(app, ["tenant", "create", "shop"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    unknown = cli.invoke(
        app, ["user", "create", "nope", "--email", "a@example.com", "--password", "long enough"]
    )
    # The same control-plane lookup, and so the same words, as `idgate apps list nope`.
    assert unknown.exit_code == 1
    assert unknown.output.strip().splitlines() == ["error: no such organization"]


def _tenant(rt: Runtime, slug: str) -> Tenant:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        tenant = find_tenant(conn, slug)
    assert tenant is not None
    return tenant


def _client(rt: Runtime, slug: str, client_id: str) -> Client:
    tenant = _tenant(rt, slug)
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return load_client(conn, tenant.id, client_id)


def _audit(rt: Runtime, slug: str) -> list[tuple[str, str]]:
    """(actor, action) of the tenant's audit events, oldest first."""
    query = (
        select(audit_events.c.actor, audit_events.c.action)
        .where(audit_events.c.tenant_id == _tenant(rt, slug).id)
        .order_by(audit_events.c.seq)
    )
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return [(row.actor, row.action) for row in conn.execute(query)]


def _one_error_line(result: Result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    return lines[0]


def test_tenant_create_is_active_on_enterprise_unless_a_tier_is_given(
    cli: CliRunner, rt: Runtime
) -> None:
    created = cli.invoke(app, ["tenant", "create", "shop", "--name", "Shop"])
    assert created.output.strip() == "created tenant shop (Shop) on the enterprise tier"
    assert cli.invoke(app, ["tenant", "create", "tiny", "--tier", "free"]).exit_code == 0

    shop, tiny = _tenant(rt, "shop"), _tenant(rt, "tiny")
    assert (shop.status, shop.tier) == ("active", "enterprise")
    assert (tiny.status, tiny.tier) == ("active", "free")
    assert _one_error_line(cli.invoke(app, ["tenant", "create", "x", "--tier", "gold"])) == (
        "error: --tier must be one of free, pro, enterprise"
    )


def test_tenant_set_tier_moves_the_tenant_and_refuses_unknown_tiers(
    cli: CliRunner, rt: Runtime
) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])

    moved = cli.invoke(app, ["tenant", "set-tier", "shop", "pro"])

    assert moved.exit_code == 0 and moved.output.strip() == "tenant shop is on the pro tier"
    assert _tenant(rt, "shop").tier == "pro"
    assert _one_error_line(cli.invoke(app, ["tenant", "set-tier", "shop", "gold"])) == (
        "error: TIER must be one of free, pro, enterprise"
    )
    assert _one_error_line(cli.invoke(app, ["tenant", "set-tier", "nope", "pro"])) == (
        "error: no such organization"
    )


def test_every_provisioning_command_is_audited_as_the_local_operator(
    cli: CliRunner, rt: Runtime
) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    cli.invoke(
        app, ["client", "create", "shop", "--client-id", "tv", "--public", "--grant", "device_code"]
    )
    cli.invoke(
        app, ["user", "create", "shop", "--email", "a@example.com", "--password", "long enough"]
    )
    cli.invoke(app, ["tenant", "set-tier", "shop", "pro"])

    assert _audit(rt, "shop") == [
        ("operator:local-cli", "org.created"),
        ("operator:local-cli", "app.created"),
        ("operator:local-cli", "customer.created"),
        ("operator:local-cli", "org.tier_changed"),
    ]


def test_client_create_holds_to_the_tiers_application_limit(cli: CliRunner) -> None:
    cli.invoke(app, ["tenant", "create", "tiny", "--tier", "free"])
    public = ["--public", "--grant", "device_code"]
    for n in range(3):  # the free tier's default limit (migration 0002)
        created = cli.invoke(app, ["client", "create", "tiny", "--client-id", f"c{n}", *public])
        assert created.exit_code == 0, created.output

    fourth = cli.invoke(app, ["client", "create", "tiny", "--client-id", "c3", *public])

    assert _one_error_line(fourth).startswith("error: the free tier allows 3 applications")


def test_client_scopes_default_to_every_supported_scope_and_repeat(
    cli: CliRunner, rt: Runtime
) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    device = ["--public", "--grant", "device_code"]
    cli.invoke(app, ["client", "create", "shop", "--client-id", "all", *device])
    narrow = ["--scope", "openid", "--scope", "email"]
    cli.invoke(app, ["client", "create", "shop", "--client-id", "narrow", *device, *narrow])

    assert _client(rt, "shop", "all").scopes == ("openid", "profile", "email", "offline_access")
    assert _client(rt, "shop", "narrow").scopes == ("openid", "email")
    unknown = cli.invoke(
        app, ["client", "create", "shop", "--client-id", "x", *device, "--scope", "admin"]
    )
    assert _one_error_line(unknown).startswith("error: scopes must be among")


@pytest.mark.parametrize("option", ["--redirect-uri", "--post-logout-redirect-uri"])
def test_an_unparsable_uri_is_one_error_line_not_a_traceback(cli: CliRunner, option: str) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    valid = [] if option == "--redirect-uri" else ["--redirect-uri", "https://shop.example/cb"]

    result = cli.invoke(
        app,
        ["client", "create", "shop", "--client-id", "c", "--public", *valid, option, "https://[x"],
    )

    assert _one_error_line(result) == "error: 'https://[x' is not a valid URI (Invalid IPv6 URL)"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_provisioning_needs_no_public_url(
    cli: CliRunner, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host's operator may provision before IDGATE_PUBLIC_URL is set (only serving needs
    it): the change is made and reported, with no error after the fact."""
    bare = build_runtime(rt.settings.model_copy(update={"public_url": None}), clock=rt.clock)
    monkeypatch.setattr("idgate_cli.local_runtime.current_runtime", lambda: bare)

    created = cli.invoke(app, ["tenant", "create", "shop"])
    moved = cli.invoke(app, ["tenant", "set-tier", "shop", "pro"])

    assert created.exit_code == 0 and moved.exit_code == 0, created.output + moved.output
    assert _tenant(rt, "shop").tier == "pro"
    bare.engine.dispose()
