"""The token endpoint (RFC 6749 §3.2, OIDC Core §3.1.3): the OAuth grant, then the token
response, with an ID token when ``openid`` was granted to an end user (§3.1.3.3). Every
request is counted as issued or failed, by grant type and error code, in the metrics and in
the organization's analytics (a per-process count: no write per request)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idgate.analytics.grant_counts import count_grant
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.oauth.grants import GRANT_HANDLERS
from idgate.oauth.token_endpoint import run_grant
from idgate.oauth.user_tokens import PreparedTokens
from idgate.observability import metrics
from idgate.oidc.token_response import user_token_response
from idgate.tenancy.tenants import Tenant


def exchange(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> dict[str, Any]:
    grant_type = form.get("grant_type") or ""
    label = grant_type if grant_type in GRANT_HANDLERS else "unsupported"
    try:
        client, result = run_grant(rt, tenant, authorization=authorization, form=form)
        if isinstance(result, PreparedTokens):
            result = user_token_response(rt, tenant, client, result)
    except IdgateError as exc:
        metrics.grant_failed(label, exc.error)
        count_grant(rt, tenant_id=tenant.id, grant_type=label, outcome=exc.error)
        raise
    except Exception:
        metrics.grant_failed(label, "server_error")
        count_grant(rt, tenant_id=tenant.id, grant_type=label, outcome="server_error")
        raise
    metrics.grant_issued(label)
    count_grant(rt, tenant_id=tenant.id, grant_type=label, outcome="issued")
    return result
