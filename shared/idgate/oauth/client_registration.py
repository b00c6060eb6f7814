"""The rules a client's settings obey (RFC 6749 §2, OIDC Registration §2), checked when a
client is registered or changed.

Grants come from the grant registry: operators name them by their short names, and each
grant's client requirements (``grants.grant.ClientRequirement``) are checked from its
entry, so a new grant brings its own rules. Redirect URIs are absolute, carry no fragment
(RFC 6749 §3.1.2) and use https, except http on a loopback host (RFC 8252 §7.3) and
private-use schemes (§7.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from idgate.kernel.errors import ValidationFailed
from idgate.keys.signing_keys import SUPPORTED_ALGS
from idgate.oauth.client_model import Client
from idgate.oauth.grants import GRANTS, GRANTS_BY_NAME
from idgate.oauth.scopes import SUPPORTED_SCOPES

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
CLIENT_TYPES = ("confidential", "public")


def _unknown_grant() -> ValidationFailed:
    return ValidationFailed(f"grants must be among {', '.join(GRANTS_BY_NAME)}", field="grants")


def grant_types_named(names: Iterable[str]) -> tuple[str, ...]:
    """The ``grant_type`` values of the grants operators name by their short names."""
    try:
        return tuple(GRANTS_BY_NAME[name].grant_type for name in names)
    except KeyError:
        raise _unknown_grant() from None


def check_redirect_uri_syntax(uri: str, field: str = "redirect_uris") -> None:
    # RFC 3986 §2: no whitespace or control characters in a URI; urlsplit accepts them.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in uri):
        raise ValidationFailed(
            f"'{uri}' is not a valid URI (whitespace or control character)", field=field
        )
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - parsing the port is the check: "https://h:x" raises
    except ValueError as exc:
        raise ValidationFailed(f"'{uri}' is not a valid URI ({exc})", field=field) from None
    if not parts.scheme or not parts.netloc:
        raise ValidationFailed(f"redirect URI must be absolute: {uri}", field=field)
    if parts.fragment or uri.endswith("#"):
        raise ValidationFailed(f"redirect URI must not contain a fragment: {uri}", field=field)
    if parts.scheme == "http" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise ValidationFailed(
            f"http redirect URIs are allowed only on loopback hosts: {uri}", field=field
        )
    if parts.scheme not in ("http", "https") and "." not in parts.scheme:
        # RFC 8252 §7.1: private-use schemes are reverse domain names.
        raise ValidationFailed(f"unsupported redirect URI scheme: {uri}", field=field)


def check_grant_requirements(client: Client) -> None:
    """Each grant the client may use has what that grant's entry requires of a client."""
    if not client.grant_types:
        raise _unknown_grant()
    for grant in GRANTS:
        if not client.allows_grant(grant.grant_type):
            continue
        for requirement in grant.client_requirements:
            if not requirement.met(client):
                raise ValidationFailed(
                    f"{grant.name} needs {requirement.needs}", field=requirement.field
                )


def check_client_settings(client: Client) -> None:
    if client.client_type not in CLIENT_TYPES:
        raise ValidationFailed("client type must be confidential or public", field="client_type")
    if not client.client_id or len(client.client_id) > 128:
        raise ValidationFailed("client id must be 1-128 characters", field="client_id")
    check_grant_requirements(client)
    for uri in client.redirect_uris:
        check_redirect_uri_syntax(uri)
    for uri in client.post_logout_redirect_uris:
        check_redirect_uri_syntax(uri, "post_logout_redirect_uris")
    if any(s not in SUPPORTED_SCOPES for s in client.scopes):
        raise ValidationFailed(
            f"scopes must be among {', '.join(SUPPORTED_SCOPES)}", field="scopes"
        )
    if client.id_token_alg not in SUPPORTED_ALGS:
        raise ValidationFailed(
            f"signing algorithm must be one of {', '.join(SUPPORTED_ALGS)}", field="id_token_alg"
        )
