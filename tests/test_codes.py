"""Identifier rules (SPEC 2.6): GB 32100 codes, GB 11643 resident IDs, GB/T 2260 regions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.codes import (
    USCC_CHARSET,
    InvalidCode,
    SocialCreditCode,
    mask_resident_id,
    parse_region,
    parse_resident_id,
    parse_uscc,
    uscc_check_character,
)
from tests.builders import resident_id, uscc

# Publicly listed codes of well-known registrations (Huawei, Tencent, Alibaba), and GB 32100's
# own example with a letter in the organization code.
VALID = ["914403001922038216", "9144030071526726XG", "91330100799655058B", "91350100M000100Y43"]


def test_well_formed_codes_pass() -> None:
    for code in [*VALID, uscc(1), uscc(99999, prefix="92"), uscc(5, prefix="N2")]:
        assert parse_uscc(code).value == code


def test_codes_starting_with_letters_are_valid() -> None:
    code = uscc(7, prefix="Y1")
    assert parse_uscc(code).authority == "其他"
    assert parse_uscc(uscc(8, prefix="N3")).entity_type == "乡镇级集体经济组织"


def test_positions_are_read_out() -> None:
    code = parse_uscc(uscc(42, region="350582", prefix="92"))
    assert isinstance(code, SocialCreditCode)
    assert (code.authority, code.entity_type, code.region) == ("工商", "个体工商户", "350582")


@pytest.mark.parametrize(("raw", "problem"), [
    ("9141042", "has 7 characters"),
    (uscc(1) + "0", "has 19 characters"),
    ("", "has 0 characters"),
])
def test_wrong_length_is_named(raw: str, problem: str) -> None:
    with pytest.raises(InvalidCode, match=problem):
        parse_uscc(raw)


@pytest.mark.parametrize("position", range(1, 19))
@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "中"])
def test_a_character_outside_the_set_is_named_at_every_position(position: int, bad: str) -> None:
    code = uscc(12345)
    broken = code[:position - 1] + bad + code[position:]
    with pytest.raises(InvalidCode, match=f"at position {position} is not in the GB 32100"):
        parse_uscc(broken)


@pytest.mark.parametrize("position", range(1, 19))
def test_any_single_substitution_is_caught_at_every_position(position: int) -> None:
    code = uscc(777)
    for replacement in USCC_CHARSET:
        if replacement == code[position - 1]:
            continue
        broken = code[:position - 1] + replacement + code[position:]
        with pytest.raises(InvalidCode):
            parse_uscc(broken)


def test_each_rule_names_itself() -> None:
    good = uscc(31)
    cases = {
        "B" + good[1:]: "position 1 'B' is not a registering authority",
        "94" + good[2:]: "position 2 '4' is not an entity type of registering authority 9",
        good[:2] + "4A0425" + good[8:]: "positions 3-8 '4A0425' must be a 6-digit",
        good[:2] + "990425" + good[8:]: "do not start with a GB/T 2260 province code",
    }
    for raw, problem in cases.items():
        with pytest.raises(InvalidCode, match=problem):
            parse_uscc(raw)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidCode, match=f"mod-31 check gives '{good[17]}'"):
        parse_uscc(wrong_check)


def test_lower_case_and_spaces_are_normalised() -> None:
    assert parse_uscc(f"  {uscc(3).lower()} ").value == uscc(3)


@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17))
def test_the_check_character_always_validates_its_code(first17: str) -> None:
    code = first17 + uscc_check_character(first17)
    try:
        parse_uscc(code)
    except InvalidCode as exc:  # only structural rules may refuse it, never the check character
        assert "check character" not in str(exc)


def test_resident_ids() -> None:
    value = resident_id(123)
    assert parse_resident_id(value.lower()) == value
    assert mask_resident_id("41042519800101123X") == "410425********123X"
    with pytest.raises(InvalidCode, match="GB 11643 mod 11-2 check"):
        parse_resident_id(value[:17] + ("0" if value[17] != "0" else "1"))
    with pytest.raises(InvalidCode, match="not a valid birth date"):
        parse_resident_id("410425" + "19801332" + "0011")
    with pytest.raises(InvalidCode) as caught:
        parse_resident_id(value[:17] + "Y")
    assert value not in str(caught.value), "an error must not echo a resident ID in clear"


def test_regions() -> None:
    assert parse_region("410425") == "410425"
    for bad in ("41042", "4104250", "99a425", "990425"):
        with pytest.raises(InvalidCode):
            parse_region(bad)
