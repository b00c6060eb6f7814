"""Standard claims released per scope (OIDC Core §5.4)."""

from __future__ import annotations

from typing import Any

from idgate.identity.customers import Customer

SUPPORTED_CLAIMS = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "sid",
    "azp",
    "email",
    "email_verified",
    "name",
)


def claims_for_scope(customer: Customer, scope: str) -> dict[str, Any]:
    scopes = set(scope.split())
    claims: dict[str, Any] = {}
    if "email" in scopes:
        claims["email"] = customer.email
        claims["email_verified"] = customer.email_verified
    if "profile" in scopes and customer.name:
        claims["name"] = customer.name
    return claims
