"""Reading the audit log on the control plane: an organization's events for its admins,
every tenant's for platform owners; filterable by action, actor and time, newest first,
with an opaque cursor."""

from __future__ import annotations

import json

from sqlalchemy import select

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
        raise ValidationFailed("cursor is not valid") from exc


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


def verify_audit_chains(rt: Runtime, slug: str | None) -> list[tuple[str, ChainVerdict]]:
    """Check the hash chain of one tenant, or of every tenant (operator CLI, local DB)."""
    with database.read(rt.engine) as conn:
        query = select(tenants.c.id, tenants.c.slug).order_by(tenants.c.slug)
        if slug is not None:
            query = query.where(tenants.c.slug == slug)
        rows = conn.execute(query).all()
        if slug is not None and not rows:
            raise NotFound(f"no tenant with slug '{slug}'")
        return [(row.slug, verify_chain(conn, row.id)) for row in rows]
