"""Five years of records for a demo subject, their mix following its profile.

Every kind the hub knows appears: 行政许可, 信用承诺, inspections, 行政处罚 with their publicity windows
(some repaired), complaints, safety incidents, honours, abnormal operation, contract performance,
the serious-dishonesty lists and 失信被执行人.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from hub.db.ingest import Row
from hub.demo import catalog as cat
from hub.demo.state import GeneratorState
from hub.demo.subjects import Subject
from hub.disclosure import Disclosure
from hub.models import RecordKind, RecordStatus, Severity
from hub.rights.publicity import add_months, default_policy

# Publicity windows and the earliest repair come from the hub's policy (hub.rights.publicity: by
# default the NDRC 2025 credit-repair measures), exactly as for real records.
PUBLICITY = default_policy()
# Names stay on a serious-dishonesty list three years (SAMR Order No. 44, 2021, for its list).
LIST_MONTHS = 36


class RecordWriter:
    def __init__(self, state: GeneratorState) -> None:
        self.state, self.rng, self.as_of = state, state.rng, state.as_of
        self.window = add_months(state.as_of, -60)  # five years of history
        self.records: list[Row] = []

    def history(self, s: Subject) -> None:
        """Five years of records whose mix follows the subject's profile (see _write_history)."""
        self._write_history(s)
        order = sorted(range(len(s.records)), key=lambda i: (s.records[i]["decided_on"], i))
        s.records, s.marks = [s.records[i] for i in order], [s.marks[i] for i in order]
        for row in s.records:
            row["id"] = f"rec-{self.state.seed}-{len(self.records) + 1:07d}"
            self.records.append(row)

    def _write_history(self, s: Subject) -> None:
        rng, ind, prefix, profile = self.rng, s.industry, s.prefix, s.profile
        start, end, uscc = max(s.row["registered_on"], self.window), self.as_of, s.row["uscc"]
        troubled = profile == "troubled"
        for lic in ind.licences:  # 行政许可 (双公示)
            if prefix in lic.prefixes and rng.random() < lic.share:
                for _ in range(rng.randint(1, lic.repeat)):
                    day = self.state.day(start, end)
                    number = lic.number.format(region=cat.JIAXIAN, year=day.year,
                                               kind=2 if prefix == "92" else 1,
                                               n=self.state.next(lic.title, rng.randint(100, 3000)))
                    self._record(s, RecordKind.ADMINISTRATIVE_LICENSE, lic.title, day, lic.dept,
                                 Disclosure.PUBLIC, number=number, content=lic.content)
        for _ in range(rng.choices((0, 1, 2), (15, 55, 30))[0]):
            # 信用承诺 carries the unified social credit code (seed 003) and whether it was kept.
            kept = rng.random() < (0.75 if troubled else 0.95)
            form = rng.choice(("审批替代型", "主动型", "行业自律型"))
            self._record(s, RecordKind.COMMITMENT, f"信用承诺（{form}）", self.state.day(start, end),
                         ind.regulator, Disclosure.PUBLIC, -1 if kept else 6, 0 if kept else 1,
                         kept=kept, content=f"承诺人统一社会信用代码{uscc}；"
                         + ("已履约践诺" if kept else "未履行承诺，已记入信用记录"))
        inspections = ind.inspections + (cat.GENERIC_INSPECTIONS if prefix == "91" else ())
        outcomes = {"exemplary": (95, 5, 0), "normal": (80, 15, 5), "troubled": (50, 30, 20)}[profile]
        for _ in range(rng.randint(2, 5) + troubled):  # 双随机、一公开 results are published
            self._inspection(s, start, inspections, outcomes)
        penalties = {"exemplary": (1, 0, 0, 0), "normal": (60, 30, 10, 0),
                     "troubled": (10, 40, 35, 15)}[profile]
        for _ in range(rng.choices((0, 1, 2, 3), penalties)[0]):
            severity = rng.choices(list(Severity), (25, 55, 20) if troubled else (45, 50, 5))[0]
            self._penalty(s, self.state.day(start, end), severity, repairable=True)
        complaints = {"exemplary": (85, 15, 0), "normal": (65, 30, 5), "troubled": (25, 45, 30)}
        for _ in range(rng.choices((0, 1, 2), complaints[profile])[0]):
            found = rng.choices((0, 1, 2), (40, 35, 25))[0]
            self._record(s, RecordKind.COMPLAINT, f"投诉举报：{rng.choice(ind.complaints)}",
                         self.state.day(start, end), ind.regulator, Disclosure.INTERNAL,
                         (1.5, 0.5, 0.0)[found], content="来源：12345政务服务便民热线；核查结果："
                         + ("属实，已责令整改", "部分属实，已调解", "不属实")[found])
        if ind.incident and rng.random() < {"exemplary": 0, "normal": 0.03, "troubled": 0.15}[profile]:
            severity = rng.choices(list(Severity), (50, 40, 10))[0]
            grade = {Severity.MINOR: "未造成人员伤亡", Severity.GENERAL: "一般事故",
                     Severity.SERIOUS: "较大事故"}[severity]
            self._record(s, RecordKind.SAFETY_INCIDENT, ind.incident[0], self.state.day(start, end),
                         ind.incident[1],
                         Disclosure.INTERNAL if rng.random() < 0.3 else Disclosure.AUTHORIZED,
                         {"MINOR": 4, "GENERAL": 10, "SERIOUS": 20}[severity.value],
                         1 if severity is Severity.MINOR else 2, severity=severity,
                         content=f"事故等级：{grade}；已依法调查处理")
        honors = tuple(dict.fromkeys(cat.GENERIC_HONORS[prefix] + ((ind.honor,) if ind.honor else ())))
        count = rng.randint(1, 2) if profile == "exemplary" else int(
            profile == "normal" and rng.random() < 0.12)
        for title, dept in rng.sample(honors, min(count, len(honors))):
            day = self.state.day(start, end)
            self._record(s, RecordKind.HONOR, title, day, dept, Disclosure.PUBLIC, -3,
                         content=f"{day.year - 1}年度{title}")
        if prefix != "12" and (s.row["status"] == "吊销" or rng.random() < {
                "exemplary": 0, "normal": 0.03, "troubled": 0.35}[profile]):
            reason = rng.choice(("未按规定公示年度报告", "通过登记的住所或者经营场所无法联系"))
            dept, listing = ("MZ", "活动异常名录") if prefix == "52" else ("SCJG", "经营异常名录")
            self._record(s, RecordKind.ABNORMAL_OPERATION, reason, self.state.day(start, end), dept,
                         Disclosure.PUBLIC, 10, 2, content=f"列入{listing}，原因：{reason}")
        if prefix == "91" and rng.random() < 0.3:
            kept = rng.random() < (0.7 if troubled else 0.93)
            title, dept = (("建设工程施工合同履约", "ZJ") if ind.scheme == "construction"
                           else ("商贸流通合同履约", "SHW"))
            self._record(s, RecordKind.CONTRACT_PERFORMANCE, title, self.state.day(start, end), dept,
                         Disclosure.AUTHORIZED, -1 if kept else 4, 0 if kept else 1,
                         content="按合同约定全面履约" if kept else "逾期履约，已承担违约责任")
        latest = self.state.public_batch - timedelta(days=10)  # known to this year's evaluation
        if s.listed:  # a serious penalty, then the listing it led to
            day = self.state.day(max(start + timedelta(days=120), add_months(end, -30)), latest)
            dept, doc = self._penalty(s, day - timedelta(days=rng.randint(30, 110)),
                                      Severity.SERIOUS, repairable=False)
            dept = dept if dept in cat.DISHONESTY_LISTS else "SCJG"
            self._record(s, RecordKind.SERIOUS_DISHONESTY_LIST, cat.DISHONESTY_LISTS[dept], day, dept,
                         Disclosure.PUBLIC, 30, 3, ends=add_months(day, LIST_MONTHS),
                         content=f"依据行政处罚决定书{doc}列入严重失信主体名单")
        if s.executee:  # from the courts, via the national and provincial platforms
            day = self.state.day(max(start + timedelta(days=90), add_months(end, -24)), latest)
            code, court = s.region.court
            number = f"（{day.year}）{code}执{self.state.next(code + str(day.year), rng.randint(100, 900))}号"
            self._record(s, RecordKind.DISHONEST_EXECUTEE, "失信被执行人", day, None,
                         Disclosure.PUBLIC, 20, 3, number=number, platform=cat.PROVINCE_PLATFORM,
                         content=f"执行法院：{court}；失信情形：有履行能力而拒不履行生效法律文书确定义务")
        while len(s.records) < 5:
            self._inspection(s, start, inspections, (1, 0, 0))

    def _record(self, s: Subject, kind: RecordKind, title: str, day: date, dept: str | None,
                disclosure: Disclosure, demerit: float = 0.0, category: int = 0, *,
                severity: Severity | None = None, ends: date | None = None, number: str | None = None,
                content: str | None = None, amount: float | None = None, kept: bool | None = None,
                status: RecordStatus = RecordStatus.ACTIVE,
                platform: str = cat.LOCAL_PLATFORM) -> None:
        s.records.append({
            "id": "", "subject_uscc": s.row["uscc"], "kind": kind.value, "title": title,
            "decided_on": day, "issuing_department": dept and f"{cat.JIAXIAN}-{dept}",
            "source_platform": platform, "disclosure": disclosure.value, "status": status.value,
            "severity": severity and severity.value, "publicity_ends_on": ends,
            "document_number": number, "content": content, "amount_wan_yuan": amount, "kept": kept})
        s.marks.append((demerit, category))

    def _inspection(self, s: Subject, start: date, inspections: Sequence[tuple[str, str]],
                    weights: Sequence[int]) -> None:
        title, dept = self.rng.choice(inspections)
        outcome = self.rng.choices((0, 1, 2), weights)[0]
        self._record(s, RecordKind.INSPECTION_RESULT, title, self.state.day(start, self.as_of), dept,
                     Disclosure.PUBLIC, (0, 1, 3)[outcome], int(outcome == 2),
                     content="检查结果：" + ("未发现问题", "发现问题，已责令整改", "不合格")[outcome])

    def _penalty(self, s: Subject, day: date, severity: Severity, *,
                 repairable: bool) -> tuple[str, str]:
        """One 行政处罚 with its publicity window; returns (department, 决定书文号)."""
        rng = self.rng
        generic = s.prefix != "12" and rng.random() < 0.2
        title, basis, dept = rng.choice(cat.GENERIC_VIOLATIONS if generic else s.industry.violations)
        serial = self.state.next(f"{dept}-{day.year}", rng.randint(1, 40))
        doc = f"{cat.DEPT_BY_SUFFIX[dept].doc_prefix}罚〔{day.year}〕{serial}号"
        if severity is Severity.MINOR and rng.random() < 0.4:
            amount, measure = 0.0, "警告"
        else:
            low, high = {"MINOR": (0.05, 0.5), "GENERAL": (0.5, 5), "SERIOUS": (5, 50)}[severity.value]
            amount = round(rng.uniform(low, high), 2)
            measure = f"罚款{amount}万元" + ("，没收违法所得" if severity is Severity.SERIOUS else "")
        ends, status = PUBLICITY.publicity_ends_on(day, severity), RecordStatus.ACTIVE
        earliest = PUBLICITY.earliest_repair_on(day, severity)
        if (repairable and severity is not Severity.MINOR and earliest < self.as_of
                and rng.random() < 0.15):  # 信用修复 after the minimum publicity period
            status = RecordStatus.REPAIRED
            self._record(s, RecordKind.COMMITMENT, "信用承诺（信用修复型）",
                         self.state.day(earliest, min(ends, self.as_of)), dept, Disclosure.PUBLIC, -1,
                         kept=True, content=f"就{doc}作出信用修复承诺；已履约践诺")
        weight = {"MINOR": (2, 1), "GENERAL": (8, 2), "SERIOUS": (20, 3)}[severity.value]
        self._record(s, RecordKind.ADMINISTRATIVE_PENALTY, title, day, dept, Disclosure.PUBLIC,
                     0 if status is RecordStatus.REPAIRED else weight[0], weight[1],
                     severity=severity, ends=ends, number=doc, amount=amount, status=status,
                     content=f"违法事实：{title}。处罚依据：{basis}。处罚内容：{measure}。")
        return dept, doc

