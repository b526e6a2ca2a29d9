"""The engine's per-batch statements start from the batch's subjects, whatever the planner's statistics say.

A statement given 2,000 subject codes must read what concerns those subjects: started from an index on
another label (the review flags' status, say), it reads everything under that index once per code — a
cost that grows with the province, not with the batch. The test database is nearly empty, which is just
when the planner likes such an index best.
"""

from __future__ import annotations

from typing import Any

from hub.db import evaluations
from hub.service import CreditHub


def _operators(plan: Any) -> list[tuple[str, str]]:
    found = [(plan["operatorType"].split("@")[0], str(plan.get("args", {}).get("Details", "")))]
    for child in plan.get("children", ()):
        found += _operators(child)
    return found


async def _plan(hub: CreditHub, statement: str, **parameters: Any) -> list[tuple[str, str]]:
    async def explain(tx: Any) -> Any:
        result = await tx.run("EXPLAIN " + statement, parameters)
        return (await result.consume()).plan

    return _operators(await hub.gateway.read(explain))


async def test_clearing_settled_flags_starts_from_the_subjects(hub: CreditHub) -> None:
    operators = await _plan(hub, evaluations._CLEAR, subjects=["91410726MA0000000X"], keep=[], now=None)
    seeks = [details for operator, details in operators if "Seek" in operator or "Scan" in operator]
    assert seeks and all("Subject(uscc)" in details for details in seeks), operators
