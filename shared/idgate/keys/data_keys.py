"""Per-tenant data keys (envelope encryption, DESIGN "Safe").

Every secret a tenant owns at rest (signing keys, upstream client secrets) is sealed with
that tenant's 256-bit data key, and the data key is stored wrapped by the key-encryption
key (local master key or KMS). The data key is created with its tenant; the unwrapped key
is cached per process.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from idgate.crypto.envelope import derive_subkey, open_envelope, seal
from idgate.crypto.key_wrapping import KeyWrapper, create_key_wrapper
from idgate.kernel.errors import NotFound
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tenant_data_keys
from idgate.storage.tenant_scope import ALL_TENANTS, scoped


def key_wrapper(rt: Runtime) -> KeyWrapper:
    """This process's key-encryption key (``IDGATE_KEY_PROVIDER``), built on first use."""
    return rt.resource("key_wrapper", lambda: create_key_wrapper(rt.settings))


def create_data_key(rt: Runtime, conn: Connection, tenant_id: str) -> None:
    _plaintext, wrapped = key_wrapper(rt).new_data_key(tenant_id)
    conn.execute(
        insert(tenant_data_keys).values(
            tenant_id=tenant_id,
            provider=key_wrapper(rt).name,
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
    return key_wrapper(rt).unwrap(wrapped, tenant_id)


def _context(tenant_id: str, purpose: str) -> bytes:
    return f"{tenant_id}|{purpose}".encode()


def seal_for_tenant(rt: Runtime, tenant_id: str, plaintext: bytes, purpose: str) -> bytes:
    return seal(tenant_data_key(rt, tenant_id), plaintext, _context(tenant_id, purpose))


def open_for_tenant(rt: Runtime, tenant_id: str, envelope: bytes, purpose: str) -> bytes:
    return open_envelope(tenant_data_key(rt, tenant_id), envelope, _context(tenant_id, purpose))


def client_secret_pepper(rt: Runtime, tenant_id: str) -> bytes:
    # Cached: every client authentication needs it, and HKDF is not free.
    return rt.cache.get_or_load(
        ("pepper", tenant_id),
        lambda: derive_subkey(tenant_data_key(rt, tenant_id), b"idgate client-secret digest"),
    )


def rewrap_data_keys(rt: Runtime, new_wrapper: KeyWrapper) -> int:
    """Rotate the key-encryption key: re-wrap every tenant's data key, unwrapped with
    ``key_wrapper(rt)``, under ``new_wrapper``. The data keys themselves do not change, so
    nothing sealed with them is touched. Every row changes in one transaction, each only if
    no one changed it meanwhile; a key ``new_wrapper`` already opens (an earlier, partly
    applied run) is skipped, so running it again is safe. Returns how many were re-wrapped.
    Platform-level work: it runs with the '*' tenant scope.
    """
    with scoped(ALL_TENANTS):
        return _rewrap_all(rt, new_wrapper)


def _rewrap_all(rt: Runtime, new_wrapper: KeyWrapper) -> int:
    query = select(tenant_data_keys.c.tenant_id, tenant_data_keys.c.wrapped_key)
    with database.read(rt.engine) as conn:
        rows = conn.execute(query).all()
    changes = []
    for tenant_id, wrapped in rows:
        try:
            data_key = key_wrapper(rt).unwrap(wrapped, tenant_id)
        except Exception:
            if _opens(new_wrapper, wrapped, tenant_id):
                continue
            raise
        rewrapped = new_wrapper.wrap(data_key, tenant_id)
        if new_wrapper.unwrap(rewrapped, tenant_id) != data_key:
            raise RuntimeError("the new key-encryption key did not round-trip a data key")
        changes.append((tenant_id, wrapped, rewrapped))
    count = 0
    with database.write(rt.engine) as conn:
        for tenant_id, old, new in changes:
            result = conn.execute(
                update(tenant_data_keys)
                .where(tenant_data_keys.c.tenant_id == tenant_id)
                .where(tenant_data_keys.c.wrapped_key == old)
                .values(provider=new_wrapper.name, wrapped_key=new)
            )
            count += result.rowcount
    return count


def _opens(wrapper: KeyWrapper, wrapped: bytes, tenant_id: str) -> bool:
    try:
        wrapper.unwrap(wrapped, tenant_id)
    except Exception:
        return False
    return True
