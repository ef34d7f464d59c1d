"""Retired and unknown codes, coded columns checked against their table, office code lists, export info."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from jhmig.layout import REFERENCE_LAYOUT
from jhmig.transform import build_context, transform_extract
from jhmig.extract import extract_export
from jhmig.layout import load_layout
from minimal_export import MiniExport, extract_and_map, rule_rows


def _layout(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(REFERENCE_LAYOUT.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "layouts" / "custom.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _run(folder: Path, layout_path: Path | None = None):  # type: ignore[no-untyped-def]
    layout = load_layout(layout_path)
    extract = extract_export(folder, layout)
    ctx = build_context(layout, extract)
    transform_extract(extract, ctx)
    return extract, ctx


def test_retired_code_without_successor_is_kept_with_its_text_and_warned(tmp_path: Path) -> None:
    export = MiniExport()
    # EG 08: retired, its text matches no map row -> no successor anywhere
    export.rows["SCHLUESSEL.TXT"].append("EG;08;Hilfe beendet wegen Umzugs (alt);31.12.2013")
    export.rows["LEISTUNGEN.TXT"][1] = "101;51.3-WJH-2020/00002;4;065;01.01.2020;14.01.2020;08;;45,50;T"
    extract, ctx = _run(export.write(tmp_path / "x"))
    services = extract.batch.frames["service"].set_index("legacy_key")
    assert services.loc["101", "termination_reason"] == "EG:08"
    kept = rule_rows(extract, "code.retired_kept")
    assert kept["severity"].tolist() == ["warning"] and "keinen Nachfolger" in kept["message"].iloc[0]
    assert not len(rule_rows(extract, "code.unknown"))
    row = ctx.code_lists[(ctx.code_lists["code_list"] == "termination_reason") & (ctx.code_lists["code"] == "EG:08")]
    assert "Umzugs" in row["label_de"].iloc[0]
    # used in 2020, retired 2013: a warning of its own
    late = rule_rows(extract, "code.used_after_retirement")
    assert set(late["legacy_key"]) == {"101"} and set(late["field"]) == {"termination_reason", "service_type"}


def test_retired_code_with_successor_named_by_the_code_table(tmp_path: Path) -> None:
    export = MiniExport()
    export.rows["SCHLUESSEL.TXT"] = [r + ";" for r in export.rows["SCHLUESSEL.TXT"]] + ["EG;08;Ende alt;31.12.2013;01"]
    export.rows["LEISTUNGEN.TXT"][1] = "101;51.3-WJH-2020/00002;4;060;01.01.2012;14.01.2012;08;;45,50;T"
    folder = export.write(tmp_path / "x")
    text = (folder / "SCHLUESSEL.TXT").read_bytes().decode("cp1252").replace("TAB;SCHL;TEXT;GUELTIG_BIS", "TAB;SCHL;TEXT;GUELTIG_BIS;NACHFOLGER")
    (folder / "SCHLUESSEL.TXT").write_bytes(text.encode("cp1252"))

    def change(data: dict) -> None:
        code_file = next(f for f in data["files"] if f["file"] == "SCHLUESSEL.TXT")
        code_file["columns"]["NACHFOLGER"] = {"field": "successor", "type": "text"}

    extract, _ = _run(folder, _layout(tmp_path, change))
    services = extract.batch.frames["service"].set_index("legacy_key")
    assert services.loc["101", "termination_reason"] == "planned"  # 08 -> successor 01 -> planmäßig
    retired = rule_rows(extract, "code.retired")
    assert retired["severity"].tolist() == ["warning"] and "Nachfolger planned" in retired["message"].iloc[0]
    assert not len(rule_rows(extract, "code.used_after_retirement"))  # ended 2012, before the retirement


def test_unknown_nationality_and_district_are_errors_naming_the_table(tmp_path: Path) -> None:
    export = MiniExport()
    export.rows["PERSONEN.TXT"][2] = "3;Özdemir;Elif;;14.07.2012;2;999;Lindenweg;3;54290;Trier;77;;05.06.2013;"
    result = extract_and_map(export.write(tmp_path / "x"))
    unknown = rule_rows(result, "code.unknown")
    assert sorted(unknown["field"]) == ["nationality", "social_district"]
    assert set(unknown["severity"]) == {"error"} and set(unknown["legacy_key"]) == {"3"}
    assert any("Tabelle ST" in m for m in unknown["message"]) and any("Tabelle SR" in m for m in unknown["message"])
    persons = result.batch.frames["person"].set_index("legacy_key")
    assert persons.loc["1", "nationality"] == "000" and persons.loc["3", "nationality"] is pd.NA


def test_iso3_nationality_through_an_office_code_list(tmp_path: Path) -> None:
    export = MiniExport()
    export.rows["PERSONEN.TXT"] = [r.replace(";000;", ";DEU;").replace(";163;", ";TUR;") for r in export.rows["PERSONEN.TXT"]]
    export.rows["PERSONEN.TXT"][3] = export.rows["PERSONEN.TXT"][3].replace(";1;;", ";1;XYZ;")
    maps = tmp_path / "iso"
    maps.mkdir()
    (maps / "iso3.csv").write_text("code,label_de\nDEU,deutsch\nTUR,türkisch\n", encoding="utf-8")
    (maps / "staat.csv").write_text("legacy_code,legacy_text,unified_code,note\nDEU,,DEU,\nTUR,,TUR,\n", encoding="utf-8")

    def change(data: dict) -> None:
        data["code_maps"]["nationality"] = {"file": "iso/staat.csv", "code_list": "iso/iso3.csv"}

    extract, ctx = _run(export.write(tmp_path / "x"), _layout(tmp_path, change))
    persons = extract.batch.frames["person"].set_index("legacy_key")
    assert persons.loc["1", "nationality"] == "DEU" and persons.loc["3", "nationality"] == "TUR"
    unknown = rule_rows(extract, "code.unknown")
    assert unknown["legacy_key"].tolist() == ["4"] and "staat.csv" in unknown["message"].iloc[0]
    assert set(ctx.code_lists.loc[ctx.code_lists["code_list"] == "nationality", "code"]) == {"DEU", "TUR"}


def test_export_date_and_office_from_a_separate_info_file(tmp_path: Path) -> None:
    folder = MiniExport().write(tmp_path / "x")
    (folder / "INFO.TXT").write_bytes("Exportdatum: 01.02.2025\r\nAmt: Stadtjugendamt Musterstadt\r\n".encode("cp1252"))

    def change(data: dict) -> None:
        data["export_info"] = {"file": "INFO.TXT", "export_date_key": "Exportdatum", "office_key": "Amt"}

    extract, _ = _run(folder, _layout(tmp_path, change))
    assert extract.manifest.export_date == "01.02.2025" and extract.manifest.office == "Stadtjugendamt Musterstadt"
    assert extract.manifest.entries  # the control totals still come from EXPORT.INF
