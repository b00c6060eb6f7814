"""Bounded storage under anonymous traffic (issue 17, data lifecycle):
python loadtests/anonymous_storage.py [--rate 1000] [--seconds 60] [--database sqlite,postgres]

Starts ``idgate serve`` on a fresh database (pinned to core 0, provisioned as run.py does)
and sends it anonymous GETs at a fixed rate with wrk on core 1 (wrk/anonymous.lua: valid
authorize requests with PKCE, the device page, unknown clients and bad requests), counting
the rows of every table the purge covers every few seconds. An interaction lives 600 s, so
a short run cannot wait for expiry; instead it shows (1) rows created per request, (2) the
steady-state size that implies, rate x (lifetime + purge interval), (3) that the purge
keeps up: ``purge_expired`` run in-process with the clock moved past the lifetime, timed
and checked to leave no row of the load behind, and one timed pass over a table at its
steady-state size (rate x interval expired rows beside rate x lifetime live ones).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `loadtests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor, wait  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import Table, func, insert, select  # noqa: E402

from idgate.identity.interactions import INTERACTION_LIFETIME  # noqa: E402
from idgate.kernel.runtime import Runtime  # noqa: E402
from idgate.kernel.settings import Settings  # noqa: E402
from idgate.oauth import retention  # noqa: E402
from idgate.process import build_runtime  # noqa: E402
from idgate.storage import database  # noqa: E402
from idgate.storage.tables import clients, interactions  # noqa: E402
from idgate.storage.tenant_scope import ALL_TENANTS, scoped  # noqa: E402
from loadtests.browser import authorize_query  # noqa: E402
from loadtests.common import CODE_SCOPE, GENERATOR_CPU, HERE, TENANT, WEB_CLIENT  # noqa: E402
from loadtests.report import LogFindings, scan_log  # noqa: E402
from loadtests.run import DEFAULT_PG, machine  # noqa: E402
from loadtests.servers import IdgateServer, postgres_unavailable  # noqa: E402
from loadtests.wrk_runner import WrkResult, run_wrk  # noqa: E402

# One cycle of request kinds per wrk thread: 15 of 20 create an interaction.
SLOTS: tuple[str, ...] = ("valid",) * 10 + ("device",) * 5 + ("unknown_client",) * 2
SLOTS += ("bad_redirect", "no_pkce", "unknown_tenant")
# Every table the purge names (refresh tokens go by cascade), but ``clients``: it only reads it.
TABLES = [t for t in vars(retention).values() if isinstance(t, Table) and t is not clients]
MARKERS = ("<!-- anonymous:start -->", "<!-- anonymous:end -->")


class ShiftedClock:
    """The real time plus ``offset``: the purge sees the rows as they will be later."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Outcome:
    name: str
    skipped: str = ""
    load: WrkResult | None = None
    per_request: dict[str, float] = field(default_factory=dict)  # rows per request, by table
    left: dict[str, int] = field(default_factory=dict)  # above the baseline after the purge
    purge: tuple[int, float] = (0, 0.0)  # rows deleted, seconds
    steady: tuple[int, int, float, int] = (0, 0, 0.0, 0)  # expired, live, seconds, left over
    log: LogFindings = field(default_factory=LogFindings)


def paths(server: IdgateServer) -> dict[str, str]:
    """The path of each request kind (anonymous.lua appends a state or a user code)."""
    assert server.endpoints
    query = authorize_query(CODE_SCOPE).replace("&state=bench-state", "")
    valid = f"{server.endpoints.authorization}?{query}"  # PKCE S256, registered redirect URI
    return {
        "valid": valid,
        "device": f"/t/{TENANT}/device?user_code=",
        "unknown_client": valid.replace(WEB_CLIENT.client_id, "no-such-client"),
        "bad_redirect": valid.replace("rp.example", "attacker.example"),
        "no_pkce": valid.split("&code_challenge=")[0],
        "unknown_tenant": valid.replace(f"/t/{TENANT}/", "/t/no-such-tenant/"),
    }


def counts(rt: Runtime) -> dict[str, int]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES
        }


def load(server: IdgateServer, rt: Runtime, args: argparse.Namespace) -> WrkResult:
    config = {"slots": ",".join(SLOTS), **{f"path_{k}": v for k, v in paths(server).items()}}
    before = counts(rt)
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(
            run_wrk,
            url=server.base_url,
            script="anonymous.lua",
            config=config,
            config_path=server.workdir / "anonymous.conf",
            seconds=args.seconds,
            connections=args.connections,
            threads=args.threads,
            server_pid=server.pid,
            rate=args.rate,
        )
        start = time.monotonic()
        while not run.done():
            wait([run], timeout=args.sample_every)
            now = counts(rt)
            grown = ", ".join(f"{k} +{now[k] - before[k]:,}" for k in now if now[k] != before[k])
            print(f"    {time.monotonic() - start:5.1f} s  {grown or 'no new rows'}", flush=True)
        return run.result()


