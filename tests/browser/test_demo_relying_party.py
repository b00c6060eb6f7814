"""The newcomer's path from README.md: `idgate serve` on an empty database seeds the demo
tenant, and the built-in demo relying party signs in, refreshes and signs out in a real
browser."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from local.demo_seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import _free_port

pytestmark = pytest.mark.browser


def _wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"idgate serve did not come up:\n{log.read_text()}")


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("fresh")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDGATE_")}
    log = workdir / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [str(Path(sys.executable).with_name("idgate")), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/t/demo/.well-known/openid-configuration", server, log)
        assert "demo@example.com" in log.read_text()
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_demo_relying_party_signs_in_refreshes_and_signs_out(page: Page, fresh_server: str) -> None:
    page.goto(f"{fresh_server}/demo-rp/")
    page.click("#signin")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.click("button[value=allow]")
    expect(page.locator("h1")).to_have_text("Signed in")
    expect(page.locator("#claims")).to_contain_text('"iss": "' + fresh_server + '/t/demo"')
    expect(page.locator("#userinfo")).to_contain_text(DEMO_EMAIL)
    page.click("#refresh")
    expect(page.locator("body")).to_contain_text("Refreshed")
    page.click("#logout")
    expect(page.locator("body")).to_contain_text("Signed out at the provider.")
    page.click("#signin")
    expect(page.locator("#email")).to_be_visible()
