"""Another vendor's export is read by a layout file alone (no Python)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from jhmig.entities import entity_spec
from jhmig.errors import ConfigError, SourceReadError
from jhmig.extract import extract_export
from jhmig.layout import MAPPINGS_DIR, load_layout
from minimal_export import MiniExport, extract_and_map, rule_rows, write_vendor_b

VENDOR_B = MAPPINGS_DIR / "layouts" / "example-vendor-b.yaml"


def unified(folder: Path, layout_path: Path | None) -> dict[str, pd.DataFrame]:
    result = extract_and_map(folder, layout_path)
    assert not result.failed_checks, [c.describe() for c in result.failed_checks]
    return result.batch.frames


def comparable(frame: pd.DataFrame, entity: str) -> pd.DataFrame:
    spec = entity_spec(entity)
    cols = [c for c in spec.frame_columns if c not in ("src_path", "src_sheet", "src_line")]
    if entity in ("participant", "uvg_claim"):  # composite keys are built from the raw (vendor) values
        cols.remove("legacy_key")
    if entity == "legacy_code":  # code values and source system differ by design
        cols = ["text", "valid_to"]
    out = frame[cols].astype("string").sort_values(cols[0]).reset_index(drop=True)
    return out


def test_vendor_b_export_yields_the_same_unified_records(tmp_path: Path) -> None:
    export = MiniExport()
    reference = unified(export.write(tmp_path / "ref"), None)
    variant = unified(write_vendor_b(export, tmp_path / "b"), VENDOR_B)
    assert set(reference) == set(variant)
    for entity in reference:
        pd.testing.assert_frame_equal(comparable(variant[entity], entity), comparable(reference[entity], entity), obj=entity)
    # lineage points into the vendor's own files
    assert set(variant["payment"]["src_path"]) == {"payments.csv"}


def test_vendor_b_manifest_mismatch_is_detected(tmp_path: Path) -> None:
    export = MiniExport()
    folder = write_vendor_b(export, tmp_path / "b")
    text = (folder / "control.txt").read_text(encoding="utf-8").replace(f"TOTAL_CENTS={export.payment_sum}", "TOTAL_CENTS=1")
    (folder / "control.txt").write_text(text, encoding="utf-8")
    result = extract_export(folder, load_layout(VENDOR_B))
    assert [(c.file, c.what, c.expected, c.actual) for c in result.failed_checks] == [("payments.csv", "sum_cents", 1, export.payment_sum)]


# ---------------------------------------------------------------------------
# Habits of a third vendor ("C"), each written by a layout file alone
# ---------------------------------------------------------------------------

C_HEAD = """\
name: vendor-c-test
source_system: vendor_c
encoding: latin-1
formats: {date: "%Y%m%d", unknown_dates: ["", "00000000"], open_end_dates: ["99991231"], decimal: ".", thousands: "", negative: leading}
code_maps:
  department: {file: c/bereich.csv}
  case_status: {file: c/status.csv}
  service_type: {file: c/hilfeart.csv, legacy_table: hilfeart}
"""
C_CASES = """\
  - file: faelle.csv
    entity: case_file
    delimiter: "|"
    key: [az]
    columns:
      az:      {field: legacy_key, type: key, copy_to: file_number}
      bereich: {field: department, type: code, code_map: department}
      status:  {field: status, type: code, code_map: case_status}
      notiz:   {field: remark, type: text}
