"""The applications the customer has authorized (their consents, OIDC Core §3.1.2.4), and
revoking one: the consent is deleted, so the application must ask again, and every token
family it holds for the customer is revoked (RFC 7009 §2.1: its refresh tokens and the
access tokens issued from them stop working at once)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete

from idgate.audit.hash_chain import record
from idgate.identity.account.account_holder import AccountRefused, account_holder
from idgate.identity.account.account_sessions import moment
from idgate.identity.consents import authorized_applications
from idgate.identity.sessions import Session
from idgate.identity.token_family_revocation import revoke_client_families
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import consents
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class ApplicationRow:
    client_id: str
    name: str  # the client id when the application has been deleted
    scopes: tuple[str, ...]
    granted: str


def application_rows(conn: Connection, session: Session) -> list[ApplicationRow]:
    return [
        ApplicationRow(
            app["client_id"],
            app["application"] or app["client_id"],
            tuple(app["scopes"]),
            moment(app["granted_at"]),
        )
        for app in authorized_applications(
            conn, tenant_id=session.tenant_id, customer_id=session.customer_id
        )
    ]


def revoke_application(rt: Runtime, tenant: Tenant, session: Session, client_id: str) -> None:
    """``AccountRefused`` when the customer has not authorized ``client_id``."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        customer = account_holder(conn, session)
        deleted = conn.execute(
            delete(consents).where(
                consents.c.tenant_id == tenant.id,
                consents.c.customer_id == customer.id,
                consents.c.client_id == client_id,
            )
        )
        if deleted.rowcount != 1:
            raise AccountRefused("This application is not authorized for your account.")
        revoke_client_families(
            conn, tenant_id=tenant.id, customer_id=customer.id, client_id=client_id, now=now
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="consent.revoked",
            target=customer.id,
            details={"client_id": client_id},
            now=now,
        )
