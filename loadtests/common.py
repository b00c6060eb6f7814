"""What every part of the harness agrees on: the bench tenant, its clients and users, the
cores the servers and the load generator are pinned to, and small process helpers."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WRK_DIR = HERE / "wrk"
PEER_DIR = HERE / "peer"

SERVER_CPU = "0"  # every server under test: one core, the same budget for idgate and the peer
GENERATOR_CPU = "1"  # wrk (all its threads) and the Python drivers

TENANT = "bench"
REDIRECT_URI = "https://rp.example/cb"
USER_PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account on loopback
USER_EMAILS = tuple(f"user{i}@bench.example" for i in range(4))
CODE_SCOPE = "openid profile email"  # the auth-code scenario: no refresh token, on both sides
OFFLINE_SCOPE = "openid profile email offline_access"  # seeds the refresh-token pools


@dataclass(frozen=True)
class BenchClient:
    client_id: str
    secret: str
    grants: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()

    @property
    def basic(self) -> str:
        """The Authorization header value for client_secret_basic (RFC 6749 §2.3.1)."""
        import base64

        raw = f"{self.client_id}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


CC_CLIENT = BenchClient(
    "bench-service", "s" * 8 + "-service-secret-0123456789abcdef", ("client_credentials",)
)
RS_CLIENT = BenchClient(
    "bench-api", "r" * 8 + "-api-secret-0123456789abcdef0123", ("client_credentials",)
)
WEB_CLIENT = BenchClient(
    "bench-web",
    "w" * 8 + "-web-secret-0123456789abcdef0123",
    ("authorization_code", "refresh_token"),
    (REDIRECT_URI,),
)
CLIENTS = (CC_CLIENT, RS_CLIENT, WEB_CLIENT)


def peer_environment() -> dict[str, str]:
    """The BENCH_* variables peer/server.mjs reads: the same clients and users."""
    return {
        "BENCH_USER_EMAILS": ",".join(USER_EMAILS),
        "BENCH_USER_PASSWORD": USER_PASSWORD,
        "BENCH_REDIRECT_URI": REDIRECT_URI,
        "BENCH_CC_CLIENT_ID": CC_CLIENT.client_id,
        "BENCH_CC_CLIENT_SECRET": CC_CLIENT.secret,
        "BENCH_RS_CLIENT_ID": RS_CLIENT.client_id,
        "BENCH_RS_CLIENT_SECRET": RS_CLIENT.secret,
        "BENCH_WEB_CLIENT_ID": WEB_CLIENT.client_id,
        "BENCH_WEB_CLIENT_SECRET": WEB_CLIENT.secret,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s ({last})")


def rss_kib(pid: int) -> int:
    """VmRSS of one process, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a whole process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled_rss_kib(pid: int, *, quiet_seconds: float = 1.0, limit_seconds: float = 15.0) -> int:
    """VmRSS once the process has used no CPU for ``quiet_seconds`` (at most
    ``limit_seconds``): requests still in flight when wrk stops (a password login holds
    64 MiB of Argon2id memory for its duration) are not counted as memory kept."""
    deadline = time.monotonic() + limit_seconds
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet_seconds)
        now = cpu_seconds(pid)
        if now - before < 0.02:
            break
        before = now
    return rss_kib(pid)


def listening_pid(port: int, candidates: list[int]) -> int:
    """Which of ``candidates`` (a launcher and its descendants) owns the listening socket:
    a console-script wrapper or a supervisor may not be the process that serves."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":
                inodes.add(cols[9])
    for pid in candidates:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    raise RuntimeError(f"none of {candidates} listens on port {port}")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found = [pid]
    for current in found:
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                found.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found
