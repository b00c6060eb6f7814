"""One outgoing message: a text part and, for the mails customers get, an HTML part (RFC
2046 §5.1.4 multipart/alternative), sent from ``IDGATE_MAIL_FROM`` under the
organization's name as display name (RFC 5322 §3.4). It lives in the kernel because both
the mailer (``mail``) and its SES implementation (``aws``, below ``mail``) speak it."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tenant_id: str | None = None
    sender_name: str | None = None  # the display name of the From address


def sender_address(mail_from: str, sender_name: str | None) -> str:
    """``IDGATE_MAIL_FROM`` with ``sender_name`` as display name, quoted and encoded as RFC
    5322 and RFC 2047 require (an organization's name may hold any character)."""
    if not sender_name:
        return mail_from
    _, address = parseaddr(mail_from)
    name = " ".join(sender_name.split())  # no line breaks in a header
    return formataddr((name, address or mail_from)) if name else mail_from
