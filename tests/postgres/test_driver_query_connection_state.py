"""The hot-path driver queries (``storage.driver_queries``) hand their pooled connection
back as they found it: in autocommit mode, which the engine relies on (it sends BEGIN
itself, with the tenant scope, in one round trip). A connection returned with autocommit
off made psycopg send a BEGIN of its own first: a round trip more on the next transaction,
and a server warning that a transaction is already in progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import access_token_is_revoked
from idgate.process import build_runtime
from idgate.storage import database
from idgate.storage.tables import tenants
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import POSTGRES_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="IDGATE_TEST_POSTGRES_URL is not set"),
]


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def one_connection(rt: Runtime) -> Iterator[Runtime]:
    """A runtime whose pool holds a single connection, so every checkout gets the one the
    revocation check used."""
    single = build_runtime(rt.settings.model_copy(update={"db_pool_size": 1}), clock=rt.clock)
    yield single
    single.engine.dispose()


def _check_revocation(rt: Runtime) -> None:
    claims = {"jti": "some-token-id", "fid": "some-family-id"}
    with scoped(ALL_TENANTS):
        assert access_token_is_revoked(rt, tenant_id="some-tenant", claims=claims)


def test_revocation_check_returns_its_connection_in_autocommit_mode(
    one_connection: Runtime,
) -> None:
    _check_revocation(one_connection)
    connection = one_connection.engine.raw_connection()
    try:
        assert connection.driver_connection.autocommit is True  # type: ignore[union-attr]
    finally:
        connection.close()


def test_transaction_after_a_revocation_check_draws_no_server_warning(
    one_connection: Runtime,
) -> None:
    notices: list[str | None] = []

    def note(diagnostic: Any) -> None:  # readable only while the handler runs
        notices.append(diagnostic.message_primary)

    connection = one_connection.engine.raw_connection()
    connection.driver_connection.add_notice_handler(note)  # type: ignore[union-attr]
    connection.close()
    _check_revocation(one_connection)
    with scoped(ALL_TENANTS), database.read(one_connection.engine) as conn:
        conn.execute(select(tenants.c.id).limit(1)).all()
    assert notices == []
