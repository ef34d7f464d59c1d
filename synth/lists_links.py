"""How list rows point into the legacy export as written.

The lists are drawn after the export, from the same true world. Records
that carry a planted legacy defect have altered fields (a shifted BEGINN, a
retired code, a mojibake name), so lists copy only clean records, and the
truth names legacy keys read back from the export's own truth (identities,
defects) rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth.layout import AKTEN, LEISTUNGEN, PERSONEN, TRAEGER
from jhmig.synth.model import CaseFile, Service
from jhmig.synth.providers import ProviderRecord

# Legacy HA codes -> the unified service types the list synonym tables use.
HA_TO_UNIFIED: dict[str, str] = {
    "010": "28", "020": "29", "030": "30", "040": "31", "050": "32", "060": "33", "070": "34", "080": "35",
    "090": "35a", "100": "41", "110": "42", "111": "42a", "120": "27_2",
}


@dataclass
class LegacyLinks:
    keys_of: dict[str, list[int]] = field(default_factory=dict)  # identity -> every PERS_NR, ascending
    primary_of: dict[str, int] = field(default_factory=dict)  # identity -> PERS_NR of its original record
    defective: set[str] = field(default_factory=set)  # identities whose original record carries a defect

    @classmethod
    def from_truth(cls, truth: dict[str, Any]) -> LegacyLinks:
        links = cls()
        duplicates = {d["key"] for d in truth["defects"] if d["kind"] == "duplicate_person"}
        marked = {d["key"] for d in truth["defects"] if d["file"] == PERSONEN and d["kind"] != "duplicate_person"}
        keys: dict[str, list[int]] = defaultdict(list)
        for ref, identity in truth["identities"].items():
            keys[identity].append(int(ref.split(":", 1)[1]))
        for identity, numbers in keys.items():
            numbers.sort()
            links.keys_of[identity] = numbers
            originals = [n for n in numbers if str(n) not in duplicates] or numbers
            links.primary_of[identity] = originals[0]
            if str(originals[0]) in marked:
                links.defective.add(identity)
        return links

    def person_ref(self, identity: str) -> str | None:
        key = self.primary_of.get(identity)
        return None if key is None else f"{PERSONEN}:{key}"

    def person_refs(self, identity: str) -> tuple[str, ...]:
        return tuple(f"{PERSONEN}:{k}" for k in self.keys_of.get(identity, ()))

    def clean_person(self, identity: str) -> bool:
        """Not in the export at all, or in it with an undamaged original record."""
        return identity not in self.defective


def _row_taint(target: Any) -> Any:
    row = getattr(target, "row", None)
    return getattr(row, "taint", None)


def usable_service(service: Service) -> bool:
    """A service written exactly as it happened (no defect on it or its record, a current code)."""
    return (service.taint is None and _row_taint(service) is None and service.key > 0
            and service.written_type == service.type and service.written_start is None and service.written_end is None
            and service.type in HA_TO_UNIFIED and service.rate_cents >= 0)


def case_ref(case: CaseFile) -> str | None:
    if case.taint is not None or _row_taint(case) is not None or not case.number:
        return None
    return f"{AKTEN}:{case.number}"


def service_ref(service: Service) -> str:
    return f"{LEISTUNGEN}:{service.key}"


def provider_ref(record: ProviderRecord | None) -> str | None:
    return None if record is None or not record.key else f"{TRAEGER}:{record.key}"
