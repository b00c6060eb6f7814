"""Decoy email sign-in codes: what the code page holds when the email has no account.

An email sign-in request answers the same for every address (no user enumeration), so the
page that asks for the code carries a token id either way. For an address without an
account, or with a disabled one, the id is a decoy: random, and remembered for a code's
lifetime as a row of ``rate_limit_counters`` (key ``email_sign_in_decoy:<id>``) counting
the codes typed against it. A code typed there then fails exactly as a wrong code for a
real token does: "N attempts left", burnt at the fifth, expired after ten minutes.
Without it, the first wrong code would tell an account ("4 attempts left") from none
("expired"). Writing the row also gives a request for an unknown address the write that
issuing a real token costs, which keeps the two answer times alike.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, insert, select, update

from idgate.identity.account.account_tokens import (
    CODE_BURNT,
    CODE_INVALID,
    LIFETIMES,
    MAX_CODE_ATTEMPTS,
    LinkInvalid,
    WrongCode,
)
from idgate.storage.tables import rate_limit_counters
from idgate.storage.window_counters import counter_key

LIFETIME = LIFETIMES["email_sign_in"]


def issue_decoy(conn: Connection, *, tenant_id: str, now: float) -> str:
    """A decoy token id, with no code typed against it yet."""
    decoy_id = str(uuid.uuid4())
    conn.execute(
        insert(rate_limit_counters).values(
            tenant_id=tenant_id, key=_key(decoy_id), failures=0, window_started_at=now
        )
    )
    return decoy_id


def refuse_decoy_code(conn: Connection, *, tenant_id: str, token_id: str, now: float) -> None:
    """When ``token_id`` is a live decoy, count a wrong code and raise as ``use_code`` does
    for one (``WrongCode``, or ``LinkInvalid`` once burnt); return when it is none."""
    row = (rate_limit_counters.c.tenant_id == tenant_id) & (
        rate_limit_counters.c.key == _key(token_id)
    )
    attempts = conn.execute(
        select(rate_limit_counters.c.failures).where(
            row, rate_limit_counters.c.window_started_at > now - LIFETIME
        )
    ).scalar()
    if attempts is None:
        return
    if attempts >= MAX_CODE_ATTEMPTS:
        raise LinkInvalid(CODE_INVALID)
    conn.execute(update(rate_limit_counters).where(row).values(failures=attempts + 1))
    if attempts + 1 >= MAX_CODE_ATTEMPTS:
        raise LinkInvalid(CODE_BURNT)
    raise WrongCode(MAX_CODE_ATTEMPTS - attempts - 1)


def _key(token_id: str) -> str:
    return counter_key("email_sign_in_decoy", token_id)
