"""Request and response bodies of an organization's self-service policy
(``GET|PATCH /api/v1/orgs/{slug}/settings``). The choices and ranges are the policy's own
(``idgate.tenancy.policy``), so the OpenAPI document cannot drift from what the core
accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from idgate.tenancy.policy import CHOICES, RANGES, TenantPolicy


def _one_of(setting: str) -> Callable[[str], str]:
    allowed = CHOICES[setting]

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


# Strict, like the admin API's other numbers: lax mode took ``true`` for 1 and "10" for 10.
SignUp = Annotated[
    str,
    Field(json_schema_extra={"enum": list(CHOICES["sign_up"])}),
    AfterValidator(_one_of("sign_up")),
]
EmailVerification = Annotated[
    str,
    Field(json_schema_extra={"enum": list(CHOICES["email_verification"])}),
    AfterValidator(_one_of("email_verification")),
]
EmailSignIn = Annotated[
    str,
    Field(json_schema_extra={"enum": list(CHOICES["email_sign_in"])}),
    AfterValidator(_one_of("email_sign_in")),
]
PasswordMinLength = Annotated[
    int,
    Field(strict=True, ge=RANGES["password_min_length"][0], le=RANGES["password_min_length"][1]),
]
SessionDays = Annotated[
    int, Field(strict=True, ge=RANGES["session_days"][0], le=RANGES["session_days"][1])
]


class SettingsPatch(BaseModel):
    """Any subset of the settings; an absent (or null) one is left as it is, so ``{}``
    changes nothing. An unknown field is refused (400 naming it) rather than ignored: a
    misspelt setting would otherwise look applied."""

    model_config = ConfigDict(extra="forbid")

    sign_up: SignUp | None = Field(default=None, description="May customers sign up?")
    email_verification: EmailVerification | None = Field(
        default=None, description="Must customers verify their email before signing in?"
    )
    email_sign_in: EmailSignIn | None = Field(
        default=None, description="May customers sign in with a link or code sent by mail?"
    )
    password_min_length: PasswordMinLength | None = Field(
        default=None, description="The shortest password a customer may choose"
    )
    session_days: SessionDays | None = Field(
        default=None, description="How long a browser sign-in lasts, in days"
    )

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class SettingsOut(BaseModel):
    """The whole policy (defaults: sign-up closed, verification required, email sign-in
    off, passwords of at least 10 characters, sessions of 7 days)."""

    sign_up: SignUp
    email_verification: EmailVerification
    email_sign_in: EmailSignIn
    password_min_length: int
    session_days: int

    @classmethod
    def of(cls, policy: TenantPolicy) -> SettingsOut:
        return cls(**policy.as_dict())
