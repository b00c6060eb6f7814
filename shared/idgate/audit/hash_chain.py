"""The tamper-evident audit log: append-only events, hash-chained per tenant.

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's canonical
JSON, and ``seq`` numbers a tenant's events without gaps, so editing, deleting or
reordering any event breaks verification from that point on (``verify_chain``). Appends
race on the (tenant, seq) primary key; the loser retries with the new head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, insert, select
from sqlalchemy.exc import IntegrityError

from idgate.kernel.request_context import current_request
from idgate.storage.tables import audit_events

GENESIS = "0" * 64
_APPEND_ATTEMPTS = 5


@dataclass(frozen=True)
class AuditEvent:
    tenant_id: str
    seq: int
    at: float
    actor: str
    action: str
    target: str | None
    request_id: str | None
    ip: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}{canonical}".encode()).hexdigest()


def _hashed_fields(event: dict[str, Any]) -> dict[str, Any]:
    keys = ("tenant_id", "seq", "at", "actor", "action", "target", "request_id", "ip", "details")
    return {key: event[key] for key in keys}


def _next_link(conn: Connection, tenant_id: str) -> tuple[int, str]:
    """The seq of the tenant's next event and the hash it chains to."""
    head = conn.execute(
        select(audit_events.c.seq, audit_events.c.hash)
        .where(audit_events.c.tenant_id == tenant_id)
        .order_by(audit_events.c.seq.desc())
        .limit(1)
    ).first()
    return (head.seq + 1, head.hash) if head else (1, GENESIS)


def _appended(conn: Connection, event: dict[str, Any], prev_hash: str) -> bool:
    """False when a concurrent append took the event's seq first. The savepoint undoes only
    the failed insert, so the caller's transaction survives to retry."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(audit_events).values(
                    **event, prev_hash=prev_hash, hash=event_hash(prev_hash, event)
                )
            )
    except IntegrityError:
        return False
    return True


def record(
    conn: Connection,
    *,
    tenant_id: str,
    actor: str,
    action: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    now: float,
) -> None:
    """Append one event to the tenant's chain, inside the caller's transaction."""
    context = current_request.get()
    for _ in range(_APPEND_ATTEMPTS):
        seq, prev_hash = _next_link(conn, tenant_id)
        event = {
            "tenant_id": tenant_id,
            "seq": seq,
            "at": round(now, 6),
            "actor": actor,
            "action": action,
            "target": target,
            "request_id": context.request_id,
            "ip": context.ip,
            "details": details or {},
        }
        if _appended(conn, event, prev_hash):
            return
    raise RuntimeError("could not append to the audit log under contention")


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    since: float | None = None
    until: float | None = None


def _filtered(query: Select[Any], filters: AuditFilter) -> Select[Any]:
    conditions = []
    if filters.action:
        conditions.append(audit_events.c.action == filters.action)
    if filters.actor:
        conditions.append(audit_events.c.actor == filters.actor)
    if filters.since is not None:
        conditions.append(audit_events.c.at >= filters.since)
    if filters.until is not None:
        conditions.append(audit_events.c.at < filters.until)
    return query.where(and_(*conditions)) if conditions else query


def list_events(
    conn: Connection,
    *,
    tenant_ids: list[str] | None,
    filters: AuditFilter,
    before: tuple[float, str, int] | None,
    limit: int,
) -> list[AuditEvent]:
    """Newest first; ``tenant_ids`` None means every tenant (the platform-wide log).
    ``before`` is the (at, tenant_id, seq) cursor of the last event of the previous page."""
    query = select(audit_events)
    if tenant_ids is not None:
        query = query.where(audit_events.c.tenant_id.in_(tenant_ids))
    if before is not None:
        at, tenant_id, seq = before
        query = query.where(
            (audit_events.c.at < at)
            | ((audit_events.c.at == at) & (audit_events.c.tenant_id < tenant_id))
            | (
                (audit_events.c.at == at)
                & (audit_events.c.tenant_id == tenant_id)
                & (audit_events.c.seq < seq)
            )
        )
    query = (
        _filtered(query, filters)
        .order_by(
            audit_events.c.at.desc(), audit_events.c.tenant_id.desc(), audit_events.c.seq.desc()
        )
        .limit(limit)
    )
    return [AuditEvent(**row._mapping) for row in conn.execute(query)]


@dataclass(frozen=True)
class ChainVerdict:
    tenant_id: str
    events: int
    intact: bool
    first_bad_seq: int | None = None


def _chain(conn: Connection, tenant_id: str) -> Iterator[dict[str, Any]]:
    query = (
        select(audit_events)
        .where(audit_events.c.tenant_id == tenant_id)
        .order_by(audit_events.c.seq)
    )
    for row in conn.execute(query):
        yield dict(row._mapping)


def verify_chain(conn: Connection, tenant_id: str) -> ChainVerdict:
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for event in _chain(conn, tenant_id):
        count += 1
        broken = (
            event["seq"] != expected_seq
            or event["prev_hash"] != prev_hash
            or event["hash"] != event_hash(prev_hash, _hashed_fields(event))
        )
        if broken:
            return ChainVerdict(tenant_id, count, False, expected_seq)
        prev_hash, expected_seq = event["hash"], expected_seq + 1
    return ChainVerdict(tenant_id, count, True)
