"""Cold start of each Lambda function, measured the way Lambda pays it: a fresh interpreter
imports ``functions.<flow>.app`` (the init phase) and answers its first API Gateway event.

Each sample is a new ``python -c`` process against a prepared SQLite database in a temporary
directory, so nothing is shared between samples except the file system cache and bytecode.
Target (issue "Serverless deployment"): the first event answered within 400 ms of the start
of the import.

    python loadtests/cold_start.py                 # 5 samples per function
    python loadtests/cold_start.py --repeat 9 --importtime 15
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "tests" / "events"
TARGET_MS = 400.0

# flow -> (event file, placeholder values, expected status of the first answer)
FIRST_EVENTS: dict[str, tuple[str, dict[str, str], int]] = {
    "token": ("discovery_get", {}, 200),
    "authorize": (
        "authorize_get",
        {"CODE_CHALLENGE": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
        302,
    ),
    "device": ("device_authorization_post", {}, 200),
}

CHILD = """
import json, sys, time
event = json.loads(sys.stdin.read())
t0, c0 = time.perf_counter(), time.process_time()
import functions.{flow}.app as function
t1, c1 = time.perf_counter(), time.process_time()
first = function.handler(json.loads(json.dumps(event)), None)
t2, c2 = time.perf_counter(), time.process_time()
second = function.handler(event, None)
t3 = time.perf_counter()
sys.__stdout__.write("\\nRESULT " + json.dumps({{
    "import_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000, "second_ms": (t3 - t2) * 1000,
    "import_cpu_ms": (c1 - c0) * 1000, "first_cpu_ms": (c2 - c1) * 1000,
    "status": first["statusCode"], "second_status": second["statusCode"],
}}) + "\\n")
"""


def load_event(name: str, values: dict[str, str]) -> str:
    text = (EVENTS / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def child_env(directory: Path) -> dict[str, str]:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDGATE_")}
    env.update(
        IDGATE_DATABASE_URL=f"sqlite:///{directory / 'idgate.db'}",
        IDGATE_PUBLIC_URL="http://127.0.0.1:8000",
        IDGATE_MASTER_KEY=key,
        IDGATE_MASTER_KEY_FILE=str(directory / "master.key"),
        PYTHONPATH=str(REPO),
    )
    return env


PREPARE = """
from idgate.control.applications import create_application
from idgate.control.organizations import provision_organization
from idgate.control.rbac import LOCAL_OPERATOR as op
from idgate.process import current_runtime
from idgate.storage.migrations import prepare_database
from idgate.storage.tenant_scope import ALL_TENANTS, set_scope
set_scope(ALL_TENANTS)
rt = current_runtime()
prepare_database(rt)
provision_organization(rt, op, slug="acme", name="Acme Inc", tier="enterprise")
common = dict(post_logout_redirect_uris=[], name=None)
create_application(rt, op, "acme", client_id="web", client_type="confidential",
    secret="web-client-secret-0123456789-abcdefghij",
    redirect_uris=["https://app.example.com/callback"],
    grants=["authorization_code", "refresh_token"], **common)
create_application(rt, op, "acme", client_id="tv", client_type="public", secret=None,
    redirect_uris=[], grants=["device_code", "refresh_token"], **common)
rt.engine.dispose()
"""


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and provision in a child process, so this one imports nothing of idgate."""
    subprocess.run([sys.executable, "-c", PREPARE], env=env, cwd=REPO, check=True)


def sample(flow: str, env: dict[str, str]) -> dict[str, float]:
    name, values, expected = FIRST_EVENTS[flow]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(flow=flow)],
        input=load_event(name, values),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{flow}: child failed\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    if result["status"] != expected:
        raise SystemExit(f"{flow}: first event answered {result['status']}, not {expected}")
    return {**result, "wall_ms": wall_ms}


def import_profile(flow: str, env: dict[str, str], top: int) -> list[tuple[float, str]]:
    """The ``top`` heaviest top-level imports (cumulative ms) under ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import functions.{flow}.app"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[float, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # two spaces per nesting level
        if depth <= 1:
            rows.append((int(cumulative) / 1000, name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per function")
    parser.add_argument(
        "--importtime",
        type=int,
        default=0,
        metavar="N",
        help="also show the N heaviest imports of each function",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="idgate-cold-") as tmp:
        env = child_env(Path(tmp))
        prepare_database(env)
        samples = {flow: [sample(flow, env) for _ in range(args.repeat)] for flow in FIRST_EVENTS}
        print_table(samples, args.repeat)
        if args.importtime:
            for flow in FIRST_EVENTS:
                print(f"\nheaviest imports of functions.{flow}.app (cumulative ms):")
                for ms, name in import_profile(flow, env, args.importtime):
                    print(f"  {ms:8.1f}  {name}")


COLUMNS = [
    ("import", "import_ms"),
    ("first event", "first_ms"),
    ("import+first", "cold_ms"),
    ("import CPU", "import_cpu_ms"),
    ("first CPU", "first_cpu_ms"),
    ("import+1st CPU", "cold_cpu_ms"),
    ("2nd event", "second_ms"),
    ("process", "wall_ms"),
]


def print_table(samples: dict[str, list[dict[str, float]]], repeat: int) -> None:
    print(f"milliseconds, median / min of {repeat} fresh processes per function\n")
    header = f"{'function':<10}" + "".join(f" {title:>15}" for title, _ in COLUMNS)
    print(header)
    print("-" * len(header))
    for flow, runs in samples.items():
        for run in runs:
            run["cold_ms"] = run["import_ms"] + run["first_ms"]
            run["cold_cpu_ms"] = run["import_cpu_ms"] + run["first_cpu_ms"]
        cells = []
        for _, key in COLUMNS:
            values = [run[key] for run in runs]
            cells.append(f"{statistics.median(values):6.0f} / {min(values):6.0f}")
        print(f"{flow:<10}" + "".join(f" {cell:>15}" for cell in cells))
    print()
    for flow, runs in samples.items():
        cold = statistics.median(run["cold_ms"] for run in runs)
        cpu = statistics.median(run["cold_cpu_ms"] for run in runs)
        verdict = "ok" if cold < TARGET_MS else "OVER TARGET"
        print(
            f"{flow}: import + first event {cold:.0f} ms wall, {cpu:.0f} ms CPU "
            f"(target {TARGET_MS:.0f} ms): {verdict}"
        )
    print(
        "\nWall time includes waiting for a CPU: on a busy machine, read the CPU columns"
        f" (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)."
    )


if __name__ == "__main__":
    main()
