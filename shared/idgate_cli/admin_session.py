"""How an admin command runs: as the logged-in operator, every expected failure reported
as one line ``error: <message>`` and exit status 1, never a traceback.

The admin commands fail in more ways than the local ones: besides the core's own errors
(``local_runtime.reported``) there is the server (:class:`CliError`), the stored
credentials, and the config directory on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from idgate_cli import credentials as stored
from idgate_cli.api_client import AdminApi, admin_api
from idgate_cli.http_transport import CliError
from idgate_cli.local_runtime import fail
from idgate_cli.local_runtime import reported as core_errors_reported


@contextmanager
def reported() -> Iterator[None]:
    """Turn every expected failure into one ``error:`` line and exit status 1."""
    try:
        with core_errors_reported():
            yield
    except (CliError, stored.CredentialsError) as exc:
        fail(str(exc))
    except OSError as exc:  # e.g. the config directory is not writable
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


@contextmanager
def operator_api() -> Iterator[AdminApi]:
    """The admin API as the logged-in operator, its failures reported."""
    with reported(), admin_api() as api:
        yield api
