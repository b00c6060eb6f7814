"""How commands print what they read: rich tables, plain cell text and UTC times.

Output is for people and for scripts alike, so it is plain (no markup, colour or emoji
interpretation: names and emails are data) and, when piped, never wrapped.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

# Columns whose values read badly when wrapped (the rest fold on a narrow terminal).
NO_WRAP = {"time (UTC)", "seq", "action", "status", "tier", "type", "role", "slug"}


def console() -> Console:
    """Plain text (no markup: names and emails are data); when piped and $COLUMNS is
    unset, wide enough that no row wraps, so scripts can grep whole lines."""
    plain = Console(highlight=False, soft_wrap=False, markup=False, emoji=False)
    if not plain.is_terminal and not os.environ.get("COLUMNS"):
        plain.width = 400
    return plain


def utc_time(timestamp: float | None) -> str:
    """A Unix time as ``YYYY-MM-DD HH:MM:SS`` in UTC; ``-`` when there is none."""
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def cell_text(value: Any) -> str:
    """A JSON value as a table cell: ``-`` for nothing, yes/no, lists comma-separated."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def print_table(
    columns: list[str], rows: list[list[Any]], *, empty: str, title: str | None = None
) -> None:
    """A table of ``rows``, or the line ``empty`` when there are none (a table with no
    rows would say less)."""
    if not rows:
        typer.echo(empty)
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in NO_WRAP)
    for row in rows:
        table.add_row(*(cell_text(v) for v in row))
    console().print(table)


def print_next_cursor(page: dict[str, Any]) -> None:
    """The cursor of the next page, when there is one, for ``--cursor``."""
    if page.get("next_cursor"):
        typer.echo(f"next cursor: {page['next_cursor']}")
