"""Tokens issued to an end user's authorization (RFC 6749 §5.1): an access token, and a
refresh token when ``offline_access`` was granted and the client may use the refresh_token
grant. The ID token is OpenID Connect's addition (``oidc.token_response``).

Split in two so the database transaction stays short: ``prepare_user_tokens`` does the
writes inside the grant's transaction; ``sign_user_tokens`` signs the JWTs after commit
(signing may create the tenant's key on first use, which needs a transaction of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from idgate.identity.customers import Customer, get_customer
from idgate.kernel.errors import InvalidGrant
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import AccessTokenSubject, issue_access_token
from idgate.oauth.client_model import Client
from idgate.oauth.refresh_tokens import issue_refresh_token
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class PreparedTokens:
    customer: Customer
    subject: AccessTokenSubject
    nonce: str | None
    refresh_token: str | None
    now: float


def prepare_user_tokens(
    conn: Connection,
    tenant: Tenant,
    client: Client,
    *,
    family_id: str,
    customer_id: str,
    scope: str,
    session_id: str | None,
    auth_time: float | None,
    nonce: str | None,
    now: float,
    refresh_scope: str | None = None,
) -> PreparedTokens:
    """``refresh_scope`` is the scope of the successor refresh token when it differs from
    the access token's (a narrowed refresh request: RFC 6749 §6 keeps it identical)."""
    customer = get_customer(conn, tenant.id, customer_id)
    if customer is None or customer.disabled:
        raise InvalidGrant("the end user is no longer active")
    refresh_token = _refresh_token(
        conn, tenant, client, family_id=family_id, scope=refresh_scope or scope, now=now
    )
    subject = AccessTokenSubject(
        subject=customer.id,
        client_id=client.client_id,
        scope=scope,
        family_id=family_id,
        session_id=session_id,
        auth_time=auth_time,
        audience=client.audience,
    )
    return PreparedTokens(customer, subject, nonce, refresh_token, now)


def _refresh_token(
    conn: Connection, tenant: Tenant, client: Client, *, family_id: str, scope: str, now: float
) -> str | None:
    """Issued only for ``offline_access`` (OIDC Core §11) to a client allowed the
    refresh_token grant; None otherwise."""
    if "offline_access" not in scope.split() or not client.allows_grant("refresh_token"):
        return None
    return issue_refresh_token(
        conn,
        tenant_id=tenant.id,
        family_id=family_id,
        client_id=client.client_id,
        scope=scope,
        ttl=client.refresh_token_ttl,
        now=now,
    )


def sign_user_tokens(
    rt: Runtime, tenant: Tenant, client: Client, prepared: PreparedTokens
) -> dict[str, Any]:
    subject = prepared.subject
    access_token = issue_access_token(
        rt, tenant, subject, ttl=client.access_token_ttl, now=prepared.now
    )
    body: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": client.access_token_ttl,
        "scope": subject.scope,
    }
    if prepared.refresh_token:
        body["refresh_token"] = prepared.refresh_token
    return body
