"""The floor of a password login: one argon2-cffi ``PasswordHasher().verify`` with the same
(default) parameters idgate uses, timed in a fresh process pinned to the server's core.

Run by run.py as ``taskset -c SERVER_CPU python argon2_floor.py COUNT``; prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from argon2 import PasswordHasher


def measure(count: int) -> dict[str, object]:
    hasher = PasswordHasher()
    stored = hasher.hash("bench-password-1")
    hasher.verify(stored, "bench-password-1")  # warm-up: page in the 64 MiB once
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        hasher.verify(stored, "bench-password-1")
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": statistics.median(samples),
        "min_ms": min(samples),
        "samples_ms": samples,
        "time_cost": hasher.time_cost,
        "memory_cost_kib": hasher.memory_cost,
        "parallelism": hasher.parallelism,
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
