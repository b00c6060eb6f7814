"""Signing-key rotation (OIDC Core §10.1.1, RFC 7517 JWKS): a next key is published ahead
of use and signs only after the rotation delay; the key it replaces keeps verifying until
every token it signed has expired, then the purge removes it; an immediate rotation (a
compromised key) switches at once and withdraws every earlier key.

Times move on the fake clock by the real settings: ``key_rotation_delay_seconds`` (900 s)
and ``cache_ttl_seconds`` (30 s, how long a process keeps using the key it loaded)."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from idgate.control.rbac import LOCAL_OPERATOR
from idgate.control.signing_keys_admin import list_signing_keys, rotate_signing_keys
from idgate.kernel.errors import Conflict
from idgate.kernel.runtime import Runtime
from idgate.keys import key_rotation
from idgate.keys.jws_signing import sign_jwt
from idgate.keys.jws_verification import verify_jwt
from idgate.keys.key_rotation import KeyInfo, Rotation
from idgate.keys.signing_keys import EDDSA, signing_key
from idgate.oauth.access_tokens import decode_access_token
from idgate.oauth.client_model import ID_TOKEN_TTL
from idgate.oauth.retention import ACCESS_TOKEN_TTL_FLOOR, purge_expired
from idgate.process import build_runtime
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import serving_tenant
from tests.conftest import (
    SERVICE_SECRET,
    WEB_SECRET,
    FakeClock,
    TenantFixture,
    provision_client,
)
from tests.flows import Browser, authorize_code, basic, new_authorization, token_request

WEB_AUTH = basic("web", WEB_SECRET)
SERVICE_AUTH = basic("service", SERVICE_SECRET)


def rotate(rt: Runtime, *, immediate: bool = False) -> Rotation:
    with scoped(ALL_TENANTS):
        return rotate_signing_keys(rt, LOCAL_OPERATOR, "acme", immediate=immediate)


def keys_by_kid(rt: Runtime) -> dict[str, KeyInfo]:
    with scoped(ALL_TENANTS):
        return {key.kid: key for key in list_signing_keys(rt, LOCAL_OPERATOR, "acme")}


def published(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/t/acme/jwks")
    assert response.status_code == 200
    return {jwk["kid"]: jwk for jwk in response.json()["keys"]}


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def user_tokens(browser: Browser, acme: TenantFixture) -> dict[str, str]:
    """An ID token (RS256) and an access token (ES256) for alice, issued to ``web``."""
    auth = new_authorization(scope="openid email")
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": auth.params["redirect_uri"],
        "code_verifier": auth.verifier,
    }
    response = token_request(browser.client, "acme", data, WEB_AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def service_token(client: TestClient) -> str:
    data = {"grant_type": "client_credentials"}
    response = token_request(client, "acme", data, SERVICE_AUTH)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def still_valid(client: TestClient, tokens: dict[str, str], issuer: str) -> bool:
    """Accepted at introspection and userinfo, and the ID token verifies with the JWKS."""
    introspection = client.post(
        "/t/acme/introspect", data={"token": tokens["access_token"]}, headers=WEB_AUTH
    )
    userinfo = client.get(
        "/t/acme/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    jwk = published(client).get(kid_of(tokens["id_token"]))
    if jwk is None or not introspection.json()["active"] or userinfo.status_code != 200:
        return False
    key = jwt.PyJWK(jwk).key
    # The signature and audience; times are the fake clock's, not PyJWT's.
    times = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
    jwt.decode(
        tokens["id_token"], key, algorithms=["RS256"], audience="web", issuer=issuer, options=times
    )
    return True


def test_next_keys_are_published_at_once_one_per_algorithm_and_do_not_sign(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    with scoped(ALL_TENANTS):
        signing_key(rt, serving_tenant(rt, "acme").id, EDDSA)  # a third algorithm in use
    before = user_tokens(browser, acme)
    rotation = rotate(rt)

    assert sorted(key.alg for key in rotation.keys) == ["ES256", "EdDSA", "RS256"]
    assert {key.status for key in rotation.keys} == {"next"}
    assert rotation.activates_at == clock.now + rt.settings.key_rotation_delay_seconds
    new_kids = {key.kid for key in rotation.keys}
    jwks = published(browser.client)
    assert new_kids <= set(jwks)  # in this process at once, without waiting for its cache
    assert {kid_of(before["id_token"]), kid_of(before["access_token"])} <= set(jwks)
    clock.advance(rt.settings.key_rotation_delay_seconds - 1)  # every cache has expired
    during = user_tokens(browser, acme)
    assert kid_of(during["id_token"]) == kid_of(before["id_token"])
    assert kid_of(during["access_token"]) == kid_of(before["access_token"])
    assert {keys_by_kid(rt)[kid].status for kid in new_kids} == {"next"}


def test_after_the_delay_new_tokens_carry_the_new_kids_and_earlier_ones_keep_validating(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    rotation = rotate(rt)
    new_kid = {key.alg: key.kid for key in rotation.keys}
    # Issued by the old keys just before the switch: they outlive it.
    clock.advance(rt.settings.key_rotation_delay_seconds - 10)
    old = user_tokens(browser, acme)
    old_kids = {kid_of(old["id_token"]), kid_of(old["access_token"])}
    assert not old_kids & set(new_kid.values())
    # This process loaded the old key 10 s before the switch and may sign with it for its
    # cache TTL; after that, only the new key signs.
    clock.advance(10 + rt.settings.cache_ttl_seconds)
    new = user_tokens(browser, acme)

    assert kid_of(new["id_token"]) == new_kid["RS256"]
    assert kid_of(new["access_token"]) == new_kid["ES256"]
    assert kid_of(service_token(browser.client)) == new_kid["ES256"]
    assert still_valid(browser.client, old, acme.issuer)
    assert still_valid(browser.client, new, acme.issuer)
    keys = keys_by_kid(rt)
    assert {keys[kid].status for kid in old_kids} == {"retired"}
    assert {keys[kid].retired_at for kid in old_kids} == {rotation.activates_at}
    assert {keys[kid].status for kid in new_kid.values()} == {"current"}


def test_a_process_still_caching_the_old_key_signs_tokens_that_verify_everywhere(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """The switch is safe with other processes caching keys: one that loaded the old key
    just before the switch signs with it for its cache TTL, and those tokens verify in the
    process that switched (the retired key stays published)."""
    other = build_runtime(rt.settings, clock=clock)
    rotation = rotate(rt)
    tenant_id = serving_tenant(rt, "acme").id
    clock.advance(rt.settings.key_rotation_delay_seconds - 5)
    with scoped(tenant_id):
        stale = signing_key(other, tenant_id, "ES256")  # loaded before the switch
    clock.advance(15)
    new = service_token(browser.client)  # this process switches
    now = int(clock.now)
    claims = {"iss": acme.issuer, "sub": "service", "iat": now, "exp": now + 60}
    with scoped(tenant_id):
        from_other = sign_jwt(other, tenant_id, claims, alg="ES256", typ="at+jwt")
        verified = verify_jwt(rt, tenant_id, from_other, issuer=acme.issuer, typ="at+jwt")
    other.engine.dispose()

    assert kid_of(new) in {key.kid for key in rotation.keys}
    assert kid_of(from_other) == stale.kid != kid_of(new)
    assert verified["sub"] == "service"
    assert stale.kid in published(browser.client)


def test_a_retired_key_leaves_the_jwks_when_purged_after_its_tokens_can_have_expired(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    old_kid = kid_of(service_token(browser.client))
    rotation = rotate(rt)
    clock.advance(rt.settings.key_rotation_delay_seconds)
    assert purge_expired(rt)["signing_keys"] == 0  # promotes the new keys, deletes nothing
    assert keys_by_kid(rt)[old_kid].status == "retired"
    # Any process may sign with it for its cache TTL after it retired; the longest token
    # then lives an hour (acme's clients live 5 minutes: the floor, and the ID tokens).
    longest = max(ID_TOKEN_TTL, ACCESS_TOKEN_TTL_FLOOR)
    grace = rt.settings.cache_ttl_seconds + longest + key_rotation.RELYING_PARTY_LEEWAY
    clock.now = rotation.activates_at + grace - 1
    assert purge_expired(rt)["signing_keys"] == 0
    assert old_kid in published(browser.client)
    clock.advance(2)

    assert purge_expired(rt)["signing_keys"] == 2  # the old RS256 and ES256 keys
    jwks = published(browser.client)
    assert old_kid not in jwks
    assert {key.kid for key in rotation.keys} == set(jwks)
    assert old_kid not in keys_by_kid(rt)


def test_a_longer_access_token_lifetime_keeps_retired_keys_longer(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    provision_client(
        rt,
        "acme",
        client_id="slow",
        name="Slow",
        client_type="confidential",
        secret=None,
        redirect_uris=[],
        post_logout_redirect_uris=[],
        grants=["client_credentials"],
        access_token_ttl=6 * 3600,
    )
    service_token(browser.client)
    rotation = rotate(rt)
    clock.now = rotation.activates_at + 2 * 3600
    assert purge_expired(rt)["signing_keys"] == 0
    clock.now = rotation.activates_at + 6 * 3600 + 3600
    assert purge_expired(rt)["signing_keys"] == 2


def test_a_second_rotation_while_one_is_pending_is_a_conflict(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    first = rotate(rt)
    with pytest.raises(Conflict, match="already pending"):
        rotate(rt)
    assert len(keys_by_kid(rt)) == 4  # the two current keys and the two next ones
    clock.now = first.activates_at
    second = rotate(rt)  # the first has taken over (promoted as the rotation loads the keys)
    assert second.activates_at == first.activates_at + rt.settings.key_rotation_delay_seconds


def test_immediate_rotation_signs_with_new_keys_now_and_withdraws_every_earlier_key(
    rt: Runtime, browser: Browser, acme: TenantFixture
) -> None:
    """For a compromised key: nothing it signed may verify any more, in this process at
    once (cached keys and remembered tokens included)."""
    before = user_tokens(browser, acme)
    assert still_valid(browser.client, before, acme.issuer)  # verified and remembered
    pending = rotate(rt)
    rotation = rotate(rt, immediate=True)

    assert {key.status for key in rotation.keys} == {"current"}
    old_kids = {kid_of(before["id_token"]), kid_of(before["access_token"])}
    assert old_kids | {key.kid for key in pending.keys} == set(rotation.withdrawn)
    new_kid = {key.alg: key.kid for key in rotation.keys}
    after = user_tokens(browser, acme)
    assert (kid_of(after["id_token"]), kid_of(after["access_token"])) == (
        new_kid["RS256"],
        new_kid["ES256"],
    )
    assert set(published(browser.client)) == set(new_kid.values())
    assert not still_valid(browser.client, before, acme.issuer)
    userinfo = browser.client.get(
        "/t/acme/userinfo", headers={"Authorization": f"Bearer {before['access_token']}"}
    )
    assert userinfo.status_code == 401
    assert still_valid(browser.client, after, acme.issuer)


def test_another_process_stops_accepting_tokens_of_withdrawn_keys_as_its_caches_expire(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """Even an access token that process verified and remembers: the memory is trusted for
    a cache TTL at most, then the token is verified again, against its reloaded keys."""
    other = build_runtime(rt.settings, clock=clock)
    tenant = serving_tenant(rt, "acme")
    token = service_token(browser.client)
    with scoped(tenant.id):
        assert decode_access_token(other, tenant, token) is not None  # verified, remembered
    rotate(rt, immediate=True)
    with scoped(tenant.id):
        assert decode_access_token(other, tenant, token) is not None  # its caches are warm
        clock.advance(2 * rt.settings.cache_ttl_seconds + 1)  # memory, then key set
        assert decode_access_token(other, tenant, token) is None
    other.engine.dispose()


def test_signing_tokens_reads_no_key_from_the_database_while_the_key_is_cached(
    rt: Runtime, browser: Browser, acme: TenantFixture
) -> None:
    """The token path's key lookup stays a cache hit with rotation in place."""
    service_token(browser.client)  # loads the key
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(rt.engine, "before_cursor_execute", note)
    try:
        for _ in range(5):
            service_token(browser.client)
    finally:
        event.remove(rt.engine, "before_cursor_execute", note)
    assert not [sql for sql in statements if "signing_keys" in sql]
