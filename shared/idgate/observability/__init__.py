"""Observability (DESIGN "Cross-cutting"): structured JSON request logs with request ids,
Prometheus metrics, and the liveness and readiness probes."""
