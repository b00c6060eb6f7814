"""The admin CLI: ``idgate platform init``, ``login`` / ``logout``, and the control-plane
commands (``orgs``, ``apps``, ``customers``, ``members``, ``audit``).

``platform init`` and ``audit verify`` work on the local database; everything else talks
to the admin REST API of the server the operator logged in to with the device flow.
Tables are drawn with rich; every failure is one line ``error: <message>`` on stderr and
exit status 1, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from idgate.kernel.errors import IdgateError
from idgate_cli import credentials as stored
from idgate_cli.api_client import (
    AdminApi,
    CliError,
    admin_api,
    http_client,
    normalize_url,
    path_segment,
    poll_device_token,
    revoke_refresh_token,
    start_device_login,
)

platform_app = typer.Typer(no_args_is_help=True, help="Set up the platform (local database).")
orgs_app = typer.Typer(no_args_is_help=True, help="Manage organizations (admin API).")
apps_app = typer.Typer(no_args_is_help=True, help="Manage an organization's applications.")
customers_app = typer.Typer(no_args_is_help=True, help="Manage an organization's customers.")
members_app = typer.Typer(no_args_is_help=True, help="Manage an organization's operators.")
audit_app = typer.Typer(no_args_is_help=True, help="Read and verify the audit log.")

TIERS = ("free", "pro", "enterprise")
ROLES = ("owner", "admin", "viewer")


# --- output and errors ------------------------------------------------------------------


# Columns whose values read badly when wrapped (the rest fold on a narrow terminal).
_NO_WRAP = {"time (UTC)", "seq", "action", "status", "tier", "type", "role", "slug"}


def _console() -> Console:
    """Plain text (no markup: names and emails are data); when piped and $COLUMNS is
    unset, wide enough that no row wraps, so scripts can grep whole lines."""
    console = Console(highlight=False, soft_wrap=False, markup=False, emoji=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = 400
    return console


def _die(message: str) -> NoReturn:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn every expected failure into one ``error:`` line and exit status 1."""
    try:
        yield
    except (CliError, stored.CredentialsError) as exc:
        _die(str(exc))
    except IdgateError as exc:
        _die(exc.description or exc.error)
    except OSError as exc:  # e.g. the config directory is not writable
        _die(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


@contextmanager
def _api() -> Iterator[AdminApi]:
    with _reported(), admin_api() as api:
        yield api


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in _NO_WRAP)
    for row in rows:
        table.add_row(*(_text(v) for v in row))
    _console().print(table)


def _require_yes(yes: bool, what: str) -> None:
    if not yes:
        _die(f"deleting {what} cannot be undone; pass --yes to confirm")


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        _die(f"{name} must be one of {', '.join(allowed)}")
    return value


YesOption = Annotated[bool, typer.Option("--yes", help="Confirm the deletion.")]
LimitOption = Annotated[int, typer.Option(min=1, max=200, help="Page size (1-200).")]
CursorOption = Annotated[str | None, typer.Option(help="Continue from a previous page.")]


def _org_path(org: str, *rest: str) -> str:
    return "/".join([f"/orgs/{path_segment(org)}", *(path_segment(r) for r in rest)])


# --- platform init (local) --------------------------------------------------------------


@platform_app.command("init")
def platform_init(
    owner_email: Annotated[str, typer.Option("--owner-email", help="The first platform owner.")],
    password: Annotated[
        str | None, typer.Option(help="The owner's password; generated when omitted.")
    ] = None,
) -> None:
    """Create the platform tenant, its CLI client and the first owner. Idempotent."""
    from idgate.control.platform import ADMIN_AUDIENCE, CLI_CLIENT_ID, init_platform
    from idgate_cli.main import _runtime

    rt = _runtime()
    with _reported():
        result = init_platform(rt, owner_email=owner_email, password=password)
    typer.echo(
        f"platform tenant 'platform' ready; device-flow client '{CLI_CLIENT_ID}' "
        f"(audience {ADMIN_AUDIENCE})"
    )
    if result.created_owner:
        typer.echo(f"created platform owner {result.owner_email}")
    else:
        typer.echo(f"platform owner {result.owner_email} already exists (password unchanged)")
    if result.generated_password:
        typer.echo(f"owner password (shown once): {result.generated_password}")
    typer.echo("next: idgate serve, then idgate login --url URL")


