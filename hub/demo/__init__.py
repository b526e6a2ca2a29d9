"""A deterministic, realistic synthetic data set for demos, UI work and load tests.

Real credit data may not leave the platforms, so the hub ships a generator whose data tells the same
story real data would: most subjects are 郏县 enterprises and shops in good standing; some carry
penalties (some still inside their publicity window, some past it, a few repaired); about 3 % sit on
the serious-dishonesty list or are 失信被执行人, and their grades show it. The same
``(seed, subjects, as_of)`` always gives the same rows (one ``random.Random``, ordered tables, ids
counted, no uuid), except the sealed resident IDs, which carry a random nonce by design.

The modules: ``catalog`` (the reference tables), ``state`` (the random stream, counters and codes a
run shares), ``subjects``, ``records`` and ``evaluations`` (the three things drawn per subject),
``grades`` (small classification helpers for those evaluation rows), ``identifiers`` (valid codes and
IDs), ``dataset`` (``generate``, which draws them in order), ``loading`` (``load``, which writes a data
set to Neo4j) and ``year`` (``populate``: what ``hub demo load`` does — load the subjects and records,
grade them with the engine, replay a county hub's year through its services, grade again).

The generator's own evaluation rows serve the bulk path only (``hub load --demo-subjects``, ``hub demo
export``: an archive carries the evaluations made elsewhere); ``hub demo load`` leaves them out.
"""

from __future__ import annotations

from hub.demo.dataset import DemoData, generate
from hub.demo.grades import (
    HENAN_PUBLIC,
    HENAN_RISK,
    JIAXIAN_INDUSTRY,
    QUANZHOU,
    SHANXI,
    SHANXI_LEVELS,
    SHANXI_RANGES,
    Band,
    classify,
    heilongjiang_grade,
    henan_public_grade,
    henan_risk_grade,
    shanxi_grade,
)
from hub.demo.identifiers import organization_code, resident_id, social_credit_code
from hub.demo.loading import CHUNK, Upsert, load
from hub.demo.records import LIST_MONTHS, PUBLICITY
from hub.demo.year import YearReplay, populate
from hub.rights.publicity import add_months  # re-exported: callers reach it through hub.demo

__all__ = [
    "CHUNK",
    "HENAN_PUBLIC",
    "HENAN_RISK",
    "JIAXIAN_INDUSTRY",
    "LIST_MONTHS",
    "PUBLICITY",
    "QUANZHOU",
    "SHANXI",
    "SHANXI_LEVELS",
    "SHANXI_RANGES",
    "Band",
    "DemoData",
    "Upsert",
    "YearReplay",
    "add_months",
    "classify",
    "generate",
    "heilongjiang_grade",
    "henan_public_grade",
    "henan_risk_grade",
    "load",
    "organization_code",
    "populate",
    "resident_id",
    "shanxi_grade",
    "social_credit_code",
]
