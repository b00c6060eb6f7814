"""PostgreSQL faults: a backend terminated between or in the middle of requests, and the
database unreachable. Each answers 503 with ``Retry-After`` and ``temporarily_unavailable``
(never 500), leaves nothing of the interrupted transaction behind, and service resumes in
the same process without a restart (``storage.faults``, ``storage.database``).

The shared cluster is never stopped (other test runs use it): backends are ended with
``pg_terminate_backend``, only the runtime's own (this database, the app role), and
"unreachable" is a TCP relay in front of PostgreSQL that the test cuts and restores.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from idgate.storage import database
from idgate.storage.tables import authorization_codes, refresh_tokens
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app
from tests.conftest import POSTGRES_URL, WEB_SECRET, FakeClock, TenantFixture
from tests.flows import WEB_REDIRECT, Browser, authorize_code, basic, new_authorization

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="IDGATE_TEST_POSTGRES_URL is not set"),
]


@pytest.fixture
def backend() -> str:
    return "postgres"


# --- ending the runtime's own backends -------------------------------------------------

_APP_BACKENDS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND usename = current_user
      AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


class Terminator:
    """Ends backends of the runtime's database and role (never another database's) with
    ``pg_terminate_backend``, and waits until they are gone, so the next use of a pooled
    connection meets a dead one rather than racing the server."""

    def __init__(self, url: str) -> None:
        # Autocommit: a transaction would see one snapshot of pg_stat_activity throughout.
        self._engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")

    def all_of_the_app(self) -> int:
        with self._engine.connect() as conn:
            pids = list(conn.execute(text(_APP_BACKENDS)).scalars())
        self.these(pids)
        return len(pids)

    def these(self, pids: list[int]) -> None:
        with self._engine.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            ).scalar_one():
                assert time.monotonic() < deadline, "terminated backends did not exit"
                time.sleep(0.02)

    def close(self) -> None:
        self._engine.dispose()


@pytest.fixture
def terminate(rt: Runtime) -> Iterator[Terminator]:
    terminator = Terminator(rt.settings.database_url)
    yield terminator
    terminator.close()


# --- a database the test can take away ---------------------------------------------------


class Relay:
    """A TCP relay to PostgreSQL on a port of its own. ``cut`` closes every relayed
    connection and stops listening (to the application, the server went away: connections
    drop, new ones are refused); ``restore`` listens on the same port again."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._relayed: list[socket.socket] = []
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: same port
        listener.settimeout(0.05)
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._acceptor is not None:
            # Its poll holds the listening socket open until it returns (within 0.05 s):
            # only then is the port free to listen on again.
            self._acceptor.join()
            self._acceptor = None
        with self._lock:
            relayed, self._relayed = self._relayed, []
        for sock in relayed:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            server = socket.create_connection(self._target)
            with self._lock:
                self._relayed += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    for sock in (source, sink):
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relay(rt: Runtime) -> Iterator[Relay]:
    url = make_url(rt.settings.database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    relay.restore()
    yield relay
    relay.cut()


def _runtime_through(relay: Relay, rt: Runtime, clock: FakeClock) -> Runtime:
    url = make_url(rt.settings.database_url).set(host="127.0.0.1", port=relay.port)
    settings = rt.settings.model_copy(
        update={"database_url": url.render_as_string(hide_password=False)}
    )
    return build_runtime(settings, clock=clock)


@pytest.fixture
def relayed(rt: Runtime, relay: Relay, clock: FakeClock) -> Iterator[Runtime]:
    """The runtime the app serves with, connected through ``relay`` (``rt`` provisions)."""
    runtime = _runtime_through(relay, rt, clock)
    install_runtime(runtime)
    yield runtime
    install_runtime(rt)
    runtime.engine.dispose()


# --- helpers ---------------------------------------------------------------------------


def _exchange(client: TestClient, code: str, verifier: str) -> httpx.Response:
    return client.post(
        "/t/acme/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WEB_REDIRECT,
            "code_verifier": verifier,
        },
        headers=basic("web", WEB_SECRET),
    )


def _refresh(client: TestClient, refresh_token: str) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return client.post("/t/acme/token", data=data, headers=basic("web", WEB_SECRET))


