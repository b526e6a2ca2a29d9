"""The credit report (信用报告) as a PDF a loan officer can file (fpdf2; Chinese text with embedded fonts).

Modelled on the 信用中国 公共信用信息报告 (seed 004 (三) 信用报告应用): the issuing platform and its region, a
report number, the time of issue in China time (hub.clock.CHINA), Chinese names only — a scheme's name,
a grade's label, a record's kind — never the hub's code names; items contested by a pending 异议 marked
"【异议处理中】"; the authorization (授权) it was issued under; page numbers "第 n 页 共 m 页"; a legal notice;
and a QR code carrying the report number, the issuing platform and how to check it (docs/credit-report.md).
:func:`issue` renders, signs with the platform key (hub.rights.report_signing) and takes the SHA-256 of the
signed bytes, the digest ``verifyCreditReport`` checks.

Fonts: DejaVu Sans for Latin and digits with Droid Sans Fallback for Chinese (Debian packages
fonts-dejavu-core and fonts-droid-fallback; `make` installs them). ``HUB_PDF_FONTS`` may name two
other TTF files, "latin.ttf:cjk.ttf". The caller passes only what the viewer may see.

Rendering is pure-Python CPU work (fpdf2 parses and subsets the fonts: about a second per report),
so :class:`ReportRenderer` runs it in worker processes, never on the event loop. A thread would not
do: it holds the GIL, and measured on the development machine ten reports rendering in two threads
stretched the event loop's turns to 9 ms at the median, 85 ms at p99 and 165 ms at worst, against
0.3 ms, 14 ms and 90 ms with two worker processes (the rest is the two cores being busy).
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import segno
from fpdf import FPDF

from hub.clock import CHINA
from hub.errors import Busy, ConfigurationError
from hub.models import CreditRecord, Evaluation, Person, RecordKind, RecordStatus, Severity, Subject
from hub.rights.report_signing import ReportSigner

T = TypeVar("T")

DEFAULT_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")

# The record kinds by their names in the seeds (seed 002 §三.(二), seed 004 第七条; hub.models.RecordKind).
KIND_NAMES: Mapping[RecordKind, str] = {
    RecordKind.ADMINISTRATIVE_LICENSE: "行政许可",
    RecordKind.ADMINISTRATIVE_PENALTY: "行政处罚",
    RecordKind.INSPECTION_RESULT: "抽查检查结果",
    RecordKind.COMPLAINT: "投诉举报",
    RecordKind.SAFETY_INCIDENT: "安全质量事故",
    RecordKind.COMMITMENT: "信用承诺",
    RecordKind.HONOR: "表彰奖励",
    RecordKind.SERIOUS_DISHONESTY_LIST: "严重失信主体名单",
    RecordKind.DISHONEST_EXECUTEE: "失信被执行人",
    RecordKind.ABNORMAL_OPERATION: "经营异常名录",
    RecordKind.CONTRACT_PERFORMANCE: "合同履行",
}
STATUS_NAMES: Mapping[RecordStatus, str] = {
    RecordStatus.ACTIVE: "", RecordStatus.REPAIRED: "【已信用修复】", RecordStatus.WITHDRAWN: "【已撤销】"}
SEVERITY_NAMES: Mapping[Severity, str] = {Severity.MINOR: "轻微", Severity.GENERAL: "一般", Severity.SERIOUS: "严重"}
OBJECTION_MARK = "【异议处理中】"
TITLE = "公共信用信息报告"
LEGAL_NOTICE = (
    "（一）本报告由{platform}根据信息主体的授权出具，内容为截至出具时间本平台归集的公共信用信息，"
    "仅供授权书载明的用途使用；未经信息主体同意，查询机构不得向第三方提供本报告或其内容。",
    "（二）标注“{mark}”的条目正由认定部门核查，核查结论以认定部门的决定为准。",
    "（三）信息主体对报告内容有异议的，可向本平台或认定部门提出异议申请（信用修复、异议处理按有关规定办理）。",
    "（四）本报告附本平台的电子签名；报告编号与本文件的 SHA-256 摘要可通过本平台公开接口 verifyCreditReport 核验，"
    "任何改动都会使签名失效、核验不通过。",
)


class ReportFontMissing(ConfigurationError):
    """No usable font: the message says which files and how to install them."""


@dataclass(frozen=True)
class ConsentFacts:
    """The authorization (授权) a bank's report is issued under."""

    id: str
    grantee: str
    purpose: str
    granted_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ReportContent:
    subject: Subject
    generated_at: datetime
    consent_id: str | None
    viewer: str
    evaluations: Sequence[Evaluation]
    records: Sequence[CreditRecord]
    legal_representative: Person | None
    number: str = ""
    platform_id: str = ""
    platform_region: str = ""
    consent: ConsentFacts | None = None
    # Chinese names the caller looks up (hub.grading.schemes): scheme id → name, (scheme, grade) → label
    scheme_names: Mapping[str, str] = field(default_factory=dict)
    grade_labels: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class IssuedPdf:
    pdf: bytes
    digest: str  # SHA-256 (hex) of ``pdf``, the signed bytes exactly as delivered


