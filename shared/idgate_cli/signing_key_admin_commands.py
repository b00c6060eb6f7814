"""``idgate signing-keys``: an organization's signing keys through the admin API (viewers
list them, owners rotate them). The same output as the local ``idgate keys list`` and
``rotate`` (``signing_key_commands``), which work on the database directly."""

from __future__ import annotations

import typer

from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.signing_key_commands import ImmediateOption, print_keys, print_rotation

signing_keys_app = typer.Typer(
    no_args_is_help=True, help="List and rotate an organization's signing keys."
)


@signing_keys_app.command("list")
def signing_keys_list(org: str) -> None:
    """List an organization's signing keys: next, current and retired."""
    with operator_api() as api:
        print_keys(api.get(org_path(org, "keys")), org)


@signing_keys_app.command("rotate")
def signing_keys_rotate(org: str, immediate: ImmediateOption = False) -> None:
    """Publish next signing keys now; they sign after the server's rotation delay."""
    with operator_api() as api:
        rotation = api.post(org_path(org, "keys", "rotate"), {"immediate": immediate})
    print_rotation(rotation, org)
