"""What the account page (``{issuer}/account``) shows the signed-in customer, read in one
transaction: profile, whether a password is set, sessions, connected accounts, authorized
applications.

Without a session the page signs in first: it opens an interaction of kind ``account``
(``identity.interactions``, as the device page opens one of kind ``device``), whose next
step after any sign-in method is the account page again (``identity.sign_in.next_step_path``).
The account page is the organization's own page, not a client: no authorization request,
no consent, no tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from idgate.identity.account.account_holder import account_holder
from idgate.identity.account.account_sessions import SessionRow, session_rows
from idgate.identity.account.authorized_apps import ApplicationRow, application_rows
from idgate.identity.account.connected_accounts import (
    ConnectedAccount,
    LinkChoice,
    connected_accounts,
    link_choices,
)
from idgate.identity.account.reauthentication import password_hash_of
from idgate.identity.customers import Customer
from idgate.identity.interactions import start_interaction
from idgate.identity.sessions import Session
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class AccountView:
    customer: Customer
    has_password: bool
    sessions: list[SessionRow]
    accounts: list[ConnectedAccount]
    link_choices: list[LinkChoice]
    applications: list[ApplicationRow]


def start_account_sign_in(rt: Runtime, tenant: Tenant) -> str:
    """An interaction whose sign-in comes back to the account page; its id."""
    with database.write(rt.engine) as conn:
        return start_interaction(conn, tenant_id=tenant.id, kind="account", params={}, now=rt.now())


def account_view(rt: Runtime, tenant: Tenant, session: Session) -> AccountView:
    with database.read(rt.engine) as conn:
        customer = account_holder(conn, session)
        has_password = password_hash_of(conn, customer) is not None
        sessions = session_rows(conn, session, rt.now())
        accounts = connected_accounts(conn, tenant.id, customer.id)
        applications = application_rows(conn, session)
    # After the transaction: the enabled connections come from a cache that may read.
    choices = link_choices(rt, tenant, accounts)
    return AccountView(customer, has_password, sessions, accounts, choices, applications)
