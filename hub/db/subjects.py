"""Cypher for subjects: profiles of many subjects in one round trip, and keyset-paged search.

Graph shape (docs/data-model.md):
  (:Subject)-[:LEGAL_REPRESENTATIVE]->(:Person)
  (:Record)-[:ABOUT]->(:Subject), (:Record)-[:ISSUED_BY]->(:Department)
  (:Evaluation)-[:OF]->(:Subject)
  (:Consent)-[:GIVEN_BY]->(:Subject), (:Consent)-[:GRANTED_TO]->(:Organization)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from hub.db.consents import consent_from_row, consent_map
from hub.db.gateway import Neo4jGateway, temporal
from hub.disclosure import Disclosure, Viewer, within_reach
from hub.models import (
    CreditRecord,
    Evaluation,
    Person,
    RecordKind,
    RecordStatus,
    Severity,
    Subject,
    SubjectKind,
    SubjectProfile,
)
from hub.profiles import CURRENCY, UNDER_OBJECTION, ProfilePart, ProfileShape, Shape, SubjectPage

# What the tier rule needs of every item, asked for or not (hub.disclosure.Access.may_see), and the
# identifying strings. Temporal properties are loaded only when asked for: decoding them is most of
# what a driver spends on a row. An evaluation's currency (Evaluation.is_current) needs CURRENCY.
_RECORD_ALWAYS = frozenset({"id", "kind", "disclosure", "status", "publicity_ends_on"})
_EVALUATION_ALWAYS = frozenset({"id", "scheme", "grade", "disclosure"})
RECORD_PROPERTIES = _RECORD_ALWAYS | {"title", "decided_on", "issuing_department", "source_platform", "severity",
                                      "document_number", "content", "amount_wan_yuan", "kept"}
EVALUATION_PROPERTIES = _EVALUATION_ALWAYS | CURRENCY | {"score", "level", "evaluator", "explanation",
                                                         "previous_grade", "computed_by", "origin_platform",
                                                         "issued_in_name_of", "issuer", "authoritative"}
_TEMPORAL = frozenset({"decided_on", "publicity_ends_on", "evaluated_at", "valid_until", "superseded_at"})

_PERSON = """
CALL (s) {
  OPTIONAL MATCH (s)-[:LEGAL_REPRESENTATIVE]->(p:Person)
  RETURN p { .name, .id_masked, .id_sealed } AS person LIMIT 1
}"""
_RECORDS = """
CALL (s) {
  OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record) WHERE $disclosures IS NULL OR r.disclosure IN $disclosures
  WITH r ORDER BY r.decided_on DESC, r.id
  RETURN collect(r { %s }) AS records
}"""
_EVALUATIONS = """
CALL (s) {
  OPTIONAL MATCH (s)<-[:OF]-(e:Evaluation) WHERE $disclosures IS NULL OR e.disclosure IN $disclosures
  WITH e ORDER BY e.evaluated_at DESC, e.id
  RETURN collect(e { %s }) AS evaluations
}"""
_CURRENT = """
CALL (s) {
  OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation) WHERE $disclosures IS NULL OR e.disclosure IN $disclosures
  WITH e ORDER BY e.evaluated_at DESC, e.id
  RETURN collect(e { %s }) AS evaluations
}"""
_CONSENTS = """
CALL (s) {
  OPTIONAL MATCH (s)<-[:GIVEN_BY]-(c:Consent) WHERE c.grantee = $grantee
  RETURN collect(""" + consent_map("s.uscc") + """) AS consents
}"""
_NO_CONSENTS = "\nWITH s, person, records, evaluations, [] AS consents"  # a viewer without a grantee has none
_RETURN = """
RETURN collect({subject: s { .uscc, .name, .kind, .region, .industry, .status,
                             registered_on: toString(s.registered_on) },
                person: person, records: records, evaluations: evaluations, consents: consents}) AS profiles
