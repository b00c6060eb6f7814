"""Serve an ASGI app with uvicorn in a background thread on 127.0.0.1 and a free port.

The socket is bound here (port 0) before uvicorn starts, so the port is known at once and
no other process can take it between choosing and listening."""

from __future__ import annotations

import socket
import threading
import time
from typing import Self

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 10.0


class BackgroundServer:
    """One uvicorn server in a daemon thread; ``stop()`` shuts it down gracefully."""

    def __init__(self, app: ASGIApp) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"standin-{self.port}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the stand-in server on port {self.port} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()


class ServedStandIn:
    """The lifecycle every stand-in shares: ``start()`` serves ``_asgi()`` on a fresh port,
    ``stop()`` ends it. Subclasses are dataclasses with a ``_server`` field."""

    _server: BackgroundServer | None

    @classmethod
    def start(cls) -> Self:
        standin = cls()
        standin._server = BackgroundServer(standin._asgi())
        standin._server.start()
        return standin

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, f"call {type(self).__name__}.start()"
        return self._server.base_url

    def _asgi(self) -> ASGIApp:
        raise NotImplementedError
