"""No input makes a public endpoint answer a server error (issue 17, "No 500 on any input").

Hypothesis draws every parameter of the authorization, token, introspection, revocation,
userinfo, device, logout, sign-in, consent and upstream endpoints of tenant ``acme``: the
values a client would send, odd ones (non-ASCII digits such as "²", NUL, huge numbers, very
long values, raw bytes that are not UTF-8, broken percent-escapes), repeated and unknown
parameters, and ``Authorization`` headers of every shape (raw non-ASCII bytes in ``Basic``
included), with and without a session, a CSRF pair and the right content type. The valid
values (registered clients and redirect URIs, a real code verifier, refresh token, ID token,
device code, user code and interactions) are drawn often, so the requests get past the first
check and reach the deeper ones.

Every answer must be: below 500, free of a stack trace, a JSON error only with a code of the
RFCs' vocabulary (idgate's own few codes where no RFC speaks), and a redirect only to the
provider's own pages or to a URI registered for ``acme`` (never one the request made up).

Requests are ASGI scopes built by hand, as a server hands them over: httpx would refuse or
normalize the header and query bytes this is about. In CI the examples are derandomized, so
a failure there reproduces as it is; elsewhere each run explores new ones (a failure prints
the ``@reproduce_failure`` blob). A deeper search: IDGATE_FUZZ_EXAMPLES=1000.
"""

from __future__ import annotations

import asyncio
import base64
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_from_bytes, unquote_to_bytes, urlencode, urlsplit

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idgate.control.connections_admin import put_upstream_connection
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.sessions import start_session
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import find_tenant
from local.server import build_app
from tests.conftest import SERVICE_SECRET, WEB_SECRET, TenantFixture
from tests.flows import (
    SPA_REDIRECT,
    WEB_REDIRECT,
    Browser,
    basic,
    new_authorization,
    query_of,
    token_request,
)
from tests.handlers.admin_fixtures import use_cheap_password_hashing

FUZZ = settings(
    max_examples=int(os.environ.get("IDGATE_FUZZ_EXAMPLES", "100")),
    deadline=None,
    # One world (tenant, tokens, app) per test function serves all of its examples: that
    # they share the database state is fine, since no property depends on a fresh one.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    derandomize=os.environ.get("CI") == "true",
    database=None,  # no saved examples to replay: a failure prints its blob instead
    print_blob=True,
)

LOGOUT_REDIRECT = "https://app.example.com/bye"
# Where idgate's GitHub provider points in these tests: a closed port on this machine, so a
# request that reached the upstream (none should) fails at once and never leaves it.
UPSTREAM_URL = "http://127.0.0.1:9"
UPSTREAM_AUTHORIZE = f"{UPSTREAM_URL}/login/oauth/authorize"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

# RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8628 §3.5, OIDC Core
# §3.1.2.6. ``server_error`` is absent on purpose: it is what a 500 says.
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "temporarily_unavailable",
        "invalid_client",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_token",
        "insufficient_scope",
        "unsupported_token_type",
        "authorization_pending",
        "slow_down",
        "expired_token",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
    }
)
# Where no RFC has a code: an unknown path or tenant, a wrong method, the upstream token
# handoff of a customer with no linked account (idgate.kernel.errors).
IDGATE_ERRORS = frozenset({"not_found", "method_not_allowed", "unauthorized", "not_linked"})
# What may follow a registered redirect URI's own query: the authorization response's
# parameters (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207) or logout's state.
RESPONSE_PARAMETERS = frozenset({"code", "state", "iss", "error", "error_description"})


# --- requests, as a server hands them over ----------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes

    def header(self, name: bytes) -> str:
        return self.headers.get(name, b"").decode("latin-1")


