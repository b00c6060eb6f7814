"""Per-tenant data keys (envelope encryption, DESIGN "Safe").

Every secret a tenant owns at rest (signing keys, upstream client secrets) is sealed with
that tenant's 256-bit data key, and the data key is stored wrapped by the key-encryption
key (local master key or KMS). The data key is created with its tenant; the unwrapped key
is cached per process.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from idgate.crypto.envelope import derive_subkey, open_envelope, seal
from idgate.errors import NotFound
from idgate.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tenant_data_keys


def create_data_key(rt: Runtime, conn: Connection, tenant_id: str) -> None:
    _plaintext, wrapped = rt.key_wrapper.new_data_key(tenant_id)
    conn.execute(
        insert(tenant_data_keys).values(
            tenant_id=tenant_id,
            provider=rt.key_wrapper.name,
            wrapped_key=wrapped,
            created_at=rt.now(),
        )
    )


def tenant_data_key(rt: Runtime, tenant_id: str) -> bytes:
    return rt.cache.get_or_load(("data_key", tenant_id), lambda: _unwrap(rt, tenant_id))


def _unwrap(rt: Runtime, tenant_id: str) -> bytes:
    query = select(tenant_data_keys.c.wrapped_key).where(tenant_data_keys.c.tenant_id == tenant_id)
    with database.read(rt.engine) as conn:
        wrapped = conn.execute(query).scalar()
    if wrapped is None:
        raise NotFound("the tenant has no data key")
    return rt.key_wrapper.unwrap(wrapped, tenant_id)


def _context(tenant_id: str, purpose: str) -> bytes:
    return f"{tenant_id}|{purpose}".encode()


def seal_for_tenant(rt: Runtime, tenant_id: str, plaintext: bytes, purpose: str) -> bytes:
    return seal(tenant_data_key(rt, tenant_id), plaintext, _context(tenant_id, purpose))


def open_for_tenant(rt: Runtime, tenant_id: str, envelope: bytes, purpose: str) -> bytes:
    return open_envelope(tenant_data_key(rt, tenant_id), envelope, _context(tenant_id, purpose))


def client_secret_pepper(rt: Runtime, tenant_id: str) -> bytes:
    return derive_subkey(tenant_data_key(rt, tenant_id), b"idgate client-secret digest")
