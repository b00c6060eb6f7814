"""The options of an organization's self-service policy (``idgate.tenancy.policy``),
shared by ``idgate tenant configure`` (local) and ``idgate orgs settings`` (admin API) so
both read, explain and print them alike. The values are checked by the core, which names
the setting that is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from idgate.tenancy.policy import CHOICES, DEFAULT_POLICY


def _choices(setting: str) -> str:
    return f"{' | '.join(CHOICES[setting])} (default {getattr(DEFAULT_POLICY, setting)})"


SignUpOption = Annotated[
    str | None,
    typer.Option("--sign-up", help=f"{_choices('sign_up')}: may customers sign up?"),
]
EmailVerificationOption = Annotated[
    str | None,
    typer.Option(
        "--email-verification",
        help=f"{_choices('email_verification')}: verified email before signing in?",
    ),
]
EmailSignInOption = Annotated[
    str | None,
    typer.Option(
        "--email-sign-in", help=f"{_choices('email_sign_in')}: sign-in links and codes by mail?"
    ),
]
PasswordMinLengthOption = Annotated[
    int | None,
    typer.Option(
        "--password-min-length",
        help=f"Shortest password allowed (default {DEFAULT_POLICY.password_min_length}).",
    ),
]
SessionDaysOption = Annotated[
    int | None,
    typer.Option(
        "--session-days",
        help=f"How many days a sign-in lasts (default {DEFAULT_POLICY.session_days}).",
    ),
]


def policy_changes(**options: Any) -> dict[str, Any]:
    """The settings given on the command line (an option left out is None)."""
    return {name: value for name, value in options.items() if value is not None}


def print_policy(policy: Mapping[str, Any]) -> None:
    """One ``setting: value`` line each, the settings named as their options are."""
    for name, value in policy.items():
        typer.echo(f"{name.replace('_', '-')}: {value}")
