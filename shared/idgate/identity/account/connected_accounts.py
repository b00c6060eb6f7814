"""The customer's connected (upstream) accounts on the account page: each linked account
with its connection's name and an Unlink button, and a Link button per enabled connection
not linked yet (``{issuer}/upstream/{connection_id}/link``, ``identity.upstream.flows``).

Unlinking never removes the customer's last way to sign in: ``unlink_identity`` refuses it
when there is no password and no other linked account, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from idgate.audit.hash_chain import record
from idgate.identity.account.account_holder import AccountRefused, account_holder
from idgate.identity.sessions import Session
from idgate.identity.upstream.connections import enabled_connections, list_connections
from idgate.identity.upstream.identities import list_identities, unlink_identity
from idgate.kernel.errors import Conflict, NotFound
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    connection_id: str
    connection: str  # the connection's name ("GitHub", "Corp SSO")
    account: str  # what identifies it at the upstream: its email, else its subject


@dataclass(frozen=True)
class LinkChoice:
    connection_id: str
    name: str


def connected_accounts(
    conn: Connection, tenant_id: str, customer_id: str
) -> list[ConnectedAccount]:
    names = {c.id: c.name for c in list_connections(conn, tenant_id)}
    return [
        ConnectedAccount(
            i.id, i.connection_id, names.get(i.connection_id, i.connection_id), i.email or i.subject
        )
        for i in list_identities(conn, tenant_id, customer_id)
    ]


def link_choices(rt: Runtime, tenant: Tenant, linked: list[ConnectedAccount]) -> list[LinkChoice]:
    """The enabled connections the customer has no account of linked yet."""
    taken = {account.connection_id for account in linked}
    return [LinkChoice(c.id, c.name) for c in enabled_connections(rt, tenant) if c.id not in taken]


def unlink_account(rt: Runtime, tenant: Tenant, session: Session, identity_id: str) -> None:
    """Unlink one of the customer's accounts. ``AccountRefused``
    for an account that is not theirs, or their last way to sign in."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        customer = account_holder(conn, session)
        try:
            unlinked = unlink_identity(conn, tenant.id, customer.id, identity_id)
        except NotFound as exc:
            raise AccountRefused("This account is not linked to yours.") from exc
        except Conflict as exc:
            raise AccountRefused(
                "This is your only way to sign in. Set a password or link another account "
                "before you unlink it."
            ) from exc
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="customer.identity_unlinked",
            target=customer.id,
            details={"identity_id": unlinked.id, "connection_id": unlinked.connection_id},
            now=now,
        )
