"""An organization's customers (its end users) and their sessions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import (
    CustomerDetailOut,
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    PathId,
    RevokedOut,
    identity_out,
)
from idgate.control import customer_identities, customers_admin
from idgate.web.deps import RuntimeDep

router = admin_router("customers")


@router.get("/orgs/{slug}/customers")
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


@router.post("/orgs/{slug}/customers", status_code=201)
def add_customer(slug: str, body: CustomerIn, rt: RuntimeDep, operator: OperatorDep) -> CustomerOut:
    return CustomerOut.of(
        customers_admin.add_customer(
            rt, operator, slug, email=body.email, password=body.password, name=body.name
        )
    )


@router.get("/orgs/{slug}/customers/{customer_id}")
def show_customer(
    slug: str, customer_id: str, rt: RuntimeDep, operator: OperatorDep
) -> CustomerDetailOut:
    detail = customers_admin.show_customer(rt, operator, slug, customer_id)
    return CustomerDetailOut(
        **CustomerOut.of(detail.customer).model_dump(),
        identities=[identity_out(i) for i in detail.identities],
        sessions=detail.sessions,
        subscriptions=detail.subscriptions,
    )


@router.post("/orgs/{slug}/customers/{customer_id}/{action}")
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


@router.delete("/orgs/{slug}/customers/{customer_id}/sessions")
def revoke_sessions(
    slug: str, customer_id: str, rt: RuntimeDep, operator: OperatorDep
) -> RevokedOut:
    return RevokedOut(
        sessions_ended=customers_admin.revoke_all_sessions(rt, operator, slug, customer_id)
    )


@router.delete("/orgs/{slug}/customers/{customer_id}/sessions/{session_id}", status_code=204)
def revoke_session(
    slug: str, customer_id: str, session_id: str, rt: RuntimeDep, operator: OperatorDep
) -> Response:
    customers_admin.revoke_session(rt, operator, slug, customer_id, session_id)
    return Response(status_code=204)


@router.delete("/orgs/{slug}/customers/{customer_id}/identities/{identity_id}", status_code=204)
def unlink_identity(
    slug: str, customer_id: PathId, identity_id: PathId, rt: RuntimeDep, operator: OperatorDep
) -> Response:
    """Unlink an upstream account; 409 when it is the customer's last way to sign in."""
    customer_identities.unlink_customer_identity(rt, operator, slug, customer_id, identity_id)
    return Response(status_code=204)


@router.delete("/orgs/{slug}/customers/{customer_id}", status_code=204)
def delete_customer(slug: str, customer_id: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    customers_admin.delete_customer(rt, operator, slug, customer_id)
    return Response(status_code=204)
