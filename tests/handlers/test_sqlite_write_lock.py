"""SQLite's write lock held by another connection (another process, or `idgate` working on
the same file): a request that must write waits at most the busy timeout
(``IDGATE_DB_TIMEOUT_SECONDS``), then answers 503 with ``Retry-After`` and
``temporarily_unavailable`` instead of hanging, and leaves nothing behind; once the lock
is released the same request succeeds (``storage.faults``)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from local.server import build_app
from tests.conftest import WEB_SECRET, TenantFixture
from tests.flows import WEB_REDIRECT, Browser, authorize_code, basic, hidden, new_authorization

BUSY_TIMEOUT = 0.3


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def impatient(rt: Runtime) -> Iterator[Runtime]:
    """The runtime the app serves with: ``rt``'s database, a short busy timeout."""
    settings = rt.settings.model_copy(update={"db_timeout_seconds": BUSY_TIMEOUT})
    runtime = build_runtime(settings, clock=rt.clock)
    install_runtime(runtime)
    yield runtime
    install_runtime(rt)
    runtime.engine.dispose()


@contextmanager
def write_lock_held_elsewhere(rt: Runtime) -> Iterator[None]:
    """Another connection to the file holds its write lock (``BEGIN IMMEDIATE``)."""
    holder = sqlite3.connect(str(rt.engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _exchange(client: TestClient, code: str, verifier: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": verifier,
    }
    return client.post("/t/acme/token", data=data, headers=basic("web", WEB_SECRET))


def test_token_request_answers_503_within_the_busy_timeout_while_the_write_lock_is_held(
    impatient: Runtime, acme: TenantFixture
) -> None:
    client = TestClient(build_app())
    auth = new_authorization()
    code = authorize_code(Browser(client), acme, auth)

    with write_lock_held_elsewhere(impatient):
        started = time.monotonic()
        locked = _exchange(client, code, auth.verifier)
        waited = time.monotonic() - started

    assert locked.status_code == 503, locked.text
    assert locked.json()["error"] == "temporarily_unavailable"
    assert int(locked.headers["retry-after"]) > 0
    assert locked.headers["cache-control"] == "no-store"
    assert BUSY_TIMEOUT <= waited < BUSY_TIMEOUT + 2
    # Nothing of the locked attempt was kept: the code is still unused.
    after = _exchange(client, code, auth.verifier)
    assert after.status_code == 200, after.text
    assert "refresh_token" in after.json()


def test_sign_in_answers_a_503_page_while_the_write_lock_is_held_and_succeeds_after(
    impatient: Runtime, acme: TenantFixture
) -> None:
    client = TestClient(build_app())
    browser = Browser(client)
    started = browser.authorize(new_authorization())
    page = browser.get(started.headers["location"])
    form = {
        "interaction": hidden(page.text, "interaction"),
        "csrf_token": hidden(page.text, "csrf_token"),
        "email": acme.email,
        "password": acme.password,
    }

    with write_lock_held_elsewhere(impatient):
        locked = browser.post("/t/acme/login", form)
        # Readers never queue behind SQLite's write lock: the database is there.
        ready = client.get("/health/ready")

    assert locked.status_code == 503, locked.text
    assert locked.headers["content-type"].startswith("text/html")
    assert "temporarily_unavailable" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    assert ready.status_code == 200
    signed_in = browser.post("/t/acme/login", form)
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["location"].startswith("/t/acme/")
