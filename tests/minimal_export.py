"""A tiny hand-written legacy export in the reference layout, byte by byte.

Small enough to read in a test, and it carries the spec's parser quirks on
purpose: cp1252 '€' and umlauts, a quoted multi-line remark with ';' and
doubled quotes, trailing-minus and thousands-dot amounts, '00.00.0000' and
'31.12.9999', a fixed-width payment file with its trailer, a manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jhmig.extract import extract_export
from jhmig.layout import load_layout
from jhmig.records import ExtractResult
from jhmig.transform import build_context, transform_extract

CRLF = "\r\n"

PERSONEN = [
    # PERS_NR;NAME;VORNAME;GEBNAME;GEB_DAT;GESCHL;STAATSANG;STRASSE;HNR;PLZ;ORT;SOZRAUM;TODES_DAT;ANGELEGT;GEAENDERT
    "1;Müller;Jürgen;;03.05.1980;1;000;Hauptstraße;12a;01662;Meißen;01;;01.01.2010;02.02.2020",
    "2;von Berg;Anna Sophie;Schäfer;00.00.0000;2;000;Am Weiher;12-14;54290;Trier;02;;01.01.2012;",
    "3;Özdemir;Elif;;14.07.2012;2;163;Lindenweg;3;54290;Trier;03;;05.06.2013;",
    "4;Weiß;Paul;;28.02.2011;1;;Gartenstraße;7;54292;Trier;;;05.06.2013;",
]
AKTEN = [
    # AKTEN_NR;FACHBEREICH;STATUS;ANGELEGT;ABGESCHL;SACHB;BEMERKUNG
    '51.3-UV-2019/00001;UV;A;01.03.2019;;MK;"Vater zahlt nicht; Rückgriff läuft.\r\nKosten 100 € vorgemerkt, ""dringend"""',
    "51.3-WJH-2020/00002;WJH;Z;10.01.2020;31.12.2021;AB;",
]
BETEILIGTE = [
    "51.3-UV-2019/00001;3;K;01.03.2019;31.12.9999",
    "51.3-UV-2019/00001;2;M;01.03.2019;",
    "51.3-UV-2019/00001;1;U;01.03.2019;",
    "51.3-WJH-2020/00002;4;K;10.01.2020;31.12.2021",
]
LEISTUNGEN = [
    # LEIST_NR;AKTEN_NR;PERS_NR;HILFEART;BEGINN;ENDE;END_GRUND;TRAEGER_NR;ENTGELT;EINHEIT
    "100;51.3-WJH-2020/00002;4;070;15.01.2020;31.12.2021;01;7;5.120,00;M",
    "101;51.3-WJH-2020/00002;4;065;01.01.2020;14.01.2020;02;;45,50;T",
]
UVG = [
    "51.3-UV-2019/00001;3;2;1;01.03.2019;31.12.9999;230,00;J",
]
TRAEGER = [
    '7;"Kinderheim St. Josef e.V.";2;Klosterweg;1;54290;Trier;DE89370400440532013000',
]
SCHLUESSEL = [
    "HA;060;Vollzeitpflege;",
    "HA;065;Vollzeitpflege Verwandte;31.12.2015",
    "HA;070;Heimerziehung/betreute Wohnform;",
    "EG;01;planmäßig;",
    "EG;02;Abbruch durch Einrichtung;",
    "TA;1;öffentlich;",
    "TA;2;frei-gemeinnützig;",
    "TA;3;privat-gewerblich;",
    "ST;000;deutsch;",
    "ST;163;türkisch;",
    "SR;01;Sozialraum Nord;",
    "SR;02;Sozialraum Mitte;",
    "SR;03;Sozialraum Süd;",
]

HEADERS = {
    "PERSONEN.TXT": "PERS_NR;NAME;VORNAME;GEBNAME;GEB_DAT;GESCHL;STAATSANG;STRASSE;HNR;PLZ;ORT;SOZRAUM;TODES_DAT;ANGELEGT;GEAENDERT",
    "AKTEN.TXT": "AKTEN_NR;FACHBEREICH;STATUS;ANGELEGT;ABGESCHL;SACHB;BEMERKUNG",
    "BETEILIGTE.TXT": "AKTEN_NR;PERS_NR;ROLLE;VON;BIS",
    "LEISTUNGEN.TXT": "LEIST_NR;AKTEN_NR;PERS_NR;HILFEART;BEGINN;ENDE;END_GRUND;TRAEGER_NR;ENTGELT;EINHEIT",
    "UVG.TXT": "AKTEN_NR;KIND_PERS_NR;ELTERNTEIL_PERS_NR;PFLICHTIGER_PERS_NR;BEGINN;ENDE;MONATSBETRAG;RUECKGRIFF",
    "TRAEGER.TXT": "TRAEGER_NR;NAME;ART;STRASSE;HNR;PLZ;ORT;IBAN",
    "SCHLUESSEL.TXT": "TAB;SCHL;TEXT;GUELTIG_BIS",
}


