"""``idgate tenant``, ``client`` and ``user``: the host's operator provisioning on the local
database. Each command is one control-plane operation (``idgate.control``), the same the
admin API runs, made by ``LOCAL_OPERATOR``: audited as ``operator:local-cli``, and held to
the tenant's tier limits like any other.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate.control import applications, customers_admin, organization_settings, organizations
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.oauth.scopes import DEFAULT_CLIENT_SCOPES
from idgate.tenancy.tiers import TIER_NAMES
from idgate_cli.command_options import require_choice
from idgate_cli.local_runtime import fail, local_runtime, reported
from idgate_cli.policy_options import (
    EmailSignInOption,
    EmailVerificationOption,
    PasswordMinLengthOption,
    SessionDaysOption,
    SignUpOption,
    policy_changes,
    print_policy,
)

tenant_app = typer.Typer(no_args_is_help=True, help="Manage tenants (organizations).")
client_app = typer.Typer(no_args_is_help=True, help="Manage applications (OAuth clients).")
user_app = typer.Typer(no_args_is_help=True, help="Manage customers (end users).")

# The host's operator provisions their own tenants; organizations that sign up start free.
DEFAULT_TIER = "enterprise"

TierArgument = Annotated[str, typer.Argument(help=f"One of {', '.join(TIER_NAMES)}.")]
UriOption = Annotated[list[str] | None, typer.Option(help="Repeat for several.")]


@tenant_app.command("create")
def tenant_create(
    slug: str,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    tier: Annotated[str, typer.Option(help=f"One of {', '.join(TIER_NAMES)}.")] = DEFAULT_TIER,
) -> None:
    """Create an active tenant; its issuer is {public_url}/t/SLUG."""
    require_choice(tier, TIER_NAMES, "--tier")
    rt = local_runtime()
    with reported():
        org = organizations.provision_organization(
            rt, LOCAL_OPERATOR, slug=slug, name=name, tier=tier
        )
    typer.echo(f"created tenant {org.slug} ({org.name}) on the {org.tier} tier")


@tenant_app.command("set-tier")
def tenant_set_tier(slug: str, tier: TierArgument) -> None:
    """Move a tenant to another tier."""
    require_choice(tier, TIER_NAMES, "TIER")
    rt = local_runtime()
    with reported():
        org = organizations.set_tier(rt, LOCAL_OPERATOR, slug, tier)
    typer.echo(f"tenant {org.slug} is on the {org.tier} tier")


@client_app.command("create")
def client_create(
    slug: str,
    client_id: Annotated[str, typer.Option("--client-id", help="The client identifier.")],
    redirect_uri: UriOption = None,
    grant: Annotated[
        list[str] | None,
        typer.Option(help="authorization_code (the default), refresh_token, ... (repeat)."),
    ] = None,
    post_logout_redirect_uri: UriOption = None,
    secret: Annotated[str | None, typer.Option(help="Operator-chosen secret, >= 32 chars.")] = None,
    confidential: Annotated[bool, typer.Option("--confidential")] = False,
    public: Annotated[bool, typer.Option("--public")] = False,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(help=f"Repeat for several; default: {' '.join(DEFAULT_CLIENT_SCOPES)}."),
    ] = None,
) -> None:
    """Register an application. Without --secret, --confidential generates one (shown once)."""
    if sum([secret is not None, confidential, public]) > 1:
        fail("choose one of --secret, --confidential, --public")
    rt = local_runtime()
    with reported():
        client, generated = applications.create_application(
            rt,
            LOCAL_OPERATOR,
            slug,
            client_id=client_id,
            name=name,
            client_type="public" if public else "confidential",
            secret=secret,
            redirect_uris=redirect_uri or [],
            post_logout_redirect_uris=post_logout_redirect_uri or [],
            grants=grant or ["authorization_code"],
            scopes=scope or None,
        )
    typer.echo(f"created {client.client_type} client {client.client_id} in tenant {slug}")
    if generated:
        typer.echo(f"client secret (shown once): {generated}")


@user_app.command("create")
def user_create(
    slug: str,
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a customer who can sign in with email and password."""
    rt = local_runtime()
    with reported():
        customer = customers_admin.add_customer(
            rt, LOCAL_OPERATOR, slug, email=email, password=password, name=name
        )
    typer.echo(f"created user {customer.email} ({customer.id}) in tenant {slug}")


@tenant_app.command("configure")
def tenant_configure(
    slug: str,
    sign_up: SignUpOption = None,
    email_verification: EmailVerificationOption = None,
    email_sign_in: EmailSignInOption = None,
    password_min_length: PasswordMinLengthOption = None,
    session_days: SessionDaysOption = None,
) -> None:
    """Set the tenant's self-service policy; with no option, show it."""
    changes = policy_changes(
        sign_up=sign_up,
        email_verification=email_verification,
        email_sign_in=email_sign_in,
        password_min_length=password_min_length,
        session_days=session_days,
    )
    rt = local_runtime()
    with reported():
        if changes:
            policy = organization_settings.change_organization_settings(
                rt, LOCAL_OPERATOR, slug, changes
            )
        else:
            policy = organization_settings.organization_settings(rt, LOCAL_OPERATOR, slug)
    print_policy(policy.as_dict())
