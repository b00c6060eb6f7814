"""Amazon SES (API v2) as the mailer: one ``SendEmail`` call per message (a text and, when
given, an HTML body: SES sends them as multipart/alternative), from ``IDGATE_MAIL_FROM``
under the organization's name, whose address or domain must be a verified SES identity."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from idgate.kernel.errors import MailNotSent
from idgate.kernel.mail_message import MailMessage, sender_address
from idgate.kernel.settings import Settings


class SesMailer:
    name = "ses"

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._sender = settings.mail_from
        self._client = client or boto3.client("sesv2", endpoint_url=settings.aws_endpoint_url)

    def send(self, message: MailMessage) -> None:
        body = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        request: dict[str, Any] = {
            "FromEmailAddress": sender_address(self._sender, message.sender_name),
            "Destination": {"ToAddresses": [message.to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": body,
                }
            },
        }
        if message.tenant_id:
            request["EmailTags"] = [{"Name": "tenant_id", "Value": message.tenant_id}]
        try:
            self._client.send_email(**request)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise MailNotSent(f"SES did not accept the message ({code})") from exc
        except BotoCoreError as exc:
            raise MailNotSent(f"SES is unreachable ({type(exc).__name__})") from exc