# --- login / logout ---------------------------------------------------------------------


def login(
    url: Annotated[
        str, typer.Option("--url", help="The idgate server, e.g. http://127.0.0.1:8000")
    ],
) -> None:
    """Sign in as an operator with the device flow; stores the tokens (0600)."""
    with _reported():
        base = normalize_url(url)
        with http_client() as client:
            device = start_device_login(client, base)
            typer.echo(f"To sign in, open {device.verification_uri}")
            typer.echo(f"and enter the code: {device.user_code}")
            if device.verification_uri_complete:
                typer.echo(f"(or open {device.verification_uri_complete})")
            typer.echo("waiting for approval...")
            credentials = poll_device_token(client, base, device)
            path = stored.save(credentials)
            me = AdminApi(client, credentials).get("/me")
    role = "platform owner" if me.get("platform_owner") else "operator"
    typer.echo(f"logged in to {base} as {me.get('email')} ({role}); credentials in {path}")


def logout() -> None:
    """Revoke the refresh token and remove the stored credentials."""
    with _reported():
        credentials = stored.load()
        if credentials is None:
            typer.echo("not logged in")
            return
        try:
            with http_client() as client:
                revoke_refresh_token(client, credentials)
        except CliError as exc:
            typer.echo(f"warning: the refresh token was not revoked: {exc}", err=True)
        stored.delete()
    typer.echo(f"logged out of {credentials.url}")


# --- orgs -------------------------------------------------------------------------------


def _print_org(org: dict[str, Any]) -> None:
    typer.echo(f"{org['slug']}: {org['status']}, tier {org['tier']}, issuer {org['issuer']}")


@orgs_app.command("list")
def orgs_list(
    status: Annotated[
        str | None, typer.Option(help="Only this status: pending, active, suspended, ...")
    ] = None,
) -> None:
    """List organizations (platform owners see all, others their own)."""
    with _api() as api:
        orgs = api.get("/orgs", status=status)
    if not orgs:
        typer.echo("no organizations")
        return
    _table(
        None,
        ["slug", "name", "status", "tier", "issuer"],
        [[o["slug"], o["name"], o["status"], o["tier"], o["issuer"]] for o in orgs],
    )


@orgs_app.command("create")
def orgs_create(
    slug: str, name: Annotated[str | None, typer.Option(help="Display name.")] = None
) -> None:
    """Create an organization (pending until a platform owner approves it)."""
    with _api() as api:
        org = api.post("/orgs", {"slug": slug, "name": name})
    typer.echo(f"created organization {org['slug']} ({org['name']})")
    _print_org(org)


def _status_command(action: str, doc: str) -> Any:
    def command(slug: str) -> None:
        with _api() as api:
            org = api.post(_org_path(slug, action))
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
    _choice(tier, TIERS, "TIER")
    with _api() as api:
        org = api.put(_org_path(slug, "tier"), {"tier": tier})
    _print_org(org)


@orgs_app.command("delete")
def orgs_delete(slug: str, yes: YesOption = False) -> None:
    """Delete an organization and everything in it."""
    _require_yes(yes, f"organization {slug}")
    with _api() as api:
        api.delete(_org_path(slug))
    typer.echo(f"deleted organization {slug}")


# --- apps -------------------------------------------------------------------------------


def _print_secret(app: dict[str, Any]) -> None:
    if app.get("client_secret"):
        typer.echo(f"client secret (shown once): {app['client_secret']}")


@apps_app.command("list")
def apps_list(org: str) -> None:
    """List an organization's applications."""
    with _api() as api:
        apps = api.get(_org_path(org, "apps"))
    if not apps:
        typer.echo(f"no applications in {org}")
        return
    _table(
        None,
        ["client_id", "name", "type", "grants", "redirect URIs"],
        [
            [a["client_id"], a["name"], a["client_type"], a["grants"], a["redirect_uris"]]
            for a in apps
        ],
    )


