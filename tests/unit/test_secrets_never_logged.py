"""Secrets never logged: real flows run through the platform app with logs captured at
INFO (structlog's JSON lines on stdout, and any standard-library record), and no log line
holds a password, a client secret, a code, a token, a session cookie, the master key or
the database password."""

from __future__ import annotations

import base64
import logging
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from idgate.kernel.runtime import Runtime
from idgate.observability.logging import configure_logging
from local.server import build_app
from tests.conftest import MASTER_KEY, SERVICE_SECRET, WEB_SECRET, FakeClock, TenantFixture
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    basic,
    hidden,
    new_authorization,
    query_of,
    token_request,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
WEB_AUTH = basic("web", WEB_SECRET)


def _run_flows(browser: Browser, acme: TenantFixture, clock: FakeClock, secrets: set[str]) -> None:
    client = browser.client

    # Authorization code with PKCE: a failed and a good password sign-in, consent.
    auth = new_authorization()
    first = browser.authorize(auth)
    login = browser.get(first.headers["location"])
    failed = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(login.text, "interaction"),
            "csrf_token": hidden(login.text, "csrf_token"),
            "email": acme.email,
            "password": "wrong-password-5e1d",
        },
    )
    assert failed.status_code == 401
    secrets.update({"wrong-password-5e1d", hidden(login.text, "csrf_token")})
    signed_in = browser.submit_login(first.headers["location"], acme.email, acme.password)
    secrets.add(client.cookies["idgate_session"])
    code = query_of(browser.follow_to_redirect_uri(signed_in))["code"]
    secrets.update({code, auth.verifier})

    # Token exchange (the code's replay comes last: it revokes what the code granted).
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    tokens = token_request(client, "acme", exchange, WEB_AUTH)
    assert tokens.status_code == 200, tokens.text
    first_tokens = tokens.json()
    secrets.update(first_tokens[k] for k in ("access_token", "refresh_token", "id_token"))

    # Wrong client secrets, in the header and in the body.
    wrong = token_request(client, "acme", exchange, basic("web", "wrong-secret-77ab"))
    assert wrong.status_code == 401
    body_secret = {**exchange, "client_id": "web", "client_secret": "wrong-secret-88cd"}
    assert token_request(client, "acme", body_secret).status_code == 401
    secrets.update({"wrong-secret-77ab", "wrong-secret-88cd"})

    # Userinfo, refresh (and a reuse of the rotated refresh token), introspection.
    bearer = {"Authorization": f"Bearer {first_tokens['access_token']}"}
    assert client.get("/t/acme/userinfo", headers=bearer).status_code == 200
    grant = {"grant_type": "refresh_token", "refresh_token": first_tokens["refresh_token"]}
    refreshed = token_request(client, "acme", grant, WEB_AUTH)
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    secrets.update(second[k] for k in ("access_token", "refresh_token", "id_token"))
    for token in (second["access_token"], second["refresh_token"], "not-a-token-91fe"):
        introspected = client.post("/t/acme/introspect", data={"token": token}, headers=WEB_AUTH)
        assert introspected.status_code == 200
    assert token_request(client, "acme", grant, WEB_AUTH).status_code == 400  # reuse

    # Revocation, then a use of the revoked token.
    for token in (second["refresh_token"], second["access_token"]):
        revoked = client.post("/t/acme/revoke", data={"token": token}, headers=WEB_AUTH)
        assert revoked.status_code == 200
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get("/t/acme/userinfo", headers=bearer).status_code == 401

    # Client credentials.
    service = token_request(
        client, "acme", {"grant_type": "client_credentials"}, basic("service", SERVICE_SECRET)
    )
    assert service.status_code == 200, service.text
    secrets.add(service.json()["access_token"])

    # Device flow: authorization, a poll while pending, the user's approval, the token.
    started = client.post(
        "/t/acme/device_authorization",
        data={"client_id": "tv", "scope": "openid offline_access"},
    )
    assert started.status_code == 200, started.text
    device_code, user_code = started.json()["device_code"], started.json()["user_code"]
    secrets.update({device_code, user_code, user_code.replace("-", "")})
    poll = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": "tv"}
    assert token_request(client, "acme", poll).status_code == 400
    confirm = browser.get(f"/t/acme/device?user_code={user_code}")
    assert confirm.status_code == 200, confirm.text
    done = browser.post(
        "/t/acme/device",
        {
            "csrf_token": hidden(confirm.text, "csrf_token"),
            "user_code": user_code,
            "decision": "approve",
        },
    )
    assert done.status_code == 200, done.text
    clock.advance(started.json()["interval"] + 1)
    device_tokens = token_request(client, "acme", poll)
    assert device_tokens.status_code == 200, device_tokens.text
    secrets.update(device_tokens.json()[k] for k in ("access_token", "refresh_token", "id_token"))

    # RP-initiated logout with the ID token as hint.
    query = urlencode(
        {
            "id_token_hint": first_tokens["id_token"],
            "post_logout_redirect_uri": "https://app.example.com/bye",
            "state": "s",
        }
    )
    assert browser.get(f"/t/acme/logout?{query}").status_code == 302

    # A replayed authorization code, refused without echoing it.
    assert token_request(client, "acme", exchange, WEB_AUTH).status_code == 400


def test_no_secret_of_a_real_flow_reaches_the_log(
    rt: Runtime,
    acme: TenantFixture,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("INFO")
    caplog.set_level(logging.INFO)
    browser = Browser(TestClient(build_app()))
    capsys.readouterr()
    secrets = {
        acme.password,
        WEB_SECRET,
        SERVICE_SECRET,
        MASTER_KEY,
        base64.urlsafe_b64decode(MASTER_KEY + "==").hex(),
        WEB_AUTH["Authorization"].split()[1],
        basic("service", SERVICE_SECRET)["Authorization"].split()[1],
    }
    for url in (rt.settings.database_url, rt.settings.migration_database_url):
        password = make_url(url).password if url else None
        if password:
            # As a URL carries it; bare too unless too common a word (the test role's
            # password is "idgate", which every logger name holds).
            secrets.add(f":{password}@")
            if len(str(password)) >= 10:
                secrets.add(str(password))

    _run_flows(browser, acme, clock, secrets)

    captured = capsys.readouterr()
    lines = [*captured.out.splitlines(), *captured.err.splitlines()]
    # Every standard-library record but the test's own HTTP client's (httpx logs the URLs it
    # requests, which is the client side, not the provider's log).
    lines += [record.getMessage() for record in caplog.records if record.name != "httpx"]
    requests = [line for line in lines if '"event":"request"' in line]
    assert len(requests) >= 25  # the capture really saw the flows, at INFO
    leaks = {
        secret[:12]: [line for line in lines if secret in line]
        for secret in secrets
        if len(secret) >= 6
    }
    assert {name: found for name, found in leaks.items() if found} == {}