def fill(rt: Runtime, template: dict[str, Any], now: float, expired: int, live: int) -> None:
    """``expired`` interactions past their lifetime at ``now`` (spread over one purge
    interval) and ``live`` ones within it, copies of a real row of the load."""
    interval = expired / live * INTERACTION_LIFETIME
    ends = [now - interval * (i + 1) / expired for i in range(expired)]
    ends += [now + INTERACTION_LIFETIME * (i + 1) / live for i in range(live)]
    for first in range(0, len(ends), 10_000):
        batch = ends[first : first + 10_000]
        rows = [{**template, "digest": secrets.token_hex(32), "expires_at": e} for e in batch]
        with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
            conn.execute(insert(interactions), rows)


def timed_purge(rt: Runtime) -> tuple[int, float]:
    start = time.perf_counter()
    deleted = retention.purge_expired(rt)
    return sum(deleted.values()), time.perf_counter() - start


def measure(server: IdgateServer, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(server.name)
    server.workdir.mkdir(parents=True, exist_ok=True)
    print(f"\n== {server.name}: preparing", flush=True)
    server.prepare()
    url = server.database_url.replace("./", f"{server.workdir}/", 1)
    key_file = server.workdir / ".idgate" / "master.key"
    settings = Settings(database_url=url, public_url=server.base_url, master_key_file=key_file)
    clock = ShiftedClock()
    rt = build_runtime(settings, clock=clock)
    server.start()
    try:
        baseline = counts(rt)
        print(f"   serving pid {server.pid}; {args.rate:,.0f} req/s for {args.seconds:g} s")
        outcome.load = load(server, rt, args)
        time.sleep(1.0)  # answers still in flight when wrk stopped
        after = counts(rt)
    finally:
        server.stop()
    outcome.log = scan_log(server.log_path)
    requests = max(outcome.load.requests, 1)
    outcome.per_request = {k: (after[k] - baseline[k]) / requests for k in after}
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:  # a real row, for fill()
        template = dict(conn.execute(select(interactions).limit(1)).mappings().one())
    clock.offset = INTERACTION_LIFETIME + 1  # every row of the load is past its lifetime
    outcome.purge = timed_purge(rt)
    outcome.left = {k: v - baseline[k] for k, v in counts(rt).items() if v > baseline[k]}
    clock.offset = 0.0
    if args.steady_rate > 0:
        expired = round(args.steady_rate * args.interval)
        live = round(args.steady_rate * INTERACTION_LIFETIME)
        print(f"   steady state: {expired:,} expired + {live:,} live interactions", flush=True)
        now = time.time()
        fill(rt, template, now, expired, live)
        print(f"   filled in {time.time() - now:.0f} s; one purge pass", flush=True)
        clock.offset = now - time.time()  # the pass sees the table as it was filled
        deleted, seconds = timed_purge(rt)
        clock.offset = 0.0
        with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
            stale = select(func.count()).where(interactions.c.expires_at <= now)
            outcome.steady = (deleted, expired + live, seconds, conn.execute(stale).scalar_one())
    rt.engine.dispose()
    return outcome


def column(o: Outcome, args: argparse.Namespace) -> dict[str, str]:
    """One database's figures, by row label."""
    if o.load is None:
        return {}
    r, rate, interval = o.load, args.rate, args.interval
    cells = {
        "offered / achieved req/s": f"{rate:,.0f} / {r.rate:,.0f}",
        "p50 / p99 ms": f"{r.p50_ms:.1f} / {r.p99_ms:.1f}",
        "errors": f"{r.errors} of {r.requests:,}",
        "cpu: server / wrk (cores)": f"{r.server_cpu:.2f} / {r.generator_cpu:.2f}",
        "server CPU per request": f"{r.server_cpu / max(r.rate, 1e-9) * 1e6:,.0f} us",
    }
    grown = {k: v for k, v in o.per_request.items() if v > 0}
    for name, per in grown.items():
        cells[f"rows per request: {name}"] = f"{per:.3f}"
    cells["tables without a new row"] = f"{len(TABLES) - len(grown)} of {len(TABLES)}"
    for name, per in grown.items():
        steady = per * rate * (INTERACTION_LIFETIME + interval)
        cells[f"steady state {name} at {rate:,.0f}/s"] = f"{steady:,.0f} rows"
    left = ", ".join(f"{k} {v:,}" for k, v in o.left.items()) or "0"
    cells[f"rows of the load left after a purge at +{INTERACTION_LIFETIME + 1} s"] = left
    deleted, seconds = o.purge
    speed = deleted / max(seconds, 1e-9)
    inserts = sum(grown.values()) * rate  # at the offered rate, not the achieved one
    cells["purge after the load"] = f"{deleted:,} rows in {seconds:.2f} s = {speed:,.0f} rows/s"
    cells[f"  vs the insert rate at {rate:,.0f} req/s"] = (
        f"{speed / max(inserts, 1e-9):,.0f}x ({inserts:,.0f} rows/s)"
    )
    if o.steady[1]:
        deleted, total, seconds, left_over = o.steady
        cells["purge pass at steady-state size"] = f"{seconds:.1f} s, {deleted:,} of {total:,} rows"
        cells["  rows/s"] = f"{deleted / max(seconds, 1e-9):,.0f}"
        cells["  share of the purge interval"] = (
            f"{seconds / max(interval, 1):.1%} of {interval:g} s"
        )
        cells["  expired rows left after it"] = f"{left_over:,}"
    return cells


def table(outcomes: list[Outcome], args: argparse.Namespace) -> str:
    columns = [column(o, args) for o in outcomes]
    labels = list(dict.fromkeys(label for c in columns for label in c))
    header = ["figure", *(o.name for o in outcomes)]
    rows = [[label, *(c.get(label, "n/a") for c in columns)] for label in labels]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(r) for r in rows])


