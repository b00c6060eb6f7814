"""The tenant an HTTP request addresses, for both edges (FastAPI dependencies and the plain
ASGI JSON endpoints): the serving tenant of the issuer path, whose id becomes the request's
tenant scope (``idgate.storage.tenant_scope``, enforced by PostgreSQL row-level security)."""

from __future__ import annotations

from idgate.kernel.runtime import Runtime
from idgate.storage.tenant_scope import set_scope
from idgate.tenancy.tenants import Tenant, serving_tenant


def request_tenant(rt: Runtime, slug: str) -> Tenant:
    """Call it from the request's own task (an async dependency or endpoint): FastAPI runs a
    sync dependency in a copy of the request's context, so a scope set there would not reach
    the endpoint; one set in the request's task reaches every later step and ends with the
    request. A cache hit but once per tenant and TTL."""
    tenant = serving_tenant(rt, slug)
    set_scope(tenant.id)
    return tenant
