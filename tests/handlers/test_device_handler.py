"""The device function behind API Gateway: HTTP API v2 events in, v2 results out."""

from __future__ import annotations

import pytest

from functions.device.app import handler
from tests.conftest import TenantFixture
from tests.flows import query_of
from tests.handlers.lambda_events import invoke, load_event, sign_in_with_events

pytestmark = pytest.mark.usefixtures("acme")


def _device_authorization() -> dict[str, str]:
    result = invoke(handler, load_event("device_authorization_post"))
    assert result.status == 200, result.text
    return result.json()


def test_device_authorization_answers_codes_and_the_verification_uri(acme: TenantFixture) -> None:
    result = invoke(handler, load_event("device_authorization_post"))

    assert result.status == 200, result.text
    assert result.headers["cache-control"] == "no-store"
    body = result.json()
    assert body["verification_uri"] == f"{acme.issuer}/device"
    assert {"device_code", "user_code", "expires_in", "interval"} <= set(body)


def test_verification_page_without_a_session_redirects_to_login() -> None:
    user_code = _device_authorization()["user_code"]
    event = load_event("device_get_with_cookies", USER_CODE=user_code, CSRF="", SESSION="")
    del event["cookies"]

    result = invoke(handler, event)

    assert result.status == 302
    assert result.location.startswith("/t/acme/login?interaction=")


def test_verification_page_reads_the_session_from_the_event_cookies(acme: TenantFixture) -> None:
    user_code = _device_authorization()["user_code"]
    event = load_event("device_get_with_cookies", USER_CODE=user_code, CSRF="", SESSION="")
    del event["cookies"]
    interaction = query_of(invoke(handler, event).location)["interaction"]
    signed_in = sign_in_with_events(interaction, acme.password)
    assert signed_in.next_location.startswith("/t/acme/device?user_code=")

    event = load_event(
        "device_get_with_cookies",
        USER_CODE=user_code,
        CSRF=signed_in.csrf,
        SESSION=signed_in.session,
    )
    result = invoke(handler, event)

    assert result.status == 200, result.text
    assert result.headers["content-type"].startswith("text/html")
    assert "Acme TV" in result.text
    assert "cookies" not in result.raw  # the csrf cookie came with the request


def test_route_of_another_function_gets_a_json_404() -> None:
    result = invoke(handler, load_event("token_client_credentials"))

    assert result.status == 404
    assert result.headers["content-type"] == "application/json"
    assert result.json()["error"] == "not_found"