class RawAsgi:
    """Sends hand-built ASGI requests to an app on one event loop of its own thread (so it
    works beside pytest-playwright's loop, and the loop is not rebuilt per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def request(
        self,
        method: str,
        path: bytes,
        query: bytes = b"",
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        client: tuple[str, int] = ("127.0.0.1", 50000),
    ) -> Answer:
        future: Future[Answer] = asyncio.run_coroutine_threadsafe(
            self._send(method, path, query, headers, body, client), self.loop
        )
        return future.result(timeout=60)

    async def _send(
        self,
        method: str,
        raw_path: bytes,
        query: bytes,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        client: tuple[str, int],
    ) -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            # As uvicorn does: the path percent-decoded (as UTF-8, invalid bytes replaced).
            "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "client": client,
            "server": ("testserver", 80),
            "headers": [(b"host", b"testserver"), *headers],
        }
        sent: list[dict[str, Any]] = []
        done = asyncio.Event()
        body_sent = False

        async def receive() -> dict[str, Any]:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await self.app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return Answer(start["status"], dict(start.get("headers", [])), content)


# --- the world the examples run in --------------------------------------------------------


@dataclass
class World:
    """Tenant ``acme`` with a GitHub connection ``github``, and real artifacts of it."""

    rt: Runtime
    raw: RawAsgi
    tenant_id: str
    customer_id: str
    verifier: str
    access_token: str
    refresh_token: str
    id_token: str
    service_token: str
    device_code: str
    user_code: str
    login_interaction: str
    consent_interaction: str

    def new_session(self) -> str:
        """A fresh session cookie of alice (a drawn logout may have ended the last one)."""
        with scoped(ALL_TENANTS), database.write(self.rt.engine) as conn:
            cookie, _ = start_session(
                conn, tenant_id=self.tenant_id, customer_id=self.customer_id, now=self.rt.now()
            )
        return cookie


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before ``acme`` hashes alice's password: each sign-in the examples draw verifies one.
    use_cheap_password_hashing(monkeypatch)


def _connect_github(rt: Runtime) -> str:
    """Connection ``github`` of acme (idgate's GitHub provider pointed at UPSTREAM_URL by
    the caller); returns acme's tenant id."""
    github = ConnectionSettings("github", "Iv1.fuzz", "github-client-secret-0123456789abcdef")
    with scoped(ALL_TENANTS):
        put_upstream_connection(rt, LOCAL_OPERATOR, "acme", "github", github)
        with database.read(rt.engine) as conn:
            tenant = find_tenant(conn, "acme")
    assert tenant is not None
    return tenant.id


def _signed_in(browser: Browser, acme: TenantFixture) -> tuple[str, dict[str, Any]]:
    """alice signs in to ``web`` through the browser; the code verifier and the tokens."""
    auth = new_authorization()
    code = query_of(browser.sign_in(auth, acme.email, acme.password))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    return auth.verifier, token_request(
        browser.client, "acme", form, basic("web", WEB_SECRET)
    ).json()


def _pending_interactions(app: Any, browser: Browser) -> tuple[str, str]:
    """An interaction waiting for a sign-in (a browser without a session) and one waiting
    for consent (alice's browser, for ``spa``, which she has not consented to)."""
    anonymous = TestClient(app, base_url="http://testserver")
    login = anonymous.get(
        "/t/acme/authorize", params=new_authorization().params, follow_redirects=False
    )
    consent = browser.get(
        "/t/acme/authorize?" + urlencode(new_authorization("spa", SPA_REDIRECT).params)
    )
    assert consent.headers["location"].startswith("/t/acme/consent?"), consent.text
    return (
        query_of(login.headers["location"])["interaction"],
        query_of(consent.headers["location"])["interaction"],
    )


@pytest.fixture
def world(rt: Runtime, acme: TenantFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("IDGATE_GITHUB_URL", UPSTREAM_URL)
    monkeypatch.setenv("IDGATE_GITHUB_API_URL", UPSTREAM_URL)
    tenant_id = _connect_github(rt)
    app: Any = build_app()
    browser = Browser(TestClient(app, base_url="http://testserver"))
    verifier, tokens = _signed_in(browser, acme)
    service = token_request(
        browser.client,
        "acme",
        {"grant_type": "client_credentials"},
        basic("service", SERVICE_SECRET),
    ).json()
    device = browser.client.post(
        "/t/acme/device_authorization", data={"client_id": "tv", "scope": "openid"}
    ).json()
    login_interaction, consent_interaction = _pending_interactions(app, browser)
    raw = RawAsgi(app)
    yield World(
        rt=rt,
        raw=raw,
        tenant_id=tenant_id,
        customer_id=acme.customer_id,
        verifier=verifier,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        id_token=tokens["id_token"],
        service_token=service["access_token"],
        device_code=device["device_code"],
        user_code=device["user_code"],
        login_interaction=login_interaction,
        consent_interaction=consent_interaction,
    )
    raw.close()


# --- strategies ---------------------------------------------------------------------------

# A value is its bytes on the wire: text percent-encoded as UTF-8, raw bytes percent-encoded
# as they are (so not always UTF-8), or a fragment sent unencoded (a broken escape).
Wire = bytes


def _text(value: str) -> Wire:
    return quote(value, safe="").encode()


ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u00b2",  # superscript two: str.isdigit() says yes, int() says no
    "\u0663",  # Arabic-Indic three
    "\uff15",  # fullwidth five
    "1\u00b2",
    "-1",
    "+5",
    "0x10",
    "1e9",
    "NaN",
    "null",
    "[]",
    "{}",
    "\r\n",
    "\ufeff",
    "\u202e",
    "é",
    "\U0001f4a5",
    "../..",
    "https://evil.example/callback",
    "//evil.example",
    "javascript:alert(1)",
    "https://app.example.com/callback/",
    "https://app.example.com/callback?x=1",
    "https://app.example.com/callback#x",
    "HTTPS://APP.EXAMPLE.COM/callback",
    "https://app.example.com:443/callback",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",  # an unsigned JWT
    "a.b.c",
]
BROKEN_ESCAPES = [b"%", b"%z", b"%zz", b"%FF", b"%C3%28", b"%ED%A0%80", b"+", b"%00", b";", b"="]