"""


def _projection(variable: str, wanted: frozenset[str] | None, always: frozenset[str],
                known: frozenset[str]) -> str:
    """``.a, .b, under_objection: EXISTS {…}`` — the properties asked for (all when ``wanted`` is None)."""
    if wanted is None:
        names, objection = [".*"], True
    else:
        # temporal values travel as ISO text: parsed by datetime.fromisoformat, ~30 times cheaper
        # than the driver's temporal types (hub.db.gateway.temporal)
        names = [f"{name}: toString({variable}.{name})" if name in _TEMPORAL else "." + name
                 for name in sorted((wanted & known) | always)]
        objection = UNDER_OBJECTION in wanted
    if objection:
        # here, the objection itself; on a copy from below, the state its issuer sent (hub.db.rights)
        names.append(f"{UNDER_OBJECTION}: (EXISTS {{ ({variable})<-[:CONTESTS]-(:Objection {{status: 'PENDING'}}) }}"
                     f" OR coalesce({variable}.objection_pending, false))")
    return ", ".join(names)


@lru_cache(maxsize=256)
def profile_cypher(shape: ProfileShape, consents: bool = True) -> str:
    """The profile projection for ``shape``: only the subqueries and properties it asks for, and the
    bank's consents (``$grantee``) only with ``consents`` — a viewer who is no bank has none to read (its
    subquery per subject cost 0.3 ms of a page of 100's 6.3). One statement per shape (Neo4j caches each
    plan); property names come from the lists above only.

    It returns one row, ``profiles``, a list of every subject's map: the driver decodes a message per
    row in Python, and one row holding a page of 100 costs half the client CPU of 100 rows."""
    parts = shape.parts
    blocks = []
    if ProfilePart.LEGAL_REPRESENTATIVE in parts:
        blocks.append(_PERSON)
    else:
        blocks.append("\nWITH s, null AS person")
    if ProfilePart.RECORDS in parts:
        blocks.append(_RECORDS % _projection("r", shape.record_properties, _RECORD_ALWAYS, RECORD_PROPERTIES))
    else:
        blocks.append("\nWITH s, person, [] AS records")
    evaluations = _projection("e", shape.evaluation_properties, _EVALUATION_ALWAYS, EVALUATION_PROPERTIES)
    if ProfilePart.EVALUATIONS in parts:
        blocks.append(_EVALUATIONS % evaluations)
    elif ProfilePart.CURRENT_EVALUATIONS in parts:
        blocks.append(_CURRENT % evaluations)
    else:
        blocks.append("\nWITH s, person, records, [] AS evaluations")
    blocks.append(_CONSENTS if consents else _NO_CONSENTS)
    blocks.append(_RETURN)
    return "".join(blocks)


def by_codes_cypher(shape: ProfileShape, consents: bool = True) -> str:
    """Profiles of the subjects in ``$usccs`` (and the parameters of :func:`viewer_parameters`)."""
    return "UNWIND $usccs AS code MATCH (s:Subject {uscc: code})" + profile_cypher(shape, consents)


def viewer_parameters(viewer: Viewer) -> dict[str, Any]:
    """What a profile statement is told of its viewer: ``$grantee`` selects a bank's consents;
    ``$disclosures`` leaves out the records and evaluations above the viewer's reach, which the tier
    rule would refuse it anyway (hub.disclosure.within_reach) — half of a page's evaluations, for
    PUBLIC, that would otherwise be read, shipped and built only to be dropped."""
    return {"grantee": viewer.grantee, "disclosures": within_reach(viewer.reach)}


async def load_profiles(
    gateway: Neo4jGateway, usccs: Iterable[str], parts: Shape, viewer: Viewer,
) -> dict[str, SubjectProfile]:
    """Profiles of the known subjects among ``usccs`` (unknown codes are absent from the map), holding
    what ``viewer`` could be shown."""
    rows = await gateway.query(by_codes_cypher(ProfileShape.of(parts), consents=viewer.grantee is not None),
                               {"usccs": sorted(set(usccs)), **viewer_parameters(viewer)}, plain=True)
    profiles = (_profile(row) for row in rows[0]["profiles"])
    return {profile.subject.uscc: profile for profile in profiles}


async def search_subjects(
    gateway: Neo4jGateway, *, code_prefix: str | None, name_contains: str | None,
    after: str | None, limit: int, parts: Shape, viewer: Viewer,
) -> SubjectPage:
    """One page of subjects ordered by code (keyset pagination on the unique code index)."""
    # Only the predicates in use: "$x IS NULL OR …" would stop the planner from walking the code
    # index in order, turning every page into a scan and sort of all subjects.
    where = ["s.uscc > $after"]
    if code_prefix is not None:
        where.append("s.uscc STARTS WITH $prefix")
    if name_contains is not None:
        where.append("s.name CONTAINS $name")
    query = "MATCH (s:Subject) WHERE " + " AND ".join(where) + " WITH s ORDER BY s.uscc LIMIT $limit"
    query += profile_cypher(ProfileShape.of(parts), consents=viewer.grantee is not None)
    [row] = await gateway.query(query, {"after": after or "", "prefix": code_prefix, "name": name_contains,
                                        "limit": limit + 1, **viewer_parameters(viewer)}, plain=True)
    rows = sorted(row["profiles"], key=_code)  # collect() keeps the order it is given; sorted, not assumed
    profiles = tuple(_profile(row) for row in rows[:limit])
    return SubjectPage(profiles, has_next=len(rows) > limit)


def _code(row: Mapping[str, Any]) -> str:
    return str(row["subject"]["uscc"])


async def count_matching(gateway: Neo4jGateway, *, code_prefix: str | None, name_contains: str | None) -> int:
    """How many subjects a search matches (every page of it): subjects are registration facts, PUBLIC to
    every viewer (SPEC §1), so the count shows nothing a viewer could not page through itself."""
    where = ["true"]
    if code_prefix is not None:
        where.append("s.uscc STARTS WITH $prefix")
    if name_contains is not None:
        where.append("s.name CONTAINS $name")
    rows = await gateway.query("MATCH (s:Subject) WHERE " + " AND ".join(where) + " RETURN count(s) AS n",
                               {"prefix": code_prefix, "name": name_contains})
    return int(rows[0]["n"])


async def with_most_authorized_records(gateway: Neo4jGateway) -> tuple[str, str] | None:
    """A subject whose AUTHORIZED records a consenting bank would see (the most such records; the lowest
    code among equals): what the README's tour shows a bank. None when no subject has any."""
    rows = await gateway.query("""
        MATCH (r:Record {disclosure: 'AUTHORIZED'})-[:ABOUT]->(s:Subject)
        WITH s, count(r) AS n ORDER BY n DESC, s.uscc LIMIT 1
        RETURN s.uscc AS uscc, s.name AS name""")
    return (str(rows[0]["uscc"]), str(rows[0]["name"])) if rows else None


