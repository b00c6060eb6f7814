"""Which upstream URLs idgate may call. In production every upstream URL must be https and
resolve only to public addresses, so an organization's connection cannot point idgate at
its own network (SSRF: loopback, private, link-local, metadata endpoints). Outside
production, stand-ins on loopback are allowed for tests and local trials."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from idgate.kernel.errors import ValidationFailed
from idgate.kernel.settings import Settings


class UnsafeDestination(ValidationFailed):
    """The URL is not one idgate calls in this environment."""


def check_destination(settings: Settings, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeDestination(f"'{url}' is not an http(s) URL")
    if settings.env != "production":
        return
    if parts.scheme != "https":
        raise UnsafeDestination(f"'{url}' must be an https URL in production")
    for address in _addresses(parts.hostname, parts.port or 443):
        if not address.is_global or address.is_multicast:
            raise UnsafeDestination(
                f"'{parts.hostname}' resolves to a non-public address; "
                "upstream URLs must resolve to public addresses"
            )


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UnsafeDestination(f"'{host}' does not resolve") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
