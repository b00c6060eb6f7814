"""The token function behind API Gateway: HTTP API v2 events in, v2 results out."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest

from functions.token.app import handler
from tests.conftest import SERVICE_SECRET, TenantFixture
from tests.flows import basic
from tests.handlers.lambda_events import invoke, load_event

pytestmark = pytest.mark.usefixtures("acme")


def test_discovery_document_names_the_tenant_issuer(acme: TenantFixture) -> None:
    result = invoke(handler, load_event("discovery_get"))

    assert result.status == 200
    assert result.headers["content-type"] == "application/json"
    assert result.headers["cache-control"] == "public, max-age=300"
    assert result.headers["x-content-type-options"] == "nosniff"
    assert result.raw["isBase64Encoded"] is False
    assert "cookies" not in result.raw
    metadata = result.json()
    assert metadata["issuer"] == acme.issuer
    assert metadata["token_endpoint"] == f"{acme.issuer}/token"


def test_client_credentials_with_basic_auth_and_form_body_issues_a_token() -> None:
    event = load_event("token_client_credentials")
    assert event["headers"]["authorization"] == basic("service", SERVICE_SECRET)["Authorization"]

    result = invoke(handler, event)

    assert result.status == 200, result.text
    assert result.headers["cache-control"] == "no-store"
    assert result.headers["pragma"] == "no-cache"
    body = result.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"].count(".") == 2


def test_base64_encoded_form_body_is_decoded_before_parsing() -> None:
    event = load_event("token_client_credentials_base64")
    assert event["isBase64Encoded"] is True
    form = parse_qs(base64.b64decode(event["body"]).decode())
    assert form["client_secret"] == [SERVICE_SECRET]

    result = invoke(handler, event)

    assert result.status == 200, result.text
    assert result.json()["token_type"] == "Bearer"


def test_wrong_basic_secret_gets_401_with_www_authenticate() -> None:
    event = load_event("token_client_credentials")
    event["headers"]["authorization"] = basic("service", "x" * 40)["Authorization"]

    result = invoke(handler, event)

    assert result.status == 401
    assert result.headers["www-authenticate"].startswith("Basic")
    assert result.json()["error"] == "invalid_client"


def test_route_of_another_function_gets_a_json_404() -> None:
    result = invoke(handler, load_event("device_authorization_post"))

    assert result.status == 404
    assert result.headers["content-type"] == "application/json"
    assert result.json()["error"] == "not_found"
