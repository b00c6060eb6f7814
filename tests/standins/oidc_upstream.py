"""A real OpenID Provider for idgate to sign in through: panva's node ``oidc-provider`` v9
(OpenID Certified), run from ``tests/standins/oidc_upstream/server.mjs`` on loopback.

``start_oidc_upstream(clients=..., accounts=...)`` installs the node package when it is
missing (``npm ci`` from the committed package-lock.json; local/test.sh does it ahead of
pytest), starts ``node server.mjs`` on a free port and waits for its discovery document.

What it is configured as (server.mjs):

- issuer ``http://127.0.0.1:{port}``; discovery at ``/.well-known/openid-configuration``,
  ``/auth``, ``/token``, ``/me`` (userinfo), ``/jwks``, ``/token/introspection``,
  ``/token/revocation``, ``/session/end``.
- ``clients``: oidc-provider (RFC 7591) client metadata; each defaults to
  ``grant_types ["authorization_code", "refresh_token"]``, ``response_types ["code"]`` and
  ``token_endpoint_auth_method "client_secret_basic"``. http and loopback redirect URIs
  are allowed for web clients using the code flow.
- ``accounts``: ``{id: {"email", "email_verified", "name"}}``; the account id is ``sub``.
  Scopes ``openid email profile offline_access``; ``email`` gives email and
  email_verified, ``profile`` gives name. As OIDC Core §5.4 says for the code flow, those
  claims are in the UserInfo answer, not in the ID token (so idgate's "complete from
  UserInfo" path is exercised), unless ``claims_in_id_token=True`` puts them in the ID
  token too, as Google does.
- PKCE S256 is required (RFC 7636); ``nonce`` is echoed in the ID token; ID tokens are
  RS256 with a key generated at start (published at ``/jwks``).
- A refresh token is issued to every client that has the ``refresh_token`` grant, with
  or without ``offline_access`` (oidc-provider otherwise keeps ``offline_access`` only with
  ``prompt=consent``). Refresh tokens of confidential clients are not rotated until 70 %
  of their 14-day life has passed (the library's default), so a refresh answer may carry
  the same refresh token back.
- Access tokens are opaque and accepted by its own userinfo endpoint
  (``GET /me`` with ``Authorization: Bearer``): how a test proves a token handed over by
  idgate is genuine. They live ``access_token_ttl`` seconds.

The login and consent pages are oidc-provider's development interactions
(``/interaction/{uid}``). Both pages have the ``<title>`` "Sign-in"; their ``<h1>`` says
"Sign-in" or "Authorize". A Playwright test goes through them so (verified with Debian
chromium):

1. Login: ``page.fill("input[name=login]", "alice")`` and
   ``page.fill("input[name=password]", "any")`` (both ``required``; the password is never
   checked), then ``page.get_by_role("button", name="Sign-in").click()``. The login
   becomes the account id (``sub``): a key of ``accounts`` gets its claims, any other
   login signs in as an account with only ``sub`` (no email, no name).
2. Consent (lists the scopes and claims asked for):
   ``page.get_by_role("button", name="Continue").click()``. The browser is redirected to
   the redirect URI with ``code``, ``state`` and ``iss`` (RFC 9207).
3. Either page's "[ Cancel ]" link (``page.get_by_role("link", name="[ Cancel ]")``)
   redirects with ``error=access_denied`` and ``error_description=End-User aborted
   interaction`` instead.

The provider's session lives in its cookies: a second authorization in the same browser
context for an account and client that already consented skips both pages (a silent
redirect with a new code) unless it asks ``prompt=login`` or ``prompt=consent``. Use a new
browser context for a fresh sign-in.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

STANDIN_DIR = Path(__file__).resolve().parent / "oidc_upstream"
STARTUP_TIMEOUT = 30.0
INSTALL_TIMEOUT = 300.0


@dataclass
class OidcUpstream:
    """A running ``oidc-provider``; ``stop()`` ends it (SIGTERM, then SIGKILL)."""

    issuer: str
    process: subprocess.Popen[bytes]
    log_path: Path
    clients: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def discovery(self) -> dict[str, Any]:
        document = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        document.raise_for_status()
        return dict(document.json())

    def output(self) -> str:
        """What the provider printed so far (start-up line and server errors)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_path.unlink(missing_ok=True)


class OidcUpstreamFactory(Protocol):
    def __call__(
        self,
        *,
        clients: list[dict[str, Any]],
        accounts: dict[str, dict[str, Any]],
        access_token_ttl: int = 3600,
        claims_in_id_token: bool = False,
    ) -> OidcUpstream: ...


def ensure_installed() -> None:
    """``npm ci`` into oidc_upstream/node_modules once (a file lock keeps concurrent test
    processes from installing on top of each other). ``ci`` installs exactly the
    committed package-lock.json and never rewrites it."""
    marker = STANDIN_DIR / "node_modules" / "oidc-provider" / "package.json"
    if marker.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed (local/test.sh installs nodejs and npm)")
    with open(STANDIN_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=STANDIN_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci failed in {STANDIN_DIR}:\n{done.stdout}{done.stderr}")


def start_oidc_upstream(
    *,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]],
    access_token_ttl: int = 3600,
    claims_in_id_token: bool = False,
) -> OidcUpstream:
    """Start one provider and return once its discovery document answers."""
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed (local/test.sh installs nodejs)")
    for _ in range(3):  # a free port can be taken between choosing and listening
        upstream = _launch(node, clients, accounts, access_token_ttl, claims_in_id_token)
        if _wait_ready(upstream):
            # A script that dies before its stop() must not leave the provider running.
            atexit.register(upstream.stop)
            return upstream
        output = upstream.output()
        upstream.stop()
        if "EADDRINUSE" not in output:
            raise RuntimeError(f"oidc-provider did not start:\n{output}")
    raise RuntimeError("oidc-provider found no free port")


def _launch(
    node: str,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]],
    access_token_ttl: int,
    claims_in_id_token: bool,
) -> OidcUpstream:
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "PORT": str(port),
        "ISSUER": issuer,
        "CLIENTS": json.dumps(clients),
        "ACCOUNTS": json.dumps(accounts),
        "ACCESS_TOKEN_TTL": str(access_token_ttl),
        "ID_TOKEN_CLAIMS": "1" if claims_in_id_token else "0",
    }
    fd, name = tempfile.mkstemp(prefix="oidc-upstream-", suffix=".log")
    # A file rather than a pipe: nobody has to drain it for the provider to keep running.
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(
            [node, "server.mjs"], cwd=STANDIN_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return OidcUpstream(issuer, process, Path(name), list(clients), dict(accounts))


def _wait_ready(upstream: OidcUpstream) -> bool:
    url = f"{upstream.issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if upstream.process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
