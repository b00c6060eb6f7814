"""``idgate customers``: an organization's customers (end users) through the admin API.

What support needs: find a customer, add one, see how they sign in, what they are signed in
to and which applications they consented to, unlink an upstream account, and cut them off
(end sessions, disable) or let them back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.command_options import CursorOption, LimitOption
from idgate_cli.output import cell_text, console, print_next_cursor, print_table, utc_time

customers_app = typer.Typer(no_args_is_help=True, help="Manage an organization's customers.")


@customers_app.command("list")
def customers_list(
    org: str,
    search: Annotated[str | None, typer.Option(help="Email prefix.")] = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """List customers by email, a page at a time."""
    with operator_api() as api:
        page = api.get(org_path(org, "customers"), q=search, limit=limit, cursor=cursor)
    print_table(
        ["id", "email", "verified", "name", "disabled"],
        [
            [c["id"], c["email"], c["email_verified"], c["name"], c["disabled"]]
            for c in page["customers"]
        ],
        empty="no customers",
    )
    print_next_cursor(page)


@customers_app.command("create")
def customers_create(
    org: str,
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password: Annotated[str | None, typer.Option(help="At least 8 characters.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Add a customer to an organization."""
    with operator_api() as api:
        customer = api.post(
            org_path(org, "customers"), {"email": email, "password": password, "name": name}
        )
    typer.echo(f"created customer {customer['email']} ({customer['id']}) in {org}")


def _print_profile(customer: dict[str, Any]) -> None:
    """The customer's own fields, through the plain console: a name is data, not markup."""
    plain = console()
    plain.print(f"customer {customer['id']}")
    plain.print(f"  email: {customer['email']} (verified: {cell_text(customer['email_verified'])})")
    plain.print(f"  name: {cell_text(customer['name'])}")
    plain.print(f"  disabled: {cell_text(customer['disabled'])}")


def _print_identities(identities: list[dict[str, Any]]) -> None:
    """The password (no id) and the linked upstream accounts (an id for ``unlink``)."""
    print_table(
        ["id", "provider", "connection", "subject", "email", "linked"],
        [
            [
                i.get("id"),
                i.get("provider"),
                i.get("connection_id"),
                i.get("subject"),
                i.get("email"),
                utc_time(i.get("linked_at")),
            ]
            for i in identities
        ],
        empty="no identities",
        title="identities",
    )


def _print_sessions(sessions: list[dict[str, Any]]) -> None:
    print_table(
        ["session", "signed in", "expires"],
        [
            [s.get("id"), utc_time(s.get("auth_time")), utc_time(s.get("expires_at"))]
            for s in sessions
        ],
        empty="no active sessions",
        title="active sessions",
    )


def _print_subscriptions(subscriptions: list[dict[str, Any]]) -> None:
    print_table(
        ["application", "client_id", "scopes", "granted"],
        [
            [
                s.get("application"),
                s.get("client_id"),
                s.get("scopes"),
                utc_time(s.get("granted_at")),
            ]
            for s in subscriptions
        ],
        empty="no subscriptions",
        title="subscriptions",
    )


@customers_app.command("show")
def customers_show(org: str, customer_id: str) -> None:
    """A customer's identities, active sessions and subscriptions."""
    with operator_api() as api:
        customer = api.get(org_path(org, "customers", customer_id))
    _print_profile(customer)
    _print_identities(customer["identities"])
    _print_sessions(customer["sessions"])
    _print_subscriptions(customer["subscriptions"])


@customers_app.command("revoke-sessions")
def customers_revoke_sessions(org: str, customer_id: str) -> None:
    """End every session of a customer and revoke their tokens."""
    with operator_api() as api:
        result = api.delete(org_path(org, "customers", customer_id, "sessions"))
    ended = result["sessions_ended"]
    typer.echo(f"ended {ended} session{'s' if ended != 1 else ''} of {customer_id}; tokens revoked")


@customers_app.command("unlink")
def customers_unlink(org: str, customer_id: str, identity_id: str) -> None:
    """Unlink an upstream account from a customer (refused for their last way to sign in)."""
    with operator_api() as api:
        api.delete(org_path(org, "customers", customer_id, "identities", identity_id))
    typer.echo(f"unlinked identity {identity_id} from customer {customer_id}")


def _state_command(action: str, doc: str) -> Callable[[str, str], None]:
    """``customers ACTION ORG CUSTOMER_ID``: POST to the customer's ``ACTION`` path and
    print whether they are now enabled."""

    def command(org: str, customer_id: str) -> None:
        with operator_api() as api:
            customer = api.post(org_path(org, "customers", customer_id, action))
        state = "disabled" if customer["disabled"] else "enabled"
        typer.echo(f"customer {customer['email']} ({customer['id']}) is {state}")

    command.__doc__ = doc
    command.__name__ = f"customers_{action}"
    return command


customers_app.command("disable")(
    _state_command("disable", "Disable a customer: sign-in and tokens stop working.")
)
customers_app.command("enable")(_state_command("enable", "Enable a disabled customer."))