odd_values: st.SearchStrategy[Wire] = st.one_of(
    st.sampled_from(ODD_TEXT).map(_text),
    st.text(max_size=40).map(_text),
    st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: _text(str(n))),
    # very long values: 5,000 digits, a long run of one character
    st.builds(
        lambda char, count: _text(char * count),
        st.sampled_from(["9", "a", "é", "\x00", "%"]),
        st.integers(min_value=1_000, max_value=20_000),
    ),
    st.binary(max_size=24).map(lambda raw: quote_from_bytes(raw, safe="").encode()),
    st.sampled_from(BROKEN_ESCAPES),
)


def values(*good: str) -> st.SearchStrategy[Wire]:
    """A parameter's value: one a client would send (often), or an odd one."""
    if not good:
        return odd_values
    return st.one_of(st.sampled_from(good).map(_text), odd_values)


Parameters = Mapping[str, st.SearchStrategy[Wire]]


@st.composite
def encoded_form(draw: st.DrawFn, parameters: Parameters) -> Wire:
    """A query string or form body: each known parameter absent, once, or repeated, in any
    order, with unknown ones mixed in."""
    pairs: list[tuple[Wire, Wire]] = []
    for name, strategy in parameters.items():
        for _ in range(draw(st.sampled_from((0, 1, 1, 1, 2)))):
            pairs.append((_text(name), draw(strategy)))
    pairs += draw(st.lists(st.tuples(odd_values, odd_values), max_size=2))
    pairs = draw(st.permutations(pairs)) if len(pairs) < 12 else pairs
    shape = draw(st.sampled_from(("pairs", "pairs", "pairs", "bare", "junk")))
    if shape == "junk":
        return draw(st.binary(max_size=64))
    joined = b"&".join(
        name if shape == "bare" and i == 0 else name + b"=" + value
        for i, (name, value) in enumerate(pairs)
    )
    return joined


def _basic(user: bytes, password: bytes) -> bytes:
    return b"Basic " + base64.b64encode(user + b":" + password)


def _header_safe(value: bytes) -> bytes:
    # A server never hands over CR, LF or NUL in a header value (HTTP/1.1 framing).
    return value.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")


def authorizations(*bearer: str) -> st.SearchStrategy[bytes | None]:
    """``Authorization`` headers: none, the right client credentials, wrong ones, malformed
    ones (raw non-ASCII bytes, not base64, no colon), and bearer tokens."""
    secret_ish = st.one_of(
        st.sampled_from([WEB_SECRET.encode(), SERVICE_SECRET.encode(), b""]), st.binary(max_size=40)
    )
    client_ish = st.one_of(
        st.sampled_from([b"web", b"spa", b"service", b"tv"]), st.binary(max_size=12)
    )
    return st.one_of(
        st.none(),
        st.just(_basic(b"web", WEB_SECRET.encode())),
        st.just(_basic(b"service", SERVICE_SECRET.encode())),
        st.builds(_basic, client_ish, secret_ish),
        st.builds(lambda raw: b"Basic " + base64.b64encode(raw), st.binary(max_size=40)),
        st.builds(lambda raw: _header_safe(b"Basic " + raw), st.binary(max_size=40)),
        st.sampled_from(
            [b"Basic", b"Basic ", b"basic d2ViOg==", b"Basic Og==", b"Basic ====", b"Digest x"]
        ),
        st.sampled_from(
            [b"Bearer", b"Bearer ", b"bearer x", *(b"Bearer " + t.encode() for t in bearer)]
        ),
        st.builds(lambda raw: _header_safe(b"Bearer " + raw), st.binary(max_size=40)),
    )


