"""Which upstream URLs idgate calls (issue "Bring your own OAuth", SSRF): in production only
https URLs whose host resolves to public addresses alone; outside production, stand-ins on
loopback too. Names are resolved by the check itself, so a public-looking name that
resolves to an internal address is refused like the address."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from idgate.identity.upstream.destinations import UnsafeDestination, check_destination
from idgate.kernel.errors import ValidationFailed
from idgate.kernel.settings import Settings
from tests.conftest import MASTER_KEY

PRODUCTION = Settings(env="production", public_url="https://id.example.com", master_key=MASTER_KEY)
LOCAL = Settings(env="local")
# What the fake resolver answers for names (literal addresses resolve as themselves).
RESOLVED = {
    "sso.example.com": ["203.0.113.7"],  # documentation range: not global either
    "login.example.org": ["93.184.215.14"],
    "rebound.example.org": ["93.184.215.14", "127.0.0.1"],  # one bad record is enough
    "metadata.example.org": ["169.254.169.254"],
    "intranet.example.org": ["10.1.2.3"],
    "v6.example.org": ["2606:4700::6810:84e5"],
    "v6-private.example.org": ["fd12:3456::1"],
    "no-such-host.example.org": [],  # NXDOMAIN
}


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in RESOLVED:
            return real(host, port, *args, **kwargs)
        if not RESOLVED[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in RESOLVED[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://login.example.org", "must be an https URL in production"),
        ("https://127.0.0.1", "non-public"),
        ("https://127.0.0.1:8443/realms/x", "non-public"),
        ("https://10.0.0.1", "non-public"),
        ("https://172.16.5.4", "non-public"),
        ("https://192.168.1.1", "non-public"),
        ("https://169.254.169.254/latest/meta-data", "non-public"),  # cloud metadata
        ("https://100.64.0.1", "non-public"),  # carrier-grade NAT
        ("https://0.0.0.0", "non-public"),
        ("https://[::1]", "non-public"),
        ("https://[::ffff:127.0.0.1]", "non-public"),  # IPv4-mapped loopback
        ("https://[fe80::1]", "non-public"),
        ("https://localhost", "non-public"),
        ("https://2130706433", "non-public"),  # 127.0.0.1 as one decimal number
        ("https://sso.example.com", "non-public"),
        ("https://rebound.example.org", "non-public"),
        ("https://metadata.example.org", "non-public"),
        ("https://intranet.example.org", "non-public"),
        ("https://v6-private.example.org", "non-public"),
        ("https://no-such-host.example.org", "does not resolve"),
        ("ftp://login.example.org", "not an http(s) URL"),
        ("https://", "not an http(s) URL"),
        ("login.example.org", "not an http(s) URL"),
    ],
)
def test_production_refuses_what_is_not_public_https(resolver: None, url: str, words: str) -> None:
    with pytest.raises(UnsafeDestination) as refused:
        check_destination(PRODUCTION, url)
    assert words in refused.value.description
    # A validation failure: the admin API answers it with a 400 naming the field.
    assert isinstance(refused.value, ValidationFailed)


@pytest.mark.parametrize(
    "url",
    [
        "https://login.example.org/.well-known/openid-configuration",
        "https://v6.example.org:8443",
        "https://93.184.215.14",
    ],
)
def test_production_accepts_public_https(resolver: None, url: str) -> None:
    check_destination(PRODUCTION, url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000",
        "https://127.0.0.1",
        "http://localhost:8080/issuer",
        "http://10.0.0.1",
        "http://169.254.169.254",
    ],
)
def test_outside_production_stand_ins_on_any_address_are_allowed(url: str) -> None:
    check_destination(LOCAL, url)


def test_outside_production_a_url_must_still_be_http_or_https() -> None:
    for url in ("ftp://127.0.0.1", "file:///etc/passwd", "http://"):
        with pytest.raises(UnsafeDestination):
            check_destination(LOCAL, url)
