"""Page sizes: one rule for every paged read — ``first`` from 1 to that read's largest page.

The service behind each paged read checks it with :func:`page_size` before any work, so every door
(GraphQL, CLI, sync) gets the same BAD_USER_INPUT naming the bounds. Each read's largest page is a
constant beside it (``hub.exchange.service.MAX_PAGE``, ``MAX_DEAD_LETTERS``,
``hub.warnings.service.MAX_PAGE``) or a setting (``HUB_MAX_PAGE_SIZE`` for subjects); GraphQL's
demand control (schema/build.py) counts a list at most at that size.
"""

from __future__ import annotations

from hub.errors import BadInput


def page_size(first: int | None, largest: int, *, default: int | None = None,
              error: type[BadInput] = BadInput) -> int:
    """``first`` (or ``default`` when it is None) when it is from 1 to ``largest``; else ``error``."""
    size = default if first is None else first
    if size is None or not 1 <= size <= largest:
        raise error(f"first must be between 1 and {largest}, got {size}")
    return size
