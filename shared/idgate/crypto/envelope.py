"""AES-256-GCM envelopes for secrets at rest.

An envelope is ``version || 12-byte nonce || ciphertext+tag``. The associated data binds
an envelope to its owner (tenant id, and the row it belongs to), so a ciphertext copied to
another tenant's row fails to open.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


class EnvelopeError(Exception):
    """The envelope is malformed, or the key or associated data do not match."""


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_envelope(key: bytes, envelope: bytes, associated_data: bytes) -> bytes:
    if len(envelope) < 29 or envelope[:1] != _VERSION:
        raise EnvelopeError("unknown envelope format")
    try:
        return AESGCM(key).decrypt(envelope[1:13], envelope[13:], associated_data)
    except Exception as exc:  # cryptography raises InvalidTag without a message
        raise EnvelopeError("envelope does not open with this key") from exc


def derive_subkey(key: bytes, label: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) sub-key, so one key never serves two purposes."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(key)
