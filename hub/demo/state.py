"""What every part of one generation run shares: the random stream, counters, issued codes, dates.

There is one ``random.Random`` per run and every draw goes through it, so the parts (subjects,
records, evaluations) must keep drawing in the same order for the same seed to give the same rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from hub.codes import USCC_CHARSET
from hub.demo.identifiers import organization_code, social_credit_code


def latest_yearly(as_of: date, month: int, day: int) -> date:
    """The most recent yearly cycle date strictly before ``as_of``."""
    this_year = date(as_of.year, month, day)
    return this_year if this_year < as_of else date(as_of.year - 1, month, day)


class GeneratorState:
    def __init__(self, seed: int, as_of: date) -> None:
        self.rng, self.seed, self.as_of = random.Random(seed), seed, as_of
        self.codes: set[str] = set()  # membership tests only, never iterated
        self.counters: dict[str, int] = {}
        self.public_batch = latest_yearly(as_of, 3, 1)  # the province's yearly public evaluation run

    def day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max((high - low).days, 0)))

    def next(self, key: str, start: int = 1) -> int:
        self.counters[key] = self.counters.get(key, start - 1) + 1
        return self.counters[key]

    def code(self, prefix: str, region: str, registered_on: date) -> str:
        """A social credit code no subject or organization of this run has yet."""
        rng = self.rng
        while True:
            if prefix in ("92", "93") or registered_on >= date(2015, 10, 1):
                # Codes issued since 三证合一 (2015-10-01) start MA (MJ for 民政); 个体工商户 and
                # cooperatives got such codes when re-licensed, whatever their age.
                body = ("MJ" if prefix[0] == "5" else "MA") + "".join(
                    rng.choice(USCC_CHARSET) for _ in range(6))
            else:  # registered earlier: the old numeric organization code was kept
                body = rng.choice(("06", "17", "31", "41", "55", "67", "73", "78")) + "".join(
                    rng.choice("0123456789") for _ in range(6))
            code = social_credit_code(prefix, region, organization_code(body))
            if code not in self.codes:
                self.codes.add(code)
                return code
