"""How the engine and the broker rest between rounds."""

from __future__ import annotations

import asyncio


async def nap(wake: asyncio.Event, stop: asyncio.Event, seconds: float | None) -> None:
    """Until ``wake`` is set (a nudge), ``stop`` is set or ``seconds`` pass (None: no time limit); the
    nudge is consumed."""
    waiter = asyncio.create_task(wake.wait())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, stopper}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in (waiter, stopper):
        task.cancel()
    wake.clear()
