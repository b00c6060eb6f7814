"""Only faults of the database's availability become ``DatabaseUnavailable`` (503); an
error of the statement itself (a missing table, a constraint) stays what it is, so a bug is
never disguised as "try again" (``storage.faults``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from idgate.kernel.errors import DatabaseUnavailable
from idgate.kernel.settings import Settings
from idgate.storage import database
from idgate.storage.faults import is_fault


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'faults.db'}", db_timeout_seconds=0.1)
    engine = database.create_database_engine(settings)
    with database.write(engine) as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO items (id) VALUES (1)"))
    yield engine
    engine.dispose()


def test_a_missing_table_stays_a_driver_error(engine: Engine) -> None:
    with pytest.raises(OperationalError), database.read(engine) as conn:
        conn.execute(text("SELECT * FROM no_such_table"))


def test_a_constraint_violation_stays_a_driver_error(engine: Engine) -> None:
    with pytest.raises(IntegrityError), database.write(engine) as conn:
        conn.execute(text("INSERT INTO items (id) VALUES (1)"))


def test_a_write_lock_held_past_the_busy_timeout_is_unavailable_and_writes_nothing(
    engine: Engine,
) -> None:
    holder = sqlite3.connect(str(engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseUnavailable) as raised, database.write(engine) as conn:
            conn.execute(text("INSERT INTO items (id) VALUES (2)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert raised.value.status_code == 503
    assert raised.value.error == "temporarily_unavailable"
    assert raised.value.retry_after
    assert isinstance(raised.value.__cause__, OperationalError)
    with database.read(engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM items")).scalar_one() == 1


def test_a_pool_with_no_connection_to_give_is_a_fault() -> None:
    assert is_fault(PoolTimeout("QueuePool limit reached"))
