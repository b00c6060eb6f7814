"""``idgate analytics``: an organization's sign-ins and the platform's overview through the
analytics API, as tables with a sparkline of the series (or CSV, for spreadsheets)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.output import print_table

analytics_app = typer.Typer(no_args_is_help=True, help="Sign-in and growth figures (admin API).")

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """One block per value, its height relative to the largest (all lowest when none)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)


FromOption = Annotated[str | None, typer.Option("--from", help="ISO date or date-time.")]
ToOption = Annotated[str | None, typer.Option("--to", help="ISO date or date-time.")]
IntervalOption = Annotated[str | None, typer.Option(help="hour, day, week or month.")]
TzOption = Annotated[str | None, typer.Option(help="IANA time zone (default UTC).")]
CsvOption = Annotated[bool, typer.Option("--csv", help="CSV with a header row.")]


def _print_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


@analytics_app.command("logins")
def logins(
    org: str,
    start: FromOption = None,
    end: ToOption = None,
    interval: IntervalOption = None,
    tz: TzOption = None,
    as_csv: CsvOption = False,
) -> None:
    """An organization's successful and failed sign-ins per bucket."""
    params = {"from": start, "to": end, "interval": interval, "tz": tz}
    with operator_api() as api:
        body = api.get(org_path(org, "analytics", "logins"), **params)
    series = body["series"]
    if as_csv:
        _print_csv(series, ["start", "success", "failure"])
        return
    print_table(
        ["start", "success", "failure"],
        [[b["start"], b["success"], b["failure"]] for b in series],
        empty="no buckets",
        title=f"sign-ins per {body['interval']} ({body['tz']})",
    )
    totals = body["totals"]
    typer.echo(f"success {sparkline([b['success'] for b in series])} {totals['success']}")
    typer.echo(f"failure {sparkline([b['failure'] for b in series])} {totals['failure']}")


@analytics_app.command("overview")
def overview() -> None:
    """The platform's organizations, customers, MAU and sign-ins, with the last 30 days'
    sign-ins as a sparkline (platform owners)."""
    with operator_api() as api:
        body = api.get("/platform/analytics/overview")
        series = api.get("/platform/analytics/logins")["series"]
    orgs = body["organizations"]
    rows = [
        ["organizations", ", ".join(f"{k} {v}" for k, v in orgs.items())],
        ["customers", body["customers_total"]],
        ["monthly active customers", body["mau"]],
        ["sign-ins, last 24 hours", f"{body['logins_24h']} ({body['failures_24h']} failed)"],
        [
            "sign-ins, last 30 days",
            f"{body['logins_30d']} {sparkline([b['success'] for b in series])}",
        ],
    ]
    print_table(["figure", "value"], rows, empty="no figures", title="platform overview")
