"""``idgate members``: who may administer an organization, through the admin API.

Members are operators (accounts on the platform tenant) with a role in the organization;
an operator must have signed up before they can be added.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate.control.rbac import ROLES
from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.command_options import require_choice
from idgate_cli.output import print_table

members_app = typer.Typer(no_args_is_help=True, help="Manage an organization's operators.")


@members_app.command("list")
def members_list(org: str) -> None:
    """List the operators of an organization and their roles."""
    with operator_api() as api:
        members = api.get(org_path(org, "members"))
    print_table(
        ["operator_id", "email", "role"],
        [[m["operator_id"], m["email"], m["role"]] for m in members],
        empty=f"no members in {org}",
    )


@members_app.command("add")
def members_add(
    org: str,
    email: Annotated[str, typer.Option(help="The operator's email.")],
    role: Annotated[str, typer.Option(help="owner, admin or viewer.")],
) -> None:
    """Give an operator a role in an organization."""
    require_choice(role, ROLES, "--role")
    with operator_api() as api:
        member = api.post(org_path(org, "members"), {"email": email, "role": role})
    typer.echo(f"{member['email']} ({member['operator_id']}) is now {member['role']} of {org}")


@members_app.command("remove")
def members_remove(org: str, operator_id: str) -> None:
    """Remove an operator from an organization."""
    with operator_api() as api:
        api.delete(org_path(org, "members", operator_id))
    typer.echo(f"removed {operator_id} from {org}")
