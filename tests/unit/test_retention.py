"""The data-lifecycle purge (``idgate.oauth.retention``, security issue "Data lifecycle"):
for every table, rows past their lifetime are deleted and live ones kept, in bounded
batches; and ``idgate purge`` prints the counts per table."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, insert, select
from typer.testing import CliRunner

from idgate.kernel.runtime import Runtime
from idgate.oauth import retention
from idgate.oauth.authorization_codes import CODE_LIFETIME
from idgate.oauth.retention import purge_expired
from idgate.storage import database
from idgate.storage.tables import (
    authorization_codes,
    device_codes,
    interactions,
    mail_outbox,
    rate_limit_counters,
    refresh_tokens,
    revoked_access_tokens,
    sessions,
    sign_in_failures,
    tenants,
    token_families,
    user_code_failures,
)
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate_cli.main import app
from tests.conftest import FakeClock, TenantFixture, provision_client

DAY = 24 * 3600


@pytest.fixture
def tenant_id(rt: Runtime, acme: TenantFixture) -> str:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return str(conn.execute(select(tenants.c.id).where(tenants.c.slug == "acme")).scalar())


def _insert(rt: Runtime, table: Table, *rows: dict[str, Any]) -> None:
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        for row in rows:  # one by one: the rows name different columns
            conn.execute(insert(table).values(row))


def _left(rt: Runtime, table: Table, column: str) -> set[Any]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return set(conn.execute(select(table.c[column])).scalars())


def _interaction(tenant_id: str, digest: str, expires_at: float) -> dict[str, Any]:
    return {
        "digest": digest,
        "tenant_id": tenant_id,
        "kind": "authorize",
        "params": {},
        "consent_given": False,
        "expires_at": expires_at,
    }


def _device(tenant_id: str, digest: str, status: str, expires_at: float) -> dict[str, Any]:
    return {
        "digest": digest,
        "tenant_id": tenant_id,
        "user_code_digest": f"user-{digest}",
        "client_id": "tv",
        "scope": "openid",
        "status": status,
        "interval": 5,
        "created_at": expires_at - 600,
        "expires_at": expires_at,
    }


def test_expired_interactions_and_expired_or_redeemed_device_codes_go(
    rt: Runtime, tenant_id: str, clock: FakeClock
) -> None:
    now, t = clock.now, tenant_id
    _insert(rt, interactions, _interaction(t, "old", now), _interaction(t, "live", now + 1))
    _insert(
        rt,
        device_codes,
        _device(t, "expired", "pending", now),
        _device(t, "redeemed", "redeemed", now + 540),
        _device(t, "pending", "pending", now + 540),
    )
    counts = purge_expired(rt)
    assert (counts["interactions"], counts["device_codes"]) == (1, 2)
    assert _left(rt, interactions, "digest") == {"live"}
    assert _left(rt, device_codes, "digest") == {"pending"}


def test_ended_and_expired_sessions_go(
    rt: Runtime, tenant_id: str, acme: TenantFixture, clock: FakeClock
) -> None:
    now = clock.now
    session = {
        "tenant_id": tenant_id,
        "customer_id": acme.customer_id,
        "auth_time": now - 60,
        "created_at": now - 60,
    }
    _insert(
        rt,
        sessions,
        {**session, "id": "ended", "digest": "d1", "expires_at": now + DAY, "ended_at": now - 1},
        {**session, "id": "expired", "digest": "d2", "expires_at": now},
        {**session, "id": "live", "digest": "d3", "expires_at": now + DAY},
    )
    assert purge_expired(rt)["sessions"] == 2
    assert _left(rt, sessions, "id") == {"live"}


def _family(tenant_id: str, family_id: str, created_at: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": family_id,
        "tenant_id": tenant_id,
        "client_id": "web",
        "scope": "openid",
        "created_at": created_at,
        **extra,
    }


def _code(tenant_id: str, family_id: str, expires_at: float, **extra: Any) -> dict[str, Any]:
    return {
        "digest": f"code-{family_id}",
        "tenant_id": tenant_id,
        "family_id": family_id,
        "client_id": "web",
        "redirect_uri": "https://app.example.com/callback",
        "code_challenge": "c",
        "expires_at": expires_at,
        **extra,
    }


def _refresh(
    tenant_id: str, family_id: str, created_at: float, expires_at: float, **extra: Any
) -> dict[str, Any]:
    return {
        "digest": f"rt-{family_id}-{created_at}",
        "tenant_id": tenant_id,
        "family_id": family_id,
        "client_id": "web",
        "scope": "openid",
        "created_at": created_at,
        "expires_at": expires_at,
        **extra,
    }


def test_codes_and_token_families_go_only_once_no_token_of_them_can_be_used(
    rt: Runtime, tenant_id: str, clock: FakeClock
) -> None:
    now = clock.now
    hour = retention.ACCESS_TOKEN_TTL_FLOOR  # the longest access-token TTL of acme's clients
    t = tenant_id
    _insert(
        rt,
        token_families,
        _family(t, "revoked", now - 60, revoked_at=now - 1),
        _family(t, "code-pending", now - 10),
        _family(t, "code-unused", now - 2 * hour),
        _family(t, "code-used-recently", now - 30),
        _family(t, "code-used-long-ago", now - 2 * hour),
        _family(t, "refresh-live", now - 40 * DAY),
        _family(t, "access-maybe-live", now - 31 * DAY),
        _family(t, "all-over", now - 40 * DAY),
    )
    _insert(
        rt,
        authorization_codes,
        _code(t, "code-pending", now + 50),
        _code(t, "code-unused", now - 2 * hour + 60),
        _code(t, "code-used-recently", now + 30, consumed_at=now - 20),
        _code(t, "code-used-long-ago", now - 2 * hour + 60, consumed_at=now - 2 * hour + 5),
    )
    _insert(
        rt,
        refresh_tokens,
        _refresh(t, "revoked", now - 50, now + 30 * DAY),
        _refresh(t, "refresh-live", now - 40 * DAY, now - 10 * DAY, used_at=now - DAY),
        _refresh(t, "refresh-live", now - DAY, now + 29 * DAY),
        # Expired, but issued with an access token that may live for the longest TTL.
        _refresh(t, "access-maybe-live", now - hour + 60, now - 60),
        _refresh(t, "all-over", now - 40 * DAY, now - 10 * DAY, used_at=now - 31 * DAY),
        _refresh(t, "all-over", now - 31 * DAY, now - DAY),
    )
    counts = purge_expired(rt)
    kept = {"code-pending", "code-used-recently", "refresh-live", "access-maybe-live"}
    assert _left(rt, token_families, "id") == kept
    assert counts["token_families"] == 4
    # The never-redeemed expired code went by itself; the others with their families.
    assert counts["authorization_codes"] == 1
    assert _left(rt, authorization_codes, "family_id") == {"code-pending", "code-used-recently"}
    assert _left(rt, refresh_tokens, "family_id") == {"refresh-live", "access-maybe-live"}


def test_a_longer_access_token_ttl_keeps_families_longer(
    rt: Runtime, tenant_id: str, clock: FakeClock
) -> None:
    provision_client(
        rt,
        "acme",
        client_id="slow",
        name="Slow",
        client_type="public",
        secret=None,
        redirect_uris=["https://slow.example.com/cb"],
        post_logout_redirect_uris=[],
        grants=["authorization_code"],
        access_token_ttl=6 * 3600,
    )
    _insert(rt, token_families, _family(tenant_id, "five-hours", clock.now - 5 * 3600))
    assert purge_expired(rt)["token_families"] == 0
    clock.advance(3600 + CODE_LIFETIME)  # the code's redemption bounds the token's issue
    assert purge_expired(rt)["token_families"] == 0
    clock.advance(1)
    assert purge_expired(rt)["token_families"] == 1


def test_expired_revocations_and_old_mail_go(rt: Runtime, tenant_id: str, clock: FakeClock) -> None:
    now, t = clock.now, tenant_id
    _insert(
        rt,
        revoked_access_tokens,
        {"jti": "expired", "tenant_id": t, "expires_at": now},
        {"jti": "live", "tenant_id": t, "expires_at": now + 1},
    )
    mail = {"sender": "a@x", "recipient": "b@x", "subject": "s", "text_body": "t"}
    _insert(
        rt,
        mail_outbox,
        {**mail, "id": "old", "tenant_id": None, "created_at": now - 8 * DAY},
        {**mail, "id": "recent", "tenant_id": t, "created_at": now - DAY},
    )
    counts = purge_expired(rt)
    assert (counts["revoked_access_tokens"], counts["mail_outbox"]) == (1, 1)
    assert _left(rt, revoked_access_tokens, "jti") == {"live"}
    assert _left(rt, mail_outbox, "id") == {"recent"}


def _failures(tenant_id: str, email: str, started: float, **extra: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "email": email,
        "failures": 1,
        "window_started_at": started,
        **extra,
    }


def test_failure_counters_go_once_their_window_and_lockout_are_over(
    rt: Runtime, tenant_id: str, clock: FakeClock
) -> None:
    now, t, window = clock.now, tenant_id, 15 * 60
    _insert(
        rt,
        sign_in_failures,
        _failures(t, "old@x", now - window - 1),
        _failures(t, "unlocked@x", now - 2 * window, locked_until=now - window),
        _failures(t, "locked@x", now - window - 1, locked_until=now + 1),
        _failures(t, "counting@x", now - 60),
    )
    _insert(
        rt,
        user_code_failures,
        {"tenant_id": t, "key": "ip:old", "failures": 9, "window_started_at": now - window},
        {"tenant_id": t, "key": "ip:live", "failures": 9, "window_started_at": now - 60},
    )
    # The longest window kept there: the self-service requests' hour.
    ip_window = rt.settings.account_request_window_seconds
    _insert(
        rt,
        rate_limit_counters,
        {"tenant_id": t, "key": "ip:old", "failures": 9, "window_started_at": now - ip_window},
        {"tenant_id": t, "key": "ip:live", "failures": 9, "window_started_at": now - 60},
    )
    counts = purge_expired(rt)
    assert (counts["sign_in_failures"], counts["user_code_failures"]) == (2, 1)
    assert counts["rate_limit_counters"] == 1
    assert _left(rt, sign_in_failures, "email") == {"locked@x", "counting@x"}
    assert _left(rt, user_code_failures, "key") == {"ip:live"}
    assert _left(rt, rate_limit_counters, "key") == {"ip:live"}


def test_rows_go_in_bounded_batches_each_its_own_transaction(
    rt: Runtime, tenant_id: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH_SIZE", 7)
    rows = [_interaction(tenant_id, f"old-{i}", clock.now - 1) for i in range(20)]
    _insert(rt, interactions, *rows, _interaction(tenant_id, "live", clock.now + 60))
    writes = 0
    write = database.write

    def counting_write(engine: Any) -> Any:
        nonlocal writes
        if engine is rt.engine:
            writes += 1
        return write(engine)

    monkeypatch.setattr(database, "write", counting_write)
    assert purge_expired(rt)["interactions"] == 20
    assert _left(rt, interactions, "digest") == {"live"}
    # 7 + 7 + 6 interactions; then one empty batch for each of the eleven other tables and
    # the three raw analytics tables, and one transaction for the retired signing keys.
    assert writes == 3 + 11 + 3 + 1


def test_idgate_purge_prints_the_counts_per_table(
    rt: Runtime, tenant_id: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDGATE_DATABASE_URL", rt.settings.database_url)
    _insert(rt, interactions, _interaction(tenant_id, "old", clock.now - 1))
    result = CliRunner().invoke(app, ["purge"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split() for line in result.output.splitlines()[:-1])
    assert lines["interactions"] == "1"
    assert lines["token_families"] == "0"
    assert set(lines) == {
        "interactions",
        "device_codes",
        "sessions",
        "authorization_codes",
        "token_families",
        "revoked_access_tokens",
        "sign_in_failures",
        "user_code_failures",
        "rate_limit_counters",
        "mail_outbox",
        "upstream_flows",
        "account_tokens",
        "sign_in_events",
        "analytics_events",
        "customer_active_days",
        "signing_keys",
    }
    assert result.output.splitlines()[-1] == "purged 1 rows"
    assert _left(rt, interactions, "digest") == set()
