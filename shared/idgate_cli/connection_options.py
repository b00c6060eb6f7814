"""The options that describe an upstream connection, shared by ``idgate connection``
(local) and ``idgate connections`` (admin API) so both read and explain them alike."""

from __future__ import annotations

from typing import Annotated

import typer

from idgate.identity.upstream.providers import PROVIDER_NAMES

ProviderOption = Annotated[str, typer.Option(help=f"One of {', '.join(PROVIDER_NAMES)}.")]
ClientIdOption = Annotated[
    str, typer.Option("--client-id", help="Your app's client ID at the provider.")
]
NameOption = Annotated[
    str | None,
    typer.Option(help="The sign-in button's name; required for oidc (default: GitHub, ...)."),
]
IssuerOption = Annotated[str | None, typer.Option(help="The OpenID issuer URL; required for oidc.")]
ScopeOption = Annotated[
    list[str] | None, typer.Option(help="Repeat for several; default: the provider's.")
]
MicrosoftTenantOption = Annotated[
    str | None,
    typer.Option(
        "--microsoft-tenant", help="microsoft: common (default), organizations, consumers or an ID."
    ),
]
