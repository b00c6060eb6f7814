"""Organizations: creation, listing, tier, deletion and their lifecycle (approve, reject,
suspend, reactivate), each action its own route."""

from __future__ import annotations

from typing import ClassVar

from fastapi import Response
from fastapi.exceptions import RequestValidationError
from starlette.convertors import Convertor, register_url_convertor

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import OrganizationIn, OrganizationOut, TierIn
from idgate.control import organizations
from idgate.control.rbac import Operator
from idgate.kernel.runtime import Runtime
from idgate.web.deps import RuntimeDep

router = admin_router("organizations")

# Every last segment a POST route under /orgs/{slug}/ serves (this module's actions and the
# member, application and customer collections); tests/handlers/test_admin_api.py checks
# the list against the routes.
POST_SEGMENTS = ("approve", "reject", "suspend", "reactivate", "members", "apps", "customers")


@router.post("/orgs", status_code=201)
def create_org(body: OrganizationIn, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    org = organizations.create_organization(rt, operator, slug=body.slug, name=body.name)
    return OrganizationOut(**org.__dict__)


@router.get("/orgs")
def list_orgs(
    rt: RuntimeDep, operator: OperatorDep, status: str | None = None
) -> list[OrganizationOut]:
    return [
        OrganizationOut(**o.__dict__)
        for o in organizations.list_organizations(rt, operator, status=status)
    ]


@router.get("/orgs/{slug}")
def get_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return OrganizationOut(**organizations.get_organization(rt, operator, slug).__dict__)


@router.put("/orgs/{slug}/tier")
def set_org_tier(slug: str, body: TierIn, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return OrganizationOut(**organizations.set_tier(rt, operator, slug, body.tier).__dict__)


@router.delete("/orgs/{slug}", status_code=204)
def delete_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    organizations.delete_organization(rt, operator, slug)
    return Response(status_code=204)


def _status_changed(rt: Runtime, operator: Operator, slug: str, action: str) -> OrganizationOut:
    return OrganizationOut(**organizations.change_status(rt, operator, slug, action).__dict__)


@router.post("/orgs/{slug}/approve")
def approve_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return _status_changed(rt, operator, slug, "approve")


@router.post("/orgs/{slug}/reject")
def reject_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return _status_changed(rt, operator, slug, "reject")


@router.post("/orgs/{slug}/suspend")
def suspend_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return _status_changed(rt, operator, slug, "suspend")


@router.post("/orgs/{slug}/reactivate")
def reactivate_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return _status_changed(rt, operator, slug, "reactivate")


class UnknownOrgAction(Convertor[str]):
    """A last path segment that no POST route under /orgs/{slug}/ serves. It never matches
    a served one, so the route below cannot shadow another whatever the declaration order."""

    regex: ClassVar[str] = rf"(?!(?:{'|'.join(POST_SEGMENTS)})$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("unknown_org_action", UnknownOrgAction())


@router.post("/orgs/{slug}/{action:unknown_org_action}", include_in_schema=False)
def unknown_org_action(action: str, operator: OperatorDep) -> None:
    """An authenticated POST of an unknown action stays the malformed request (400) it was
    when one route served every action; other methods on such a path stay 405."""
    raise RequestValidationError(
        [{"type": "enum", "loc": ("path", "action"), "msg": "unknown action", "input": action}]
    )
