"""A NUL character in a value of a request is the request's fault on both databases:
PostgreSQL's text cannot hold it (SQLite's can), so each lookup of it was a 500 there
(found by tests/protocol/test_no_server_error_on_any_input.py). Now it is a 4xx wherever it
comes from: a query parameter, a path segment, a form field, a Basic header."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.flows import Browser, hidden, new_authorization


def test_a_nul_client_id_at_authorize_is_an_error_page_not_a_redirect(
    browser: Browser, acme: TenantFixture
) -> None:
    response = browser.get("/t/acme/authorize?client_id=%00")
    assert response.status_code == 400, response.text
    assert "location" not in response.headers


@pytest.mark.parametrize(("method", "endpoint"), [("GET", "authorize"), ("POST", "token")])
def test_a_nul_tenant_slug_is_a_client_error(
    client: TestClient, acme: TenantFixture, method: str, endpoint: str
) -> None:
    response = client.request(method, f"/t/%00/{endpoint}")
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("endpoint", ["token", "introspect", "revoke", "device_authorization"])
def test_a_nul_client_id_in_basic_credentials_is_a_client_error(
    client: TestClient, acme: TenantFixture, endpoint: str
) -> None:
    credentials = base64.b64encode(b"\x00:secret").decode()
    response = client.post(
        f"/t/acme/{endpoint}",
        data={"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert 400 <= response.status_code < 500, response.text


def test_a_nul_email_at_sign_in_is_a_client_error(browser: Browser, acme: TenantFixture) -> None:
    login = browser.authorize(new_authorization()).headers["location"]
    page = browser.get(login)
    form = {
        "interaction": hidden(page.text, "interaction"),
        "csrf_token": hidden(page.text, "csrf_token"),
        "email": "alice\x00@example.com",
        "password": acme.password,
    }
    response = browser.post("/t/acme/login", form)
    assert 400 <= response.status_code < 500, response.text