"""


def c_layout(folder: Path, files: str = C_CASES, manifest: str = "", head: str = C_HEAD) -> Path:
    maps = folder / "c"
    maps.mkdir(parents=True, exist_ok=True)
    h = "legacy_code,legacy_text,unified_code,note\n"
    (maps / "bereich.csv").write_text(h + "Unterhaltsvorschuss,,UV,\n", encoding="utf-8")
    (maps / "status.csv").write_text(h + "offen,,active,\n", encoding="utf-8")
    (maps / "hilfeart.csv").write_text(h + "§34,,34,\n,Vollzeitpflege Verwandte,33,\n", encoding="utf-8")
    path = folder / "vendor-c.yaml"
    path.write_text(head + textwrap.dedent(manifest) + "files:\n" + files, encoding="utf-8")
    return path


def write(folder: Path, name: str, lines: list[str], encoding: str = "latin-1") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes("".join(line + "\n" for line in lines).encode(encoding))


def test_unquoted_export_keeps_a_quote_that_opens_a_remark(tmp_path: Path) -> None:
    # With '"' as quote character the first remark would swallow the next field and lose its quotes.
    write(tmp_path / "x", "faelle.csv", ["Az|Bereich|Status|Notiz|Mandant",
                                         'A1|Unterhaltsvorschuss|offen|"dringend" Rückruf|KJA01',
                                         'A2|Unterhaltsvorschuss|offen|"halb offen|KJA01'])
    unquoted = C_CASES.replace('delimiter: "|"', 'delimiter: "|"\n    quotechar: null')
    result = extract_and_map(tmp_path / "x", c_layout(tmp_path, unquoted))
    frame = result.batch.frames["case_file"]
    assert frame["remark"].tolist() == ['"dringend" Rückruf', '"halb offen']
    assert not len(rule_rows(result, "extract.malformed_record"))


PAYMENTS_TSV = """\
  - file: zahlungen.tsv
    entity: payment
    encoding: utf-8
    delimiter: "\\t"
    key: [zahlung_id]
    sum_field: amount_cents
    columns:
      zahlung_id: {field: legacy_key, type: key}
      fall_id:    {field: case_file_key, type: key}
      betrag_ct:  {field: amount_cents, type: cents}
"""


def write_payments(folder: Path) -> None:
    text = "zahlung_id\tfall_id\tbetrag_ct\tbuchungstext\n1\tA1\t12345\tx\n2\tA1\t-345\ty\n"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Zahlungen.tsv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def test_manifest_as_a_table_with_the_sum_in_euros(tmp_path: Path) -> None:
    write_payments(tmp_path / "x")
    write(tmp_path / "x", "MANIFEST.TXT", ["datei;anzahl;summe", "zahlungen.tsv;2;120.00", "personen.csv;7;"])
    manifest = """\
    manifest: {file: manifest.txt, format: delimited, file_key: datei, count_key: anzahl, sum_key: summe, sum_type: amount}
    """
    result = extract_and_map(tmp_path / "x", c_layout(tmp_path, PAYMENTS_TSV, manifest))
    checks = {(c.file, c.what): (c.expected, c.actual) for c in result.checks}
    assert checks[("zahlungen.tsv", "records")] == (2, 2)
    assert checks[("zahlungen.tsv", "sum_cents")] == (12000, 12000)
    assert checks[("personen.csv", "file")] == (7, None)  # listed, but the layout does not read it
    # a wrong column name is named with the header found
    bad = manifest.replace("count_key: anzahl", "count_key: saetze")
    with pytest.raises(SourceReadError, match="lacks column.*saetze.*found DATEI, ANZAHL, SUMME"):
        extract_and_map(tmp_path / "x", c_layout(tmp_path, PAYMENTS_TSV, bad))


def test_manifest_as_json_with_export_date_in_the_vendors_format(tmp_path: Path) -> None:
    write_payments(tmp_path / "x")
    (tmp_path / "x" / "export.json").write_text(json.dumps({
        "erstellt": "20240315", "dateien": [{"name": "Zahlungen.tsv", "saetze": 2, "summe_ct": 11000}]}), encoding="utf-8")
    manifest = """\
    manifest: {file: export.json, format: json, entries_key: dateien, file_key: name, count_key: saetze, sum_key: summe_ct, export_date_key: erstellt}
    """
    result = extract_and_map(tmp_path / "x", c_layout(tmp_path, PAYMENTS_TSV, manifest))
    assert result.manifest.export_date == "2024-03-15"  # later stages read ISO, not the vendor's 20240315
    assert [(c.what, c.expected, c.actual) for c in result.failed_checks] == [("sum_cents", 11000, 12000)]


def test_code_table_open_end_sentinel_means_in_use_not_retired(tmp_path: Path) -> None:
    files = """\
  - file: hilfen.csv
    entity: service
    delimiter: "|"
    key: [id]
    columns:
      id:        {field: legacy_key, type: key}
      paragraph: {field: service_type, type: code, code_map: service_type}
  - file: schluessel.csv
    entity: legacy_code
    delimiter: "|"
    key: [tabelle, schluessel]
    code_table: true
    columns:
      tabelle:     {field: code_table, type: text}
      schluessel:  {field: code, type: text}
      bezeichnung: {field: text, type: text}
      gueltig_bis: {field: valid_to, type: end_date}
