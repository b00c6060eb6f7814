"""``idgate connection`` (the host's operator, on the local database) and ``idgate
connections`` / ``customers unlink`` (an operator, through the admin API): the exact
commands scripts depend on, the callback URL they print, the secret they never print, and
one-line errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner, Result

from idgate.control.platform import init_platform
from idgate.crypto import passwords
from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate_cli import credentials as stored
from idgate_cli import http_transport
from idgate_cli.main import app
from local.server import build_app
from tests.conftest import PUBLIC_URL, TenantFixture, provision_tenant
from tests.handlers.admin_fixtures import mint_token, operator_id, tenant_by_slug
from tests.handlers.upstream_fixtures import link_identity

SECRET = "gh-secret-2b7f0d9e44a1c8356e"
GITHUB = ["--provider", "github", "--client-id", "Iv1.acme", "--client-secret", SECRET]
OWNER_EMAIL = "owner@idgate.example"


@pytest.fixture
def cli(rt: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    monkeypatch.setenv("IDGATE_DATABASE_URL", rt.settings.database_url)
    monkeypatch.setenv("IDGATE_CONFIG_DIR", str(tmp_path / "config" / "idgate"))
    monkeypatch.setenv("COLUMNS", "250")  # rich tables: ids unbroken in the captured output
    yield CliRunner()


def ok(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    return result.stdout


def one_error_line(result: Result) -> str:
    """The one ``error:`` line on stderr (stdout may carry the in-process server's log)."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert SECRET not in result.output
    return lines[0]


def audit_actions(rt: Runtime, slug: str) -> list[tuple[str, str, dict[str, object]]]:
    query = (
        select(audit_events.c.actor, audit_events.c.action, audit_events.c.details)
        .where(audit_events.c.tenant_id == tenant_by_slug(rt, slug).id)
        .order_by(audit_events.c.seq)
    )
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return [
            (r.actor, r.action, r.details)
            for r in conn.execute(query)
            if r.action.startswith("connection.")
        ]


# --- idgate connection (local) ----------------------------------------------------------


def test_connection_create_prints_the_callback_url_and_never_the_secret(
    cli: CliRunner, rt: Runtime
) -> None:
    provision_tenant(rt, "acme")

    created = ok(cli, "connection", "create", "acme", *GITHUB)

    assert created.splitlines() == [
        "created connection github (GitHub, github) in tenant acme",
        f"callback URL to register at the provider: {PUBLIC_URL}/t/acme/upstream/github/callback",
    ]
    listed = ok(cli, "connection", "list", "acme")
    assert "Iv1.acme" in listed and "GitHub" in listed
    assert f"callback URL of github: {PUBLIC_URL}/t/acme/upstream/github/callback" in listed
    assert audit_actions(rt, "acme")[0][:2] == ("operator:local-cli", "connection.created")


def test_connection_create_takes_every_option_of_the_contract(cli: CliRunner, rt: Runtime) -> None:
    provision_tenant(rt, "acme")
    oidc = ["--provider", "oidc", "--client-id", "acme", "--client-secret", SECRET]
    sso = [*oidc, "--id", "sso", "--name", "Acme SSO", "--issuer", "https://sso.acme.example"]

    created = ok(cli, "connection", "create", "acme", *sso, "--scope", "openid", "--scope", "email")
    ms = ["--provider", "microsoft", "--client-id", "m", "--client-secret", SECRET]
    ok(cli, "connection", "create", "acme", *ms, "--microsoft-tenant", "organizations")

    assert "created connection sso (Acme SSO, oidc) in tenant acme" in created
    assert f"{PUBLIC_URL}/t/acme/upstream/sso/callback" in created
    listed = ok(cli, "connection", "list", "acme")
    assert "callback URL of microsoft: " in listed and "Acme SSO" in listed
    replaced = ok(cli, "connection", "create", "acme", *GITHUB, "--id", "sso")
    assert replaced.startswith("replaced connection sso (GitHub, github)")


def test_connection_delete_removes_it(cli: CliRunner, rt: Runtime) -> None:
    provision_tenant(rt, "acme")
    ok(cli, "connection", "create", "acme", *GITHUB)

    assert ok(cli, "connection", "delete", "acme", "github").strip() == (
        "deleted connection github from tenant acme"
    )

    assert ok(cli, "connection", "list", "acme").strip() == "no connections in tenant acme"
    assert [a[1] for a in audit_actions(rt, "acme")] == ["connection.created", "connection.deleted"]
    missing = cli.invoke(app, ["connection", "delete", "acme", "github"])
    assert one_error_line(missing) == "error: no connection 'github'"


def test_without_a_public_url_the_callback_assumes_the_dev_servers_default(
    cli: CliRunner, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    provision_tenant(rt, "acme")
    bare = build_runtime(rt.settings.model_copy(update={"public_url": None}), clock=rt.clock)
    monkeypatch.setattr("idgate_cli.local_runtime.current_runtime", lambda: bare)

    created = ok(cli, "connection", "create", "acme", *GITHUB)
    listed = ok(cli, "connection", "list", "acme")
    bare.engine.dispose()

    url = "http://127.0.0.1:8000/t/acme/upstream/github/callback"
    assert f"callback URL to register at the provider: {url}" in created
    assert f"callback URL of github: {url}" in listed
    for output in (created, listed):
        assert "IDGATE_PUBLIC_URL is not set" in output


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--provider", "gitlab", "--client-id", "x", "--client-secret", SECRET],
            "error: --provider must be one of github, google, microsoft, oidc",
        ),
        (
            ["--provider", "oidc", "--client-id", "x", "--client-secret", SECRET, "--name", "S"],
            "error: issuer is required for the oidc provider",
        ),
        ([*GITHUB, "--id", "Not An Id"], "error: id: use 1-63 lowercase letters, digits, '-'"),
        ([*GITHUB, "--microsoft-tenant", "common"], "error: microsoft_tenant applies only"),
    ],
)
def test_bad_options_are_one_error_line(
    cli: CliRunner, rt: Runtime, args: list[str], error: str
) -> None:
    provision_tenant(rt, "acme")

    assert one_error_line(cli.invoke(app, ["connection", "create", "acme", *args])).startswith(
        error
    )


