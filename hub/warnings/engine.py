"""The warning engine: evaluates the rules where data changes, not by a nightly scan.

**Events.** Every write path puts what it changed on the change feed in the writing transaction —
imports, platform sync, API mutations, re-grading all label their records and evaluations
``:Pending`` (hub.db.feed) — and the subject upsert labels a subject ``:RepresentativeChanged`` when it
takes a new legal representative. That is the durable queue: the engine numbers pending items with the
feed's own sequencer and evaluates the feed window after its cursor — the changed facts and their
neighbourhood (the subject's other penalties, its representatives and their other subjects) — then
writes the warnings and the new cursor in one transaction (hub.db.warnings.commit). A crash between a
write and its warning loses nothing: the window is evaluated again at the next start; a replayed
window raises nothing twice (a warning's id is rule + anchor + facts).

**Where rules run.** On facts that entered the network through this hub (``origin_platform`` is this
platform): a fact is judged once, by the hub its department uses, and its warning travels up the
feed. Warnings received from below are numbered for this hub's subscribers.

**Time.** A decision overdue is no write: the engine keeps a wake-up at the earliest due date of the
pending objections and repair applications (China midnight after it), re-read after each nudge and at
least every ``refresh_s``.

**Wake-ups.** ``nudge()`` (an in-process write just committed) or every ``poll_s``: one cheap query
(count-store counts and the feed head) says whether anything is waiting, so other processes' writes
(`hub import`, `hub sync run`) are picked up within ``poll_s``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hub import clock
from hub.clock import CHINA
from hub.db import feed, warning_facts
from hub.db import warnings as store
from hub.db.gateway import DatabaseUnavailable, Neo4jGateway
from hub.db.reporting import department_rates
from hub.grading.schemes import SchemeRegistry
from hub.models import RecordKind
from hub.rights.calendar import WorkingCalendar
from hub.warnings import detectors as detect
from hub.warnings.detectors import Neighbourhood
from hub.warnings.heads import HeadGate
from hub.warnings.model import (
    Candidate,
    GradeChange,
    OverdueDecision,
    Penalty,
    RecordFact,
    ReportingRate,
    Representation,
)
from hub.warnings.rules import LIST_KINDS, RuleBook, RuleKind
from hub.warnings.waiting import nap

log = logging.getLogger("hub.warnings")

WINDOW = 5000  # feed positions evaluated per transaction (HUB_WARNING_WINDOW)
MARKERS = 2000  # representative changes per transaction
TALLY_OVERLAP = timedelta(minutes=10)  # re-read tallies this far back: a late-committing import is not missed


@dataclass
class CycleReport:
    windows: int = 0
    items: int = 0
    raised: list[str] = field(default_factory=list)
    numbered: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase: sequence, window, …, commit

    def timed(self, phase: str, started: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started


class WarningEngine:
    def __init__(self, gateway: Neo4jGateway, rules: RuleBook, schemes: SchemeRegistry, calendar: WorkingCalendar,
                 *, platform_id: str, level: str, poll_s: float = 0.1, refresh_s: float = 30.0,
                 window: int = WINDOW, on_commit: Callable[[], None] | None = None) -> None:
        self.gateway, self.rules, self.schemes, self.calendar = gateway, rules, schemes, calendar
        self.platform_id, self.level = platform_id, level
        self.poll_s, self.refresh_s, self.window = poll_s, refresh_s, window
        self.on_commit = on_commit or (lambda: None)
        self._wake = asyncio.Event()
        self._next_due: datetime | None = None  # run the supervision detectors at (or after) this instant
        self._tallies_since: datetime | None = None
        self._supervise = True
        self._supervision_wanted = asyncio.Event()  # the supervision loop's wake-up (run)
        self._feed_head = HeadGate("warning engine, change feed")

    @property
    def next_wake_up(self) -> datetime | None:
        """When the supervision detectors run next at the latest (a due date, or the refresh)."""
        return self._next_due

    def nudge(self) -> None:
        """Something was written in this process: evaluate now (and look at due dates again)."""
        self._supervise = True
        self._wake.set()

    # --- the loop -------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Two loops: the feed (what was written) and supervision (due dates, 双公示 tallies). Supervision
        reads every pending objection and repair and the departments' rates; run inline, a write that
        landed during such a pass waited for its end (the latency's tail), so it has a task of its own."""
        supervision = asyncio.create_task(self._supervision_loop(stop), name="warning-supervision")
        try:
            await self._repeat(stop, lambda: self._feed_cycle(stop))
        finally:
            supervision.cancel()
            await asyncio.gather(supervision, return_exceptions=True)

    async def _repeat(self, stop: asyncio.Event, cycle: Callable[[], Awaitable[object]]) -> None:
        failures = 0
        while not stop.is_set():
            try:
                await cycle()
                failures = 0
            except DatabaseUnavailable as exc:
                failures += 1
                if failures == 1:
                    log.warning("warning engine waiting for the database: %s", exc)
            except Exception:  # a bug must not stop the engine; it retries the same window
                failures += 1
                log.exception("warning engine cycle failed; retrying")
            delay = self.poll_s if failures == 0 else min(30.0, self.poll_s * 2 ** failures)
            if self._next_due is not None:
                delay = min(delay, max(0.0, (self._next_due - clock.now()).total_seconds()))
            await nap(self._wake, stop, delay)

    async def _supervision_loop(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            rest = self.refresh_s if failures == 0 else min(30.0, 0.5 * 2 ** failures)
            await nap(self._supervision_wanted, stop, rest)
            if stop.is_set():
                return
            try:
                await self._supervision(CycleReport(), clock.now(),
                                        self._tallies_since or datetime(1970, 1, 1, tzinfo=CHINA))
                failures = 0
            except DatabaseUnavailable:
                failures += 1
            except Exception:
                failures += 1
                log.exception("warning supervision failed; retrying")

    async def _feed_cycle(self, stop: asyncio.Event) -> CycleReport:
        """What was written; asks the supervision loop to run when due dates or tallies may have changed."""
        return await self.cycle(supervise_inline=False, stop=stop)

    async def cycle(self, *, supervise_inline: bool = True, stop: asyncio.Event | None = None) -> CycleReport:
        """Evaluate everything waiting: feed windows, representative changes, then due dates and 双公示 tallies
        when they may have changed — inline (the CLI, tests and the bench), or, for ``run``, by waking the
        supervision loop. Once ``stop`` is set it returns after one window at most: each window is committed
        with the cursor past it, so a hub told to stop behind a backlog of hundreds of thousands of items (a
        province's batch evaluation) stops within a window, and the next start goes on from there."""
        report = CycleReport()
        started = time.perf_counter()
        now = clock.now()
        tallies_since = self._tallies_since or datetime(1970, 1, 1, tzinfo=CHINA)
        state = await warning_facts.poll(self.gateway, tallies_since)
        if state.pending:
            await self._sequence(report)
        if state.backlog:
            await self._follow_feed(report, stop)
        if self._supervise or state.tallies or self._next_due is None or now >= self._next_due:
            if supervise_inline:
                await self._supervision(report, now, tallies_since)
            else:
                self._supervision_wanted.set()
        report.seconds = time.perf_counter() - started
        return report

    async def catch_up(self) -> CycleReport:
        """Cycles until nothing is waiting (the CLI, tests and the bench)."""
        total = CycleReport()
        self._supervise = True
        while True:
            report = await self.cycle()
            total.windows += report.windows
            total.items += report.items
            total.raised += report.raised
            total.numbered += report.numbered
            total.seconds += report.seconds
            for phase, seconds in report.phases.items():
                total.phases[phase] = total.phases.get(phase, 0.0) + seconds
            if not report.windows:
                return total

    async def skip_history(self) -> int:
        """Start from the feed's head: what is already held raises nothing (a hub switching warnings on
        over years of data). Returns the position skipped to."""
        while (await feed.sequence(self.gateway, self.platform_id, self.level)).count >= feed.SEQUENCE_CHUNK:
            pass
        head = await warning_facts.feed_head(self.gateway)
        await store.set_engine_cursor(self.gateway, head, clock.now())
        await warning_facts.clear_representative_changes(self.gateway)
        self._tallies_since = clock.now()
        return head

    async def _sequence(self, report: CycleReport) -> None:
        started = time.perf_counter()
        while (await feed.sequence(self.gateway, self.platform_id, self.level)).count >= feed.SEQUENCE_CHUNK:
            pass
        report.timed("sequence", started)

    async def _follow_feed(self, report: CycleReport, stop: asyncio.Event | None = None) -> None:
        while True:
            if stop is not None and stop.is_set() and report.windows:
                return  # stopping: the windows done are committed; the rest waits for the next start
            cursor = await store.engine_cursor(self.gateway)
            head, readable = await warning_facts.readable_feed_head(self.gateway)
            if not self._feed_head.passes(head, readable):  # numbered a moment ago, not yet readable
                await asyncio.sleep(0.02)
                continue
            if cursor > head:  # the feed went back (a wiped database): follow it from its start again
                log.warning("the change feed's head %d is behind the warning engine's cursor %d; starting over",
                            head, cursor)
                await store.set_engine_cursor(self.gateway, 0, clock.now())
                continue
            upto = min(head, cursor + self.window)
            markers = await warning_facts.representative_changes(self.gateway, MARKERS)
            if upto <= cursor and not markers:
                return
            started = time.perf_counter()
            window = await warning_facts.window(
                self.gateway, after=cursor, upto=upto, me=self.platform_id, kinds=self._record_kinds(),
                evaluations=bool(self.rules.enabled(RuleKind.GRADE_FALL, RuleKind.REPRESENTATIVE_OF_POOR))
            ) if upto > cursor else warning_facts.Window(cursor, cursor)
            report.timed("window", started)
            candidates = await self.evaluate(window.records, window.grades, markers, report)
            started = time.perf_counter()
            committed = await store.commit(
                self.gateway, candidates, now=clock.now(), platform=self.platform_id, level=self.level,
                window=(cursor, upto) if upto > cursor else None, received=window.received,
                representative_changes=list(markers))
            report.timed("commit", started)
            if committed.stale:  # another engine (another hub process) took this window
                continue
            report.windows += 1
            report.items += len(window.records) + len(window.grades) + len(markers)
            report.raised += committed.raised
            report.numbered += committed.numbered
            if committed.raised or committed.numbered:
                self.on_commit()

    def _record_kinds(self) -> list[RecordKind]:
        kinds: set[RecordKind] = set()
        for rule in self.rules.enabled():
            if rule.kind in (RuleKind.SERIOUS_PENALTY, RuleKind.PENALTIES_ACROSS_DEPARTMENTS,
                             RuleKind.REPRESENTATIVE_CLUSTER):
                kinds.add(RecordKind.ADMINISTRATIVE_PENALTY)
            elif rule.kind is RuleKind.BROKEN_COMMITMENT:
                kinds.add(RecordKind.COMMITMENT)
            elif rule.kind in (RuleKind.LIST_ENTRY, RuleKind.REPRESENTATIVE_OF_LISTED):
                kinds |= rule.parameters.lists
        return sorted(kinds)

    # --- evaluating a window ---------------------------------------------------------------------
    async def evaluate(self, records: Sequence[RecordFact], grades: Sequence[GradeChange],
                       markers: Mapping[str, str | None], report: CycleReport | None = None) -> list[Candidate]:
        """Every enabled rule over what changed and the neighbourhood it needs."""
        report = report or CycleReport()
        started = time.perf_counter()
        today = clock.today()
        rules = self.rules
        gateway = self.gateway
        penalties = [r for r in records if r.kind is RecordKind.ADMINISTRATIVE_PENALTY and r.active]
        entries = [r for r in records if r.kind in LIST_KINDS and r.active]
        across = rules.enabled(RuleKind.PENALTIES_ACROSS_DEPARTMENTS)
        listed_rules = rules.enabled(RuleKind.REPRESENTATIVE_OF_LISTED)
        poor_rules = rules.enabled(RuleKind.REPRESENTATIVE_OF_POOR)
        cluster_rules = rules.enabled(RuleKind.REPRESENTATIVE_CLUSTER)

        penalty_window: dict[str, tuple[Penalty, ...]] = {}
        if across and penalties:
            since = min(detect.window_start(today, r.parameters.months) for r in across)
            penalty_window = await warning_facts.penalties(gateway, sorted({p.subject.uscc for p in penalties}), since)
        links: dict[str, tuple[Representation, ...]] = {}
        if listed_rules and entries:
            since = min(detect.window_start(today, r.parameters.months) for r in listed_rules)
            links = await warning_facts.representatives(gateway, sorted({e.subject.uscc for e in entries}), since)

        # Persons whose subjects changed in a way a person rule weighs (fingerprint → the subject that asked).
        newly = {uscc: person for uscc, person in markers.items() if person is not None}
        poor_subjects: set[str] = set()
        if poor_rules:
            worst = min(r.parameters.poor_rung for r in poor_rules)
            poor_subjects = {g.subject.uscc for g in grades if (self._rung(g.scheme, g.grade) or 0) >= worst}
        fresh_penalties = {rule.id: {p.subject.uscc for p in penalties
                                     if detect.is_fresh(p.decided_on, rule.parameters.fresh_days, today)}
                           for rule in cluster_rules}
        person_of = await warning_facts.persons_of(
            gateway, sorted(poor_subjects.union(*fresh_penalties.values())))

        def asking(subjects: set[str]) -> dict[str, str | None]:
            asked: dict[str, str | None] = {person_of[s]: s for s in sorted(subjects) if s in person_of}
            for uscc, person in newly.items():
                asked.setdefault(person, uscc)
            return asked

        # A person matters to a rule only with two subjects or more (one beside the one that changed), or,
        # once the representative of a listed subject, with any subject at all.
        wanted = dict.fromkeys(asking(poor_subjects.union(*fresh_penalties.values())), 2)
        for group in links.values():
            for link in group:
                wanted[link.person.fingerprint] = min(wanted.get(link.person.fingerprint, 2), 2 if link.current else 1)
        portfolios = {}
        if wanted and (poor_rules or cluster_rules or listed_rules):
            months = [r.parameters.months for r in (*cluster_rules, *listed_rules)] or [12]
            fan_out = max([r.parameters.max_fan_out for r in (*poor_rules, *cluster_rules, *listed_rules)] or [200])
            portfolios = await warning_facts.portfolios(gateway, wanted, since=detect.window_start(
                today, max(months)), today=today, fan_out=fan_out)

        where = Neighbourhood(
            today=today, penalties=penalty_window, representatives=links, portfolios=portfolios,
            departments=await warning_facts.department_codes(gateway) if grades else frozenset())
        report.timed("neighbourhood", started)

        started = time.perf_counter()
        found: list[Candidate] = []
        for rule in rules.enabled():
            kind = rule.kind
            if kind is RuleKind.SERIOUS_PENALTY:
                found += detect.serious_penalties(rule, records, where)
            elif kind is RuleKind.LIST_ENTRY:
                found += detect.list_entries(rule, records, where)
            elif kind is RuleKind.BROKEN_COMMITMENT:
                found += detect.broken_commitments(rule, records, where)
            elif kind is RuleKind.GRADE_FALL:
                found += detect.grade_falls(rule, grades, where, self._rung)
            elif kind is RuleKind.PENALTIES_ACROSS_DEPARTMENTS:
                found += detect.penalties_across_departments(rule, records, where)
            elif kind is RuleKind.REPRESENTATIVE_OF_LISTED:
                found += detect.representative_of_listed(rule, entries, where, newly)
            elif kind is RuleKind.REPRESENTATIVE_OF_POOR:
                found += detect.representative_of_poor(rule, asking(poor_subjects), where, self._rung)
            elif kind is RuleKind.REPRESENTATIVE_CLUSTER:
                found += detect.representative_cluster(rule, asking(fresh_penalties[rule.id]), where)
        report.timed("detectors", started)
        started = time.perf_counter()
        unrouted = sorted({c.route_via for c in found if c.department is None and c.route_via is not None})
        routed = detect.route(found, await warning_facts.regulators(gateway, unrouted))
        report.timed("routing", started)
        return routed

    def _rung(self, scheme: str, grade: str) -> int | None:
        return self.schemes.rung_of(scheme, grade)

    # --- supervision signals ----------------------------------------------------------------------
    async def _supervision(self, report: CycleReport, now: datetime, tallies_since: datetime) -> None:
        self._supervise = False
        today = clock.date_of(now)
        where = Neighbourhood(today=today)
        found: list[Candidate] = []
        objection_rules = self.rules.enabled(RuleKind.OBJECTION_OVERDUE)
        repair_rules = self.rules.enabled(RuleKind.REPAIR_OVERDUE)
        decisions: list[OverdueDecision] = []
        due_dates: list[date] = []
        if objection_rules:
            decisions += await warning_facts.overdue_objections(self.gateway, today)
            upcoming = await warning_facts.next_objection_due(self.gateway, today)
            if upcoming is not None:
                due_dates.append(upcoming)
        for rule in repair_rules:
            for pending in await warning_facts.pending_repairs(self.gateway):
                due = self.calendar.add_working_days(clock.date_of(pending.filed_at), rule.parameters.due_working_days)
                if due < today:
                    decisions.append(OverdueDecision(pending.id, "REPAIR", pending.subject, pending.record_id,
                                                     pending.department, due))
                else:
                    due_dates.append(due)
        for rule in (*objection_rules, *repair_rules):
            found += detect.overdue_decisions(rule, decisions, where)
        timeliness = self.rules.enabled(RuleKind.REPORTING_TIMELINESS)
        if timeliness:
            departments = await warning_facts.reported_departments(self.gateway, tallies_since - TALLY_OVERLAP,
                                                                     self.platform_id)
            rates = await self._rates(departments)
            for rule in timeliness:
                found += detect.reporting_timeliness(rule, rates)
        self._tallies_since = now
        earliest = min(due_dates, default=None)
        wake = datetime.combine(earliest + timedelta(days=1), datetime.min.time(), tzinfo=CHINA) if earliest else None
        refresh = now + timedelta(seconds=self.refresh_s)
        self._next_due = min(wake, refresh) if wake is not None else refresh
        fresh = await store.unraised(self.gateway, found)
        if fresh:
            committed = await store.commit(self.gateway, fresh, now=now, platform=self.platform_id, level=self.level)
            report.raised += committed.raised
            if committed.raised:
                self.on_commit()

    async def _rates(self, departments: Sequence[str]) -> list[ReportingRate]:
        if not departments:
            return []
        late = await warning_facts.late_imports(self.gateway, departments, self.platform_id)
        regions = await warning_facts.department_regions(self.gateway, departments)
        rates = []
        for department in departments:
            for row in await department_rates(self.gateway, department=department):
                rates.append(ReportingRate(row.department, row.name, row.timeliness_rate, row.on_time or 0,
                                           row.late or 0, late.get(row.department, ()), regions.get(row.department)))
        return rates
