"""The local side of the ``idgate`` command: the runtime its local commands work with and
the one way they report a failure.

Local commands (``tenant``, ``client``, ``user``, ``keys``, ``mail``, ``migrate``,
``platform init``, ``audit verify``) work on the database the environment names, migrated
to head first, so a fresh checkout needs no separate step. They act as the control plane's
``LOCAL_OPERATOR`` (``idgate.control.rbac``): audited as ``operator:local-cli``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.process import current_runtime
from idgate.storage.migrations import prepare_database


def fail(message: str) -> NoReturn:
    """One line ``error: <message>`` on stderr and exit status 1."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


def local_runtime() -> Runtime:
    """This process's runtime, its database migrated to head."""
    try:
        rt = current_runtime()
        prepare_database(rt)
    except Exception as exc:  # settings or database errors: one line, no traceback
        fail(str(exc))
    return rt


@contextmanager
def reported() -> Iterator[None]:
    """Turn the core's deliberate errors into one ``error:`` line and exit status 1."""
    try:
        yield
    except IdgateError as exc:
        fail(exc.description or exc.error)
