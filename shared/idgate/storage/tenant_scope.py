"""The tenant scope of the current task: which tenant's rows its database transactions see.

On PostgreSQL every transaction starts with ``set_config('app.tenant_id', <scope>, true)``
(see ``storage.database``) and row-level security policies on every tenant-owned table admit
only rows whose ``tenant_id`` equals that setting, or every row when it is ``'*'``. The
scope is a ``ContextVar``, so each request (an asyncio task, or a thread-pool call, which
runs in a copy of the request's context) has its own.

- a tenant id: the issuer endpoints of that tenant (set by ``web.deps`` once the tenant
  behind the path is resolved);
- ``ALL_TENANTS``: platform-level work that legitimately spans tenants: resolving a tenant
  from its slug, the control plane (which enforces RBAC in code), CLI provisioning,
  migrations, start-up seeding;
- ``None`` (the default): no tenant, so a query sees no tenant-owned row at all.

SQLite has no row-level security; there the scope changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

ALL_TENANTS = "*"

_scope: ContextVar[str | None] = ContextVar("idgate_tenant_scope", default=None)


def current_scope() -> str | None:
    return _scope.get()


def set_scope(scope: str | None) -> Token[str | None]:
    """Set the scope for the rest of the current context (e.g. one request's task)."""
    if scope == "":
        raise ValueError("a tenant scope is a tenant id, ALL_TENANTS or None")
    return _scope.set(scope)


def reset_scope(token: Token[str | None]) -> None:
    _scope.reset(token)


@contextmanager
def scoped(scope: str | None) -> Iterator[None]:
    """Run a block (or, as a decorator, a function) under ``scope``, then restore the
    previous one."""
    token = set_scope(scope)
    try:
        yield
    finally:
        reset_scope(token)


def setting_value() -> str:
    """The value of ``app.tenant_id`` for a transaction started now ('' = no tenant)."""
    return _scope.get() or ""
