"""``idgate orgs``: organizations through the admin API, from sign-up to deletion.

Platform owners see and decide on every organization (approve, reject, suspend,
reactivate, tier); other operators see their own. The four status changes are the same
call on different paths, so one factory builds them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from idgate.tenancy.tiers import TIER_NAMES
from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.command_options import YesOption, require_choice, require_yes
from idgate_cli.output import print_table
from idgate_cli.policy_options import (
    EmailSignInOption,
    EmailVerificationOption,
    PasswordMinLengthOption,
    SessionDaysOption,
    SignUpOption,
    policy_changes,
    print_policy,
)

orgs_app = typer.Typer(no_args_is_help=True, help="Manage organizations (admin API).")


def _print_org(org: dict[str, Any]) -> None:
    typer.echo(f"{org['slug']}: {org['status']}, tier {org['tier']}, issuer {org['issuer']}")


@orgs_app.command("list")
def orgs_list(
    status: Annotated[
        str | None, typer.Option(help="Only this status: pending, active, suspended, ...")
    ] = None,
) -> None:
    """List organizations (platform owners see all, others their own)."""
    with operator_api() as api:
        orgs = api.get("/orgs", status=status)
    print_table(
        ["slug", "name", "status", "tier", "issuer"],
        [[o["slug"], o["name"], o["status"], o["tier"], o["issuer"]] for o in orgs],
        empty="no organizations",
    )


@orgs_app.command("create")
def orgs_create(
    slug: str, name: Annotated[str | None, typer.Option(help="Display name.")] = None
) -> None:
    """Create an organization (pending until a platform owner approves it)."""
    with operator_api() as api:
        org = api.post("/orgs", {"slug": slug, "name": name})
    typer.echo(f"created organization {org['slug']} ({org['name']})")
    _print_org(org)


def _status_command(action: str, doc: str) -> Callable[[str], None]:
    """``orgs ACTION SLUG``: POST to the organization's ``ACTION`` path, print the result."""

    def command(slug: str) -> None:
        with operator_api() as api:
            org = api.post(org_path(slug, action))
        _print_org(org)

    command.__doc__ = doc
    command.__name__ = f"orgs_{action}"
    return command


for _action, _doc in (
    ("approve", "Approve a pending organization (it becomes active)."),
    ("reject", "Reject a pending organization."),
    ("suspend", "Suspend an active organization: its sign-ins and tokens stop working."),
    ("reactivate", "Reactivate a suspended organization."),
):
    orgs_app.command(_action)(_status_command(_action, _doc))


@orgs_app.command("set-tier")
def orgs_set_tier(slug: str, tier: str) -> None:
    """Set an organization's tier: free, pro or enterprise."""
    require_choice(tier, TIER_NAMES, "TIER")
    with operator_api() as api:
        org = api.put(org_path(slug, "tier"), {"tier": tier})
    _print_org(org)


@orgs_app.command("settings")
def orgs_settings(
    slug: str,
    sign_up: SignUpOption = None,
    email_verification: EmailVerificationOption = None,
    email_sign_in: EmailSignInOption = None,
    password_min_length: PasswordMinLengthOption = None,
    session_days: SessionDaysOption = None,
) -> None:
    """Show an organization's self-service policy; the options given change it (owners and
    admins)."""
    changes = policy_changes(
        sign_up=sign_up,
        email_verification=email_verification,
        email_sign_in=email_sign_in,
        password_min_length=password_min_length,
        session_days=session_days,
    )
    path = org_path(slug, "settings")
    with operator_api() as api:
        policy = api.patch(path, changes) if changes else api.get(path)
    print_policy(policy)


@orgs_app.command("delete")
def orgs_delete(slug: str, yes: YesOption = False) -> None:
    """Delete an organization and everything in it."""
    require_yes(yes, f"organization {slug}")
    with operator_api() as api:
        api.delete(org_path(slug))
    typer.echo(f"deleted organization {slug}")
