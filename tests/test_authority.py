"""Least privilege inside INTERNAL: only the owning department (or admin, where allowed) writes."""

from __future__ import annotations

import pytest

from hub.authority import NotTheOwner, require_owner
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
