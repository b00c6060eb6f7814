"""Secrets at rest: AES-256-GCM envelopes bound to their owner, and the local master key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from idgate.crypto.envelope import EnvelopeError, open_envelope, seal
from idgate.crypto.key_wrapping import MasterKeyWrapper, load_or_create_master_key
from idgate.crypto.passwords import hash_password, verify_password


def test_envelope_opens_only_with_its_key_and_associated_data() -> None:
    key, other = bytes(32), bytes([1]) * 32
    envelope = seal(key, b"private key", b"tenant-a|signing_key:1")
    assert open_envelope(key, envelope, b"tenant-a|signing_key:1") == b"private key"
    with pytest.raises(EnvelopeError):
        open_envelope(key, envelope, b"tenant-b|signing_key:1")
    with pytest.raises(EnvelopeError):
        open_envelope(other, envelope, b"tenant-a|signing_key:1")
    with pytest.raises(EnvelopeError):
        open_envelope(key, envelope[:-1] + bytes([envelope[-1] ^ 1]), b"tenant-a|signing_key:1")


def test_master_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / ".idgate" / "master.key"
    first = load_or_create_master_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_master_key(path) == first and len(first) == 32


def test_data_keys_are_wrapped_per_tenant() -> None:
    wrapper = MasterKeyWrapper(bytes(range(32)))
    plaintext, wrapped = wrapper.new_data_key("tenant-a")
    assert wrapper.unwrap(wrapped, "tenant-a") == plaintext
    with pytest.raises(EnvelopeError):
        wrapper.unwrap(wrapped, "tenant-b")


def test_passwords_are_argon2id_hashes() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("wrong", hashed)
    assert not verify_password("anything", None)
