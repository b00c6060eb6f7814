"""Security headers of every HTML page kind (a strict CSP with no script and no
``unsafe-inline``/``unsafe-eval``, no framing, no referrer, no sniffing), HSTS only when
the public URL is https, and the attributes of every cookie the provider and the demo
relying party set."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from local.dev.server import build_local_app
from local.server import build_app
from tests.conftest import FakeClock, TenantFixture
from tests.flows import Browser, hidden, new_authorization, token_request

HTTPS_URL = "https://idp.example"
HSTS = "max-age=31536000; includeSubDomains"


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def assert_page_headers(response: httpx.Response, *, https: bool = False) -> dict[str, list[str]]:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    csp = directives(response)
    assert csp["default-src"] == ["'none'"]
    assert "script-src" not in csp  # falls back to default-src 'none': no script at all
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"][0] == "'self'"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    if https:
        assert response.headers["strict-transport-security"] == HSTS
    else:
        assert "strict-transport-security" not in response.headers
    if "<style>" in response.text:
        [css] = re.findall(r"<style>(.*?)</style>", response.text, re.S)
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert csp["style-src"] == [f"'sha256-{digest}'"]
    return csp


def set_cookie_attributes(response: httpx.Response, name: str) -> dict[str, str]:
    lines = [v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}=")]
    assert len(lines) == 1, response.headers.get_list("set-cookie")
    cookie = SimpleCookie()
    cookie.load(lines[0])
    morsel = cookie[name]
    attributes = {key: str(morsel[key]) for key in morsel if morsel[key]}
    attributes["raw"] = lines[0]
    return attributes


def _every_page_kind(browser: Browser, acme: TenantFixture, *, https: bool) -> None:
    client = browser.client
    auth = new_authorization()
    first = browser.authorize(auth)
    login = browser.get(first.headers["location"])
    assert login.status_code == 200
    csp = assert_page_headers(login, https=https)
    assert "https://app.example.com" in csp["form-action"]  # where the POST ends up

    failed = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(login.text, "interaction"),
            "csrf_token": hidden(login.text, "csrf_token"),
            "email": acme.email,
            "password": "wrong password",
        },
    )
    assert failed.status_code == 401
    assert "https://app.example.com" in assert_page_headers(failed, https=https)["form-action"]

    signed_in = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(login.text, "interaction"),
            "csrf_token": hidden(login.text, "csrf_token"),
            "email": acme.email,
            "password": acme.password,
        },
    )
    assert signed_in.status_code == 302, signed_in.text
    resumed = browser.get(signed_in.headers["location"])
    consent = browser.get(resumed.headers["location"])
    assert consent.status_code == 200 and "Allow" in consent.text
    assert "https://app.example.com" in assert_page_headers(consent, https=https)["form-action"]

    error = browser.get("/t/acme/login?interaction=nonexistent")
    assert error.status_code >= 400 and "Something went wrong" in error.text
    assert_page_headers(error, https=https)
    not_found = browser.get("/t/acme/no-such-page")
    assert not_found.status_code == 404
    assert_page_headers(not_found, https=https)

    enter = browser.get("/t/acme/device")
    assert enter.status_code == 200
    assert_page_headers(enter, https=https)
    wrong = browser.get("/t/acme/device?user_code=WRONG-CODE")
    assert wrong.status_code == 400
    assert_page_headers(wrong, https=https)

    started = client.post("/t/acme/device_authorization", data={"client_id": "tv"})
    assert started.status_code == 200
    if https:
        assert started.headers["strict-transport-security"] == HSTS
    user_code = started.json()["user_code"]
    confirm = browser.get(f"/t/acme/device?user_code={user_code}")
    assert confirm.status_code == 200 and user_code in confirm.text
    assert_page_headers(confirm, https=https)
    done = browser.post(
        "/t/acme/device",
        {
            "csrf_token": hidden(confirm.text, "csrf_token"),
            "user_code": user_code,
            "decision": "approve",
        },
    )
    assert done.status_code == 200 and "Device connected" in done.text
    assert_page_headers(done, https=https)

    query = urlencode(
        {"client_id": "web", "post_logout_redirect_uri": "https://app.example.com/bye"}
    )
    confirm_logout = browser.get(f"/t/acme/logout?{query}")
    assert confirm_logout.status_code == 200 and "Sign out?" in confirm_logout.text
    csp = assert_page_headers(confirm_logout, https=https)
    assert "https://app.example.com" in csp["form-action"]
    logged_out = browser.post(
        "/t/acme/logout", {"csrf_token": hidden(confirm_logout.text, "csrf_token")}
    )
    assert logged_out.status_code == 200 and "signed out" in logged_out.text
    assert_page_headers(logged_out, https=https)


def test_every_page_kind_has_a_strict_csp_and_no_hsts_on_http(
    browser: Browser, acme: TenantFixture
) -> None:
    _every_page_kind(browser, acme, https=False)
    jwks = browser.client.get("/t/acme/jwks")
    assert "strict-transport-security" not in jwks.headers
    assert "content-security-policy" not in jwks.headers


def test_a_public_client_with_a_loopback_redirect_uri_is_a_form_action(
    browser: Browser,
) -> None:
    first = browser.authorize(new_authorization("spa", "http://127.0.0.1:5173/callback"))
    login = browser.get(first.headers["location"])
    assert directives(login)["form-action"] == ["'self'", "http://127.0.0.1:5173"]


@pytest.fixture
def https_client(rt: Runtime, clock: FakeClock) -> Iterator[TestClient]:
    """The same database served under an https public URL."""
    settings = rt.settings.model_copy(update={"public_url": HTTPS_URL})
    https_rt = build_runtime(settings, clock=clock)
    install_runtime(https_rt)
    try:
        yield TestClient(build_app(), base_url=HTTPS_URL)
    finally:
        install_runtime(rt)
        https_rt.engine.dispose()


def test_on_https_every_page_and_json_answer_has_hsts(
    https_client: TestClient, acme: TenantFixture
) -> None:
    _every_page_kind(Browser(https_client), acme, https=True)
    for response in (
        https_client.get("/t/acme/jwks"),
        https_client.get("/t/acme/.well-known/openid-configuration"),
        https_client.get("/t/nobody/jwks"),
        token_request(https_client, "acme", {"grant_type": "client_credentials"}),
    ):
        assert response.headers["strict-transport-security"] == HSTS
        assert response.headers["x-content-type-options"] == "nosniff"


def test_cookies_on_http_are_httponly_and_samesite(browser: Browser, acme: TenantFixture) -> None:
    first = browser.authorize(new_authorization())
    login = browser.get(first.headers["location"])
    csrf = set_cookie_attributes(login, "idgate_csrf")
    assert csrf["httponly"] and csrf["samesite"].lower() == "lax" and csrf["path"] == "/"
    assert "secure" not in csrf
    signed_in = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(login.text, "interaction"),
            "csrf_token": hidden(login.text, "csrf_token"),
            "email": acme.email,
            "password": acme.password,
        },
    )
    session = set_cookie_attributes(signed_in, "idgate_session")
    assert session["httponly"] and session["samesite"].lower() == "lax"
    assert session["path"] == "/t/acme/" and "secure" not in session
    logged_out = browser.post("/t/acme/logout", {"csrf_token": hidden(login.text, "csrf_token")})
    cleared = set_cookie_attributes(logged_out, "idgate_session")
    assert cleared["httponly"] and cleared["samesite"].lower() == "lax"
    assert cleared["path"] == "/t/acme/" and cleared["max-age"] == "0"


def test_cookies_on_https_are_secure_and_the_csrf_cookie_is_host_prefixed(
    https_client: TestClient, acme: TenantFixture
) -> None:
    browser = Browser(https_client)
    first = browser.authorize(new_authorization())
    login = browser.get(first.headers["location"])
    assert not [c for c in login.headers.get_list("set-cookie") if c.startswith("idgate_csrf=")]
    csrf = set_cookie_attributes(login, "__Host-idgate_csrf")
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"].lower() == "lax"
    assert csrf["path"] == "/" and "domain" not in csrf
    signed_in = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(login.text, "interaction"),
            "csrf_token": hidden(login.text, "csrf_token"),
            "email": acme.email,
            "password": acme.password,
        },
    )
    assert signed_in.status_code == 302, signed_in.text
    # Path-scoped to its tenant, so not __Host- (which requires Path=/), but Secure.
    session = set_cookie_attributes(signed_in, "idgate_session")
    assert session["secure"] and session["httponly"] and session["samesite"].lower() == "lax"
    assert session["path"] == "/t/acme/"
    logged_out = browser.post("/t/acme/logout", {"csrf_token": hidden(login.text, "csrf_token")})
    cleared = set_cookie_attributes(logged_out, "idgate_session")
    assert cleared["secure"] and cleared["httponly"] and cleared["max-age"] == "0"
    # The http cookie name is not accepted on https: the double submit needs the __Host- one.
    https_client.cookies.clear()
    https_client.cookies.set("idgate_csrf", "forged-token")
    refused = browser.post(
        "/t/acme/login",
        {"interaction": "x", "csrf_token": "forged-token", "email": "a@b.c", "password": "p"},
    )
    assert refused.status_code == 403


def test_demo_relying_party_pages_have_the_headers_and_their_cookie_attributes(
    rt: Runtime,
) -> None:
    client = TestClient(build_local_app(), base_url="http://testserver")
    home = client.get("/demo-rp/", headers={"Accept": "text/html"})
    assert home.status_code == 200
    assert_page_headers(home)
    cookie = set_cookie_attributes(home, "demo_rp")
    assert cookie["httponly"] and cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/demo-rp" and "secure" not in cookie


def test_demo_relying_party_cookie_is_secure_on_https(https_client: TestClient) -> None:
    client = TestClient(build_local_app(), base_url=HTTPS_URL)
    home = client.get("/demo-rp/")
    assert_page_headers(home, https=True)
    cookie = set_cookie_attributes(home, "demo_rp")
    assert cookie["secure"] and cookie["httponly"]
