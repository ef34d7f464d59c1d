"""Tests of the synthetic legacy export (jhmig.synth).

They read the written files the way a reader would (csv module for the
.TXT files, fixed positions for ZAHLUNGEN.DAT) and recompute every rule
independently, so they check what is in the files, not what the generator
believes it wrote: each planted defect must be where truth.json says, and
no rule may fire on a record truth.json does not list.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jhmig.synth import SIZES, generate
from stdnum import iban as stdnum_iban

# One worker runs the whole module, so the module fixture generates only once.
pytestmark = pytest.mark.xdist_group("synth")

TEXT_FILES = ("PERSONEN.TXT", "AKTEN.TXT", "BETEILIGTE.TXT", "LEISTUNGEN.TXT", "UVG.TXT", "TRAEGER.TXT", "SCHLUESSEL.TXT")
ALL_FILES = (*TEXT_FILES, "ZAHLUNGEN.DAT", "EXPORT.INF")
HEADERS = {
    "PERSONEN.TXT": "PERS_NR;NAME;VORNAME;GEBNAME;GEB_DAT;GESCHL;STAATSANG;STRASSE;HNR;PLZ;ORT;SOZRAUM;TODES_DAT;ANGELEGT;GEAENDERT",
    "AKTEN.TXT": "AKTEN_NR;FACHBEREICH;STATUS;ANGELEGT;ABGESCHL;SACHB;BEMERKUNG",
    "BETEILIGTE.TXT": "AKTEN_NR;PERS_NR;ROLLE;VON;BIS",
    "LEISTUNGEN.TXT": "LEIST_NR;AKTEN_NR;PERS_NR;HILFEART;BEGINN;ENDE;END_GRUND;TRAEGER_NR;ENTGELT;EINHEIT",
    "UVG.TXT": "AKTEN_NR;KIND_PERS_NR;ELTERNTEIL_PERS_NR;PFLICHTIGER_PERS_NR;BEGINN;ENDE;MONATSBETRAG;RUECKGRIFF",
    "TRAEGER.TXT": "TRAEGER_NR;NAME;ART;STRASSE;HNR;PLZ;ORT;IBAN",
    "SCHLUESSEL.TXT": "TAB;SCHL;TEXT;GUELTIG_BIS",
}
KEYS = {
    "PERSONEN.TXT": ("PERS_NR",), "AKTEN.TXT": ("AKTEN_NR",), "BETEILIGTE.TXT": ("AKTEN_NR", "PERS_NR", "ROLLE", "VON"),
    "LEISTUNGEN.TXT": ("LEIST_NR",), "UVG.TXT": ("AKTEN_NR", "KIND_PERS_NR", "BEGINN"), "TRAEGER.TXT": ("TRAEGER_NR",),
    "SCHLUESSEL.TXT": ("TAB", "SCHL"),
}
DATE_FIELDS = {
    "PERSONEN.TXT": ("GEB_DAT", "TODES_DAT", "ANGELEGT", "GEAENDERT"), "AKTEN.TXT": ("ANGELEGT", "ABGESCHL"),
    "BETEILIGTE.TXT": ("VON", "BIS"), "LEISTUNGEN.TXT": ("BEGINN", "ENDE"), "UVG.TXT": ("BEGINN", "ENDE"),
}
AMOUNT = re.compile(r"^\d{1,3}(\.\d{3})*,\d{2}-?$|^\d+,\d{2}-?$")
HZE_MINOR = {"010", "020", "030", "035", "040", "050", "060", "065", "070", "080", "090", "095", "120"}
PLACEMENTS = {"060", "065", "070"}
OPEN = dt.date(9999, 12, 31)


# -- reading the export like a reader would ---------------------------------------------


@dataclass
class Record:
    line: int
    values: dict[str, str]

    def key(self, file: str) -> str:
        return "|".join(self.values[c] for c in KEYS[file])


@dataclass
class Export:
    root: Path
    truth: dict[str, Any]
    text: dict[str, list[Record]] = field(default_factory=dict)
    payments: list[str] = field(default_factory=list)  # data records, without CRLF
    trailer: str | None = None

    @property
    def legacy(self) -> Path:
        return self.root / "legacy"

    def defects(self, kind: str, file: str | None = None) -> list[dict[str, Any]]:
        return [d for d in self.truth["defects"] if d["kind"] == kind and (file is None or d["file"] == file)]

    def at(self, file: str, line: int) -> Record:
        return self.by_line[file][line]

    def __post_init__(self) -> None:
        for name in TEXT_FILES:
            self.text[name] = read_text(self.legacy / name)
        self.by_line = {f: {r.line: r for r in rows} for f, rows in self.text.items()}
        lines = (self.legacy / "ZAHLUNGEN.DAT").read_bytes().decode("cp1252").split("\r\n")
        assert lines[-1] == ""
        for line in lines[:-1]:
            if line.startswith("90"):
                self.trailer = line
            else:
                self.payments.append(line)


def read_text(path: Path) -> list[Record]:
    with path.open(encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";", quotechar='"')
        header = next(reader)
        records: list[Record] = []
        last = reader.line_num
        for values in reader:
            records.append(Record(last + 1, dict(zip(header, values, strict=True))))
            last = reader.line_num
    return records


def parse_date(text: str) -> dt.date | None:
    """None for unknown or impossible; OPEN for an open end."""
    if text in ("", "00.00.0000"):
        return None
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def is_impossible(text: str) -> bool:
    return text not in ("", "00.00.0000") and parse_date(text) is None


def end_date(text: str) -> dt.date | None:
    return OPEN if text in ("", "31.12.9999") else parse_date(text)


def ymd(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Payment:
    number: int
    zahl_nr: str
    case: str
    service: str
    kind: str
    due: str
    start: str
    end: str
    cents: int
    iban: str
    payee: str


def parse_payment(number: int, line: str) -> Payment:
    return Payment(number, line[2:12].strip(), line[12:32].rstrip(), line[32:42].strip(), line[42:44], line[44:52],
                   line[52:60], line[60:68], int(line[68:81]), line[81:115].rstrip(), line[115:142].rstrip())


def planted(export: Export, kind: str, file: str | None = None) -> set[tuple[str, int]]:
    return {(d["file"], d["line"]) for d in export.defects(kind, file)}


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    root = tmp_path_factory.mktemp("synth_small_1")
    truth = generate(root, "small", 1)
    assert json.loads((root / "truth.json").read_text(encoding="utf-8")) == truth
    return Export(root, truth)


@pytest.fixture(scope="module")
def payments(export: Export) -> list[Payment]:
    return [parse_payment(n, line) for n, line in enumerate(export.payments, start=1)]


@pytest.fixture(scope="module")
def births(export: Export) -> dict[str, dt.date | None]:
    return {r.values["PERS_NR"]: parse_date(r.values["GEB_DAT"]) for r in export.text["PERSONEN.TXT"]}


def digest(root: Path) -> dict[str, str]:
    files = [root / "legacy" / name for name in ALL_FILES] + [root / "truth.json"]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


# -- format ----------------------------------------------------------------------------------------


def test_sizes_are_defined() -> None:
    assert set(SIZES) == {"small", "medium", "large"}
    assert SIZES["small"].households < SIZES["medium"].households < SIZES["large"].households


def test_files_are_cp1252_with_crlf_and_upper_case_headers(export: Export) -> None:
    for name in ALL_FILES:
        raw = (export.legacy / name).read_bytes()
        raw.decode("cp1252")  # strict: raises on undefined bytes
        assert raw.count(b"\n") == raw.count(b"\r\n"), name
        assert b"\r\r" not in raw and raw.endswith(b"\r\n"), name
    for name, header in HEADERS.items():
        first = (export.legacy / name).read_bytes().split(b"\r\n", 1)[0].decode("cp1252")
        assert first == header and first == first.upper()


def test_text_is_german_and_uses_legacy_notations(export: Export) -> None:
    people = export.text["PERSONEN.TXT"]
    names = " ".join(r.values["NAME"] + r.values["VORNAME"] + r.values["STRASSE"] + r.values["ORT"] for r in people)
    assert all(ch in names for ch in "äöüß")
    assert any(r.values["NAME"].startswith(("von ", "van ")) for r in people)
    assert any("-" in r.values["NAME"] for r in people)
    assert any(r.values["PLZ"].startswith("0") and len(r.values["PLZ"]) == 5 for r in people)
    numbers = [r.values["AKTEN_NR"] for r in export.text["AKTEN.TXT"]]
    assert all(re.fullmatch(r"51\.\d-(UV|BS|AV|WJH|PKD|KT)-\d{4}/\d{5}", n) for n in numbers)
    unknown = planted(export, "unknown_code", "AKTEN.TXT")
    assert set(Counter(r.values["FACHBEREICH"] for r in export.text["AKTEN.TXT"]
                       if ("AKTEN.TXT", r.line) not in unknown)) == {"UV", "BS", "AV", "WJH", "PKD", "KT"}
    roles = {r.values["ROLLE"] for r in export.text["BETEILIGTE.TXT"]}
    assert {"K", "M", "V", "P", "U", "B", "G"} <= roles
    rates = [r.values["ENTGELT"] for r in export.text["LEISTUNGEN.TXT"]]
    assert any(re.fullmatch(r"\d\.\d{3},\d{2}", r) for r in rates), "monthly Heim rates with thousands dot"
    assert {r.values["EINHEIT"] for r in export.text["LEISTUNGEN.TXT"]} >= {"T", "M", "S"}
    tables = {r.values["TAB"] for r in export.text["SCHLUESSEL.TXT"]}
    assert {"HA", "EG", "TA", "ST", "SR"} <= tables
    retired = {r.values["SCHL"] for r in export.text["SCHLUESSEL.TXT"] if r.values["TAB"] == "HA" and r.values["GUELTIG_BIS"]}
    assert "065" in retired


def test_features_point_at_what_they_describe(export: Export) -> None:
    features = export.truth["features"]
    assert features["multiline_remarks"]
    for item in features["multiline_remarks"]:
        record = export.at(item["file"], item["line"])
        assert record.key(item["file"]) == item["key"] and "\r\n" in record.values["BEMERKUNG"]
    assert any(";" in r.values["BEMERKUNG"] for r in export.text["AKTEN.TXT"])
    assert any('"' in r.values["BEMERKUNG"] for r in export.text["AKTEN.TXT"])
    minus_files = {item["file"] for item in features["trailing_minus"]}
    assert minus_files == {"LEISTUNGEN.TXT", "UVG.TXT"}
    for item in features["trailing_minus"]:
        record = export.at(item["file"], item["line"])
        assert record.values[item["field"]] == item["value"] and item["value"].endswith("-")
    unknown = {(i["file"], i["line"]) for i in features["unknown_birth_dates"]}
    assert unknown and not unknown & planted(export, "duplicate_person")
    for item in features["unknown_birth_dates"]:
        assert export.at(item["file"], item["line"]).values["GEB_DAT"] == item["value"] in ("", "00.00.0000")
    written = Counter(v for rows in export.text.values() for r in rows for v in r.values.values())
    assert features["unknown_date_zeros"] == written["00.00.0000"] > 0
    assert features["open_end_dates"] == written["31.12.9999"] > 0


def test_payment_records_are_fixed_width(export: Export, payments: list[Payment]) -> None:
    assert all(len(line) == 142 and line.startswith("10") for line in export.payments)
    assert export.trailer is not None and len(export.trailer) == 142
    # ZAHL_NR counts up; only a planted duplicate line repeats the one before
    repeated = planted(export, "duplicate_record", "ZAHLUNGEN.DAT")
    numbers = [int(p.zahl_nr) for p in payments if ("ZAHLUNGEN.DAT", p.number) not in repeated]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) + len(repeated) == len(payments)
    assert {p.kind for p in payments} == {"UV", "HE", "KB", "RG", "ST"}
    broken = {(d["file"], d["line"]) for d in export.truth["defects"] if d["kind"] in ("invalid_date", "end_before_start")}
    for p in payments[:20000]:
        if ("ZAHLUNGEN.DAT", p.number) not in broken:
            assert ymd(p.start) <= ymd(p.end) and ymd(p.due) <= dt.date(2025, 3, 15)
    assert all(p.cents < 0 for p in payments if p.kind == "RG")
    uv = sum(p.cents for p in payments if p.kind == "UV")
    rg = -sum(p.cents for p in payments if p.kind == "RG")
    assert 0.13 <= rg / uv <= 0.2, "recovery brings back 13-20 % of UVG"


def test_manifest_matches_files(export: Export, payments: list[Payment]) -> None:
    lines = (export.legacy / "EXPORT.INF").read_bytes().decode("cp1252").split("\r\n")
    assert lines[0] == "EXPORT_DATUM=15.03.2025" and any(line.startswith("AGS=") for line in lines)
    entries = {}
    for line in lines:
        if line.startswith("DATEI="):
            parts = dict(part.split("=", 1) for part in line.split(";"))
            entries[parts["DATEI"]] = parts
    assert list(entries) == ["PERSONEN.TXT", "AKTEN.TXT", "BETEILIGTE.TXT", "LEISTUNGEN.TXT", "UVG.TXT",
                             "TRAEGER.TXT", "ZAHLUNGEN.DAT", "SCHLUESSEL.TXT"]
    for name in TEXT_FILES:
        assert int(entries[name]["SAETZE"]) == len(export.text[name]) == export.truth["legacy"]["files"][name]["records"]
    total = sum(p.cents for p in payments)
    assert int(entries["ZAHLUNGEN.DAT"]["SAETZE"]) == len(payments)
    assert int(entries["ZAHLUNGEN.DAT"]["SUMME_CENT"]) == total
    assert export.trailer is not None
    assert int(export.trailer[2:12]) == len(payments) and int(export.trailer[12:27]) == total
    assert export.truth["legacy"]["files"]["ZAHLUNGEN.DAT"] == {"records": len(payments), "sum_cent": total}
    assert export.truth["legacy"]["manifest"] == export.truth["legacy"]["files"]
    assert export.truth["legacy"]["truncated"] is None


def test_payments_by_year_type(export: Export, payments: list[Payment]) -> None:
    expected: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {"count": 0, "sum_cent": 0}))
    for p in payments:
        slot = expected[p.due[:4]][p.kind]
        slot["count"] += 1
        slot["sum_cent"] += p.cents
    assert export.truth["payments_by_year_type"] == json.loads(json.dumps(expected))
    assert set(export.truth["payments_by_year_type"]) == {str(y) for y in range(2015, 2026)}


def test_identities_cover_every_person_record(export: Export) -> None:
    identities = export.truth["identities"]
    keys = {r.values["PERS_NR"] for r in export.text["PERSONEN.TXT"]}
    assert set(identities) == {f"PERSONEN.TXT:{k}" for k in keys}
    assert all(re.fullmatch(r"I\d{6}", v) for v in identities.values())


def test_sizes_are_roughly_as_specified(export: Export, payments: list[Payment]) -> None:
    files = export.truth["legacy"]["files"]
    assert 2500 <= files["PERSONEN.TXT"]["records"] <= 3500
    assert 1000 <= files["AKTEN.TXT"]["records"] <= 1600
    assert 1600 <= files["LEISTUNGEN.TXT"]["records"] <= 2400
    assert 50_000 <= len(payments) <= 100_000


# -- determinism -----------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(export: Export, tmp_path: Path) -> None:
    generate(tmp_path / "again", "small", 1)
    assert digest(tmp_path / "again") == digest(export.root)
    generate(tmp_path / "other", "small", 2)
    other = digest(tmp_path / "other")
    assert all(other[name] != value for name, value in digest(export.root).items() if name != "SCHLUESSEL.TXT")


# -- defects: presence and location -----------------------------------------------------------------


EXPECTED_KINDS = {
    "duplicate_person", "duplicate_record", "conflicting_key", "dangling_case_ref", "dangling_person_ref",
    "dangling_service_ref", "dangling_provider_ref", "end_before_start", "service_before_birth", "invalid_date",
    "retired_code", "unknown_code", "invalid_iban", "plz_4_digits", "unparseable_amount", "mojibake",
    "provider_spelling_variant", "uvg_overlaps_placement", "age_limit", "overlapping_services", "payment_outside_period",
    "date_notation", "implausible_date", "unknown_date_not_allowed", "noisy_text", "negative_payment",
    "payment_without_service",
}


def test_every_defect_kind_occurs_and_points_at_its_record(export: Export) -> None:
    defects = export.truth["defects"]
    assert {d["kind"] for d in defects} == EXPECTED_KINDS
    assert [d["id"] for d in defects] == [f"D{n:06d}" for n in range(1, len(defects) + 1)]
    for d in defects:
        if d["file"] == "ZAHLUNGEN.DAT":
            line = export.payments[d["line"] - 1]
            assert line[2:12].strip() == d["key"]
            continue
        record = export.at(d["file"], d["line"])
        assert record.key(d["file"]) == d["key"], d
        if d["field"] is not None:
            assert record.values[d["field"]] == d["value"], d
        for rel in d["related"]:
            if "line" in rel and rel["file"] in export.by_line:
                assert export.at(rel["file"], rel["line"]).key(rel["file"]) == rel["key"], d


def test_defect_records_carry_one_defect(export: Export) -> None:
    located = Counter((d["file"], d["line"]) for d in export.truth["defects"])
    assert max(located.values()) == 1


def test_duplicate_persons_are_the_same_identity(export: Export) -> None:
    identities = export.truth["identities"]
    variants = Counter()
    for d in export.defects("duplicate_person"):
        (original,) = d["related"]
        assert original["key"] != d["key"]
        assert identities[f"PERSONEN.TXT:{d['key']}"] == identities[f"PERSONEN.TXT:{original['key']}"]
        variants[d["detail"]["variant"]] += 1
        copy, first = export.at("PERSONEN.TXT", d["line"]), export.at("PERSONEN.TXT", original["line"])
        if d["detail"]["variant"] == "umlaut":
            assert re.search("ae|oe|ue|ss", copy.values[d["field"]], re.IGNORECASE) and re.search("[äöüß]", first.values[d["field"]], re.IGNORECASE)
        if d["detail"]["variant"] == "swapped_day_month":
            assert copy.values["GEB_DAT"][:5] == first.values["GEB_DAT"][3:5] + "." + first.values["GEB_DAT"][:2]
        if d["detail"]["variant"] == "missing_birth_date":
            assert copy.values["GEB_DAT"] in ("", "00.00.0000") and parse_date(first.values["GEB_DAT"])
    assert set(variants) == {"typo", "umlaut", "swapped_day_month", "missing_birth_date"}
    assert 0.02 <= sum(variants.values()) / len(export.text["PERSONEN.TXT"]) <= 0.04
    # Every further record of an identity is a planted duplicate (apart from exact duplicate lines).
    by_identity: dict[str, set[str]] = defaultdict(set)
    for key, identity in identities.items():
        by_identity[identity].add(key)
    extra = sum(len(keys) - 1 for keys in by_identity.values())
    assert extra == len(export.defects("duplicate_person"))


def test_duplicate_and_conflicting_lines(export: Export) -> None:
    found_dup, found_conflict = set(), set()
    for name in TEXT_FILES:
        seen: dict[str, Record] = {}
        for record in export.text[name]:
            key = record.key(name)
            if key in seen:
                same = record.values == seen[key].values
                (found_dup if same else found_conflict).add((name, record.line))
            else:
                seen[key] = record
    for number, line in enumerate(export.payments, start=1):
        if number > 1 and line == export.payments[number - 2]:
            found_dup.add(("ZAHLUNGEN.DAT", number))
    assert found_dup == planted(export, "duplicate_record")
    assert found_conflict == planted(export, "conflicting_key")
    assert {f for f, _ in found_dup} == {"PERSONEN.TXT", "LEISTUNGEN.TXT", "ZAHLUNGEN.DAT"}
    assert {f for f, _ in found_conflict} == {"AKTEN.TXT", "TRAEGER.TXT", "PERSONEN.TXT", "LEISTUNGEN.TXT"}


def test_dangling_references(export: Export, payments: list[Payment]) -> None:
    cases = {r.values["AKTEN_NR"] for r in export.text["AKTEN.TXT"]}
    persons = {r.values["PERS_NR"] for r in export.text["PERSONEN.TXT"]}
    services = {r.values["LEIST_NR"] for r in export.text["LEISTUNGEN.TXT"]}
    providers = {r.values["TRAEGER_NR"] for r in export.text["TRAEGER.TXT"]}
    found: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for name in ("BETEILIGTE.TXT", "LEISTUNGEN.TXT", "UVG.TXT"):
        person_fields = ("PERS_NR",) if name != "UVG.TXT" else ("KIND_PERS_NR", "ELTERNTEIL_PERS_NR", "PFLICHTIGER_PERS_NR")
        for r in export.text[name]:
            if r.values["AKTEN_NR"] not in cases:
                found["dangling_case_ref"].add((name, r.line))
            if any(r.values[f] and r.values[f] not in persons for f in person_fields):
                found["dangling_person_ref"].add((name, r.line))
            if name == "LEISTUNGEN.TXT" and r.values["TRAEGER_NR"] and r.values["TRAEGER_NR"] not in providers:
                found["dangling_provider_ref"].add((name, r.line))
    for p in payments:
        if p.case not in cases:
            found["dangling_case_ref"].add(("ZAHLUNGEN.DAT", p.number))
        if p.service and p.service not in services:
            found["dangling_service_ref"].add(("ZAHLUNGEN.DAT", p.number))
    for kind in ("dangling_case_ref", "dangling_person_ref", "dangling_provider_ref", "dangling_service_ref"):
        assert found[kind] == planted(export, kind), kind
    assert {f for f, _ in found["dangling_case_ref"]} == {"BETEILIGTE.TXT", "LEISTUNGEN.TXT", "UVG.TXT", "ZAHLUNGEN.DAT"}
    assert {f for f, _ in found["dangling_person_ref"]} == {"BETEILIGTE.TXT", "LEISTUNGEN.TXT", "UVG.TXT"}


def test_dates_codes_amounts_plz(export: Export, payments: list[Payment]) -> None:
    invalid = {(name, r.line) for name, fields in DATE_FIELDS.items() for r in export.text[name]
               if any(is_impossible(r.values[f]) for f in fields)}
    for p in payments:
        try:
            ymd(p.due), ymd(p.start), ymd(p.end)
        except ValueError:
            invalid.add(("ZAHLUNGEN.DAT", p.number))
    assert invalid == planted(export, "invalid_date")
    assert {f for f, _ in invalid} == {"PERSONEN.TXT", "LEISTUNGEN.TXT", "AKTEN.TXT", "BETEILIGTE.TXT", "UVG.TXT", "ZAHLUNGEN.DAT"}
    codes = defaultdict(dict)
    for r in export.text["SCHLUESSEL.TXT"]:
        codes[r.values["TAB"]][r.values["SCHL"]] = r.values["GUELTIG_BIS"]
    unknown, retired = set(), set()
    for r in export.text["LEISTUNGEN.TXT"]:
        for column, table in (("HILFEART", "HA"), ("END_GRUND", "EG")):
            value = r.values[column]
            if value and value not in codes[table]:
                unknown.add(("LEISTUNGEN.TXT", r.line))
            elif value and codes[table][value]:
                retired.add(("LEISTUNGEN.TXT", r.line))
    for name, column, table in (("TRAEGER.TXT", "ART", "TA"), ("PERSONEN.TXT", "STAATSANG", "ST"), ("PERSONEN.TXT", "SOZRAUM", "SR")):
        for r in export.text[name]:
            value = r.values[column]
            if value and value not in codes[table]:
                unknown.add((name, r.line))
            elif value and codes[table][value]:
                retired.add((name, r.line))
    fixed = {("PERSONEN.TXT", "GESCHL"): {"0", "1", "2", "3", ""}, ("AKTEN.TXT", "FACHBEREICH"): {"UV", "BS", "AV", "WJH", "PKD", "KT"},
             ("AKTEN.TXT", "STATUS"): {"A", "Z", "R"}, ("BETEILIGTE.TXT", "ROLLE"): set("KMVSPUBG"),
             ("LEISTUNGEN.TXT", "EINHEIT"): {"T", "M", "S", ""}, ("UVG.TXT", "RUECKGRIFF"): {"J", "N"}}
    for (name, column), allowed in fixed.items():  # the sets the spec fixes
        unknown |= {(name, r.line) for r in export.text[name] if r.values[column] not in allowed}
    assert unknown == planted(export, "unknown_code")
    assert {d["detail"]["table"] for d in export.defects("unknown_code") if d["file"] == "PERSONEN.TXT"} == {"ST", "SR", None}
    assert {d["field"] for d in export.defects("unknown_code") if d["detail"]["table"] is None} == {
        "GESCHL", "FACHBEREICH", "STATUS", "ROLLE", "EINHEIT", "RUECKGRIFF"}
    assert retired == planted(export, "retired_code")
    assert sum(1 for d in export.defects("retired_code") if d["value"] == "065") >= 3
    # with and without successor, and used after retirement (BEGINN for HILFEART, ENDE for END_GRUND)
    assert {d["detail"]["successor"] is None for d in export.defects("retired_code")} == {True, False}
    assert {(d["file"], d["field"]) for d in export.defects("retired_code")} == {
        ("LEISTUNGEN.TXT", "HILFEART"), ("LEISTUNGEN.TXT", "END_GRUND"), ("PERSONEN.TXT", "STAATSANG"),
        ("PERSONEN.TXT", "SOZRAUM"), ("TRAEGER.TXT", "ART")}
    for d in export.defects("retired_code", "LEISTUNGEN.TXT"):
        row = next(r for r in export.text["LEISTUNGEN.TXT"] if r.line == d["line"])
        day = row.values["BEGINN" if d["field"] == "HILFEART" else "ENDE"]
        late = day[6:] + day[3:5] + day[:2] > d["detail"]["valid_to"][6:] + d["detail"]["valid_to"][3:5] + d["detail"]["valid_to"][:2]
        assert d["detail"]["used_after_retirement"] == late, d
    assert any(d["detail"]["used_after_retirement"] for d in export.defects("retired_code"))
    amounts = {("LEISTUNGEN.TXT", r.line) for r in export.text["LEISTUNGEN.TXT"]
               if r.values["ENTGELT"] and not AMOUNT.match(r.values["ENTGELT"])}
    assert amounts == planted(export, "unparseable_amount")
    assert all(AMOUNT.match(r.values["MONATSBETRAG"]) for r in export.text["UVG.TXT"])
    short = {(name, r.line) for name in ("PERSONEN.TXT", "TRAEGER.TXT") for r in export.text[name]
             if re.fullmatch(r"\d{4}", r.values["PLZ"])}
    assert short == planted(export, "plz_4_digits")
    assert {f for f, _ in short} == {"PERSONEN.TXT", "TRAEGER.TXT"}


def test_ibans(export: Export, payments: list[Payment]) -> None:
    bad = {("TRAEGER.TXT", r.line) for r in export.text["TRAEGER.TXT"]
           if r.values["IBAN"] and not stdnum_iban.is_valid(r.values["IBAN"])}
    bad |= {("ZAHLUNGEN.DAT", p.number) for p in payments if p.iban and not stdnum_iban.is_valid(p.iban)}
    assert bad == planted(export, "invalid_iban")
    assert {f for f, _ in bad} == {"TRAEGER.TXT", "ZAHLUNGEN.DAT"}
    good = [r.values["IBAN"] for r in export.text["TRAEGER.TXT"] if ("TRAEGER.TXT", r.line) not in bad and r.values["IBAN"]]
    good += [p.iban for p in payments[:5000] if p.iban and ("ZAHLUNGEN.DAT", p.number) not in bad]
    assert good and all(stdnum_iban.is_valid(i) and i.startswith("DE") and len(i) == 22 for i in good)


def test_mojibake_and_provider_variants(export: Export) -> None:
    encodings = set()
    for d in export.defects("mojibake"):
        original, written_as = d["detail"]["original"], d["detail"]["written_as"]
        assert d["value"] == original.encode(written_as).decode("cp1252") != original
        encodings.add(written_as)
    assert encodings == {"cp850", "utf-8"}
    assert {d["file"] for d in export.defects("mojibake")} == {"PERSONEN.TXT", "TRAEGER.TXT"}
    for d in export.defects("provider_spelling_variant"):
        assert d["related"]
        names = {export.at("TRAEGER.TXT", d["line"]).values["NAME"]} | {
            export.at("TRAEGER.TXT", r["line"]).values["NAME"] for r in d["related"]}
        assert len(names) == len(d["related"]) + 1  # all spelled differently
    used = {r.values["TRAEGER_NR"] for r in export.text["LEISTUNGEN.TXT"]}
    assert any(d["key"] in used for d in export.defects("provider_spelling_variant"))


# -- defects: rules over several records, recomputed independently ---------------------------------


def _services(export: Export, *, unreadable_end_is_open: bool = False) -> list[tuple[Record, dt.date, dt.date]]:
    """Services with a usable period (not inverted, not duplicated lines). An
    impossible end date makes the period unusable, or (as some readers do)
    open."""
    out, seen = [], set()
    for r in export.text["LEISTUNGEN.TXT"]:
        start, end = parse_date(r.values["BEGINN"]), end_date(r.values["ENDE"])
        if end is None and unreadable_end_is_open and is_impossible(r.values["ENDE"]):
            end = OPEN
        if start is None or end is None or end < start or r.values["LEIST_NR"] in seen:
            continue
        seen.add(r.values["LEIST_NR"])
        out.append((r, start, end))
    return out


def _claims(export: Export) -> list[tuple[Record, dt.date, dt.date]]:
    out = []
    for r in export.text["UVG.TXT"]:
        start, end = parse_date(r.values["BEGINN"]), end_date(r.values["ENDE"])
        if start is not None and end is not None and end >= start:
            out.append((r, start, end))
    return out


def test_end_before_start(export: Export, payments: list[Payment]) -> None:
    found = set()
    periods = (("LEISTUNGEN.TXT", "BEGINN", "ENDE"), ("UVG.TXT", "BEGINN", "ENDE"), ("BETEILIGTE.TXT", "VON", "BIS"),
               ("AKTEN.TXT", "ANGELEGT", "ABGESCHL"), ("PERSONEN.TXT", "GEB_DAT", "TODES_DAT"))
    for name, first, last in periods:
        for r in export.text[name]:
            start, end = parse_date(r.values[first]), parse_date(r.values[last])
            if start and end and end < start:
                found.add((name, r.line))
    for p in payments:
        if re.fullmatch(r"\d{16}", p.start + p.end) is None:
            continue
        try:
            if ymd(p.end) < ymd(p.start):
                found.add(("ZAHLUNGEN.DAT", p.number))
        except ValueError:
            continue  # a planted impossible date
    assert found == planted(export, "end_before_start")
    assert {f for f, _ in found} == {"LEISTUNGEN.TXT", "UVG.TXT", "BETEILIGTE.TXT", "AKTEN.TXT", "PERSONEN.TXT", "ZAHLUNGEN.DAT"}


def test_service_before_birth_and_age_limits(export: Export, births: dict[str, dt.date | None]) -> None:
    before_birth, ages = set(), set()
    for r in export.text["LEISTUNGEN.TXT"]:
        start, birth = parse_date(r.values["BEGINN"]), births.get(r.values["PERS_NR"])
        if start is None or birth is None:
            continue
        if start < birth:
            before_birth.add(("LEISTUNGEN.TXT", r.line))
        elif r.values["HILFEART"] in HZE_MINOR and age(birth, start) >= 18 or r.values["HILFEART"] == "100" and age(birth, start) < 18:
            ages.add(("LEISTUNGEN.TXT", r.line))
    for r in export.text["UVG.TXT"]:
        start, birth = parse_date(r.values["BEGINN"]), births.get(r.values["KIND_PERS_NR"])
        if start and birth and age(birth, start) >= 18:
            ages.add(("UVG.TXT", r.line))
    assert before_birth == planted(export, "service_before_birth")
    assert ages == planted(export, "age_limit")
    assert {d["detail"]["rule"] for d in export.defects("age_limit")} == {"hze_after_18", "sec41_under_18", "uvg_after_18"}


def test_overlapping_services_per_record_and_per_identity(export: Export) -> None:
    identities = export.truth["identities"]
    for by_identity, lenient in ((False, False), (True, False), (True, True)):
        groups = defaultdict(list)
        for r, start, end in _services(export, unreadable_end_is_open=lenient):
            person = r.values["PERS_NR"]
            who = identities.get(f"PERSONEN.TXT:{person}", person) if by_identity else person
            groups[(who, r.values["HILFEART"])].append((start, r.line, end))
        found = set()
        for items in groups.values():
            items.sort()
            for i, (start, line, end) in enumerate(items):
                if any(s2 <= end and start <= e2 for s2, _, e2 in items[:i]):
                    found.add(("LEISTUNGEN.TXT", line))
        assert found == planted(export, "overlapping_services"), (by_identity, lenient)


def test_uvg_overlaps_placement(export: Export, payments: list[Payment]) -> None:
    identities = export.truth["identities"]
    services = export.by_line["LEISTUNGEN.TXT"]
    for by_identity, lenient in ((False, False), (True, False), (True, True)):
        def who(pers_nr: str, by_identity: bool = by_identity) -> str:
            return identities.get(f"PERSONEN.TXT:{pers_nr}", pers_nr) if by_identity else pers_nr
        placements = defaultdict(list)
        for r, start, end in _services(export, unreadable_end_is_open=lenient):
            if r.values["HILFEART"] in PLACEMENTS:
                placements[who(r.values["PERS_NR"])].append((start, end))
        found = {("UVG.TXT", r.line) for r, start, end in _claims(export)
                 if any(s <= end and start <= e for s, e in placements[who(r.values["KIND_PERS_NR"])])}
        assert found == planted(export, "uvg_overlaps_placement"), (by_identity, lenient)
    uv_by_case = defaultdict(list)
    for p in payments:
        if p.kind == "UV":
            uv_by_case[p.case].append(p)
    claims = len(export.text["UVG.TXT"])
    assert 0.01 * claims <= len(export.defects("uvg_overlaps_placement")) <= 0.03 * claims
    for d in export.defects("uvg_overlaps_placement"):
        claim = export.at("UVG.TXT", d["line"])
        (rel,) = d["related"]
        service = services[rel["line"]]
        assert rel["key"] == d["detail"]["service"] == service.values["LEIST_NR"]
        s_start, s_end = parse_date(service.values["BEGINN"]), end_date(service.values["ENDE"])
        c_start, c_end = parse_date(claim.values["BEGINN"]), end_date(claim.values["ENDE"])
        assert s_start and s_end and c_start and c_end
        overlap = [p for p in uv_by_case[claim.values["AKTEN_NR"]]
                   if c_start <= ymd(p.start) and ymd(p.end) <= c_end and ymd(p.start) <= s_end and s_start <= ymd(p.end)]
        assert d["detail"]["overpaid_cents"] == sum(p.cents for p in overlap) > 0
        assert d["detail"]["overlap_months"] == len(overlap)


def test_payment_outside_period(export: Export, payments: list[Payment]) -> None:
    services = {r.values["LEIST_NR"]: (s, e) for r, s, e in _services(export)}
    claims = defaultdict(list)
    for r, s, e in _claims(export):
        claims[r.values["AKTEN_NR"]].append((s, e))
    cases = {r.values["AKTEN_NR"] for r in export.text["AKTEN.TXT"]}
    found = set()
    for p in payments:
        try:
            start, end = ymd(p.start), ymd(p.end)
        except ValueError:
            continue  # a planted impossible period date: not checkable
        if p.kind == "HE" and p.service in services:
            s, e = services[p.service]
            if start < s or end > e:
                found.add(("ZAHLUNGEN.DAT", p.number))
        elif p.kind == "UV" and p.case in cases and claims[p.case] and not any(
                s <= start and end <= e for s, e in claims[p.case]):
            found.add(("ZAHLUNGEN.DAT", p.number))
    # HE payments of services whose period cannot be read (impossible dates) are not checkable.
    assert found == planted(export, "payment_outside_period")
    kinds = {export.payments[d["line"] - 1][42:44] for d in export.defects("payment_outside_period")}
    assert kinds == {"HE", "UV"}


# -- truncated export -------------------------------------------------------------------------------


def test_truncated_export(export: Export, tmp_path: Path) -> None:
    truth = generate(tmp_path, "small", 1, truncate=True)
    truncated = truth["legacy"]["truncated"]
    lines = (tmp_path / "legacy" / "ZAHLUNGEN.DAT").read_bytes().decode("cp1252").split("\r\n")[:-1]
    assert all(line.startswith("10") and len(line) == 142 for line in lines), "the trailer is gone"
    actual_sum = sum(int(line[68:81]) for line in lines)
    full = export.truth["legacy"]["files"]["ZAHLUNGEN.DAT"]
    assert truncated == {
        "file": "ZAHLUNGEN.DAT", "manifest_records": full["records"], "actual_records": len(lines),
        "manifest_sum_cent": full["sum_cent"], "actual_sum_cent": actual_sum,
    }
    assert 0.005 * full["records"] <= full["records"] - len(lines) <= 0.02 * full["records"]
    assert truth["legacy"]["manifest"]["ZAHLUNGEN.DAT"] == full
    assert truth["legacy"]["files"]["ZAHLUNGEN.DAT"] == {"records": len(lines), "sum_cent": actual_sum}
    inf = (tmp_path / "legacy" / "EXPORT.INF").read_bytes()
    assert inf == (export.legacy / "EXPORT.INF").read_bytes()
    (mismatch,) = [d for d in truth["defects"] if d["kind"] == "manifest_mismatch"]
    assert mismatch["file"] == "ZAHLUNGEN.DAT" and mismatch["detail"]["actual_records"] == len(lines)
    assert all(d["line"] <= len(lines) for d in truth["defects"] if d["file"] == "ZAHLUNGEN.DAT" and d["line"])
    years = truth["payments_by_year_type"]
    assert sum(v["count"] for y in years.values() for v in y.values()) == len(lines)
    assert sum(v["sum_cent"] for y in years.values() for v in y.values()) == actual_sum
    assert not [d for d in export.truth["defects"] if d["kind"] == "manifest_mismatch"]