def payment_record(zahl_nr: int, akten_nr: str, leist_nr: int | None, zahlart: str, faellig: str, von: str, bis: str,
                   cents: int, iban: str, payee: str) -> str:
    rec = (
        "10"
        + str(zahl_nr).rjust(10)
        + akten_nr.ljust(20)
        + (str(leist_nr).rjust(10) if leist_nr is not None else " " * 10)
        + zahlart
        + faellig + von + bis
        + str(cents).rjust(13)
        + iban.ljust(34)
        + payee.ljust(27)
    )
    assert len(rec) == 142, len(rec)
    return rec


def trailer(count: int, total: int) -> str:
    return ("90" + str(count).zfill(10) + (("-" if total < 0 else "") + str(abs(total)).zfill(14 if total < 0 else 15))).ljust(142)


PAYMENTS = [
    (1, "51.3-UV-2019/00001", None, "UV", "20190301", "20190301", "20190331", 23000, "DE89370400440532013000", "Anna Sophie von Berg"),
    (2, "51.3-UV-2019/00001", None, "RG", "20190415", "20190301", "20190331", -4600, "", "Jürgen Müller"),
    (3, "51.3-WJH-2020/00002", 100, "HE", "20200201", "20200115", "20200131", 512000, "DE89370400440532013000", "Kinderheim St. Josef e.V."),
    (4, "51.3-WJH-2020/00002", 101, "HE", "20200115", "20200101", "20200114", 63700, "", "Pflegefamilie Weiß"),
]


@dataclass
class MiniExport:
    rows: dict[str, list[str]] = field(default_factory=lambda: {
        "PERSONEN.TXT": list(PERSONEN), "AKTEN.TXT": list(AKTEN), "BETEILIGTE.TXT": list(BETEILIGTE),
        "LEISTUNGEN.TXT": list(LEISTUNGEN), "UVG.TXT": list(UVG), "TRAEGER.TXT": list(TRAEGER),
        "SCHLUESSEL.TXT": list(SCHLUESSEL),
    })
    payments: list[tuple] = field(default_factory=lambda: list(PAYMENTS))
    manifest_overrides: dict[str, int] = field(default_factory=dict)  # e.g. {"PERSONEN.TXT": 99}
    sum_override: int | None = None
    with_trailer: bool = True

    @property
    def payment_sum(self) -> int:
        return sum(p[7] for p in self.payments)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        counts = {}
        for name, rows in self.rows.items():
            text = HEADERS[name] + CRLF + "".join(r + CRLF for r in rows)
            (folder / name).write_bytes(text.encode("cp1252"))
            counts[name] = len(rows)
        lines = [payment_record(*p) for p in self.payments]
        if self.with_trailer:
            lines.append(trailer(len(self.payments), self.payment_sum))
        (folder / "ZAHLUNGEN.DAT").write_bytes("".join(line + CRLF for line in lines).encode("cp1252"))
        counts["ZAHLUNGEN.DAT"] = len(self.payments)
        manifest = ["EXPORT_DATUM=15.03.2024", "JUGENDAMT=Kreisjugendamt Beispielkreis", "AGS=07211000", "VERSION=OK.JUG 7.4"]
        for name, count in counts.items():
            count = self.manifest_overrides.get(name, count)
            entry = f"DATEI={name};SAETZE={count}"
            if name == "ZAHLUNGEN.DAT":
                entry += f";SUMME_CENT={self.sum_override if self.sum_override is not None else self.payment_sum}"
            manifest.append(entry)
        (folder / "EXPORT.INF").write_bytes("".join(m + CRLF for m in manifest).encode("cp1252"))
        return folder


# ---------------------------------------------------------------------------
# The same records as another vendor would deliver them (example-vendor-b.yaml)
# ---------------------------------------------------------------------------

