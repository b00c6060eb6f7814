"""The failures of the client-authenticating endpoints per client network and organization:
``invalid_client`` (a wrong client secret, an unknown client) at the token, introspection
(RFC 7662 §2.1) and revocation (RFC 7009 §2.1) endpoints, and at the token endpoint
``invalid_grant`` (a wrong, expired, replayed or revoked code, refresh token or device
code), the answers that guessing gets. One bucket per network counts all three endpoints,
so a client cannot guess a secret at one while another refuses it. Past
``IDGATE_TOKEN_FAILURES_PER_IP`` in a burst, refilled at that many per
``IDGATE_TOKEN_FAILURE_WINDOW_SECONDS`` (30 a minute by default; 0: no limit), the network's
token requests are refused before the client is authenticated, until a failure's worth has
refilled: HTTP 429 (RFC 6585 §4) with ``Retry-After``.

Why so:

- Per process (``kernel.failure_buckets``, in the ``Runtime``), not in the database: the
  token endpoint is the hot path (client_credentials takes about 50 us in-process), and a
  database write per request, or even a read, would cost more than the request. A request
  from a network that has not failed lately pays one dictionary lookup. N processes allow
  N times the limit; what it must do is keep any one client from trying many secrets or
  codes a second, and from making every process hash and look up garbage at full speed.
- The error code: RFC 6749 §5.2 defines none for "too many requests". A device polling
  with ``urn:ietf:params:oauth:grant-type:device_code`` gets ``slow_down`` (RFC 8628 §3.5),
  the one code a token endpoint client already knows means "ask again later": a compliant
  device adds 5 s to its interval and keeps polling, where any other error would end the
  end user's sign-in. Every other grant gets ``temporarily_unavailable`` (RFC 6749
  §4.1.2.1), which idgate already answers at every endpoint when the database is away.
- Other errors (``invalid_request``, ``unauthorized_client``, ``authorization_pending``)
  are not counted: they guess nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from idgate.kernel.errors import InvalidClient, TooManyFailures
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.oauth.client_auth import authenticate_client
from idgate.oauth.client_model import Client
from idgate.oauth.device_authorization import DEVICE_CODE_GRANT
from idgate.tenancy.tenants import Tenant

Key = tuple[str, str | None]  # (tenant id, client network)


def refuse_if_over(rt: Runtime, key: Key, grant_type: str) -> None:
    """Raise ``TooManyFailures`` when ``key``'s bucket is empty. Called only for a key
    present in ``rt.token_failures``, i.e. one that failed lately."""
    settings = rt.settings
    wait = rt.token_failures.wait_for(
        key,
        limit=settings.token_failures_per_ip,
        window=settings.token_failure_window_seconds,
        now=rt.now(),
    )
    if not wait:
        return
    code = "slow_down" if grant_type == DEVICE_CODE_GRANT else None
    raise TooManyFailures(
        f"too many failed token requests from this address; retry after {wait} s",
        retry_after=wait,
        error=code,
    )


def count_failure(rt: Runtime, key: Key) -> None:
    """Count an ``invalid_client`` or ``invalid_grant`` against ``key`` (not without a
    client address: requests from outside HTTP are not limited)."""
    if key[1] is None:
        return
    settings = rt.settings
    rt.token_failures.spend(
        key,
        limit=settings.token_failures_per_ip,
        window=settings.token_failure_window_seconds,
        now=rt.now(),
    )


def authenticate_client_limited(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> Client:
    """Client authentication (``oauth.client_auth``) at introspection and revocation, behind
    the network's bucket: refused with 429 while it is empty, an ``invalid_client`` counted."""
    key = (tenant.id, client_network())
    if key in rt.token_failures:  # only a network that failed lately: one lookup otherwise
        refuse_if_over(rt, key, grant_type="")
    try:
        return authenticate_client(rt, tenant, authorization=authorization, form=form)
    except InvalidClient:
        count_failure(rt, key)
        raise
