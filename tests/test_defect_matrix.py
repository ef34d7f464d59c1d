"""The defect matrix of issue 21: every defect the specs list, in every file and column
where it can occur, planted by the generator and survived by a migration run.

Per matrix cell (defect kind x file x column, and the form of the value where a kind
has several), the generator must have planted it: truth.json lists it, and re-reading
the written file with plain Python (csv module, fixed positions), never jhmig's reader,
shows the defect at the file, line and field truth.json names. Then one `jhmig run`
over the whole generated small data set (export and lists, every cell at once) must end
with exit code 0, every record accounted and every planted error in the quarantine; and
one run with the whole-file options (empty files, shuffled files) the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jhmig.cli import main
from jhmig.synth import generate

pytestmark = pytest.mark.xdist_group("defect_matrix")

P, A, B, L, U, T, Z = ("PERSONEN.TXT", "AKTEN.TXT", "BETEILIGTE.TXT", "LEISTUNGEN.TXT", "UVG.TXT", "TRAEGER.TXT",
                       "ZAHLUNGEN.DAT")
TEXT_FILES = (P, A, B, L, U, T, "SCHLUESSEL.TXT")
KEYS = {P: ("PERS_NR",), A: ("AKTEN_NR",), B: ("AKTEN_NR", "PERS_NR", "ROLLE", "VON"), L: ("LEIST_NR",),
        U: ("AKTEN_NR", "KIND_PERS_NR", "BEGINN"), T: ("TRAEGER_NR",), "SCHLUESSEL.TXT": ("TAB", "SCHL")}

# -- the matrix, from the specs (shared/spec/legacy-export.md) ----------------------------------

DATE_COLUMNS = ((P, "GEB_DAT"), (P, "TODES_DAT"), (P, "ANGELEGT"), (P, "GEAENDERT"), (A, "ANGELEGT"), (A, "ABGESCHL"),
                (B, "VON"), (B, "BIS"), (L, "BEGINN"), (L, "ENDE"), (U, "BEGINN"), (U, "ENDE"))
START_COLUMNS = {(A, "ANGELEGT"), (B, "VON"), (L, "BEGINN"), (U, "BEGINN")}  # 00.00.0000 not allowed
# 01.01.1800 where it is only implausible: in an end column it is an end before the start, in the
# start of a service or claim a service before birth (own cells below).
TOO_OLD_COLUMNS = {(P, "GEB_DAT"), (P, "ANGELEGT"), (P, "GEAENDERT"), (A, "ANGELEGT"), (B, "VON")}
# 1.1.2019 in TODES_DAT needs a death date with a day or month below 10: not in every data set.
OPTIONAL_CELLS = {("date_notation", P, "TODES_DAT", "unpadded")}
FIXED_CODES = {(P, "GESCHL"): {"0", "1", "2", "3", ""}, (A, "FACHBEREICH"): {"UV", "BS", "AV", "WJH", "PKD", "KT"},
               (A, "STATUS"): {"A", "Z", "R"}, (B, "ROLLE"): set("KMVSPUBG"), (L, "EINHEIT"): {"T", "M", "S", ""},
               (U, "RUECKGRIFF"): {"J", "N"}}
TABLE_CODES = {(P, "STAATSANG"): "ST", (P, "SOZRAUM"): "SR", (L, "HILFEART"): "HA", (L, "END_GRUND"): "EG", (T, "ART"): "TA"}
NOISE = {(P, "NAME"), (P, "VORNAME"), (P, "STRASSE"), (P, "ORT"), (T, "NAME"), (T, "STRASSE"), (T, "ORT"), (A, "BEMERKUNG")}
NOISE_FORMS = ("nbsp", "trailing_space", "semicolon", "quote", "line_break")

Cell = tuple[str, str, str | None, str | None]  # kind, file, field, form


def matrix() -> list[Cell]:
    cells: list[Cell] = []
    cells += [("conflicting_key", f, None, None) for f in (P, A, L, T)]
    cells += [("conflicting_key", P, None, "with_duplicate_person")]
    cells += [("dangling_case_ref", f, "AKTEN_NR", None) for f in (B, L, U, Z)]
    cells += [("dangling_person_ref", f, "PERS_NR", None) for f in (B, L)]
    cells += [("dangling_person_ref", U, c, None) for c in ("KIND_PERS_NR", "ELTERNTEIL_PERS_NR", "PFLICHTIGER_PERS_NR")]
    cells += [("dangling_person_ref", B, "PERS_NR", "deleted"), ("dangling_provider_ref", L, "TRAEGER_NR", None),
              ("dangling_service_ref", Z, "LEIST_NR", None)]
    for f, c in DATE_COLUMNS:
        cells += [("invalid_date", f, c, form) for form in ("impossible", "month_13", "iso")]
        if (f, c) != (P, "TODES_DAT"):
            cells.append(("date_notation", f, c, "unpadded"))
        if (f, c) in TOO_OLD_COLUMNS:
            cells.append(("implausible_date", f, c, "too_old"))
        if (f, c) in START_COLUMNS:
            cells.append(("unknown_date_not_allowed", f, c, "unknown"))
    cells += [("invalid_date", Z, c, form) for c in ("VON", "BIS") for form in ("impossible", "month_13")]
    cells += [("end_before_start", f, c, None) for f, c in ((P, "TODES_DAT"), (A, "ABGESCHL"), (B, "BIS"), (L, "ENDE"),
                                                            (U, "ENDE"), (Z, "BIS"))]
    cells += [("unknown_code", f, c, None) for f, c in (*FIXED_CODES, *TABLE_CODES)]
    cells += [("retired_code", f, c, None) for f, c in TABLE_CODES]
    cells += [("duplicate_record", f, None, None) for f in (P, L, Z)]
    cells += [("negative_payment", Z, "BETRAG_CENT", None), ("payment_without_service", Z, "LEIST_NR", None)]
    for f, c in sorted(NOISE):
        cells += [("noisy_text", f, c, form) for form in NOISE_FORMS if not (form == "line_break" and f == P)]
    return cells


# Kinds that make the record itself unloadable (by the specs): it must be in the quarantine.
ERROR_KINDS = {"conflicting_key", "dangling_case_ref", "dangling_person_ref", "dangling_service_ref",
               "dangling_provider_ref", "invalid_date", "end_before_start", "unknown_code", "unparseable_amount",
               "mojibake", "service_before_birth", "age_limit"}
ERROR_CELLS = {("unknown_date_not_allowed", L, "BEGINN"), ("unknown_date_not_allowed", U, "BEGINN"),
               ("implausible_date", P, "GEB_DAT")}
# Kinds a reader must take as they are (loaded, at most a warning on the record itself).
LOADABLE_KINDS = {"noisy_text", "date_notation", "negative_payment", "payment_without_service"}


# -- reading the files with plain Python ----------------------------------------------------------


@dataclass
class Files:
    root: Path
    truth: dict[str, Any]
    text: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)  # file -> line -> values
    payments: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in TEXT_FILES:
            self.text[name] = read_text(self.root / name)
        lines = (self.root / Z).read_bytes().decode("cp1252").split("\r\n")
        self.payments = [line for line in lines if line.startswith("10")]

    def keys(self, name: str) -> set[str]:
        return {"|".join(v[c] for c in KEYS[name]) for v in self.text[name].values()}

    def codes(self, table: str) -> dict[str, str]:
        return {v["SCHL"]: v["GUELTIG_BIS"] for v in self.text["SCHLUESSEL.TXT"].values() if v["TAB"] == table}


def read_text(path: Path) -> dict[int, dict[str, str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";", quotechar='"')
        header = next(reader)
        out: dict[int, dict[str, str]] = {}
        last = reader.line_num
        for values in reader:
            out[last + 1] = dict(zip(header, values, strict=True))
            last = reader.line_num
    return out


PAYMENT_FIELDS = {"ZAHL_NR": (2, 12), "AKTEN_NR": (12, 32), "LEIST_NR": (32, 42), "ZAHLART": (42, 44), "FAELLIG": (44, 52),
                  "VON": (52, 60), "BIS": (60, 68), "BETRAG_CENT": (68, 81)}


def payment(files: Files, line: int) -> dict[str, str]:
    text = files.payments[line - 1]
    return {k: text[a:b].strip() for k, (a, b) in PAYMENT_FIELDS.items()}


def day(text: str) -> dt.date | None:
    for fmt in ("%d.%m.%Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def cell_of(d: dict[str, Any]) -> Cell:
    detail = d["detail"]
    form = detail.get("form") or detail.get("noise")
    if d["kind"] == "conflicting_key" and detail.get("combination") == "duplicate_person":
        form = "with_duplicate_person"
    if detail.get("deleted"):
        form = "deleted"
    field = None if d["kind"] in ("conflicting_key", "duplicate_record") else d["field"]
    return (d["kind"], d["file"], field, form)


# -- what each defect looks like in the file --------------------------------------------------------


def _conflict(files: Files, d: dict[str, Any], values: dict[str, str]) -> bool:
    earlier = [v for line, v in files.text[d["file"]].items() if line < d["line"]
               and "|".join(v[c] for c in KEYS[d["file"]]) == d["key"]]
    ok = bool(earlier) and all(v != values for v in earlier)
    if d["detail"].get("combination") == "duplicate_person":
        identity = files.truth["identities"][f"{P}:{d['key']}"]
        ok = ok and sum(1 for i in files.truth["identities"].values() if i == identity) >= 2
    return ok


def _dangling(files: Files, d: dict[str, Any], value: str) -> bool:
    target = {"dangling_case_ref": A, "dangling_person_ref": P, "dangling_provider_ref": T, "dangling_service_ref": L}[d["kind"]]
    present = files.keys(target)
    ok = value != "" and value not in present
    if d["detail"].get("deleted"):  # the deleted record is named by the participation, not by a later number
        ok = ok and int(value) <= max(int(k) for k in present)
    return ok


def _date_form(d: dict[str, Any], value: str) -> bool:
    form = d["detail"]["form"]
    if d["file"] == Z:
        return re.fullmatch(r"\d{8}", value) is not None and day(value) is None and (
            (form == "month_13") == (value[4:6] == "13"))
    return {
        "impossible": re.fullmatch(r"\d\d\.\d\d\.\d{4}", value) is not None and day(value) is None and value[3:5] != "13",
        "month_13": re.fullmatch(r"\d\d\.13\.\d{4}", value) is not None,
        "iso": re.fullmatch(r"\d{4}-\d\d-\d\d", value) is not None,
        "unpadded": re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value) is not None and len(value) < 10 and day(value) is not None,
        "too_old": value == "01.01.1800",
        "unknown": value == "00.00.0000",
    }[form]


PERIODS = {(P, "TODES_DAT"): "GEB_DAT", (A, "ABGESCHL"): "ANGELEGT", (B, "BIS"): "VON", (L, "ENDE"): "BEGINN",
           (U, "ENDE"): "BEGINN", (Z, "BIS"): "VON"}


def _end_before_start(d: dict[str, Any], values: dict[str, str]) -> bool:
    start, end = day(values[PERIODS[(d["file"], d["field"])]]), day(values[d["field"]])
    return start is not None and end is not None and end < start


def _code(files: Files, d: dict[str, Any], value: str) -> bool:
    column = (d["file"], d["field"])
    if d["kind"] == "unknown_code":
        return value not in FIXED_CODES[column] if column in FIXED_CODES else value not in files.codes(TABLE_CODES[column])
    return bool(files.codes(TABLE_CODES[column]).get(value))  # retired: GUELTIG_BIS set


def _noise(d: dict[str, Any], value: str) -> bool:
    original = d["detail"]["original"]
    return value != original and {
        "nbsp": "\u00a0" in value, "trailing_space": value.endswith(" "), "semicolon": ";" in value and ";" not in original,
        "quote": '"' in value and '"' not in original, "line_break": "\r\n" in value,
    }[d["detail"]["noise"]]


def shows_defect(files: Files, d: dict[str, Any]) -> bool:
    if d["file"] == Z:
        values = payment(files, d["line"])
        assert values["ZAHL_NR"] == d["key"]
    else:
        values = files.text[d["file"]][d["line"]]
        assert "|".join(values[c] for c in KEYS[d["file"]]) == d["key"]
    value = values.get(d["field"] or "", "")
    kind = d["kind"]
    checks: dict[str, Callable[[], bool]] = {
        "conflicting_key": lambda: _conflict(files, d, values),
        "duplicate_record": lambda: (files.payments[d["line"] - 1] == files.payments[d["line"] - 2] if d["file"] == Z
                                     else files.text[d["file"]].get(d["related"][0]["line"]) == values),
        "invalid_date": lambda: _date_form(d, value), "date_notation": lambda: _date_form(d, value),
        "implausible_date": lambda: _date_form(d, value), "unknown_date_not_allowed": lambda: _date_form(d, value),
        "end_before_start": lambda: _end_before_start(d, values),
        "unknown_code": lambda: _code(files, d, value), "retired_code": lambda: _code(files, d, value),
        "noisy_text": lambda: _noise(d, value),
        "negative_payment": lambda: values["ZAHLART"] == "KB" and int(values["BETRAG_CENT"]) < 0,
        "payment_without_service": lambda: values["ZAHLART"] == "HE" and values["LEIST_NR"] == "",
    }
    check = checks.get(kind, lambda: _dangling(files, d, value))
    return check()


# -- fixtures ---------------------------------------------------------------------------------------


def run_cli(export: Path, out: Path, db: Path, lists: Path | None = None) -> tuple[int, str, dict[str, Any]]:
    args = ["run", "--export", str(export), "--db", f"sqlite:///{db}", "--out", str(out), "--no-progress"]
    if lists is not None:
        args += ["--lists", str(lists)]
    result = CliRunner().invoke(main, args)
    summaries = sorted(out.glob("*/summary.json"))
    summary = json.loads(summaries[-1].read_text(encoding="utf-8")) if summaries else {}
    if result.exit_code != 0:
        logs = sorted(out.glob("*/error.log"))
        detail = logs[-1].read_text(encoding="utf-8") if logs else repr(result.exception)
        return result.exit_code, result.output + "\n" + detail, summary
    return result.exit_code, result.output, summary


@dataclass
class Generated:
    root: Path
    truth: dict[str, Any]
    files: Files
    code: int
    output: str
    summary: dict[str, Any]
    db: Path


def _generate_and_run(base: Path, lists: bool, **options: Any) -> Generated:
    truth = generate(base / "data", "small", 2, lists=lists, **options)
    files = Files(base / "data" / "legacy", truth)
    code, output, summary = run_cli(base / "data" / "legacy", base / "runs", base / "t.sqlite",
                                    base / "data" / "lists" if lists else None)
    return Generated(base / "data", truth, files, code, output, summary, base / "t.sqlite")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate_and_run(tmp_path_factory.mktemp("matrix"), lists=True)


@pytest.fixture(scope="module")
def whole_file(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate_and_run(tmp_path_factory.mktemp("matrix_files"), lists=False,
                             empty_files=(U, Z), shuffle_files=(P, L, B))


# -- each cell planted ------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", matrix(), ids=lambda c: "-".join(x for x in c if x))
def test_cell_is_planted_where_truth_says(generated: Generated, cell: Cell) -> None:
    defects = [d for d in generated.truth["defects"] if cell_of(d) == cell]
    assert defects, f"no {cell} planted"
    for d in defects:
        assert shows_defect(generated.files, d), d


def test_every_planted_defect_of_a_matrix_kind_is_in_a_cell(generated: Generated) -> None:
    """No cell the test does not know (a typo in a field or form name would hide a cell)."""
    cells = set(matrix())
    kinds = {c[0] for c in cells}
    stray = {cell_of(d) for d in generated.truth["defects"] if d["kind"] in kinds} - cells - OPTIONAL_CELLS
    assert not stray, stray


# -- one run over all of it together ------------------------------------------------------------------


def _accounted(g: Generated) -> None:
    assert g.code == 0, g.output
    assert g.summary["status"] == "ok"
    for row in g.summary["files"]:
        assert row["read"] == row["loaded"] + row["merged"] + row["quarantined"] + row["skipped"], row
    assert g.summary["checks"] and all(c["ok"] for c in g.summary["checks"]), g.summary["checks"]
    money = g.summary["money"]
    assert money["manifest_cents"] == money["read_cents"] == g.truth["legacy"]["files"][Z]["sum_cent"]


def _quarantined(g: Generated) -> set[tuple[str, int]]:
    with sqlite3.connect(g.db) as conn:
        return {(path, line) for path, line in conn.execute(
            "select f.path, q.src_line from mig_quarantine q join mig_source_file f on f.source_file_id = q.src_file_id "
            "where q.run_id = (select max(run_id) from mig_run)")}


def _own_errors(g: Generated) -> set[tuple[str, int]]:
    """Records with an error finding of their own (not only "hängt ab von ...")."""
    findings = sorted(g.root.parent.glob("runs/*/findings.csv"))[-1]
    with findings.open(encoding="utf-8-sig", newline="") as handle:
        return {(r["src_path"], int(r["src_line"])) for r in csv.DictReader(handle, delimiter=";")
                if r["severity"] == "error" and r["rule_id"] != "ref.depends_on_quarantined" and r["src_line"]}


def _errors_quarantined(g: Generated) -> None:
    quarantined = _quarantined(g)
    missing = defaultdict(list)
    for d in g.truth["defects"]:
        if d["kind"] in ERROR_KINDS or (d["kind"], d["file"], d["field"]) in ERROR_CELLS:
            if (d["file"], d["line"]) not in quarantined:
                missing[cell_of(d)].append(d["line"])
    assert not missing, dict(missing)


def test_run_over_every_cell_at_once_accounts_for_every_record(generated: Generated) -> None:
    _accounted(generated)
    files = {(r["file"], r["entity"]): r for r in generated.summary["files"]}
    for name, entry in generated.truth["legacy"]["files"].items():
        read = sum(r["read"] for (f, e), r in files.items() if f == name and (e == "person" or name != P))
        assert read == entry["records"], name


def test_run_quarantines_every_planted_error(generated: Generated) -> None:
    _errors_quarantined(generated)


def test_run_loads_what_a_reader_must_take_as_it_is(generated: Generated) -> None:
    own = _own_errors(generated)
    refused = [cell_of(d) for d in generated.truth["defects"]
               if d["kind"] in LOADABLE_KINDS and (d["file"], d["line"]) in own]
    assert not refused, refused


# -- whole-file options ---------------------------------------------------------------------------------


def test_whole_file_options_write_empty_and_shuffled_files(whole_file: Generated) -> None:
    legacy = whole_file.root / "legacy"
    assert whole_file.truth["legacy"]["options"] == {"empty_files": [U, Z], "shuffled_files": [P, B, L]}
    assert (legacy / U).read_bytes().decode("cp1252").split("\r\n") == [
        "AKTEN_NR;KIND_PERS_NR;ELTERNTEIL_PERS_NR;PFLICHTIGER_PERS_NR;BEGINN;ENDE;MONATSBETRAG;RUECKGRIFF", ""]
    payments = (legacy / Z).read_bytes().decode("cp1252").split("\r\n")
    assert len(payments) == 2 and payments[0].startswith("90") and int(payments[0][2:12]) == 0 and int(payments[0][12:27]) == 0
    inf = (legacy / "EXPORT.INF").read_bytes().decode("cp1252")
    assert "DATEI=UVG.TXT;SAETZE=0" in inf and "DATEI=ZAHLUNGEN.DAT;SAETZE=0;SUMME_CENT=0" in inf
    assert not [d for d in whole_file.truth["defects"] if d["file"] in (U, Z) or d["kind"] == "payment_outside_period"]
    for name, column in ((P, "PERS_NR"), (L, "LEIST_NR")):
        keys = [int(v[column]) for v in whole_file.files.text[name].values()]
        assert keys != sorted(keys), f"{name} is not shuffled"
    for d in whole_file.truth["defects"]:  # truth follows the records to their new lines
        if d["file"] in TEXT_FILES:
            values = whole_file.files.text[d["file"]][d["line"]]
            assert "|".join(values[c] for c in KEYS[d["file"]]) == d["key"]


def test_run_with_whole_file_options_accounts_for_every_record(whole_file: Generated) -> None:
    _accounted(whole_file)
    assert whole_file.summary["money"]["read_cents"] == 0
    _errors_quarantined(whole_file)
