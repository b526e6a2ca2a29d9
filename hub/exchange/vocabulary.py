"""The exchange's words (docs/exchange-protocol.md): which way a feed runs, which way a link of a sync round
goes, and what an item is. StrEnums: on the wire and in the store they are the same strings as before."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """Which feed a batch belongs to: UP (this level and below, for the parent) or DOWN (PUBLIC evaluations
    made at this level or above, for children)."""

    UP = "UP"
    DOWN = "DOWN"


class Direction(StrEnum):
    """Which way a checkpoint (sync cursor) or a dead letter faces a peer."""

    PULL_UP = "PULL_UP"  # we pull a child's upward feed
    PULL_DOWN = "PULL_DOWN"  # we pull the parent's downward feed
    PUSH = "PUSH"  # we push our upward feed to the parent
    RECEIVED = "RECEIVED"  # a peer pushed to us
    ACKED = "ACKED"  # how far a peer holds our feed (it said so)
    PUSH_REFUSED = "PUSH_REFUSED"  # what the parent refused of our pushes (dead letters, ours to fix)

    @property
    def scope(self) -> Scope:
        """The feed a pull in this direction asks for."""
        return Scope.UP if self is Direction.PULL_UP else Scope.DOWN


class ItemType(StrEnum):
    """What an exchanged item is (its ``type``)."""

    RECORD = "RECORD"
    EVALUATION = "EVALUATION"
    WARNING = "WARNING"
    REPORTING = "REPORTING"
