"""One command for the whole benchmark: python loadtests/run.py [--seconds 10 --repeats 3]

Installs what it needs (wrk from apt, the peer from npm), then for each target in turn
(idgate on SQLite, idgate on PostgreSQL, the peer) starts a fresh server pinned to core 0,
runs every scenario with wrk pinned to core 1 (warm-up, then fixed-duration repeats), reads
the server's memory, stops it, and prints one side-by-side table.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `loadtests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from loadtests.common import (  # noqa: E402
    GENERATOR_CPU,
    HERE,
    SERVER_CPU,
    rss_kib,
    settled_rss_kib,
)
from loadtests.mix_profile import Assumptions  # noqa: E402
from loadtests.report import (  # noqa: E402
    TARGETS,
    ScenarioOutcome,
    TargetOutcome,
    markdown,
    scan_log,
    sustainable,
    table_rows,
    to_json,
)
from loadtests.scenarios import SCENARIOS, Options, Scenario, Target  # noqa: E402
from loadtests.servers import (  # noqa: E402
    IdgateServer,
    PeerServer,
    Server,
    install_peer,
    postgres_unavailable,
)
from loadtests.wrk_runner import Summary, WrkResult, run_wrk  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://idgate:idgate@127.0.0.1:5432/idgate_bench"
README = HERE / "README.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="length of each measured run")
    p.add_argument("--repeats", type=int, default=3, help="measured runs per scenario (median)")
    p.add_argument("--warmup", type=float, default=5.0, help="unmeasured run before the repeats")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="wrk threads, all on the generator core")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    p.add_argument("--targets", default=",".join(TARGETS), help="comma-separated subset")
    p.add_argument("--postgres-url", default=os.environ.get("LOADTESTS_POSTGRES_URL", DEFAULT_PG))
    p.add_argument("--mix-slo-ms", type=float, default=250.0, help="p99 bound of 'sustainable'")
    p.add_argument("--workdir", type=Path, help="scratch directory (default: a new temp dir)")
    p.add_argument("--json", type=Path, help="also write every number to this file")
    p.add_argument("--update-readme", action="store_true", help="write the table into README.md")
    p.add_argument("--reinstall-peer", action="store_true", help="npm-install the peer again")
    p.add_argument(
        "--idgate-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for idgate serve (repeatable), e.g. IDGATE_LOG_LEVEL=WARNING",
    )
    return p.parse_args(argv)


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get) ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=600)
    for tool in ("taskset", "node", "npm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"error: {tool} is required")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("error: two cores are needed (server on core 0, wrk on core 1)")


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": Path("/proc/loadavg").read_text().split(" ", 3)[0],
    }


def measure(target: Target, scenario: Scenario, opts: Options) -> ScenarioOutcome:
    server = target.server
    connections = scenario.connections or opts.connections
    threads = scenario.threads or opts.threads

    def once(seconds: float, rate: float | None = None) -> WrkResult:
        config = scenario.build(target, opts)
        result = run_wrk(
            url=server.base_url,
            script=scenario.script,
            config=config,
            config_path=target.workdir / f"{scenario.key}.conf",
            seconds=seconds,
            connections=connections,
            threads=threads,
            server_pid=server.pid,
            rate=rate,
        )
        print(f"    {_line(result, scenario.unit)}", flush=True)
        return result

    outcome = ScenarioOutcome()
    floor_samples: list[float] = []
    if scenario.key == "login":  # the floor, measured before and after: same conditions
        floor_samples += argon2_floor_samples(opts.floor_samples // 2)
    if opts.warmup > 0:
        once(opts.warmup)
    outcome.summary = Summary(tuple(once(opts.seconds) for _ in range(opts.repeats)))
    maximum = outcome.summary.rate
    if scenario.paced_check:
        outcome.paced = once(opts.seconds, rate=maximum * opts.paced_fraction)
    if scenario.key == "mix":
        outcome.steps = [once(opts.seconds, rate=maximum * f) for f in opts.mix_steps]
    if scenario.key == "login":
        floor_samples += argon2_floor_samples(opts.floor_samples - opts.floor_samples // 2)
        outcome.floor = {"p50_ms": statistics.median(floor_samples), "min_ms": min(floor_samples)}
        print(
            f"    Argon2id floor (argon2-cffi verify, core {SERVER_CPU}, {len(floor_samples)}"
            f" samples before and after): p50 {outcome.floor['p50_ms']:.1f} ms",
            flush=True,
        )
    return outcome


def _line(r: WrkResult, unit: str) -> str:
    rate = (
        f"{r.iteration_rate:,.0f} iter/s ({r.rate:,.0f} req/s)"
        if unit == "iter/s"
        else (f"{r.rate:,.0f} req/s")
    )
    paced = f" [paced at {r.offered_rate:,.0f}/s]" if r.offered_rate else ""
    return (
        f"{rate}{paced}  p50 {r.p50_ms:.2f} p90 {r.p90_ms:.2f} p99 {r.p99_ms:.2f} ms  "
        f"errors {r.errors} (bad {r.bad}, starved {r.starved}, socket {r.socket_errors})  "
        f"cpu: server {r.server_cpu:.2f}, wrk {r.generator_cpu:.2f}"
    )


def argon2_floor_samples(count: int) -> list[float]:
    """``count`` timings (ms) of one bare Argon2id verify, in a fresh process on the
    server's core."""
    done = subprocess.run(
        ["taskset", "-c", SERVER_CPU, sys.executable, str(HERE / "argon2_floor.py"), str(count)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return [float(x) for x in json.loads(done.stdout)["samples_ms"]]


def run_target(server: Server, scenarios: list[Scenario], opts: Options) -> TargetOutcome:
    outcome = TargetOutcome(server.name)
    server.workdir.mkdir(parents=True, exist_ok=True)
    print(f"\n== {server.name}: preparing", flush=True)
    server.prepare()
    server.start()
    try:
        time.sleep(1.0)
        outcome.rss_idle_kib = rss_kib(server.pid)
        print(
            f"   serving pid {server.pid} on {server.base_url}, idle RSS "
            f"{outcome.rss_idle_kib / 1024:.1f} MiB",
            flush=True,
        )
        target = Target(server, server.workdir)
        for scenario in scenarios:
            print(f"  -- {scenario.title}", flush=True)
            try:
                outcome.scenarios[scenario.key] = measure(target, scenario, opts)
            except Exception as exc:  # one failed scenario must not lose the others
                print(f"    FAILED: {exc}", flush=True)
                outcome.scenarios[scenario.key] = ScenarioOutcome(error=str(exc)[:500])
                if not server.alive():
                    print("    the server died; skipping the rest of this target", flush=True)
                    break
        if server.alive():
            outcome.rss_after_kib = settled_rss_kib(server.pid)
    finally:
        server.stop()
    outcome.log = scan_log(server.log_path)
    return outcome


def build_servers(args: argparse.Namespace, workdir: Path) -> list[Server | str]:
    extra = dict(item.split("=", 1) for item in args.idgate_env)
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    servers: list[Server | str] = []
    for name in wanted:
        if name == "idgate-sqlite":
            servers.append(IdgateServer(name, workdir / name, extra_env=extra))
        elif name == "idgate-postgres":
            why = postgres_unavailable(args.postgres_url)
            servers.append(
                why
                and f"{name}: {why}"
                or IdgateServer(
                    name, workdir / name, database_url=args.postgres_url, extra_env=extra
                )
            )
        elif name == "peer":
            servers.append(PeerServer(name, workdir / name))
        else:
            raise SystemExit(f"error: unknown target {name} (choose from {', '.join(TARGETS)})")
    return servers


def notes(opts: Options, versions: dict[str, str], info: dict[str, str]) -> list[str]:
    return [
        f"machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}, Python "
        f"{info['python']}; load average at start {info['load_average_at_start']}",
        f"peer: oidc-provider {versions['oidc-provider']} (argon2 {versions['argon2']}) on node "
        f"{versions['node']}, default in-memory adapter: the peer keeps every token, grant and "
        "session in process memory (lost on restart); idgate persists them in its database.",
        f"pinning: each server on core {SERVER_CPU} (one process, one core for idgate and the "
        f"peer alike); wrk -t{opts.threads} -c{opts.connections} on core {GENERATOR_CPU}. "
        "PostgreSQL itself is not pinned and shares both cores.",
        f"each figure: median of {opts.repeats} x {opts.seconds:g} s after a {opts.warmup:g} s "
        "warm-up; latency p50 / p99 from wrk --latency; errors = unexpected status or body "
        "(counted by the Lua scripts) + socket errors and timeouts.",
        "auth code: iterations/s, each = GET authorize (session cookie) + POST token; scope "
        "'openid profile email' on both sides (no refresh token).",
        "login: one connection; the floor is argon2-cffi PasswordHasher().verify, default "
        "parameters (t=3, m=64 MiB, p=4), timed in the same run on the server's core; the peer's "
        "login is an app-provided interaction using node argon2 with the same parameters.",
        *("mixed profile: " + line for line in Assumptions().describe()),
        f"mixed profile: closed-loop maximum, then paced runs at "
        f"{', '.join(f'{s:.0%}' for s in opts.mix_steps)} of it; sustainable = the highest that "
        f"kept up (>= 95% of offered), with no errors and p99 <= {opts.mix_slo_ms:g} ms.",
    ]


def findings(outcomes: dict[str, TargetOutcome], opts: Options) -> list[str]:
    """What the servers logged about failures, and the mixed profile's paced steps."""
    lines = [
        f"server log, {name}: {o.log.describe()}" for name, o in outcomes.items() if not o.skipped
    ]
    for name, o in outcomes.items():
        mix = o.scenarios.get("mix")
        if mix and mix.summary and mix.steps:
            steps = ", ".join(
                f"{r.offered_rate or 0:,.0f} -> {r.rate:,.0f} req/s p99 {r.p99_ms:.0f} ms"
                f" ({r.errors} errors)"
                for r in mix.steps
            )
            best = sustainable(mix, opts.mix_slo_ms)
            verdict = f"sustainable {best.rate:,.0f} req/s" if best else "none sustainable"
            lines.append(f"mixed profile steps, {name} (offered -> achieved): {steps}; {verdict}")
    for name, o in outcomes.items():
        if o.skipped:
            lines.append(f"{name}: skipped ({o.skipped})")
    return lines


def update_readme(text: str) -> None:
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    readme = README.read_text()
    if start not in readme or end not in readme:
        print("README.md has no results markers; not updated")
        return
    head, rest = readme.split(start, 1)
    README.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    opts = Options(
        seconds=args.seconds,
        repeats=args.repeats,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        mix_slo_ms=args.mix_slo_ms,
    )
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        raise SystemExit(
            f"error: unknown scenarios {sorted(unknown)}; choose from {list(SCENARIOS)}"
        )
    scenarios = [SCENARIOS[k] for k in SCENARIOS if k in args.scenarios.split(",")]
    ensure_tools()
    info = machine()
    if float(info["load_average_at_start"]) > 0.5:
        print(f"warning: load average {info['load_average_at_start']}: the machine is not quiet")
    versions = install_peer(reinstall=args.reinstall_peer)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="idgate-loadtests-"))
    print(f"scratch directory: {workdir}")
    outcomes: dict[str, TargetOutcome] = {}
    for server in build_servers(args, workdir):
        if isinstance(server, str):
            name, why = server.split(": ", 1)
            print(f"\n== {name}: skipped ({why})")
            outcomes[name] = TargetOutcome(name, skipped=why)
            continue
        outcomes[server.name] = run_target(server, scenarios, opts)
    table = markdown(table_rows(outcomes, opts.mix_slo_ms, opts.paced_fraction))
    lines = notes(opts, versions, info) + findings(outcomes, opts)
    print("\n" + table + "\n")
    print("\n".join(f"- {line}" for line in lines))
    for o in outcomes.values():
        if not o.log.clean and not o.log.only_client_disconnects:
            print(f"{o.name} log samples:" + "".join(f"\n    {x}" for x in o.log.samples))
    body = to_json(outcomes, {"machine": info, "peer": versions, "notes": lines})
    (workdir / "results.json").write_text(body)
    if args.json:
        args.json.write_text(body)
    if args.update_readme:
        update_readme(table + "\n\n" + "\n".join(f"- {line}" for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
