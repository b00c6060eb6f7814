"""The demo tenant an empty database starts with, so a newcomer can sign in at once."""

from __future__ import annotations

from idgate import provisioning
from idgate.kernel.runtime import Runtime

DEMO_TENANT = "demo"
DEMO_CLIENT_ID = "demo-app"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo credential, local mode only


def seed_demo(rt: Runtime) -> None:
    if not provisioning.database_is_empty(rt):
        return
    base = rt.public_url
    provisioning.create_tenant(rt, slug=DEMO_TENANT, name="Demo Organization")
    provisioning.create_client(
        rt,
        DEMO_TENANT,
        client_id=DEMO_CLIENT_ID,
        name="idgate demo app",
        client_type="public",
        secret=None,
        redirect_uris=[f"{base}/demo-rp/callback"],
        post_logout_redirect_uris=[f"{base}/demo-rp/"],
        grants=["authorization_code", "refresh_token"],
    )
    provisioning.create_user(
        rt, DEMO_TENANT, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo User"
    )
    print(
        "\nCreated the demo tenant.\n"
        f"  issuer:   {base}/t/{DEMO_TENANT}\n"
        f"  sign in:  {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
        f"  try it:   open {base}/demo-rp/ and click 'Sign in'\n",
        flush=True,
    )
