"""Valid identifiers for demo subjects and people: organization codes, social credit codes, resident IDs."""

from __future__ import annotations

from datetime import date

from hub.codes import resident_id_check_character, uscc_check_character

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(body: str) -> str:
    """GB 11714 organization code (positions 9–17 of a social credit code): 8 characters and a
    mod-11 check (10 → X, 11 → 0), letters valued A=10…Z=35 as in post-2015 "MA…" codes."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS,
                                                                               strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def social_credit_code(prefix: str, region: str, org_code: str) -> str:
    first17 = prefix + region + org_code
    return first17 + uscc_check_character(first17)


def resident_id(region: str, birth: date, sequence: int) -> str:
    """GB 11643: region, birth date, 3-digit sequence (odd for men), mod 11-2 check."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)
