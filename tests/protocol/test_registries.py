"""What the registries promise: discovery lists exactly what the grant and client
authentication registries hold (OIDC Discovery §3, RFC 8414 §2), client registration checks
each grant's requirements from its entry (RFC 6749 §2), the client authentication methods
are told apart by what a request presents (RFC 6749 §2.3), and the authorize decision runs
its named steps in order (OIDC Core §3.1.2.3-3.1.2.5)."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from idgate.kernel.errors import ValidationFailed
from idgate.oauth.authorize import AUTHORIZE_STEPS
from idgate.oauth.client_model import Client
from idgate.oauth.client_registration import check_client_settings, grant_types_named
from tests.conftest import SERVICE_SECRET, TenantFixture
from tests.flows import basic, token_request

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT = Client(
    id="id",
    tenant_id="tenant",
    client_id="app",
    name="App",
    client_type="confidential",
    secret_digest=None,
    redirect_uris=("https://app.example.com/callback",),
    post_logout_redirect_uris=(),
    grant_types=("authorization_code",),
    scopes=("openid",),
    id_token_alg="RS256",
    access_token_ttl=300,
    refresh_token_ttl=3600,
)


def test_discovery_lists_the_registries(client: TestClient, acme: TenantFixture) -> None:
    meta = client.get("/t/acme/.well-known/openid-configuration").json()
    assert meta["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        DEVICE_CODE,
    ]
    every_method = ["client_secret_basic", "client_secret_post", "none"]
    assert meta["token_endpoint_auth_methods_supported"] == every_method
    assert meta["revocation_endpoint_auth_methods_supported"] == every_method
    # RFC 7662 §2.1: only confidential clients introspect, so only secret-proving methods.
    assert meta["introspection_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]


def test_operators_short_grant_names_map_to_grant_types() -> None:
    assert grant_types_named(["device_code", "refresh_token"]) == (DEVICE_CODE, "refresh_token")
    with pytest.raises(ValidationFailed) as refused:
        grant_types_named(["authorization_code", "password"])
    assert str(refused.value) == (
        "grants must be among authorization_code, refresh_token, client_credentials, device_code"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"client_type": "public", "grant_types": ("client_credentials",)},
            "client_credentials needs a confidential client",
        ),
        ({"redirect_uris": ()}, "authorization_code needs at least one redirect URI"),
        ({"grant_types": ()}, "grants must be among"),
    ],
)
def test_each_grants_client_requirements_are_checked(
    changes: dict[str, object], message: str
) -> None:
    check_client_settings(CLIENT)
    with pytest.raises(ValidationFailed) as refused:
        check_client_settings(dataclasses.replace(CLIENT, **changes))  # type: ignore[arg-type]
    assert str(refused.value).startswith(message)


def test_an_empty_client_secret_beside_basic_is_not_a_second_method(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §2.3: one method per request. An empty ``client_secret`` proves nothing, so
    beside HTTP Basic it is not a second method; alone it is a wrong secret."""
    data = {"grant_type": "client_credentials", "client_secret": ""}
    response = token_request(client, "acme", data, basic("service", SERVICE_SECRET))
    assert response.status_code == 200, response.text
    alone = token_request(client, "acme", {**data, "client_id": "service"})
    assert alone.status_code == 401 and alone.json()["error"] == "invalid_client"


def test_the_authorize_decision_runs_its_steps_in_order() -> None:
    assert [step.name for step in AUTHORIZE_STEPS] == [
        "authenticate",
        "step_up",
        "link_upstream",
        "consent",
        "issue",
    ]
