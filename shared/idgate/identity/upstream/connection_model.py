"""An organization's upstream connection as the sign-in flow reads it (its secret stays
sealed in the database until a token request needs it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpstreamConnection:
    tenant_id: str
    id: str
    provider: str
    name: str
    client_id: str
    issuer: str | None
    microsoft_tenant: str | None
    scopes: tuple[str, ...]
    enabled: bool
    created_at: float
    updated_at: float
