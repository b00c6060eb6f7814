"""``idgate mail``: check that outgoing mail works (``test``) and read the local outbox
(``outbox``). Both go through ``idgate.mail``, the one way mail leaves idgate, so a test
message travels exactly as a verification mail would."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from idgate.kernel.errors import MailNotSent
from idgate.kernel.mail_message import MailMessage
from idgate.mail.mailer import send_mail
from idgate.mail.outbox import OutboxMessage, recent_outbox
from idgate_cli.local_runtime import fail, local_runtime
from idgate_cli.output import utc_time

mail_app = typer.Typer(no_args_is_help=True, help="Send a test message; read the local outbox.")

TEST_SUBJECT = "idgate test message"
TEST_TEXT = (
    "This message was sent by `idgate mail test`. If you can read it, idgate's outgoing "
    "mail works.\n"
)


@mail_app.command("test")
def mail_test(to: Annotated[str, typer.Option("--to", help="The recipient's address.")]) -> None:
    """Send one test message through the configured provider (IDGATE_MAIL_PROVIDER)."""
    rt = local_runtime()
    try:
        provider = send_mail(rt, MailMessage(to=to, subject=TEST_SUBJECT, text=TEST_TEXT))
    except MailNotSent as exc:
        fail(exc.description)
    except Exception as exc:  # the provider could not even be set up (e.g. no AWS region)
        fail(f"the {rt.settings.mail_provider} mailer failed: {type(exc).__name__}: {exc}")
    typer.echo(f"sent a test message to {to} through {provider} (from {rt.settings.mail_from})")
    if provider == "outbox":
        typer.echo("the outbox stores mail instead of sending it: read it with idgate mail outbox")


@mail_app.command("outbox")
def mail_outbox(
    to: Annotated[str | None, typer.Option("--to", help="Only the mail to this address.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many messages, newest first.")] = 10,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a JSON array, newest first, of {to, subject, text, html, created_at} "
            "(created_at in Unix seconds, as the admin API's times).",
        ),
    ] = False,
) -> None:
    """Show the mail the local outbox stored instead of sending (IDGATE_MAIL_PROVIDER=outbox)."""
    rt = local_runtime()
    if rt.settings.mail_provider != "outbox":
        # On stderr, so that --json output stays one JSON document.
        typer.echo(
            f"note: IDGATE_MAIL_PROVIDER={rt.settings.mail_provider}; mail is not stored", err=True
        )
    messages = recent_outbox(rt, limit=limit, to=to)
    if as_json:
        typer.echo(json.dumps([_as_json(m) for m in messages], ensure_ascii=False, indent=2))
        return
    if not messages:
        typer.echo("the outbox is empty")
    for message in messages:
        _print_message(message)


def _as_json(message: OutboxMessage) -> dict[str, Any]:
    return {
        "to": message.recipient,
        "subject": message.subject,
        "text": message.text_body,
        "html": message.html_body,
        "created_at": message.created_at,
    }


def _print_message(message: OutboxMessage) -> None:
    """The headers and text part; of the HTML part only its size (/dev/outbox renders it)."""
    html = f"{len(message.html_body)} characters" if message.html_body else "none"
    typer.echo(f"--- {utc_time(message.created_at)} UTC  {message.sender} -> {message.recipient}")
    typer.echo(f"Subject: {message.subject}\nHTML part: {html}\n\n{message.text_body}\n")
