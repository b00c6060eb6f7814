"""Authorization codes (RFC 6749 §4.1.2, §10.5): random, stored as a digest, bound to the
client, the redirect URI and the PKCE challenge, valid for 60 seconds and single-use.

Consumption is one conditional UPDATE; a second presentation (sequential or concurrent)
raises ReuseDetected, and the caller revokes the family the first one created.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.kernel.errors import InvalidGrant
from idgate.oauth.token_families import ReuseDetected
from idgate.storage.tables import authorization_codes, token_families

CODE_LIFETIME = 60


@dataclass(frozen=True)
class RedeemedCode:
    family_id: str
    customer_id: str
    session_id: str | None
    scope: str
    auth_time: float
    nonce: str | None
    code_challenge: str


def issue_code(
    conn: Connection,
    *,
    tenant_id: str,
    family_id: str,
    client_id: str,
    redirect_uri: str,
    code_challenge: str,
    nonce: str | None,
    now: float,
) -> str:
    code = random_token()
    conn.execute(
        insert(authorization_codes).values(
            digest=token_digest(code),
            tenant_id=tenant_id,
            family_id=family_id,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce,
            expires_at=now + CODE_LIFETIME,
        )
    )
    return code


def consume_code(
    conn: Connection,
    *,
    tenant_id: str,
    code: str,
    client_id: str,
    redirect_uri: str | None,
    now: float,
) -> RedeemedCode:
    """Validate the code's bindings, then mark it used. Raises InvalidGrant on any mismatch."""
    digest = token_digest(code)
    m = _load_code(conn, tenant_id, digest)
    _check_code(m, client_id=client_id, redirect_uri=redirect_uri, now=now)
    _mark_consumed(conn, digest, m["family_id"], now)
    return RedeemedCode(
        family_id=m["family_id"],
        customer_id=m["customer_id"],
        session_id=m["session_id"],
        scope=m["scope"],
        auth_time=m["auth_time"],
        nonce=m["nonce"],
        code_challenge=m["code_challenge"],
    )


def _load_code(conn: Connection, tenant_id: str, digest: str) -> RowMapping:
    """The code joined to its family, which holds what the user granted (one query)."""
    row = conn.execute(
        select(
            authorization_codes,
            token_families.c.customer_id,
            token_families.c.session_id,
            token_families.c.scope,
            token_families.c.auth_time,
        )
        .join(token_families, token_families.c.id == authorization_codes.c.family_id)
        .where(authorization_codes.c.digest == digest, authorization_codes.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise InvalidGrant("authorization code is invalid")
    return row._mapping


def _check_code(m: RowMapping, *, client_id: str, redirect_uri: str | None, now: float) -> None:
    """RFC 6749 §4.1.3's checks; a used code is reuse first (§4.1.2), whoever presents it."""
    if m["consumed_at"] is not None:
        raise ReuseDetected(m["family_id"], "authorization code was already used")
    if m["client_id"] != client_id:
        raise InvalidGrant("authorization code was issued to another client")
    if m["expires_at"] <= now:
        raise InvalidGrant("authorization code expired")
    # RFC 6749 §4.1.3: redirect_uri must be identical when it was in the request.
    if redirect_uri != m["redirect_uri"]:
        raise InvalidGrant("redirect_uri does not match the authorization request")


def _mark_consumed(conn: Connection, digest: str, family_id: str, now: float) -> None:
    # Conditional, so of two concurrent redemptions that both passed the checks one loses.
    consumed = conn.execute(
        update(authorization_codes)
        .where(authorization_codes.c.digest == digest, authorization_codes.c.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    if consumed.rowcount != 1:
        raise ReuseDetected(family_id, "authorization code was already used")
