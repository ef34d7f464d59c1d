"""German IBANs with correct (or deliberately wrong) ISO 7064 mod-97 check digits."""

from __future__ import annotations

import random

# Bank codes (BLZ) of the region and a few direct banks; accounts are random.
BANK_CODES: tuple[str, ...] = (
    "85055000", "85050300", "85090000", "85040000", "85080000", "85020086",
    "86010090", "12030000", "50010517", "10010010", "87096214", "85095004",
)


def _check_digits(country: str, bban: str) -> int:
    # Move the country code and "00" behind the BBAN, letters become 10..35.
    rearranged = bban + "".join(str(ord(c) - 55) for c in country) + "00"
    return 98 - int(rearranged) % 97


def is_valid(iban: str) -> bool:
    iban = iban.replace(" ", "").upper()
    if len(iban) < 5 or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def german_iban(rng: random.Random) -> str:
    bban = rng.choice(BANK_CODES) + f"{rng.randrange(10**9, 10**10):010d}"
    return f"DE{_check_digits('DE', bban):02d}{bban}"


def with_wrong_check_digits(iban: str, rng: random.Random) -> str:
    """The same account with check digits that cannot be right (a typing error)."""
    right = int(iban[2:4])
    wrong = rng.choice([n for n in range(2, 99) if n != right])
    return f"{iban[:2]}{wrong:02d}{iban[4:]}"
