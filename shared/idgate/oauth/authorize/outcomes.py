"""What the authorization endpoint's decision answers (OIDC Core §3.1.2.5-3.1.2.6): a
redirect to the client, or a page the end user must see first; and the authorization
response URLs (RFC 6749 §4.1.2, RFC 9207 ``iss``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from idgate.kernel.errors import RedirectError


@dataclass(frozen=True)
class RedirectTo:
    url: str


@dataclass(frozen=True)
class NeedsLogin:
    interaction_id: str


@dataclass(frozen=True)
class NeedsConsent:
    interaction_id: str


Outcome = RedirectTo | NeedsLogin | NeedsConsent


def authorization_response_url(redirect_uri: str, params: dict[str, str | None]) -> str:
    """RFC 6749 §3.1.2: the redirect URI's own query is kept; parameters are appended."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    if not query:
        return redirect_uri
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"


def error_redirect_url(issuer: str, error: RedirectError) -> str:
    """RFC 6749 §4.1.2.1 error response, with ``iss`` (RFC 9207 §2)."""
    return authorization_response_url(
        error.redirect_uri,
        {
            "error": error.cause.error,
            "error_description": error.cause.description or None,
            "state": error.state,
            "iss": issuer,
        },
    )
