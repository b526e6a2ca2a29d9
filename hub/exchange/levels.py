"""The three platform levels, lowest first: 县级 (county), 市级 (city), 省级 (province).

Items flow up to higher levels; PUBLIC evaluations flow down to lower ones (seed 002 §三.(四).1,
seed 000 §三). Everything that names or compares levels uses this module.
"""

from __future__ import annotations

from typing import Literal, get_args

Level = Literal["county", "city", "province"]
LEVELS: tuple[str, ...] = get_args(Level)  # lowest first


def rank(level: str) -> int:
    """1 for a county, 3 for a province; ValueError for anything else."""
    if level not in LEVELS:
        raise ValueError(f"level must be {', '.join(LEVELS)}, got {level!r}")
    return LEVELS.index(level) + 1


def up_to(level: str) -> list[str]:
    """This level and the ones below it: what an upward feed from here carries."""
    return list(LEVELS[:rank(level)])


def from_(level: str) -> list[str]:
    """This level and the ones above it: what a downward feed from here carries."""
    return list(LEVELS[rank(level) - 1:])


def may_issue(level: str | None, reserved_to: str | None) -> bool:
    """Whether a platform of ``level`` may issue an evaluation its scheme reserves to ``reserved_to``.

    Seed 000 §二.(一): the public credit evaluation "由省发展改革委依托省公共信用信息平台…作出" — only the
    province issues it; a county or city platform that computes one has made its own estimate, not the
    province's evaluation. No reservation (None), or an unknown origin (None: an evaluation loaded from
    a file or written before origins were kept), is taken as issued by whoever may.
    """
    if reserved_to is None or level is None:
        return True
    return rank(level) >= rank(reserved_to)
