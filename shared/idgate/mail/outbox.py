"""The local outbox: mail stored as rows of ``mail_outbox`` instead of being delivered, for
development (``idgate mail outbox``, ``/dev/outbox``) and tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select

from idgate.kernel.mail_message import MailMessage, sender_address
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import mail_outbox


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    tenant_id: str | None
    sender: str
    recipient: str
    subject: str
    text_body: str
    html_body: str | None
    created_at: float


class OutboxMailer:
    """Stores each message as a row of ``mail_outbox`` instead of delivering it."""

    name = "outbox"

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def send(self, message: MailMessage) -> None:
        with database.write(self._rt.engine) as conn:
            conn.execute(
                insert(mail_outbox).values(
                    id=str(uuid.uuid4()),
                    tenant_id=message.tenant_id,
                    sender=sender_address(self._rt.settings.mail_from, message.sender_name),
                    recipient=message.to,
                    subject=message.subject,
                    text_body=message.text,
                    html_body=message.html,
                    created_at=self._rt.now(),
                )
            )


def recent_outbox(rt: Runtime, *, limit: int = 20, to: str | None = None) -> list[OutboxMessage]:
    """The newest outbox messages first, only those to ``to`` when given."""
    query = select(mail_outbox)
    if to is not None:
        query = query.where(mail_outbox.c.recipient == to.strip().lower())
    query = query.order_by(mail_outbox.c.created_at.desc(), mail_outbox.c.id).limit(max(1, limit))
    with database.read(rt.engine) as conn:
        return [OutboxMessage(**row._mapping) for row in conn.execute(query)]


def outbox_message(rt: Runtime, message_id: str) -> OutboxMessage | None:
    """One stored message (``/dev/outbox/{id}.html``), or None."""
    query = select(mail_outbox).where(mail_outbox.c.id == message_id)
    with database.read(rt.engine) as conn:
        row = conn.execute(query).first()
    return OutboxMessage(**row._mapping) if row is not None else None
