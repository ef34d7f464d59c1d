"""Size profiles of the synthetic office.

A profile fixes how many true households the population holds and how big
the provider landscape is; everything else (persons, case files, services,
payments) follows from the simulated case history, so the three sizes stay
proportional instead of being tuned one by one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeProfile:
    name: str
    households: int  # families drawn into the office's work (excl. foster families, UMA, staff)
    uma: int  # unaccompanied minors arriving 2015-2024
    foster_families: int
    institutions: int  # providers of HzE services (before spelling variants)
    kitas: int
    staff: int  # internal Beistand/Vormund staff (role B / G)
    caseworkers_per_department: int
    approx_persons: int  # documentation only: what seed 1 yields (other seeds vary by a few percent)
    approx_case_files: int
    approx_services: int
    approx_payments: int


SIZES: dict[str, SizeProfile] = {
    "small": SizeProfile(
        name="small", households=820, uma=24, foster_families=45, institutions=40, kitas=14, staff=6,
        caseworkers_per_department=4,
        approx_persons=2_700, approx_case_files=1_280, approx_services=1_880, approx_payments=85_000,
    ),
    "medium": SizeProfile(
        name="medium", households=4500, uma=120, foster_families=220, institutions=150, kitas=55, staff=14,
        caseworkers_per_department=9,
        approx_persons=14_600, approx_case_files=6_850, approx_services=9_000, approx_payments=455_000,
    ),
    "large": SizeProfile(
        name="large", households=17900, uma=480, foster_families=880, institutions=420, kitas=180, staff=30,
        caseworkers_per_department=18,
        approx_persons=59_000, approx_case_files=27_900, approx_services=38_900, approx_payments=1_857_000,
    ),
}


def size_profile(size: str) -> SizeProfile:
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}") from None
