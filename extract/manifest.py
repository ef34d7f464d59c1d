"""Read the export's manifest (EXPORT.INF): control totals per file.

The manifest is what the legacy system says it exported. Comparing it with
what the files really hold is the first gate of every run. Vendors write it
as KEY=VALUE lines (the reference), as a small table (``datei;anzahl;summe``)
or as JSON; the layout's ``manifest.format`` says which.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd

from jhmig.errors import SourceReadError, column_names_excerpt, printable
from jhmig.extract.encoding_check import check_encoding
from jhmig.layout import Layout, ManifestLayout
from jhmig.records import Manifest, ManifestEntry
from jhmig.values import parse_amount_cents

_INT = re.compile(r"^[+-]?\d+$")


def read_manifest(export_dir: Path, layout: Layout) -> Manifest:
    from jhmig.extract.export_info import apply_export_info

    return apply_export_info(_read_manifest(export_dir, layout), export_dir, layout, _export_date)


def export_files(export_dir: Path, layout: Layout) -> list[tuple[Path, str]]:
    """The export's files the layout names, each with its declared encoding (for one message naming all)."""
    present = {p.name.upper(): p for p in export_dir.iterdir() if p.is_file()}
    return [(present[f.file.upper()], layout.encoding_of(f)) for f in layout.files if f.file.upper() in present]


def _read_manifest(export_dir: Path, layout: Layout) -> Manifest:
    spec = layout.manifest
    if spec is None:
        return Manifest(present=False)
    path = next((p for p in export_dir.iterdir() if p.name.upper() == spec.file.upper()), export_dir / spec.file)
    if not path.exists():
        raise SourceReadError(
            str(path), "manifest missing",
            hint="the export is incomplete: ask for a complete export, or pass --accept-manifest-mismatch to migrate without control totals",
        )
    data = path.read_bytes()
    check_encoding(data, spec.encoding or layout.encoding, str(path), others=lambda: export_files(export_dir, layout))
    text = data.decode(spec.encoding or layout.encoding, errors="replace").lstrip("\ufeff")
    reader = {"keyvalue": _read_keyvalue, "delimited": _read_delimited, "json": _read_json}[spec.format]
    entries, meta = reader(text, spec, path, layout)
    return Manifest(
        present=True,
        path=spec.file,
        entries=entries,
        export_date=_export_date(meta.get((spec.export_date_key or "").upper()), layout),
        office=meta.get((spec.office_key or "").upper()),
        version=meta.get((spec.version_key or "").upper()),
        meta=meta,
    )


def _read_keyvalue(text: str, spec: ManifestLayout, path: Path, layout: Layout) -> tuple[dict[str, ManifestEntry], dict[str, str]]:
    meta: dict[str, str] = {}
    entries: dict[str, ManifestEntry] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()  # the reference shows trailing comments
        if not line:
            continue
        parts = [p.strip() for p in line.split(";")]
        pairs = {}
        for part in parts:
            if "=" not in part:
                raise SourceReadError(str(path), f"line {number} is not KEY=VALUE: {printable(line, 60)!r}", line=number,
                                      hint="if the manifest is a table or JSON, set manifest.format: delimited or json in the layout")
            key, value = part.split("=", 1)
            pairs[key.strip().upper()] = value.strip()
        if spec.file_key.upper() in pairs:
            _add_entry(entries, pairs, spec, path, number, layout)
        else:
            meta.update(pairs)
    return entries, meta


def _read_delimited(text: str, spec: ManifestLayout, path: Path, layout: Layout) -> tuple[dict[str, ManifestEntry], dict[str, str]]:
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=spec.delimiter) if any(v.strip() for v in r)]
    if not rows:
        raise SourceReadError(str(path), "the manifest is empty")
    header = [h.strip().upper() for h in rows[0]]
    missing = [k for k in (spec.file_key, spec.count_key) if k.upper() not in header]
    if missing:
        raise SourceReadError(str(path), f"manifest header lacks column(s) {', '.join(missing)}; found {column_names_excerpt(header, [spec.file_key, spec.count_key, spec.sum_key])}", line=1,
                              hint="set manifest.file_key/count_key/sum_key (and delimiter) in the layout to the manifest's column names")
    entries: dict[str, ManifestEntry] = {}
    for number, row in enumerate(rows[1:], start=2):
        _add_entry(entries, {h: v.strip() for h, v in zip(header, row)}, spec, path, number, layout)
    return entries, {}


def _read_json(text: str, spec: ManifestLayout, path: Path, layout: Layout) -> tuple[dict[str, ManifestEntry], dict[str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceReadError(str(path), f"not valid JSON: {exc}", line=exc.lineno) from None
    if not isinstance(data, dict):
        raise SourceReadError(str(path), "the JSON manifest must be an object at the top level")
    top = {str(k).upper(): v for k, v in data.items()}
    items = top.get((spec.entries_key or "").upper())
    if not isinstance(items, list):
        raise SourceReadError(str(path), f"no list of file entries under {spec.entries_key!r}; top-level keys: {', '.join(map(str, data))}",
                              hint="set manifest.entries_key in the layout to the key holding the per-file entries")
    entries: dict[str, ManifestEntry] = {}
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            _add_entry(entries, {str(k).upper(): _text(v) for k, v in item.items()}, spec, path, None, layout, f"entry {number}")
    meta = {k: _text(v) for k, v in top.items() if not isinstance(v, (list, dict))}
    return entries, meta


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _add_entry(entries: dict[str, ManifestEntry], pairs: dict[str, str], spec: ManifestLayout, path: Path, line: int | None,
               layout: Layout, where: str | None = None) -> None:
    name = pairs.get(spec.file_key.upper(), "")
    if not name:
        return
    where = where or ""  # text lines are named by the error's line number already
    entries[name.upper()] = ManifestEntry(
        file=name,
        records=_int(pairs.get(spec.count_key.upper()), path, line, where),
        sum_cents=_sum(pairs.get(spec.sum_key.upper()), spec, path, line, where, layout),
    )


def _sum(value: str | None, spec: ManifestLayout, path: Path, line: int | None, where: str, layout: Layout) -> int | None:
    if spec.sum_type == "cents" or value is None or not value.strip():
        return _int(value, path, line, where)
    f = layout.formats
    cents, bad = parse_amount_cents(pd.Series([value], dtype="string"), decimal=f.decimal, thousands=f.thousands, negative=f.negative)
    if bad.iloc[0]:
        raise SourceReadError(str(path), f"{where + ': ' if where else ''}control sum {value!r} is not an amount as formats.decimal/thousands/negative describe",
                              line=line)
    return int(cents.iloc[0])


def _int(value: str | None, path: Path, line: int | None, where: str = "") -> int | None:
    if value is None or value == "":
        return None
    value = value.replace(".", "").replace(" ", "")
    if not _INT.match(value):
        hint = "if the manifest's sum is in euros, set manifest.sum_type: amount" if "," in value else None
        raise SourceReadError(str(path), f"{where + ': ' if where else ''}control total {value!r} is not a whole number", line=line, hint=hint)
    return int(value)


def _export_date(text: str | None, layout: Layout) -> str | None:
    """The export date as written, or as ISO when it is written in the layout's own date format.

    Later stages understand DD.MM.YYYY and ISO; a vendor's 20240315 would otherwise
    be ignored and rules would judge "open" against the day of the run.
    """
    if not text:
        return text
    value = text.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", layout.formats.date):
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return value if fmt in ("%d.%m.%Y", "%Y-%m-%d") else parsed.isoformat()
    return value
