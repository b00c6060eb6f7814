"""An organization's self-service policy: whether customers may sign up themselves,
whether their email must be verified before they sign in, whether they may sign in with
a link or code sent by mail, the shortest password allowed and how long a browser session
lasts.

Stored as JSON in ``tenants.policy`` and carried by the cached ``Tenant``, so reading it
costs nothing on a request; a change is seen by other processes within the security-cache
TTL (a few seconds). Keys absent from the stored JSON take the defaults below, so a new
setting needs no migration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from idgate.kernel.errors import ValidationFailed

# NIST SP 800-63B §5.1.1.2: at least 8 characters, and allow at least 64; we cap at 128.
MIN_PASSWORD_LENGTH_FLOOR = 8
MAX_PASSWORD_LENGTH = 128
MAX_SESSION_DAYS = 365

CHOICES: dict[str, tuple[str, ...]] = {
    "sign_up": ("open", "closed"),
    "email_verification": ("required", "optional"),
    "email_sign_in": ("on", "off"),
}
RANGES: dict[str, tuple[int, int]] = {
    "password_min_length": (MIN_PASSWORD_LENGTH_FLOOR, MAX_PASSWORD_LENGTH),
    "session_days": (1, MAX_SESSION_DAYS),
}


@dataclass(frozen=True)
class TenantPolicy:
    sign_up: str = "closed"
    email_verification: str = "required"
    email_sign_in: str = "off"
    password_min_length: int = 10
    session_days: int = 7

    @property
    def sign_up_open(self) -> bool:
        return self.sign_up == "open"

    @property
    def verification_required(self) -> bool:
        return self.email_verification == "required"

    @property
    def email_sign_in_on(self) -> bool:
        return self.email_sign_in == "on"

    @property
    def session_seconds(self) -> int:
        return self.session_days * 24 * 3600

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_POLICY = TenantPolicy()


def policy_from_stored(stored: object) -> TenantPolicy:
    """The policy a ``tenants.policy`` value stands for; unknown or invalid keys (written
    by another version) fall back to their defaults rather than fail a request."""
    if not isinstance(stored, dict):
        return DEFAULT_POLICY
    valid: dict[str, Any] = {}
    for name, value in stored.items():
        try:
            valid[name] = _checked(name, value)
        except ValidationFailed:
            continue
    return replace(DEFAULT_POLICY, **valid)


def changed_policy(policy: TenantPolicy, changes: dict[str, object]) -> TenantPolicy:
    """``policy`` with ``changes`` applied; a ``ValidationFailed`` names the first field
    that is unknown or out of range."""
    checked: dict[str, Any] = {name: _checked(name, value) for name, value in changes.items()}
    return replace(policy, **checked)


def _checked(name: str, value: object) -> Any:
    if name in CHOICES:
        if value not in CHOICES[name]:
            raise ValidationFailed(f"{name} must be one of: {', '.join(CHOICES[name])}", field=name)
        return value
    if name in RANGES:
        low, high = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(
                f"{name} must be a whole number from {low} to {high}", field=name
            )
        return value
    raise ValidationFailed(
        f"{name} is not a setting; the settings are: {', '.join(SETTINGS)}", field=name
    )


SETTINGS = (*CHOICES, *RANGES)