async def count_subjects(gateway: Neo4jGateway, region_prefix: str | None = None) -> int:
    """Every subject, or those whose region code starts with ``region_prefix`` (a range on its index)."""
    if region_prefix is None:
        rows = await gateway.run("MATCH (s:Subject) RETURN count(s) AS n")
    else:
        rows = await gateway.run("MATCH (s:Subject) WHERE s.region STARTS WITH $prefix RETURN count(s) AS n",
                                 {"prefix": region_prefix})
    return int(rows[0]["n"])


def _profile(row: Mapping[str, Any]) -> SubjectProfile:
    node = row["subject"]
    person_row = row.get("person")
    person = None
    if person_row and person_row.get("name"):
        person = Person(name=person_row["name"], id_masked=person_row["id_masked"],
                        id_sealed=person_row["id_sealed"], subject_uscc=node["uscc"])
    subject = stored(
        Subject, uscc=node["uscc"], name=node["name"], kind=SUBJECT_KINDS[node["kind"]],
        region=node["region"], industry=node.get("industry"), status=node.get("status") or "存续",
        registered_on=temporal(node.get("registered_on")), legal_representative=person,
    )
    return stored(
        SubjectProfile, subject=subject,
        records=tuple([record_from_row(r, subject.uscc) for r in row["records"]]),
        evaluations=tuple([evaluation_from_row(e, subject.uscc) for e in row["evaluations"]]),
        consents=tuple([consent_from_row(c) for c in row["consents"]]),
    )