VENDOR_B_COLUMNS = {
    "PERSONEN.TXT": ("persons.csv", "person_id,last_name,first_names,birth_name,born,sex,citizenship,street,house_no,zip,city,district,died,created,modified"),
    "AKTEN.TXT": ("cases.csv", "case_no,unit,state,opened,closed,worker,note"),
    "BETEILIGTE.TXT": ("members.csv", "case_no,person_id,role,from,until"),
    "LEISTUNGEN.TXT": ("measures.csv", "measure_id,case_no,person_id,kind,start,end,end_reason,provider_id,rate,unit"),
    "UVG.TXT": ("uvg_claims.csv", "case_no,child_id,parent_id,liable_id,start,end,monthly,recovery"),
    "TRAEGER.TXT": ("providers.csv", "provider_id,name,kind,street,house_no,zip,city,iban"),
    "SCHLUESSEL.TXT": ("codes.csv", "table,code,label,valid_to"),
}
_B_CODES = {
    "sex": {"1": "M", "2": "F", "3": "D", "0": "X"},
    "unit": {"UV": "UVG", "BS": "BEISTAND", "AV": "VORMUND", "WJH": "WJH", "PKD": "PFLEGE", "KT": "KITA"},
    "state": {"A": "open", "Z": "closed", "R": "resting"},
    "role": {"K": "child", "M": "mother", "V": "father", "S": "custodian", "P": "foster", "U": "liable", "B": "guardian", "G": "representative"},
    "kind_measure": {"060": "P33", "070": "P34", "065": "P33V"},
    "kind_provider": {"1": "public", "2": "nonprofit", "3": "commercial"},
    "unit_rate": {"T": "day", "M": "month", "S": "hour"},
    "table": {"HA": "MEASURE", "EG": "END", "TA": "PROVIDER", "ST": "NATION", "SR": "DISTRICT"},
    "pay": {"UV": "uvg", "HE": "help", "KB": "kita", "RG": "recovery", "ST": "reversal"},
}


def _b_date(value: str) -> str:
    if value in ("", "00.00.0000"):
        return ""
    d, m, y = value.split(".")
    return f"{y}-{m}-{d}"


def _b_amount(value: str) -> str:
    if not value:
        return ""
    neg = value.endswith("-")
    v = value.rstrip("-").replace(".", "").replace(",", ".")
    return ("-" if neg else "") + v


def write_vendor_b(export: MiniExport, folder: Path) -> Path:
    """Write ``export``'s records as vendor B would: UTF-8, ',', ISO dates, decimal point."""
    import csv
    import io

    folder.mkdir(parents=True, exist_ok=True)
    date_cols = {"born", "died", "created", "modified", "opened", "closed", "from", "until", "start", "end", "valid_to"}
    counts: dict[str, int] = {}
    for name, rows in export.rows.items():
        target, header = VENDOR_B_COLUMNS[name]
        cols = header.split(",")
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for row in csv.reader(rows, delimiter=";"):
            out = []
            for col, value in zip(cols, row):
                if col in date_cols:
                    value = _b_date(value)
                elif col in ("rate", "monthly"):
                    value = _b_amount(value)
                elif col == "sex":
                    value = _B_CODES["sex"].get(value, value)
                elif col == "unit" and name == "AKTEN.TXT":
                    value = _B_CODES["unit"][value]
                elif col == "unit":
                    value = _B_CODES["unit_rate"][value]
                elif col == "state":
                    value = _B_CODES["state"][value]
                elif col == "role":
                    value = _B_CODES["role"][value]
                elif col == "kind" and name == "LEISTUNGEN.TXT":
                    value = _B_CODES["kind_measure"][value]
                elif col == "kind" and name == "TRAEGER.TXT":
                    value = _B_CODES["kind_provider"][value]
                elif col == "recovery":
                    value = {"J": "yes", "N": "no"}[value]
                elif col == "table":
                    value = _B_CODES["table"][value]
                elif col == "code" and name == "SCHLUESSEL.TXT":
                    value = _B_CODES["kind_measure"].get(value, value)
                out.append(value)
            writer.writerow(out)
        (folder / target).write_text(buf.getvalue(), encoding="utf-8")
        counts[target] = len(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow("payment_id,case_no,measure_id,kind,due,from,to,amount,iban,payee".split(","))
    for (nr, case, leist, kind, due, von, bis, cents, iban, payee) in export.payments:
        iso = lambda d: f"{d[:4]}-{d[4:6]}-{d[6:]}"  # noqa: E731
        amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        writer.writerow([nr, case, "" if leist is None else leist, _B_CODES["pay"][kind], iso(due), iso(von), iso(bis), amount, iban, payee])
    (folder / "payments.csv").write_text(buf.getvalue(), encoding="utf-8")
    counts["payments.csv"] = len(export.payments)
    lines = ["CREATED=2024-03-15"] + [f"FILE={k};ROWS={v}" + (f";TOTAL_CENTS={export.payment_sum}" if k == "payments.csv" else "") for k, v in counts.items()]
    (folder / "control.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def extract_and_map(folder: Path, layout_path: Path | None = None) -> ExtractResult:
    """Extract and transform an export as ``jhmig run`` does, without validation (reference layout by default)."""
    layout = load_layout(layout_path)
    result = extract_export(folder, layout)
    transform_extract(result, build_context(layout, result))
    return result


def rule_rows(result: ExtractResult, rule_id: str) -> pd.DataFrame:
    """The findings of one rule."""
    f = result.batch.findings.frame()
    return f[f["rule_id"] == rule_id]
