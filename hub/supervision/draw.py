"""双随机、一公开 — the double-random draw: random targets, randomly assigned inspectors, published.

A pure function of the inputs and a 32-byte seed. The seed is committed (its SHA-256 published)
before the population is frozen and revealed after, so no seed can be chosen to suit a known
population, and anyone holding the inputs recomputes the same draw. Randomness is HMAC-SHA256 in
counter mode, never :mod:`random` (not a published standard). ``docs/draw-protocol.md`` specifies
the protocol, algorithms and encodings; it changes with this module (and ``v2`` is bumped).

What is published must not reveal any subject's risk class (seed 004 第六条 "不向社会公开"), so v2
(a) commits to the population with a secret salt (a bare digest of a small population could be
brute-forced, 4^N guesses), (b) assigns inspectors in subject-code order, not in draw order (the
draw order is the strata in grade order, and the way inspectors' loads fill up would show it), and
(c) keeps per-grade figures out of the result document (per-grade totals beside an ordered list
gave every target's class away).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import count

from hub.errors import BadInput

SEED_BYTES = 32
DEFAULT_INSPECTORS_PER_TARGET = 2  # two law-enforcement officers per inspection
_VERSION = "v2"
PROTOCOL = _VERSION
SALT_BYTES = 32  # the population salt a hub makes; at least 16 are required of inputs
_TARGETS_LABEL = f"credit-hub/draw/{_VERSION}/targets/"
_INSPECTORS_LABEL = f"credit-hub/draw/{_VERSION}/inspectors"
_WORDS = struct.Struct(">4Q")  # one HMAC-SHA256 block = four big-endian 64-bit words
_SPAN = 1 << 64
# Fields are tab-separated, lines newline-terminated: C0 controls would make encodings ambiguous.
_CONTROL = re.compile(r"[\x00-\x1f]")


class DrawError(BadInput):
    """Inputs that cannot be drawn; ``str()`` names the offending value and the rule it breaks."""


class Mismatch(StrEnum):
    """A verification check that failed."""

    COMMITMENT = "commitment mismatch"
    RESULT = "result mismatch"
    DRAW = "draw failed"


@dataclass(frozen=True)
class Ratio:
    """抽查比例 — the minimum sampling ratio for one grade, in percent (seed 004 第十二–十五条)."""

    grade: str
    minimum_percent: Decimal

    def __post_init__(self) -> None:
        _check_text("grade", self.grade)
        percent = self.minimum_percent
        if isinstance(percent, int) and not isinstance(percent, bool):
            object.__setattr__(self, "minimum_percent", Decimal(percent))
        elif not isinstance(percent, Decimal) or not percent.is_finite():
            raise DrawError(f"ratio for grade {self.grade!r} must be a finite Decimal, got {percent!r} "
                            "(floats are inexact)")
        # seed 002 §三.(三).2: "抽查比例不设上限" for the worst class — so up to 100 %, never beyond.
        if not Decimal(0) < self.minimum_percent <= Decimal(100):
            raise DrawError(f"ratio for grade {self.grade!r} is {self.minimum_percent} %: "
                            "it must be greater than 0 and at most 100")


@dataclass(frozen=True)
class Inspector:
    """执法检查人员 — an inspector and the subject codes they must not inspect (回避)."""

    id: str
    name: str
    conflicts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_text("inspector id", self.id)
        _check_text(f"name of inspector {self.id!r}", self.name)
        if not isinstance(self.conflicts, frozenset):
            raise DrawError(f"conflicts of inspector {self.id!r} must be a frozenset of subject codes")
        for code in self.conflicts:
            _check_text(f"conflict of inspector {self.id!r}", code)


@dataclass(frozen=True)
class DrawInputs:
    """Everything the draw depends on except the seed; validated once, at construction.

    ``population_salt`` is secret (INTERNAL, like the grades): it makes the published population
    digest a hiding commitment.
    """

    plan_id: str
    department: str
    scheme: str
    ratios: tuple[Ratio, ...]
    population: tuple[tuple[str, str], ...]  # (subject code, grade): the frozen population
    inspectors: tuple[Inspector, ...]
    population_salt: bytes
    inspectors_per_target: int = DEFAULT_INSPECTORS_PER_TARGET

    def __post_init__(self) -> None:
        for field in ("plan_id", "department", "scheme"):
            _check_text(field, getattr(self, field))
        _check_salt(self.population_salt)
        per_target = self.inspectors_per_target
        if isinstance(per_target, bool) or not isinstance(per_target, int) or per_target < 1:
            raise DrawError(f"inspectors_per_target must be a positive integer, got {per_target!r}")
        _duplicates("grade in ratios", (ratio.grade for ratio in self.ratios))
        _duplicates("inspector id", (inspector.id for inspector in self.inspectors))
        _check_population(self.population, {ratio.grade for ratio in self.ratios})


@dataclass(frozen=True)
class Target:
    """A drawn subject and the inspectors assigned to it, in the order they were picked."""

    uscc: str
    grade: str
    inspectors: tuple[str, ...]


@dataclass(frozen=True)
class Stratum:
    """One grade's share of the draw: ``drawn`` = ceil(population × minimum_percent / 100)."""

    grade: str
    population: int
    minimum_percent: Decimal
    drawn: int


