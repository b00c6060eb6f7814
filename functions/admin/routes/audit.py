"""The audit log: an organization's, or every tenant's for platform owners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import AuditEventOut, AuditPageOut
from idgate.audit.hash_chain import AuditFilter
from idgate.control import audit_log
from idgate.control.rbac import Operator
from idgate.web.deps import RuntimeDep

router = admin_router("audit")


@dataclass(frozen=True)
class AuditQuery:
    filters: AuditFilter
    cursor: str | None
    limit: int


def _audit_query(
    action: str | None = None,
    actor: str | None = None,
    since: float | None = None,
    until: float | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditQuery:
    return AuditQuery(AuditFilter(action, actor, since, until), cursor, limit)


AuditQueryDep = Annotated[AuditQuery, Depends(_audit_query)]


def _audit_page(
    rt: RuntimeDep, operator: Operator, slug: str | None, query: AuditQuery
) -> AuditPageOut:
    events, next_cursor = audit_log.read_audit_log(
        rt, operator, slug=slug, filters=query.filters, cursor=query.cursor, limit=query.limit
    )
    return AuditPageOut(events=[AuditEventOut.of(e) for e in events], next_cursor=next_cursor)


@router.get("/orgs/{slug}/audit")
def org_audit(
    slug: str, rt: RuntimeDep, operator: OperatorDep, query: AuditQueryDep
) -> AuditPageOut:
    """An organization's audit log, newest first (org.audit.read)."""
    return _audit_page(rt, operator, slug, query)


@router.get("/audit")
def platform_audit(rt: RuntimeDep, operator: OperatorDep, query: AuditQueryDep) -> AuditPageOut:
    """Every tenant's audit log, newest first (platform owners)."""
    return _audit_page(rt, operator, None, query)
