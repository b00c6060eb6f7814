"""The scenarios: what each one sends (a wrk/*.lua script and its config) and the state it
needs first (a signed-in session, a pool of refresh or access tokens, a login form).

State is prepared afresh before every wrk run, so repeats are independent and the peer's
in-memory store (oidc-provider's default adapter is an LRU of about 1,000 entries) still
holds what the run is about to use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadtests.browser import (
    VERIFIER,
    Browser,
    authorize_query,
    browser_for,
    client_credentials_tokens,
)
from loadtests.common import (
    CC_CLIENT,
    CODE_SCOPE,
    REDIRECT_URI,
    RS_CLIENT,
    USER_EMAILS,
    WEB_CLIENT,
)
from loadtests.mix_profile import Assumptions
from loadtests.servers import Endpoints, Server


@dataclass(frozen=True)
class Options:
    seconds: float = 10.0
    repeats: int = 3
    warmup: float = 5.0
    connections: int = 32
    threads: int = 2
    refresh_pool: int = 128  # token families; fits the peer's 1,000-entry LRU with margin
    access_pool: int = 32
    paced_fraction: float = 0.7  # the "p99 at 70% of the maximum rate"
    mix_steps: tuple[float, ...] = (0.5, 0.7, 0.9)
    mix_slo_ms: float = 250.0
    floor_samples: int = 20


@dataclass
class Target:
    """One server under test and a scratch directory for its pool and config files."""

    server: Server
    workdir: Path

    @property
    def ep(self) -> Endpoints:
        assert self.server.endpoints
        return self.server.endpoints

    def signed_in(self, email: str = USER_EMAILS[0]) -> Browser:
        browser = browser_for(self.server, email)
        browser.sign_in()
        return browser

    def pool_file(self, name: str, lines: list[str]) -> str:
        path = self.workdir / f"{name}.pool"
        path.write_text("\n".join(lines) + "\n")
        return str(path)


ConfigBuilder = Callable[[Target, Options], dict[str, str]]


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    script: str
    build: ConfigBuilder
    unit: str = "req/s"  # or "iter/s": auth-code iterations (two requests each)
    paced_check: bool = False  # also report p99 at paced_fraction of the maximum rate
    connections: int | None = None  # None: Options.connections
    threads: int | None = None


def _discovery(t: Target, _: Options) -> dict[str, str]:
    return {"path": t.ep.discovery}


def _jwks(t: Target, _: Options) -> dict[str, str]:
    return {"path": t.ep.jwks}


def _client_credentials(t: Target, _: Options) -> dict[str, str]:
    return {"token_path": t.ep.token, "basic": CC_CLIENT.basic}


def _introspect(t: Target, o: Options) -> dict[str, str]:
    tokens = client_credentials_tokens(t.server, o.access_pool)
    return {
        "introspect_path": t.ep.introspection,
        "basic": RS_CLIENT.basic,
        "pool": t.pool_file("access", tokens),
    }


def _refresh_families(t: Target, o: Options) -> tuple[list[str], list[str]]:
    """``refresh_pool`` new token families: their refresh and access tokens."""
    browser = t.signed_in()
    try:
        issued = [browser.offline_tokens() for _ in range(o.refresh_pool)]
    finally:
        browser.close()
    return [i.refresh_token or "" for i in issued], [i.access_token for i in issued]


def _refresh(t: Target, o: Options) -> dict[str, str]:
    refresh_tokens, _ = _refresh_families(t, o)
    return {
        "token_path": t.ep.token,
        "basic": WEB_CLIENT.basic,
        "pool": t.pool_file("refresh", refresh_tokens),
    }


def _authcode(t: Target, _: Options) -> dict[str, str]:
    browser = t.signed_in()
    try:
        cookie = browser.session_cookie()
    finally:
        browser.close()
    return {
        "authorize_path": f"{t.ep.authorization}?{authorize_query(CODE_SCOPE)}",
        "session_cookie": cookie,
        "token_path": t.ep.token,
        "basic": WEB_CLIENT.basic,
        "redirect_uri": REDIRECT_URI,
        "verifier": VERIFIER,
    }


def _login(t: Target, _: Options) -> dict[str, str]:
    browser = browser_for(t.server, USER_EMAILS[1])
    try:
        form = browser.login_form()
    finally:
        browser.close()
    return {"login_path": form.path, "login_body": form.body, "login_cookie": form.cookie}


def _mix(t: Target, o: Options) -> dict[str, str]:
    refresh_tokens, access_tokens = _refresh_families(t, o)
    return {
        **_authcode(t, o),
        **_login(t, o),
        "web_basic": WEB_CLIENT.basic,
        "rs_basic": RS_CLIENT.basic,
        "introspect_path": t.ep.introspection,
        "userinfo_path": t.ep.userinfo,
        "refresh_pool": t.pool_file("mix-refresh", refresh_tokens),
        "access_pool": t.pool_file("mix-access", access_tokens),
        "weights": Assumptions().weights(),
    }


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario("discovery", "discovery GET", "get.lua", _discovery, paced_check=True),
        Scenario("jwks", "JWKS GET", "get.lua", _jwks, paced_check=True),
        Scenario(
            "client_credentials",
            "client_credentials (basic)",
            "client_credentials.lua",
            _client_credentials,
            paced_check=True,
        ),
        Scenario("refresh", "refresh_token + rotation", "refresh.lua", _refresh),
        Scenario(
            "introspection",
            "introspection (valid AT)",
            "introspect.lua",
            _introspect,
            paced_check=True,
        ),
        Scenario(
            "authcode",
            "auth code + PKCE (authorize+token)",
            "authcode.lua",
            _authcode,
            unit="iter/s",
        ),
        Scenario(
            "login",
            "password login (Argon2id), 1 conn",
            "login.lua",
            _login,
            connections=1,
            threads=1,
        ),
        Scenario("mix", "mixed profile (max, closed loop)", "mix.lua", _mix),
    )
}
