"""The mails customers get, each a pair of Jinja2 templates in ``mail/templates/``:
``NAME.txt`` (whose first line is ``Subject: ...``) and ``NAME.html`` (which extends
``layout.html``). Both parts are rendered from the same context, so they say the same;
the HTML one is autoescaped. Links in them are absolute URLs on the tenant's issuer, built
by the caller."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from idgate.kernel.mail_message import MailMessage

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Any:
    # Built on first use: most requests send no mail, and Jinja2 costs a cold start ~11 ms.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),  # the .txt part is not HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def compose_mail(
    template: str, *, to: str, tenant_id: str, organization: str, **context: Any
) -> MailMessage:
    """The mail ``template`` to ``to``, from the organization (its name as sender name)."""
    context = {"organization": organization, **context}
    text = _environment().get_template(f"{template}.txt").render(**context)
    subject_line, _, body = text.partition("\n")
    if not subject_line.startswith("Subject: "):
        raise ValueError(f"mail template {template}.txt must start with a Subject: line")
    html = _environment().get_template(f"{template}.html").render(**context)
    return MailMessage(
        to=to,
        subject=subject_line.removeprefix("Subject: ").strip(),
        text=body.lstrip("\n"),
        html=html,
        tenant_id=tenant_id,
        sender_name=organization,
    )
