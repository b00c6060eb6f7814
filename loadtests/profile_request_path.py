"""Where a token request's time goes, without the network: the composed ASGI app is called
in-process for client_credentials and discovery, timed, then profiled with cProfile.

    python loadtests/profile_request_path.py [--log-level WARNING] [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from idgate.control.applications import create_application
from idgate.control.organizations import provision_organization
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.settings import Settings
from idgate.observability.logging import configure_logging
from idgate.process import build_runtime, install_runtime
from idgate.storage.migrations import prepare_database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app

SECRET = "s" * 40
BODY = b"grant_type=client_credentials"


def _scope(path: str, method: str) -> dict[str, Any]:
    auth = b"Basic " + base64.b64encode(f"svc:{SECRET}".encode())
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"authorization", auth),
            (b"content-length", str(len(BODY)).encode()),
        ],
    }


async def _call(app: Any, path: str, method: str) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    await app(_scope(path, method), receive, send)


async def _microseconds(app: Any, path: str, method: str, n: int) -> float:
    for _ in range(200):
        await _call(app, path, method)
    started = time.perf_counter()
    for _ in range(n):
        await _call(app, path, method)
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="idgate-profile-"))
    rt = build_runtime(
        Settings(
            database_url=f"sqlite:///{workdir / 'idgate.db'}",
            public_url="http://bench",
            master_key_file=workdir / "master.key",
        )
    )
    install_runtime(rt)
    configure_logging(args.log_level)
    with scoped(ALL_TENANTS):
        prepare_database(rt)
        provision_organization(rt, LOCAL_OPERATOR, slug="t", name=None, tier="enterprise")
        create_application(
            rt,
            LOCAL_OPERATOR,
            "t",
            client_id="svc",
            name=None,
            client_type="confidential",
            secret=SECRET,
            redirect_uris=[],
            post_logout_redirect_uris=[],
            grants=["client_credentials"],
        )
    app = build_app()
    loop = asyncio.new_event_loop()
    profile = cProfile.Profile()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        token = loop.run_until_complete(_microseconds(app, "/t/t/token", "POST", args.requests))
        discovery = loop.run_until_complete(
            _microseconds(app, "/t/t/.well-known/openid-configuration", "GET", args.requests)
        )
        profile.enable()
        loop.run_until_complete(_microseconds(app, "/t/t/token", "POST", args.requests))
        profile.disable()
    print(
        f"client_credentials {token:.0f} us/request, discovery {discovery:.0f} us/request "
        f"(in-process, log level {args.log_level})"
    )
    pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
