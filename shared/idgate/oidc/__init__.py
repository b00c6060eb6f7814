"""OpenID Connect on top of ``oauth``: discovery (derived from the registries), ID tokens and
the token response that carries them, claims and userinfo, RP-initiated logout."""
