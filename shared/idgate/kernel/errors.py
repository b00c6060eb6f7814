"""One error vocabulary for the whole core.

OAuth errors follow RFC 6749 §4.1.2.1 / §5.2, RFC 8628 §3.5, RFC 7009 §2.2.1 and OIDC Core
§3.1.2.6. They are raised in the core and rendered once at the HTTP edge
(``idgate.web.errors``). ``description`` is shown to the client, so it never carries a
secret, a token or internal detail.
"""

from __future__ import annotations


class IdgateError(Exception):
    """Base of every error the core raises on purpose. ``error`` is the machine-readable
    code in the response body (the OAuth error code for OAuth errors)."""

    status_code = 400
    error = "invalid_request"
    # Seconds after which the request may succeed, answered as ``Retry-After`` (RFC 9110
    # §10.2.3); None: no such header.
    retry_after: int | None = None

    def __init__(self, description: str = "") -> None:
        super().__init__(description)
        self.description = description

    def challenge(self) -> str | None:
        """The ``WWW-Authenticate`` value this error is answered with (RFC 7235 §4.1)."""
        return None


class NotFound(IdgateError):
    status_code = 404
    error = "not_found"


class Conflict(IdgateError):
    status_code = 409
    error = "conflict"


class ValidationFailed(IdgateError):
    """Operator input (CLI, admin API) that breaks a rule; ``field`` names the input (as
    the admin API spells it) when one is at fault, answered as ``fields``."""

    error = "validation_failed"

    def __init__(self, description: str = "", *, field: str | None = None) -> None:
        super().__init__(description)
        self.field = field


class NotAuthenticated(IdgateError):
    """The control plane needs a valid operator access token."""

    status_code = 401
    error = "unauthorized"


class Forbidden(IdgateError):
    """The operator lacks the permission the call needs."""

    status_code = 403
    error = "forbidden"


class LimitReached(IdgateError):
    """A tier limit (applications, monthly active customers, feature) stops the change."""

    status_code = 403
    error = "limit_reached"


class OAuthError(IdgateError):
    """An error with an OAuth / OIDC error code."""


class InvalidRequest(OAuthError):
    """RFC 6749 §5.2: missing or malformed parameter."""

    error = "invalid_request"


class InvalidClient(OAuthError):
    """RFC 6749 §5.2: client authentication failed (HTTP 401)."""

    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    """RFC 6749 §5.2: code, refresh token or device code invalid, expired, revoked or reused."""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """RFC 6749 §5.2: the client may not use this grant type."""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class AccessDenied(OAuthError):
    error = "access_denied"


class LoginRequired(OAuthError):
    """OIDC Core §3.1.2.6: prompt=none but the end user is not authenticated."""

    error = "login_required"


class ConsentRequired(OAuthError):
    """OIDC Core §3.1.2.6: prompt=none but consent is needed."""

    error = "consent_required"


class RequestNotSupported(OAuthError):
    error = "request_not_supported"


class RequestUriNotSupported(OAuthError):
    error = "request_uri_not_supported"


class AuthorizationPending(OAuthError):
    """RFC 8628 §3.5."""

    error = "authorization_pending"


class SlowDown(OAuthError):
    """RFC 8628 §3.5: the client polls faster than its interval."""

    error = "slow_down"


class ExpiredToken(OAuthError):
    """RFC 8628 §3.5: the device code expired."""

    error = "expired_token"


class UnsupportedTokenType(OAuthError):
    """RFC 7009 §2.2.1."""

    error = "unsupported_token_type"


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: bearer token at a protected resource (userinfo) is not valid."""

    error = "invalid_token"
    status_code = 401

    def challenge(self) -> str | None:
        return f'Bearer error="invalid_token", error_description="{self.description}"'


class InsufficientScope(OAuthError):
    """RFC 6750 §3.1: the access token is valid but lacks the scope the resource needs."""

    error = "insufficient_scope"
    status_code = 403

    def __init__(self, description: str, *, scope: str) -> None:
        super().__init__(description)
        self.scope = scope

    def challenge(self) -> str | None:
        return f'Bearer error="insufficient_scope", scope="{self.scope}"'


class NotLinked(NotFound):
    """The customer has no account linked through the upstream connection asked for."""

    error = "not_linked"


class BearerTokenMissing(IdgateError):
    """RFC 6750 §3.1: a request without any credentials gets a bare ``Bearer`` challenge,
    with no error code."""

    status_code = 401
    error = "unauthorized"

    def challenge(self) -> str | None:
        return 'Bearer realm="idgate"'


class TenantUnavailable(OAuthError):
    """The tenant exists but does not serve requests (pending or suspended)."""

    error = "invalid_request"
    status_code = 403


class AuthorizationRequestRejected(IdgateError):
    """The authorization request cannot be answered with a redirect (RFC 6749 §4.1.2.1):
    the client is unknown or the redirect URI is not registered. Shown as an error page."""


class DatabaseUnavailable(IdgateError):
    """The database cannot answer now: unreachable, restarting, a connection lost in the
    middle of the request, or a write lock held past the busy timeout. The request's
    transaction did not commit, so it may be repeated as it was. HTTP 503 with
    ``Retry-After`` (RFC 9110 §15.6.4); the code is RFC 6749 §4.1.2.1's
    ``temporarily_unavailable``, which idgate answers at every endpoint (the token endpoint's
    §5.2 list has no code for it). Built from a driver error by ``storage.faults``."""

    status_code = 503
    error = "temporarily_unavailable"
    retry_after = 5


class TooManyFailures(OAuthError):
    """Too many failures from the client's IP lately: HTTP 429 (RFC 6585 §4) with
    ``Retry-After``, refused before any credential is looked at. RFC 6749 §5.2 has no code
    for it: the token endpoint answers ``temporarily_unavailable`` (RFC 6749 §4.1.2.1, as for
    ``DatabaseUnavailable``: "try again later"), except to a device polling its code, which
    gets RFC 8628 §3.5's ``slow_down`` so that it keeps polling, more slowly, instead of
    giving up the end user's sign-in (``oauth.token_failure_limit``)."""

    status_code = 429
    error = "temporarily_unavailable"

    def __init__(self, description: str, *, retry_after: int, error: str | None = None) -> None:
        super().__init__(description)
        self.retry_after = retry_after
        if error is not None:
            self.error = error


class MailNotSent(IdgateError):
    """The mail provider refused or could not take the message."""

    status_code = 502


class RedirectError(Exception):
    """An OAuth error to deliver to an already verified redirect URI."""

    def __init__(self, cause: OAuthError, redirect_uri: str, state: str | None) -> None:
        super().__init__(cause.error)
        self.cause = cause
        self.redirect_uri = redirect_uri
        self.state = state
