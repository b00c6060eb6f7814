"""An organization's operators and their roles."""

from __future__ import annotations

from fastapi import Response

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import MemberIn, MemberOut
from idgate.control import members
from idgate.web.deps import RuntimeDep

router = admin_router("members")


@router.get("/orgs/{slug}/members")
def list_members(slug: str, rt: RuntimeDep, operator: OperatorDep) -> list[MemberOut]:
    return [MemberOut(**m.__dict__) for m in members.list_members(rt, operator, slug)]


@router.post("/orgs/{slug}/members", status_code=201)
def add_member(slug: str, body: MemberIn, rt: RuntimeDep, operator: OperatorDep) -> MemberOut:
    return MemberOut(
        **members.add_member(rt, operator, slug, email=body.email, role=body.role).__dict__
    )


@router.delete("/orgs/{slug}/members/{operator_id}", status_code=204)
def remove_member(slug: str, operator_id: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    members.remove_member(rt, operator, slug, operator_id)
    return Response(status_code=204)
