"""The person-level graph rules, on portfolios built in memory: which subject a warning is shown
under (and so which department it is routed to) must not depend on which of the person's subjects a
feed batch happened to name as the trigger."""

from __future__ import annotations

from datetime import timedelta

from hub import clock
from hub.warnings import detectors as detect
from hub.warnings.model import Holding, Penalty, PersonRef, Portfolio, SubjectRef
from hub.warnings.rules import RuleBook

PERSON = PersonRef(fingerprint="fp-detectors", name="张某", id_masked="1101**********1234")


def subject(n: int) -> SubjectRef:
    return SubjectRef(uscc=f"S{n:02d}", name=f"主体{n}", region="110199")


def test_representative_of_poor_is_shown_under_a_poor_subject_whichever_subject_triggered() -> None:
    rule = RuleBook().get("representative-of-poor-subjects")
    assert rule is not None
    holdings = tuple(Holding(subject(n), grades=(("public-credit", "D" if n in (3, 5) else "A", f"ev-{n}"),))
                     for n in range(7))  # more than 5 subjects, two of them graded D
    portfolio = Portfolio(PERSON, holdings, total=len(holdings))
    where = detect.Neighbourhood(today=clock.today(), portfolios={PERSON.fingerprint: portfolio})
    rung = {"A": 1, "D": 5}

    def shown_under(trigger: str | None) -> str | None:
        [found] = detect.representative_of_poor(rule, {PERSON.fingerprint: trigger}, where,
                                                lambda _scheme, grade: rung[grade])
        assert found.route_via == found.subject_uscc
        return found.subject_uscc

    assert shown_under("S05") == "S05"  # the trigger, when it is poor
    assert shown_under("S00") == shown_under("S06") == shown_under(None) == "S03"  # else the first poor one


def test_a_representative_cluster_is_shown_under_a_penalised_subject_whichever_subject_triggered() -> None:
    rule = RuleBook().get("representative-cluster-penalties")
    assert rule is not None
    today = clock.today()
    holdings = tuple(Holding(subject(n), penalties=tuple(
        Penalty(f"pen-{n}-{i}", f"S{n:02d}", "dept", today - timedelta(days=10 * i), 1.0) for i in range(3)
    ) if n in (1, 2) else ()) for n in range(4))  # 6 penalties, all on S01 and S02
    portfolio = Portfolio(PERSON, holdings, total=len(holdings))
    where = detect.Neighbourhood(today=today, portfolios={PERSON.fingerprint: portfolio})

    def shown_under(trigger: str | None) -> str | None:
        [found] = detect.representative_cluster(rule, {PERSON.fingerprint: trigger}, where)
        assert found.route_via == found.subject_uscc
        return found.subject_uscc

    assert shown_under("S02") == "S02"
    assert shown_under("S00") == shown_under("S03") == shown_under(None) == "S01"
