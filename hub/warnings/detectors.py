"""The detectors: pure functions from facts (and the neighbourhood the engine read) to candidates.

No database and no clock here: the engine hands each detector the facts that changed, what it read
around them and ``today`` (China date), so every boundary is testable by itself. Boundaries:

- **fresh**: a fact decided on ``today - fresh_days`` or later is news; one day earlier is history;
- **months**: a window of M months ends today and starts on the same day M months ago (counted,
  ``hub.rights.publicity.add_months``: 2026-03-31 less one month is 2026-02-28);
- **rungs**: a fall of ``min_rungs`` or more on the common ladder (seed 001 §二.(四).2, "以上" inclusive);
- **overdue**: a decision is overdue once the China date is after its due date.

Routing (who must act): a record's issuing department; for an evaluation, its evaluator when that is a
department of this hub; else the subject's **regulator** — the department that issued its most recent
record (``route``, once the engine has read the regulators of the candidates that need one); else
nobody, which means the credit office (admin).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from hub.models import RecordKind
from hub.rights.publicity import add_months
from hub.warnings.model import (
    Candidate,
    GradeChange,
    OverdueDecision,
    Penalty,
    Portfolio,
    RecordFact,
    ReportingRate,
    Representation,
    SubjectRef,
)
from hub.warnings.rules import RuleKind, WarningRule

Rung = Callable[[str, str], int | None]  # (scheme, grade) → common-ladder rung, None when unknown


@dataclass(frozen=True)
class Neighbourhood:
    """What the engine read around the changed facts, for the aggregate and graph detectors."""

    today: date
    penalties: Mapping[str, tuple[Penalty, ...]] = field(default_factory=dict)  # subject → recent penalties
    representatives: Mapping[str, tuple[Representation, ...]] = field(default_factory=dict)  # subject → persons
    portfolios: Mapping[str, Portfolio] = field(default_factory=dict)  # person fingerprint → subjects
    departments: frozenset[str] = frozenset()  # department codes this hub knows (evaluators that route)


def is_fresh(decided_on: date | None, fresh_days: int | None, today: date) -> bool:
    if fresh_days is None or decided_on is None:
        return True
    return decided_on >= today - timedelta(days=fresh_days)


def window_start(today: date, months: int) -> date:
    """The first day of an M-month window that ends today."""
    return add_months(today, -months)


def _routed(rule: WarningRule, found: Iterable[Candidate]) -> list[Candidate]:
    """The candidates a rule keeps once routed: all of them when they are routed later (``route_via``)."""
    return [c for c in found if c.route_via is not None or rule.routes_to(c.department)]


def route(candidates: Iterable[Candidate], regulators: Mapping[str, str | None]) -> list[Candidate]:
    """Send each candidate without a department to its subject's regulator, then keep those its rule
    routes (a department's own rule keeps only the warnings routed to that department)."""
    routed = []
    for candidate in candidates:
        if candidate.department is None and candidate.route_via is not None:
            candidate = replace(candidate, department=regulators.get(candidate.route_via))
        if candidate.rule.routes_to(candidate.department):
            routed.append(candidate)
    return routed


def _subject(ref: SubjectRef) -> dict[str, Any]:
    return {"uscc": ref.uscc, "name": ref.name, "region": ref.region}


def _record(fact: RecordFact) -> dict[str, Any]:
    return {"id": fact.id, "kind": fact.kind.value, "decided_on": fact.decided_on and fact.decided_on.isoformat(),
            "department": fact.department, "severity": fact.severity and fact.severity.value,
            "amount_wan_yuan": fact.amount_wan_yuan, "kept": fact.kept}


def _from_record(rule: WarningRule, fact: RecordFact, where: Neighbourhood, summary: str) -> Candidate:
    return Candidate(rule=rule, anchor=fact.subject.uscc, facts=(fact.id,), summary=summary,
                     subject_uscc=fact.subject.uscc, subject_name=fact.subject.name, region=fact.subject.region,
                     department=fact.department, route_via=fact.subject.uscc,
                     evidence={"subject": _subject(fact.subject), "record": _record(fact)})


def _name(ref: SubjectRef) -> str:
    return f"{ref.name or ref.uscc} ({ref.uscc})"


# --- subject events ---------------------------------------------------------------------------

def serious_penalties(rule: WarningRule, facts: Sequence[RecordFact], where: Neighbourhood) -> list[Candidate]:
    """An ACTIVE penalty whose severity is listed, or whose fine reaches the amount."""
    p = rule.parameters
    found = []
    for fact in facts:
        if fact.kind is not RecordKind.ADMINISTRATIVE_PENALTY or not fact.active:
            continue
        if not is_fresh(fact.decided_on, p.fresh_days, where.today):
            continue
        by_severity = fact.severity is not None and fact.severity in p.severities
        by_amount = (p.min_amount_wan_yuan is not None and fact.amount_wan_yuan is not None
                     and fact.amount_wan_yuan >= p.min_amount_wan_yuan)
        if not (by_severity or by_amount):
            continue
        why = [f"severity {fact.severity.value}"] if by_severity and fact.severity else []
        if by_amount:
            why.append(f"fine {fact.amount_wan_yuan:g} 万元 ≥ {p.min_amount_wan_yuan:g} 万元")
        found.append(_from_record(rule, fact, where, f"{rule.title}: {_name(fact.subject)} — penalty {fact.id} "
                                                      f"decided {fact.decided_on}, {', '.join(why)}"))
    return _routed(rule, found)


def list_entries(rule: WarningRule, facts: Sequence[RecordFact], where: Neighbourhood) -> list[Candidate]:
    """An ACTIVE entry onto one of the rule's lists, decided recently."""
    p = rule.parameters
    found = [_from_record(rule, fact, where, f"{rule.title}: {_name(fact.subject)} — {fact.kind.value} entry "
                                             f"{fact.id} decided {fact.decided_on}")
             for fact in facts
             if fact.kind in p.lists and fact.active and is_fresh(fact.decided_on, p.fresh_days, where.today)]
    return _routed(rule, found)


def broken_commitments(rule: WarningRule, facts: Sequence[RecordFact], where: Neighbourhood) -> list[Candidate]:
    """A COMMITMENT record that says it was not kept (``kept`` false; unknown is not broken)."""
    p = rule.parameters
    found = [_from_record(rule, fact, where, f"{rule.title}: {_name(fact.subject)} — commitment {fact.id} "
                                             f"of {fact.decided_on} not kept")
             for fact in facts
             if fact.kind is RecordKind.COMMITMENT and fact.kept is False and fact.active
             and is_fresh(fact.decided_on, p.fresh_days, where.today)]
    return _routed(rule, found)


def grade_falls(rule: WarningRule, changes: Sequence[GradeChange], where: Neighbourhood,
                rung: Rung) -> list[Candidate]:
    """A new current grade at least ``min_rungs`` rungs worse than the one it replaced."""
    p = rule.parameters
    found = []
    for change in changes:
        if change.previous_grade is None or (p.schemes is not None and change.scheme not in p.schemes):
            continue
        if not is_fresh(change.evaluated_on, p.fresh_days, where.today):
            continue
        new, old = rung(change.scheme, change.grade), rung(change.scheme, change.previous_grade)
        if new is None or old is None or new - old < p.min_rungs:
            continue
        department = change.evaluator if change.evaluator in where.departments else None
        found.append(Candidate(
            rule=rule, anchor=change.subject.uscc, facts=(change.id,), subject_uscc=change.subject.uscc,
            subject_name=change.subject.name, region=change.subject.region, department=department,
            route_via=change.subject.uscc,
            summary=f"{rule.title}: {_name(change.subject)} — {change.scheme} {change.previous_grade} → "
                    f"{change.grade}, {new - old} rungs down (evaluation {change.id})",
            evidence={"subject": _subject(change.subject), "evaluation": {
                "id": change.id, "scheme": change.scheme, "grade": change.grade,
                "previous_grade": change.previous_grade, "rungs": [old, new], "evaluator": change.evaluator,
                "evaluated_on": change.evaluated_on.isoformat()}}))
    return _routed(rule, found)


def penalties_across_departments(rule: WarningRule, facts: Sequence[RecordFact],
                                 where: Neighbourhood) -> list[Candidate]:
    """A new penalty brings the subject's ACTIVE penalties of the last M months to N or more, issued by
    at least ``min_departments`` departments."""
    p = rule.parameters
    assert p.min_penalties is not None
    start = window_start(where.today, p.months)
    found = []
    for fact in _newest_per_subject(facts, RecordKind.ADMINISTRATIVE_PENALTY, p.fresh_days, where.today):
        window = [pen for pen in where.penalties.get(fact.subject.uscc, ()) if start <= pen.decided_on <= where.today]
        departments = sorted({pen.department for pen in window if pen.department})
        if len(window) < p.min_penalties or len(departments) < p.min_departments:
            continue
        found.append(Candidate(
            rule=rule, anchor=fact.subject.uscc, facts=tuple(sorted(pen.id for pen in window)),
            subject_uscc=fact.subject.uscc, subject_name=fact.subject.name, region=fact.subject.region,
            department=fact.department, route_via=fact.subject.uscc,
            summary=f"{rule.title}: {_name(fact.subject)} — {len(window)} penalties from {len(departments)} "
                    f"departments since {start} ({', '.join(departments)})",
            evidence={"subject": _subject(fact.subject), "since": start.isoformat(), "departments": departments,
                      "penalties": [_penalty(pen) for pen in sorted(window, key=lambda q: (q.decided_on, q.id))]}))
    return _routed(rule, found)


def _newest_per_subject(facts: Iterable[RecordFact], kind: RecordKind, fresh_days: int | None,
                        today: date) -> list[RecordFact]:
    newest: dict[str, RecordFact] = {}
    for fact in facts:
        if fact.kind is kind and fact.active and is_fresh(fact.decided_on, fresh_days, today):
            held = newest.get(fact.subject.uscc)
            if held is None or (fact.decided_on or date.min, fact.id) > (held.decided_on or date.min, held.id):
                newest[fact.subject.uscc] = fact
    return list(newest.values())


def _penalty(penalty: Penalty) -> dict[str, Any]:
    return {"id": penalty.id, "subject": penalty.subject_uscc, "department": penalty.department,
            "decided_on": penalty.decided_on.isoformat(), "amount_wan_yuan": penalty.amount_wan_yuan}


# --- graph signals ----------------------------------------------------------------------------

def representative_of_listed(rule: WarningRule, entries: Sequence[RecordFact], where: Neighbourhood,
                             newly_represented: Mapping[str, str] | None = None) -> list[Candidate]:
    """Each subject whose legal representative also represents — or represented within M months — a
    subject that has just entered one of the lists. ``newly_represented`` (subject → person) adds the
    other direction: a subject that has just taken on a representative of a freshly listed subject."""
    p = rule.parameters
    since = window_start(where.today, p.months)
    found: list[Candidate] = []
    for entry in entries:
        if entry.kind not in p.lists or not entry.active or not is_fresh(entry.decided_on, p.fresh_days, where.today):
            continue
        for link in where.representatives.get(entry.subject.uscc, ()):
            if not link.current and (link.until is None or link.until < since):
                continue
            portfolio = where.portfolios.get(link.person.fingerprint)
            if portfolio is None:
                continue
            found += [_linked(rule, entry.subject, entry.id, entry.kind, entry.decided_on, link, holding.subject,
                              portfolio, where)
                      for holding in portfolio.holdings if holding.subject.uscc != entry.subject.uscc]
    for uscc, fingerprint in (newly_represented or {}).items():  # current representation only
        portfolio = where.portfolios.get(fingerprint)
        mine = next((h for h in portfolio.holdings if h.subject.uscc == uscc), None) if portfolio else None
        if portfolio is None or mine is None:
            continue
        for holding in portfolio.holdings:
            for listed in holding.list_entries if holding.subject.uscc != uscc else ():
                if listed.kind in p.lists and is_fresh(listed.decided_on, p.fresh_days, where.today):
                    found.append(_linked(rule, holding.subject, listed.id, listed.kind, listed.decided_on, None,
                                         mine.subject, portfolio, where))
    unique = {candidate.id: candidate for candidate in found}
    return _routed(rule, unique.values())


def _linked(rule: WarningRule, listed: SubjectRef, entry_id: str, kind: RecordKind, decided_on: date | None,
            link: Representation | None, subject: SubjectRef, portfolio: Portfolio, where: Neighbourhood) -> Candidate:
    relation = "represents" if link is None or link.current else f"represented until {link.until}"
    path = [{"subject": _subject(subject), "relation": "LEGAL_REPRESENTATIVE", "person": 0},
            {"person": 0, "relation": "LEGAL_REPRESENTATIVE" if link is None or link.current
             else "FORMER_LEGAL_REPRESENTATIVE", "until": link.until.isoformat() if link and link.until else None,
             "subject": _subject(listed)}]
    return Candidate(
        rule=rule, anchor=subject.uscc, facts=(entry_id,), subject_uscc=subject.uscc, subject_name=subject.name,
        region=subject.region, route_via=subject.uscc,
        summary=f"{rule.title}: {_name(subject)} — its legal representative {relation} {_name(listed)}, "
                f"which entered {kind.value} on {decided_on} ({entry_id})",
        evidence={"subject": _subject(subject), "path": path,
                  "entry": {"id": entry_id, "kind": kind.value, "decided_on": decided_on and decided_on.isoformat()},
                  "fan_out_truncated": portfolio.truncated},
        persons=(portfolio.person.as_evidence(),))


def representative_of_poor(rule: WarningRule, persons: Mapping[str, str | None], where: Neighbourhood,
                           rung: Rung) -> list[Candidate]:
    """A person who represents more than K subjects, at least ``min_poor`` of them graded on rung
    ``poor_rung`` or worse (差/D) under some current evaluation. ``persons``: fingerprint → the
    subject whose change asked for the check."""
    p = rule.parameters
    found = []
    for fingerprint, trigger in persons.items():
        portfolio = where.portfolios.get(fingerprint)
        if portfolio is None or portfolio.total <= p.more_than:
            continue
        poor = [(holding, evaluation) for holding in portfolio.holdings
                for (scheme, grade, evaluation) in holding.grades
                if (r := rung(scheme, grade)) is not None and r >= p.poor_rung]
        subjects = sorted({holding.subject.uscc for holding, _ in poor})
        if len(subjects) < p.min_poor:
            continue
        subject = _trigger(portfolio, trigger, subjects)
        found.append(Candidate(
            rule=rule, anchor="person:" + fingerprint, facts=tuple(sorted({ev for _, ev in poor})),
            subject_uscc=subject.uscc, subject_name=subject.name, region=subject.region,
            route_via=subject.uscc,
            summary=f"{rule.title}: one legal representative heads {portfolio.total} subjects (more than "
                    f"{p.more_than}); {len(subjects)} graded at rung {p.poor_rung} or worse: {', '.join(subjects)}",
            evidence={"person": 0, "represents": portfolio.total, "fan_out_truncated": portfolio.truncated,
                      "subjects": [{**_subject(h.subject), "grades": [list(g[:2]) for g in h.grades]}
                                   for h in portfolio.holdings], "poor": subjects},
            persons=(portfolio.person.as_evidence(),)))
    return _routed(rule, found)


def representative_cluster(rule: WarningRule, persons: Mapping[str, str | None],
                           where: Neighbourhood) -> list[Candidate]:
    """The subjects a person represents (two or more) together hold ``min_penalties`` or more ACTIVE
    penalties, or fines of ``min_amount_wan_yuan`` or more, decided in the last M months."""
    p = rule.parameters
    start = window_start(where.today, p.months)
    found = []
    for fingerprint, trigger in persons.items():
        portfolio = where.portfolios.get(fingerprint)
        if portfolio is None or portfolio.total < 2:
            continue
        window = [pen for h in portfolio.holdings for pen in h.penalties if start <= pen.decided_on <= where.today]
        amount = sum(pen.amount_wan_yuan or 0.0 for pen in window)
        by_count = p.min_penalties is not None and len(window) >= p.min_penalties
        by_amount = p.min_amount_wan_yuan is not None and amount >= p.min_amount_wan_yuan
        if not (by_count or by_amount):
            continue
        penalised = sorted({pen.subject_uscc for pen in window})
        subject = _trigger(portfolio, trigger, penalised)
        found.append(Candidate(
            rule=rule, anchor="person:" + fingerprint, facts=tuple(sorted(pen.id for pen in window)),
            subject_uscc=subject.uscc, subject_name=subject.name, region=subject.region,
            route_via=subject.uscc,
            summary=f"{rule.title}: {portfolio.total} subjects sharing one legal representative carry "
                    f"{len(window)} penalties ({amount:g} 万元) since {start}",
            evidence={"person": 0, "since": start.isoformat(), "represents": portfolio.total,
                      "fan_out_truncated": portfolio.truncated, "amount_wan_yuan": round(amount, 4),
                      "subjects": [_subject(h.subject) for h in portfolio.holdings],
                      "penalties": [_penalty(pen) for pen in sorted(window, key=lambda q: (q.decided_on, q.id))]},
            persons=(portfolio.person.as_evidence(),)))
    return _routed(rule, found)


def _trigger(portfolio: Portfolio, trigger: str | None, concerned: Sequence[str]) -> SubjectRef:
    """The subject a person-level warning is shown under (and routed by): one of ``concerned`` (the poor
    subjects, the penalised ones) — the one whose change raised it if it is among them, else the first.
    Never the trigger alone: a feed batch holding changes of several of the person's subjects names one of
    them as the trigger, which one by the batching (timing), and the warning is about the concerned ones."""
    by_code = {h.subject.uscc: h.subject for h in portfolio.holdings}
    for code in ((trigger,) if trigger in concerned else ()) + tuple(concerned):
        if code in by_code:
            return by_code[code]
    return portfolio.holdings[0].subject


# --- supervision signals ----------------------------------------------------------------------

def overdue_decisions(rule: WarningRule, decisions: Sequence[OverdueDecision], where: Neighbourhood) -> list[Candidate]:
    """A pending objection (or repair application) whose due date is before today (China date)."""
    wanted = "OBJECTION" if rule.kind is RuleKind.OBJECTION_OVERDUE else "REPAIR"
    found = []
    for decision in decisions:
        if decision.kind != wanted or decision.due_on >= where.today:
            continue
        subject = decision.subject
        what = "objection" if wanted == "OBJECTION" else "credit repair application"
        found.append(Candidate(
            rule=rule, anchor=decision.id, facts=(decision.id,), department=decision.department,
            subject_uscc=subject.uscc if subject else None, subject_name=subject.name if subject else None,
            region=subject.region if subject else None,
            summary=f"{rule.title}: {what} {decision.id} against {decision.target_id} was due on "
                    f"{decision.due_on} and is still pending",
            evidence={"decision": {"id": decision.id, "kind": wanted, "target": decision.target_id,
                                   "due_on": decision.due_on.isoformat(), "department": decision.department},
                      "subject": _subject(subject) if subject else None}))
    return _routed(rule, found)


def reporting_timeliness(rule: WarningRule, rates: Sequence[ReportingRate]) -> list[Candidate]:
    """A department whose 及时率 over its imports is below the line (with at least ``min_rows`` timed rows)."""
    p = rule.parameters
    found = []
    for rate in rates:
        timed = rate.on_time + rate.late
        if rate.timeliness is None or timed < p.min_rows or rate.timeliness >= p.below:
            continue
        found.append(Candidate(
            rule=rule, anchor="department:" + rate.department, facts=tuple(sorted(rate.imports)),
            department=rate.department, region=rate.region,
            summary=f"{rule.title}: {rate.name or rate.department} reported {rate.late} of {timed} rows late "
                    f"(及时率 {rate.timeliness:.1%}, below {p.below:.0%})",
            evidence={"department": rate.department, "name": rate.name, "on_time": rate.on_time, "late": rate.late,
                      "timeliness": rate.timeliness, "below": p.below, "imports": sorted(rate.imports)}))
    return _routed(rule, found)

