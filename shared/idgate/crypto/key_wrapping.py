"""Key-encryption keys: the interface, the local master key, and provider selection.

Each tenant has one 256-bit data key; secrets are sealed with it (``crypto.envelope``).
The data key itself is stored wrapped by a key-encryption key: the local master key
(``IDGATE_MASTER_KEY``, or a 0600 key file in local mode) or AWS KMS
(``idgate.aws.kms``). Rotating the key-encryption key re-wraps data keys only.
"""

from __future__ import annotations

import binascii
import os
import secrets
from pathlib import Path
from typing import Protocol

from idgate.crypto.digests import b64url, b64url_decode
from idgate.crypto.envelope import open_envelope, seal
from idgate.kernel.settings import Settings


class KeyWrapper(Protocol):
    name: str

    def new_data_key(self, tenant_id: str) -> tuple[bytes, bytes]:
        """Return ``(plaintext_key, wrapped_key)`` for a new 256-bit data key."""

    def wrap(self, data_key: bytes, tenant_id: str) -> bytes:
        """Wrap an existing data key (re-wrapping under a new key-encryption key)."""

    def unwrap(self, wrapped_key: bytes, tenant_id: str) -> bytes: ...


class MasterKeyWrapper:
    """Wraps data keys with AES-256-GCM under a local master key."""

    name = "local"

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._key = master_key

    def new_data_key(self, tenant_id: str) -> tuple[bytes, bytes]:
        data_key = secrets.token_bytes(32)
        return data_key, self.wrap(data_key, tenant_id)

    def wrap(self, data_key: bytes, tenant_id: str) -> bytes:
        return seal(self._key, data_key, tenant_id.encode())

    def unwrap(self, wrapped_key: bytes, tenant_id: str) -> bytes:
        return open_envelope(self._key, wrapped_key, tenant_id.encode())


def decode_master_key(text: str) -> bytes:
    try:
        key = b64url_decode(text.strip())
    except (binascii.Error, ValueError) as exc:
        raise ValueError("IDGATE_MASTER_KEY is not base64url") from exc
    if len(key) != 32:
        raise ValueError("IDGATE_MASTER_KEY must decode to 32 bytes")
    return key


def load_or_create_master_key(path: Path) -> bytes:
    """Read the local key file, creating it (0600) with a fresh key on first start."""
    if path.exists():
        return decode_master_key(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(b64url(key) + "\n")
    return key


def create_key_wrapper(settings: Settings) -> KeyWrapper:
    if settings.key_provider == "kms":
        from idgate.aws.kms import KmsKeyWrapper

        return KmsKeyWrapper(settings)
    if settings.master_key:
        return MasterKeyWrapper(decode_master_key(settings.master_key.get_secret_value()))
    return MasterKeyWrapper(load_or_create_master_key(settings.master_key_file))