def fonts() -> tuple[str, str]:
    configured = os.environ.get("HUB_PDF_FONTS")
    latin, cjk = configured.split(":", 1) if configured else DEFAULT_FONTS
    missing = [path for path in (latin, cjk) if not Path(path).is_file()]
    if missing:
        raise ReportFontMissing(f"the PDF report needs the fonts {', '.join(missing)}: install the Debian "
                                "packages fonts-dejavu-core and fonts-droid-fallback (make does) or set "
                                "HUB_PDF_FONTS=latin.ttf:cjk.ttf")
    return latin, cjk


def china_time(moment: datetime) -> str:
    return f"{moment.astimezone(CHINA):%Y年%m月%d日 %H:%M:%S}（北京时间）"


def _day(value: date | None) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else "-"


def verification_text(content: ReportContent) -> str:
    """What the QR code carries: the number, the issuing platform and how to check the file."""
    return (f"CREDIT-REPORT;NO={content.number};PLATFORM={content.platform_id};REGION={content.platform_region};"
            "VERIFY=verifyCreditReport(number,sha256-of-this-pdf)")


class _ReportPdf(FPDF):
    number = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("latin", size=8)
        self.cell(0, 6, f"报告编号 {self.number}    第 {self.page_no()} 页 共 {{nb}} 页", align="C")


