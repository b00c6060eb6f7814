"""What every admin route shares: its router's prefix and tenant scope, and the
authenticated operator."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from functions.admin.schemas import ErrorOut
from idgate.control.operators import authenticate_operator
from idgate.control.rbac import Operator
from idgate.storage.tenant_scope import ALL_TENANTS, set_scope
from idgate.web.deps import RuntimeDep


async def _platform_scope() -> None:
    # The control plane spans tenants (operators, memberships, the platform audit log), so
    # its transactions run with the '*' tenant scope: row-level security does not confine
    # them, and every core call enforces the operator's permissions (RBAC) in code instead.
    # async so the scope is set in the request's own context (see idgate.web.deps._tenant).
    set_scope(ALL_TENANTS)


# The errors every route may answer, as the OpenAPI document declares them. Declaring 4XX
# also keeps FastAPI from declaring its own 422 body, which idgate never answers: a
# malformed request is a 400 naming its fields (idgate.web.errors).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "Refused; the body says why"},
    503: {"model": ErrorOut, "description": "The database is unavailable: retry after Retry-After"},
}


def admin_router(tag: str) -> APIRouter:
    """A resource's router: its routes under /api/v1, in the control plane's tenant scope."""
    return APIRouter(
        prefix="/api/v1",
        dependencies=[Depends(_platform_scope)],
        tags=[tag],
        responses=ERROR_RESPONSES,
    )


def current_operator(request: Request, rt: RuntimeDep) -> Operator:
    return authenticate_operator(rt, request.headers.get("authorization"))


OperatorDep = Annotated[Operator, Depends(current_operator)]