@dataclass(frozen=True)
class DrawResult:
    """Targets in draw order (INTERNAL), strata by grade (INTERNAL), and the SHA-256 of the
    canonical result document (public)."""

    targets: tuple[Target, ...]
    strata: tuple[Stratum, ...]
    digest: str


@dataclass(frozen=True)
class VerifyOutcome:
    """What :func:`verify` found: ``ok`` only when no check failed; ``detail`` explains failures."""

    failures: tuple[Mismatch, ...]
    recomputed_digest: str | None
    detail: str

    @property
    def ok(self) -> bool:
        return not self.failures


def _check_text(what: str, value: object) -> None:
    """Every text field is a non-empty string without control characters (they delimit encodings)."""
    if not isinstance(value, str) or not value:
        raise DrawError(f"{what} must be a non-empty string, got {value!r}")
    if _CONTROL.search(value):
        raise DrawError(f"{what} {value!r} contains a control character (tab, newline…)")
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise DrawError(f"{what} {value!r} is not valid Unicode text") from exc


def _duplicates(what: str, values: Iterable[str]) -> None:
    repeated = sorted(value for value, times in Counter(values).items() if times > 1)
    if repeated:
        raise DrawError(f"duplicate {what}: {', '.join(repeated)}")


def _check_population(population: tuple[tuple[str, str], ...], ratio_grades: set[str]) -> None:
    """Checks a million rows in bulk (a dict, joins and sets run in C); a per-row loop only on failure."""
    try:
        grade_of = dict(population)
        codes, grades = grade_of.keys(), set(grade_of.values())
        joined = "".join(codes) + "".join(grades)
    except (TypeError, ValueError) as exc:
        raise DrawError("population rows must be (subject code, grade) pairs of strings") from exc
    if "" in grade_of or "" in grades or _CONTROL.search(joined) or not joined.isprintable():
        for code, grade in population:
            _check_text("subject code", code)
            _check_text(f"grade of subject {code!r}", grade)
    if len(grade_of) != len(population):
        _duplicates("subject in population", (code for code, _ in population))
    missing = sorted(grades - ratio_grades)
    if missing:
        raise DrawError(f"grade without a ratio: {', '.join(missing)} (every grade in the population "
                        "needs a minimum sampling ratio)")


def _check_salt(salt: object) -> None:
    if not isinstance(salt, bytes) or len(salt) < 16:
        raise DrawError(f"population salt must be at least 16 random bytes, got "
                        f"{len(salt) if isinstance(salt, bytes) else type(salt).__name__}")


def percent_text(percent: Decimal) -> str:
    """A percentage as every document writes it (§4): ``1``, ``0.5``, ``20`` for ``20.0``."""
    return _percent_text(percent)


