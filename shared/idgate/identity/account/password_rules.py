"""The rules a password a customer chooses must follow (NIST SP 800-63B §5.1.1.2): at
least the organization's minimum length, at most ``MAX_PASSWORD_LENGTH`` characters, not
the email address, and not one of the 100,000 most common passwords, which ship with the
package (``common_passwords.txt.gz``, see ``COMMON_PASSWORDS_SOURCE.md``) so the check
works offline. No composition rules: NIST advises against them.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from idgate.kernel.errors import ValidationFailed
from idgate.tenancy.policy import MAX_PASSWORD_LENGTH, TenantPolicy

_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt.gz")


class PasswordRejected(ValidationFailed):
    """A chosen password that breaks a rule; the description says which."""


@cache
def common_passwords() -> frozenset[str]:
    # Loaded by the first password chosen in this process, not at import: most requests
    # never choose one, and the set holds about 10 MiB.
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines)


def check_new_password(password: str, *, email: str, policy: TenantPolicy) -> None:
    """Raise ``PasswordRejected`` naming the rule ``password`` breaks."""
    if len(password) < policy.password_min_length:
        raise PasswordRejected(
            f"Use at least {policy.password_min_length} characters for your password."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_PASSWORD_LENGTH} characters for your password.")
    folded = password.lower()
    if folded.strip() == email.strip().lower() or folded == email.partition("@")[0].lower():
        raise PasswordRejected("Your password must not be your email address.")
    if folded in common_passwords():
        raise PasswordRejected(
            "This password is one of the most common passwords. Choose a less common one."
        )
