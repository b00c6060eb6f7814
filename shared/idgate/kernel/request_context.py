"""Who is asking, for the current request: its id, client IP and headers, set once by the
HTTP edge (``observability`` middleware) and read by the audit log, the per-IP limits and
the sessions' list of browsers, so core functions need not pass them along. Outside a
request (CLI, jobs) they are None and empty."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    # The ASGI scope's raw headers, by reference: read only when asked (``user_agent``).
    headers: tuple[tuple[bytes, bytes], ...] | list[tuple[bytes, bytes]] = ()


USER_AGENT_LENGTH = 300  # what a session keeps of it


def user_agent() -> str | None:
    """The request's ``User-Agent`` (RFC 9110 §10.1.5), cut to ``USER_AGENT_LENGTH``."""
    for name, value in current_request.get().headers:
        if name == b"user-agent":
            return value.decode("latin-1")[:USER_AGENT_LENGTH]
    return None


# The default is a frozen dataclass, so sharing it is safe.
current_request: ContextVar[RequestContext] = ContextVar(
    "idgate_request",
    default=RequestContext(),  # noqa: B039
)

# An IPv6 subnet is a /64 (RFC 4291 §2.5.1: 64-bit interface identifiers) and a host may
# take any address in it, so a limit per single IPv6 address is one a client can step
# around 2**64 times. (A site may hold a /56 or a /48; by /64 is the usual compromise that
# does not lump different subscribers of one provider together.)
IPV6_SUBSCRIBER_PREFIX = 64


def client_network() -> str | None:
    """What the per-IP limits of this request count against (sign-in, device user codes,
    token endpoint failures): its IPv4 address, or its IPv6 address's /64; an IPv4-mapped
    IPv6 address (a dual-stack socket's view of an IPv4 client) is that IPv4 address.
    None outside a request. An IPv4 address costs one substring test: the token endpoint
    calls this on every request."""
    ip = current_request.get().ip
    if ip is None or ":" not in ip:
        return ip
    try:
        address = ipaddress.IPv6Address(ip.partition("%")[0])  # without a zone (fe80::1%eth0)
    except ValueError:
        return ip  # not an IP address: counted as it is
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, IPV6_SUBSCRIBER_PREFIX), strict=False))
