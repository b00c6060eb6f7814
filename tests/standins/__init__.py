"""Stand-ins for the upstream identity providers idgate signs customers in through.

Each is either a real, independent implementation run locally (``oidc_upstream``: panva's
certified node ``oidc-provider``) or a small server that speaks the provider's real wire
formats (``github``), never a mock of idgate's own code. ``fixtures`` exposes them to
pytest (registered for the whole suite by tests/conftest.py)."""