def _percent_text(percent: Decimal) -> str:
    """Canonical decimal text: no exponent, no trailing zeros (3.0 and 3 encode alike)."""
    text = format(percent, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def sample_size(population: int, minimum_percent: Decimal) -> int:
    """ceil(N × p / 100) in exact integers, so a stratum never yields less than its ratio demands."""
    numerator, denominator = minimum_percent.as_integer_ratio()
    return -(-population * numerator // (100 * denominator))


def seed_commitment(seed: bytes) -> str:
    """Hex SHA-256 of the seed — published before the population is frozen."""
    _check_seed(seed)
    return hashlib.sha256(seed).hexdigest()


def _check_seed(seed: bytes) -> None:
    if not isinstance(seed, bytes) or len(seed) < SEED_BYTES:
        raise DrawError(f"seed must be at least {SEED_BYTES} random bytes, got "
                        f"{len(seed) if isinstance(seed, bytes) else type(seed).__name__}")


def _strata_codes(population: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Grade → its subject codes in canonical (code point) order; grades in canonical order too."""
    groups: dict[str, list[str]] = {}
    for code, grade in population:
        groups.setdefault(grade, []).append(code)
    for codes in groups.values():
        codes.sort()
    return dict(sorted(groups.items()))


def _digest_groups(groups: dict[str, list[str]], salt: bytes) -> str:
    """SHA-256 over a header, the salt, and ``grade TAB code LF`` lines sorted by grade then code."""
    hasher = hashlib.sha256(f"credit-hub/draw-population/{_VERSION}\nsalt\t{salt.hex()}\n".encode())
    for grade, codes in groups.items():
        if codes:
            prefix = grade + "\t"
            hasher.update((prefix + ("\n" + prefix).join(codes) + "\n").encode())
    return hasher.hexdigest()


def population_digest(population: Iterable[tuple[str, str]], salt: bytes) -> str:
    """Hex SHA-256 of the salted canonical population — published when the population is frozen.

    Without the secret salt, whoever knows which subjects a plan covers could try every assignment
    of grades to them (4^N for four grades) until the digest matched; with it, the digest says
    nothing (docs/draw-protocol.md §4.2)."""
    _check_salt(salt)
    return _digest_groups(_strata_codes(population), salt)


def _pool_lines(inspectors: Iterable[Inspector]) -> Iterator[str]:
    yield f"credit-hub/draw-pool/{_VERSION}"
    ordered = sorted(inspectors, key=lambda inspector: inspector.id)
    for inspector in ordered:
        yield f"inspector\t{inspector.id}\t{inspector.name}"
    for inspector in ordered:
        for code in sorted(inspector.conflicts):
            yield f"conflict\t{inspector.id}\t{code}"


def pool_digest(inspectors: Iterable[Inspector]) -> str:
    """Hex SHA-256 of the frozen inspector pool: ids, names and conflicts (回避), in canonical order."""
    return _sha256(_text(_pool_lines(inspectors)))


def _text(lines: Iterable[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _inputs_lines(inputs: DrawInputs, population_hex: str) -> Iterator[str]:
    yield f"credit-hub/draw-inputs/{_VERSION}"
    yield f"plan\t{inputs.plan_id}"
    yield f"department\t{inputs.department}"
    yield f"scheme\t{inputs.scheme}"
    yield f"inspectors-per-target\t{inputs.inspectors_per_target}"
    for ratio in sorted(inputs.ratios, key=lambda ratio: ratio.grade):
        yield f"ratio\t{ratio.grade}\t{_percent_text(ratio.minimum_percent)}"
    yield f"pool\t{pool_digest(inputs.inspectors)}"
    yield f"population\t{population_hex}"


def inputs_text(inputs: DrawInputs) -> str:
    """The canonical inputs document; pool and population appear only as their digests."""
    return _text(_inputs_lines(inputs, population_digest(inputs.population, inputs.population_salt)))


def inputs_digest(inputs: DrawInputs) -> str:
    """Hex SHA-256 of everything the draw depends on except the seed."""
    return _sha256(inputs_text(inputs))


def _result_lines(inputs_hex: str, commitment: str, population: int, targets: Sequence[Target]) -> Iterator[str]:
    yield f"credit-hub/draw-result/{_VERSION}"
    yield f"inputs\t{inputs_hex}"
    yield f"seed-commitment\t{commitment}"
    yield f"population\t{population}"
    yield f"targets\t{len(targets)}"
    # Sorted by code, without grades and without per-grade figures, so the document can be
    # published (一公开) without revealing any subject's class: SAMR risk classes are internal
    # (seed 004 第六条). An INTERNAL verifier recomputes the strata from the population.
    for target in sorted(targets, key=lambda target: target.uscc):
        yield "\t".join(("target", target.uscc, *target.inspectors))


def result_text(inputs: DrawInputs, seed: bytes, result: DrawResult) -> str:
    """The canonical result document whose SHA-256 is ``result.digest``; reveals no subject's grade."""
    return _text(_result_lines(inputs_digest(inputs), seed_commitment(seed), len(inputs.population),
                               result.targets))


class _Stream:
    """Uniform integers from HMAC-SHA256(seed, label ‖ counter as 8-byte big-endian), counter 0, 1, …"""

    def __init__(self, seed: bytes, label: str) -> None:
        self._words = self._generate(seed, label.encode())

    @staticmethod
    def _generate(seed: bytes, label: bytes) -> Iterator[int]:
        for counter in count():
            yield from _WORDS.unpack(hmac.digest(seed, label + counter.to_bytes(8, "big"), "sha256"))

    def below(self, bound: int) -> int:
        """Uniform in [0, bound): words at or above the last whole multiple of bound are rejected."""
        limit = _SPAN - _SPAN % bound
        while True:
            word = next(self._words)
            if word < limit:
                return word % bound


def _sample(codes: list[str], size: int, stream: _Stream) -> list[str]:
    """Partial Fisher–Yates: the first ``size`` positions of an in-place shuffle, in draw order."""
    total = len(codes)
    for position in range(size):
        chosen = position + stream.below(total - position)
        codes[position], codes[chosen] = codes[chosen], codes[position]
    return codes[:size]


class _Roster:
    """Inspector loads, bucketed by load so a least-loaded pick costs O(exclusions), not O(inspectors).

    Equivalent to the documented rule: among the eligible inspectors with the minimum current load,
    listed in canonical (id) order, take the one at index ``below(count)``.
    """

    def __init__(self, size: int) -> None:
        self.load = [0] * size
        self.buckets: dict[int, list[int]] = {0: list(range(size))}
        self.floor = 0

    def pick(self, excluded: set[int], below: Callable[[int], int]) -> int:
        level = self.floor
        while True:
            bucket = self.buckets.get(level, [])
            skipped = sorted(bisect_left(bucket, i) for i in excluded if self.load[i] == level)
            available = len(bucket) - len(skipped)
            if available > 0:
                index = below(available)
                for position in skipped:  # step over excluded inspectors at or before the index
                    if position > index:
                        break
                    index += 1
                return self._promote(bucket.pop(index), level)
            level += 1

    def _promote(self, inspector: int, level: int) -> int:
        self.load[inspector] = level + 1
        insort(self.buckets.setdefault(level + 1, []), inspector)
        if not self.buckets[level]:
            del self.buckets[level]
            while self.floor not in self.buckets:
                self.floor += 1
        return inspector


def _assign(inputs: DrawInputs, drawn: list[tuple[str, str]], seed: bytes) -> dict[str, tuple[str, ...]]:
    """Picks ``inspectors_per_target`` distinct, unconflicted, least-loaded inspectors per target,
    visiting the targets in code order: in draw order (grade by grade) the rounds in which the
    loads fill up would mark which targets were drawn together, i.e. share a class."""
    inspectors = sorted(inputs.inspectors, key=lambda inspector: inspector.id)
    conflicted: dict[str, set[int]] = {}
    for index, inspector in enumerate(inspectors):
        for code in inspector.conflicts:
            conflicted.setdefault(code, set()).add(index)
    roster, stream = _Roster(len(inspectors)), _Stream(seed, _INSPECTORS_LABEL)
    needed = inputs.inspectors_per_target
    assigned: dict[str, tuple[str, ...]] = {}
    for code in sorted(code for code, _ in drawn):
        excluded = set(conflicted.get(code, ()))
        if len(inspectors) - len(excluded) < needed:
            names = ", ".join(sorted(inspectors[i].id for i in excluded)) or "none"
            raise DrawError(f"not enough eligible inspectors for subject {code}: {needed} needed, "
                            f"{len(inspectors) - len(excluded)} of {len(inspectors)} eligible "
                            f"(conflicted: {names})")
        picked = []
        for _ in range(needed):
            chosen = roster.pick(excluded, stream.below)
            excluded.add(chosen)
            picked.append(inspectors[chosen].id)
        assigned[code] = tuple(picked)
    return assigned


def draw(inputs: DrawInputs, seed: bytes) -> DrawResult:
    """The draw: per stratum ceil(N × p / 100) targets, then inspectors for each target in code order."""
    _check_seed(seed)
    groups = _strata_codes(inputs.population)
    inputs_hex = _sha256(_text(_inputs_lines(inputs, _digest_groups(groups, inputs.population_salt))))
    percents = {ratio.grade: ratio.minimum_percent for ratio in inputs.ratios}
    strata: list[Stratum] = []
    drawn: list[tuple[str, str]] = []
    for grade in sorted(percents):
        codes = groups.get(grade, [])
        size = sample_size(len(codes), percents[grade])
        strata.append(Stratum(grade, len(codes), percents[grade], size))
        sample = _sample(codes, size, _Stream(seed, _TARGETS_LABEL + grade))  # shuffles codes in place
        drawn.extend((code, grade) for code in sample)
    assigned = _assign(inputs, drawn, seed)
    targets = tuple(Target(code, grade, assigned[code]) for code, grade in drawn)
    digest = _sha256(_text(_result_lines(inputs_hex, seed_commitment(seed), len(inputs.population), targets)))
    return DrawResult(targets, tuple(strata), digest)


def verify(inputs: DrawInputs, seed: bytes, commitment: str, result_digest: str) -> VerifyOutcome:
    """Recomputes the draw from the published inputs and revealed seed; reports every failed check."""
    try:
        recomputed = draw(inputs, seed)
    except DrawError as exc:
        return VerifyOutcome((Mismatch.DRAW,), None, f"{Mismatch.DRAW}: {exc}")
    checks = ((Mismatch.COMMITMENT, "SHA-256 of the revealed seed", seed_commitment(seed), commitment),
              (Mismatch.RESULT, "recomputed result digest", recomputed.digest, result_digest))
    failed = [(check, f"{check}: {what} is {ours}, published {theirs}")
              for check, what, ours, theirs in checks if ours != theirs.strip().lower()]
    details = "; ".join(detail for _, detail in failed) or "ok"
    return VerifyOutcome(tuple(check for check, _ in failed), recomputed.digest, details)
