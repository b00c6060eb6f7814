"""Customer self-service pages under the tenant's issuer, one router per area, merged into
the authorize function's router (``functions.authorize.app``)."""

from __future__ import annotations

from functions.authorize.account_routes import account_router
from functions.authorize.email_sign_in_routes import email_sign_in_router
from functions.authorize.password_reset_routes import password_reset_router
from functions.authorize.sign_up_routes import sign_up_router

SELF_SERVICE_ROUTERS = (
    sign_up_router,
    password_reset_router,
    email_sign_in_router,
    account_router,
)
