"""Waiting for the item at a head position to be readable — but not for ever.

The engine (the change feed's head) and the broker (the warning stream's head) act on a head only once
the item numbered at it is found through the position index: a reader can see a counter's new value a
moment before the range index finds the items of the same transaction (hub.db.warnings.
readable_stream_head). The item at the head is normally there for good, but not always: a record or a
warning deleted since it was numbered (data removed by hand, a subject erased) is never found, and
waiting for it would stall every warning behind it. So a head that stays unreadable for ``grace_s`` is
taken as it is, and said so in the log.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("hub.warnings")

GRACE_S = 5.0  # far beyond the index lag seen on a loaded machine (milliseconds)


class HeadGate:
    def __init__(self, what: str, grace_s: float = GRACE_S) -> None:
        self.what, self.grace_s = what, grace_s
        self._waiting: tuple[int, float] | None = None  # the head not yet readable, and since when

    def passes(self, head: int, readable: bool) -> bool:
        """Act on ``head`` now? False: look again in a moment."""
        if readable:
            self._waiting = None
            return True
        now = time.monotonic()
        if self._waiting is None or self._waiting[0] != head:
            self._waiting = (head, now)
            return False
        if now - self._waiting[1] < self.grace_s:
            return False
        log.warning("%s: nothing is found at head position %d after %.0f s; taken as deleted", self.what, head,
                    self.grace_s)
        self._waiting = None
        return True
