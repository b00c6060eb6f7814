"""The local outbox mailer: what it stores, how a developer reads it (``idgate mail outbox``,
as text or JSON, and /dev/outbox with each HTML part rendered under a policy of its own),
that the dev pages exist only in local mode, and ``idgate mail test``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from idgate.kernel.errors import MailNotSent
from idgate.kernel.mail_message import MailMessage
from idgate.kernel.runtime import Runtime
from idgate.mail.mailer import create_mailer
from idgate.mail.outbox import OutboxMailer, recent_outbox
from idgate.process import build_runtime, install_runtime
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate_cli.main import app as cli
from local.dev.dev_pages import MAIL_CSP
from local.dev.server import build_local_app as build_app
from tests.conftest import FakeClock


@pytest.fixture(autouse=True)
def platform_scope() -> Iterator[None]:
    """Core calls made directly by the test are platform-level (PostgreSQL row-level
    security); requests through TestClient get their scope from their own route."""
    with scoped(ALL_TENANTS):
        yield


def test_outbox_mailer_is_the_default_and_stores_each_message(rt: Runtime) -> None:
    mailer = create_mailer(rt)
    assert isinstance(mailer, OutboxMailer)

    mailer.send(
        MailMessage(tenant_id=None, to="bob@example.com", subject="Hello", text="Line 1\nLine 2")
    )

    [message] = recent_outbox(rt)
    assert (message.sender, message.recipient) == (rt.settings.mail_from, "bob@example.com")
    assert (message.subject, message.text_body) == ("Hello", "Line 1\nLine 2")
    assert message.tenant_id is None
    assert message.created_at == rt.now()


def test_recent_outbox_lists_newest_first_up_to_the_limit(rt: Runtime, clock: FakeClock) -> None:
    mailer = create_mailer(rt)
    for n in range(3):
        mailer.send(
            MailMessage(tenant_id=None, to=f"u{n}@example.com", subject=f"mail {n}", text="x")
        )
        clock.advance(1)

    assert [m.subject for m in recent_outbox(rt, limit=2)] == ["mail 2", "mail 1"]


def test_cli_mail_outbox_prints_the_newest_messages(rt: Runtime) -> None:
    mailer = create_mailer(rt)
    mailer.send(
        MailMessage(tenant_id=None, to="carol@example.com", subject="Verify", text="Code: 123456")
    )

    result = CliRunner().invoke(cli, ["mail", "outbox", "--limit", "5"])

    assert result.exit_code == 0, result.output
    assert "carol@example.com" in result.output
    assert "Subject: Verify" in result.output
    assert "Code: 123456" in result.output


def test_cli_mail_outbox_says_when_empty(rt: Runtime) -> None:
    result = CliRunner().invoke(cli, ["mail", "outbox"])

    assert result.exit_code == 0
    assert "the outbox is empty" in result.output


def test_cli_mail_test_sends_one_message_through_the_mailer_and_names_the_provider(
    rt: Runtime,
) -> None:
    result = CliRunner().invoke(cli, ["mail", "test", "--to", "erin@example.com"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("sent a test message to erin@example.com through outbox")
    [message] = recent_outbox(rt)
    assert (message.sender, message.recipient) == (rt.settings.mail_from, "erin@example.com")
    assert message.subject == "idgate test message"


class RefusingMailer:
    name = "refusing"

    def send(self, message: MailMessage) -> None:
        raise MailNotSent("SES did not accept the message (MessageRejected)")


def test_cli_mail_test_refused_by_the_provider_is_one_error_line(rt: Runtime) -> None:
    rt.resource("mailer", RefusingMailer)  # send_mail's mailer for this process

    result = CliRunner().invoke(cli, ["mail", "test", "--to", "erin@example.com"])

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: SES did not accept the message (MessageRejected)"
    ]
    assert recent_outbox(rt) == []


def test_dev_outbox_page_lists_mail_with_html_escaped(rt: Runtime) -> None:
    create_mailer(rt).send(
        MailMessage(
            tenant_id=None, to="dave@example.com", subject="<b>Reset</b>", text="<script>x</script>"
        )
    )

    response = TestClient(build_app()).get("/dev/outbox")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "dave@example.com" in response.text
    assert "&lt;b&gt;Reset&lt;/b&gt;" in response.text
    assert "<script>x" not in response.text


def test_dev_outbox_page_is_not_served_outside_local_mode(rt: Runtime) -> None:
    create_mailer(rt).send(
        MailMessage(tenant_id=None, to="dave@example.com", subject="Hi", text="x", html="<p>x</p>")
    )
    [message] = recent_outbox(rt)
    production = build_runtime(rt.settings.model_copy(update={"env": "production"}))
    install_runtime(production)
    try:
        client = TestClient(build_app())
        responses = [client.get("/dev/outbox"), client.get(f"/dev/outbox/{message.id}.html")]
    finally:
        install_runtime(rt)
        production.engine.dispose()

    assert [response.status_code for response in responses] == [404, 404]


def test_dev_pages_are_not_part_of_any_lambda_function() -> None:
    from functions.authorize.app import app as authorize_app
    from functions.device.app import app as device_app
    from functions.token.app import endpoints as token_endpoints

    for routes in (authorize_app.routes, token_endpoints.routes, device_app.routes):
        paths = {getattr(route, "path", "") for route in routes}
        assert not any(p.startswith("/dev") for p in paths), paths


def send_three(rt: Runtime, clock: FakeClock) -> None:
    """Two mails to erin (the second with an HTML part), then one to frank."""
    mailer = create_mailer(rt)
    for to, subject, html in (
        ("erin@example.com", "First", None),
        ("erin@example.com", "Second", "<p style='color:red'>Second <b>mail</b></p>"),
        ("frank@example.com", "Third", "<p>Third</p>"),
    ):
        mailer.send(
            MailMessage(tenant_id=None, to=to, subject=subject, text=f"{subject} text", html=html)
        )
        clock.advance(1)


def test_cli_mail_outbox_json_is_an_array_newest_first_of_exactly_the_documented_keys(
    rt: Runtime, clock: FakeClock
) -> None:
    send_three(rt, clock)

    result = CliRunner().invoke(cli, ["mail", "outbox", "--json"])

    assert result.exit_code == 0, result.output
    messages = json.loads(result.stdout)
    assert [m["subject"] for m in messages] == ["Third", "Second", "First"]
    assert all(list(m) == ["to", "subject", "text", "html", "created_at"] for m in messages)
    third, second, first = messages
    assert third == {
        "to": "frank@example.com",
        "subject": "Third",
        "text": "Third text",
        "html": "<p>Third</p>",
        "created_at": rt.now() - 1,  # Unix seconds, as the admin API's times
    }
    assert first["html"] is None
    assert second["created_at"] < third["created_at"]


def test_cli_mail_outbox_keeps_one_recipients_mail_up_to_the_limit(
    rt: Runtime, clock: FakeClock
) -> None:
    send_three(rt, clock)

    def subjects(*options: str) -> list[str]:
        result = CliRunner().invoke(cli, ["mail", "outbox", "--json", *options])
        assert result.exit_code == 0, result.output
        return [m["subject"] for m in json.loads(result.stdout)]

    assert subjects("--to", "erin@example.com") == ["Second", "First"]
    assert subjects("--to", " ERIN@example.com ", "--limit", "1") == ["Second"]
    assert subjects("--to", "nobody@example.com") == []


def test_cli_mail_outbox_text_shows_whether_each_mail_has_an_html_part(
    rt: Runtime, clock: FakeClock
) -> None:
    send_three(rt, clock)

    result = CliRunner().invoke(cli, ["mail", "outbox", "--to", "erin@example.com"])

    assert result.exit_code == 0, result.output
    second, first = result.stdout.split("--- ")[1:]
    assert "Subject: Second\nHTML part: 43 characters\n\nSecond text" in second
    assert "<p" not in second  # only its size: the page renders it
    assert "Subject: First\nHTML part: none\n\nFirst text" in first


def test_dev_outbox_page_shows_text_html_source_and_a_link_to_the_rendered_html(
    rt: Runtime, clock: FakeClock
) -> None:
    send_three(rt, clock)
    [second] = recent_outbox(rt, to="erin@example.com", limit=1)

    page = TestClient(build_app()).get("/dev/outbox")

    assert page.status_code == 200
    assert "Third text" in page.text and "Second text" in page.text
    assert f"href='/dev/outbox/{second.id}.html'" in page.text
    assert "&lt;b&gt;mail&lt;/b&gt;" in page.text  # the source, escaped
    assert "<b>mail</b>" not in page.text
    assert "<iframe" not in page.text and "<script" not in page.text


def test_dev_outbox_page_keeps_one_recipients_mail(rt: Runtime, clock: FakeClock) -> None:
    send_three(rt, clock)
    client = TestClient(build_app())

    erin = client.get("/dev/outbox", params={"to": "erin@example.com"})
    nobody = client.get("/dev/outbox", params={"to": "<nobody@example.com>"})

    assert "Second text" in erin.text and "First text" in erin.text
    assert "Third text" not in erin.text
    assert "href='/dev/outbox?to=frank%40example.com'" in client.get("/dev/outbox").text
    assert "No mail to &lt;nobody@example.com&gt;." in nobody.text
    assert client.get("/dev/outbox", params={"to": ""}).text.count("<article>") == 3


def test_dev_outbox_html_part_is_served_alone_under_its_own_policy(
    rt: Runtime, clock: FakeClock
) -> None:
    send_three(rt, clock)
    [second] = recent_outbox(rt, to="erin@example.com", limit=1)

    response = TestClient(build_app()).get(f"/dev/outbox/{second.id}.html")

    assert response.status_code == 200
    assert response.text == "<p style='color:red'>Second <b>mail</b></p>"
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == MAIL_CSP
    assert "sandbox" in MAIL_CSP and "script" not in MAIL_CSP
    assert response.headers["cache-control"] == "no-store"


def test_dev_outbox_html_part_is_not_found_when_missing_or_malformed(
    rt: Runtime, clock: FakeClock
) -> None:
    send_three(rt, clock)
    [first] = recent_outbox(rt, to="erin@example.com", limit=2)[1:]
    client = TestClient(build_app())

    for path in (
        f"/dev/outbox/{first.id}.html",  # no HTML part
        "/dev/outbox/00000000-0000-4000-8000-000000000000.html",
        "/dev/outbox/not-an-id.html",
        "/dev/outbox/%00.html",
    ):
        assert client.get(path).status_code == 404, path