@apps_app.command("create")
def apps_create(
    org: str,
    client_id: Annotated[str, typer.Option("--client-id", help="The client identifier.")],
    public: Annotated[
        bool, typer.Option("--public", help="A public client (no secret; PKCE only).")
    ] = False,
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="Repeat for several.")
    ] = None,
    grant: Annotated[
        list[str] | None,
        typer.Option("--grant", help="authorization_code, refresh_token, ... (repeat)."),
    ] = None,
    post_logout_redirect_uri: Annotated[
        list[str] | None, typer.Option("--post-logout-redirect-uri", help="Repeat for several.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Register an application; a confidential one's secret is printed once."""
    body: dict[str, Any] = {
        "client_id": client_id,
        "name": name,
        "client_type": "public" if public else "confidential",
        "redirect_uris": redirect_uri or [],
        "post_logout_redirect_uris": post_logout_redirect_uri or [],
    }
    if grant:
        body["grants"] = grant
    with _api() as api:
        app = api.post(_org_path(org, "apps"), body)
    typer.echo(f"created {app['client_type']} application {app['client_id']} in {org}")
    _print_secret(app)


@apps_app.command("rotate-secret")
def apps_rotate_secret(org: str, client_id: str) -> None:
    """Replace a confidential application's secret; the new one is printed once."""
    with _api() as api:
        app = api.post(_org_path(org, "apps", client_id, "rotate-secret"))
    typer.echo(f"rotated the secret of {app['client_id']} in {org}")
    _print_secret(app)


@apps_app.command("delete")
def apps_delete(org: str, client_id: str, yes: YesOption = False) -> None:
    """Delete an application; its tokens stop working."""
    _require_yes(yes, f"application {client_id}")
    with _api() as api:
        api.delete(_org_path(org, "apps", client_id))
    typer.echo(f"deleted application {client_id} from {org}")


# --- customers --------------------------------------------------------------------------


@customers_app.command("list")
def customers_list(
    org: str,
    search: Annotated[str | None, typer.Option(help="Email prefix.")] = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """List customers by email, a page at a time."""
    with _api() as api:
        page = api.get(_org_path(org, "customers"), q=search, limit=limit, cursor=cursor)
    customers = page["customers"]
    if customers:
        _table(
            None,
            ["id", "email", "verified", "name", "disabled"],
            [
                [c["id"], c["email"], c["email_verified"], c["name"], c["disabled"]]
                for c in customers
            ],
        )
    else:
        typer.echo("no customers")
    if page.get("next_cursor"):
        typer.echo(f"next cursor: {page['next_cursor']}")


@customers_app.command("create")
def customers_create(
    org: str,
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password: Annotated[str | None, typer.Option(help="At least 8 characters.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Add a customer to an organization."""
    with _api() as api:
        customer = api.post(
            _org_path(org, "customers"), {"email": email, "password": password, "name": name}
        )
    typer.echo(f"created customer {customer['email']} ({customer['id']}) in {org}")


@customers_app.command("show")
def customers_show(org: str, customer_id: str) -> None:
    """A customer's identities, active sessions and subscriptions."""
    with _api() as api:
        c = api.get(_org_path(org, "customers", customer_id))
    console = _console()
    console.print(f"customer {c['id']}")
    console.print(f"  email: {c['email']} (verified: {_text(c['email_verified'])})")
    console.print(f"  name: {_text(c['name'])}")
    console.print(f"  disabled: {_text(c['disabled'])}")
    if c["identities"]:
        _table(
            "identities",
            ["provider", "subject"],
            [[i.get("provider"), i.get("subject")] for i in c["identities"]],
        )
    else:
        typer.echo("no identities")
    if c["sessions"]:
        _table(
            "active sessions",
            ["session", "signed in", "expires"],
            [
                [s.get("id"), _when(s.get("auth_time")), _when(s.get("expires_at"))]
                for s in c["sessions"]
            ],
        )
    else:
        typer.echo("no active sessions")
    if c["subscriptions"]:
        _table(
            "subscriptions",
            ["application", "client_id", "scopes", "granted"],
            [
                [
                    s.get("application"),
                    s.get("client_id"),
                    s.get("scopes"),
                    _when(s.get("granted_at")),
                ]
                for s in c["subscriptions"]
            ],
        )
    else:
        typer.echo("no subscriptions")


@customers_app.command("revoke-sessions")
def customers_revoke_sessions(org: str, customer_id: str) -> None:
    """End every session of a customer and revoke their tokens."""
    with _api() as api:
        result = api.delete(_org_path(org, "customers", customer_id, "sessions"))
    ended = result["sessions_ended"]
    typer.echo(f"ended {ended} session{'s' if ended != 1 else ''} of {customer_id}; tokens revoked")


def _customer_state_command(action: str, doc: str) -> Any:
    def command(org: str, customer_id: str) -> None:
        with _api() as api:
            customer = api.post(_org_path(org, "customers", customer_id, action))
        state = "disabled" if customer["disabled"] else "enabled"
        typer.echo(f"customer {customer['email']} ({customer['id']}) is {state}")

    command.__doc__ = doc
    command.__name__ = f"customers_{action}"
    return command


customers_app.command("disable")(
    _customer_state_command("disable", "Disable a customer: sign-in and tokens stop working.")
)
customers_app.command("enable")(_customer_state_command("enable", "Enable a disabled customer."))


# --- members ----------------------------------------------------------------------------


@members_app.command("list")
def members_list(org: str) -> None:
    """List the operators of an organization and their roles."""
    with _api() as api:
        members = api.get(_org_path(org, "members"))
    if not members:
        typer.echo(f"no members in {org}")
        return
    _table(
        None,
        ["operator_id", "email", "role"],
        [[m["operator_id"], m["email"], m["role"]] for m in members],
    )


@members_app.command("add")
def members_add(
    org: str,
    email: Annotated[str, typer.Option(help="The operator's email.")],
    role: Annotated[str, typer.Option(help="owner, admin or viewer.")],
) -> None:
    """Give an operator a role in an organization."""
    _choice(role, ROLES, "--role")
    with _api() as api:
        member = api.post(_org_path(org, "members"), {"email": email, "role": role})
    typer.echo(f"{member['email']} ({member['operator_id']}) is now {member['role']} of {org}")


@members_app.command("remove")
def members_remove(org: str, operator_id: str) -> None:
    """Remove an operator from an organization."""
    with _api() as api:
        api.delete(_org_path(org, "members", operator_id))
    typer.echo(f"removed {operator_id} from {org}")


# --- audit ------------------------------------------------------------------------------


@audit_app.command("list")
def audit_list(
    org: Annotated[
        str | None, typer.Option(help="One organization; platform-wide without.")
    ] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. org.approved.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """Audit events, newest first."""
    path = _org_path(org, "audit") if org else "/audit"
    with _api() as api:
        page = api.get(path, action=action, actor=actor, limit=limit, cursor=cursor)
    events = page["events"]
    if events:
        columns = ["time (UTC)", "seq", "actor", "action", "target"]
        rows = [[_when(e["at"]), e["seq"], e["actor"], e["action"], e["target"]] for e in events]
        if not org:
            columns.insert(1, "tenant")
            for row, event in zip(rows, events, strict=True):
                row.insert(1, event["tenant_id"])
        _table(None, columns, rows)
    else:
        typer.echo("no audit events")
    if page.get("next_cursor"):
        typer.echo(f"next cursor: {page['next_cursor']}")


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Option(help="One tenant's slug; all without.")] = None,
) -> None:
    """Check the audit hash chains in the local database; exit 1 if any is broken."""
    from idgate.control.audit_log import verify_audit_chains
    from idgate_cli.main import _runtime

    rt = _runtime()
    with _reported():
        verdicts = verify_audit_chains(rt, tenant)
    broken = 0
    for slug, verdict in verdicts:
        if verdict.intact:
            typer.echo(f"{slug}: ok {verdict.events} events")
        else:
            broken += 1
            typer.echo(f"{slug}: BROKEN at seq {verdict.first_bad_seq}")
    if broken:
        _die(f"the audit chain of {broken} tenant{'s are' if broken != 1 else ' is'} broken")
