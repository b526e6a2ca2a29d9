"""hub.recent: a statistic served from memory while young, recounted behind the caller once older, in front of
the caller once far too old or never counted; every call counts with a max age of 0."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import time_machine

from hub import clock
from hub.recent import STALE_FACTOR, Recent

START = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


class Tally:
    """Counts how often it was asked; each answer is the number of the count."""

    def __init__(self, delay: float = 0.0) -> None:
        self.counts = 0
        self.delay = delay

    async def __call__(self) -> int:
        self.counts += 1
        answer = self.counts
        await asyncio.sleep(self.delay)
        return answer


async def test_a_young_figure_is_served_as_it_is_and_says_when_it_was_counted() -> None:
    tally = Tally()
    with time_machine.travel(START, tick=False):
        recent = Recent(tally, max_age_s=60)
        first = await recent.get()
        assert (first.value, first.at) == (1, clock.now())
    with time_machine.travel(START + timedelta(seconds=59), tick=False):
        assert (await recent.get()) == first
    assert tally.counts == 1


async def test_an_older_figure_is_served_once_more_while_one_recount_runs_behind() -> None:
    tally = Tally(delay=0.05)
    with time_machine.travel(START, tick=False):
        recent = Recent(tally, max_age_s=60)
        await recent.get()
    with time_machine.travel(START + timedelta(seconds=61), tick=False):
        served = await asyncio.gather(*(recent.get() for _ in range(5)))
        assert {s.value for s in served} == {1}  # nobody waited
        await asyncio.sleep(0.2)
        assert (await recent.get()).value == 2  # one recount for the five callers
    assert tally.counts == 2


async def test_a_figure_far_too_old_is_recounted_before_it_is_shown() -> None:
    tally = Tally()
    with time_machine.travel(START, tick=False):
        recent = Recent(tally, max_age_s=60)
        await recent.get()
    with time_machine.travel(START + timedelta(seconds=60 * STALE_FACTOR + 1), tick=False):
        fresh = await recent.get()
        assert (fresh.value, fresh.at) == (2, clock.now())


async def test_callers_of_a_first_count_share_it_and_max_age_0_counts_every_time() -> None:
    tally = Tally(delay=0.05)
    recent = Recent(tally, max_age_s=60)
    assert {c.value for c in await asyncio.gather(*(recent.get() for _ in range(4)))} == {1}
    assert tally.counts == 1
    always = Recent(tally, max_age_s=0)
    assert [(await always.get()).value for _ in range(3)] == [2, 3, 4]


async def test_a_failed_recount_keeps_the_last_figure_and_the_next_caller_tries_again() -> None:
    answers: list[int | Exception] = [1, RuntimeError("Neo4j went away"), 3]

    async def count() -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with time_machine.travel(START, tick=False):
        recent = Recent(count, max_age_s=60)
        await recent.get()
    with time_machine.travel(START + timedelta(seconds=61), tick=False):
        assert (await recent.get()).value == 1  # the recount behind it fails…
        await asyncio.sleep(0.05)
        assert (await recent.get()).value == 1  # …the figure stays, and another recount starts
        await asyncio.sleep(0.05)
        assert (await recent.get()).value == 3
