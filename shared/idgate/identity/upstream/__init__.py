"""Bring your own OAuth: customers sign in through their organization's own GitHub, Google,
Microsoft or OpenID Connect app (RFC 6749 §4.1 with PKCE, RFC 7636; OIDC Core §3.1).

``providers`` is the registry of upstream provider types; ``connections`` holds an
organization's configured apps (secrets sealed under its data key); ``flows`` runs a sign-in
or a linking at the upstream; ``resolution`` maps an upstream account to a customer, never
linking to an existing one without proof; ``identities`` lists and unlinks linked accounts;
``handoff`` gives a customer's upstream access token to the organization's application.
"""
