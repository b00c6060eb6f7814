"""The Lambda entry point of a function: its ASGI app behind Mangum (API Gateway HTTP API
events in, responses out; no lifespan, a Lambda process has no shutdown to wait for)."""

from __future__ import annotations

from typing import Any


def lambda_handler(app: Any) -> Any:
    from mangum import Mangum

    return Mangum(app, lifespan="off")
