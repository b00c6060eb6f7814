"""Sending a self-service mail: links built on the tenant's issuer, the organization's name
as sender name, and sending after the transaction that issued the link has committed (a
rolled-back token must not be mailed).

A mail the provider refuses is logged, not raised, on the pages that must answer the same
whether or not an email belongs to a customer (sign-up, forgot password, email sign-in):
raising would tell which addresses got a mail.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import structlog

from idgate.kernel.errors import MailNotSent
from idgate.kernel.runtime import Runtime
from idgate.mail.mailer import send_mail
from idgate.mail.templates import compose_mail
from idgate.tenancy.tenants import Tenant, issuer_url

log = structlog.get_logger("idgate.account_mail")


def account_link(rt: Runtime, tenant: Tenant, path: str, **params: str | None) -> str:
    """An absolute URL under the tenant's issuer, with the non-empty ``params``."""
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{issuer_url(rt, tenant)}/{path}" + (f"?{query}" if query else "")


def send_account_mail(
    rt: Runtime, tenant: Tenant, template: str, *, to: str, **context: Any
) -> bool:
    """Send the mail ``template`` to ``to``; False (logged, never with its links) when the
    provider refused it."""
    message = compose_mail(
        template, to=to, tenant_id=tenant.id, organization=tenant.name, **context
    )
    try:
        send_mail(rt, message)
    except MailNotSent as exc:
        log.error("mail_not_sent", template=template, tenant=tenant.slug, reason=exc.description)
        return False
    return True
