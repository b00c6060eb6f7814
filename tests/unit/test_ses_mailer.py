"""The SES v2 mailer against moto: it sends from IDGATE_MAIL_FROM, honours the endpoint
override, and turns a refusal into one MailNotSent error; and every customer mail (each
``NAME.txt`` with a ``NAME.html`` in ``mail/templates/``, found on disk so a template added
later is covered too) goes out with its subject, text and HTML parts under the
organization's name."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parseaddr
from html import escape
from pathlib import Path
from typing import Any

import boto3
import pytest
from jinja2 import Environment, meta
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from idgate.aws.ses import SesMailer
from idgate.kernel.errors import MailNotSent
from idgate.kernel.mail_message import MailMessage
from idgate.kernel.settings import Settings
from idgate.mail import templates as mail_templates
from idgate.mail.mailer import create_mailer
from idgate.mail.templates import compose_mail
from idgate.process import build_runtime

pytestmark = pytest.mark.aws
REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def _sent() -> list:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def test_ses_mailer_sends_plain_text_from_the_configured_sender(aws: None) -> None:
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity="example.com")
    mailer = SesMailer(Settings(mail_provider="ses", mail_from="no-reply@example.com"))

    mailer.send(
        MailMessage(tenant_id="t-1", to="erin@example.org", subject="Welcome", text="Hi Erin")
    )

    [message] = _sent()
    assert message.source == "no-reply@example.com"
    assert message.destinations["ToAddresses"] == ["erin@example.org"]
    assert message.subject == "Welcome"
    assert message.body == "Hi Erin"


def test_ses_mailer_refused_sender_is_one_mail_not_sent_error(aws: None) -> None:
    mailer = SesMailer(Settings(mail_provider="ses", mail_from="no-reply@unverified.example"))

    with pytest.raises(MailNotSent) as failure:
        mailer.send(
            MailMessage(tenant_id=None, to="erin@example.org", subject="Welcome", text="Hi")
        )

    assert failure.value.description == "SES did not accept the message (MessageRejected)"
    assert _sent() == []


def test_create_mailer_selects_ses_by_settings(aws: None) -> None:
    rt = build_runtime(Settings(mail_provider="ses"))

    assert isinstance(create_mailer(rt), SesMailer)


def test_ses_mailer_honours_the_aws_endpoint_override(aws: None) -> None:
    mailer = SesMailer(Settings(aws_endpoint_url="http://127.0.0.1:4566"))

    assert mailer._client.meta.endpoint_url == "http://127.0.0.1:4566"


TEMPLATES = Path(mail_templates.__file__).parent / "templates"
ORGANIZATION = "Shop & Sons, Ltd."  # quoted in the From header, escaped in the HTML


def customer_mails() -> list[str]:
    """Every mail a customer can get: a ``NAME.txt`` with its ``NAME.html``."""
    return sorted(
        path.stem for path in TEMPLATES.glob("*.txt") if path.with_suffix(".html").exists()
    )


def context_for(template: str) -> dict[str, str]:
    """A string for each variable the two parts use (the organization is compose_mail's)."""
    parser = Environment(autoescape=True)
    names: set[str] = set()
    for part in (f"{template}.txt", f"{template}.html"):
        source = (TEMPLATES / part).read_text(encoding="utf-8")
        names |= meta.find_undeclared_variables(parser.parse(source))
    return {name: f"https://shop.example/{name}" for name in names - {"organization"}}


def test_the_customer_mails_are_found() -> None:
    assert "verify_email" in customer_mails()


@pytest.mark.parametrize("template", customer_mails())
def test_each_customer_mail_goes_out_with_text_and_html_under_the_organizations_name(
    aws: None, template: str
) -> None:
    client = boto3.client("sesv2", region_name=REGION)
    client.create_email_identity(EmailIdentity="example.com")
    requests: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: requests.append(params)
    )
    mailer = SesMailer(Settings(mail_provider="ses", mail_from="no-reply@example.com"), client)
    mail = compose_mail(
        template,
        to="erin@example.org",
        tenant_id="t-1",
        organization=ORGANIZATION,
        **context_for(template),
    )

    mailer.send(mail)

    [message] = _sent()  # moto keeps the HTML part only: the request shows both
    assert parseaddr(message.source) == (ORGANIZATION, "no-reply@example.com")
    assert message.destinations["ToAddresses"] == ["erin@example.org"]
    assert message.subject == mail.subject and mail.subject.strip()
    [request] = requests
    body = request["Content"]["Simple"]["Body"]
    assert body["Text"]["Data"] == mail.text and mail.text.strip()
    assert "<html" not in mail.text.lower() and "</p>" not in mail.text  # text, not markup
    assert body["Html"]["Data"] == mail.html and mail.html is not None
    assert mail.html.lstrip().lower().startswith("<!doctype html>")
    assert escape(ORGANIZATION) in mail.html
