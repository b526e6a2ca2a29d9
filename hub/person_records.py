"""Decisions about natural persons (行政相对人类别 自然人): kept, INTERNAL, found by the sealed ID number.

A 双公示 file reports penalties and licences about 自然人 as well as about enterprises. The hub keeps
them — 双公示 information is collected "应报尽报、应归尽归" (seed 004 §一.(二)) — but not as a subject's
records: a person has no unified social credit code (SPEC §2.6), and what is published, graded and
shared is 涉企信用信息 (seed 004 第七条). So:

- the person is keyed by the keyed fingerprint of the identity number and the number is stored sealed
  (AES-GCM under ``HUB_DATA_KEY``, hub.personal_data; SPEC §2.5: a database leak leaks nothing);
- the disclosure is INTERNAL always, whatever the file says (seed 000 §五.(一) 加强信息安全防护: the
  subjects' information is kept safe through the whole process; seed 003 附件2 §五.1 内部使用);
- nothing serves them but :meth:`PersonRecords.find`, behind an INTERNAL-only query (schema/tiers.py):
  a PUBLIC or bank caller is refused before its arguments are read, the same refusal whether or not
  the person has a record; they are not ``Record`` nodes, so no profile, count, grade or change feed
  to other platforms carries them (hub.db.person_records).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub import clock
from hub.db import person_records
from hub.db.gateway import Neo4jGateway, native
from hub.disclosure import Disclosure
from hub.personal_data import PersonalDataVault


@dataclass(frozen=True)
class PersonRecord:
    """One decision about a natural person, as an INTERNAL viewer is shown it (the number masked)."""

    id: str
    kind: str
    title: str
    decided_on: date
    issuing_department: str
    source_platform: str | None
    document_number: str | None
    content: str | None
    severity: str | None
    amount_wan_yuan: float | None
    person_name: str
    id_masked: str
    disclosure: Disclosure = Disclosure.INTERNAL


class PersonRecords:
    def __init__(self, gateway: Neo4jGateway, vault: PersonalDataVault) -> None:
        self.gateway, self.vault = gateway, vault

    async def keep(self, rows: Sequence[dict[str, Any]]) -> int:
        """Store sealed rows (``connectors.shuanggongshi.mapping.person_record_row``), idempotent by id;
        how many were new or changed."""
        return await person_records.upsert(self.gateway, rows, clock.now())

    async def find(self, id_number: str, document: str | None = None) -> list[PersonRecord]:
        """The decisions about the person with this identity number (a resident ID unless ``document``
        names another kind), newest first. The number is sealed before the lookup: the database is
        asked for its keyed fingerprint only. An invalid resident ID is BadInput."""
        fingerprint = self.vault.seal_document(document, id_number).fingerprint
        return [_record(row) for row in await person_records.of_person(self.gateway, fingerprint)]


def _record(row: dict[str, Any]) -> PersonRecord:
    return PersonRecord(
        id=row["id"], kind=row["kind"], title=row["title"], decided_on=native(row["decided_on"]),
        issuing_department=row["issuing_department"], source_platform=row.get("source_platform"),
        document_number=row.get("document_number"), content=row.get("content"), severity=row.get("severity"),
        amount_wan_yuan=row.get("amount_wan_yuan"), person_name=row.get("person_name") or "",
        id_masked=row.get("id_masked") or "")
