"""The common ladder — five rungs, 1 best … 5 worst — on which grades of different schemes compare.

Seed 001 §二.(四).2 asks the platform to flag "对同一市场主体评价等级存在两档以上差距的" for review by
the departments involved. Grades of different schemes can only be counted apart on a common scale,
so every grade of every scheme names its rung (``ladder:`` in the scheme file). The presets use::

    scheme                  rung 1   rung 2   rung 3      rung 4      rung 5
    quanzhou-industry       A 优秀   B 良好   C 中等      D 较差      E 差
    heilongjiang-industry   A 守法   B 守法   C 轻微失信  D 一般失信  E 严重失信
    henan-public-credit     优       良       中          —           差
    shanxi-public-credit    A, A-    B±, B    C±, C       —           D
    jiaxian-food-industry   A        B        C           —           D
    henan-market-risk       A 低     B 一般   C 较高      —           D 高

Five-grade schemes map one to one. A four-grade scheme keeps its top three on rungs 1–3 and puts
its worst grade on rung 5, leaving rung 4 empty. Why the worst grade goes to 5, not 4:

- the labels line up: 优秀 / 良好 / 中等 / 差 of the four-grade schemes (seeds 000, 003) are the
  A / B / C / E labels of seed 001's five (优秀, 良好, 中等, 较差, 差); only 较差 has no counterpart;
- the bottom grade of every scheme is where the serious-dishonesty lists put a subject (seed 000 差
  "为严重失信主体", joint-punishment list → 差; seed 003 D "被列入严重失信主体名单"; seed 004 第十条 → D;
  seed 002 严重失信 → E), so one fact must land on one rung in every scheme — otherwise a subject on
  the list would sit on different rungs by scheme alone.

The price: a four-grade scheme's 中 and 差 are two rungs apart, so 中 under one scheme and 差 under
another are flagged — which is a real disagreement (one scheme says "medium", the other "serious
risk"), worth the departments' review. Sub-levels share their grade's rung. A department scheme
names its own rungs; the loader only requires them to be 1–5 and not to improve down the list.

"两档以上" is read as **two or more** rungs apart: in Chinese legal drafting "以上" includes the
number itself (《刑法》第九十九条 "本法所称以上、以下、以内，包括本数"), and SPEC §2.1 says "two or more
grades". Grades one rung apart are never flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from hub.grading.schemes import SchemeRegistry

DISCREPANCY_GAP = 2  # seed 001 §二.(四).2 "两档以上差距": two or more rungs


@dataclass(frozen=True)
class LadderedGrade:
    """One evaluation's grade placed on the common ladder."""

    scheme: str
    grade: str
    department: str | None
    rung: int


@dataclass(frozen=True)
class Discrepancy:
    """Two current evaluations of one subject at least two rungs apart: the departments review them."""

    first: LadderedGrade
    second: LadderedGrade
    gap: int
    departments: tuple[str, ...]

    def describe(self) -> str:
        return (f"{self.first.scheme} {self.first.grade} (rung {self.first.rung}) and {self.second.scheme} "
                f"{self.second.grade} (rung {self.second.rung}) are {self.gap} rungs apart "
                f"(seed 001 §二.(四).2 两档以上差距): review by {', '.join(self.departments)}")


def place(scheme_id: str, grade: str, department: str | None, registry: SchemeRegistry) -> LadderedGrade:
    """A grade (or a sub-level name, e.g. shanxi "A-") on the ladder; unknown names raise."""
    return LadderedGrade(scheme_id, grade, department, registry.get(scheme_id).rung(grade))


def discrepancies(evaluations: Sequence[tuple[str, str, str | None]],
                  registry: SchemeRegistry) -> list[Discrepancy]:
    """Every pair of one subject's current evaluations ``(scheme id, grade, department)`` whose
    rungs differ by two or more, in the order the evaluations were given.

    The departments to notify are the two evaluations' departments; where one is not given, the
    scheme's evaluator stands in (the provincial platform for a public evaluation).
    """
    placed = [place(scheme_id, grade, department, registry) for scheme_id, grade, department in evaluations]
    found: list[Discrepancy] = []
    for first, second in combinations(placed, 2):
        gap = abs(first.rung - second.rung)
        if gap >= DISCREPANCY_GAP:
            involved = (first.department or registry.get(first.scheme).evaluator,
                        second.department or registry.get(second.scheme).evaluator)
            found.append(Discrepancy(first, second, gap, tuple(dict.fromkeys(involved))))
    return found
