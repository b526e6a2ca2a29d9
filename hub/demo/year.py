"""A county hub's year, replayed through the hub's own services after the demo's records are loaded.

A reviewer who opens a real county hub after its first year finds more than records: list entries
(严重失信主体名单, 经营异常名录, 失信被执行人) and their removals, 信用承诺 fulfilled and broken,
objections and repair applications in every state (some pending past their due date), and a 双随机
draw per supervising department with its results published. This module makes them the way real use
does — submitCreditInformation, the commitments, objections, repair and inspection services, each
checking ownership, re-grading its subjects and writing the change feed — at the days they happened
(``hub.clock.replaying``), so received dates, due dates, draw periods and "overdue" are what they
would be. Which subjects take part is drawn from its own random stream (``seed``), so a seed gives
the same story; the ids the services mint (uuids) differ between loads.

Kept small for speed: a few dozen service calls per kind for the default 1,000 subjects.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from hub import clock
from hub.clock import CHINA
from hub.commitments import CommitmentDraft, CommitmentKind
from hub.credit_info.validation import ItemDraft
from hub.db.ingest import Row
from hub.demo import catalog as cat
from hub.demo.dataset import DemoData
from hub.disclosure import Role, Viewer
from hub.models import RecordKind, RecordStatus, Severity
from hub.rights.objections import Resolution
from hub.rights.publicity import add_months
from hub.supervision.inspections import InspectorEntry, PlanRequest

if TYPE_CHECKING:
    from hub.service import CreditHub

# Who acts: the credit office files objections and repair applications on subjects' behalf (it runs
# the hub's 信用中国 window; nobody decides what they filed), departments decide them.
CREDIT_OFFICE = Viewer(Role.ADMIN, cat.CREDIT_OFFICE)
# 失信被执行人 come from the court (seed 004 第十条(二)); the demo's court relays them as a department.
COURT = f"{cat.JIAXIAN}-FY"
# The schemes a department draws on: 市场监管 its risk classes (seed 004 第十二–十五条, the sampling floors
# of hub/supervision/measures), the others the public credit grades (seed 000: 与“双随机、一公开”…相结合，
# 对信用较好、风险较低的市场主体，合理降低抽查比例).
DRAW_SCHEME = {"SCJG": "henan-market-risk"}
DEFAULT_DRAW_SCHEME = "henan-public-credit"
Progress = Callable[[str, int, int], None]  # stage, done, total (hub.demo.loading.load)


# What the replay counts, by kind and outcome: the keys of ``hub demo load``'s summary (hub.cli names each in Chinese).
COUNTED = (
    "serious_dishonesty_list_entries", "serious_dishonesty_list_removals", "abnormal_operation_entries",
    "abnormal_operation_removals", "dishonest_executee_entries", "dishonest_executee_removals",
    "commitments_fulfilled", "commitments_broken", "commitments_pending", "objections_upheld",
    "objections_rejected", "objections_pending", "objections_overdue", "repairs_approved", "repairs_rejected",
    "repairs_pending", "draws_published", "inspection_results")


def at(day: date, hour: int = 10) -> datetime:
    """A working hour of ``day`` in China."""
    return datetime.combine(day, time(hour), CHINA)


def agency(department: str) -> Viewer:
    suffix = department.split("-", 1)[1]
    name = "郏县人民法院" if department == COURT else "郏县" + cat.DEPT_BY_SUFFIX[suffix].name
    return Viewer(Role.AGENCY, name, department)


class YearReplay:
    def __init__(self, hub: CreditHub, data: DemoData, as_of: date, seed: int) -> None:
        self.hub, self.data, self.as_of = hub, data, as_of
        self.rng = random.Random(f"county-year-{seed}")
        self.counts: Counter[str] = Counter()
        subjects = {s["uscc"]: s for s in data.subjects}
        listed = {r["subject_uscc"] for r in data.records
                  if r["kind"] in (RecordKind.SERIOUS_DISHONESTY_LIST, RecordKind.DISHONEST_EXECUTEE,
                                   RecordKind.ABNORMAL_OPERATION)}
        # Subjects of the county still in business that no list holds yet: the year's new entries go to them.
        self.local = [s for s in data.subjects if s["region"] == cat.JIAXIAN and s["status"] == "存续"
                      and s["uscc"] not in listed and s["registered_on"] < add_months(as_of, -24)]
        self.subjects = subjects
        self.taken: set[str] = set()

    def _pick(self, count: int, prefixes: Sequence[str] = cat.MARKET_ENTITIES) -> list[Row]:
        pool = [s for s in self.local if s["uscc"][:2] in prefixes and s["uscc"] not in self.taken]
        chosen = self.rng.sample(pool, min(count, len(pool)))
        self.taken.update(s["uscc"] for s in chosen)
        return chosen

    def _day(self, earliest: date, latest: date) -> date:
        return earliest + timedelta(days=self.rng.randint(0, max((latest - earliest).days, 0)))

    def _count(self, key: str, n: int = 1) -> None:
        assert key in COUNTED, key  # a key the summary cannot name is a bug here
        self.counts[key] += n

    async def run(self) -> Counter[str]:
        size = max(len(self.data.subjects) // 100, 2)  # per kind and outcome: 10 for 1,000 subjects
        await self.lists(size)
        await self.commitments(size)
        await self.objections(size)
        await self.repairs(size)
        await self.draws()
        return self.counts

    # --- lists: entries, and removals that end them ------------------------------------------------
    async def lists(self, size: int) -> None:
        """Per list: ``size`` entries still standing and ``size`` entered and later removed (移出), each
        sent by its department as it happened — the entry first, the removal later as the same item's
        next version — so the flags an entry raises are cleared by the re-grade its removal makes."""
        kinds = ((RecordKind.SERIOUS_DISHONESTY_LIST, f"{cat.JIAXIAN}-SCJG", "列入市场监督管理严重违法失信名单",
                  12, ("91",)),
                 (RecordKind.ABNORMAL_OPERATION, f"{cat.JIAXIAN}-SCJG", "列入经营异常名录", 0, ("91", "92", "93")),
                 (RecordKind.DISHONEST_EXECUTEE, COURT, "失信被执行人", 0, ("91", "92", "93")))
        for kind, department, title, months, prefixes in kinds:
            viewer = agency(department)
            for n, subject in enumerate(self._pick(2 * size, prefixes)):
                removed = n % 2 == 1
                # seed policy: a 严重失信 entry may be removed after a year on the list (hub/rights/policy)
                entered = (self._day(add_months(self.as_of, -22), add_months(self.as_of, -months - 2)) if removed
                           else self._day(add_months(self.as_of, -11), self.as_of - timedelta(days=20)))
                draft = self._list_item(kind, subject, title, entered, n)
                with clock.replaying(at(entered)):
                    receipt = await self.hub.credit_info.submit([draft], viewer, str)
                self._check(receipt.problems, kind.value)
                self._count(f"{kind.value.lower()}_entries")
                if removed:
                    day = self._day(add_months(entered, months) + timedelta(days=10), self.as_of - timedelta(days=5))
                    with clock.replaying(at(day)):
                        receipt = await self.hub.credit_info.submit([replace(draft, removed_on=day)], viewer, str)
                    self._check(receipt.problems, kind.value)
                    self._count(f"{kind.value.lower()}_removals")

    def _list_item(self, kind: RecordKind, subject: Row, title: str, day: date, n: int) -> ItemDraft:
        reason = {RecordKind.ABNORMAL_OPERATION: "未按规定公示年度报告",
                  RecordKind.SERIOUS_DISHONESTY_LIST: "因食品安全严重违法行为受到较重行政处罚",
                  RecordKind.DISHONEST_EXECUTEE: "有履行能力而拒不履行生效法律文书确定义务"}[kind]
        number = {RecordKind.ABNORMAL_OPERATION: None,
                  RecordKind.SERIOUS_DISHONESTY_LIST: f"郏市监失信〔{day.year}〕{n + 1}号",
                  RecordKind.DISHONEST_EXECUTEE: f"（{day.year}）豫0425执{300 + n}号"}[kind]
        return ItemDraft(source_id=f"demo-{kind.value.lower()}-{subject['uscc']}", kind=kind, uscc=subject["uscc"],
                         title=title, decided_on=day, subject_name=subject["name"], document_number=number,
                         content=f"列入事由：{reason}")

    def _check(self, problems: Sequence[object], what: str) -> None:
        if problems:  # the demo's own items are valid; a refusal is a bug in this module
            raise RuntimeError(f"demo {what}: the hub refused {problems}")

    # --- 信用承诺 -----------------------------------------------------------------------------------
    async def commitments(self, size: int) -> None:
        """告知承诺 made to the subject's regulator: kept, broken (未履约, which counts), and still running."""
        for n, subject in enumerate(self._pick(3 * size)):
            regulator = next(i.regulator for i in cat.INDUSTRIES if i.name == subject["industry"])
            viewer = agency(f"{cat.JIAXIAN}-{regulator}")
            signed = self._day(add_months(self.as_of, -11), add_months(self.as_of, -2))
            due = add_months(signed, 1 if n % 3 != 2 else 6)
            draft = CommitmentDraft(uscc=subject["uscc"], kind=CommitmentKind.NOTIFICATION,
                                    matter=f"{subject['industry']}经营许可（告知承诺制）",
                                    text="本单位承诺所提交材料真实有效，在约定期限内补齐相关材料并符合许可条件；"
                                         "如有不实或未履行承诺，愿意承担相应法律责任，并同意将承诺及履约情况纳入信用档案。",
                                    signed_on=signed, due_on=due)
            with clock.replaying(at(signed)):
                commitment = await self.hub.commitments.record(draft, viewer)
            outcome = ("fulfilled", "broken", "pending")[n % 3]
            if outcome != "pending" or due < self.as_of:
                outcome = "fulfilled" if outcome == "pending" else outcome
                with clock.replaying(at(self._day(due, min(due + timedelta(days=20), self.as_of)))):
                    await self.hub.commitments.decide(
                        commitment.id, outcome == "fulfilled",
                        "经核查，已按承诺补齐材料并符合许可条件" if outcome == "fulfilled"
                        else "承诺期满未补齐材料，经核查不符合许可条件，按承诺撤销许可", viewer)
            self._count(f"commitments_{outcome}")

    # --- objections ---------------------------------------------------------------------------------
    async def objections(self, size: int) -> None:
        """Objections to records of the county's departments: upheld (the record is withdrawn), rejected,
        pending within their seven working days, and pending past them (overdue)."""
        targets = self._records((RecordKind.COMPLAINT, RecordKind.ADMINISTRATIVE_PENALTY, RecordKind.INSPECTION_RESULT),
                                4 * size)
        for n, record in enumerate(targets):
            state = ("UPHELD", "REJECTED", "PENDING", "OVERDUE")[n % 4]
            # pending: filed in the last days, within its seven working days; the others months ago
            filed = (self.as_of - timedelta(days=self.rng.randint(1, 3)) if state == "PENDING"
                     else self._day(max(record["decided_on"] + timedelta(days=3), add_months(self.as_of, -10)),
                                    add_months(self.as_of, -1)))
            with clock.replaying(at(filed)):
                objection = await self.hub.objections.file(
                    record["id"], "该记录认定事实有误：所涉问题已于检查当日整改完毕，记录未反映整改情况", CREDIT_OFFICE)
            if state in ("UPHELD", "REJECTED"):
                decider = agency(record["issuing_department"])
                with clock.replaying(at(self._day(filed + timedelta(days=1), filed + timedelta(days=8)), 15)):
                    await self.hub.objections.resolve(objection.id, Resolution(
                        state == "UPHELD", "经复核，原记录认定事实有误，予以撤回" if state == "UPHELD"
                        else "经复核，原记录认定事实清楚、依据充分，维持原记录"), decider)
            self._count(f"objections_{state.lower()}")

    def _records(self, kinds: Sequence[RecordKind], count: int,
                 fits: Callable[[Row], bool] = lambda record: True) -> list[Row]:
        """Active records of the county's own departments, one per subject not yet in the year's story."""
        pool = [r for r in self.data.records
                if r["kind"] in kinds and r["status"] == RecordStatus.ACTIVE and r["issuing_department"]
                and r["source_platform"] == cat.LOCAL_PLATFORM and r["subject_uscc"] not in self.taken
                and self.subjects[r["subject_uscc"]]["region"] == cat.JIAXIAN and fits(r)]
        chosen: list[Row] = []
        for record in self.rng.sample(pool, len(pool)):
            if len(chosen) == count:
                break
            if record["subject_uscc"] not in self.taken:
                self.taken.add(record["subject_uscc"])
                chosen.append(record)
        return chosen

    # --- 信用修复 -----------------------------------------------------------------------------------
    async def repairs(self, size: int) -> None:
        """Repair applications for 一般 penalties past their minimum publicity period: approved (the record
        stops counting), rejected, and pending (some filed weeks ago and still undecided)."""
        policy = self.hub.publicity

        def repairable(record: Row) -> bool:  # 一般 penalties past their minimum period, still published
            return (record["severity"] == Severity.GENERAL and record["publicity_ends_on"] > self.as_of
                    and policy.earliest_repair_on(record["decided_on"], Severity.GENERAL)
                    <= add_months(self.as_of, -2))

        candidates = self._records((RecordKind.ADMINISTRATIVE_PENALTY,), 3 * size, repairable)
        for n, record in enumerate(candidates):
            state = ("APPROVED", "REJECTED", "PENDING")[n % 3]
            earliest = max(policy.earliest_repair_on(record["decided_on"], Severity.GENERAL),
                           add_months(self.as_of, -6))
            filed = self._day(earliest, add_months(self.as_of, -1))
            with clock.replaying(at(filed)):
                application = await self.hub.repair.apply(
                    record["id"], "已按处罚决定缴纳罚款并完成整改，作出信用修复承诺，申请停止公示", CREDIT_OFFICE)
            if state != "PENDING":
                with clock.replaying(at(self._day(filed + timedelta(days=1), filed + timedelta(days=15)), 15)):
                    await self.hub.repair.decide(
                        application.id, state == "APPROVED",
                        "经核查，已履行处罚义务、完成整改，同意信用修复" if state == "APPROVED"
                        else "经核查，整改未到位，不予修复", agency(record["issuing_department"]))
            self._count(f"repairs_{state.lower()}")

    # --- 双随机、一公开 ------------------------------------------------------------------------------
    async def draws(self) -> None:
        """One completed draw per supervising department (a regulator of the county's industries) in the
        last quarter: inspectors, plan, commit, freeze, reveal, then every target's result published —
        each result a 抽查检查结果 record of its subject."""
        quarter = date(self.as_of.year, (self.as_of.month - 1) // 3 * 3 + 1, 1)
        last = add_months(quarter, -3)
        # a department draws where it has subjects to draw from (a small demo may lack some industries)
        present = {s["industry"] for s in self.data.subjects if s["region"] == cat.JIAXIAN and s["status"] == "存续"}
        departments = dict.fromkeys(i.regulator for i in cat.INDUSTRIES if i.name in present)
        for suffix in departments:
            department = f"{cat.JIAXIAN}-{suffix}"
            viewer = agency(department)
            industries = tuple(i.name for i in cat.INDUSTRIES if i.regulator == suffix and i.name in present)
            title = cat.DEPT_BY_SUFFIX[suffix].name
            inspectors = [InspectorEntry(f"{suffix}-{n:02d}", f"{title}执法人员{n:02d}") for n in range(1, 7)]
            planned = last + timedelta(days=self.rng.randint(3, 12))
            with clock.replaying(at(planned, 9)):
                await self.hub.inspections.set_inspectors(department, inspectors, viewer)
                plan = await self.hub.inspections.create_plan(PlanRequest(
                    name=f"{planned.year}年第{(planned.month - 1) // 3 + 1}季度{title}“双随机、一公开”抽查",
                    scheme=DRAW_SCHEME.get(suffix, DEFAULT_DRAW_SCHEME), department=department, region=cat.JIAXIAN,
                    industries=industries), viewer)
                drawn = await self.hub.inspections.commit(plan.id, viewer)
            with clock.replaying(at(planned, 10)):
                await self.hub.inspections.freeze(drawn.id, viewer)
            with clock.replaying(at(planned + timedelta(days=1), 9)):
                await self.hub.inspections.reveal(drawn.id, viewer)
            targets = await self.hub.draw_targets(drawn.id)
            quarter_ends = min(add_months(last, 3), self.as_of) - timedelta(days=1)
            for target in targets:
                inspected = self._day(planned + timedelta(days=2), quarter_ends)
                result = self.rng.choices(("合格", "未发现问题", "责令整改", "不合格"), (50, 30, 14, 6))[0]
                with clock.replaying(at(inspected, 14)):
                    await self.hub.record_inspection_result(
                        drawn.id, target.uscc, result,
                        "现场检查，查阅台账" if result in ("合格", "未发现问题") else "发现问题，已当场告知整改要求",
                        viewer)
            self._count("draws_published")
            self._count("inspection_results", len(targets))


async def populate(hub: CreditHub, data: DemoData, *, as_of: date, seed: int,
                   progress: Progress | None = None) -> dict[str, int]:
    """Load the demo's rows, grade them with the engine as the year began, replay the year, grade again.

    Every evaluation is the engine's (``hub evaluate``'s path: hub.grading.reevaluation), with its
    explanation, under the schemes coverage.yaml gives each subject's region; the generator's own
    evaluation rows are for the bulk path only (hub.bulk_load, ``hub demo export``).
    """
    from hub.demo.loading import load

    counts = await load(hub.gateway, replace(data, evaluations=[]), progress)
    with clock.replaying(at(add_months(as_of, -12) + timedelta(days=1), 2)):  # the county's first run
        first = await hub.evaluate()
    # A second load into the same hub (no --reset) re-writes the same rows; the year happened once: its
    # objections, draws and commitments are not filed again.
    year: Counter[str] = Counter() if await hub.draws() else await YearReplay(hub, data, as_of, seed).run()
    if as_of == clock.today():
        last = await hub.evaluate()
    else:
        with clock.replaying(at(as_of, 2)):
            last = await hub.evaluate()
    counts["evaluations"] = last.evaluations  # current; the year's earlier ones stay as their history
    counts["evaluations_a_year_ago"] = first.evaluations
    return {**counts, **year}
