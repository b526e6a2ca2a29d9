"""Timing helpers shared by the bench sections: run an action, read percentiles, print a line."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable


def ms(samples: list[float], q: float) -> float:
    """The ``q`` quantile of ``samples`` (seconds), in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def line(label: str, samples: list[float]) -> str:
    return f"  {label:<52} p50 {ms(samples, .5):8.2f} ms   p99 {ms(samples, .99):8.2f} ms   ({len(samples)} runs)"


async def timed(action: Callable[[], Awaitable[object]], runs: int, warm: int | None = None) -> list[float]:
    """``runs`` timings of ``action`` after ``warm`` untimed ones (default: as many as runs, up to 50) that
    warm caches, query plans and connection pools."""
    for _ in range(min(50, runs) if warm is None else warm):
        await action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - started)
    return samples