FORM = b"application/x-www-form-urlencoded"
content_types: st.SearchStrategy[bytes | None] = st.sampled_from(
    [
        FORM,
        FORM,
        FORM,
        FORM + b"; charset=utf-8",
        FORM + b"; charset=latin-1",
        b"application/json",
        b"multipart/form-data; boundary=x",
        b"multipart/form-data",
        b"text/plain",
        None,
    ]
)
accepts = st.sampled_from([b"text/html", b"application/json", b"*/*", None])
clients = st.builds(
    lambda a, b, port: (f"127.0.{a}.{b}", port),
    st.integers(0, 255),
    st.integers(1, 254),
    st.integers(1024, 65535),
)


# --- what every answer must be ------------------------------------------------------------


def check_answer(
    answer: Answer,
    *,
    vocabulary: frozenset[str] = OAUTH_ERRORS | IDGATE_ERRORS,
    redirects_to: Sequence[str] = (),
) -> None:
    """Below 500, no stack trace, JSON errors from ``vocabulary``, and redirects only to the
    provider's own pages, a registered URI, or one of ``redirects_to``."""
    assert answer.status < 500, (answer.status, answer.body[:2000])
    assert b"Traceback" not in answer.body, answer.body[:2000]
    content_type = answer.header(b"content-type")
    if answer.status >= 400 and content_type.startswith("application/json") and answer.body:
        error = orjson.loads(answer.body).get("error")
        assert error in vocabulary, (answer.status, answer.body[:500])
    if 300 <= answer.status < 400:
        _check_redirect(answer.header(b"location"), redirects_to)


def _check_redirect(location: str, also: Sequence[str]) -> None:
    assert location, "a redirect without a Location"
    if location.startswith("/"):
        # The provider's own pages: a path of this tenant, never a protocol-relative URL
        # ("//evil.example") that a browser would take to another host.
        assert location.startswith("/t/acme/") and "\\" not in location, location
        return
    parts = urlsplit(location)
    base = location.split("?", 1)[0]
    if base in also:
        return
    registered = {WEB_REDIRECT, SPA_REDIRECT, LOGOUT_REDIRECT}
    assert base in registered and not parts.fragment, location
    # The registered URI itself plus the response's own parameters, nothing the request
    # slipped in.
    names = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    allowed = {"state"} if base == LOGOUT_REDIRECT else RESPONSE_PARAMETERS
    assert names <= allowed, location
    error = dict(parse_qsl(parts.query)).get("error")
    assert error is None or error in OAUTH_ERRORS, location


# --- one request per example --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    query: Wire = b""
    body: Wire = b""
    content_type: bytes | None = None
    authorization: bytes | None = None
    accept: bytes | None = None
    with_session: bool = False
    csrf: bytes | None = None  # the cookie; the form's csrf_token is drawn with the body
    client: tuple[str, int] = ("127.0.0.1", 50000)


def send(w: World, path: str, request: Request) -> Answer:
    headers: list[tuple[bytes, bytes]] = []
    if request.content_type is not None:
        headers.append((b"content-type", request.content_type))
    if request.authorization is not None:
        headers.append((b"authorization", request.authorization))
    if request.accept is not None:
        headers.append((b"accept", request.accept))
    cookies = []
    if request.with_session:
        cookies.append(b"idgate_session=" + w.new_session().encode())
    if request.csrf is not None:
        cookies.append(b"idgate_csrf=" + request.csrf)
    if cookies:
        headers.append((b"cookie", b"; ".join(cookies)))
    return w.raw.request(
        request.method,
        path.encode(),
        request.query,
        headers,
        request.body,
        request.client,
    )


def get_requests(parameters: Parameters) -> st.SearchStrategy[Request]:
    return st.builds(
        Request,
        method=st.just("GET"),
        query=encoded_form(parameters),
        accept=accepts,
        with_session=st.booleans(),
        client=clients,
    )


def post_requests(
    parameters: Parameters,
    authorization: st.SearchStrategy[bytes | None] = st.none(),
    csrf: st.SearchStrategy[bytes | None] = st.none(),
) -> st.SearchStrategy[Request]:
    return st.builds(
        Request,
        method=st.just("POST"),
        query=st.one_of(st.just(b""), encoded_form(parameters)),
        body=encoded_form(parameters),
        content_type=content_types,
        authorization=authorization,
        accept=accepts,
        with_session=st.booleans(),
        csrf=csrf,
        client=clients,
    )


