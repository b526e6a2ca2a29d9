"""Re-evaluation at scale: grade every covered subject in batches, or just the subjects that changed.

Each batch is two round trips (facts, then results in one transaction); a reader fetches batches
ahead while two workers grade and write, so Neo4j and Python work at the same time.
History is kept: a new evaluation supersedes the current one of its scheme, which stays readable.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hub import clock
from hub.bilingual import Bilingual
from hub.db import evaluations as store
from hub.db.evaluations import CurrentGrade, FactsPage, FactsRow
from hub.db.gateway import Neo4jGateway
from hub.grading.engine import ComputedBy, Coverage, evaluation_row, grade, load_coverage, review_flags
from hub.grading.schemes import GradingScheme, SchemeRegistry
from hub.grading.scoring import ModelRegistry
from hub.grading.types import SubjectFacts

PUBLIC_SCHEMES = ("henan-public-credit", "shanxi-public-credit")
LOOK_BACK = timedelta(days=5 * 366)  # no model looks further back than five years
Progress = Callable[[int], None]
WORKERS = 2
_EVERYONE = Coverage()  # a scheme coverage.yaml does not name grades every subject


@dataclass
class RunSummary:
    """What a run did: per scheme and grade, how many; how many grades changed."""

    run_id: str
    subjects: int = 0
    evaluations: int = 0
    grades: Counter[tuple[str, str]] = field(default_factory=Counter)
    changed: int = 0
    new: int = 0
    flags: int = 0
    estimates: int = 0  # estimates kept in the history under an issuer's current evaluation
    seconds: float = 0.0
    # Seconds per phase, summed over the batches: reading facts, grading, writing. A run's reader and
    # workers overlap, so the three may add up to more than ``seconds``.
    reading: float = 0.0
    grading: float = 0.0
    writing: float = 0.0

    @property
    def rate(self) -> float:
        return self.subjects / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        """The run in English, for the log."""
        return self._told().en

    def describe_zh(self) -> str:
        """The same in Chinese: what ``hub evaluate`` prints for the clerk (issue 13 §4)."""
        return self._told().zh

    def _told(self) -> Bilingual:
        """Each sentence once, in both languages (hub.bilingual): the head line, each scheme's grades with how
        many of each, the time per phase."""
        kept = self.estimates
        head = Bilingual(
            f"run {self.run_id}: {self.subjects} subjects, {self.evaluations} evaluations in {self.seconds:.1f} s "
            f"({self.rate:,.0f} subjects/s); {self.changed} grades changed, {self.new} first evaluations, "
            f"{self.flags} review flags open" + (f"; {kept} estimates kept under the issuer's current evaluation"
                                                 if kept else ""),
            f"评价批次 {self.run_id}：{self.subjects:,} 个主体，评价结果 {self.evaluations:,} 条，"
            f"用时 {self.seconds:.1f} 秒（每秒 {self.rate:,.0f} 个主体）；等级变化 {self.changed:,} 个，"
            f"首次评价 {self.new:,} 个，待复核的评价差异 {self.flags:,} 个"
            + (f"；{kept:,} 条测算结果仅存入历史（发布机关的评价结果仍为当前结果）" if kept else ""))
        phases = Bilingual(
            f"time per phase, summed over batches (they overlap): reading facts {self.reading:.1f} s, "
            f"grading {self.grading:.1f} s, writing {self.writing:.1f} s",
            f"各环节用时（各批次累计，读取与评分、写入并行）：读取事实 {self.reading:.1f} 秒，"
            f"评分 {self.grading:.1f} 秒，写入 {self.writing:.1f} 秒")
        grades = [(scheme, ", ".join(f"{g} {n}" for (s, g), n in sorted(self.grades.items()) if s == scheme))
                  for scheme in sorted({s for s, _ in self.grades})]
        return Bilingual(
            "\n".join([head.en, *(f"  {scheme}: {counts}" for scheme, counts in grades), f"  {phases.en}"]),
            "\n".join([head.zh, *(f"  {scheme}：{counts}" for scheme, counts in grades), f"  {phases.zh}"]))


class Reevaluator:
    def __init__(self, gateway: Neo4jGateway, schemes: SchemeRegistry, models: ModelRegistry,
                 coverage: dict[str, Coverage] | None = None, *, computed_by: ComputedBy | None = None) -> None:
        self.gateway = gateway
        self.computed_by = computed_by  # this platform: who computed, and in whose name its results stand
        self.schemes = schemes
        self.models = models
        self.coverage = coverage if coverage is not None else load_coverage()

    def schemes_for(self, scheme_ids: Sequence[str] | None) -> list[GradingScheme]:
        ids = list(scheme_ids) if scheme_ids else [s for s in self.coverage if s in self.schemes]
        chosen = [self.schemes.get(scheme_id) for scheme_id in ids]
        # Public scores first: industry overlays and categorical rules read them (seed 002 §三.(一).3).
        return sorted(chosen, key=lambda s: (s.id not in PUBLIC_SCHEMES, s.id))

    async def run(self, scheme_ids: Sequence[str] | None = None, region: str | None = None, *,
                  batch_size: int = 2000, progress: Progress | None = None) -> RunSummary:
        """Grade every covered subject (optionally of one region prefix) under the chosen schemes."""
        schemes = self.schemes_for(scheme_ids)
        summary = RunSummary(run_id=_run_id())
        started = time.perf_counter()
        since = clock.today() - LOOK_BACK
        prefix = region_prefix(region)

        # One reader walks the pages in code order (each page starts after the last; a region's, county by
        # county); WORKERS tasks grade and write, so Neo4j reads, Neo4j writes and Python grading overlap.
        pages: asyncio.Queue[FactsPage | None] = asyncio.Queue(maxsize=WORKERS)

        async def read() -> None:
            asked = time.perf_counter()
            async for page in store.facts_pages(self.gateway, region=prefix, limit=batch_size, since=since,
                                                today=clock.today()):
                summary.reading += time.perf_counter() - asked
                await pages.put(page)
                asked = time.perf_counter()
            for _ in range(WORKERS):
                await pages.put(None)

        async def work() -> None:
            while (page := await pages.get()) is not None:
                await self._grade_and_write(page.rows, schemes, summary)
                if progress:
                    progress(len(page.rows))

        await asyncio.gather(read(), *(work() for _ in range(WORKERS)))
        summary.seconds = time.perf_counter() - started
        return summary

    async def subjects(self, usccs: Sequence[str], scheme_ids: Sequence[str] | None = None, *,
                       batch_size: int = 2000, progress: Progress | None = None) -> RunSummary:
        """Re-grade just these subjects (after a new penalty, a repair, an upheld objection, an import),
        ``batch_size`` at a time: each batch is one read and one write transaction, whatever the total —
        one transaction for 40,000 subjects once outgrew Neo4j's transaction memory."""
        summary = RunSummary(run_id=_run_id())
        started = time.perf_counter()
        schemes = self.schemes_for(scheme_ids)
        for start in range(0, len(usccs), batch_size):
            batch = usccs[start:start + batch_size]
            asked = time.perf_counter()
            rows = await store.facts_for(self.gateway, batch, clock.today() - LOOK_BACK, clock.today())
            summary.reading += time.perf_counter() - asked
            await self._grade_and_write(rows, schemes, summary)
            if progress:
                progress(len(batch))
        summary.seconds = time.perf_counter() - started
        return summary

    async def _grade_and_write(self, rows: Sequence[FactsRow], schemes: Sequence[GradingScheme],
                               summary: RunSummary) -> None:
        now, today = clock.now(), clock.today()
        started = time.perf_counter()
        # Each scheme's coverage, looked up once a page rather than once a subject.
        plan = [(scheme, self.coverage.get(scheme.id, _EVERYONE)) for scheme in schemes]
        results: list[dict[str, Any]] = []
        flags: list[dict[str, Any]] = []
        for row in rows:
            new, standing = self._grade_subject(row, plan, today, now, summary)
            results += new
            flags += review_flags(row.subject.uscc, row.current, standing, self.schemes)
        summary.subjects += len(rows)
        summary.flags += len(flags)
        graded = time.perf_counter()
        summary.grading += graded - started
        await store.write_results(self.gateway, results, flags, [row.subject.uscc for row in rows], now,
                                  authority=self._issued)
        summary.writing += time.perf_counter() - graded

    def _issued(self, scheme_id: str, origin_level: str | None) -> bool:
        """Whether an evaluation of a scheme made at ``origin_level`` (None: here) stands in its issuer's name
        (the scheme's ``issued_at``; seed 000 §二.(一) reserves the public credit evaluation to the province)."""
        return self.schemes.get(scheme_id).issued_at(origin_level or (self.computed_by.level if self.computed_by
                                                                      else None))

    def _outranked(self, evaluation: dict[str, Any], current: Sequence[CurrentGrade]) -> bool:
        """An estimate facing a current evaluation issued where its scheme allows (seed 000 §二.(一)): it is
        kept in the history and does not become current (the store decides the same in its write)."""
        if evaluation.get("authoritative", True):
            return False
        return any(e.scheme == evaluation["scheme"] and self._issued(e.scheme, e.origin_level) for e in current)

    def _grade_subject(self, row: FactsRow, plan: Sequence[tuple[GradingScheme, Coverage]],
                       today: date, now: Any, summary: RunSummary) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The subject's new evaluations, and those of them that become current (not outranked)."""
        current = {e.scheme: e for e in row.current}
        public = next((current[s].score for s in PUBLIC_SCHEMES if s in current), None)
        new: list[dict[str, Any]] = []
        standing: list[dict[str, Any]] = []
        for scheme, coverage in plan:
            if not coverage.covers(row.subject):
                continue
            facts = SubjectFacts(subject=row.subject, as_of=today, records=row.records,
                                 related=row.related, public_credit_score=public,
                                 high_attention=row.high_attention)
            graded = grade(facts, scheme, self.models.get(scheme.id))
            evaluation = evaluation_row(row.subject.uscc, graded, now=now, run_id=summary.run_id,
                                        computed_by=self.computed_by)
            new.append(evaluation)
            summary.evaluations += 1
            if self._outranked(evaluation, row.current):
                summary.estimates += 1  # kept, but the issuer's evaluation stays current
                continue
            standing.append(evaluation)
            if scheme.id in PUBLIC_SCHEMES:
                public = graded.score.value
            previous = current.get(scheme.id)
            summary.grades[(scheme.id, evaluation["grade"])] += 1
            if previous is None:
                summary.new += 1
            elif previous.grade != evaluation["grade"]:
                summary.changed += 1
        return new, standing


def _run_id() -> str:
    return f"{clock.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"


def region_prefix(region: str | None) -> str | None:
    """A county code selects itself; a city code (4104 00) its counties; a province (41 0000) all."""
    if region is None:
        return None
    code = region.strip()
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code
