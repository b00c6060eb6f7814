"""Request and response bodies of the admin API (pydantic at the HTTP edge)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from idgate.audit.hash_chain import AuditEvent
from idgate.control.rbac import Role
from idgate.identity.customers import Customer
from idgate.keys.signing_keys import ID_TOKEN_DEFAULT_ALG, SigningAlg
from idgate.oauth.client_model import Client
from idgate.oauth.grants import GRANTS
from idgate.tenancy.tiers import TierName

_GRANT_SHORT_NAMES = {grant.grant_type: grant.name for grant in GRANTS}


def without_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL (SQLite can): refused here, as a 400 naming the
    # field on both databases, instead of a driver error (500) on one of them.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# The lengths are those of the columns (idgate.storage.tables): longer input is a 400
# naming the field, not a 500 from PostgreSQL's varchar check.
Slug = Annotated[str, Field(max_length=63), AfterValidator(without_nul)]
ClientId = Annotated[str, Field(max_length=128), AfterValidator(without_nul)]
Name = Annotated[str, Field(max_length=200), AfterValidator(without_nul)]
Email = Annotated[str, Field(max_length=320), AfterValidator(without_nul)]
Item = Annotated[str, Field(max_length=200), AfterValidator(without_nul)]  # grants, scopes
# An id in the path: only NUL is refused here (an unknown id is the core's 404).
PathId = Annotated[str, AfterValidator(without_nul)]
# Control characters, NUL included, are the core's refusal naming the URI (client_registration).
Uri = Annotated[str, Field(max_length=2048)]
# A tier limit is a PostgreSQL integer; negative ones are the core's rule (validation_failed).
# Strict, as the document says: pydantic's lax mode took ``true`` for 1 (a pro tier of one
# application) and "5" for 5.
Limit = Annotated[int, Field(le=2**31 - 1, strict=True)]
# A JSON boolean only (lax mode took 1, "yes" and "off").
Flag = Annotated[bool, Field(strict=True)]


class ErrorOut(BaseModel):
    """Every error the admin API answers (``idgate.web.errors``)."""

    error: str = Field(
        description="The code: invalid_request (malformed request), validation_failed (a "
        "rule of the core), unauthorized, forbidden, limit_reached, not_found, conflict, "
        "temporarily_unavailable"
    )
    error_description: str
    message: str = Field(description="The same description, for people")
    fields: list[str] | None = Field(
        default=None,
        description="A malformed request's offending fields, as dotted paths "
        "(organization.slug, redirect_uris.0); body when it is not JSON",
    )


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
    byo_oauth_allowed: Flag | None = None


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
