"""Failed password sign-ins per client network (an IPv4 address, an IPv6 /64: ``kernel.
request_context.client_network``) and organization: past ``IDGATE_SIGN_IN_FAILURES_PER_IP``
in ``IDGATE_SIGN_IN_FAILURE_WINDOW_SECONDS`` (30 in 10 minutes by default; 0: no limit),
every sign-in from it is refused with HTTP 429 and ``Retry-After`` (RFC 6585 §4) until the
window is over, a correct password too, before any account or password is looked at.

The per-email lockout (``identity.lockout``) stops guessing one account's password; this
stops one client from trying a few passwords on each of many accounts (password spraying,
credential stuffing; NIST SP 800-63B §5.2.2 throttling), which the lockout never sees.

Why so:

- Counted in the database (``rate_limit_counters``, ``storage.window_counters``), not per
  process: a sign-in costs an Argon2id verification anyway, so one more indexed read (and a
  write on failure) is small, and a per-process count would let each of many processes or
  Lambda instances allow the whole limit again.
- Failures only: a sign-in that succeeds writes nothing here and clears nothing, so an
  attacker who owns one account cannot reset the count between guesses.
- The answer is the same whether the email exists or not, locked or not: the check comes
  before either is known.
- Per organization, like every tenant-owned row (row-level security keeps it in the
  request's tenant scope): failures at one organization behind a shared address (a company
  NAT) do not lock its people out of another's.
- A request without a client address (not over HTTP) is not limited here.
"""

from __future__ import annotations

from sqlalchemy import Connection

from idgate.kernel.settings import Settings
from idgate.storage.tables import rate_limit_counters
from idgate.storage.window_counters import count_failure, counter_key, seconds_blocked

KIND = "sign_in_ip"  # the counters' key prefix in rate_limit_counters


def sign_in_blocked_for(
    conn: Connection, settings: Settings, *, tenant_id: str, network: str | None, now: float
) -> int:
    """Whole seconds until sign-ins from ``network`` are allowed again; 0: now."""
    limit = settings.sign_in_failures_per_ip
    if network is None or not limit:
        return 0
    return seconds_blocked(
        conn,
        rate_limit_counters,
        tenant_id,
        {counter_key(KIND, network): limit},
        window=settings.sign_in_failure_window_seconds,
        now=now,
    )


def count_sign_in_failure(
    conn: Connection, settings: Settings, *, tenant_id: str, network: str | None, now: float
) -> None:
    """Count a failed sign-in from ``network`` (in the failure's own write transaction)."""
    if network is None or not settings.sign_in_failures_per_ip:
        return
    count_failure(
        conn,
        rate_limit_counters,
        tenant_id,
        counter_key(KIND, network),
        window=settings.sign_in_failure_window_seconds,
        now=now,
    )


def too_many_message(retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    return f"Too many attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
