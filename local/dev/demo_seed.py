"""The demo tenant an empty database starts with, so a newcomer can sign in at once, or
create an account (sign-up is open, verification stays required: the verification mail is
read at /dev/outbox, as any mail in local mode).

Seeded through the same control-plane operations as ``idgate tenant/client/user create``,
by the same ``LOCAL_OPERATOR`` (audited as ``operator:local-cli``): ``idgate serve`` is the
host's operator at work. Run with the '*' tenant scope (start-up is platform-level work).
"""

from __future__ import annotations

from sqlalchemy import func, select

from idgate.control.applications import create_application
from idgate.control.customers_admin import add_customer
from idgate.control.organization_settings import change_organization_settings
from idgate.control.organizations import provision_organization
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tenants

DEMO_TENANT = "demo"
DEMO_CLIENT_ID = "demo-app"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo credential, local mode only


def database_is_empty(rt: Runtime) -> bool:
    """No tenant at all, the platform tenant included: a database nobody has used yet."""
    with database.read(rt.engine) as conn:
        return conn.execute(select(func.count()).select_from(tenants)).scalar_one() == 0


def seed_demo(rt: Runtime) -> None:
    if not database_is_empty(rt):
        return
    base = rt.public_url
    provision_organization(
        rt, LOCAL_OPERATOR, slug=DEMO_TENANT, name="Demo Organization", tier="enterprise"
    )
    # Open sign-up; the other settings keep their defaults (verification required).
    change_organization_settings(rt, LOCAL_OPERATOR, DEMO_TENANT, {"sign_up": "open"})
    create_application(
        rt,
        LOCAL_OPERATOR,
        DEMO_TENANT,
        client_id=DEMO_CLIENT_ID,
        name="idgate demo app",
        client_type="public",
        secret=None,
        redirect_uris=[f"{base}/demo-rp/callback"],
        post_logout_redirect_uris=[f"{base}/demo-rp/"],
        grants=["authorization_code", "refresh_token"],
    )
    add_customer(
        rt, LOCAL_OPERATOR, DEMO_TENANT, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo User"
    )
    print(
        "\nCreated the demo tenant.\n"
        f"  issuer:   {base}/t/{DEMO_TENANT}\n"
        f"  sign in:  {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
        f"  try it:   open {base}/demo-rp/ and click 'Sign in'\n"
        f"  sign up:  create an account at {base}/demo-rp/ ('Sign in', then 'Create account');"
        f" read mail at {base}/dev/outbox\n",
        flush=True,
    )
