"""A live ``idgate serve`` provisioned through the real CLI, Debian chromium driven by
Playwright as the user agent, and authlib as the relying party.

The relying party's redirect URIs are served by a blank-page HTTP server in this process,
so a test reads the authorization response from the browser's URL. (Playwright request
interception is not enough: Chromium does not pause the redirect of a ``page.goto``
navigation, so a silent ``prompt=none`` redirect would hit a closed port.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

SLUG = "shop"
EMAIL = "carol@example.com"
PASSWORD = "carol-password-123"
WEB_SECRET = "shop-web-client-secret-0123456789-abcdefgh"
SERVICE_SECRET = "shop-service-client-secret-0123456789-abcd"
STARTUP_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Provider:
    base_url: str
    issuer: str
    metadata: dict[str, Any]
    jwks: dict[str, Any]
    rp_url: str
    # Where its `idgate serve` runs, for tests that provision more with the CLI (`idgate`).
    workdir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def idgate(self, *args: str) -> str:
        """Run the `idgate` CLI on this provider's database, as an operator would; its
        output."""
        assert self.workdir is not None, "this provider was not started by the fixture"
        return _idgate(*args, cwd=self.workdir, env=self.env)

    @property
    def callback(self) -> str:
        return f"{self.rp_url}/callback"

    @property
    def logged_out(self) -> str:
        return f"{self.rp_url}/logged-out"


def _idgate(*args: str, cwd: Path, env: dict[str, str]) -> str:
    command = [str(Path(sys.executable).with_name("idgate")), *args]
    done = subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def _provision(rp_url: str, cwd: Path, env: dict[str, str]) -> None:
    def idgate(*args: str) -> None:
        _idgate(*args, cwd=cwd, env=env)

    code_flow = ["--grant", "authorization_code", "--grant", "refresh_token"]
    idgate("tenant", "create", SLUG, "--name", "Shop Inc")
    idgate(
        "client", "create", SLUG, "--client-id", "web", "--secret", WEB_SECRET,
        "--redirect-uri", f"{rp_url}/callback",
        "--post-logout-redirect-uri", f"{rp_url}/logged-out",
        *code_flow, "--name", "Shop Web",
    )  # fmt: skip
    idgate(
        "client", "create", SLUG, "--client-id", "spa", "--public",
        "--redirect-uri", f"{rp_url}/callback", *code_flow, "--name", "Shop SPA",
    )  # fmt: skip
    idgate(
        "client", "create", SLUG, "--client-id", "service", "--secret", SERVICE_SECRET,
        "--grant", "client_credentials", "--name", "Shop Service",
    )  # fmt: skip
    idgate(
        "client", "create", SLUG, "--client-id", "tv", "--public",
        "--grant", "device_code", "--grant", "refresh_token", "--name", "Shop TV",
    )  # fmt: skip
    idgate("user", "create", SLUG, "--email", EMAIL, "--password", PASSWORD, "--name", "Carol")


@contextmanager
def running_idgate(
    workdir: Path, port: int, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`idgate serve --port PORT` in ``workdir`` until the block ends; its output goes to a
    log file that readiness failures quote."""
    log = workdir / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [str(Path(sys.executable).with_name("idgate")), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield server, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for_discovery(server: subprocess.Popen[bytes], issuer: str, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"idgate serve did not become ready:\n{log.read_text()}")


class _BlankPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server naming scheme
        body = b"<!doctype html><title>relying party</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def rp_url() -> Iterator[str]:
    """Where the relying party's redirect URIs point: a server answering every GET with a
    blank page."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BlankPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory, rp_url: str) -> Iterator[Provider]:
    """Provision tenant ``shop`` with the CLI, then run ``idgate serve`` until the session
    ends. Clients: ``web`` (confidential, code + refresh, logout URI), ``spa`` (public,
    code + refresh), ``service`` (client_credentials), ``tv`` (public, device + refresh)."""
    workdir = tmp_path_factory.mktemp("idgate-serve")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDGATE_")},
        "IDGATE_PUBLIC_URL": base_url,
        "IDGATE_DATABASE_URL": f"sqlite:///{workdir / 'idgate.db'}",
    }
    # Provision before serving: the server then starts on a complete database and no
    # process races another to create the master key file in the working directory.
    _provision(rp_url, workdir, env)
    with running_idgate(workdir, port, env) as (server, log):
        issuer = f"{base_url}/t/{SLUG}"
        metadata = wait_for_discovery(server, issuer, log)
        jwks = httpx.get(metadata["jwks_uri"], timeout=5).json()
        yield Provider(base_url, issuer, metadata, jwks, rp_url, workdir, env)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def page(page: Page) -> Page:
    """pytest-playwright's page, failing after 10 s instead of 30 s."""
    page.set_default_timeout(10_000)
    return page