def notes(outcomes: list[Outcome], args: argparse.Namespace) -> list[str]:
    info = machine()
    kinds = ", ".join(f"{k} {SLOTS.count(k)}" for k in dict.fromkeys(SLOTS))
    lines = [
        f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}; shared with "
        f"other work (noisy), load average at start {info['load_average_at_start']}",
        f"{args.seconds:g} s of wrk -t{args.threads} -c{args.connections} on core "
        f"{GENERATOR_CPU}, paced by wrk/common.lua (open loop, no coordinated-omission "
        "correction); the server on core 0; row counts and purges in this process, core 1",
        f"each 20 requests: {kinds}; valid and device create an interaction (302 to the "
        "login page), the others are answered 400/404 or by an error redirect",
        f"steady state = rows per request x rate x (interaction lifetime "
        f"{INTERACTION_LIFETIME} s + purge interval {args.interval:g} s)",
        f"purge after the load: retention.purge_expired, clock +{INTERACTION_LIFETIME + 1} s, "
        f"server stopped; steady-state pass: {args.steady_rate:,.0f} interaction-creating "
        f"requests/s, so rate x {args.interval:g} s expired rows beside rate x "
        f"{INTERACTION_LIFETIME} s live ones, one purge_expired pass",
    ]
    lines += [f"server log, {o.name}: {o.log.describe()}" for o in outcomes if o.load]
    lines += [f"{o.name}: skipped ({o.skipped})" for o in outcomes if o.skipped]
    return lines


def update_readme(text: str) -> None:
    readme_path = HERE / "README.md"
    readme, (start, end) = readme_path.read_text(), MARKERS
    if start not in readme or end not in readme:
        print("README.md has no anonymous-traffic markers; not updated")
        return
    head, rest = readme.split(start, 1)
    readme_path.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rate", type=float, default=1000.0, help="anonymous requests per second")
    p.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    p.add_argument("--database", default="sqlite,postgres", help="sqlite, postgres or both (a,b)")
    p.add_argument("--postgres-url", default=os.environ.get("LOADTESTS_POSTGRES_URL", DEFAULT_PG))
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sample-every", type=float, default=5.0, help="seconds between row counts")
    interval = Settings().purge_interval_seconds
    p.add_argument("--interval", type=float, default=interval, help="purge interval, seconds")
    p.add_argument("--steady-rate", type=float, help="default --rate; 0: skip")
    p.add_argument("--workdir", type=Path, help="scratch directory (default: a new temp dir)")
    p.add_argument("--update-readme", action="store_true", help="write the figures into README.md")
    args = p.parse_args(argv)
    if args.steady_rate is None:
        args.steady_rate = args.rate
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:  # as run.py does
        print("installing wrk (apt-get) ...", flush=True)
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(step, check=True, timeout=600)
    os.sched_setaffinity(0, {int(GENERATOR_CPU)})  # the server's core stays its own
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="idgate-anonymous-"))
    print(f"scratch directory: {workdir}")
    env = {"IDGATE_PURGE_INTERVAL_SECONDS": f"{args.interval:g}"}
    outcomes: list[Outcome] = []
    for name in (d.strip() for d in args.database.split(",") if d.strip()):
        if name == "sqlite":
            server = IdgateServer("idgate-sqlite", workdir / name, extra_env=env)
        elif name == "postgres":
            why = postgres_unavailable(args.postgres_url)
            if why:
                print(f"\n== idgate-postgres: skipped ({why})")
                outcomes.append(Outcome("idgate-postgres", skipped=why))
                continue
            server = IdgateServer("idgate-postgres", workdir / name, database_url=args.postgres_url)
            server.extra_env = env
        else:
            raise SystemExit(f"error: unknown database {name} (sqlite, postgres)")
        outcomes.append(measure(server, args))
    text = table(outcomes, args) + "\n\n" + "\n".join(f"- {n}" for n in notes(outcomes, args))
    print("\n" + text)
    if args.update_readme:
        update_readme(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
