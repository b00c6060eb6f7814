"""The PostgreSQL pool pings a connection that sat idle before handing it out
(idgate.storage.database): one the server dropped meanwhile is replaced, not failed on."""

from __future__ import annotations

import pytest

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from tests.conftest import POSTGRES_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="IDGATE_TEST_POSTGRES_URL is not set"),
]


@pytest.fixture
def backend() -> str:
    return "postgres"


def test_a_connection_dropped_while_idle_is_replaced_on_checkout(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_BEFORE_PING_SECONDS", 0.0)
    engine = database.create_database_engine(rt.settings.model_copy(update={"db_pool_size": 1}))
    try:
        with engine.connect() as conn:
            first_pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with rt.engine.connect() as other:  # same role: allowed to end its own backends
            other.exec_driver_sql("SELECT pg_terminate_backend(%s)", (first_pid,))
        with engine.connect() as conn:
            second_pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    finally:
        engine.dispose()
    assert second_pid != first_pid
