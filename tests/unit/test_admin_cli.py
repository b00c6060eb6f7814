"""The admin CLI end to end: ``idgate platform init`` and ``audit verify`` on the local
database; ``idgate login`` through the real device flow (the operator approves on the
verification page, driven by a cookie-keeping browser); every other command against the
admin API served by the composed app (a ``TestClient`` injected as the CLI's HTTP client).

No real sleeps: the CLI's poll sleep is injected and moves the server's fake clock.
"""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner, Result

from idgate.control.platform import init_platform
from idgate.crypto import passwords
from idgate.kernel.runtime import Runtime
from idgate.storage import database, tenant_scope
from idgate.storage.tables import audit_events, tenants
from idgate_cli import credentials as stored
from idgate_cli import http_transport
from idgate_cli.main import app
from local.server import build_app
from tests.conftest import PUBLIC_URL, FakeClock, TenantFixture
from tests.flows import Browser, hidden, new_authorization, query_of

OWNER_EMAIL = "owner@idgate.example"
OWNER_PASSWORD = "owner password 42"
NOT_LOGGED_IN = "error: not logged in; run `idgate login --url URL`"


# --- fixtures ---------------------------------------------------------------------------


class DeviceApprover:
    """The operator's side of ``idgate login``: the CLI's poll sleep. It moves the server's
    clock by what the CLI asked to wait, and on the first wait opens the verification page
    with the user code the CLI received, signs in and presses ``decision``."""

    def __init__(
        self,
        server: TestClient,
        clock: FakeClock,
        *,
        decision: str = "approve",
        stall: int = 0,
    ) -> None:
        self.browser = Browser(TestClient(build_app(), base_url=PUBLIC_URL), slug="platform")
        self.clock = clock
        self.decision = decision
        self.stall = stall  # how many first waits do not move the clock (a too-fast client)
        self.sleeps: list[float] = []
        self.device: dict[str, str] = {}
        self.decided = False
        server.event_hooks = {"response": [self._capture]}

    def _capture(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("/device_authorization"):
            response.read()
            if response.status_code == 200:
                self.device = response.json()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) > self.stall:
            self.clock.advance(seconds)
            if not self.decided:
                self.decided = True
                self._decide()

    def _decide(self) -> None:
        user_code = self.device["user_code"]
        first = self.browser.get(f"/t/platform/device?user_code={user_code}")
        assert first.status_code == 302, first.text
        signed_in = self.browser.submit_login(
            first.headers["location"], OWNER_EMAIL, OWNER_PASSWORD
        )
        assert signed_in.status_code in (302, 303), signed_in.text
        back = signed_in.headers["location"]
        assert query_of(back)["user_code"] == user_code
        confirm = self.browser.get(back)
        assert confirm.status_code == 200, confirm.text
        done = self.browser.post(
            "/t/platform/device",
            {
                "csrf_token": hidden(confirm.text, "csrf_token"),
                "user_code": hidden(confirm.text, "user_code"),
                "decision": self.decision,
            },
        )
        assert done.status_code == 200, done.text


@pytest.fixture
def server(rt: Runtime) -> TestClient:
    return TestClient(build_app(), base_url=PUBLIC_URL)


@pytest.fixture
def cli(
    rt: Runtime, server: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[CliRunner]:
    monkeypatch.setenv("IDGATE_DATABASE_URL", rt.settings.database_url)
    monkeypatch.setenv("IDGATE_CONFIG_DIR", str(tmp_path / "config" / "idgate"))
    monkeypatch.setenv("COLUMNS", "250")  # rich tables: ids unbroken in the captured output
    monkeypatch.setattr(http_transport, "hooks", http_transport.Hooks(http=lambda: server))
    # Argon2id at its real cost is covered by the crypto tests; sign-ins here are many.
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    dummy = cheap.hash("idgate-timing-equalizer")
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)
    yield CliRunner()


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args))


