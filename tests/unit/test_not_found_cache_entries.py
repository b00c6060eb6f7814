"""``TtlCache`` caches "not found" (a None load) only for the kinds given a not-found TTL,
only that long, in a bounded store, and drops it on ``invalidate``."""

from __future__ import annotations

from idgate.kernel.caches import NOT_FOUND_KEPT, TtlCache
from idgate.kernel.runtime import NOT_FOUND_TTL_SECONDS
from idgate.kernel.settings import Settings
from idgate.process import build_runtime
from tests.conftest import FakeClock


def _counting_loads(cache: TtlCache, key: tuple[str, ...], times: int) -> int:
    loads = 0

    def load() -> None:
        nonlocal loads
        loads += 1

    for _ in range(times):
        assert cache.get_or_load(key, load) is None
    return loads


def test_not_found_is_cached_for_its_own_ttl_only_for_the_kinds_given_one() -> None:
    clock = FakeClock()
    cache = TtlCache({}, 30, clock, not_found_ttls={"tenant": 2})
    assert _counting_loads(cache, ("tenant", "nobody"), 5) == 1
    assert _counting_loads(cache, ("client", "t1", "nobody"), 5) == 5
    clock.advance(2.1)
    assert _counting_loads(cache, ("tenant", "nobody"), 5) == 1


def test_invalidate_drops_a_not_found_entry() -> None:
    cache = TtlCache({}, 30, FakeClock(), not_found_ttls={"tenant": 2})
    _counting_loads(cache, ("tenant", "newco"), 1)
    cache.invalidate(("tenant", "newco"))  # as creating the tenant does
    assert cache.get_or_load(("tenant", "newco"), lambda: "created") == "created"


def test_made_up_names_cannot_grow_the_not_found_store_without_bound() -> None:
    cache = TtlCache({}, 30, FakeClock(), not_found_ttls={"tenant": 2})
    for n in range(NOT_FOUND_KEPT + 100):
        cache.get_or_load(("tenant", f"made-up-{n}"), lambda: None)
    assert len(cache._not_found) == NOT_FOUND_KEPT


def test_not_found_ttl_is_a_few_seconds_and_never_past_the_security_ttl() -> None:
    rt = build_runtime(Settings(database_url="sqlite://"))
    assert rt.cache._not_found_ttls == {
        "tenant": NOT_FOUND_TTL_SECONDS,
        "verification_key": NOT_FOUND_TTL_SECONDS,
    }
    assert rt.cache.ttl_of("jwks_reload") == NOT_FOUND_TTL_SECONDS
    strict = build_runtime(Settings(database_url="sqlite://", security_cache_ttl_seconds=1))
    assert strict.cache.ttl_of("jwks_reload") == 1
    assert strict.cache._not_found_ttls["tenant"] == 1


def test_first_within_ttl_is_true_once_per_ttl() -> None:
    clock = FakeClock()
    cache = TtlCache({"jwks_reload": 3}, 30, clock)
    assert [cache.first_within_ttl(("jwks_reload", "t1")) for _ in range(3)] == [
        True,
        False,
        False,
    ]
    assert cache.first_within_ttl(("jwks_reload", "t2"))
    clock.advance(3.1)
    assert cache.first_within_ttl(("jwks_reload", "t1"))
