"""``idgate keys rotate`` and ``idgate keys list``: a tenant's signing keys on the local
database, as the admin API's control-plane operations (``idgate.control.signing_keys_admin``)
made by ``LOCAL_OPERATOR`` (audited as ``operator:local-cli``).

A rotation publishes a next key per algorithm in the tenant's JWKS at once; it signs after
``IDGATE_KEY_ROTATION_DELAY_SECONDS``, and the keys it replaces keep verifying until every
token they signed has expired (OIDC Core §10.1.1). ``--immediate`` is for a compromised key:
the new keys sign now and every earlier key is withdrawn, so every token signed before
stops validating. The printers here serve ``idgate signing-keys`` (the admin API) too.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from idgate.control import signing_keys_admin
from idgate.control.rbac import LOCAL_OPERATOR
from idgate_cli.local_runtime import local_runtime, reported
from idgate_cli.output import print_table, utc_time

ImmediateOption = Annotated[
    bool,
    typer.Option(
        "--immediate",
        help="For a compromised key: sign with new keys now and withdraw every earlier key "
        "(every token signed before stops validating).",
    ),
]


def print_keys(keys: list[dict[str, Any]], slug: str) -> None:
    print_table(
        ["kid", "alg", "status", "created (UTC)", "signs from (UTC)", "retired (UTC)"],
        [
            [
                k["kid"],
                k["alg"],
                k["status"],
                utc_time(k["created_at"]),
                utc_time(k["activates_at"]),
                utc_time(k["retired_at"]),
            ]
            for k in keys
        ],
        empty=f"no signing keys in {slug} yet (they are made when it first signs)",
    )


def print_rotation(rotation: dict[str, Any], slug: str) -> None:
    """The new kids and when they take over; what happened to the keys they replace."""
    if not rotation["immediate"]:
        typer.echo(f"published next signing keys of {slug} in its JWKS:")
    else:
        typer.echo(f"replaced the signing keys of {slug} at once:")
    when = f"{utc_time(rotation['activates_at'])} UTC"
    for key in rotation["keys"]:
        start = "now" if rotation["immediate"] else f"from {when}"
        typer.echo(f"  key {key['kid']} ({key['alg']}) signs {start}")
    if not rotation["immediate"]:
        typer.echo(
            "the keys they replace sign until then and stay published until every token "
            "they signed has expired"
        )
        return
    withdrawn = rotation["withdrawn"]
    typer.echo(
        f"withdrew {len(withdrawn)} earlier keys ({', '.join(withdrawn) or '-'}): "
        "every token they signed no longer validates; relying parties verify the new "
        "tokens once they fetch the JWKS again"
    )


def keys_list(slug: str) -> None:
    """List a tenant's signing keys: next, current and retired (never private material)."""
    rt = local_runtime()
    with reported():
        keys = signing_keys_admin.list_signing_keys(rt, LOCAL_OPERATOR, slug)
    print_keys([asdict(key) for key in keys], slug)


def keys_rotate(slug: str, immediate: ImmediateOption = False) -> None:
    """Rotate a tenant's signing keys: publish next keys now, sign with them after the
    rotation delay (IDGATE_KEY_ROTATION_DELAY_SECONDS)."""
    rt = local_runtime()
    with reported():
        rotation = signing_keys_admin.rotate_signing_keys(
            rt, LOCAL_OPERATOR, slug, immediate=immediate
        )
    print_rotation(asdict(rotation), slug)