# The CSRF token the drawn forms carry and the cookie that matches it (double submit).
CSRF = "fuzz-csrf-token"
csrf_cookies = st.sampled_from([CSRF.encode(), CSRF.encode(), None, b"other", b"\xc3\xa9t\xc3\xa9"])


def authorize_parameters(w: World) -> Parameters:
    challenge = new_authorization().challenge
    return {
        "client_id": values("web", "spa", "service", "tv"),
        "redirect_uri": values(WEB_REDIRECT, SPA_REDIRECT, LOGOUT_REDIRECT),
        "response_type": values("code", "token", "id_token", "code id_token", "none"),
        "scope": values("openid", "openid profile email offline_access", "profile", "admin"),
        "state": values("xyz"),
        "nonce": values("n-0S6_WzA2Mj"),
        "code_challenge": values(challenge, w.verifier),
        "code_challenge_method": values("S256", "plain", "s256"),
        "prompt": values("none", "login", "consent", "select_account", "none login"),
        "max_age": values("0", "3600", "2147483647"),
        "login_hint": values("alice@example.com"),
        "ui_locales": values("en", "fr-CA en"),
        "request": values("a.b.c"),
        "request_uri": values("urn:ietf:params:oauth:request_uri:x"),
        "id_token_hint": values(w.id_token, w.access_token),
        "response_mode": values("query", "fragment", "form_post"),
        "claims": values('{"id_token":{"email":null}}'),
        "registration": values("{}"),
        "acr_values": values("urn:mace:incommon:iap:silver"),
        "display": values("page", "popup"),
    }


