"""Request and response bodies of the admin API (pydantic at the HTTP edge)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from idgate.audit.hash_chain import AuditEvent
from idgate.control.connections_admin import ConnectionView
from idgate.control.rbac import Role
from idgate.identity.customers import Customer
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.identity.upstream.providers import PROVIDER_NAMES
from idgate.keys.signing_keys import ID_TOKEN_DEFAULT_ALG, SigningAlg
from idgate.oauth.client_model import Client
from idgate.oauth.grants import GRANTS
from idgate.tenancy.tiers import TierName

_GRANT_SHORT_NAMES = {grant.grant_type: grant.name for grant in GRANTS}


def _without_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL (SQLite can): refused here, as a 400 naming the
    # field on both databases, instead of a driver error (500) on one of them.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# The lengths are those of the columns (idgate.storage.tables): longer input is a 400
# naming the field, not a 500 from PostgreSQL's varchar check.
Slug = Annotated[str, Field(max_length=63), AfterValidator(_without_nul)]
ClientId = Annotated[str, Field(max_length=128), AfterValidator(_without_nul)]
Name = Annotated[str, Field(max_length=200), AfterValidator(_without_nul)]
Email = Annotated[str, Field(max_length=320), AfterValidator(_without_nul)]
Item = Annotated[str, Field(max_length=200), AfterValidator(_without_nul)]  # grants, scopes
# An id in the path: only NUL is refused here (an unknown id is the core's 404).
PathId = Annotated[str, AfterValidator(_without_nul)]
# Control characters, NUL included, are the core's refusal naming the URI (client_registration).
Uri = Annotated[str, Field(max_length=2048)]
# A tier limit is a PostgreSQL integer; negative ones are the core's rule (validation_failed).
Limit = Annotated[int, Field(le=2**31 - 1)]


class OrganizationIn(BaseModel):
    slug: Slug = Field(description="Lowercase letters, digits and hyphens; the issuer path")
    name: Name | None = None


class SignUpIn(BaseModel):
    email: Email
    password: str = Field(min_length=8)
    name: Name | None = None
    organization: OrganizationIn


class OrganizationOut(BaseModel):
    slug: str
    name: str
    status: str
    tier: str
    issuer: str


class TierIn(BaseModel):
    tier: TierName


class TierLimitsIn(BaseModel):
    max_applications: Limit | None = None
    max_monthly_active_customers: Limit | None = None
    byo_oauth_allowed: bool | None = None


class TierOut(BaseModel):
    name: str
    max_applications: int
    max_monthly_active_customers: int
    byo_oauth_allowed: bool


class MemberIn(BaseModel):
    email: Email
    role: Role


class MemberOut(BaseModel):
    operator_id: str
    email: str
    role: str


class ApplicationIn(BaseModel):
    client_id: ClientId
    name: Name | None = None
    client_type: Literal["confidential", "public"] = "confidential"
    redirect_uris: list[Uri] = []
    post_logout_redirect_uris: list[Uri] = []
    grants: list[Item] = ["authorization_code"]
    scopes: list[Item] | None = None
    id_token_alg: SigningAlg = ID_TOKEN_DEFAULT_ALG


class ApplicationPatch(BaseModel):
    """RFC 7396 merge semantics: an absent (or null) field is left as it is, so ``{}``
    changes nothing."""

    name: Name | None = None
    redirect_uris: list[Uri] | None = None
    post_logout_redirect_uris: list[Uri] | None = None
    grants: list[Item] | None = None
    scopes: list[Item] | None = None
    id_token_alg: SigningAlg | None = None


class ApplicationOut(BaseModel):
    client_id: str
    name: str
    client_type: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    grants: list[str]
    scopes: list[str]
    id_token_alg: str
    client_secret: str | None = Field(default=None, description="Present once, when generated")

    @classmethod
    def of(cls, client: Client, secret: str | None = None) -> ApplicationOut:
        return cls(
            client_id=client.client_id,
            name=client.name,
            client_type=client.client_type,
            redirect_uris=list(client.redirect_uris),
            post_logout_redirect_uris=list(client.post_logout_redirect_uris),
            grants=[_GRANT_SHORT_NAMES.get(g, g) for g in client.grant_types],
            scopes=list(client.scopes),
            id_token_alg=client.id_token_alg,
            client_secret=secret,
        )


class CustomerIn(BaseModel):
    email: Email
    password: str | None = Field(default=None, min_length=8)
    name: Name | None = None


class CustomerOut(BaseModel):
    id: str
    email: str
    email_verified: bool
    name: str | None
    disabled: bool

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            id=customer.id,
            email=customer.email,
            email_verified=customer.email_verified,
            name=customer.name,
            disabled=customer.disabled,
        )


class CustomerPageOut(BaseModel):
    customers: list[CustomerOut]
    next_cursor: str | None


class PasswordIdentityOut(BaseModel):
    provider: Literal["password"]
    subject: str = Field(description="The customer's email")


class LinkedIdentityOut(BaseModel):
    id: str
    connection_id: str
    provider: str
    subject: str = Field(description="The account's identifier at the upstream")
    email: str | None
    linked_at: float
    last_used_at: float | None


def identity_out(identity: dict[str, Any]) -> LinkedIdentityOut | PasswordIdentityOut:
    """One of the core's identities: the password, or a linked upstream account."""
    if identity["provider"] == "password":
        return PasswordIdentityOut(**identity)
    return LinkedIdentityOut(**identity)


class CustomerDetailOut(CustomerOut):
    identities: list[LinkedIdentityOut | PasswordIdentityOut]
    sessions: list[dict[str, Any]]
    subscriptions: list[dict[str, Any]]


class AuditEventOut(BaseModel):
    tenant_id: str
    seq: int
    at: float
    actor: str
    action: str
    target: str | None
    request_id: str | None
    ip: str | None
    details: dict[str, Any]
    hash: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        fields = {k: v for k, v in event.__dict__.items() if k != "prev_hash"}
        return cls(**fields)


class AuditPageOut(BaseModel):
    events: list[AuditEventOut]
    next_cursor: str | None


class OperatorOut(BaseModel):
    id: str
    email: str
    platform_owner: bool
    organizations: dict[str, str] = Field(description="organization tenant id -> role")


class RevokedOut(BaseModel):
    sessions_ended: int


def _known_provider(value: str) -> str:
    if value not in PROVIDER_NAMES:
        raise ValueError(f"must be one of {', '.join(PROVIDER_NAMES)}")
    return value


Provider = Annotated[
    str, Field(json_schema_extra={"enum": list(PROVIDER_NAMES)}), AfterValidator(_known_provider)
]
UpstreamClientId = Annotated[str, Field(max_length=255), AfterValidator(_without_nul)]
UpstreamUrl = Annotated[str, Field(max_length=2048), AfterValidator(_without_nul)]
MicrosoftTenant = Annotated[str, Field(max_length=64), AfterValidator(_without_nul)]


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
    enabled: bool = True
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
