"""One bounded wrk run, pinned to GENERATOR_CPU, and its result as numbers.

The Lua scripts (wrk/*.lua) print one ``LOADTEST_RESULT {json}`` line from wrk's done()
hook: requests, latency percentiles and the counts of unexpected answers they saw.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from loadtests.common import GENERATOR_CPU, WRK_DIR, cpu_seconds

MARKER = "LOADTEST_RESULT "


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bad: int  # unexpected status or body, counted by the Lua script
    starved: int  # requests sent without a pool entry
    iterations: int  # completed multi-request iterations (auth-code)
    socket_errors: int  # connect, read, write errors and timeouts (wrk's own counts)
    generator_cpu: float  # wrk's CPU use, in cores (1.0 = its core was saturated)
    server_cpu: float  # the served process's CPU use, in cores
    offered_rate: float | None  # the paced rate asked for, None for a closed-loop run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def iteration_rate(self) -> float:
        return self.iterations / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.bad + self.starved + self.socket_errors


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    *,
    url: str,
    script: str,
    config: dict[str, str],
    config_path: Path,
    seconds: float,
    connections: int,
    threads: int,
    server_pid: int,
    rate: float | None = None,
) -> WrkResult:
    """Run wrk for ``seconds`` (closed loop, or paced at ``rate`` requests/s in total)."""
    settings = {**config, "threads": str(threads)}
    if rate:
        settings["rate"] = f"{rate:.1f}"
    config_path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    command = [
        "taskset",
        "-c",
        GENERATOR_CPU,
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(WRK_DIR / script),
        url,
        "--",
        str(config_path),
    ]
    generator_before, server_before = _children_cpu(), cpu_seconds(server_pid)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    generator = _children_cpu() - generator_before
    server = cpu_seconds(server_pid) - server_before
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    raw = json.loads(line[len(MARKER) :])
    elapsed = raw["duration_us"] / 1e6
    return WrkResult(
        requests=raw["requests"],
        seconds=elapsed,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        bad=raw["bad"],
        starved=raw["starved"],
        iterations=raw["iterations"],
        socket_errors=sum(
            raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        generator_cpu=generator / elapsed,
        server_cpu=server / elapsed,
        offered_rate=rate,
    )


@dataclass(frozen=True)
class Summary:
    """The repeats of one measurement: medians of rate and latency, total errors."""

    runs: tuple[WrkResult, ...]

    @property
    def rate(self) -> float:
        return statistics.median(r.rate for r in self.runs)

    @property
    def iteration_rate(self) -> float:
        return statistics.median(r.iteration_rate for r in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def generator_cpu(self) -> float:
        return max(r.generator_cpu for r in self.runs)

    @property
    def server_cpu(self) -> float:
        return statistics.median(r.server_cpu for r in self.runs)