def _userinfo(client: TestClient, access_token: str) -> httpx.Response:
    return client.get("/t/acme/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def _introspect(client: TestClient, token: str) -> httpx.Response:
    return client.post(
        "/t/acme/introspect", data={"token": token}, headers=basic("web", WEB_SECRET)
    )


def _signed_in_tokens(client: TestClient, acme: TenantFixture) -> dict[str, Any]:
    auth = new_authorization()
    code = authorize_code(Browser(client), acme, auth)
    response = _exchange(client, code, auth.verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())


def assert_unavailable_json(response: httpx.Response) -> None:
    """RFC 6749 §5.2's body with ``temporarily_unavailable``, 503 and Retry-After."""
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["cache-control"] == "no-store"
    assert "127.0.0.1" not in response.text and "idgate_app" not in response.text


def assert_unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "temporarily_unavailable" in response.text
    assert int(response.headers["retry-after"]) > 0


def _count(rt: Runtime, statement: Any) -> int:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return int(conn.execute(statement).scalar_one())


# --- backends terminated ---------------------------------------------------------------


def test_backends_terminated_between_requests_are_replaced_without_a_failed_request(
    rt: Runtime, acme: TenantFixture, terminate: Terminator
) -> None:
    client = TestClient(build_app())
    tokens = _signed_in_tokens(client, acme)
    # Every kind of database use, each right after the app's backends were ended.
    requests: dict[str, Callable[[], httpx.Response]] = {
        "a write transaction (refresh)": lambda: _refreshed(client, tokens),
        "the raw revocation check (userinfo)": lambda: _userinfo(client, tokens["access_token"]),
        "the same, at introspection": lambda: _introspect(client, tokens["access_token"]),
        "a page (authorize)": lambda: Browser(client).authorize(new_authorization()),
        "readiness": lambda: client.get("/health/ready"),
    }
    for what, request in requests.items():
        assert terminate.all_of_the_app() > 0
        response = request()
        assert response.status_code in (200, 302), (what, response.text)


def test_backend_terminated_mid_token_request_answers_503_and_leaves_the_code_unused(
    rt: Runtime, acme: TenantFixture, terminate: Terminator
) -> None:
    client = TestClient(build_app())
    auth = new_authorization()
    code = authorize_code(Browser(client), acme, auth)
    killed: list[int] = []

    def end_own_backend(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The code is already marked used in this transaction; the refresh token is next.
        if statement.startswith("INSERT INTO refresh_tokens") and not killed:
            killed.append(conn.connection.driver_connection.info.backend_pid)
            terminate.these(killed)

    event.listen(rt.engine, "before_cursor_execute", end_own_backend)
    try:
        interrupted = _exchange(client, code, auth.verifier)
    finally:
        event.remove(rt.engine, "before_cursor_execute", end_own_backend)

    assert killed, "the token request never reached its refresh-token insert"
    assert_unavailable_json(interrupted)
    assert _count(rt, select(func.count()).select_from(refresh_tokens)) == 0
    unused = select(func.count()).where(authorization_codes.c.consumed_at.is_(None))
    assert _count(rt, unused) == 1
    repeated = _exchange(client, code, auth.verifier)
    assert repeated.status_code == 200, repeated.text
    assert "refresh_token" in repeated.json()


def test_terminated_backends_leave_no_connection_behind_in_the_pool(
    rt: Runtime, acme: TenantFixture, terminate: Terminator
) -> None:
    client = TestClient(build_app())
    tokens = _signed_in_tokens(client, acme)
    engine: Engine = rt.engine
    terminate.all_of_the_app()

    for _ in range(3):  # more requests than the one that found the dead connection
        assert _userinfo(client, tokens["access_token"]).status_code == 200
        assert _refresh_ok(client, tokens)

    assert engine.pool.checkedout() == 0


def _refreshed(client: TestClient, tokens: dict[str, Any]) -> httpx.Response:
    """A refresh; ``tokens`` takes the new ones when it succeeds (rotation)."""
    response = _refresh(client, tokens["refresh_token"])
    if response.status_code == 200:
        tokens.update(response.json())
    return response


def _refresh_ok(client: TestClient, tokens: dict[str, Any]) -> bool:
    return _refreshed(client, tokens).status_code == 200


# --- the database unreachable -----------------------------------------------------------


def test_an_unreachable_database_answers_503_at_every_kind_of_endpoint(
    rt: Runtime, acme: TenantFixture, relay: Relay, clock: FakeClock
) -> None:
    relay.cut()
    down = _runtime_through(relay, rt, clock)  # a fresh process: nothing cached
    install_runtime(down)
    try:
        client = TestClient(build_app())
        bearer = {"Authorization": "Bearer some-token"}
        started = time.monotonic()
        token = client.post(
            "/t/acme/token",
            data={"grant_type": "refresh_token", "refresh_token": "some-refresh-token"},
            headers=basic("web", WEB_SECRET),
        )
        userinfo = client.get("/t/acme/userinfo", headers=bearer)
        admin = client.get("/api/v1/orgs", headers=bearer)
        page = Browser(client).authorize(new_authorization())
        ready = client.get("/health/ready")
        elapsed = time.monotonic() - started
    finally:
        install_runtime(rt)
        down.engine.dispose()

    for response in (token, userinfo, admin):
        assert_unavailable_json(response)
    assert_unavailable_page(page)
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": {"database": "down"}}
    assert elapsed < 10  # refused at once, not held until a timeout


def test_service_resumes_by_itself_when_the_database_returns(
    relayed: Runtime, acme: TenantFixture, relay: Relay, clock: FakeClock
) -> None:
    client = TestClient(build_app())
    tokens = _signed_in_tokens(client, acme)
    assert client.get("/health/ready").status_code == 200

    relay.cut()
    clock.advance(10)  # past the security TTL: the tenant and client are looked up again
    assert client.get("/health/ready").status_code == 503
    assert_unavailable_json(_refresh(client, tokens["refresh_token"]))
    assert_unavailable_json(_userinfo(client, tokens["access_token"]))
    assert_unavailable_page(Browser(client).authorize(new_authorization()))

    relay.restore()
    ready = client.get("/health/ready")
    assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok"})
    # The refresh that failed left its token unrotated: the client repeats it.
    assert _refresh_ok(client, tokens)
    assert _userinfo(client, tokens["access_token"]).status_code == 200
    assert Browser(client).authorize(new_authorization()).status_code == 302


def test_a_connection_lost_mid_transaction_is_503_and_not_committed(
    relayed: Runtime, acme: TenantFixture, relay: Relay
) -> None:
    """The relay cut between two statements of one write transaction: as a failover looks
    to the application. The first statement's change is not there afterwards."""
    client = TestClient(build_app())
    auth = new_authorization()
    code = authorize_code(Browser(client), acme, auth)

    def cut_before_refresh_token(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO refresh_tokens"):
            relay.cut()

    event.listen(relayed.engine, "before_cursor_execute", cut_before_refresh_token)
    try:
        interrupted = _exchange(client, code, auth.verifier)
    finally:
        event.remove(relayed.engine, "before_cursor_execute", cut_before_refresh_token)
    relay.restore()

    assert_unavailable_json(interrupted)
    repeated = _exchange(client, code, auth.verifier)
    assert repeated.status_code == 200, repeated.text
