"""The authorize function behind API Gateway: HTTP API v2 events in, v2 results out."""

from __future__ import annotations

import pytest

from functions.authorize.app import handler
from functions.token.app import handler as token_handler
from tests.conftest import TenantFixture
from tests.flows import hidden, query_of
from tests.handlers.conftest import StartedAuthorization
from tests.handlers.lambda_events import invoke, load_event

pytestmark = pytest.mark.usefixtures("acme")


def test_authorize_without_pkce_redirects_invalid_request_to_the_registered_uri() -> None:
    result = invoke(handler, load_event("authorize_without_pkce"))

    assert result.status == 302
    assert result.location.startswith("https://app.example.com/callback?")
    params = query_of(result.location)
    assert params["error"] == "invalid_request"
    assert params["state"] == "af0ifjsldkj"
    assert result.headers["cache-control"] == "no-store"
    assert result.headers["x-frame-options"] == "DENY"
    assert "cookies" not in result.raw


def test_unauthenticated_authorize_redirects_to_the_login_page() -> None:
    result = invoke(handler, load_event("authorize_get", CODE_CHALLENGE="A" * 43))

    assert result.status == 302
    assert result.location.startswith("/t/acme/login?interaction=")
    assert "set-cookie" not in result.headers


def test_login_page_sets_the_csrf_cookie_in_the_v2_cookies_list() -> None:
    started = invoke(handler, load_event("authorize_get", CODE_CHALLENGE="A" * 43))
    interaction = query_of(started.location)["interaction"]

    page = invoke(handler, load_event("login_get", INTERACTION=interaction))

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.raw["isBase64Encoded"] is False
    assert "set-cookie" not in page.headers
    line = page.cookie_line("idgate_csrf")
    assert "HttpOnly" in line and "Path=/;" in line and "SameSite=lax" in line
    assert hidden(page.text, "csrf_token") == page.cookies["idgate_csrf"]
    assert hidden(page.text, "interaction") == interaction


def test_login_post_sets_a_session_cookie_scoped_to_the_tenant(acme: TenantFixture) -> None:
    started = invoke(handler, load_event("authorize_get", CODE_CHALLENGE="A" * 43))
    interaction = query_of(started.location)["interaction"]
    csrf = invoke(handler, load_event("login_get", INTERACTION=interaction)).cookies["idgate_csrf"]

    result = invoke(
        handler,
        load_event("login_post", INTERACTION=interaction, CSRF=csrf, PASSWORD=acme.password),
    )

    assert result.status == 302
    assert len(result.set_cookies) == 1
    line = result.cookie_line("idgate_session")
    assert "Path=/t/acme/" in line and "HttpOnly" in line and "SameSite=lax" in line


def test_wrong_password_renders_401_without_a_session_cookie() -> None:
    started = invoke(handler, load_event("authorize_get", CODE_CHALLENGE="A" * 43))
    interaction = query_of(started.location)["interaction"]
    csrf = invoke(handler, load_event("login_get", INTERACTION=interaction)).cookies["idgate_csrf"]

    result = invoke(
        handler,
        load_event("login_post", INTERACTION=interaction, CSRF=csrf, PASSWORD="wrong password"),
    )

    assert result.status == 401
    assert "idgate_session" not in result.cookies


def test_logout_answers_with_two_set_cookies_in_one_v2_result() -> None:
    result = invoke(handler, load_event("logout_get"))

    assert result.status == 200
    assert "set-cookie" not in result.headers
    assert sorted(result.cookies) == ["idgate_csrf", "idgate_session"]
    assert result.cookies["idgate_session"] == ""
    assert "Max-Age=0" in result.cookie_line("idgate_session")


def test_consent_post_without_csrf_token_is_refused_with_a_403_page() -> None:
    event = load_event("consent_post_without_csrf")
    assert len(event["cookies"]) == 2

    result = invoke(handler, event)

    assert result.status == 403
    assert result.headers["content-type"].startswith("text/html")
    assert "expired" in result.text


def test_code_flow_through_authorize_and_token_function_events(
    signed_in: StartedAuthorization,
) -> None:
    session, csrf = signed_in.signed_in.session, signed_in.signed_in.csrf
    location = signed_in.signed_in.next_location
    for _ in range(4):
        if not location.startswith("/t/"):
            break
        interaction = query_of(location)["interaction"]
        cookies = {"INTERACTION": interaction, "CSRF": csrf, "SESSION": session}
        if location.startswith("/t/acme/consent"):
            page = invoke(handler, load_event("consent_get", **cookies))
            assert page.status == 200, page.text
            result = invoke(handler, load_event("consent_post", **cookies))
        else:
            result = invoke(handler, load_event("authorize_resume_get", **cookies))
        assert result.status == 302, result.text
        location = result.location

    params = query_of(location)
    assert location.startswith("https://app.example.com/callback?")
    assert params["state"] == "af0ifjsldkj"
    event = load_event(
        "token_authorization_code", CODE=params["code"], CODE_VERIFIER=signed_in.auth.verifier
    )
    tokens = invoke(token_handler, event)
    assert tokens.status == 200, tokens.text
    assert {"access_token", "id_token"} <= set(tokens.json())


def test_route_of_another_function_gets_a_json_404() -> None:
    result = invoke(handler, load_event("discovery_get"))

    assert result.status == 404
    assert result.headers["content-type"] == "application/json"
    assert result.json()["error"] == "not_found"
