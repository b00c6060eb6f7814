"""OAuth 2.0: clients and client authentication, PKCE, the grants (one module each, in a
registry), the authorize decision, device authorization, token families and artifacts
(codes, refresh and access tokens), introspection and revocation, and the token
endpoint's per-IP failure limit."""
