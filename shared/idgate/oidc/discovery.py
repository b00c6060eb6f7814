"""OpenID Provider metadata (OIDC Discovery §3, RFC 8414 §2), derived from the registries
so it cannot promise what the code does not do."""

from __future__ import annotations

from typing import Any

from idgate.kernel.runtime import Runtime
from idgate.keys.signing_keys import SUPPORTED_ALGS
from idgate.oauth.client_auth import AUTH_METHODS
from idgate.oauth.grants import GRANTS
from idgate.oauth.scopes import SUPPORTED_SCOPES
from idgate.oidc.claims import SUPPORTED_CLAIMS
from idgate.tenancy.tenants import Tenant, issuer_url


def provider_metadata(rt: Runtime, tenant: Tenant) -> dict[str, Any]:
    issuer = issuer_url(rt, tenant)

    def cached() -> dict[str, Any]:
        all_methods = [method.name for method in AUTH_METHODS]
        confidential_methods = [method.name for method in AUTH_METHODS if method.confidential]
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/logout",
            "revocation_endpoint": f"{issuer}/revoke",
            "introspection_endpoint": f"{issuer}/introspect",
            "device_authorization_endpoint": f"{issuer}/device_authorization",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": [grant.grant_type for grant in GRANTS],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(SUPPORTED_ALGS),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": all_methods,
            "revocation_endpoint_auth_methods_supported": list(all_methods),
            # RFC 7662 §2.1: introspection is for confidential clients only.
            "introspection_endpoint_auth_methods_supported": confidential_methods,
            "scopes_supported": list(SUPPORTED_SCOPES),
            "claims_supported": list(SUPPORTED_CLAIMS),
            "prompt_values_supported": ["none", "login", "consent"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
            "frontchannel_logout_supported": False,
            "backchannel_logout_supported": False,
        }

    return rt.cache.get_or_load(("discovery", tenant.id, issuer), cached)
