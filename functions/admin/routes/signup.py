"""Self-service sign-up: a new operator account and its organization, pending approval."""

from __future__ import annotations

from functions.admin.deps import admin_router
from functions.admin.schemas import OrganizationOut, SignUpIn
from idgate.control import organizations
from idgate.web.deps import RuntimeDep

router = admin_router("organizations")


@router.post("/signup", status_code=201)
def sign_up(body: SignUpIn, rt: RuntimeDep) -> OrganizationOut:
    """Self-service: create an operator account and its organization (pending approval)."""
    org = organizations.sign_up(
        rt,
        email=body.email,
        password=body.password,
        name=body.name,
        slug=body.organization.slug,
        org_name=body.organization.name,
    )
    return OrganizationOut(**org.__dict__)
