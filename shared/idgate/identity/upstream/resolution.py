"""Which customer an upstream account signs in (issue "Bring your own OAuth", identity
resolution): the customer it is linked to; else, when a customer already has its email, that
customer only after proof (``linking.hold_for_proof``) and never when the upstream does not
vouch for the email; else a new customer with that email, linked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from idgate.identity.customers import (
    Customer,
    create_customer,
    customer_id_with_email,
    get_customer,
)
from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.linking import find_link, hold_for_proof, link_account, store_tokens
from idgate.identity.upstream.providers.model import UpstreamProfile, UpstreamTokens
from idgate.identity.upstream.upstream_http import UpstreamFailed
from idgate.kernel.runtime import Runtime


@dataclass(frozen=True)
class Resolved:
    """``customer`` signs in now; ``awaiting_proof`` means the account waits for the
    existing customer with its email to sign in another way first."""

    customer: Customer | None
    awaiting_proof: bool = False


def resolve_customer(
    rt: Runtime,
    conn: Connection,
    *,
    connection: UpstreamConnection,
    interaction_id: str,
    profile: UpstreamProfile,
    tokens: UpstreamTokens,
    now: float,
) -> Resolved:
    tenant_id = connection.tenant_id
    linked = find_link(conn, tenant_id, connection.id, profile.subject)
    if linked is not None:
        store_tokens(rt, conn, tenant_id, linked.id, profile.email, tokens, now)
        return Resolved(_active(conn, tenant_id, linked.customer_id))
    if not profile.email:
        raise UpstreamFailed(
            f"Your {connection.name} account has no verified email address to sign in with."
        )
    existing = customer_id_with_email(conn, tenant_id, profile.email)
    if existing is None:
        return Resolved(_new_linked_customer(rt, conn, connection, profile, tokens, now))
    if not profile.email_verified:
        raise UpstreamFailed(
            f"An account with this email already exists, and {connection.name} does not "
            "confirm the email is yours. Sign in with your password instead."
        )
    hold_for_proof(
        rt,
        conn,
        tenant_id=tenant_id,
        connection_id=connection.id,
        interaction_id=interaction_id,
        customer_id=existing,
        profile=profile,
        tokens=tokens,
        now=now,
    )
    return Resolved(None, awaiting_proof=True)


def _new_linked_customer(
    rt: Runtime,
    conn: Connection,
    connection: UpstreamConnection,
    profile: UpstreamProfile,
    tokens: UpstreamTokens,
    now: float,
) -> Customer:
    customer = create_customer(
        conn,
        tenant_id=connection.tenant_id,
        email=profile.email or "",
        password=None,
        name=profile.name,
        now=now,
        email_verified=profile.email_verified,
    )
    link_account(
        rt,
        conn,
        tenant_id=connection.tenant_id,
        customer_id=customer.id,
        connection_id=connection.id,
        profile=profile,
        tokens=tokens,
        now=now,
    )
    return customer


def _active(conn: Connection, tenant_id: str, customer_id: str) -> Customer:
    customer = get_customer(conn, tenant_id, customer_id)
    if customer is None or customer.disabled:
        raise UpstreamFailed("This account is disabled.")
    return customer
