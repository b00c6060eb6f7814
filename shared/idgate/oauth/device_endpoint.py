"""The device authorization endpoint (RFC 8628 §3.1-3.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from idgate.kernel.runtime import Runtime
from idgate.oauth.client_auth import authenticate_client
from idgate.oauth.device_authorization import start_device_authorization
from idgate.storage import database
from idgate.tenancy.tenants import Tenant, issuer_url


def authorize_device(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> dict[str, Any]:
    client = authenticate_client(rt, tenant, authorization=authorization, form=form)
    with database.write(rt.engine) as conn:
        started = start_device_authorization(
            conn, client=client, scope=form.get("scope"), now=rt.now()
        )
    verification_uri = f"{issuer_url(rt, tenant)}/device"
    complete = f"{verification_uri}?{urlencode({'user_code': started.user_code})}"
    return {
        "device_code": started.device_code,
        "user_code": started.user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": complete,
        "expires_in": started.expires_in,
        "interval": started.interval,
    }
