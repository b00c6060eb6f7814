"""The SES v2 mailer against moto: it sends from IDGATE_MAIL_FROM, honours the endpoint
override, and turns a refusal into one MailNotSent error."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from idgate.aws.ses import SesMailer
from idgate.kernel.errors import MailNotSent
from idgate.kernel.mail_message import MailMessage
from idgate.kernel.settings import Settings
from idgate.mail.mailer import create_mailer
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