def render(content: ReportContent) -> bytes:
    latin, cjk = fonts()
    pdf = _ReportPdf()
    pdf.number = content.number
    pdf.alias_nb_pages()
    pdf.set_title(f"{TITLE} {content.subject.uscc}")
    pdf.set_creator(content.platform_id)
    pdf.add_font("latin", fname=latin)
    pdf.add_font("cjk", fname=cjk)
    pdf.set_fallback_fonts(["cjk"])
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    _qr(pdf, verification_text(content))
    pdf.set_font("latin", size=18)
    pdf.cell(150, 11, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("latin", size=9)
    for line in (f"报告编号：{content.number}", f"出具机构：{content.platform_id} 信用信息平台（行政区划 "
                 f"{content.platform_region}）", f"出具时间：{china_time(content.generated_at)}"):
        pdf.cell(150, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    subject = content.subject
    lines = [
        f"主体名称：{subject.name}", f"统一社会信用代码：{subject.uscc}",
        f"注册地行政区划：{subject.region}    行业：{subject.industry or '-'}    登记状态：{subject.status}",
    ]
    if content.legal_representative is not None:
        person = content.legal_representative
        lines.append(f"法定代表人：{person.name}    证件号码：{person.id_masked}")
    _section(pdf, "一、主体基本信息", lines)
    consent = content.consent
    _section(pdf, "二、查询授权", [
        f"授权编号：{consent.id}", f"被授权机构：{consent.grantee}", f"授权用途：{consent.purpose}",
        f"授权期限：{china_time(consent.granted_at)} 至 {china_time(consent.expires_at)}",
    ] if consent is not None else [f"查询方：{content.viewer}（政府部门内部使用，无需主体授权）"])
    _section(pdf, "三、信用评价结果", [_evaluation_line(content, e) for e in content.evaluations] or ["无"])
    commitments = [r for r in content.records if r.kind is RecordKind.COMMITMENT]
    _section(pdf, "四、信用承诺及履约情况", [
        f"{_mark(r)}{_day(r.decided_on)}  {r.title}  "
        f"{'已履约' if r.kept else '未履约' if r.kept is False else '履约情况待认定'}{STATUS_NAMES[r.status]}"
        for r in commitments] or ["无"])
    _section(pdf, "五、信用记录", [_record_line(r) for r in content.records if r.kind is not RecordKind.COMMITMENT]
             or ["无"])
    _section(pdf, "六、声明", [line.format(platform=f"{content.platform_id} 信用信息平台", mark=OBJECTION_MARK)
                             for line in LEGAL_NOTICE])
    return bytes(pdf.output())


def _mark(item: CreditRecord | Evaluation) -> str:
    return OBJECTION_MARK if item.under_objection else ""


def _evaluation_line(content: ReportContent, evaluation: Evaluation) -> str:
    scheme = content.scheme_names.get(evaluation.scheme, "其他评价")
    label = content.grade_labels.get((evaluation.scheme, evaluation.grade))
    grade = f"{evaluation.grade}（{label}）" if label else evaluation.grade
    parts = [f"{_mark(evaluation)}{scheme}：{grade}"]
    if evaluation.level:
        parts.append(f"档次 {evaluation.level}")
    if evaluation.score is not None:
        parts.append(f"得分 {evaluation.score:g}")
    parts.append(f"评价日期 {evaluation.evaluated_at.astimezone(CHINA):%Y-%m-%d}")
    if evaluation.valid_until is not None:
        parts.append(f"有效期至 {_day(evaluation.valid_until)}")
    return "  ".join(parts)


def _record_line(record: CreditRecord) -> str:
    severity = f"（{SEVERITY_NAMES[record.severity]}）" if record.severity else ""
    number = f"  文号 {record.document_number}" if record.document_number else ""
    return (f"{_mark(record)}{_day(record.decided_on)}  {KIND_NAMES[record.kind]}{severity}  {record.title}{number}"
            f"{STATUS_NAMES[record.status]}")


def _qr(pdf: FPDF, text: str) -> None:
    """The QR code as vector squares at the top right (no image library, crisp at any zoom)."""
    code = segno.make(text, error="m", micro=False)
    size = 32.0
    rows = list(code.matrix_iter(border=0))
    module = size / len(rows)
    left, top = pdf.w - pdf.r_margin - size, pdf.t_margin
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                pdf.rect(left + x * module, top + y * module, module, module, style="F")
    pdf.set_font("latin", size=6)
    pdf.set_xy(left, top + size + 0.5)
    pdf.cell(size, 3, "扫码核验", align="C")
    pdf.set_xy(pdf.l_margin, pdf.t_margin)


def _section(pdf: FPDF, title: str, lines: Sequence[str]) -> None:
    pdf.ln(3)
    pdf.set_font("latin", size=12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("latin", size=9)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")


def issue(content: ReportContent, signer: ReportSigner) -> IssuedPdf:
    """Render, sign with the platform key, and digest the signed bytes (runs in a worker process)."""
    signed = signer.sign(render(content), reason=f"{TITLE} {content.number}")
    return IssuedPdf(signed, hashlib.sha256(signed).hexdigest())


class ReportRenderer:
    """A bounded pool of worker processes for :func:`render` and :func:`issue`.

    At most ``workers`` reports render at once; further requests wait their turn on the event loop
    (bounded by the request's deadline and the hub's concurrency cap), so the pool's queue cannot
    grow without bound. The pool starts with the first report and is shut down with the hub.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._turns = asyncio.Semaphore(workers)
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, content: ReportContent) -> bytes:
        """The unsigned PDF (rendered in a worker)."""
        return await self._run(render, content)

    async def issue(self, content: ReportContent, signer: ReportSigner) -> IssuedPdf:
        """The signed PDF and its digest (rendered, signed and digested in a worker)."""
        return await self._run(issue, content, signer)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        fonts()  # a missing font is a configuration error named here, not a worker's traceback
        async with self._turns:
            if self._pool is None:
                # forkserver: workers start from a clean process, not a copy of the serving one
                # (its event loop, sockets and driver threads must not be forked).
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"))
            pool = self._pool
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, work, *args)
            except BrokenProcessPool:
                if self._pool is pool:  # a worker died (killed, out of memory): the next report starts anew
                    self.close()
                raise Busy("the report renderer lost a worker and is restarting; retry in 1 s", 1.0) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
