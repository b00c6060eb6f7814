"""Database faults as the core's one error, ``DatabaseUnavailable`` (HTTP 503, RFC 6749
§4.1.2.1's ``temporarily_unavailable``, with ``Retry-After``).

A fault is an error of the database's availability, not of the statement: PostgreSQL
unreachable, restarting or refusing connections, a connection lost in the middle of a
transaction (``pg_terminate_backend``, a failover), a statement cancelled by the server;
SQLite's write lock still held by another connection when the busy timeout ran out; and
the pool having no connection to give within its timeout. The transaction did not commit
(the database rolls back what a lost connection had begun), so nothing of the request is
left behind and the client may repeat it. A NUL character in a text value, which
PostgreSQL cannot store (SQLite can), is the request's fault, not the database's:
``InvalidRequest`` (HTTP 400). Any other driver error (a constraint, a programming error,
SQLite's ``no such table``) stays what it is.

``storage.database`` translates at the transaction boundary and ``storage.driver_queries``
around its one statement, both in ``except`` clauses only, so the happy path pays nothing;
the HTTP edges then render the error like any other ``IdgateError``.
"""

from __future__ import annotations

import sqlite3

import structlog
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from idgate.kernel.errors import DatabaseUnavailable, InvalidRequest

log = structlog.get_logger("idgate.storage")

# What a transaction or a driver query can raise when the database is at fault: every
# statement error comes wrapped by SQLAlchemy (a DBAPIError), a pool checkout that waited
# too long is a TimeoutError.
DATABASE_ERRORS = (DBAPIError, PoolTimeout)

_DESCRIPTION = "the service is temporarily unavailable; try again shortly"
# SQLite's primary result codes for "another connection holds the lock" (extended codes,
# e.g. SQLITE_BUSY_SNAPSHOT, carry them in their low byte).
_SQLITE_LOCK_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def raise_if_unavailable(exc: Exception) -> None:
    """Raise ``DatabaseUnavailable`` (from ``exc``) if ``exc`` is a fault of the database;
    return otherwise, and the caller re-raises ``exc`` unchanged."""
    if not is_fault(exc):
        return
    # The cause goes to the log only: its text names hosts, ports and roles.
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = (str(cause).splitlines() or [""])[0][:200]
    log.warning("database_unavailable", error=type(cause).__name__, detail=detail)
    raise DatabaseUnavailable(_DESCRIPTION) from exc


def is_fault(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:  # the driver's connection was found dead
        return True
    if isinstance(exc.orig, sqlite3.Error):
        return (getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_LOCK_CODES
    # PostgreSQL: the DB-API's OperationalError is the class of "not under the control of
    # the programmer": connection refused or lost, server shutting down or starting up,
    # too many connections, statement cancelled, serialization failure or deadlock.
    return isinstance(exc, OperationalError)


def raise_if_nul_refused(exc: Exception) -> None:
    """Raise ``InvalidRequest`` (from ``exc``) if ``exc`` is PostgreSQL's driver refusing a
    NUL character in a bound value; return otherwise.

    Any value of a request may carry one (a query or form parameter, a path segment, the
    client id of a Basic header), and every lookup or insert of it would otherwise be a
    500 on PostgreSQL alone. Told by the parameters, not by the driver's message: psycopg
    refuses NUL before anything reaches the server."""
    if isinstance(exc, DataError) and _holds_nul(exc.params):
        raise InvalidRequest("a value of the request contains a NUL character") from exc


def _holds_nul(params: object) -> bool:
    if isinstance(params, str):
        return "\x00" in params
    if isinstance(params, dict):
        return any(_holds_nul(value) for value in params.values())
    if isinstance(params, list | tuple):
        return any(_holds_nul(value) for value in params)
    return False