def record_from_row(row: Mapping[str, Any], uscc: str) -> CreditRecord:
    get = row.get
    return stored(
        CreditRecord,
        id=row["id"], subject_uscc=uscc, kind=RECORD_KINDS[row["kind"]], title=get("title") or "",
        decided_on=temporal(get("decided_on")), issuing_department=get("issuing_department"),
        source_platform=get("source_platform"), disclosure=DISCLOSURES[row["disclosure"]],
        status=RECORD_STATUSES[get("status") or "ACTIVE"],
        severity=SEVERITIES[row["severity"]] if get("severity") else None,
        publicity_ends_on=temporal(get("publicity_ends_on")),
        document_number=get("document_number"), content=get("content"),
        amount_wan_yuan=get("amount_wan_yuan"), kept=get("kept"),
        under_objection=bool(get("under_objection")),
    )


def evaluation_from_row(row: Mapping[str, Any], uscc: str) -> Evaluation:
    if row.keys() <= _COPIED_EVALUATION_KEYS:  # a list's grades and scores: 1.2–1.5 µs, not 2.9–4.5
        item = object.__new__(Evaluation)
        item.__dict__.update({**_BLANK_EVALUATION, **row, "subject_uscc": uscc,
                              "disclosure": DISCLOSURES[row["disclosure"]]})
        return item
    get = row.get
    return stored(
        Evaluation,
        id=row["id"], subject_uscc=uscc, scheme=row["scheme"], score=get("score"),
        grade=row["grade"], level=get("level"), disclosure=DISCLOSURES[row["disclosure"]],
        evaluated_at=temporal(get("evaluated_at")), valid_until=temporal(get("valid_until")),
        evaluator=get("evaluator"), explanation=get("explanation"),
        superseded_at=temporal(get("superseded_at")), previous_grade=get("previous_grade"),
        under_objection=bool(get("under_objection")),
        computed_by=get("computed_by") or get("origin_platform"),
        issued_in_name_of=get("issued_in_name_of") or get("issuer"),
        authoritative=get("authoritative"),
    )


# Keys an evaluation row holds under its field's own name and as the field holds it (no conversion, no
# fallback to another key); a row of only these is copied over an evaluation of nothing but defaults.
_COPIED_EVALUATION_KEYS = frozenset({"id", "scheme", "grade", "disclosure", "score", "level", "evaluator",
                                     "explanation", "previous_grade", "authoritative"})
_BLANK_EVALUATION = {field.name: None if field.default is dataclasses.MISSING else field.default
                     for field in dataclasses.fields(Evaluation)}

# Enum members by value: a dict look-up, where calling the enum class costs half a microsecond.
RECORD_KINDS = {kind.value: kind for kind in RecordKind}
RECORD_STATUSES = {status.value: status for status in RecordStatus}
SEVERITIES = {severity.value: severity for severity in Severity}
DISCLOSURES = {disclosure.value: disclosure for disclosure in Disclosure}
SUBJECT_KINDS = {kind.value: kind for kind in SubjectKind}

_Stored = TypeVar("_Stored", CreditRecord, Evaluation, Subject, SubjectProfile)


def stored(cls: type[_Stored], **fields: Any) -> _Stored:
    """``cls(**fields)`` for a frozen dataclass, without its ``__init__``, which sets each field through
    ``object.__setattr__``: an evaluation row took 5.4–5.7 µs to build, now 2.9–4.3; a record row (with
    the enum look-ups above) 6.6–8.2, now 2.9–3.3 — about 0.6 ms of a page of 100 subjects, 0.6 s of a
    batch evaluation of 100,000. Every field is given (tests/test_profile_selection.py checks it against
    the dataclass); the object is as frozen as one built the usual way."""
    item = object.__new__(cls)
    item.__dict__.update(fields)
    return item
