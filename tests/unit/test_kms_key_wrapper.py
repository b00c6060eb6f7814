"""AWS KMS as the key-encryption key, against moto, and rotating the key-encryption key by
re-wrapping the tenants' data keys (DESIGN "Safe": KMS or a local master key)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient
from moto import mock_aws
from pydantic import SecretStr
from sqlalchemy import select

from idgate.aws.kms import KmsKeyWrapper
from idgate.crypto.envelope import EnvelopeError
from idgate.crypto.key_wrapping import MasterKeyWrapper, decode_master_key
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.keys import signing_keys as keys
from idgate.keys.data_keys import open_for_tenant, rewrap_data_keys, seal_for_tenant
from idgate.process import build_runtime, install_runtime
from idgate.storage import database
from idgate.storage.tables import tenant_data_keys
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import serving_tenant
from local.server import build_app
from tests.conftest import MASTER_KEY, TenantFixture, provision_client, provision_tenant

REGION = "us-east-1"
OTHER_MASTER_KEY = base64.urlsafe_b64encode(bytes(range(100, 132))).decode().rstrip("=")


@pytest.fixture(autouse=True)
def platform_scope() -> Iterator[None]:
    """Core calls made directly by the test are platform-level (PostgreSQL row-level
    security); requests through TestClient get their scope from their own route."""
    with scoped(ALL_TENANTS):
        yield


@dataclass(frozen=True)
class Kms:
    client: Any
    key_id: str


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[Kms]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("kms", region_name=REGION)
        yield Kms(client, client.create_key()["KeyMetadata"]["KeyId"])


def _runtime_with(rt: Runtime, **updates: object) -> Runtime:
    """Another runtime on the same database, with a fresh cache and other key settings."""
    return build_runtime(rt.settings.model_copy(update=updates), clock=rt.clock)


def _providers(rt: Runtime) -> dict[str, str]:
    query = select(tenant_data_keys.c.tenant_id, tenant_data_keys.c.provider)
    with database.read(rt.engine) as conn:
        return {row.tenant_id: row.provider for row in conn.execute(query)}


@pytest.mark.aws
def test_kms_wrapper_round_trips_a_data_key(kms: Kms) -> None:
    wrapper = KmsKeyWrapper(Settings(key_provider="kms", kms_key_id=kms.key_id))

    plaintext, wrapped = wrapper.new_data_key("tenant-a")

    assert len(plaintext) == 32
    assert wrapped != plaintext
    assert wrapper.unwrap(wrapped, "tenant-a") == plaintext
    assert wrapper.unwrap(wrapper.wrap(plaintext, "tenant-a"), "tenant-a") == plaintext


@pytest.mark.aws
def test_kms_wrapped_key_does_not_unwrap_for_another_tenant(kms: Kms) -> None:
    wrapper = KmsKeyWrapper(Settings(key_provider="kms", kms_key_id=kms.key_id))
    _plaintext, wrapped = wrapper.new_data_key("tenant-a")

    with pytest.raises(ClientError) as failure:
        wrapper.unwrap(wrapped, "tenant-b")

    assert failure.value.response["Error"]["Code"] == "InvalidCiphertextException"


@pytest.mark.aws
def test_tenant_created_under_kms_signs_tokens_that_verify_against_its_jwks(
    rt: Runtime, kms: Kms
) -> None:
    kms_rt = _runtime_with(rt, key_provider="kms", kms_key_id=kms.key_id)
    install_runtime(kms_rt)
    try:
        tenant = provision_tenant(kms_rt, "kmsco", "KMS Co")
        _client, secret = provision_client(
            kms_rt,
            "kmsco",
            client_id="worker",
            name="Worker",
            client_type="confidential",
            secret=None,
            redirect_uris=[],
            post_logout_redirect_uris=[],
            grants=["client_credentials"],
        )
        assert secret
        assert _providers(kms_rt)[tenant.id] == "kms"
        assert len(keys.jwks(kms_rt, tenant.id)["keys"]) >= 2

        client = TestClient(build_app())
        response = client.post(
            "/t/kmsco/token",
            data={"grant_type": "client_credentials"},
            auth=("worker", secret),
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        published = client.get("/t/kmsco/jwks").json()["keys"]
        header = jwt.get_unverified_header(token)
        [jwk] = [k for k in published if k["kid"] == header["kid"]]
        claims = jwt.decode(
            token,
            jwt.PyJWK(jwk).key,
            algorithms=[header["alg"]],
            options={"verify_aud": False},
        )
        assert claims["iss"] == "http://testserver/t/kmsco"
    finally:
        install_runtime(rt)
        kms_rt.engine.dispose()

    # The stored data key is a KMS ciphertext for this tenant, not a local-master-key envelope.
    query = select(tenant_data_keys.c.wrapped_key).where(tenant_data_keys.c.tenant_id == tenant.id)
    with database.read(rt.engine) as conn:
        wrapped = conn.execute(query).scalar_one()
    with pytest.raises(EnvelopeError):
        MasterKeyWrapper(decode_master_key(MASTER_KEY)).unwrap(wrapped, tenant.id)
    decrypted = kms.client.decrypt(
        CiphertextBlob=wrapped, EncryptionContext={"tenant_id": tenant.id}
    )
    assert len(decrypted["Plaintext"]) == 32


def _signing_kids(rt: Runtime, tenant_id: str) -> set[str]:
    return {k["kid"] for k in keys.jwks(rt, tenant_id)["keys"]}


def test_rewrapping_under_a_new_master_key_keeps_signing_keys_and_sealed_data_open(
    rt: Runtime, acme: TenantFixture
) -> None:
    tenant = serving_tenant(rt, acme.slug)
    kids = _signing_kids(rt, tenant.id)
    sealed = seal_for_tenant(rt, tenant.id, b"upstream client secret", "upstream:github")
    new_wrapper = MasterKeyWrapper(decode_master_key(OTHER_MASTER_KEY))

    assert rewrap_data_keys(rt, new_wrapper) == len(_providers(rt))

    rotated = _runtime_with(rt, master_key=SecretStr(OTHER_MASTER_KEY))
    assert _signing_kids(rotated, tenant.id) == kids
    assert keys.signing_key(rotated, tenant.id, keys.ID_TOKEN_DEFAULT_ALG).kid in kids
    opened = open_for_tenant(rotated, tenant.id, sealed, "upstream:github")
    assert opened == b"upstream client secret"
    stale = _runtime_with(rt, master_key=SecretStr(MASTER_KEY))
    with pytest.raises(EnvelopeError):
        open_for_tenant(stale, tenant.id, sealed, "upstream:github")
    for runtime in (rotated, stale):
        runtime.engine.dispose()


def test_rewrapping_again_skips_keys_already_under_the_new_master_key(
    rt: Runtime, acme: TenantFixture
) -> None:
    new_wrapper = MasterKeyWrapper(decode_master_key(OTHER_MASTER_KEY))
    rewrap_data_keys(rt, new_wrapper)

    assert rewrap_data_keys(_runtime_with(rt), new_wrapper) == 0


@pytest.mark.aws
def test_rewrapping_from_the_local_master_key_to_kms_moves_every_tenant_to_kms(
    rt: Runtime, acme: TenantFixture, kms: Kms
) -> None:
    tenant = serving_tenant(rt, acme.slug)
    kids = _signing_kids(rt, tenant.id)
    kms_settings = Settings(key_provider="kms", kms_key_id=kms.key_id)

    rewrap_data_keys(rt, KmsKeyWrapper(kms_settings))

    assert set(_providers(rt).values()) == {"kms"}
    kms_rt = _runtime_with(rt, key_provider="kms", kms_key_id=kms.key_id)
    assert _signing_kids(kms_rt, tenant.id) == kids
    kms_rt.engine.dispose()
