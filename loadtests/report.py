"""The results of a run and the side-by-side table (scenario | idgate-sqlite |
idgate-postgres | peer | ratio vs peer), as aligned Markdown."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loadtests.mix_profile import Assumptions
from loadtests.scenarios import SCENARIOS
from loadtests.wrk_runner import Summary, WrkResult

TARGETS = ("idgate-sqlite", "idgate-postgres", "peer")


@dataclass
class ScenarioOutcome:
    summary: Summary | None = None
    paced: WrkResult | None = None  # one run at Options.paced_fraction of the maximum
    steps: list[WrkResult] = field(default_factory=list)  # mix: paced runs below the maximum
    floor: dict[str, float] | None = None  # login: the bare Argon2id verify, same run
    error: str | None = None


@dataclass
class LogFindings:
    """What the server wrote about failures while it was under load."""

    status_5xx: int = 0
    exceptions: dict[str, int] = field(default_factory=dict)  # unhandled, by type
    locked: int = 0  # SQLite "database is locked"
    pool_timeouts: int = 0  # SQLAlchemy QueuePool exhaustion
    server_errors: int = 0  # the peer's server_error events
    samples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.status_5xx
            or self.exceptions
            or self.locked
            or self.pool_timeouts
            or self.server_errors
        )

    @property
    def only_client_disconnects(self) -> bool:
        """Every 5xx is a request wrk abandoned when its run ended (nobody received it)."""
        return (
            set(self.exceptions) == {CLIENT_DISCONNECT}
            and self.status_5xx == sum(self.exceptions.values())
            and not (self.locked or self.pool_timeouts or self.server_errors)
        )

    def describe(self) -> str:
        if self.clean:
            return "no 5xx, unhandled exceptions, locks or pool timeouts"
        kinds = ", ".join(f"{k} x{v}" for k, v in sorted(self.exceptions.items())) or "none"
        text = (
            f"{self.status_5xx} answers 5xx; unhandled exceptions: {kinds}; 'database is locked'"
            f" {self.locked}; pool timeouts {self.pool_timeouts}; server_error {self.server_errors}"
        )
        if self.only_client_disconnects:
            text += (
                " -- all ClientDisconnect: wrk closes its connections with requests in flight"
                " when a run ends, and the server logs each as an unhandled 500 (no client"
                " received them; the Lua counts are unaffected)"
            )
        return text


@dataclass
class TargetOutcome:
    name: str
    note: str = ""
    skipped: str | None = None
    rss_idle_kib: int = 0
    rss_after_kib: int = 0
    scenarios: dict[str, ScenarioOutcome] = field(default_factory=dict)
    log: LogFindings = field(default_factory=LogFindings)


CLIENT_DISCONNECT = "starlette.requests.ClientDisconnect"
_STATUS = re.compile(r'"status":\s*(\d{3})')
# The last line of a traceback uvicorn prints: the exception's qualified type at column 0.
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Disconnect|Timeout|Exit)\w*)(?::|$)")


def scan_log(path: Path) -> LogFindings:
    found = LogFindings()
    if not path.exists():
        return found
    with path.open(errors="replace") as log:
        for line in log:
            status = _STATUS.search(line)
            exception = _EXCEPTION.match(line)
            hit = True
            if status and status.group(1).startswith("5"):
                found.status_5xx += 1
            elif exception:
                name = exception.group(1)
                found.exceptions[name] = found.exceptions.get(name, 0) + 1
            elif "database is locked" in line:
                found.locked += 1
            elif "QueuePool limit" in line:
                found.pool_timeouts += 1
            elif line.startswith("server_error"):
                found.server_errors += 1
            else:
                hit = False
            if hit and len(found.samples) < 3:
                found.samples.append(line.strip()[:240])
    return found


# -- the table ---------------------------------------------------------------------------


def _rate(o: ScenarioOutcome, unit: str) -> float | None:
    if not o.summary:
        return None
    return o.summary.iteration_rate if unit == "iter/s" else o.summary.rate


def _cell(outcome: TargetOutcome | None, key: str, part: str) -> str:
    if outcome is None:
        return "-"
    if outcome.skipped:
        return "n/a"
    o = outcome.scenarios.get(key)
    if o is None:
        return "-"
    if o.error:
        return "FAILED"
    s = o.summary
    assert s is not None
    unit = SCENARIOS[key].unit
    if part == "rate":
        return f"{_rate(o, unit):,.0f} {unit}"
    if part == "latency":
        return f"{s.p50_ms:.1f} / {s.p99_ms:.1f}"
    if part == "errors":
        return f"{s.errors} of {s.requests:,}"
    if part == "paced" and o.paced:
        p = o.paced
        return f"{p.p99_ms:.1f} ms @ {p.offered_rate or 0:,.0f}/s (got {p.rate:,.0f})"
    return "-"


def _ratio(outcomes: dict[str, TargetOutcome], key: str) -> str:
    unit = SCENARIOS[key].unit
    rates: dict[str, float | None] = {}
    for name in TARGETS:
        t = outcomes.get(name)
        o = t.scenarios.get(key) if t and not t.skipped else None
        rates[name] = _rate(o, unit) if o and not o.error else None
    peer = rates["peer"]
    if not peer:
        return "-"
    parts = []
    for name in TARGETS[:2]:
        rate = rates[name]
        parts.append(f"{rate / peer:.2f}x" if rate else "-")
    return " / ".join(parts)


def _login_cell(outcome: TargetOutcome | None) -> tuple[str, str]:
    if outcome is None or outcome.skipped:
        return "n/a", "-"
    o = outcome.scenarios.get("login")
    if o is None or o.error or not o.summary:
        return ("FAILED" if o and o.error else "-"), "-"
    p50 = o.summary.p50_ms
    if not o.floor:
        return f"{p50:.0f} ms", "-"
    floor = o.floor["p50_ms"]
    return f"{p50:.0f} ms (floor {floor:.0f})", f"+{(p50 / floor - 1) * 100:.0f}%"


def _mix_cells(outcome: TargetOutcome | None, slo_ms: float) -> tuple[str, str, str]:
    if outcome is None or outcome.skipped:
        return "n/a", "n/a", "n/a"
    o = outcome.scenarios.get("mix")
    if o is None or o.error or not o.summary:
        return ("FAILED",) * 3 if o and o.error else ("-",) * 3
    best = sustainable(o, slo_ms)
    assumptions = Assumptions()
    if best is None:
        kept = [r for r in o.steps if r.offered_rate and r.rate >= 0.95 * r.offered_rate]
        fastest = max(kept, key=lambda r: r.rate, default=None)
        if fastest is None:
            return "none kept up", "-", "-"
        return f"none (kept up at {fastest.rate:,.0f})", f"{fastest.p99_ms:.0f} ms", "-"
    return (
        f"{best.rate:,.0f} req/s",
        f"{best.p99_ms:.0f} ms",
        f"{assumptions.customers_at(best.rate):,}",
    )


def sustainable(o: ScenarioOutcome, slo_ms: float) -> WrkResult | None:
    """The highest paced step that kept up (>= 95% of the offered rate), without errors,
    with p99 within the SLO."""
    good = [
        r
        for r in o.steps
        if r.offered_rate
        and r.rate >= 0.95 * r.offered_rate
        and not r.errors
        and r.p99_ms <= slo_ms
    ]
    return max(good, key=lambda r: r.rate, default=None)


def table_rows(outcomes: dict[str, TargetOutcome], slo_ms: float, paced: float) -> list[list[str]]:
    rows: list[list[str]] = []
    for key, scenario in SCENARIOS.items():
        present = [outcomes[n].scenarios.get(key) for n in outcomes]
        if not any(present):
            continue
        if key == "login":
            cells = [_login_cell(outcomes.get(n)) for n in TARGETS]
            rows.append(
                [
                    "password login p50 (Argon2id floor)",
                    *(c[0] for c in cells),
                    "vs floor: " + " / ".join(c[1] for c in cells),
                ]
            )
            continue
        if key == "mix":
            cells3 = [_mix_cells(outcomes.get(n), slo_ms) for n in TARGETS]
            rows.append(
                [
                    "mixed profile max (closed loop)",
                    *(_cell(outcomes.get(n), key, "rate") for n in TARGETS),
                    _ratio(outcomes, key),
                ]
            )
            rows.append([f"  sustainable rate (p99 <= {slo_ms:g} ms)", *(c[0] for c in cells3), ""])
            rows.append(["  p99 at that rate", *(c[1] for c in cells3), ""])
            rows.append(["  = monthly active customers", *(c[2] for c in cells3), ""])
            rows.append(
                [
                    "  errors (max runs)",
                    *(_cell(outcomes.get(n), key, "errors") for n in TARGETS),
                    "",
                ]
            )
            continue
        rows.append(
            [
                scenario.title,
                *(_cell(outcomes.get(n), key, "rate") for n in TARGETS),
                _ratio(outcomes, key),
            ]
        )
        rows.append(
            ["  p50 / p99 ms", *(_cell(outcomes.get(n), key, "latency") for n in TARGETS), ""]
        )
        if scenario.paced_check:
            rows.append(
                [
                    f"  p99 at {paced:.0%} of max",
                    *(_cell(outcomes.get(n), key, "paced") for n in TARGETS),
                    "",
                ]
            )
        rows.append(["  errors", *(_cell(outcomes.get(n), key, "errors") for n in TARGETS), ""])
    rss = []
    for n in TARGETS:
        t = outcomes.get(n)
        rss.append(
            "n/a"
            if t is None or t.skipped or not t.rss_idle_kib
            else f"{t.rss_idle_kib / 1024:.0f} / {t.rss_after_kib / 1024:.0f}"
        )
    rows.append(["RSS MiB: idle / after the runs", *rss, ""])
    return rows


def markdown(rows: list[list[str]]) -> str:
    header = ["scenario", *TARGETS, "ratio vs peer (sqlite / pg)"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def to_json(outcomes: dict[str, TargetOutcome], extra: dict[str, Any]) -> str:
    def convert(value: Any) -> Any:
        if isinstance(value, Summary):
            return {
                "runs": [asdict(r) for r in value.runs],
                "rate": value.rate,
                "p50_ms": value.p50_ms,
                "p99_ms": value.p99_ms,
                "errors": value.errors,
            }
        if isinstance(value, WrkResult):
            return asdict(value)
        if hasattr(value, "__dataclass_fields__"):
            return {k: convert(getattr(value, k)) for k in value.__dataclass_fields__}
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return json.dumps({"targets": convert(outcomes), **extra}, indent=2)
