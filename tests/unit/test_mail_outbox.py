"""The local outbox mailer: what it stores, how a developer reads it (CLI and /dev/outbox),
that the dev page exists only in local mode, and ``idgate mail test``."""

from __future__ import annotations

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
    production = build_runtime(rt.settings.model_copy(update={"env": "production"}))
    install_runtime(production)
    try:
        response = TestClient(build_app()).get("/dev/outbox")
    finally:
        install_runtime(rt)
        production.engine.dispose()

    assert response.status_code == 404


def test_dev_pages_are_not_part_of_any_lambda_function() -> None:
    from functions.authorize.app import app as authorize_app
    from functions.device.app import app as device_app
    from functions.token.app import endpoints as token_endpoints

    for routes in (authorize_app.routes, token_endpoints.routes, device_app.routes):
        paths = {getattr(route, "path", "") for route in routes}
        assert not any(p.startswith("/dev") for p in paths), paths
