"""The newcomer's path from README.md: `idgate serve` on an empty database seeds the demo
tenant, and the built-in demo relying party signs in, refreshes and signs out in a real
browser."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from local.dev.demo_seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import _free_port, running_idgate, wait_for_discovery

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`idgate serve` on an empty database, with no IDGATE_* settings: the README's path."""
    workdir = tmp_path_factory.mktemp("fresh")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDGATE_")}
    base = f"http://127.0.0.1:{port}"
    with running_idgate(workdir, port, env) as (server, log):
        wait_for_discovery(server, f"{base}/t/demo", log)
        assert "demo@example.com" in log.read_text()
        yield base


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
