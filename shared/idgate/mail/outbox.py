"""The local outbox: mail stored as rows of ``mail_outbox`` instead of being delivered, for
development (``idgate mail outbox``, ``/dev/outbox``) and tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select

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
    created_at: float


class OutboxMailer:
    """Stores each message as a row of ``mail_outbox`` instead of delivering it."""

    name = "outbox"

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def send(self, *, tenant_id: str | None, to: str, subject: str, text: str) -> None:
        with database.write(self._rt.engine) as conn:
            conn.execute(
                insert(mail_outbox).values(
                    id=str(uuid.uuid4()),
                    tenant_id=tenant_id,
                    sender=self._rt.settings.mail_from,
                    recipient=to,
                    subject=subject,
                    text_body=text,
                    created_at=self._rt.now(),
                )
            )


def recent_outbox(rt: Runtime, *, limit: int = 20) -> list[OutboxMessage]:
    """The newest outbox messages first."""
    query = (
        select(mail_outbox)
        .order_by(mail_outbox.c.created_at.desc(), mail_outbox.c.id)
        .limit(max(1, limit))
    )
    with database.read(rt.engine) as conn:
        return [OutboxMessage(**row._mapping) for row in conn.execute(query)]
