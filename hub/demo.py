"""A deterministic, realistic synthetic data set for demos, UI work and load tests.

Real credit data may not leave the platforms, so the hub ships a generator whose data tells the same
story real data would: most subjects are 郏县 enterprises and shops in good standing; some carry
penalties (some still inside their publicity window, some past it, a few repaired); about 3 % sit on
the serious-dishonesty list or are 失信被执行人, and their grades show it. The same
``(seed, subjects, as_of)`` always gives the same rows (one ``random.Random``, ordered tables, ids
counted, no uuid), except the sealed resident IDs, which carry a random nonce by design.

The classification helpers below are deliberately small: issue 3 replaces them with the real
grading engine (schemes as data). Tables live in :mod:`hub.demo_catalog`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from hub import demo_catalog as cat
from hub.clock import CHINA
from hub.codes import USCC_CHARSET, resident_id_check_character, uscc_check_character
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.ingest import Row
from hub.disclosure import Disclosure
from hub.models import RecordKind, RecordStatus, Severity, SubjectKind
from hub.personal_data import PersonalDataVault
from hub.rights.publicity import add_months, default_policy

CHUNK = 2000  # rows per progress step in load()

# ---- penalty publicity (SPEC §2.4) --------------------------------------------------------------
# Publicity windows and the earliest repair come from the hub's policy (hub.rights.publicity: by
# default the NDRC 2025 credit-repair measures), exactly as for real records.
PUBLICITY = default_policy()
# Names stay on a serious-dishonesty list three years (SAMR Order No. 44, 2021, for its list).
LIST_MONTHS = 36

# ---- grading helpers (replaced by the grading engine in issue 3) --------------------------------
# A band is (lower bound, bound included, grade); bands run from the top down.
Band = tuple[float, bool, str]
HENAN_PUBLIC: tuple[Band, ...] = (  # seed 000 二(三): 优 > 85, 良 (70, 85], 中 (50, 70], 差 ≤ 50
    (85, False, "优"), (70, False, "良"), (50, False, "中"), (-math.inf, True, "差"))
# seed 000 二(五): department models default to 100 points and A/B/C/D ("E（良好）" is a typo for B);
# the seed gives no thresholds, so the demo reuses the public evaluation's.
JIAXIAN_INDUSTRY: tuple[Band, ...] = (
    (85, False, "A"), (70, False, "B"), (50, False, "C"), (-math.inf, True, "D"))
HENAN_RISK: tuple[Band, ...] = (  # seed 004 第九条: A [0,200) B [200,500) C [500,750) D [750,1000]
    (750, True, "D"), (500, True, "C"), (200, True, "B"), (-math.inf, True, "A"))
# seed 001 (三)4: 1000 points, A 优秀 … E 差, but the thresholds are left to each department; these
# are the demo's defaults.
QUANZHOU: tuple[Band, ...] = (
    (900, True, "A"), (800, True, "B"), (700, True, "C"), (600, True, "D"), (-math.inf, True, "E"))
SHANXI: tuple[Band, ...] = (  # seed 003 表: A (85,100] B (65,85] C (40,65] D [0,40]
    (85, False, "A"), (65, False, "B"), (40, False, "C"), (-math.inf, True, "D"))
# seed 003: nine levels by "+/-" fine-tuning. The demo splits each grade's band into equal parts,
# open below and closed above like the grades: A (85,92.5] A-, (92.5,100] A; B and C in thirds.
SHANXI_LEVELS = {"A": ("A-", "A"), "B": ("B-", "B", "B+"), "C": ("C-", "C", "C+"), "D": ("D",)}
SHANXI_RANGES = {"A": (85.0, 100.0), "B": (65.0, 85.0), "C": (40.0, 65.0), "D": (0.0, 40.0)}


def classify(score: float, bands: Sequence[Band]) -> str:
    for lower, inclusive, grade in bands:
        if score > lower or (inclusive and score == lower):
            return grade
    raise ValueError(f"score {score} falls below every band")


def henan_public_grade(score: float, *, listed: bool = False) -> str:
    """seed 000: on the joint-punishment list (失信联合奖惩对象名单) → "直接被评为差级"."""
    return "差" if listed else classify(score, HENAN_PUBLIC)


def henan_risk_grade(risk: float, *, listed: bool = False) -> str:
    """seed 004 第十条: serious-dishonesty list or 失信被执行人 → D regardless of the score."""
    return "D" if listed else classify(risk, HENAN_RISK)


def shanxi_grade(score: float, *, listed: bool = False) -> tuple[str, str]:
    """(grade, level); on the serious-dishonesty list → D (SPEC §2.1)."""
    grade = "D" if listed else classify(score, SHANXI)
    levels, (low, high) = SHANXI_LEVELS[grade], SHANXI_RANGES[grade]
    position = (min(max(score, low), high) - low) / (high - low)
    return grade, levels[min(max(math.ceil(position * len(levels)) - 1, 0), len(levels) - 1)]


def heilongjiang_grade(category: int, public_score: float) -> str:
    """seed 002: 诚信守法 → A or B, 轻微失信 → C, 一般失信 → D, 严重失信 → E (category 0–3)."""
    return ("A" if public_score > 85 else "B") if category == 0 else "CDE"[category - 1]


# ---- identifiers --------------------------------------------------------------------------------
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(body: str) -> str:
    """GB 11714 organization code (positions 9–17 of a social credit code): 8 characters and a
    mod-11 check (10 → X, 11 → 0), letters valued A=10…Z=35 as in post-2015 "MA…" codes."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS,
                                                                               strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def social_credit_code(prefix: str, region: str, org_code: str) -> str:
    first17 = prefix + region + org_code
    return first17 + uscc_check_character(first17)


