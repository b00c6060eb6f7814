"""Data lifecycle: delete the rows that have outlived their use (security issue "Data
lifecycle": without it every anonymous ``GET /authorize`` or ``GET /device`` grows the
database for good).

One operation, ``purge_expired``, run by ``idgate purge``, by the platform server every
``IDGATE_PURGE_INTERVAL_SECONDS`` and by the scheduled maintenance function. Per table:

- ``interactions``: past ``expires_at`` (``INTERACTION_LIFETIME`` after the request);
- ``device_codes``: past ``expires_at``, or redeemed (RFC 8628 §3.5: a redeemed code is
  answered as an unknown one, so the row is no longer needed);
- ``sessions``: ended (logout) or past ``expires_at``;
- ``authorization_codes``: never redeemed and past ``expires_at``. A redeemed code stays as
  long as its family, so that replaying it still revokes the family (RFC 6749 §4.1.2);
- ``token_families`` (with their codes and refresh tokens, by ``ON DELETE CASCADE``):
  revoked ones (a missing family reads as revoked: its access tokens are inactive at
  introspection and userinfo, its refresh tokens invalid), and live ones none of whose
  tokens can still be used: no refresh token unexpired (so reuse detection, RFC 9700
  §4.14.2, keeps working for the family's whole lifetime) and no access token unexpired.
  Access tokens have no row: one was issued at the latest when the family's newest refresh
  token was (rotation issues both), else within ``CODE_LIFETIME`` of the family's creation,
  and lives at most the longest ``access_token_ttl`` of any client;
- ``revoked_access_tokens``: past the token's own ``exp`` (an expired token is refused
  before its revocation is looked up);
- ``sign_in_failures``: counting window (``WINDOW_SECONDS``) and lockout both over;
- ``user_code_failures``: counting window (``USER_CODE_WINDOW``) over;
- ``rate_limit_counters``: the longest counting window kept there over
  (``IDGATE_SIGN_IN_FAILURE_WINDOW_SECONDS``, ``IDGATE_ACCOUNT_REQUEST_WINDOW_SECONDS``);
- ``account_tokens``: used, or past ``expires_at``;
- ``mail_outbox``: older than ``MAIL_RETENTION_SECONDS``;
- ``sign_in_events``, ``analytics_events`` and ``customer_active_days``: older than
  ``IDGATE_ANALYTICS_RETENTION_DAYS``, once rolled up (``analytics.retention_rules``);
- ``signing_keys``: retired ones no unexpired token can carry any more: the longest access
  token or ID token lifetime after they stopped signing, plus the cache TTL and relying
  parties' leeway (``keys.key_rotation.purge_retired_keys``). Next keys whose time has
  come are promoted first, so a tenant that has not signed since its rotation retires its
  old key too.

Rows go in batches of ``BATCH_SIZE``, each batch its own short write transaction, so a run
never holds a lock for long and the serving paths interleave with it. Platform-level work:
it runs with the '*' tenant scope (PostgreSQL row-level security, ``storage.tenant_scope``).
It lives in ``oauth`` because that is the lowest context that knows every lifetime involved
(identity's lockout window, oauth's code lifetime and user-code window).
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
)

from idgate.analytics.retention_rules import analytics_expiry
from idgate.identity.lockout import WINDOW_SECONDS
from idgate.kernel.runtime import Runtime
from idgate.keys.key_rotation import promote_due_keys, purge_retired_keys
from idgate.oauth.authorization_codes import CODE_LIFETIME
from idgate.oauth.client_model import ID_TOKEN_TTL
from idgate.oauth.device_verification import USER_CODE_WINDOW
from idgate.storage import database
from idgate.storage.tables import (
    account_tokens,
    authorization_codes,
    clients,
    device_codes,
    interactions,
    mail_outbox,
    rate_limit_counters,
    refresh_tokens,
    revoked_access_tokens,
    sessions,
    sign_in_failures,
    signing_keys,
    token_families,
    upstream_flows,
    user_code_failures,
)
from idgate.storage.tenant_scope import ALL_TENANTS, scoped

BATCH_SIZE = 500
MAIL_RETENTION_SECONDS = 7 * 24 * 3600
# A deleted client's tokens are not refused for that reason alone, and its lifetime is no
# longer in ``clients``: an hour bounds the access-token lifetimes seen in practice.
ACCESS_TOKEN_TTL_FLOOR = 3600

Expired = ColumnElement[bool]


def purge_expired(rt: Runtime) -> dict[str, int]:
    """Delete every row past its lifetime; the number deleted per table (families count
    alone: their codes and refresh tokens go with them)."""
    now = rt.now()
    with scoped(ALL_TENANTS):
        longest_access_ttl = _longest_access_token_ttl(rt)
        counter_window = max(
            rt.settings.sign_in_failure_window_seconds, rt.settings.account_request_window_seconds
        )
        rules = _rules(now, longest_access_ttl, counter_window)
        rules += analytics_expiry(rt.settings, now)
        counts = {table.name: _purge_table(rt, table, expired) for table, expired in rules}
        promote_due_keys(rt)
        longest_token_ttl = max(longest_access_ttl, ID_TOKEN_TTL)
        counts[signing_keys.name] = purge_retired_keys(rt, longest_token_ttl=longest_token_ttl)
        return counts


def _rules(
    now: float, longest_access_ttl: float, counter_window: float
) -> list[tuple[Table, Expired]]:
    """What is past its lifetime at ``now``, per table; the order matters only in that
    codes never redeemed go before the families they would keep."""
    return [
        (interactions, interactions.c.expires_at <= now),
        (device_codes, or_(device_codes.c.expires_at <= now, device_codes.c.status == "redeemed")),
        (sessions, or_(sessions.c.ended_at.is_not(None), sessions.c.expires_at <= now)),
        (
            authorization_codes,
            and_(
                authorization_codes.c.consumed_at.is_(None),
                authorization_codes.c.expires_at <= now,
            ),
        ),
        (token_families, _family_over(now, longest_access_ttl)),
        (revoked_access_tokens, revoked_access_tokens.c.expires_at <= now),
        (
            sign_in_failures,
            and_(
                sign_in_failures.c.window_started_at < now - WINDOW_SECONDS,
                or_(
                    sign_in_failures.c.locked_until.is_(None),
                    sign_in_failures.c.locked_until <= now,
                ),
            ),
        ),
        (user_code_failures, user_code_failures.c.window_started_at <= now - USER_CODE_WINDOW),
        (rate_limit_counters, rate_limit_counters.c.window_started_at <= now - counter_window),
        (mail_outbox, mail_outbox.c.created_at < now - MAIL_RETENTION_SECONDS),
        (upstream_flows, upstream_flows.c.expires_at <= now),
        (
            account_tokens,
            or_(account_tokens.c.used_at.is_not(None), account_tokens.c.expires_at <= now),
        ),
    ]


def _family_over(now: float, longest_access_ttl: float) -> Expired:
    """Revoked, or no token of it can be used any more (see the module docstring)."""
    usable_refresh_or_access = exists().where(
        refresh_tokens.c.family_id == token_families.c.id,
        or_(
            refresh_tokens.c.expires_at > now,
            refresh_tokens.c.created_at > now - longest_access_ttl,
        ),
    )
    first_access_over = token_families.c.created_at < now - CODE_LIFETIME - longest_access_ttl
    return or_(
        token_families.c.revoked_at.is_not(None),
        and_(first_access_over, ~usable_refresh_or_access),
    )


def _longest_access_token_ttl(rt: Runtime) -> float:
    with database.read(rt.engine) as conn:
        longest = conn.execute(select(func.max(clients.c.access_token_ttl))).scalar()
    return float(max(longest or 0, ACCESS_TOKEN_TTL_FLOOR))


def _purge_table(rt: Runtime, table: Table, expired: Expired) -> int:
    """Delete ``table``'s expired rows, at most ``BATCH_SIZE`` per transaction."""
    key_columns = list(table.primary_key.columns)
    key = key_columns[0] if len(key_columns) == 1 else tuple_(*key_columns)
    # The subquery names the table again, so it must not be correlated to the DELETE's.
    batch = select(*key_columns).where(expired).limit(BATCH_SIZE).correlate_except(table)
    statement = delete(table).where(expired, key.in_(batch))
    total = 0
    while True:
        with database.write(rt.engine) as conn:
            deleted = conn.execute(statement).rowcount
        total += deleted
        if deleted < BATCH_SIZE:
            return total
