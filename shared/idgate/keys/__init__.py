"""Keys of a tenant: its data key (wrapped by the key-encryption key, sealing every secret
it owns at rest), its signing keys and JWKS, and JWS signing and verification."""
