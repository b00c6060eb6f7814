"""GitHub's own wire formats, as github.com and api.github.com send them: the OAuth error
bodies (docs.github.com "Troubleshooting OAuth app access token request errors" and
"Troubleshooting authorization request errors"), the token answer in JSON or form encoding
by ``Accept``, token shapes (``gho_`` OAuth-app tokens, ``ghu_``/``ghr_`` GitHub App user
tokens), and the REST ``GET /user`` and ``GET /user/emails`` bodies."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.responses import HTMLResponse, JSONResponse, Response

DOCS = "https://docs.github.com"
_TOKEN_ERRORS = (
    f"{DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
)
_AUTHORIZE_ERRORS = f"{DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors"

# error -> (error_description, error_uri) of the token endpoint (always HTTP 200 on GitHub).
TOKEN_ERRORS: dict[str, tuple[str, str]] = {
    "incorrect_client_credentials": (
        "The client_id and/or client_secret passed are incorrect.",
        f"{_TOKEN_ERRORS}/#incorrect-client-credentials",
    ),
    "redirect_uri_mismatch": (
        "The redirect_uri MUST match the registered callback URL for this application.",
        f"{_AUTHORIZE_ERRORS}/#redirect-uri-mismatch2",
    ),
    "bad_verification_code": (
        "The code passed is incorrect or expired.",
        f"{_TOKEN_ERRORS}/#bad-verification-code",
    ),
    "bad_refresh_token": (
        "The refresh token passed is incorrect or expired.",
        f"{_TOKEN_ERRORS}/#bad-refresh-token",
    ),
    "unsupported_grant_type": (
        "The grant type is not supported.",
        f"{_TOKEN_ERRORS}/#unsupported-grant-type",
    ),
}

ACCESS_DENIED = {
    "error": "access_denied",
    "error_description": "The user has denied your application access.",
    "error_uri": f"{_AUTHORIZE_ERRORS}/#access-denied",
}

OUTAGE_PAGE = (
    "<!DOCTYPE html><html><head><title>Unicorn! &middot; GitHub</title></head><body>"
    "<p><strong>No server is currently available to service your request.</strong></p>"
    "<p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>"
    "</body></html>"
)

# What api.github.com answers a request without User-Agent (REST docs: "User agent required").
NO_USER_AGENT = (
    "Request forbidden by administrative rules. Please make sure your request has a "
    "User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api"
    "#user-agent-required). Check https://developer.github.com for other possible causes.\n"
)

_BASE62 = string.ascii_letters + string.digits


def token(prefix: str, length: int = 36) -> str:
    """GitHub's token shape: a type prefix and random base62 characters."""
    return prefix + "".join(secrets.choice(_BASE62) for _ in range(length))


def code() -> str:
    """An authorization code as GitHub's: 20 hexadecimal characters."""
    return secrets.token_hex(10)


def token_answer(fields: dict[str, Any], accept: str) -> Response:
    """The token endpoint's body, success or error alike with HTTP 200: JSON when the
    client accepts ``application/json``, else ``application/x-www-form-urlencoded`` (GitHub
    also speaks XML for ``application/xml``; nobody should ask for it)."""
    if "application/json" in accept:
        return JSONResponse(fields)
    return Response(
        urlencode({k: str(v) for k, v in fields.items()}),
        media_type="application/x-www-form-urlencoded; charset=utf-8",
    )


def token_error(error: str, accept: str) -> Response:
    description, uri = TOKEN_ERRORS[error]
    return token_answer(
        {"error": error, "error_description": description, "error_uri": uri}, accept
    )


def api_error(status: int, message: str, documentation_url: str = f"{DOCS}/rest") -> Response:
    """The REST API's error body; ``status`` is a string in it, as GitHub sends it."""
    body = {"message": message, "documentation_url": documentation_url, "status": str(status)}
    return JSONResponse(body, status_code=status)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body>{body}</body></html>",
        status_code=status,
    )


@dataclass
class GitHubUser:
    """An account on the stand-in; ``emails`` are GitHub's ``/user/emails`` entries."""

    login: str
    id: int
    name: str | None
    emails: list[dict[str, Any]] = field(default_factory=list)

    def public_email(self) -> str | None:
        # GET /user's "email" is the address the user chose to show publicly, else null.
        return next(
            (e["email"] for e in self.emails if e.get("visibility") == "public"),
            None,
        )

    def as_json(self, api_base: str) -> dict[str, Any]:
        """``GET /user`` for the authenticated user (REST "Get the authenticated user")."""
        api = f"{api_base}/users/{self.login}"
        return {
            "login": self.login,
            "id": self.id,
            "node_id": f"U_kgDO{self.id:08d}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{self.id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"https://github.com/{self.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": "User",
            "user_view_type": "private",
            "site_admin": False,
            "name": self.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": self.public_email(),
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "notification_email": self.public_email(),
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
        }