def ok(cli: CliRunner, *args: str) -> str:
    result = run(cli, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def one_error_line(result: Result) -> str:
    """The command failed with exactly one ``error:`` line on stderr and no traceback."""
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def platform(cli: CliRunner, rt: Runtime) -> None:
    with tenant_scope.scoped(tenant_scope.ALL_TENANTS):
        init_platform(rt, owner_email=OWNER_EMAIL, password=OWNER_PASSWORD)


def login(
    cli: CliRunner,
    clock: FakeClock,
    server: TestClient,
    *,
    decision: str = "approve",
    stall: int = 0,
) -> tuple[Result, DeviceApprover]:
    operator = DeviceApprover(server, clock, decision=decision, stall=stall)
    http_transport.hooks.sleep = operator.sleep
    result = run(cli, "login", "--url", PUBLIC_URL)
    server.event_hooks = {"response": []}
    return result, operator


@pytest.fixture
def logged_in(cli: CliRunner, platform: None, clock: FakeClock, server: TestClient) -> None:
    result, _ = login(cli, clock, server)
    assert result.exit_code == 0, result.output


@pytest.fixture
def shop(cli: CliRunner, logged_in: None) -> str:
    ok(cli, "orgs", "create", "shop", "--name", "Shop Inc")
    return "shop"


def saved() -> dict[str, Any]:
    return dict(json.loads(stored.credentials_path().read_text()))


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- platform init ----------------------------------------------------------------------


def test_platform_init_is_idempotent_and_shows_a_generated_password_once(
    cli: CliRunner,
) -> None:
    first = ok(cli, "platform", "init", "--owner-email", OWNER_EMAIL)
    assert f"created platform owner {OWNER_EMAIL}" in first
    assert first.count("owner password (shown once): ") == 1
    again = ok(cli, "platform", "init", "--owner-email", OWNER_EMAIL)
    assert "already exists" in again
    assert "shown once" not in again
    chosen = ok(
        cli, "platform", "init", "--owner-email", "second@idgate.example", "--password", "x" * 12
    )
    assert "created platform owner second@idgate.example" in chosen
    assert "shown once" not in chosen


# --- login / logout ---------------------------------------------------------------------


def test_login_runs_the_device_flow_and_stores_0600_credentials(
    cli: CliRunner, platform: None, clock: FakeClock, server: TestClient
) -> None:
    operator = DeviceApprover(server, clock)
    http_transport.hooks.sleep = operator.sleep
    result = run(cli, "login", "--url", PUBLIC_URL + "/")
    assert result.exit_code == 0, result.output
    device = operator.device
    assert device["user_code"] in result.stdout
    assert device["verification_uri"] == f"{PUBLIC_URL}/t/platform/device"
    assert device["verification_uri"] in result.stdout
    assert device["verification_uri_complete"] in result.stdout
    assert f"as {OWNER_EMAIL} (platform owner)" in result.stdout
    assert operator.sleeps == [device["interval"]]  # waited the interval before polling

    path = stored.credentials_path()
    assert path == Path(os.environ["IDGATE_CONFIG_DIR"]) / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    creds = saved()
    assert set(creds) == {"url", "access_token", "refresh_token", "expires_at"}
    assert creds["url"] == PUBLIC_URL and creds["refresh_token"]
    me = server.get("/api/v1/me", headers={"Authorization": f"Bearer {creds['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == OWNER_EMAIL


def test_login_honors_slow_down(
    cli: CliRunner, platform: None, clock: FakeClock, server: TestClient
) -> None:
    """A client whose waits are too short gets slow_down and adds 5 s to its interval."""
    result, operator = login(cli, clock, server, stall=2)
    assert result.exit_code == 0, result.output
    assert operator.sleeps == [5, 5, 10]


def test_login_denied_on_the_verification_page_stores_nothing(
    cli: CliRunner, platform: None, clock: FakeClock, server: TestClient
) -> None:
    result, _ = login(cli, clock, server, decision="deny")
    assert one_error_line(result) == "error: the sign-in request was denied"
    assert not stored.credentials_path().exists()


def test_an_expired_access_token_is_refreshed_and_the_new_refresh_token_saved(
    cli: CliRunner, logged_in: None
) -> None:
    before = saved()
    stored.save(
        stored.Credentials(
            url=PUBLIC_URL,
            access_token="not-a-valid-token",
            refresh_token=str(before["refresh_token"]),
            expires_at=float(before["expires_at"]),  # not yet expired locally: the 401 path
        )
    )
    assert "no organizations" in ok(cli, "orgs", "list", "--status", "pending")
    after = saved()
    assert after["refresh_token"] != before["refresh_token"]
    assert after["access_token"] != "not-a-valid-token"
    assert stat.S_IMODE(stored.credentials_path().stat().st_mode) == 0o600


def test_a_spent_refresh_token_asks_to_log_in_again(cli: CliRunner, logged_in: None) -> None:
    creds = saved()
    ok(cli, "orgs", "list")  # fine as it is
    stored.save(
        stored.Credentials(
            url=PUBLIC_URL,
            access_token="not-a-valid-token",
            refresh_token="not-a-valid-refresh-token",
            expires_at=float(creds["expires_at"]),
        )
    )
    assert one_error_line(run(cli, "orgs", "list")) == (
        f"error: your session has expired; run `idgate login --url {PUBLIC_URL}`"
    )


def test_logout_revokes_the_refresh_token_and_removes_the_file(
    cli: CliRunner, logged_in: None, server: TestClient
) -> None:
    refresh_token = str(saved()["refresh_token"])
    assert f"logged out of {PUBLIC_URL}" in ok(cli, "logout")
    assert not stored.credentials_path().exists()
    refreshed = server.post(
        "/t/platform/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "idgate-cli",
        },
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert "not logged in" in ok(cli, "logout")
    assert one_error_line(run(cli, "orgs", "list")) == NOT_LOGGED_IN


# --- organizations ----------------------------------------------------------------------


def test_orgs_create_list_approve_and_set_tier(cli: CliRunner, shop: str) -> None:
    pending = ok(cli, "orgs", "list", "--status", "pending")
    assert "shop" in pending and "Shop Inc" in pending and f"{PUBLIC_URL}/t/shop" in pending
    assert "shop: active" in ok(cli, "orgs", "approve", "shop")
    assert "shop" not in ok(cli, "orgs", "list", "--status", "pending")
    assert "tier pro" in ok(cli, "orgs", "set-tier", "shop", "pro")
    listed = ok(cli, "orgs", "list")
    row = next(line for line in listed.splitlines() if " shop " in line)
    assert "active" in row and "pro" in row
    assert "shop: suspended" in ok(cli, "orgs", "suspend", "shop")
    assert "shop: active" in ok(cli, "orgs", "reactivate", "shop")
    assert one_error_line(run(cli, "orgs", "approve", "shop")) == (
        "error: cannot approve an organization that is active"
    )
    assert one_error_line(run(cli, "orgs", "set-tier", "shop", "gold")) == (
        "error: TIER must be one of free, pro, enterprise"
    )


def test_orgs_delete_needs_yes(cli: CliRunner, shop: str) -> None:
    assert "--yes" in one_error_line(run(cli, "orgs", "delete", "shop"))
    assert "deleted organization shop" in ok(cli, "orgs", "delete", "shop", "--yes")
    assert one_error_line(run(cli, "apps", "list", "shop")) == "error: no such organization"


def test_orgs_settings_shows_the_policy_and_changes_the_options_given(
    cli: CliRunner, shop: str
) -> None:
    def policy(*options: str) -> list[str]:
        # The in-process server's request log shares the captured output: JSON lines.
        output = ok(cli, "orgs", "settings", "shop", *options)
        return [line for line in output.splitlines() if not line.startswith("{")]

    assert policy() == [
        "sign-up: closed",
        "email-verification: required",
        "email-sign-in: off",
        "password-min-length: 10",
        "session-days: 7",
    ]
    changed = policy("--sign-up", "open", "--session-days", "30")
    assert changed == [
        "sign-up: open",
        "email-verification: required",
        "email-sign-in: off",
        "password-min-length: 10",
        "session-days: 30",
    ]
    assert policy() == changed
    refused = one_error_line(run(cli, "orgs", "settings", "shop", "--sign-up", "maybe"))
    assert "sign_up" in refused and "open, closed" in refused
    assert one_error_line(run(cli, "orgs", "settings", "nope")) == "error: no such organization"


# --- applications -----------------------------------------------------------------------


def test_apps_create_prints_the_secret_once_and_rotate_replaces_it(
    cli: CliRunner, shop: str
) -> None:
    ok(cli, "orgs", "approve", "shop")
    created = ok(
        cli,
        "apps",
        "create",
        "shop",
        "--client-id",
        "shop-web",
        "--name",
        "Shop Web",
        "--redirect-uri",
        "https://shop.example/callback",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--post-logout-redirect-uri",
        "https://shop.example/",
    )
    assert "created confidential application shop-web in shop" in created
    secret = created.split("client secret (shown once): ")[1].split()[0]
    assert len(secret) >= 32
    spa = ok(
        cli,
        "apps",
        "create",
        "shop",
        "--client-id",
        "shop-spa",
        "--public",
        "--redirect-uri",
        "http://127.0.0.1:5173/callback",
    )
    assert "created public application shop-spa" in spa and "secret" not in spa
    listed = ok(cli, "apps", "list", "shop")
    assert (
        "shop-web" in listed and "shop-spa" in listed and "https://shop.example/callback" in listed
    )
    assert secret not in listed
    rotated = ok(cli, "apps", "rotate-secret", "shop", "shop-web")
    new_secret = rotated.split("client secret (shown once): ")[1].split()[0]
    assert new_secret != secret
    assert "deleted application shop-spa" in ok(cli, "apps", "delete", "shop", "shop-spa", "--yes")
    assert "shop-spa" not in ok(cli, "apps", "list", "shop")


# --- signing keys -----------------------------------------------------------------------


def test_signing_keys_rotate_prints_the_new_kids_and_list_shows_them_next(
    cli: CliRunner, shop: str
) -> None:
    ok(cli, "orgs", "approve", "shop")
    rotated = ok(cli, "signing-keys", "rotate", "shop")
    assert "published next signing keys of shop in its JWKS:" in rotated
    lines = [line for line in rotated.splitlines() if line.startswith("  key ")]
    new = [line.split()[1] for line in lines]
    assert len(new) == 2 and all(" signs from " in line for line in lines)
    listed = ok(cli, "signing-keys", "list", "shop")
    for kid in new:
        assert f"{kid} " in listed
    assert listed.count(" next ") == 2 and listed.count(" current ") == 2
    pending = run(cli, "signing-keys", "rotate", "shop")
    assert one_error_line(pending).startswith("error: a rotation is already pending")
    immediate = ok(cli, "signing-keys", "rotate", "shop", "--immediate")
    assert "replaced the signing keys of shop at once:" in immediate
    assert all(kid in immediate for kid in new)  # the pending keys are withdrawn too


# --- customers --------------------------------------------------------------------------


def test_customers_list_pages_with_a_cursor_and_searches(cli: CliRunner, shop: str) -> None:
    ok(cli, "orgs", "approve", "shop")
    for name in ("ann", "ben", "cat"):
        email = f"{name}@example.com"
        created = ok(cli, "customers", "create", "shop", "--email", email, "--password", "pw 12345")
        assert f"created customer {name}@example.com" in created
    first = ok(cli, "customers", "list", "shop", "--limit", "2")
    assert "ann@example.com" in first and "ben@example.com" in first
    assert "cat@example.com" not in first
    cursor = first.split("next cursor: ")[1].split()[0]
    second = ok(cli, "customers", "list", "shop", "--limit", "2", "--cursor", cursor)
    assert "cat@example.com" in second and "ann@example.com" not in second
    assert "next cursor" not in second
    found = ok(cli, "customers", "list", "shop", "--search", "be")
    assert "ben@example.com" in found and "ann@example.com" not in found


def test_customers_show_revoke_sessions_disable_enable(
    cli: CliRunner, logged_in: None, acme: TenantFixture, server: TestClient
) -> None:
    browser = Browser(TestClient(build_app(), base_url=PUBLIC_URL))
    redirect = browser.sign_in(new_authorization(), acme.email, acme.password)
    assert "code=" in redirect

    shown = ok(cli, "customers", "show", "acme", acme.customer_id)
    assert acme.customer_id in shown and acme.email in shown and "Alice Liddell" in shown
    assert "password" in shown  # identity
    assert "active sessions" in shown and "no active sessions" not in shown
    assert "subscriptions" in shown and "Acme Web" in shown

    revoked = ok(cli, "customers", "revoke-sessions", "acme", acme.customer_id)
    assert f"ended 1 session of {acme.customer_id}" in revoked
    assert "no active sessions" in ok(cli, "customers", "show", "acme", acme.customer_id)

    assert "is disabled" in ok(cli, "customers", "disable", "acme", acme.customer_id)
    listed = ok(cli, "customers", "list", "acme")
    row = next(line for line in listed.splitlines() if acme.email in line)
    assert row.rstrip(" │|").endswith("yes")
    assert "is enabled" in ok(cli, "customers", "enable", "acme", acme.customer_id)
    assert one_error_line(run(cli, "customers", "show", "acme", "no-such-id")).startswith("error: ")


# --- members ----------------------------------------------------------------------------


def test_members_add_list_remove(cli: CliRunner, shop: str, rt: Runtime) -> None:
    with tenant_scope.scoped(tenant_scope.ALL_TENANTS):
        init_platform(rt, owner_email="helper@idgate.example", password="helper password 42")
    added = ok(
        cli, "members", "add", "shop", "--email", "helper@idgate.example", "--role", "viewer"
    )
    operator_id = added.split("(")[1].split(")")[0]
    listed = ok(cli, "members", "list", "shop")
    assert "helper@idgate.example" in listed and "viewer" in listed and operator_id in listed
    assert f"removed {operator_id} from shop" in ok(cli, "members", "remove", "shop", operator_id)
    assert "helper@idgate.example" not in ok(cli, "members", "list", "shop")
    assert (
        one_error_line(
            run(cli, "members", "add", "shop", "--email", "x@idgate.example", "--role", "god")
        )
        == "error: --role must be one of owner, admin, viewer"
    )


# --- audit ------------------------------------------------------------------------------


def test_audit_list_shows_the_org_approval(cli: CliRunner, shop: str) -> None:
    ok(cli, "orgs", "approve", "shop")
    everything = ok(cli, "audit", "list")
    assert "org.approved" in everything and "tenant" in everything
    approvals = ok(cli, "audit", "list", "--org", "shop", "--action", "org.approved")
    assert "org.approved" in approvals
    first = ok(cli, "audit", "list", "--limit", "1")
    assert "next cursor: " in first
    cursor = first.split("next cursor: ")[1].split()[0]
    assert "time (UTC)" in ok(cli, "audit", "list", "--limit", "1", "--cursor", cursor)
    assert "no audit events" in ok(cli, "audit", "list", "--action", "no.such.action")


def test_audit_verify_ok_then_broken_after_tampering(
    cli: CliRunner, shop: str, rt: Runtime
) -> None:
    ok(cli, "orgs", "approve", "shop")
    intact = run(cli, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert any(line.startswith("platform: ok ") for line in intact.stdout.splitlines())
    assert "shop: ok" in ok(cli, "audit", "verify", "--tenant", "shop")

    with tenant_scope.scoped(tenant_scope.ALL_TENANTS), database.write(rt.engine) as conn:
        shop_id = conn.execute(select(tenants.c.id).where(tenants.c.slug == "shop")).scalar_one()
        conn.execute(
            update(audit_events)
            .where(audit_events.c.tenant_id == shop_id, audit_events.c.seq == 1)
            .values(action="x")
        )
    broken = run(cli, "audit", "verify")
    assert "shop: BROKEN at seq 1" in broken.stdout
    assert any(line.startswith("platform: ok ") for line in broken.stdout.splitlines())
    assert one_error_line(broken) == "error: the audit chain of 1 tenant is broken"
    assert one_error_line(run(cli, "audit", "verify", "--tenant", "nope")) == (
        "error: no tenant with slug 'nope'"
    )


# --- errors -----------------------------------------------------------------------------


def test_not_logged_in_is_one_line(cli: CliRunner, platform: None) -> None:
    for args in (("orgs", "list"), ("apps", "list", "shop"), ("audit", "list")):
        assert one_error_line(run(cli, *args)) == NOT_LOGGED_IN


def test_unknown_org_is_one_line(cli: CliRunner, logged_in: None) -> None:
    assert one_error_line(run(cli, "apps", "list", "nope")) == "error: no such organization"
    assert one_error_line(run(cli, "orgs", "approve", "nope")) == "error: no such organization"


def test_unreachable_server_is_one_line(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_transport, "hooks", http_transport.Hooks())  # real httpx, real network
    url = f"http://127.0.0.1:{unused_port()}"
    assert one_error_line(run(cli, "login", "--url", url)) == f"error: cannot reach {url}"
    stored.save(stored.Credentials(url, "access", "refresh", expires_at=4102444800.0))
    assert one_error_line(run(cli, "orgs", "list")) == f"error: cannot reach {url}"
    assert one_error_line(run(cli, "login", "--url", "ftp://x")).startswith(
        "error: --url must be an http:// or https:// URL"
    )
