"""信用预警 — what the GraphQL face calls: read warnings, decide them, follow them, see related parties.

Warnings are INTERNAL (schema/tiers.py FIELD_RULES): government departments only. Reading is shared
across departments (政务共享); a subscription is the screen of one department and carries only what
is routed to it (an ``agency`` token with its ``dept`` claim; the credit office's ``admin`` and peer
platforms may follow any department, or all). Deciding is the routed department's alone
(``hub.authority.require_owner``); a warning nobody is routed to is the credit office's. A copy
received from another platform is decided where it was raised, and the decision arrives by sync.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from hub import clock
from hub.authority import require_owner
from hub.db import warnings as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Role, Viewer
from hub.errors import BadInput, Conflict, Forbidden, NotFound
from hub.grading.schemes import SchemeRegistry
from hub.paging import page_size
from hub.rights.calendar import WorkingCalendar
from hub.rights.origin import issued_elsewhere
from hub.rights.publicity import add_months
from hub.warnings.broker import WarningBroker
from hub.warnings.engine import WarningEngine
from hub.warnings.model import Step, Warning, WarningFilter
from hub.warnings.rules import LIST_KINDS, RuleBook

MAX_PAGE = 100
MAX_DEPTH = 3
RELATED_FAN_OUT = 50  # subjects read per person and step
RELATED_MAX = 200  # subjects in one answer
RELATED_FORMER_MONTHS = 12  # former representatives followed this far back
PAGE_CURSOR, STREAM_CURSOR = "warning:", "stream:"  # a page position (raise order); a stream position


class WarningInputError(BadInput):
    """An argument the warnings API cannot take; the message says which and why."""


class NotYourWarnings(Forbidden):
    """A department's subscription carries only that department's warnings."""


@dataclass(frozen=True)
class WarningPage:
    warnings: list[Warning]
    has_next: bool


@dataclass(frozen=True)
class RelatedLink:
    """How a related subject is reached: through which person, current or former, from which subject."""

    from_uscc: str
    person_name: str
    person_id_masked: str | None
    current: bool
    until: date | None


@dataclass(frozen=True)
class RelatedParty:
    uscc: str
    name: str | None
    region: str | None
    depth: int
    path: tuple[RelatedLink, ...]
    grades: tuple[tuple[str, str, int | None], ...]  # scheme, grade, common-ladder rung
    list_entries: tuple[tuple[str, str, date | None, str], ...]  # id, kind, decided on, status
    truncated: bool  # a person on the way represents more subjects than were followed


class WarningService:
    def __init__(self, gateway: Neo4jGateway, rules: RuleBook, schemes: SchemeRegistry, calendar: WorkingCalendar,
                 *, platform_id: str, level: str, poll_s: float = 0.1, window: int = 5000) -> None:
        self.gateway, self.rules, self.schemes = gateway, rules, schemes
        self.platform_id = platform_id
        self.broker = WarningBroker(gateway, poll_s)
        self.engine = WarningEngine(gateway, rules, schemes, calendar, platform_id=platform_id, level=level,
                                    poll_s=poll_s, window=window, on_commit=self.broker.nudge)

    # --- running --------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The engine and the broker as background tasks, for as long as the hub serves."""
        stop = asyncio.Event()
        tasks = [asyncio.create_task(self.engine.run(stop), name="warning-engine"),
                 asyncio.create_task(self.broker.run(stop), name="warning-broker")]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    def nudge(self) -> None:
        """Something was just written in this process: evaluate now."""
        self.engine.nudge()

    # --- reading --------------------------------------------------------------------------------
    async def page(self, wanted: WarningFilter, *, first: int, after: str | None) -> WarningPage:
        first = page_size(first, MAX_PAGE, error=WarningInputError)
        if wanted.raised_from and wanted.raised_to and wanted.raised_from > wanted.raised_to:
            raise WarningInputError(f"raisedFrom {wanted.raised_from.isoformat()} is after raisedTo "
                                    f"{wanted.raised_to.isoformat()}")
        before = decode_cursor(after, PAGE_CURSOR) if after else None
        rows = await store.page(self.gateway, wanted, before=before, first=first + 1)
        return WarningPage(rows[:first], len(rows) > first)

    async def count(self, wanted: WarningFilter) -> int:
        """How many warnings ``wanted`` matches, over every page (a connection's ``totalCount``)."""
        return await store.count(self.gateway, wanted)

    async def get(self, warning_id: str) -> Warning | None:
        return await store.get(self.gateway, warning_id)

    async def stream_cursor(self) -> str:
        """The stream's position now: a subscription ``after`` it misses nothing from this moment on."""
        return encode_cursor(await store.stream_head(self.gateway), STREAM_CURSOR)

    # --- deciding -------------------------------------------------------------------------------
    async def decide(self, viewer: Viewer, warning_id: str, step: Step, text: str | None = None) -> Warning:
        """Acknowledge, handle (``text`` = the measure taken) or dismiss (``text`` = the reason)."""
        warning = await store.get(self.gateway, warning_id)
        if warning is None:
            raise NotFound(f"no warning with id {warning_id!r}")
        elsewhere = issued_elsewhere(warning_id, warning.origin_platform, self.platform_id, f"{step.value} it")
        if elsewhere:
            raise Forbidden(elsewhere)
        require_owner(viewer, warning.department, f"warning {warning_id} ({step.value})",
                      admin_may=warning.department is None)
        if warning.status is not step.allowed_from:
            raise Conflict(f"warning {warning_id} is {warning.status.value}; {step.value} applies to a "
                           f"{step.allowed_from.value} warning")
        now = clock.now()
        changes: dict[str, object] = {}
        if step is Step.ACKNOWLEDGE:
            changes = {"acknowledged_at": now, "acknowledged_by": viewer.label}
        else:
            words = (text or "").strip()
            if not words:
                what = "the measure taken" if step is Step.HANDLE else "the reason"
                raise WarningInputError(f"to {step.value} warning {warning_id}, say {what}")
            if len(words) > 2000:
                raise WarningInputError("at most 2,000 characters")
            changes = ({"handled_at": now, "handled_by": viewer.label, "measure": words} if step is Step.HANDLE
                       else {"dismissed_at": now, "dismissed_by": viewer.label, "dismiss_reason": words})
        changed = await store.change_status(self.gateway, warning_id, expected=step.allowed_from, to=step.leads_to,
                                            changes=changes, now=now)
        if changed is None:
            current = await store.get(self.gateway, warning_id)
            raise Conflict(f"warning {warning_id} changed meanwhile; it is "
                           f"{current.status.value if current else 'gone'}")
        self.broker.nudge()
        return changed

    # --- following ------------------------------------------------------------------------------
    def subscription_filter(self, viewer: Viewer, department: str | None, region_prefix: str | None,
                            rule: str | None) -> WarningFilter:
        """What a viewer's subscription carries: its own department's warnings for an agency; any
        department (or all) for the credit office and peer platforms."""
        if rule is not None and rule not in self.rules:
            raise WarningInputError(f"unknown warning rule {rule!r}")
        if viewer.role is Role.AGENCY:
            if not viewer.department:
                raise NotYourWarnings("a department's subscription needs a token that names the department "
                                      "(hub token issue --department CODE): warnings are routed to departments")
            if department is not None and department != viewer.department:
                raise NotYourWarnings(f"your token speaks for department {viewer.department}; its subscription "
                                      f"carries that department's warnings, not {department}'s")
            department = viewer.department
        elif viewer.role not in (Role.ADMIN, Role.PLATFORM):
            raise Forbidden("warnings are internal-only (内部使用): government departments only")
        return WarningFilter(department=department, region_prefix=region_prefix, rule=rule)

    def follow(self, wanted: WarningFilter, after: str | None) -> AsyncIterator[Warning]:
        position = decode_cursor(after, STREAM_CURSOR) if after else None
        return self.broker.subscribe(wanted, position)

    # --- related parties ------------------------------------------------------------------------
    async def related_parties(self, uscc: str, depth: int) -> list[RelatedParty]:
        """The subjects linked to ``uscc`` through legal representatives (current, or former within 12
        months), breadth first up to ``depth`` steps, with their current grades and list entries."""
        if not 1 <= depth <= MAX_DEPTH:
            raise WarningInputError(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
        today = clock.today()
        since = add_months(today, -RELATED_FORMER_MONTHS)
        seen: dict[str, tuple[int, tuple[RelatedLink, ...], str | None, str | None, bool]] = {uscc: (0, (), None,
                                                                                                      None, False)}
        frontier = [uscc]
        for level in range(1, depth + 1):
            following: list[str] = []
            for row in await store.related_step(self.gateway, frontier, since=since, fan_out=RELATED_FAN_OUT):
                base = seen[row["code"]][1]
                truncated = int(row["total"]) > len(row["subjects"])
                for code, name, region, current, until in row["subjects"]:
                    if code in seen or len(seen) > RELATED_MAX:
                        continue
                    link = RelatedLink(row["code"], row["name"], row["masked"], bool(current),
                                       date.fromisoformat(until) if until else None)
                    seen[code] = (level, (*base, link), name, region, truncated)
                    following.append(code)
            frontier = following
            if not frontier:
                break
        others = [code for code in seen if code != uscc]
        facts = await store.related_facts(self.gateway, others, today=today, lists=sorted(k.value for k in LIST_KINDS))
        parties = []
        for code in others:
            level, path, name, region, truncated = seen[code]
            row = facts.get(code, {"grades": [], "entries": []})
            grades = tuple((g[0], g[1], self._rung(g[0], g[1])) for g in row["grades"] if g[0] is not None)
            entries = tuple((e[0], e[1], date.fromisoformat(e[2]) if e[2] else None, e[3])
                            for e in row["entries"] if e[0] is not None)
            parties.append(RelatedParty(code, name, region, level, path, grades, entries, truncated))
        return sorted(parties, key=lambda p: (p.depth, p.uscc))

    def _rung(self, scheme: str, grade: str) -> int | None:
        return self.schemes.rung_of(scheme, grade)


def encode_cursor(position: int, prefix: str) -> str:
    return base64.urlsafe_b64encode(f"{prefix}{position}".encode()).decode()


def decode_cursor(cursor: str, prefix: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(prefix)
    if not text.startswith(prefix) or not number.isdigit() or len(number) > 18:
        raise WarningInputError(f"cursor {cursor!r} is not one this hub gave out for this list")
    return int(number)


def evidence_with_persons(warning: Warning, internal: bool) -> str:
    """The evidence JSON; for INTERNAL viewers with the legal representatives it names put back in."""
    evidence = json.loads(warning.evidence or "{}")
    if internal and warning.persons:
        evidence["persons"] = json.loads(warning.persons)
    return json.dumps(evidence, ensure_ascii=False, sort_keys=True)
