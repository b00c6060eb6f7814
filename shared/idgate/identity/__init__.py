"""Identity: customers, password sign-in with its lockout and per-IP limit, browser
sessions, consents and pending interactions, and revoking what a session granted. Upstream
sign-in, MFA and self-service account operations join here as subpackages."""
