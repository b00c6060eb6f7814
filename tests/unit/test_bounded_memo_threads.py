"""The verified-token memo (``Runtime.verified_tokens``) is shared by the thread pool that
runs core calls on PostgreSQL: trimming it while other threads insert must neither raise
nor let it grow past its capacity."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from idgate.kernel.caches import BoundedMemo

THREADS = 8
INSERTS_PER_THREAD = 20_000


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond so an unguarded trim is interleaved with inserts."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_bounded_memo_remember_is_safe_under_concurrent_threads(
    frequent_thread_switches: None,
) -> None:
    memo: BoundedMemo[tuple[int, int], int] = BoundedMemo(4)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def hammer(worker: int) -> None:
        start.wait()
        try:
            for i in range(INSERTS_PER_THREAD):
                assert memo.remember((worker, i), i) == i
                assert len(memo) <= memo.capacity
        except BaseException as exc:  # noqa: BLE001 - any failure in a worker fails the test
            errors.append(exc)

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(memo) <= memo.capacity
