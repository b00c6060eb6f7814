"""Reading the audit log on the control plane: an organization's events for its admins,
every tenant's for platform owners; filterable by action, actor and time, newest first,
with an opaque cursor; and, for the operator CLI on the local database, the chains checked
and their heads exported and compared with a kept export."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from idgate.audit.chain_heads import ChainHead, chain_head, head_mismatch
from idgate.audit.hash_chain import AuditEvent, AuditFilter, ChainVerdict, list_events, verify_chain
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator, require_platform_permission
from idgate.crypto.digests import b64url, b64url_decode
from idgate.kernel.errors import NotFound, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tenants

MAX_PAGE = 200


def _encode(event: AuditEvent) -> str:
    raw = json.dumps([event.at, event.tenant_id, event.seq]).encode()
    return b64url(raw)


def _decode(cursor: str) -> tuple[float, str, int]:
    try:
        at, tenant_id, seq = json.loads(b64url_decode(cursor))
        return float(at), str(tenant_id), int(seq)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("cursor is not valid", field="cursor") from exc


def read_audit_log(
    rt: Runtime,
    operator: Operator,
    *,
    slug: str | None,
    filters: AuditFilter,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditEvent], str | None]:
    """``slug`` None reads the platform-wide log (platform owners only)."""
    limit = max(1, min(limit, MAX_PAGE))
    with database.read(rt.engine) as conn:
        if slug is None:
            require_platform_permission(operator, "platform.audit.read")
            tenant_ids = None
        else:
            tenant = authorized_organization(conn, operator, slug, "org.audit.read")
            tenant_ids = [tenant.id]
        events = list_events(
            conn,
            tenant_ids=tenant_ids,
            filters=filters,
            before=_decode(cursor) if cursor else None,
            limit=limit + 1,
        )
    page = events[:limit]
    return page, (_encode(page[-1]) if len(events) > limit else None)


def _tenants(conn: Connection, slug: str | None) -> list[tuple[str, str]]:
    """(id, slug) of one tenant, or of every tenant ordered by slug."""
    query = select(tenants.c.id, tenants.c.slug).order_by(tenants.c.slug)
    if slug is not None:
        query = query.where(tenants.c.slug == slug)
    rows = conn.execute(query).all()
    if slug is not None and not rows:
        raise NotFound(f"no tenant with slug '{slug}'")
    return [(row.id, row.slug) for row in rows]


def verify_audit_chains(rt: Runtime, slug: str | None) -> list[tuple[str, ChainVerdict]]:
    """Check the hash chain of one tenant, or of every tenant (operator CLI, local DB)."""
    with database.read(rt.engine) as conn:
        return [(slug_, verify_chain(conn, id_)) for id_, slug_ in _tenants(conn, slug)]


def audit_chain_heads(rt: Runtime, slug: str | None) -> list[tuple[str, ChainHead]]:
    """The head of one tenant's chain, or of every tenant's, to keep outside the database."""
    with database.read(rt.engine) as conn:
        return [(slug_, chain_head(conn, id_)) for id_, slug_ in _tenants(conn, slug)]


def compare_audit_heads(
    rt: Runtime, exported: dict[str, ChainHead], slug: str | None
) -> list[tuple[str, ChainHead, str | None]]:
    """Each exported head (only ``slug``'s when given) with why its chain no longer matches
    it, or None. A tenant that is gone counts as a mismatch: its whole chain went with it."""
    wanted = {s: h for s, h in exported.items() if slug is None or s == slug}
    with database.read(rt.engine) as conn:
        ids = {s: i for i, s in _tenants(conn, None)}
        return [
            (
                slug_,
                head,
                head_mismatch(conn, ids[slug_], head) if slug_ in ids else "tenant is gone",
            )
            for slug_, head in sorted(wanted.items())
        ]
