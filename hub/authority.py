"""Who may change or decide a thing: least privilege inside INTERNAL.

INTERNAL *reads* are shared across government departments (政务共享, seed 002 §三.(四)); *writes* are
not. Every write belongs to someone — the department that issued a record, made an evaluation,
owns an inspection plan, an inspector pool or a draw, or to which an objection or a repair
application is routed — and only that department may change or decide it. The credit office's
``admin`` may act in a department's place only where the seeds give the credit office that role
(seed 000 §四: the 信用办 handles objections and repair for the platform it runs); a caller passes
``admin_may=True`` there and nowhere else.

The rule lives here, next to the domain, so that every door — GraphQL, console, CLI, sync — gets the
same answer: a service method that changes an owned thing calls :func:`require_owner` before it
writes. docs/tiers.md has the table of who may write what.
"""

from __future__ import annotations

from hub.disclosure import Role, Viewer
from hub.errors import Forbidden


class NotTheOwner(Forbidden):
    """The caller acts for another department (or for none) than the one that owns the item."""


def acts_for(viewer: Viewer, department: str | None) -> bool:
    """True when the viewer's token speaks for ``department`` (its ``--department`` claim)."""
    return department is not None and viewer.department is not None and viewer.department == department


def require_owner(viewer: Viewer, owner: str | None, what: str, *, admin_may: bool = False) -> None:
    """Refuse unless ``viewer`` acts for ``owner`` (or is the credit office's admin, where allowed).

    ``what`` names the item and the step for the message, e.g. "objection objection-1a2b (decide)".
    """
    if acts_for(viewer, owner):
        return
    if admin_may and viewer.role is Role.ADMIN:
        return
    mine = f"department {viewer.department}" if viewer.department else "no department"
    if owner is None:
        raise NotTheOwner(f"{what} belongs to no department; only the credit office (admin) may act on it, "
                          f"and you are {viewer.role.value} with {mine}")
    alternatives = " or the credit office (admin)" if admin_may else ""
    raise NotTheOwner(f"{what} belongs to department {owner}: only that department{alternatives} may change or "
                      f"decide it; your token speaks for {mine}")
