"""From a checked 双公示 row to a record row for ``hub.db.ingest.upsert_records``.

Three choices the standard leaves to the hub, each made here and nowhere else:

- **id** — ``sgs-`` and a SHA-256 of (kind, subject code, document number): a decision about a
  subject is one record however often its file is re-sent, so re-importing is idempotent (the
  ingest MERGEs on the id).
- **severity** — the standard has no severity column, yet the publicity period depends on it
  (``hub.rights.publicity``). The hub's rule, ``penalty_severity``: SERIOUS when the penalty takes
  away the licence or the business (吊销许可证件, 责令关闭, 责令停产停业, 限制从业) or fines
  10 万元 or more; MINOR when it is only 警告 and/or 通报批评 (申诫罚, the mildest kinds of 行政处罚法
  第九条); GENERAL otherwise. It is a default, not a legal classification: a department that
  classifies its own penalties states the end of publicity in 公示截止期.
- **publicity_ends_on** — the file's 公示截止期 when given, else the publicity policy's end for the
  severity. The file wins because the deciding department knows what the columns do not carry —
  the penalty's real severity and its sector's rule — and it publishes on its own site until that
  day; the hub showing a different window would contradict the authority. ``hub.rights.publicity``
  reads a record's own end first for the same reason.
- **a 自然人's decision** — kept, not dropped (seed 004 §一.(二): 双公示 information is collected
  "应报尽报、应归尽归"), as a ``person_record_row`` keyed to the person by the keyed fingerprint of the
  identity number (``hub.personal_data``), never by the number; INTERNAL whatever the file says: the
  public 公示 is of 涉企信用信息 (seed 004 第七条), and a natural person's data are kept so that a leak
  leaks nothing (seed 000 §五.(一) 加强信息安全防护; SPEC §2.5). Its id is
  ``sgsp-`` and a SHA-256 of (kind, fingerprint, document number): a plain hash of an ID number could
  be reversed by trying the numbers, a keyed fingerprint cannot.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from connectors.shuanggongshi.rows import ParsedRow
from hub.disclosure import Disclosure
from hub.models import RecordKind, RecordStatus, Severity
from hub.personal_data import SealedId
from hub.rights.publicity import PublicityPolicy

SERIOUS_CATEGORIES = frozenset({"吊销许可证件", "责令关闭", "责令停产停业", "限制从业"})
MINOR_CATEGORIES = frozenset({"警告", "通报批评"})
SERIOUS_FINE_WAN_YUAN = 10.0  # 10 万元 = 100,000 yuan
_SPACES = re.compile(r"\s+")


def penalty_severity(categories: tuple[str, ...], fine_wan_yuan: float | None) -> Severity:
    """The hub's default severity of a penalty from its 处罚类别 and 罚款金额 (see the module doc)."""
    if SERIOUS_CATEGORIES.intersection(categories) or (fine_wan_yuan or 0.0) >= SERIOUS_FINE_WAN_YUAN:
        return Severity.SERIOUS
    if categories and MINOR_CATEGORIES.issuperset(categories):
        return Severity.MINOR
    return Severity.GENERAL


def record_id(kind: RecordKind, subject_uscc: str, document_number: str) -> str:
    """The same decision about the same subject always gets the same id."""
    number = _SPACES.sub("", document_number)
    digest = hashlib.sha256(f"{kind.value}\x1f{subject_uscc}\x1f{number}".encode()).hexdigest()
    return f"sgs-{digest[:32]}"


def person_record_id(kind: RecordKind, fingerprint: str, document_number: str) -> str:
    """The same decision about the same person always gets the same id, which names no one."""
    number = _SPACES.sub("", document_number)
    digest = hashlib.sha256(f"{kind.value}\x1f{fingerprint}\x1f{number}".encode()).hexdigest()
    return f"sgsp-{digest[:32]}"


def person_record_row(parsed: ParsedRow, person: SealedId, kind: RecordKind, source_platform: str) -> dict[str, Any]:
    """The row ``hub.db.person_records`` keeps for a checked 自然人 row: the decision, INTERNAL, and the
    person as sealed (fingerprint, ciphertext, mask) — never the number itself."""
    severity = penalty_severity(parsed.categories, parsed.fine_wan_yuan) \
        if kind is RecordKind.ADMINISTRATIVE_PENALTY else None
    return {
        "id": person_record_id(kind, person.fingerprint, parsed.document_number),
        "fingerprint": person.fingerprint,
        "id_sealed": person.sealed,
        "id_masked": person.masked,
        "person_name": parsed.subject_name,
        "kind": kind.value,
        "title": parsed.title,
        "decided_on": parsed.decided_on,
        "issuing_department": parsed.authority_code,
        "source_platform": source_platform,
        "disclosure": Disclosure.INTERNAL.value,  # whatever the file says: see the module doc
        "status": RecordStatus.ACTIVE.value,
        "severity": severity and severity.value,
        "document_number": parsed.document_number,
        "content": parsed.content,
        "amount_wan_yuan": parsed.fine_wan_yuan if kind is RecordKind.ADMINISTRATIVE_PENALTY else None,
    }


def record_row(parsed: ParsedRow, kind: RecordKind, source_platform: str,
               policy: PublicityPolicy) -> dict[str, Any]:
    """The ingest row for a checked organization's row (a 自然人's is ``person_record_row``)."""
    if parsed.subject_uscc is None:
        raise ValueError(f"row {parsed.row} is about a 自然人: its decision is a person_record_row")
    severity: Severity | None = None
    ends = None
    amount = None
    if kind is RecordKind.ADMINISTRATIVE_PENALTY:
        severity = penalty_severity(parsed.categories, parsed.fine_wan_yuan)
        ends = parsed.publicity_ends_on or policy.publicity_ends_on(parsed.decided_on, severity)
        amount = parsed.fine_wan_yuan
    return {
        "id": record_id(kind, parsed.subject_uscc, parsed.document_number),
        "subject_uscc": parsed.subject_uscc,
        "kind": kind.value,
        "title": parsed.title,
        "decided_on": parsed.decided_on,
        "issuing_department": parsed.authority_code,
        "source_platform": source_platform,
        "disclosure": Disclosure.PUBLIC.value,  # 双公示: made public by law
        "status": RecordStatus.ACTIVE.value,
        "severity": severity and severity.value,
        "publicity_ends_on": ends,
        "document_number": parsed.document_number,
        "content": parsed.content,
        "amount_wan_yuan": amount,
        "kept": None,
    }
