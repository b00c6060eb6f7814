"""Options and argument checks that several command groups share, so the same option
reads and fails the same way everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

from idgate_cli.local_runtime import fail

YesOption = Annotated[bool, typer.Option("--yes", help="Confirm the deletion.")]
LimitOption = Annotated[int, typer.Option(min=1, max=200, help="Page size (1-200).")]
CursorOption = Annotated[str | None, typer.Option(help="Continue from a previous page.")]


def require_yes(yes: bool, what: str) -> None:
    """Refuse an irreversible deletion unless ``--yes`` was given."""
    if not yes:
        fail(f"deleting {what} cannot be undone; pass --yes to confirm")


def require_choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    """``value`` when it is one of ``allowed``; else fail naming the option or argument,
    before anything is sent or changed."""
    if value not in allowed:
        fail(f"{name} must be one of {', '.join(allowed)}")
    return value
