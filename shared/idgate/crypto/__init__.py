"""Cryptographic primitives: digests of bearer artifacts and client secrets, AES-256-GCM
envelopes, Argon2id password hashing, and wrapping data keys with the key-encryption key
(local master key, or KMS through ``aws``)."""
