"""The successful token response to an end user's grant (OIDC Core §3.1.3.3): the OAuth
tokens, and an ID token when ``openid`` was granted, whose ``at_hash`` binds the access
token (§3.1.3.6)."""

from __future__ import annotations

from typing import Any

from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.user_tokens import PreparedTokens, sign_user_tokens
from idgate.oidc.id_token import issue_id_token
from idgate.tenancy.tenants import Tenant


def user_token_response(
    rt: Runtime, tenant: Tenant, client: Client, prepared: PreparedTokens
) -> dict[str, Any]:
    body = sign_user_tokens(rt, tenant, client, prepared)
    subject = prepared.subject
    if "openid" in subject.scope.split():
        body["id_token"] = issue_id_token(
            rt,
            tenant,
            client,
            customer=prepared.customer,
            scope=subject.scope,
            nonce=prepared.nonce,
            auth_time=subject.auth_time,
            session_id=subject.session_id,
            access_token=body["access_token"],
            now=prepared.now,
        )
    return body
