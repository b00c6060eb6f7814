"""Who an account page action acts for (the customer of the browser's session, never an id
from the form), and the one error its actions are refused with: ``AccountRefused``, whose
description says why in words for the page (shown with status 400)."""

from __future__ import annotations

from sqlalchemy import Connection

from idgate.identity.customers import Customer, get_customer
from idgate.identity.sessions import Session
from idgate.kernel.errors import IdgateError


class AccountRefused(IdgateError):
    """An account page action that breaks a rule: a wrong current password, a session or
    application that is not the customer's, the last way to sign in."""


def account_holder(conn: Connection, session: Session) -> Customer:
    customer = get_customer(conn, session.tenant_id, session.customer_id)
    if customer is None:  # deleted while this request was on its way
        raise AccountRefused("This account no longer exists.")
    return customer
