"""Who may change or decide a thing: least privilege inside INTERNAL.

INTERNAL *reads* are shared across government departments (政务共享, seed 002 §三.(四)); *writes* are
not. Every write belongs to someone — the department that issued a record, made an evaluation,
owns an inspection plan, an inspector pool or a draw, or to which an objection or a repair
application is routed — and only that department may change or decide it.

The credit office's ``admin`` acts only where the seeds give the credit office (信用办, which runs the
county's public credit platform) that role, and seed 000 §四 gives it the platform's own items, never
a department's:

- §四.(二) "信用主体对评价结果有异议的，可通过省公共信用信息平台、行业监管部门提出异议申请…省公共信用信息平台、
  行业监管部门重新作出评价": an objection is decided by the unit that made the item — the platform for
  the public credit evaluation, the department for its records and industry evaluations;
- §四.(三) "向失信行为认定单位申请信用修复…失信行为认定单位应当及时做出同意信用修复决定并反馈至发展改革委，公共信用
  信息平台应当及时调整相关信用记录": repair is decided by the department that found the dishonest
  behaviour; the platform only carries the decision out.

So an item owned by :data:`PLATFORM` (the platform's own evaluations, and items that carry no issuing
department) is the credit office's; an item owned by a department is that department's alone.
``admin_may=True`` lets the admin act on a department's item as well: no rule of the hub passes it
today, because no seed gives the 信用办 a department's decision.

The rule lives here, next to the domain, so that every door — GraphQL, console, CLI, sync — gets the
same answer: a service method that changes an owned thing calls :func:`require_owner` before it
writes. docs/tiers.md has the table of who may write what.
"""

from __future__ import annotations

from collections.abc import Collection

from hub.disclosure import Role, Viewer
from hub.errors import Forbidden

PLATFORM = "platform"  # the owner of what this hub's credit platform made or holds without a department


class NotTheOwner(Forbidden):
    """The caller acts for another department (or for none) than the one that owns the item."""


def acts_for(viewer: Viewer, department: str | None) -> bool:
    """True when the viewer's token speaks for ``department`` (its ``--department`` claim)."""
    return department is not None and viewer.department is not None and viewer.department == department


def _mine(viewer: Viewer) -> str:
    return f"department {viewer.department}" if viewer.department else "no department"


def require_owner(viewer: Viewer, owner: str | None, what: str, *, admin_may: bool = False) -> None:
    """Refuse unless ``viewer`` acts for ``owner`` (or is the credit office's admin, where allowed).

    ``owner`` None or :data:`PLATFORM` is the credit platform's own item: the credit office (admin)
    decides it (seed 000 §四). ``what`` names the item and the step for the message, e.g.
    "objection objection-1a2b (decide)".
    """
    if owner is None or owner == PLATFORM:
        if viewer.role is Role.ADMIN:
            return
        raise NotTheOwner(f"{what} belongs to no department but to this hub's credit platform: only the credit "
                          f"office (admin) may change or decide it (seed 000 §四); you are {viewer.role.value} "
                          f"with {_mine(viewer)}")
    if acts_for(viewer, owner):
        return
    if admin_may and viewer.role is Role.ADMIN:
        return
    alternatives = " or the credit office (admin)" if admin_may else ""
    raise NotTheOwner(f"{what} belongs to department {owner}: only that department{alternatives} may change or "
                      f"decide it; your token speaks for {_mine(viewer)}")


def filed_by_viewer(viewer: Viewer, filed_by_org: str | None, filed_by_department: str | None) -> bool:
    """True when the viewer speaks for the organization or department that filed a claim."""
    same_org = filed_by_org is not None and viewer.org == filed_by_org
    return same_org or acts_for(viewer, filed_by_department)


def require_not_filer(viewer: Viewer, filed_by_org: str | None, filed_by_department: str | None,
                      what: str) -> None:
    """Nobody decides what they filed: a claim filed on a subject's behalf is decided by someone else."""
    if filed_by_viewer(viewer, filed_by_org, filed_by_department):
        raise NotTheOwner(f"{what} was filed by your organization; nobody decides what they filed")


# --- consents (授权) -------------------------------------------------------------------------
# A consent is the subject's authorization of one bank. SPEC §4: grantConsent and revokeConsent are
# called by ADMIN or PLATFORM on the subject's behalf — the platform keeps the signed 授权书. So the
# subject's side of a consent is this hub's credit office or its own platform; a peer platform's
# token speaks for another platform (which keeps its own 授权书), a department has no part in it, and a
# bank never records an authorization (it would open data to itself). The bank that holds a consent
# may give it up (revoke it: that only narrows what it sees); no other bank may touch it.


def require_consent_keeper(viewer: Viewer, peer_platforms: Collection[str], what: str) -> None:
    """Record or withdraw a subject's authorization: the credit office or this hub's own platform."""
    if viewer.role is Role.ADMIN:
        return
    if viewer.role is Role.PLATFORM and viewer.org not in peer_platforms:
        return
    if viewer.role is Role.PLATFORM:
        raise NotTheOwner(f"{what}: platform {viewer.org} is a peer platform; a subject's authorization is recorded "
                          "by the platform that keeps its signed 授权书 — this hub's credit office or its own platform")
    raise NotTheOwner(f"{what}: a subject's authorization is recorded and withdrawn by the credit office (admin) "
                      f"or this hub's platform on the subject's behalf (SPEC §4); you are {viewer.role.value}")


def require_consent_revoker(viewer: Viewer, grantee: str, peer_platforms: Collection[str], what: str) -> None:
    """Revoke a consent: the subject's side (as above), or the bank that holds it — no other bank."""
    if viewer.role is Role.BANK:
        if viewer.org == grantee:
            return
        raise NotTheOwner(f"{what}: your bank does not hold this consent; only the bank that holds a consent, or "
                          "the subject through the credit office or its platform, may revoke it")
    require_consent_keeper(viewer, peer_platforms, what)
