"""The newcomer's path from README.md: `idgate serve` on an empty database seeds the demo
tenant, and the built-in demo relying party signs in, refreshes and signs out in a real
browser; a newcomer creates an account from its sign-in, reads the verification mail at
/dev/outbox and signs in; and a mail's HTML part renders there with its styles but without
its scripts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from idgate.kernel.mail_message import MailMessage
from idgate.kernel.settings import Settings
from idgate.mail.outbox import OutboxMailer
from idgate.process import build_runtime
from local.dev.demo_seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import _free_port, running_idgate, wait_for_discovery

pytestmark = pytest.mark.browser


NEWCOMER = "nora@newcomer.example"
NEWCOMER_PASSWORD = "nora's own passphrase 42"
BUTTON_BLUE = "rgb(11, 87, 208)"  # the mail button's inline style (mail/templates/button.html)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fresh")


@pytest.fixture(scope="module")
def fresh_server(workdir: Path) -> Iterator[str]:
    """`idgate serve` on an empty database, with no IDGATE_* settings: the README's path."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDGATE_")}
    base = f"http://127.0.0.1:{port}"
    with running_idgate(workdir, port, env) as (server, log):
        wait_for_discovery(server, f"{base}/t/demo", log)
        assert "demo@example.com" in log.read_text()
        assert f"read mail at {base}/dev/outbox" in log.read_text()
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


def test_a_newcomer_creates_an_account_reads_the_mail_at_dev_outbox_and_signs_in(
    page: Page, fresh_server: str
) -> None:
    page.goto(f"{fresh_server}/demo-rp/")
    page.click("#signin")
    page.click("text=Create account")
    page.fill("#name", "Nora Newcomer")
    page.fill("#email", NEWCOMER)
    page.fill("#password", NEWCOMER_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")

    page.goto(f"{fresh_server}/dev/outbox?to={quote(NEWCOMER)}")
    expect(page.locator("article")).to_have_count(1)
    page.click("text=Open the HTML part")
    verify = page.locator("a", has_text="Verify email")
    expect(verify).to_have_css("background-color", BUTTON_BLUE)
    verify.click()
    page.click("button[type=submit]")  # the link's page asks before it spends the link

    page.fill("#email", NEWCOMER)  # back on the sign-in of the demo app's request
    page.fill("#password", NEWCOMER_PASSWORD)
    page.click("button[type=submit]")
    page.click("button[value=allow]")
    expect(page.locator("h1")).to_have_text("Signed in")
    expect(page.locator("#userinfo")).to_contain_text(NEWCOMER)
    expect(page.locator("#claims")).to_contain_text('"email_verified": true')


def test_a_mails_html_part_renders_with_its_styles_and_without_its_scripts(
    page: Page, fresh_server: str, workdir: Path
) -> None:
    rt = build_runtime(Settings(database_url=f"sqlite:///{workdir / 'idgate.db'}"))
    html = (
        "<!doctype html><title>hostile</title>"
        f"<p id=styled style='color:{BUTTON_BLUE}'>styled</p>"
        "<script>document.title = 'scripted'</script>"
        "<img id=remote src='https://tracker.example/pixel.png'>"
    )
    mail = MailMessage(to="hostile@example.com", subject="Hostile", text="text", html=html)
    try:
        OutboxMailer(rt).send(mail)
    finally:
        rt.engine.dispose()
    fetched: list[str] = []  # what the network answered (a request CSP blocks fails)
    page.on("requestfinished", lambda request: fetched.append(request.url))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))

    page.goto(f"{fresh_server}/dev/outbox?to=hostile%40example.com")
    page.click("text=Open the HTML part")

    expect(page.locator("#styled")).to_have_css("color", BUTTON_BLUE)
    expect(page).to_have_title("hostile")  # the script did not run
    assert not any("tracker.example" in url for url in fetched), fetched
    assert "https://tracker.example/pixel.png csp" in failed, failed
