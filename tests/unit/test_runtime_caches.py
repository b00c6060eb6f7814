"""The runtime's caches: a TTL per kind, security settings kept only briefly, and the
verified-token memo bounded."""

from __future__ import annotations

from idgate.kernel.caches import BoundedMemo
from idgate.kernel.settings import Settings
from idgate.process import build_runtime
from tests.conftest import FakeClock


def test_security_settings_are_cached_for_seconds_and_keys_for_longer() -> None:
    clock = FakeClock()
    rt = build_runtime(Settings(database_url="sqlite://"), clock=clock)
    loads: list[str] = []

    def lookup(kind: str) -> str:
        def load() -> str:
            loads.append(kind)
            return kind

        return rt.cache.get_or_load((kind, "t1"), load)

    for kind in ("client", "tenant", "jwks"):
        lookup(kind)
    clock.advance(6)  # past the 5 s security TTL, within the 30 s one
    for kind in ("client", "tenant", "jwks"):
        lookup(kind)
    assert loads == ["client", "tenant", "jwks", "client", "tenant"]


def test_security_cache_ttl_is_a_setting() -> None:
    rt = build_runtime(Settings(database_url="sqlite://", security_cache_ttl_seconds=1))
    assert rt.cache.ttl_of("client") == 1
    assert rt.cache.ttl_of("tenant") == 1
    assert rt.cache.ttl_of("jwks") == 30


def test_invalidation_is_seen_at_once_by_the_process_that_changed_the_data() -> None:
    rt = build_runtime(Settings(database_url="sqlite://"))
    values = iter(["old", "new"])
    assert rt.cache.get_or_load(("client", "t1", "web"), lambda: next(values)) == "old"
    rt.cache.invalidate(("client", "t1", "web"))
    assert rt.cache.get_or_load(("client", "t1", "web"), lambda: next(values)) == "new"


def test_bounded_memo_drops_the_oldest_entry_when_full() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.remember("a", 1)
    memo.remember("b", 2)
    memo.remember("c", 3)
    assert list(memo) == ["b", "c"]


def test_each_runtime_has_its_own_caches() -> None:
    first = build_runtime(Settings(database_url="sqlite://"))
    second = build_runtime(Settings(database_url="sqlite://"))
    first.verified_tokens.remember(("t1", "token"), {"exp": 1})
    first.cache.get_or_load(("client", "t1", "web"), lambda: "cached")
    assert not second.verified_tokens
    assert second.cache.get_or_load(("client", "t1", "web"), lambda: "fresh") == "fresh"
