"""Request and response bodies of the connections admin API: the whole connection in, and
out everything but the client secret (``secret_set`` instead)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from functions.admin.schemas import Flag, Item, Name, without_nul
from idgate.control.connections_admin import ConnectionView
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.identity.upstream.providers import PROVIDER_NAMES


def _known_provider(value: str) -> str:
    if value not in PROVIDER_NAMES:
        raise ValueError(f"must be one of {', '.join(PROVIDER_NAMES)}")
    return value


Provider = Annotated[
    str, Field(json_schema_extra={"enum": list(PROVIDER_NAMES)}), AfterValidator(_known_provider)
]
UpstreamClientId = Annotated[str, Field(max_length=255), AfterValidator(without_nul)]
UpstreamUrl = Annotated[str, Field(max_length=2048), AfterValidator(without_nul)]
MicrosoftTenant = Annotated[str, Field(max_length=64), AfterValidator(without_nul)]


class ConnectionIn(BaseModel):
    """The whole connection (PUT replaces it), except the secret: absent keeps it."""

    provider: Provider
    client_id: UpstreamClientId
    client_secret: str | None = Field(
        default=None,
        max_length=2048,
        description="Write-only: never returned; absent keeps the stored one",
    )
    name: Name | None = Field(default=None, description="Default: the provider's name")
    issuer: UpstreamUrl | None = Field(default=None, description="Required for oidc")
    scopes: list[Item] = Field(default=[], max_length=50, description="Default: the provider's")
    enabled: Flag = True
    microsoft_tenant: MicrosoftTenant | None = Field(
        default=None, description="microsoft only: common, organizations, consumers or an ID"
    )

    def settings(self) -> ConnectionSettings:
        return ConnectionSettings(**{**self.model_dump(), "scopes": tuple(self.scopes)})


class ConnectionOut(BaseModel):
    id: str
    provider: str
    name: str
    client_id: str
    issuer: str | None
    microsoft_tenant: str | None
    scopes: list[str]
    enabled: bool
    secret_set: bool = Field(description="A client secret is stored (it is never returned)")
    callback_url: str = Field(description="The redirect URI to register at the provider")
    created_at: float
    updated_at: float

    @classmethod
    def of(cls, view: ConnectionView) -> ConnectionOut:
        c = view.connection
        return cls(
            id=c.id,
            provider=c.provider,
            name=c.name,
            client_id=c.client_id,
            issuer=c.issuer,
            microsoft_tenant=c.microsoft_tenant,
            scopes=list(c.scopes),
            enabled=c.enabled,
            secret_set=True,  # a connection cannot exist without one
            callback_url=view.callback_url,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
