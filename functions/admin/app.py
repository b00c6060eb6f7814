"""Admin function: the control-plane REST API under /api/v1 (OpenAPI at /api/v1/openapi.json).

One router per resource (functions/admin/routes/). Every route authenticates the operator
(a platform-tenant access token for the admin audience, functions/admin/deps.py) and makes
one core call, which checks exactly one permission.
"""

from __future__ import annotations

from fastapi import APIRouter

from functions.admin.routes import (
    applications,
    audit,
    connections,
    customers,
    members,
    operators,
    organizations,
    settings,
    signing_keys,
    signup,
    tiers,
)
from idgate.web.app_factory import create_app
from idgate.web.lambda_handler import lambda_handler

RESOURCES = (
    signup,
    operators,
    organizations,
    settings,
    tiers,
    members,
    applications,
    connections,
    signing_keys,
    customers,
    audit,
)

# One flat router of every resource's routes (each already under /api/v1 with the platform
# scope): what local/server.py mounts and tests/unit/test_template.py reads. No route shadows
# another, so the order is only that of the OpenAPI document.
router = APIRouter()
for resource in RESOURCES:
    router.routes.extend(resource.router.routes)

app = create_app(router, title="idgate admin API", openapi_url="/api/v1/openapi.json")
handler = lambda_handler(app)
