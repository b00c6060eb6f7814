"""Prometheus metrics of the process, exposed at ``/metrics`` in container and local mode.

Labels are bounded: HTTP requests by route *template* (never the raw path), grants by the
registered grant types, failures by RFC 6749 §5.2 error code. Label children are cached,
so recording a request costs two dictionary lookups and two lock-protected additions.

The metrics live in prometheus_client's process-wide registry (one scrape per process), so
they and that memo of their label children are module state, not ``Runtime`` state: they
hold no data read from the database and nothing a test or a tenant could see go stale.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

HTTP_REQUESTS = Counter(
    "idgate_http_requests",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "idgate_http_request_duration_seconds",
    "Time from receiving a request to sending the last byte of its response, by route.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
GRANTS_ISSUED = Counter(
    "idgate_grants_issued", "Token responses issued by grant type.", ["grant_type"]
)
GRANTS_FAILED = Counter(
    "idgate_grants_failed",
    "Token requests refused, by grant type and OAuth error code.",
    ["grant_type", "error"],
)
LOGINS = Counter("idgate_logins", "End-user sign-ins by outcome.", ["outcome"])

_children: dict[tuple[object, tuple[str, ...]], Any] = {}


def _child(metric: Counter | Histogram, *labels: str) -> Any:
    """``metric.labels(*labels)``, kept: the client's own lookup takes a lock and checks the
    label values on every call, and these calls are on every request's path."""
    key = (metric, labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def record_request(route: str, method: str, status: int, seconds: float) -> None:
    _child(HTTP_REQUESTS, route, method, str(status)).inc()
    _child(HTTP_LATENCY, route).observe(seconds)


def grant_issued(grant_type: str) -> None:
    _child(GRANTS_ISSUED, grant_type).inc()


def grant_failed(grant_type: str, error: str) -> None:
    _child(GRANTS_FAILED, grant_type, error).inc()


def login_attempt(outcome: str) -> None:
    """``outcome`` is ``success``, ``failure``, ``locked`` (the email) or ``throttled`` (the
    client network, ``identity.sign_in_limits``)."""
    _child(LOGINS, outcome).inc()


def exposition() -> tuple[bytes, str]:
    """The Prometheus text format of every metric, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