def resident_id(region: str, birth: date, sequence: int) -> str:
    """GB 11643: region, birth date, 3-digit sequence (odd for men), mod 11-2 check."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)


def _latest(as_of: date, month: int, day: int) -> date:
    """The most recent yearly cycle date strictly before ``as_of``."""
    this_year = date(as_of.year, month, day)
    return this_year if this_year < as_of else date(as_of.year - 1, month, day)


# ---- the data set -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoData:
    departments: list[Row]
    organizations: list[Row]
    subjects: list[Row]
    records: list[Row]
    evaluations: list[Row]

    def counts(self) -> dict[str, int]:
        return {"departments": len(self.departments), "organizations": len(self.organizations),
                "subjects": len(self.subjects), "records": len(self.records),
                "evaluations": len(self.evaluations)}


@dataclass
class _Subject:
    row: Row
    prefix: str
    region: cat.Region
    industry: cat.Industry
    profile: str  # exemplary | normal | troubled
    listed: bool  # will be put on a serious-dishonesty list
    executee: bool  # will be a 失信被执行人
    base: float  # the subject's own level on the public score
    records: list[Row] = field(default_factory=list)
    marks: list[tuple[float, int]] = field(default_factory=list)  # per record: (demerit, category)


def generate(*, seed: int = 7, subjects: int = 1000, as_of: date,
             vault: PersonalDataVault) -> DemoData:
    """Generate the data set; see the module docstring for what it contains and why."""
    return _Generator(seed, as_of, vault).run(subjects)


class _Generator:
    def __init__(self, seed: int, as_of: date, vault: PersonalDataVault) -> None:
        self.rng, self.seed, self.as_of, self.vault = random.Random(seed), seed, as_of, vault
        self.codes: set[str] = set()  # membership tests only, never iterated
        self.names: set[str] = set()
        self.counters: dict[str, int] = {}
        self.reusable: dict[str, list[Row]] = {}  # per region: people representing one subject
        self.public_batch = _latest(as_of, 3, 1)  # the province's yearly public evaluation run
        self.window = add_months(as_of, -60)  # five years of history
        self.records: list[Row] = []
        self.evaluations: list[Row] = []
        self.by_prefix = {p: [i for i in cat.INDUSTRIES if p in i.names] for p, _ in cat.KIND_WEIGHTS}

    def run(self, count: int) -> DemoData:
        departments = [{"code": f"{cat.JIAXIAN}-{d.suffix}", "name": d.name, "domains": list(d.domains),
                        "region": cat.JIAXIAN} for d in cat.DEPARTMENTS]
        old = date(2001, 1, 1)
        organizations = (
            [{"name": n, "kind": "bank", "uscc": self._code("91", cat.JIAXIAN, old)} for n in cat.BANKS]
            + [{"name": n, "kind": "agency", "uscc": self._code("11", cat.JIAXIAN, old)}
               for n in cat.AGENCIES]
            + [{"name": n, "kind": "platform", "uscc": None} for n in cat.PLATFORMS]
            + [{"name": cat.CREDIT_OFFICE, "kind": "credit_office", "uscc": None}])
        subjects = [self._subject() for _ in range(count)]
        for subject in subjects:
            self._history(subject)
            self._evaluate(subject)
        return DemoData(departments, organizations, [s.row for s in subjects], self.records,
                        self.evaluations)

    # -- helpers --
    def _day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max((high - low).days, 0)))

    def _next(self, key: str, start: int = 1) -> int:
        self.counters[key] = self.counters.get(key, start - 1) + 1
        return self.counters[key]

    def _code(self, prefix: str, region: str, registered_on: date) -> str:
        rng = self.rng
        while True:
            if prefix in ("92", "93") or registered_on >= date(2015, 10, 1):
                # Codes issued since 三证合一 (2015-10-01) start MA (MJ for 民政); 个体工商户 and
                # cooperatives got such codes when re-licensed, whatever their age.
                body = ("MJ" if prefix[0] == "5" else "MA") + "".join(
                    rng.choice(USCC_CHARSET) for _ in range(6))
            else:  # registered earlier: the old numeric organization code was kept
                body = rng.choice(("06", "17", "31", "41", "55", "67", "73", "78")) + "".join(
                    rng.choice("0123456789") for _ in range(6))
            code = social_credit_code(prefix, region, organization_code(body))
            if code not in self.codes:
                self.codes.add(code)
                return code

    # -- subjects --
    def _subject(self) -> _Subject:
        rng = self.rng
        region = rng.choices(cat.REGIONS, [r.weight for r in cat.REGIONS])[0]
        prefix = rng.choices([p for p, _ in cat.KIND_WEIGHTS], [w for _, w in cat.KIND_WEIGHTS])[0]
        industry = self._industry(prefix)
        name = self._name(prefix, industry, region)
        if name is None:  # every 事业单位 of the region exists already: make it an enterprise
            prefix, industry = "91", self._industry("91")
            name = self._name(prefix, industry, region) or ""
        latest = min(date(2024, 12, 31), self.public_batch - timedelta(days=60))
        span = max((latest - date(2005, 1, 1)).days, 0)
        registered_on = date(2005, 1, 1) + timedelta(days=int(span * rng.triangular(0, 1, 0.85)))
        uscc = self._code(prefix, region.code, registered_on)
        roll = rng.random()
        status = "吊销" if roll < 0.02 else "注销" if roll < 0.05 else "存续"
        seasoned = registered_on <= self.public_batch - timedelta(days=365)
        listed = seasoned and rng.random() < 0.032
        executee = seasoned and rng.random() < (0.35 if listed else 0.022)
        profile = rng.choices(("exemplary", "normal", "troubled"), (15, 70, 15))[0]
        if listed or executee or status == "吊销":
            profile = "troubled"
        row = {"uscc": uscc, "name": name, "kind": SubjectKind.from_uscc(uscc).value,
               "region": region.code, "industry": industry.name, "status": status,
               "registered_on": registered_on, "person": self._person(region, registered_on)}
        return _Subject(row, prefix, region, industry, profile, listed, executee,
                        base=89 + rng.gauss(0, 4))

    def _industry(self, prefix: str) -> cat.Industry:
        industries = self.by_prefix[prefix]
        return self.rng.choices(industries, [i.weight for i in industries])[0]

    def _name(self, prefix: str, industry: cat.Industry, region: cat.Region) -> str | None:
        """A name no other subject has; None when a place-named 事业单位 has none left."""
        rng, name = self.rng, ""
        for _ in range(40):
            brand = rng.choice(cat.BRAND_CHARS) + rng.choice(cat.BRAND_CHARS)
            town, ending = rng.choice(region.towns), rng.choice(industry.names[prefix])
            if prefix == "91":
                lead = region.province if rng.random() < 0.25 else region.prefix
                name = lead + brand + ending
            elif prefix == "92":
                name = region.prefix + (town if rng.random() < 0.6 else "") + brand + ending
            elif prefix == "93":
                name = region.prefix + town + brand + ending
            elif prefix == "12":  # 事业单位 are named by place: 郏县冢头镇卫生院
                name = region.prefix + town + ending
            else:
                name = region.prefix + brand + ending
            if name not in self.names:
                break
        else:
            if prefix == "12":
                return None
            name = f"{name}（{self._next('name-collision', 2)}）"
        self.names.add(name)
        return name

    def _person(self, region: cat.Region, registered_on: date) -> Row | None:
        rng = self.rng
        if rng.random() < 0.015:  # a few subjects have no legal representative on file
            return None
        pool = self.reusable.setdefault(region.code, [])
        if pool and rng.random() < 0.07:  # the same person heads a second business
            return dict(pool.pop(rng.randrange(len(pool))))
        male = rng.random() < 0.8
        name = rng.choices(cat.SURNAMES, cat.SURNAME_WEIGHTS)[0] + rng.choice(
            cat.MALE_NAMES if male else cat.FEMALE_NAMES)
        birth = date(rng.randint(1960, max(1960, min(1995, registered_on.year - 20))), 1, 1)
        birth += timedelta(days=rng.randrange(365))
        home = region.id_prefixes[0] if rng.random() < 0.85 else rng.choice(region.id_prefixes)
        sealed = self.vault.seal(resident_id(home, birth, rng.randrange(1, 500) * 2 - (1 if male else 0)))
        person = {"fingerprint": sealed.fingerprint, "name": name, "id_masked": sealed.masked,
                  "id_sealed": sealed.sealed}
        pool.append(person)
        return dict(person)

    # -- records --
    def _record(self, s: _Subject, kind: RecordKind, title: str, day: date, dept: str | None,
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

    def _write_history(self, s: _Subject) -> None:
        rng, ind, prefix, profile = self.rng, s.industry, s.prefix, s.profile
        start, end, uscc = max(s.row["registered_on"], self.window), self.as_of, s.row["uscc"]
        troubled = profile == "troubled"
        for lic in ind.licences:  # 行政许可 (双公示)
            if prefix in lic.prefixes and rng.random() < lic.share:
                for _ in range(rng.randint(1, lic.repeat)):
                    day = self._day(start, end)
                    number = lic.number.format(region=cat.JIAXIAN, year=day.year,
                                               kind=2 if prefix == "92" else 1,
                                               n=self._next(lic.title, rng.randint(100, 3000)))
                    self._record(s, RecordKind.ADMINISTRATIVE_LICENSE, lic.title, day, lic.dept,
                                 Disclosure.PUBLIC, number=number, content=lic.content)
        for _ in range(rng.choices((0, 1, 2), (15, 55, 30))[0]):
            # 信用承诺 carries the unified social credit code (seed 003) and whether it was kept.
            kept = rng.random() < (0.75 if troubled else 0.95)
            form = rng.choice(("审批替代型", "主动型", "行业自律型"))
            self._record(s, RecordKind.COMMITMENT, f"信用承诺（{form}）", self._day(start, end),
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
            self._penalty(s, self._day(start, end), severity, repairable=True)
        complaints = {"exemplary": (85, 15, 0), "normal": (65, 30, 5), "troubled": (25, 45, 30)}
        for _ in range(rng.choices((0, 1, 2), complaints[profile])[0]):
            found = rng.choices((0, 1, 2), (40, 35, 25))[0]
            self._record(s, RecordKind.COMPLAINT, f"投诉举报：{rng.choice(ind.complaints)}",
                         self._day(start, end), ind.regulator, Disclosure.INTERNAL,
                         (1.5, 0.5, 0.0)[found], content="来源：12345政务服务便民热线；核查结果："
                         + ("属实，已责令整改", "部分属实，已调解", "不属实")[found])
        if ind.incident and rng.random() < {"exemplary": 0, "normal": 0.03, "troubled": 0.15}[profile]:
            severity = rng.choices(list(Severity), (50, 40, 10))[0]
            grade = {Severity.MINOR: "未造成人员伤亡", Severity.GENERAL: "一般事故",
                     Severity.SERIOUS: "较大事故"}[severity]
            self._record(s, RecordKind.SAFETY_INCIDENT, ind.incident[0], self._day(start, end),
                         ind.incident[1],
                         Disclosure.INTERNAL if rng.random() < 0.3 else Disclosure.AUTHORIZED,
                         {"MINOR": 4, "GENERAL": 10, "SERIOUS": 20}[severity.value],
                         1 if severity is Severity.MINOR else 2, severity=severity,
                         content=f"事故等级：{grade}；已依法调查处理")
        honors = tuple(dict.fromkeys(cat.GENERIC_HONORS[prefix] + ((ind.honor,) if ind.honor else ())))
        count = rng.randint(1, 2) if profile == "exemplary" else int(
            profile == "normal" and rng.random() < 0.12)
        for title, dept in rng.sample(honors, min(count, len(honors))):
            day = self._day(start, end)
            self._record(s, RecordKind.HONOR, title, day, dept, Disclosure.PUBLIC, -3,
                         content=f"{day.year - 1}年度{title}")
        if prefix != "12" and (s.row["status"] == "吊销" or rng.random() < {
                "exemplary": 0, "normal": 0.03, "troubled": 0.35}[profile]):
            reason = rng.choice(("未按规定公示年度报告", "通过登记的住所或者经营场所无法联系"))
            dept, listing = ("MZ", "活动异常名录") if prefix == "52" else ("SCJG", "经营异常名录")
            self._record(s, RecordKind.ABNORMAL_OPERATION, reason, self._day(start, end), dept,
                         Disclosure.PUBLIC, 10, 2, content=f"列入{listing}，原因：{reason}")
        if prefix == "91" and rng.random() < 0.3:
            kept = rng.random() < (0.7 if troubled else 0.93)
            title, dept = (("建设工程施工合同履约", "ZJ") if ind.scheme == "construction"
                           else ("商贸流通合同履约", "SHW"))
            self._record(s, RecordKind.CONTRACT_PERFORMANCE, title, self._day(start, end), dept,
                         Disclosure.AUTHORIZED, -1 if kept else 4, 0 if kept else 1,
                         content="按合同约定全面履约" if kept else "逾期履约，已承担违约责任")
        latest = self.public_batch - timedelta(days=10)  # known to this year's evaluation
        if s.listed:  # a serious penalty, then the listing it led to
            day = self._day(max(start + timedelta(days=120), add_months(end, -30)), latest)
            dept, doc = self._penalty(s, day - timedelta(days=rng.randint(30, 110)),
                                      Severity.SERIOUS, repairable=False)
            dept = dept if dept in cat.DISHONESTY_LISTS else "SCJG"
            self._record(s, RecordKind.SERIOUS_DISHONESTY_LIST, cat.DISHONESTY_LISTS[dept], day, dept,
                         Disclosure.PUBLIC, 30, 3, ends=add_months(day, LIST_MONTHS),
                         content=f"依据行政处罚决定书{doc}列入严重失信主体名单")
        if s.executee:  # from the courts, via the national and provincial platforms
            day = self._day(max(start + timedelta(days=90), add_months(end, -24)), latest)
            code, court = s.region.court
            number = f"（{day.year}）{code}执{self._next(code + str(day.year), rng.randint(100, 900))}号"
            self._record(s, RecordKind.DISHONEST_EXECUTEE, "失信被执行人", day, None,
                         Disclosure.PUBLIC, 20, 3, number=number, platform=cat.PROVINCE_PLATFORM,
                         content=f"执行法院：{court}；失信情形：有履行能力而拒不履行生效法律文书确定义务")
        while len(s.records) < 5:
            self._inspection(s, start, inspections, (1, 0, 0))

    def _inspection(self, s: _Subject, start: date, inspections: Sequence[tuple[str, str]],
                    weights: Sequence[int]) -> None:
        title, dept = self.rng.choice(inspections)
        outcome = self.rng.choices((0, 1, 2), weights)[0]
        self._record(s, RecordKind.INSPECTION_RESULT, title, self._day(start, self.as_of), dept,
                     Disclosure.PUBLIC, (0, 1, 3)[outcome], int(outcome == 2),
                     content="检查结果：" + ("未发现问题", "发现问题，已责令整改", "不合格")[outcome])

    def _penalty(self, s: _Subject, day: date, severity: Severity, *,
                 repairable: bool) -> tuple[str, str]:
        """One 行政处罚 with its publicity window; returns (department, 决定书文号)."""
        rng = self.rng
        generic = s.prefix != "12" and rng.random() < 0.2
        title, basis, dept = rng.choice(cat.GENERIC_VIOLATIONS if generic else s.industry.violations)
        serial = self._next(f"{dept}-{day.year}", rng.randint(1, 40))
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
                         self._day(earliest, min(ends, self.as_of)), dept, Disclosure.PUBLIC, -1,
                         kept=True, content=f"就{doc}作出信用修复承诺；已履约践诺")
        weight = {"MINOR": (2, 1), "GENERAL": (8, 2), "SERIOUS": (20, 3)}[severity.value]
        self._record(s, RecordKind.ADMINISTRATIVE_PENALTY, title, day, dept, Disclosure.PUBLIC,
                     0 if status is RecordStatus.REPAIRED else weight[0], weight[1],
                     severity=severity, ends=ends, number=doc, amount=amount, status=status,
                     content=f"违法事实：{title}。处罚依据：{basis}。处罚内容：{measure}。")
        return dept, doc

    def _history(self, s: _Subject) -> None:
        """Five years of records whose mix follows the subject's profile (see _write_history)."""
        self._write_history(s)
        order = sorted(range(len(s.records)), key=lambda i: (s.records[i]["decided_on"], i))
        s.records, s.marks = [s.records[i] for i in order], [s.marks[i] for i in order]
        for row in s.records:
            row["id"] = f"rec-{self.seed}-{len(self.records) + 1:07d}"
            self.records.append(row)

    # -- evaluations --
    def _standing(self, s: _Subject, on: date) -> tuple[float, bool, int]:
        """(net demerits, on a joint-punishment list, worst category 0–3) as known on ``on``.

        Penalties and other negatives count for three years; repaired records do not count at all
        (SPEC §2.5); list entries count while the listing lasts.
        """
        demerits, listed, category = 0.0, False, 0
        lookback = add_months(on, -36)
        for row, (demerit, cat_) in zip(s.records, s.marks, strict=True):
            day, kind = row["decided_on"], row["kind"]
            if day > on or row["status"] != RecordStatus.ACTIVE.value:
                continue
            if kind in (RecordKind.SERIOUS_DISHONESTY_LIST.value, RecordKind.DISHONEST_EXECUTEE.value):
                if row["publicity_ends_on"] is None or row["publicity_ends_on"] >= on:
                    demerits, listed, category = demerits + demerit, True, 3
            elif day > lookback:
                demerits, category = demerits + demerit, max(category, cat_)
        return demerits, listed, category

    def _evaluation(self, s: _Subject, scheme: str, score: float | None, grade: str,
                    level: str | None, disclosure: Disclosure, day: date, evaluator: str) -> None:
        at = datetime.combine(day, time(1), CHINA) + timedelta(minutes=self.rng.randrange(300))
        self.evaluations.append({
            "id": f"eval-{self.seed}-{len(self.evaluations) + 1:07d}", "subject_uscc": s.row["uscc"],
            "scheme": scheme, "score": score, "grade": grade, "level": level,
            "disclosure": disclosure.value, "evaluated_at": at,
            "valid_until": add_months(day, 12), "evaluator": evaluator})

    def _public_score(self, s: _Subject, on: date) -> tuple[float, bool, int]:
        demerits, listed, category = self._standing(s, on)
        score = round(min(max(s.base - demerits + self.rng.gauss(0, 1.5), 0.0), 100.0), 1)
        return score, listed, category

    def _evaluate(self, s: _Subject) -> None:
        rng, registered = self.rng, s.row["registered_on"]
        previous = add_months(self.public_batch, -12)
        if registered < previous - timedelta(days=30) and rng.random() < 0.6:
            score, listed, _ = self._public_score(s, previous)  # last year's, now expired
            self._evaluation(s, "henan-public-credit", score, henan_public_grade(score, listed=listed),
                             None, Disclosure.PUBLIC, previous, "河南省公共信用信息平台")
        public, listed, category = self._public_score(s, self.public_batch)
        self._evaluation(s, "henan-public-credit", public, henan_public_grade(public, listed=listed),
                         None, Disclosure.PUBLIC, self.public_batch, "河南省公共信用信息平台")
        if s.prefix == "91":  # SAMR risk classes cover enterprises; refreshed monthly
            month = self.as_of.replace(day=1)
            demerits, on_list, _ = self._standing(s, month)
            risk = float(round(min(max(140 + 9 * demerits + rng.gauss(0, 40), 0), 1000)))
            self._evaluation(s, "henan-market-risk", risk, henan_risk_grade(risk, listed=on_list),
                             None, Disclosure.INTERNAL, month, "河南省市场监督管理局")
        region, scheme = s.region.code, s.industry.scheme
        if region == cat.JIAXIAN and scheme and rng.random() < 0.7:
            day = _latest(self.as_of, 4, 15)
            if registered < day - timedelta(days=30):
                score, listed, _ = self._public_score(s, day)
                score = round(min(max(score + rng.gauss(0, 4), 0.0), 100.0), 1)
                grade = "D" if listed else classify(score, JIAXIAN_INDUSTRY)
                disclosure = Disclosure.AUTHORIZED if scheme == "food" else Disclosure.PUBLIC
                self._evaluation(s, f"jiaxian-{scheme}-industry", score, grade, None, disclosure,
                                 day, "郏县" + cat.DEPT_TITLES[s.industry.regulator])
        elif region in ("350582", "230400") and rng.random() < 0.8:
            day = _latest(self.as_of, 1, 20 if region == "350582" else 28)
            if registered < day - timedelta(days=30):
                score, listed, category = self._public_score(s, day)
                evaluator = s.region.prefix + cat.DEPT_TITLES.get(s.industry.regulator, "市场监督管理局")
                if region == "350582":
                    points = float(round(min(max(score * 10 + rng.gauss(0, 40), 0), 1000)))
                    self._evaluation(s, "quanzhou-industry", points, classify(points, QUANZHOU), None,
                                     Disclosure.AUTHORIZED, day, evaluator)
                else:
                    self._evaluation(s, "heilongjiang-industry", None,
                                     heilongjiang_grade(category, score), None,
                                     Disclosure.AUTHORIZED, day, evaluator)
        elif region == "140624":
            day = _latest(self.as_of, 3, 15)
            score, listed, _ = self._public_score(s, day)
            grade, level = shanxi_grade(score, listed=listed)
            self._evaluation(s, "shanxi-public-credit", score, grade, level, Disclosure.PUBLIC, day,
                             "山西省信用信息共享平台")


# ---- loading ------------------------------------------------------------------------------------
Upsert = Callable[[Neo4jGateway, Sequence[Row]], Awaitable[int]]


async def load(gateway: Neo4jGateway, data: DemoData,
               progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Write the data set in dependency order (departments before the records issued by them,
    subjects before their records), in chunks so a progress bar can follow; returns the counts."""
    stages: tuple[tuple[str, Upsert, list[Row]], ...] = (
        ("departments", ingest.upsert_departments, data.departments),
        ("organizations", ingest.upsert_organizations, data.organizations),
        ("subjects", ingest.upsert_subjects, data.subjects),
        ("records", ingest.upsert_records, data.records),
        ("evaluations", ingest.upsert_evaluations, data.evaluations),
    )
    for stage, upsert, rows in stages:
        if progress:
            progress(stage, 0, len(rows))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            await upsert(gateway, chunk)
            if progress:
                progress(stage, start + len(chunk), len(rows))
    return data.counts()
