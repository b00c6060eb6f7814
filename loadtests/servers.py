"""The servers under test, each started on its own fresh state, pinned to SERVER_CPU:
idgate on SQLite, idgate on PostgreSQL (one ``idgate serve`` worker each), and the peer,
node's oidc-provider (installed from npm into peer/ on first use)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from loadtests.common import (
    CLIENTS,
    PEER_DIR,
    SERVER_CPU,
    TENANT,
    USER_EMAILS,
    USER_PASSWORD,
    descendants,
    free_port,
    listening_pid,
    peer_environment,
    wait_until_serving,
)


@dataclass(frozen=True)
class Endpoints:
    """Paths on the server, read from its discovery document."""

    discovery: str
    jwks: str
    token: str
    introspection: str
    userinfo: str
    authorization: str


def _path(url: str) -> str:
    return urlsplit(url).path


@dataclass
class Server:
    name: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    pid: int = 0  # the process that owns the listening socket
    endpoints: Endpoints | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def discovery_path(self) -> str:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Fresh state and provisioning, before the server starts."""

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["taskset", "-c", SERVER_CPU, *self.command()],
                cwd=self.workdir,
                env={**os.environ, **self.environment()},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends exactly it
            )
        discovery = self.base_url + self.discovery_path()
        wait_until_serving(discovery)
        self.pid = listening_pid(self.port, descendants(self.process.pid))
        meta = httpx.get(discovery, timeout=5).json()
        self.endpoints = Endpoints(
            discovery=self.discovery_path(),
            jwks=_path(meta["jwks_uri"]),
            token=_path(meta["token_endpoint"]),
            introspection=_path(meta["introspection_endpoint"]),
            userinfo=_path(meta["userinfo_endpoint"]),
            authorization=_path(meta["authorization_endpoint"]),
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class IdgateServer(Server):
    database_url: str = "sqlite:///./idgate.db"
    extra_env: dict[str, str] = field(default_factory=dict)

    def _idgate(self) -> str:
        beside = Path(sys.executable).with_name("idgate")
        found = str(beside) if beside.exists() else shutil.which("idgate")
        if not found:
            raise RuntimeError("the idgate command is not installed (pip install -e .)")
        return found

    def discovery_path(self) -> str:
        return f"/t/{TENANT}/.well-known/openid-configuration"

    def command(self) -> list[str]:
        return [self._idgate(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def environment(self) -> dict[str, str]:
        return {
            "IDGATE_DATABASE_URL": self.database_url,
            "IDGATE_PUBLIC_URL": self.base_url,
            **self.extra_env,
        }

    def _cli(self, *args: str) -> None:
        done = subprocess.run(
            [self._idgate(), *args],
            cwd=self.workdir,
            env={**os.environ, **self.environment()},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"idgate {' '.join(args[:2])} failed: {' | '.join(tail)}")

    def prepare(self) -> None:
        if self.database_url.startswith("postgresql"):
            reset_postgres(self.database_url)
        self._cli("tenant", "create", TENANT)
        for client in CLIENTS:
            args = ["client", "create", TENANT, "--client-id", client.client_id]
            args += ["--secret", client.secret]
            for uri in client.redirect_uris:
                args += ["--redirect-uri", uri]
            for grant in client.grants:
                args += ["--grant", grant]
            self._cli(*args)
        for email in USER_EMAILS:
            self._cli("user", "create", TENANT, "--email", email, "--password", USER_PASSWORD)


@dataclass
class PeerServer(Server):
    def discovery_path(self) -> str:
        return "/.well-known/openid-configuration"

    def command(self) -> list[str]:
        return ["node", str(PEER_DIR / "server.mjs"), str(self.port)]

    def environment(self) -> dict[str, str]:
        return {"NODE_ENV": "production", **peer_environment()}

    def prepare(self) -> None:
        install_peer(reinstall=False)


def install_peer(*, reinstall: bool) -> dict[str, str]:
    """npm-install the latest oidc-provider (and argon2) into peer/; return the versions."""
    modules = PEER_DIR / "node_modules"
    if reinstall and modules.exists():
        shutil.rmtree(modules)
    if not (modules / "oidc-provider").exists() or not (modules / "argon2").exists():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
            cwd=PEER_DIR,
            check=True,
            timeout=600,
        )
    versions = {}
    for package in ("oidc-provider", "argon2"):
        manifest = json.loads((modules / package / "package.json").read_text())
        versions[package] = str(manifest["version"])
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    versions["node"] = node.stdout.strip()
    return versions


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def reset_postgres(url: str) -> None:
    """An empty ``public`` schema in the bench database, creating the database if needed
    (as the postgres superuser via runuser, which needs root)."""
    import psycopg

    try:
        conn = psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
        parts = urlsplit(_libpq_url(url))
        database, owner = parts.path.lstrip("/"), parts.username
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-c",
                f'CREATE DATABASE "{database}" OWNER "{owner}"',
            ],
            cwd="/",  # readable by the postgres user
            check=True,
            capture_output=True,
            timeout=60,
        )
        conn = psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=5)
    with conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def postgres_unavailable(url: str) -> str | None:
    """Why PostgreSQL cannot be used (one line), or None when it can."""
    try:
        reset_postgres(url)
    except Exception as exc:  # any failure only drops the PostgreSQL column
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None
