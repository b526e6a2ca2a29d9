"""Least privilege inside INTERNAL: only the owning department (or admin, where allowed) writes."""

from __future__ import annotations

import pytest

from hub.authority import (
    PLATFORM,
    NotTheOwner,
    require_consent_keeper,
    require_consent_revoker,
    require_not_filer,
    require_owner,
)
from hub.disclosure import Role, Viewer

SCJG, ZJ = "410425-SCJG", "410425-ZJ"


def test_the_owning_department_may_act() -> None:
    require_owner(Viewer(Role.AGENCY, "郏县市场监管局", SCJG), SCJG, "record r1 (withdraw)")


@pytest.mark.parametrize("viewer", [
    Viewer(Role.AGENCY, "郏县住建局", ZJ),  # another department
    Viewer(Role.AGENCY, "郏县某局"),  # a department token without --department
    Viewer(Role.PLATFORM, "平顶山市平台"),
    Viewer(Role.ADMIN, "郏县信用办"),  # admin only where the seeds give the credit office the role
])
def test_anyone_else_is_refused_naming_the_owner(viewer: Viewer) -> None:
    with pytest.raises(NotTheOwner, match=f"belongs to department {SCJG}") as refused:
        require_owner(viewer, SCJG, "record r1 (withdraw)")
    assert refused.value.code == "FORBIDDEN"


def test_admin_acts_where_allowed_and_nobody_else_on_an_unowned_item() -> None:
    require_owner(Viewer(Role.ADMIN, "郏县信用办"), SCJG, "objection o1 (decide)", admin_may=True)
    with pytest.raises(NotTheOwner, match="belongs to no department"):
        require_owner(Viewer(Role.AGENCY, "郏县市场监管局", SCJG), None, "record r2 (withdraw)")


@pytest.mark.parametrize("owner", [None, PLATFORM])
def test_the_platforms_own_items_are_the_credit_offices(owner: str | None) -> None:
    """seed 000 §四.(二)(三): the 信用办 runs the platform; what the platform made or holds without a
    department is decided by it, and by no department or platform token."""
    require_owner(Viewer(Role.ADMIN, "郏县信用办"), owner, "evaluation e1 (decide)")
    for other in (Viewer(Role.AGENCY, "郏县市场监管局", SCJG), Viewer(Role.PLATFORM, "郏县公共信用信息平台")):
        with pytest.raises(NotTheOwner, match="only the credit office"):
            require_owner(other, owner, "evaluation e1 (decide)")


def test_nobody_decides_what_they_filed() -> None:
    with pytest.raises(NotTheOwner, match="nobody decides what they filed"):
        require_not_filer(Viewer(Role.AGENCY, "郏县住建局", ZJ), "别的名字", ZJ, "objection o2 (decide)")
    with pytest.raises(NotTheOwner, match="nobody decides what they filed"):
        require_not_filer(Viewer(Role.ADMIN, "郏县信用办"), "郏县信用办", None, "objection o3 (decide)")
    require_not_filer(Viewer(Role.AGENCY, "郏县市场监管局", SCJG), "郏县公共信用信息平台", None, "objection o4")


@pytest.mark.parametrize(("viewer", "allowed"), [
    (Viewer(Role.ADMIN, "郏县信用办"), True),
    (Viewer(Role.PLATFORM, "郏县公共信用信息平台"), True),
    (Viewer(Role.PLATFORM, "henan-pingdingshan"), False),  # a peer platform
    (Viewer(Role.AGENCY, "郏县市场监管局", SCJG), False),
    (Viewer(Role.BANK, "持有银行"), False),
])
def test_consents_are_recorded_by_the_subjects_side(viewer: Viewer, allowed: bool) -> None:
    if allowed:
        require_consent_keeper(viewer, {"henan-pingdingshan"}, "grantConsent")
    else:
        with pytest.raises(NotTheOwner):
            require_consent_keeper(viewer, {"henan-pingdingshan"}, "grantConsent")


def test_only_the_holding_bank_may_revoke_its_consent() -> None:
    require_consent_revoker(Viewer(Role.BANK, "持有银行"), "持有银行", set(), "revokeConsent c1")
    with pytest.raises(NotTheOwner, match="does not hold this consent"):
        require_consent_revoker(Viewer(Role.BANK, "别的银行"), "持有银行", set(), "revokeConsent c1")
