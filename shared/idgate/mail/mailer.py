"""Outgoing mail behind one small interface (DESIGN "Cloud services are behind small
interfaces"): the local outbox (``mail.outbox``), a table a developer reads with ``idgate
mail outbox`` or at ``/dev/outbox``, and Amazon SES v2 (``aws.ses``), chosen by
``IDGATE_MAIL_PROVIDER``. ``send_mail`` is the one way mail leaves idgate.

A message has a text part and, for the mails customers get, an HTML part (RFC 2046
§5.1.4 multipart/alternative); it is sent from ``IDGATE_MAIL_FROM`` under the
organization's name as display name (RFC 5322 §3.4). A body may carry a one-time link,
so the outbox is a development tool and production uses SES.
"""

from __future__ import annotations

from typing import Protocol

from idgate.kernel.mail_message import MailMessage
from idgate.kernel.runtime import Runtime
from idgate.mail.outbox import OutboxMailer


class Mailer(Protocol):
    name: str

    def send(self, message: MailMessage) -> None:
        """Send ``message`` from ``IDGATE_MAIL_FROM``."""


def create_mailer(rt: Runtime) -> Mailer:
    if rt.settings.mail_provider == "ses":
        # boto3 is imported only here: it is the optional `aws` extra outside Lambda.
        from idgate.aws.ses import SesMailer

        return SesMailer(rt.settings)
    return OutboxMailer(rt)


def send_mail(rt: Runtime, message: MailMessage) -> str:
    """Send through this process's mailer (built on first use); returns the provider's name.
    Raises ``MailNotSent`` when the provider refuses the message."""
    mailer: Mailer = rt.resource("mailer", lambda: create_mailer(rt))
    mailer.send(message)
    return mailer.name