"""
    write(tmp_path / "x", "hilfen.csv", ["id|paragraph", "1|§34", "2|§33V"])
    write(tmp_path / "x", "schluessel.csv", ["tabelle|schluessel|bezeichnung|gueltig_bis",
                                            "hilfeart|§34|Heimerziehung|99991231", "hilfeart|§33V|Vollzeitpflege Verwandte|20151231"])
    result = extract_and_map(tmp_path / "x", c_layout(tmp_path, files))
    assert result.batch.frames["service"]["service_type"].tolist() == ["34", "33"]
    assert rule_rows(result, "code.retired")["legacy_key"].tolist() == ["2"]


def test_two_digit_years_follow_the_century_pivot(tmp_path: Path) -> None:
    files = """\
  - file: personen.csv
    entity: person
    delimiter: "|"
    key: [id]
    columns:
      id:  {field: legacy_key, type: key}
      geb: {field: birth_date, type: date, date_format: "%d.%m.%y"}
"""
    write(tmp_path / "x", "personen.csv", ["id|geb", "1|03.05.65", "2|14.07.12", "3|29.02.00", "4|31.02.12"])
    head = C_HEAD.replace("negative: leading}", "negative: leading, century_pivot: 30}")
    result = extract_and_map(tmp_path / "x", c_layout(tmp_path, files, head=head))
    born = result.batch.frames["person"]["birth_date"]
    assert [str(d.date()) if not pd.isna(d) else None for d in born] == ["1965-05-03", "2012-07-14", "2000-02-29", None]
    assert rule_rows(result, "value.invalid_date")["legacy_key"].tolist() == ["4"]


def test_headerless_file_lists_unused_columns_with_field_null(tmp_path: Path) -> None:
    files = """\
  - file: faelle.csv
    entity: case_file
    delimiter: "|"
    header: false
    key: [az]
    columns:
      mandant: {field: null}
      az:      {field: legacy_key, type: key}
      bereich: {field: department, type: code, code_map: department}
"""
    write(tmp_path / "x", "faelle.csv", ["KJA01|A1|Unterhaltsvorschuss"])
    frame = extract_and_map(tmp_path / "x", c_layout(tmp_path, files)).batch.frames["case_file"]
    assert frame[["legacy_key", "department"]].values.tolist() == [["A1", "UV"]]


@pytest.mark.parametrize(("change", "message"), [
    (("field: remark", "field: remarks"), "column notiz feeds field 'remarks', which entity case_file does not have"),
    (("entity: case_file", "entity: case"), "unknown entity 'case'"),
    (('delimiter: "|"', "delimiter: '\\t'"), "delimiter must be one character"),
    (('thousands: ""', 'thousands: "."'), "decimal and thousands are both '.'"),
])
def test_layout_mistakes_are_named_before_anything_is_read(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    # Before: a misspelt field was dropped silently, a bad entity or delimiter was a traceback,
    # decimal "." with the default thousands "." read 1234.50 as 123450.00.
    head, files = C_HEAD.replace(*change), C_CASES.replace(*change)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_layout(c_layout(tmp_path, files, head=head))


def test_wrong_delimiter_or_encoding_is_hinted(tmp_path: Path) -> None:
    write(tmp_path / "x", "faelle.csv", ["az;bereich;status;notiz", "A1;Unterhaltsvorschuss;offen;"])
    with pytest.raises(SourceReadError) as info:
        extract_and_map(tmp_path / "x", c_layout(tmp_path))
    assert "delimited by ';', not '|'" in str(info.value)
    write(tmp_path / "y", "faelle.csv", ["az|bereich|status|notiz", "A1|Unterhaltsvorschuss|offen|"], encoding="utf-8-sig")
    with pytest.raises(SourceReadError, match="byte-order mark"):
        extract_and_map(tmp_path / "y", c_layout(tmp_path))
