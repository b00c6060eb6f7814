"""Engine construction and transactions for SQLite and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing when one upgrades a
read lock; reads run their statements in autocommit mode. PostgreSQL uses a small
pool, which suits Lambda (one request per process at a time) and RDS Proxy,
and every transaction there starts by setting ``app.tenant_id`` (transaction-local) to
the current tenant scope, which the row-level security policies of migration 0003
enforce (see ``idgate.storage.tenant_scope``).

A fault of the database (unreachable, a connection lost mid-transaction, SQLite's lock
still held after the busy timeout) leaves a transaction as ``DatabaseUnavailable``
(``idgate.storage.faults``), never as a driver error; the transaction did not commit. A
pooled connection found dead when the transaction begins (after a restart or
``pg_terminate_backend``) is replaced once, as nothing has run on it yet; SQLAlchemy
invalidates the rest of the pool with it, so service resumes by itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

from idgate.kernel.settings import Settings
from idgate.storage import tenant_scope
from idgate.storage.faults import DATABASE_ERRORS, raise_if_nul_refused, raise_if_unavailable


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_database_engine(settings: Settings) -> Engine:
    url = normalize_url(settings.database_url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings.db_timeout_seconds)
    postgresql = url.startswith("postgresql")
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=300,
        # The driver never sends BEGIN by itself: _begin_with_tenant_scope sends it.
        **({"isolation_level": "AUTOCOMMIT"} if postgresql else {}),
        **({"connect_args": _connect_timeout(url, settings)} if postgresql else {}),
    )
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    if postgresql:
        # As the dialect's do_begin, not a "begin" event listener: SQLAlchemy runs do_begin
        # inside its error handling, so a connection found dead there is recognised as a
        # disconnect (the pool invalidated, the error wrapped with connection_invalidated)
        # like any statement's; an exception from a "begin" listener escapes it raw.
        engine.dialect.do_begin = _begin_with_tenant_scope  # type: ignore[method-assign]
    return engine


def _connect_timeout(url: str, settings: Settings) -> dict[str, int]:
    """libpq's ``connect_timeout`` (whole seconds, at least 2): an unreachable server is a
    503 after it rather than after the TCP timeout (psycopg waits 130 s without one). One
    set in the URL wins."""
    if "connect_timeout" in make_url(url).query:
        return {}
    return {"connect_timeout": max(2, math.ceil(settings.db_timeout_seconds))}


# SQLAlchemy's pool_pre_ping pings on every checkout: a round trip per transaction, a
# quarter of an introspection on PostgreSQL. A connection back in use within seconds was
# alive moments ago; one idle longer (a frozen Lambda, a quiet server, a database restart)
# is pinged first, and a dead one replaced (SQLAlchemy's documented custom pessimistic
# disconnect handling: DisconnectionError makes the pool retry with a new connection).
IDLE_BEFORE_PING_SECONDS = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_BEFORE_PING_SECONDS:
        return  # a new connection, or one used moments ago
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("connection lost while idle") from exc


def _begin_with_tenant_scope(dbapi_connection: Any) -> None:
    """Open the transaction and set ``app.tenant_id`` in it (always, '' included: a pooled
    connection must never carry a previous scope; ``set_config(..., true)`` lasts until the
    transaction ends). psycopg would send its BEGIN in a round trip of its own; here BEGIN
    and the scope go as one simple-protocol message, bound by psycopg's ClientCursor, so a
    transaction costs one round trip less. The connection is in autocommit mode, so nothing
    else begins a transaction; COMMIT and ROLLBACK are sent by the driver as usual."""
    import psycopg

    driver: Any = dbapi_connection.driver_connection  # a psycopg.Connection on this engine
    with psycopg.ClientCursor(driver) as cursor:
        cursor.execute(_BEGIN_WITH_SCOPE, (tenant_scope.setting_value(),))


_BEGIN_WITH_SCOPE = "BEGIN; SELECT set_config('app.tenant_id', %s, true)"


def _sqlite_engine(url: str, busy_timeout: float) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    # ``timeout`` is SQLite's busy timeout: how long BEGIN IMMEDIATE waits for a write lock
    # held by another connection (another process, `idgate` on the same file) before
    # "database is locked", which answers 503 instead of holding the request any longer.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE can be issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A read issues no BEGIN: each of its statements is then its own implicit
        # transaction and sees the last commit, which is all a read here needs, and the
        # BEGIN / COMMIT pair was a third of a one-statement lookup (introspection's
        # revocation check: 49 -> 36 us).
        if conn.get_execution_options().get("sqlite_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A read-write transaction; committed on success, rolled back on any exception."""
    with _transaction(engine, sqlite_write=True) as conn:
        yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction on PostgreSQL; on SQLite, statements in autocommit mode (each
    sees the last commit; readers never queue)."""
    with _transaction(engine, sqlite_write=False) as conn:
        yield conn


@contextmanager
def _transaction(engine: Engine, *, sqlite_write: bool) -> Iterator[Connection]:
    try:
        conn, transaction = _open(engine, sqlite_write=sqlite_write)
        with conn, transaction:
            yield conn
    except DATABASE_ERRORS as exc:
        raise_if_unavailable(exc)
        raise_if_nul_refused(exc)
        raise


def _open(engine: Engine, *, sqlite_write: bool) -> tuple[Connection, RootTransaction]:
    try:
        return _begin(engine, sqlite_write=sqlite_write)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # The pooled connection was dead before anything ran on it (a restart, a
        # terminated backend, within the idle ping's 10 s): SQLAlchemy has invalidated it
        # and the pool's older connections, so a second attempt gets a fresh one.
        return _begin(engine, sqlite_write=sqlite_write)


def _begin(engine: Engine, *, sqlite_write: bool) -> tuple[Connection, RootTransaction]:
    conn = engine.connect()
    try:
        if sqlite_write:
            conn = conn.execution_options(sqlite_write=True)
        return conn, conn.begin()
    except BaseException:
        conn.close()
        raise