def test_the_free_tier_refuses_a_connection_naming_the_tier(cli: CliRunner, rt: Runtime) -> None:
    provision_tenant(rt, "tiny", tier="free")

    refused = one_error_line(cli.invoke(app, ["connection", "create", "tiny", *GITHUB]))

    assert refused.startswith("error: the free tier does not allow bring-your-own OAuth")
    assert one_error_line(cli.invoke(app, ["connection", "list", "nope"])) == (
        "error: no such organization"
    )


# --- idgate connections / customers unlink (admin API) ----------------------------------


@pytest.fixture
def operator(cli: CliRunner, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform owner, logged in (a token as ``idgate login`` stores it)."""
    server = TestClient(build_app(), base_url=PUBLIC_URL)
    monkeypatch.setattr(http_transport, "hooks", http_transport.Hooks(http=lambda: server))
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    with scoped(ALL_TENANTS):
        init_platform(rt, owner_email=OWNER_EMAIL, password="owner password 42")
    token = mint_token(rt, operator_id(rt, OWNER_EMAIL), ttl=3600)
    stored.save(stored.Credentials(PUBLIC_URL, token, None, expires_at=rt.now() + 3600))


def test_connections_put_list_get_delete_through_the_admin_api(
    cli: CliRunner, operator: None, acme: TenantFixture
) -> None:
    put = ok(cli, "connections", "put", "acme", "github", *GITHUB, "--scope", "read:user")
    assert "saved connection github in acme" in put
    callback = f"{PUBLIC_URL}/t/acme/upstream/github/callback"
    assert f"callback URL to register at the provider: {callback}" in put
    assert "secret_set: yes" in put

    listed = ok(cli, "connections", "list", "acme")
    assert "Iv1.acme" in listed and f"callback URL of github: {callback}" in listed
    shown = ok(cli, "connections", "get", "acme", "github")
    assert "scopes: read:user" in shown and "enabled: yes" in shown
    # Without --client-secret the stored one is kept; --disabled hides the button.
    kept = ["--provider", "github", "--client-id", "Iv1.acme", "--disabled"]
    assert "enabled: no" in ok(cli, "connections", "put", "acme", "github", *kept)

    refused = cli.invoke(app, ["connections", "delete", "acme", "github"])
    assert "--yes" in one_error_line(refused)
    deleted = ok(cli, "connections", "delete", "acme", "github", "--yes")
    assert "deleted connection github from acme" in deleted
    assert "no connections in acme" in ok(cli, "connections", "list", "acme")
    missing = cli.invoke(app, ["connections", "get", "acme", "github"])
    assert one_error_line(missing) == "error: no connection 'github'"


def test_connections_put_without_a_secret_for_a_new_connection_is_one_error_line(
    cli: CliRunner, operator: None, acme: TenantFixture
) -> None:
    args = ["connections", "put", "acme", "github", "--provider", "github", "--client-id", "x"]

    assert one_error_line(cli.invoke(app, args)) == (
        "error: client_secret is required for a new connection"
    )


def test_customers_unlink_removes_a_linked_account_but_not_the_last_way_in(
    cli: CliRunner, operator: None, acme: TenantFixture, rt: Runtime
) -> None:
    ok(cli, "connections", "put", "acme", "github", *GITHUB)
    with_password = link_identity(rt, "acme", acme.customer_id, "github", "77")
    shown = ok(cli, "customers", "show", "acme", acme.customer_id)
    assert with_password in shown and "github" in shown and "password" in shown

    unlinked = ok(cli, "customers", "unlink", "acme", acme.customer_id, with_password)

    assert f"unlinked identity {with_password} from customer {acme.customer_id}" in unlinked
    assert with_password not in ok(cli, "customers", "show", "acme", acme.customer_id)
    created = ok(cli, "customers", "create", "acme", "--email", "pia@example.com")
    pia = created.split("(")[1].split(")")[0]
    only = link_identity(rt, "acme", pia, "github", "88")
    refused = one_error_line(cli.invoke(app, ["customers", "unlink", "acme", pia, only]))
    assert "last way to sign in" in refused
