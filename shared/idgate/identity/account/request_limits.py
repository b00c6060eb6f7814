"""Limits on the self-service requests that send mail (sign-up, forgot password, email
sign-in, verification resends, an email change on the account page): each kind at most
``IDGATE_ACCOUNT_REQUESTS_PER_EMAIL`` times per email address and
``IDGATE_ACCOUNT_REQUESTS_PER_IP`` per client network in
``IDGATE_ACCOUNT_REQUEST_WINDOW_SECONDS`` (5 and 30 an hour by default), answered 429 with
``Retry-After`` (RFC 6585 §4) once over.

Why so: each request sends a mail, so without a limit anyone could make idgate mail a
victim without end (mail bombing) or spend the platform's sending reputation, and each
request writes a token row. Every request counts, not only failures, and a request counts
whether or not the email belongs to a customer, so the answer never tells which emails
exist. Counted in the database (``rate_limit_counters``, ``storage.window_counters``) so
the limit holds across processes and Lambda instances. The email is counted by digest: the
counter rows never hold an address.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from sqlalchemy import Connection

from idgate.identity.customers import normalize_email
from idgate.identity.sign_in_limits import too_many_message
from idgate.kernel.errors import IdgateError
from idgate.kernel.settings import Settings
from idgate.storage.tables import rate_limit_counters
from idgate.storage.window_counters import count_failure, counter_key, seconds_blocked

RequestKind = Literal[
    "sign_up", "forgot_password", "email_sign_in", "resend_verification", "change_email"
]


class TooManyRequests(IdgateError):
    status_code = 429
    error = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(too_many_message(retry_after))
        self.retry_after = retry_after


def count_request(
    conn: Connection,
    settings: Settings,
    kind: RequestKind,
    *,
    tenant_id: str,
    email: str,
    network: str | None,
    now: float,
) -> None:
    """Count one request of ``kind``, in the caller's write transaction; raises
    ``TooManyRequests`` (counting nothing) when the email or the network is over its limit."""
    limits = _limits(settings, kind, email, network)
    window = settings.account_request_window_seconds
    blocked = seconds_blocked(conn, rate_limit_counters, tenant_id, limits, window=window, now=now)
    if blocked:
        raise TooManyRequests(blocked)
    for key in limits:
        count_failure(conn, rate_limit_counters, tenant_id, key, window=window, now=now)


def _limits(
    settings: Settings, kind: RequestKind, email: str, network: str | None
) -> dict[str, int]:
    limits: dict[str, int] = {}
    if settings.account_requests_per_email:
        digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
        limits[counter_key(f"{kind}_email", digest)] = settings.account_requests_per_email
    if settings.account_requests_per_ip and network is not None:
        limits[counter_key(f"{kind}_ip", network)] = settings.account_requests_per_ip
    return limits