def token_parameters(w: World) -> Parameters:
    return {
        "grant_type": values(
            "authorization_code",
            "refresh_token",
            "client_credentials",
            DEVICE_GRANT,
            "password",
            "implicit",
        ),
        "code": values(),
        "redirect_uri": values(WEB_REDIRECT, SPA_REDIRECT),
        "code_verifier": values(w.verifier),
        "client_id": values("web", "spa", "service", "tv"),
        "client_secret": values(WEB_SECRET, SERVICE_SECRET),
        "refresh_token": values(w.refresh_token),
        "scope": values("openid", "openid profile", "admin", "offline_access"),
        "device_code": values(w.device_code),
        "client_assertion_type": values("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        "client_assertion": values(w.access_token),
        "resource": values("https://api.example.com/"),
        "audience": values("https://api.example.com/"),
    }


def token_handling_parameters(w: World) -> Parameters:
    tokens = (w.access_token, w.refresh_token, w.id_token, w.service_token)
    return {
        "token": values(*tokens),
        "token_type_hint": values("access_token", "refresh_token", "id_token", "code"),
        "client_id": values("web", "spa", "service", "tv"),
        "client_secret": values(WEB_SECRET, SERVICE_SECRET),
    }


# --- the properties -----------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_authorize_never_fails_with_a_server_error(world: World, data: st.DataObject) -> None:
    request = data.draw(get_requests(authorize_parameters(world)))
    check_answer(send(world, "/t/acme/authorize", request))


@FUZZ
@given(data=st.data())
def test_token_endpoint_never_fails_with_a_server_error(world: World, data: st.DataObject) -> None:
    tokens = (world.access_token, world.service_token)
    request = data.draw(post_requests(token_parameters(world), authorizations(*tokens)))
    check_answer(send(world, "/t/acme/token", request), vocabulary=OAUTH_ERRORS)


@FUZZ
@given(data=st.data(), endpoint=st.sampled_from(["introspect", "revoke", "userinfo"]))
def test_introspection_revocation_and_userinfo_never_fail_with_a_server_error(
    world: World, data: st.DataObject, endpoint: str
) -> None:
    tokens = (world.access_token, world.service_token, world.id_token)
    request = data.draw(post_requests(token_handling_parameters(world), authorizations(*tokens)))
    if endpoint == "userinfo" and data.draw(st.booleans()):
        request = Request("GET", request.query, authorization=request.authorization)
    # A request to userinfo without credentials gets a bare Bearer challenge (RFC 6750
    # §3.1: no error code), and idgate's own "unauthorized" in the body.
    vocabulary = OAUTH_ERRORS | {"unauthorized"} if endpoint == "userinfo" else OAUTH_ERRORS
    check_answer(send(world, f"/t/acme/{endpoint}", request), vocabulary=vocabulary)


@FUZZ
@given(data=st.data())
def test_device_endpoints_never_fail_with_a_server_error(world: World, data: st.DataObject) -> None:
    authorization = data.draw(
        post_requests(
            {"client_id": values("tv", "web", "spa"), "scope": values("openid", "openid profile")},
            authorizations(),
        )
    )
    check_answer(
        send(world, "/t/acme/device_authorization", authorization), vocabulary=OAUTH_ERRORS
    )
    user_code = values(world.user_code, world.user_code.replace("-", "").lower())
    page = data.draw(get_requests({"user_code": user_code}))
    check_answer(send(world, "/t/acme/device", page))
    form = {
        "user_code": user_code,
        "decision": values("approve", "deny"),
        "csrf_token": values(CSRF),
    }
    decision = data.draw(post_requests(form, csrf=csrf_cookies))
    check_answer(send(world, "/t/acme/device", decision))


@FUZZ
@given(data=st.data(), method=st.sampled_from(["GET", "POST"]))
def test_logout_never_fails_with_a_server_error(
    world: World, data: st.DataObject, method: str
) -> None:
    parameters = {
        "id_token_hint": values(world.id_token, world.access_token, world.service_token),
        "post_logout_redirect_uri": values(LOGOUT_REDIRECT, WEB_REDIRECT),
        "state": values("xyz"),
        "client_id": values("web", "spa"),
        "ui_locales": values("en"),
    }
    if method == "GET":
        request = data.draw(get_requests(parameters))
    else:
        request = data.draw(
            post_requests({**parameters, "csrf_token": values(CSRF)}, csrf=csrf_cookies)
        )
    check_answer(send(world, "/t/acme/logout", request))


@FUZZ
@given(
    data=st.data(),
    page=st.sampled_from(["login", "consent", "authorize/resume"]),
    method=st.sampled_from(["GET", "POST"]),
)
def test_sign_in_and_consent_pages_never_fail_with_a_server_error(
    world: World, data: st.DataObject, page: str, method: str
) -> None:
    interaction = values(world.login_interaction, world.consent_interaction)
    if method == "GET":
        request = data.draw(get_requests({"interaction": interaction}))
    else:
        form = {
            "interaction": interaction,
            "csrf_token": values(CSRF),
            "email": values("alice@example.com", "ALICE@example.com"),
            "password": values("correct horse battery"),
            "decision": values("allow", "deny"),
        }
        request = data.draw(post_requests(form, csrf=csrf_cookies))
    check_answer(send(world, f"/t/acme/{page}", request))


connection_ids = st.one_of(
    st.sampled_from(["github", "GitHub", "nope", "", "%2F", "%00", "..", "%2e%2e"]),
    st.text(max_size=30).map(_text),
    st.binary(max_size=12).map(lambda raw: quote_from_bytes(raw, safe="").encode().decode()),
)


@FUZZ
@given(
    data=st.data(),
    connection_id=connection_ids,
    step=st.sampled_from(["start", "callback", "link", "token"]),
)
def test_upstream_routes_never_fail_with_a_server_error(
    world: World, data: st.DataObject, connection_id: str, step: str
) -> None:
    parameters = {
        "interaction": values(world.login_interaction, world.consent_interaction),
        "code": values(),
        "state": values(),
        "error": values("access_denied"),
        "error_description": values(),
    }
    request = data.draw(get_requests(parameters))
    if step == "token":
        bearer = authorizations(world.access_token, world.service_token)
        request = Request("GET", request.query, authorization=data.draw(bearer))
    path = f"/t/acme/upstream/{connection_id}/{step}"
    check_answer(send(world, path, request), redirects_to=[UPSTREAM_AUTHORIZE])


@FUZZ
@given(
    tenant=st.one_of(
        st.sampled_from(["acme", "ACME", "platform", "nope"]),
        st.text(max_size=20).map(_text).map(bytes.decode),
    ),
    endpoint=st.sampled_from(
        [
            "authorize",
            "token",
            "introspect",
            "revoke",
            "userinfo",
            "jwks",
            ".well-known/openid-configuration",
            "device_authorization",
            "device",
            "logout",
            "login",
            "consent",
        ]
    ),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"]),
)
def test_any_tenant_and_method_never_fails_with_a_server_error(
    world: World, tenant: str, endpoint: str, method: str
) -> None:
    check_answer(send(world, f"/t/{tenant}/{endpoint}", Request(method)))
