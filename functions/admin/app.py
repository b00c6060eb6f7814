"""Admin function: the control-plane REST API under /api/v1 (OpenAPI at /api/v1/openapi.json).

Every route authenticates the operator (a platform-tenant access token for the admin
audience) and makes one core call, which checks exactly one permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from functions.admin.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    AuditEventOut,
    AuditPageOut,
    CustomerDetailOut,
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    MemberIn,
    MemberOut,
    OperatorOut,
    OrganizationIn,
    OrganizationOut,
    RevokedOut,
    SignUpIn,
    TierIn,
    TierLimitsIn,
    TierOut,
)
from idgate.audit.hash_chain import AuditFilter
from idgate.control import (
    applications,
    audit_log,
    customers_admin,
    members,
    organizations,
    tiers_admin,
)
from idgate.control.operators import authenticate_operator
from idgate.control.rbac import Operator
from idgate.storage.tenant_scope import ALL_TENANTS, set_scope
from idgate.web.app_factory import create_app
from idgate.web.deps import RuntimeDep
from idgate.web.lambda_handler import lambda_handler


async def _platform_scope() -> None:
    # The control plane spans tenants (operators, memberships, the platform audit log), so
    # its transactions run with the '*' tenant scope: row-level security does not confine
    # them, and every core call enforces the operator's permissions (RBAC) in code instead.
    # async so the scope is set in the request's own context (see idgate.web.deps._tenant).
    set_scope(ALL_TENANTS)


router = APIRouter(prefix="/api/v1", dependencies=[Depends(_platform_scope)])


def _operator(request: Request, rt: RuntimeDep) -> Operator:
    return authenticate_operator(rt, request.headers.get("authorization"))


OperatorDep = Annotated[Operator, Depends(_operator)]
OrgAction = Literal["approve", "reject", "suspend", "reactivate"]


@router.post("/signup", status_code=201, tags=["organizations"])
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


@router.get("/me", tags=["operators"])
def me(operator: OperatorDep) -> OperatorOut:
    return OperatorOut(
        id=operator.id,
        email=operator.email,
        platform_owner=operator.platform_owner,
        organizations=operator.roles,
    )


@router.post("/orgs", status_code=201, tags=["organizations"])
def create_org(body: OrganizationIn, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    org = organizations.create_organization(rt, operator, slug=body.slug, name=body.name)
    return OrganizationOut(**org.__dict__)


@router.get("/orgs", tags=["organizations"])
def list_orgs(
    rt: RuntimeDep, operator: OperatorDep, status: str | None = None
) -> list[OrganizationOut]:
    return [
        OrganizationOut(**o.__dict__)
        for o in organizations.list_organizations(rt, operator, status=status)
    ]


@router.get("/orgs/{slug}", tags=["organizations"])
def get_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return OrganizationOut(**organizations.get_organization(rt, operator, slug).__dict__)


@router.put("/orgs/{slug}/tier", tags=["organizations"])
def set_org_tier(slug: str, body: TierIn, rt: RuntimeDep, operator: OperatorDep) -> OrganizationOut:
    return OrganizationOut(**organizations.set_tier(rt, operator, slug, body.tier).__dict__)


@router.delete("/orgs/{slug}", status_code=204, tags=["organizations"])
def delete_org(slug: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    organizations.delete_organization(rt, operator, slug)
    return Response(status_code=204)


@router.get("/tiers", tags=["tiers"])
def list_tiers(rt: RuntimeDep, operator: OperatorDep) -> list[TierOut]:
    return [TierOut(**t.__dict__) for t in tiers_admin.list_tiers(rt, operator)]


@router.patch("/tiers/{name}", tags=["tiers"])
def update_tier(name: str, body: TierLimitsIn, rt: RuntimeDep, operator: OperatorDep) -> TierOut:
    return TierOut(**tiers_admin.update_tier(rt, operator, name, **body.model_dump()).__dict__)


@router.get("/orgs/{slug}/members", tags=["members"])
def list_members(slug: str, rt: RuntimeDep, operator: OperatorDep) -> list[MemberOut]:
    return [MemberOut(**m.__dict__) for m in members.list_members(rt, operator, slug)]


@router.post("/orgs/{slug}/members", status_code=201, tags=["members"])
def add_member(slug: str, body: MemberIn, rt: RuntimeDep, operator: OperatorDep) -> MemberOut:
    return MemberOut(
        **members.add_member(rt, operator, slug, email=body.email, role=body.role).__dict__
    )


@router.delete("/orgs/{slug}/members/{operator_id}", status_code=204, tags=["members"])
def remove_member(slug: str, operator_id: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    members.remove_member(rt, operator, slug, operator_id)
    return Response(status_code=204)


@router.get("/orgs/{slug}/apps", tags=["applications"])
def list_apps(slug: str, rt: RuntimeDep, operator: OperatorDep) -> list[ApplicationOut]:
    return [ApplicationOut.of(c) for c in applications.list_applications(rt, operator, slug)]


@router.post("/orgs/{slug}/apps", status_code=201, tags=["applications"])
def create_app_(
    slug: str, body: ApplicationIn, rt: RuntimeDep, operator: OperatorDep
) -> ApplicationOut:
    client, secret = applications.create_application(
        rt, operator, slug, secret=None, **body.model_dump()
    )
    return ApplicationOut.of(client, secret)


@router.get("/orgs/{slug}/apps/{client_id}", tags=["applications"])
def get_app(slug: str, client_id: str, rt: RuntimeDep, operator: OperatorDep) -> ApplicationOut:
    return ApplicationOut.of(applications.get_application(rt, operator, slug, client_id))


@router.patch("/orgs/{slug}/apps/{client_id}", tags=["applications"])
def update_app(
    slug: str, client_id: str, body: ApplicationPatch, rt: RuntimeDep, operator: OperatorDep
) -> ApplicationOut:
    return ApplicationOut.of(
        applications.update_application(rt, operator, slug, client_id, **body.model_dump())
    )


@router.post("/orgs/{slug}/apps/{client_id}/rotate-secret", tags=["applications"])
def rotate_secret(
    slug: str, client_id: str, rt: RuntimeDep, operator: OperatorDep
) -> ApplicationOut:
    secret = applications.rotate_application_secret(rt, operator, slug, client_id)
    return ApplicationOut.of(applications.get_application(rt, operator, slug, client_id), secret)


@router.delete("/orgs/{slug}/apps/{client_id}", status_code=204, tags=["applications"])
def delete_app(slug: str, client_id: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    applications.delete_application(rt, operator, slug, client_id)
    return Response(status_code=204)


@router.get("/orgs/{slug}/customers", tags=["customers"])
def list_customers(
    slug: str,
    rt: RuntimeDep,
    operator: OperatorDep,
    q: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerPageOut:
    page = customers_admin.list_customers(rt, operator, slug, query=q, cursor=cursor, limit=limit)
    return CustomerPageOut(
        customers=[CustomerOut.of(c) for c in page.customers], next_cursor=page.next_cursor
    )


@router.post("/orgs/{slug}/customers", status_code=201, tags=["customers"])
def add_customer(slug: str, body: CustomerIn, rt: RuntimeDep, operator: OperatorDep) -> CustomerOut:
    return CustomerOut.of(
        customers_admin.add_customer(
            rt, operator, slug, email=body.email, password=body.password, name=body.name
        )
    )


@router.get("/orgs/{slug}/customers/{customer_id}", tags=["customers"])
def show_customer(
    slug: str, customer_id: str, rt: RuntimeDep, operator: OperatorDep
) -> CustomerDetailOut:
    detail = customers_admin.show_customer(rt, operator, slug, customer_id)
    return CustomerDetailOut(
        **CustomerOut.of(detail.customer).model_dump(),
        identities=detail.identities,
        sessions=detail.sessions,
        subscriptions=detail.subscriptions,
    )


@router.post("/orgs/{slug}/customers/{customer_id}/{action}", tags=["customers"])
def set_customer_state(
    slug: str,
    customer_id: str,
    action: Literal["disable", "enable"],
    rt: RuntimeDep,
    operator: OperatorDep,
) -> CustomerOut:
    customer = customers_admin.set_customer_disabled(
        rt, operator, slug, customer_id, disabled=action == "disable"
    )
    return CustomerOut.of(customer)


@router.delete("/orgs/{slug}/customers/{customer_id}/sessions", tags=["customers"])
def revoke_sessions(
    slug: str, customer_id: str, rt: RuntimeDep, operator: OperatorDep
) -> RevokedOut:
    return RevokedOut(
        sessions_ended=customers_admin.revoke_all_sessions(rt, operator, slug, customer_id)
    )


@router.delete(
    "/orgs/{slug}/customers/{customer_id}/sessions/{session_id}",
    status_code=204,
    tags=["customers"],
)
def revoke_session(
    slug: str, customer_id: str, session_id: str, rt: RuntimeDep, operator: OperatorDep
) -> Response:
    customers_admin.revoke_session(rt, operator, slug, customer_id, session_id)
    return Response(status_code=204)


@router.delete("/orgs/{slug}/customers/{customer_id}", status_code=204, tags=["customers"])
def delete_customer(slug: str, customer_id: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    customers_admin.delete_customer(rt, operator, slug, customer_id)
    return Response(status_code=204)


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


@router.get("/orgs/{slug}/audit", tags=["audit"])
def org_audit(
    slug: str, rt: RuntimeDep, operator: OperatorDep, query: AuditQueryDep
) -> AuditPageOut:
    """An organization's audit log, newest first (org.audit.read)."""
    return _audit_page(rt, operator, slug, query)


@router.get("/audit", tags=["audit"])
def platform_audit(rt: RuntimeDep, operator: OperatorDep, query: AuditQueryDep) -> AuditPageOut:
    """Every tenant's audit log, newest first (platform owners)."""
    return _audit_page(rt, operator, None, query)


# Declared last: its "{action}" segment would otherwise shadow /members, /apps, ...
@router.post("/orgs/{slug}/{action}", tags=["organizations"])
def change_org_status(
    slug: str, action: OrgAction, rt: RuntimeDep, operator: OperatorDep
) -> OrganizationOut:
    return OrganizationOut(**organizations.change_status(rt, operator, slug, action).__dict__)


app = create_app(router, title="idgate admin API", openapi_url="/api/v1/openapi.json")
handler = lambda_handler(app)
