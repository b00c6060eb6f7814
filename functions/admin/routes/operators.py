"""The calling operator."""

from __future__ import annotations

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import OperatorOut

router = admin_router("operators")


# Any operator with a valid admin access token: the core authenticates (deps.OperatorDep),
# and describing oneself needs no permission.
@router.get("/me")
def me(operator: OperatorDep) -> OperatorOut:
    return OperatorOut(
        id=operator.id,
        email=operator.email,
        platform_owner=operator.platform_owner,
        organizations=operator.roles,
    )
