"""Who read a subject, and when — the audit chain read back for one subject (issue 13 §1).

Every read above PUBLIC, and every refusal, is an entry of the audit chain (hub.audit). This shows a
subject's entries, newest first, to those who answer for the subject: the credit office (admin) and
the departments that issued its records. Anyone else, another department included, is refused: who
looked at a subject is itself something to keep from a department that has no business with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.authority import NotTheOwner
from hub.codes import parse_code
from hub.db import audit_store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Role, Viewer
from hub.errors import NotFound
from hub.paging import page_size

MAX_READS = 200


@dataclass(frozen=True)
class ReadEntry:
    seq: int
    action: str  # read, or denied (a refusal)
    actor: str
    role: str
    tier: str | None
    consent_id: str | None
    via: str | None  # the token id, or the console account (console:NAME), the request came with
    detail: str
    at: str


async def reads_of(gateway: Neo4jGateway, uscc: str, viewer: Viewer, first: int) -> list[ReadEntry]:
    code = parse_code(uscc)
    found = await audit_store.reads_of(gateway, code, page_size(first, MAX_READS))
    if found is None:
        raise NotFound(f"no subject with code {code} is known to this hub")
    departments, entries = found
    if not (viewer.role is Role.ADMIN or (viewer.role is Role.AGENCY and viewer.department in departments)):
        whose = ", ".join(departments) or "no department yet"
        raise NotTheOwner(f"who read {code} is shown to the credit office and to the departments that issued its "
                          f"records ({whose}); your token speaks for "
                          f"{'department ' + viewer.department if viewer.department else 'no department'}")
    return [ReadEntry(int(e["seq"]), str(e["action"]), str(e["actor"]), str(e["role"]), e.get("tier"),
                      e.get("consent_id"), e.get("token_id"), str(e.get("detail") or ""), str(e["at"]))
            for e in entries]
