"""双随机、一公开 (SPEC 2.2): the draw meets every ratio, respects conflicts and is verifiable."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from itertools import count, islice

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hub.supervision.draw import (
    DrawError,
    DrawInputs,
    DrawResult,
    Inspector,
    Mismatch,
    Ratio,
    _assign,
    _Stream,
    draw,
    inputs_digest,
    inputs_text,
    pool_digest,
    population_digest,
    result_text,
    sample_size,
    seed_commitment,
    verify,
)
from tests.builders import uscc

SEED = bytes(range(32))
SALT = bytes(range(100, 132))
GRADES = ("A", "B", "C", "D", "严重失信")
SEED_004 = (Ratio("A", Decimal(1)), Ratio("B", Decimal(3)), Ratio("C", Decimal(10)), Ratio("D", Decimal(20)))


def _inputs(population: tuple[tuple[str, str], ...], ratios: tuple[Ratio, ...] = SEED_004,
            inspectors: tuple[Inspector, ...] | None = None, per_target: int = 2) -> DrawInputs:
    if inspectors is None:
        inspectors = tuple(Inspector(f"E{i:02d}", f"检查员{i}", frozenset()) for i in range(6))
    return DrawInputs("2024-豫-001", "河南省市场监督管理局", "samr-risk-2024", ratios, population,
                      inspectors, SALT, per_target)


def _stratum(grade: str, size: int, offset: int = 0) -> tuple[tuple[str, str], ...]:
    return tuple((uscc(offset + i), grade) for i in range(size))


@st.composite
def cases(draw_: st.DrawFn) -> tuple[DrawInputs, bytes]:
    """Random grade mixes (empty and tiny strata included) and inspector pools with conflicts."""
    serials = draw_(st.lists(st.integers(0, 10**9), max_size=60, unique=True))
    grades = draw_(st.lists(st.sampled_from(GRADES), min_size=len(serials), max_size=len(serials)))
    population = tuple((uscc(serial), grade) for serial, grade in zip(serials, grades, strict=True))
    ratio_grades = set(grades) | draw_(st.sets(st.sampled_from(GRADES)))  # extra grades: empty strata
    percents = st.decimals(Decimal("0.01"), Decimal(100), places=2) | st.just(Decimal(100))
    ratios = tuple(Ratio(grade, draw_(percents)) for grade in sorted(ratio_grades))
    per_target = draw_(st.integers(1, 3))
    size = draw_(st.integers(per_target, 10))
    codes = [code for code, _ in population]
    pair = st.tuples(st.integers(0, size - 1), st.sampled_from(codes or [""]))
    pairs = draw_(st.lists(pair, max_size=40 if codes else 0))
    conflicts: dict[int, set[str]] = {i: set() for i in range(size)}
    per_code: Counter[str] = Counter()
    for inspector, code in pairs:  # cap conflicts so every subject keeps enough eligible inspectors
        if code not in conflicts[inspector] and per_code[code] < size - per_target:
            conflicts[inspector].add(code)
            per_code[code] += 1
    inspectors = tuple(Inspector(f"E{i:02d}", f"检查员{i}", frozenset(conflicts[i])) for i in range(size))
    seed = draw_(st.binary(min_size=32, max_size=40))
    return _inputs(population, ratios, inspectors, per_target), seed


def _words(seed: bytes, label: str) -> Iterator[int]:
    """docs/draw-protocol.md §3.1, naively."""
    for counter in count():
        block = hmac.new(seed, label.encode() + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        yield from (int.from_bytes(block[i:i + 8], "big") for i in range(0, 32, 8))


def _below(stream: Iterator[int], bound: int) -> int:
    limit = 2**64 - 2**64 % bound
    return next(word for word in stream if word < limit) % bound


def _reference_targets(inputs: DrawInputs, seed: bytes) -> list[tuple[str, str, tuple[str, ...]]]:
    """docs/draw-protocol.md §3 implemented naively, straight from the text, for comparison."""
    drawn = []
    for ratio in sorted(inputs.ratios, key=lambda ratio: ratio.grade):
        codes = sorted(code for code, grade in inputs.population if grade == ratio.grade)
        size = math.ceil(len(codes) * Fraction(ratio.minimum_percent) / 100)
        stream = _words(seed, "credit-hub/draw/v2/targets/" + ratio.grade)
        for i in range(size):
            j = i + _below(stream, len(codes) - i)
            codes[i], codes[j] = codes[j], codes[i]
        drawn += [(code, ratio.grade) for code in codes[:size]]
    inspectors = sorted(inputs.inspectors, key=lambda inspector: inspector.id)
    load = dict.fromkeys((inspector.id for inspector in inspectors), 0)
    stream, assigned = _words(seed, "credit-hub/draw/v2/inspectors"), {}
    for code in sorted(code for code, _ in drawn):  # §3.3: in code order, not draw order
        chosen: list[str] = []
        for _ in range(inputs.inspectors_per_target):
            eligible = [i.id for i in inspectors if code not in i.conflicts and i.id not in chosen]
            lowest = [i for i in eligible if load[i] == min(load[e] for e in eligible)]
            chosen.append(lowest[_below(stream, len(lowest))])
            load[chosen[-1]] += 1
        assigned[code] = tuple(chosen)
    return [(code, grade, assigned[code]) for code, grade in drawn]


@given(cases())
def test_every_stratum_meets_its_ratio_without_repeats_or_conflicts(case: tuple[DrawInputs, bytes]) -> None:
    inputs, seed = case
    result = draw(inputs, seed)
    sizes = Counter(grade for _, grade in inputs.population)
    for ratio, stratum in zip(sorted(inputs.ratios, key=lambda r: r.grade), result.strata, strict=True):
        assert stratum.grade == ratio.grade and stratum.population == sizes[ratio.grade]
        assert math.ceil(stratum.population * Fraction(ratio.minimum_percent) / 100) <= stratum.drawn
        assert stratum.drawn <= stratum.population
        assert stratum.drawn == sum(target.grade == ratio.grade for target in result.targets)
    assert len({target.uscc for target in result.targets}) == len(result.targets)
    grade_of, conflicts = dict(inputs.population), {i.id: i.conflicts for i in inputs.inspectors}
    for target in result.targets:
        assert grade_of[target.uscc] == target.grade
        assert len(set(target.inspectors)) == len(target.inspectors) == inputs.inspectors_per_target
        assert all(target.uscc not in conflicts[inspector] for inspector in target.inspectors)


@given(cases())
def test_the_draw_is_what_the_protocol_document_says(case: tuple[DrawInputs, bytes]) -> None:
    inputs, seed = case
    expected = _reference_targets(inputs, seed)
    assert [(t.uscc, t.grade, t.inspectors) for t in draw(inputs, seed).targets] == expected


@given(cases())
def test_same_inputs_and_seed_give_the_same_draw(case: tuple[DrawInputs, bytes]) -> None:
    inputs, seed = case
    again = replace(inputs, population=tuple(inputs.population), inspectors=tuple(inputs.inspectors))
    assert draw(inputs, seed) == draw(again, seed)


@given(cases(), st.data())
def test_input_order_does_not_change_the_draw(case: tuple[DrawInputs, bytes], data: st.DataObject) -> None:
    inputs, seed = case
    shuffled = replace(inputs, population=tuple(data.draw(st.permutations(inputs.population))),
                       inspectors=tuple(data.draw(st.permutations(inputs.inspectors))),
                       ratios=tuple(data.draw(st.permutations(inputs.ratios))))
    assert draw(shuffled, seed) == draw(inputs, seed)
    assert inputs_digest(shuffled) == inputs_digest(inputs)


@given(st.integers(64, 200), st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_a_different_seed_gives_a_different_draw(size: int, seed: bytes, other: bytes) -> None:
    # 20 % of N ≥ 64 draws k ≥ 13 subjects; two seeds give the same ordered sample with probability
    # 1 / (N!/(N−k)!) ≤ 1 / (64·63·…·52) < 2^-76 (HMAC-SHA256 taken as a pseudorandom function).
    inputs = _inputs(_stratum("D", size))
    assert math.perm(size, sample_size(size, Decimal(20))) > 2**76
    assume(seed != other)
    assert draw(inputs, seed).targets != draw(inputs, other).targets


@given(st.integers(1, 12), st.integers(1, 3), st.integers(0, 300))
def test_load_is_balanced_without_conflicts(inspectors: int, per_target: int, subjects: int) -> None:
    pool = tuple(Inspector(f"E{i:02d}", "检查员", frozenset()) for i in range(max(inspectors, per_target)))
    result = draw(_inputs(_stratum("D", subjects), SEED_004, pool, per_target), SEED)
    load = Counter({inspector.id: 0 for inspector in pool})
    load.update(name for target in result.targets for name in target.inspectors)
    assert max(load.values()) - min(load.values()) <= 1


def test_rejection_sampling_skips_words_at_or_above_the_limit() -> None:
    bound = 2**63 + 1  # limit = 2^63 + 1: about half of all words are rejected
    words, stream = list(islice(_words(SEED, "check"), 64)), _Stream(SEED, "check")
    accepted = [word % bound for word in words if word < bound]
    assert any(word >= bound for word in words)
    assert [stream.below(bound) for _ in accepted] == accepted


@pytest.mark.parametrize(("population", "percent", "drawn"), [
    (0, "1", 0), (1, "1", 1), (100, "3", 3), (101, "3", 4), (200, "0.5", 1), (201, "0.5", 2),
    (99, "100", 99), (7, "20", 2), (10**30, "0.1", 10**27), (3, "33.3333333333333333333333333333334", 2),
])
def test_ceil_rule_boundaries(population: int, percent: str, drawn: int) -> None:
    assert sample_size(population, Decimal(percent)) == drawn


def test_tiny_and_empty_strata_in_one_draw() -> None:
    population = _stratum("A", 1) + _stratum("B", 101, 10) + _stratum("D", 5, 200)
    result = draw(_inputs(population), SEED)
    assert [(s.grade, s.population, s.drawn) for s in result.strata] == [
        ("A", 1, 1), ("B", 101, 4), ("C", 0, 0), ("D", 5, 1)]


def test_a_ratio_of_100_takes_the_whole_worst_class() -> None:
    population = _stratum("严重失信", 9)
    result = draw(_inputs(population, (Ratio("严重失信", Decimal("100.0")),)), SEED)
    assert sorted(target.uscc for target in result.targets) == sorted(code for code, _ in population)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Ratio("D", Decimal(101)), "at most 100"),
    (lambda: Ratio("A", Decimal(0)), "greater than 0"),
    (lambda: Ratio("A", 1.5), "floats are inexact"),  # type: ignore[arg-type]
    (lambda: _inputs(_stratum("A", 2) + _stratum("A", 1)), f"duplicate subject in population: {uscc(0)}"),
    (lambda: _inputs(_stratum("E", 2)), "grade without a ratio: E"),
    (lambda: _inputs(_stratum("A\t", 1)), "control character"),
    (lambda: _inputs((), (*SEED_004, Ratio("A", Decimal(2)))), "duplicate grade in ratios: A"),
    (lambda: _inputs((), inspectors=(Inspector("E1", "甲"), Inspector("E1", "乙"))), "duplicate inspector id: E1"),
    (lambda: _inputs((), per_target=0), "positive integer"),
    (lambda: _inputs(((uscc(1), "A", "x"),)), "pairs of strings"),  # type: ignore[arg-type]
    (lambda: draw(_inputs(()), bytes(31)), "at least 32 random bytes, got 31"),
])
def test_draw_errors_say_what_is_wrong(build: Callable[[], object], message: str) -> None:
    with pytest.raises(DrawError, match=message):
        build()


def test_not_enough_eligible_inspectors_names_the_subject_and_the_conflicted() -> None:
    code = uscc(0)
    pool = (Inspector("E1", "甲", frozenset({code})), Inspector("E2", "乙"), Inspector("E3", "丙", frozenset({code})))
    with pytest.raises(DrawError) as error:
        draw(_inputs(_stratum("D", 1), inspectors=pool), SEED)
    assert str(error.value) == (f"not enough eligible inspectors for subject {code}: 2 needed, 1 of 3 eligible "
                                "(conflicted: E1, E3)")


def _published(inputs: DrawInputs) -> tuple[str, DrawResult]:
    return seed_commitment(SEED), draw(inputs, SEED)


def test_verify_accepts_the_published_draw() -> None:
    inputs = _inputs(_stratum("B", 120) + _stratum("D", 30, 500))
    commitment, result = _published(inputs)
    outcome = verify(inputs, SEED, commitment, result.digest)
    assert outcome.ok and outcome.failures == () and outcome.recomputed_digest == result.digest


@pytest.mark.parametrize("alter", [
    lambda i: replace(i, population=i.population[:-1]),
    lambda i: replace(i, population=(*i.population[:-1], (i.population[-1][0], "C"))),
    lambda i: replace(i, population=(*i.population, (uscc(10**6), "A"))),
    lambda i: replace(i, ratios=(*i.ratios[:3], Ratio("D", Decimal("20.5")))),
    lambda i: replace(i, inspectors=i.inspectors[1:]),
    lambda i: replace(i, inspectors=(*i.inspectors[:-1], Inspector("E05", "检查员5", frozenset({uscc(0)})))),
    lambda i: replace(i, inspectors_per_target=3),
    lambda i: replace(i, plan_id="2024-豫-002"),
    lambda i: replace(i, population_salt=bytes(32)),
], ids=["removed", "regraded", "added", "ratio", "inspector-dropped", "conflict-added", "per-target", "plan", "salt"])
def test_verify_detects_altered_inputs(alter: Callable[[DrawInputs], DrawInputs]) -> None:
    inputs = _inputs(_stratum("B", 120) + _stratum("D", 30, 500))
    commitment, result = _published(inputs)
    outcome = verify(alter(inputs), SEED, commitment, result.digest)
    assert not outcome.ok and outcome.failures == (Mismatch.RESULT,)


def test_verify_detects_a_different_seed_and_a_wrong_commitment() -> None:
    inputs = _inputs(_stratum("D", 50))
    commitment, result = _published(inputs)
    other = verify(inputs, bytes(32), commitment, result.digest)
    assert other.failures == (Mismatch.COMMITMENT, Mismatch.RESULT)
    wrong = verify(inputs, SEED, seed_commitment(bytes(32)), result.digest)
    assert wrong.failures == (Mismatch.COMMITMENT,) and "commitment mismatch" in wrong.detail
    short = verify(inputs, SEED[:16], commitment, result.digest)
    assert short.failures == (Mismatch.DRAW,) and short.recomputed_digest is None


def test_published_result_reveals_no_subject_grade() -> None:
    inputs = _inputs(_stratum("A", 150) + _stratum("D", 20, 900))
    result = draw(inputs, SEED)
    text = result_text(inputs, SEED, result)
    assert hashlib.sha256(text.encode()).hexdigest() == result.digest
    lines = [line.split("\t") for line in text.splitlines() if line.startswith("target\t")]
    assert [fields[1] for fields in lines] == sorted(target.uscc for target in result.targets)
    assert all(len(fields) == 4 for fields in lines)  # "target", code, two inspectors: no grade
    # no per-grade figure either: only the two totals
    assert [line.split("\t")[0] for line in text.splitlines()[3:5]] == ["population", "targets"]
    assert not any(grade in text for grade in ("\tA\t", "\tD\t", "stratum"))


@given(cases(), st.data())
def test_inspectors_are_assigned_in_code_order_whatever_the_draw_order(
        case: tuple[DrawInputs, bytes], data: st.DataObject) -> None:
    """The draw order is grade by grade; assigning in it would let the rounds of the load balancing
    show which targets were drawn together. Assignments depend on the set of targets only."""
    inputs, seed = case
    drawn = [(target.uscc, target.grade) for target in draw(inputs, seed).targets]
    shuffled = data.draw(st.permutations(drawn))
    relabelled = [(code, "X") for code, _ in shuffled]  # grades play no part either
    assert _assign(inputs, list(shuffled), seed) == _assign(inputs, drawn, seed) == _assign(inputs, relabelled, seed)


def test_the_population_digest_hides_the_grades_behind_the_salt() -> None:
    population = _stratum("A", 3) + _stratum("D", 1, 10)
    regraded = _stratum("A", 2) + _stratum("D", 2, 2)
    # Someone who knows the four subjects can hash every grading of them; without the salt,
    # they cannot tell which grading the digest commits to.
    assert population_digest(population, SALT) != population_digest(regraded, SALT)
    assert population_digest(population, SALT) != population_digest(population, bytes(32))
    with pytest.raises(DrawError, match="at least 16 random bytes"):
        population_digest(population, b"short")


def test_the_pool_digest_covers_names_and_conflicts() -> None:
    pool = (Inspector("E1", "张三", frozenset({uscc(1)})), Inspector("E2", "李四"))
    assert pool_digest(pool) == pool_digest(tuple(reversed(pool)))
    assert pool_digest(pool) != pool_digest((Inspector("E1", "张三"), Inspector("E2", "李四")))
    assert pool_digest(pool) != pool_digest((Inspector("E1", "张三", frozenset({uscc(1)})), Inspector("E2", "李五")))


def test_known_answer() -> None:
    """Pins the protocol (docs/draw-protocol.md §4.5): a silent change of algorithm or encoding must fail here."""
    population = (("91410425M000000010", "A"), ("91410425M000000023", "D"), ("91410425M000000036", "D"),
                  ("91410425M000000049", "D"), ("92410425M000000059", "严重失信"))
    inspectors = (Inspector("E2", "李四"), Inspector("E1", "张三", frozenset({"91410425M000000049"})),
                  Inspector("E3", "王五"))
    ratios = (*SEED_004[:2], Ratio("D", Decimal("20.0")), Ratio("严重失信", Decimal(100)))
    inputs = _inputs(population, ratios, inspectors)
    population_text = ("credit-hub/draw-population/v2\n"
                       "salt\t6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283\n"
                       "A\t91410425M000000010\nD\t91410425M000000023\nD\t91410425M000000036\n"
                       "D\t91410425M000000049\n严重失信\t92410425M000000059\n")
    assert population_digest(population, SALT) == hashlib.sha256(population_text.encode()).hexdigest() == (
        "de6c1788f88c03d63267f98bc87ccf976d08a70aef5258b1ab693aba8ede96c5")
    pool_text = ("credit-hub/draw-pool/v2\ninspector\tE1\t张三\ninspector\tE2\t李四\ninspector\tE3\t王五\n"
                 "conflict\tE1\t91410425M000000049\n")
    assert pool_digest(inspectors) == hashlib.sha256(pool_text.encode()).hexdigest() == (
        "6bf04d74ba118ad2b20152ba879ac3cfe0a8999421cce5b4f63fc88c98daba43")
    assert inputs_text(inputs) == (
        "credit-hub/draw-inputs/v2\nplan\t2024-豫-001\ndepartment\t河南省市场监督管理局\n"
        "scheme\tsamr-risk-2024\ninspectors-per-target\t2\nratio\tA\t1\nratio\tB\t3\nratio\tD\t20\n"
        "ratio\t严重失信\t100\npool\t6bf04d74ba118ad2b20152ba879ac3cfe0a8999421cce5b4f63fc88c98daba43\n"
        "population\tde6c1788f88c03d63267f98bc87ccf976d08a70aef5258b1ab693aba8ede96c5\n")
    assert seed_commitment(SEED) == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    result = draw(inputs, SEED)
    # In code order: the first target takes E1 and E2; for the second, E3 is the only inspector at load
    # 0 and of E1 and E2 (load 1) E1 is conflicted; for the third, E1 and E3 are the least loaded.
    assert [(t.uscc, t.inspectors) for t in result.targets] == [
        ("91410425M000000010", ("E1", "E2")), ("91410425M000000049", ("E3", "E2")),
        ("92410425M000000059", ("E3", "E1"))]
    assert [(t.uscc, t.grade, t.inspectors) for t in result.targets] == _reference_targets(inputs, SEED)
    expected = (
        "credit-hub/draw-result/v2\n"
        "inputs\tc8e84892bc3880389d72e23e39f7408773592b21ec7ea0b5cdfa984f93f4c0ef\n"
        "seed-commitment\t630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd\n"
        "population\t5\ntargets\t3\n"
        "target\t91410425M000000010\tE1\tE2\ntarget\t91410425M000000049\tE3\tE2\n"
        "target\t92410425M000000059\tE3\tE1\n")
    assert result_text(inputs, SEED, result) == expected
    assert result.digest == hashlib.sha256(expected.encode()).hexdigest()
    assert result.digest == "9888fcf17f2844a6ac4f625298c6142e2e8b649023ff6a1bbf6ddb5daad0d3fc"


def test_a_million_subjects_are_drawn_by_the_exact_ratios() -> None:
    """A province's population: every stratum gets exactly its ratio (seed 004 第六条 floors), no inspector
    meets a subject they conflict with. How long it takes is bench/'s (``python -m bench --only draw``)."""
    population = tuple((f"S{i:07d}", "ABCD"[i % 4]) for i in range(1_000_000))
    pool = tuple(Inspector(f"E{i:03d}", f"检查员{i}", frozenset({f"S{i * 4999:07d}"})) for i in range(200))
    result = draw(_inputs(population, SEED_004, pool), SEED)
    assert {s.grade: (s.population, s.drawn) for s in result.strata} == {
        "A": (250_000, 2_500), "B": (250_000, 7_500), "C": (250_000, 25_000), "D": (250_000, 50_000)}
    conflicts = {inspector.id: inspector.conflicts for inspector in pool}
    assert not [t for t in result.targets for i in t.inspectors if t.uscc in conflicts[i]]

