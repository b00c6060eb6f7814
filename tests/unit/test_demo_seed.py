"""The demo tenant ``idgate serve`` seeds on an empty database: sign-up open with the
verification still required, a banner that says where to create an account and read the
mail, and the demo relying party's sign-in leading to a ``Create account`` link that keeps
its authorization request."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from idgate.storage import database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import find_tenant
from local.dev.demo_seed import DEMO_TENANT, seed_demo
from local.dev.server import build_local_app
from tests.flows import Browser

# What `idgate serve` uses by default: the demo app's http redirect URIs must be loopback.
PUBLIC_URL = "http://127.0.0.1:8000"


@pytest.fixture
def demo_rt(rt: Runtime) -> Iterator[Runtime]:
    local = build_runtime(rt.settings.model_copy(update={"public_url": PUBLIC_URL}))
    install_runtime(local)
    yield local
    install_runtime(rt)
    local.engine.dispose()


@pytest.fixture
def seeded(demo_rt: Runtime, capsys: pytest.CaptureFixture[str]) -> str:
    """The demo seeded; the start-up banner."""
    with scoped(ALL_TENANTS):
        seed_demo(demo_rt)
    return capsys.readouterr().out


def test_demo_tenant_opens_sign_up_and_keeps_verification_required(
    demo_rt: Runtime, seeded: str
) -> None:
    with scoped(ALL_TENANTS), database.read(demo_rt.engine) as conn:
        tenant = find_tenant(conn, DEMO_TENANT)

    assert tenant is not None
    assert tenant.policy.sign_up_open
    assert tenant.policy.verification_required


def test_banner_says_where_to_create_an_account_and_read_the_mail(seeded: str) -> None:
    assert f"create an account at {PUBLIC_URL}/demo-rp/" in seeded
    assert f"read mail at {PUBLIC_URL}/dev/outbox" in seeded


def test_seeding_again_changes_nothing(
    demo_rt: Runtime, seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with scoped(ALL_TENANTS):
        seed_demo(demo_rt)

    assert capsys.readouterr().out == ""


def test_demo_rp_sign_in_offers_create_account_keeping_the_authorization_request(
    seeded: str,
) -> None:
    browser = Browser(TestClient(build_local_app(), base_url=PUBLIC_URL), slug=DEMO_TENANT)
    authorize = browser.get("/demo-rp/login")
    assert authorize.status_code == 302
    login = browser.get(authorize.headers["location"])
    assert login.status_code == 302, login.text
    login_path = login.headers["location"]
    interaction = parse_qs(urlsplit(login_path).query)["interaction"][0]

    page = browser.get(login_path)

    create_account = f'href="/t/{DEMO_TENANT}/signup?interaction={interaction}"'
    assert page.status_code == 200 and create_account in page.text
    sign_up = browser.get(f"/t/{DEMO_TENANT}/signup?interaction={interaction}")
    assert sign_up.status_code == 200, sign_up.text
    assert f'value="{interaction}"' in sign_up.text
