"""The per-process runtime: settings, database engine, clock and every per-process cache.

Built once per process (a Lambda container or a uvicorn worker, see ``idgate.process``) and
handed to every core operation, so nothing reads global state and tests build their own:
every cache of data read from the database or derived from it lives here (the Prometheus
registry is the one process-wide exception, see ``observability.metrics``).
The kernel knows no other part of idgate, so the engine is built by a factory the
composition root passes in, and other per-process resources (the key wrapper) are built
on first use by the context that owns them (``resource``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import Engine

from idgate.kernel.caches import BoundedMemo, TtlCache
from idgate.kernel.clock import Clock, system_clock
from idgate.kernel.failure_buckets import FailureBuckets
from idgate.kernel.settings import Settings

T = TypeVar("T")

# Cached security settings: a disabled tenant, a rotated client secret or a disabled upstream
# connection takes effect in every process within this TTL (IDGATE_SECURITY_CACHE_TTL_SECONDS).
SECURITY_CACHE_KINDS = ("tenant", "client", "upstream_connections")
# "Not found" is cached for the lookups a request's own text names (an issuer path's tenant
# slug, a JWT's kid), so made-up names cost a database lookup per this TTL, not per request;
# and a tenant's key set is reloaded for an unknown kid at most once per it ("jwks_reload").
# Never longer than the security TTL: a tenant created by another process appears within
# both. Creations in this process invalidate the entry and are seen at once.
NOT_FOUND_CACHE_KINDS = ("tenant", "verification_key")
NOT_FOUND_TTL_SECONDS = 3.0
# The claims of an access token whose signature verified, by its exact text (about 2 KiB
# an entry), with when to verify it again (its key may be withdrawn): the same bytes cannot
# verify differently.
VERIFIED_TOKENS_KEPT = 2048
# Token endpoint failures per (tenant, client network) lately (oauth.token_failure_limit),
# about 200 bytes a key: a flood of new addresses evicts old keys instead of growing.
TOKEN_FAILURE_KEYS_KEPT = 10_000


@dataclass
class Runtime:
    settings: Settings
    engine_factory: Callable[[Settings], Engine] = field(repr=False)
    clock: Clock = system_clock
    cache: TtlCache = field(init=False, repr=False)
    verified_tokens: BoundedMemo[tuple[str, str], tuple[dict[str, Any], float]] = field(
        init=False, repr=False
    )
    serialized_documents: dict[object, tuple[object, bytes]] = field(init=False, repr=False)
    token_failures: FailureBuckets = field(init=False, repr=False)
    _resources: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        security_ttl = self.settings.security_cache_ttl_seconds
        not_found_ttl = min(NOT_FOUND_TTL_SECONDS, security_ttl)
        self.cache = TtlCache(
            {**dict.fromkeys(SECURITY_CACHE_KINDS, security_ttl), "jwks_reload": not_found_ttl},
            self.settings.cache_ttl_seconds,
            self.clock,
            not_found_ttls=dict.fromkeys(NOT_FOUND_CACHE_KINDS, not_found_ttl),
        )
        self.verified_tokens = BoundedMemo(VERIFIED_TOKENS_KEPT)
        self.serialized_documents = {}
        self.token_failures = FailureBuckets(TOKEN_FAILURE_KEYS_KEPT)

    @cached_property
    def engine(self) -> Engine:
        return self.engine_factory(self.settings)

    def resource(self, name: str, build: Callable[[], T]) -> T:
        """A per-process object built once, on first use (e.g. the key wrapper)."""
        if name not in self._resources:
            self._resources[name] = build()
        return self._resources[name]  # type: ignore[no-any-return]

    @property
    def public_url(self) -> str:
        if not self.settings.public_url:
            raise RuntimeError("IDGATE_PUBLIC_URL is not set")
        return self.settings.public_url

    def now(self) -> float:
        return self.clock()
