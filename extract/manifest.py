"""Read the export's manifest (EXPORT.INF): control totals per file.

The manifest is what the legacy system says it exported. Comparing it with
what the files really hold is the first gate of every run.
"""

from __future__ import annotations

import re
from pathlib import Path

from jhmig.errors import SourceReadError
from jhmig.layout import Layout
from jhmig.records import Manifest, ManifestEntry

_INT = re.compile(r"^[+-]?\d+$")


def read_manifest(export_dir: Path, layout: Layout) -> Manifest:
    spec = layout.manifest
    if spec is None:
        return Manifest(present=False)
    path = export_dir / spec.file
    if not path.exists():
        raise SourceReadError(
            str(path), "manifest missing",
            hint="the export is incomplete: ask for a complete export, or pass --accept-manifest-mismatch to migrate without control totals",
        )
    text = path.read_bytes().decode(spec.encoding or layout.encoding, errors="replace")
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
                raise SourceReadError(str(path), f"line {number} is not KEY=VALUE: {line[:60]!r}", line=number)
            key, value = part.split("=", 1)
            pairs[key.strip().upper()] = value.strip()
        if spec.file_key.upper() in pairs:
            name = pairs[spec.file_key.upper()]
            entries[name.upper()] = ManifestEntry(
                file=name,
                records=_int(pairs.get(spec.count_key.upper()), path, number),
                sum_cents=_int(pairs.get(spec.sum_key.upper()), path, number),
            )
        else:
            meta.update(pairs)
    return Manifest(
        present=True,
        path=spec.file,
        entries=entries,
        export_date=meta.get((spec.export_date_key or "").upper()),
        office=meta.get((spec.office_key or "").upper()),
        version=meta.get((spec.version_key or "").upper()),
        meta=meta,
    )


def _int(value: str | None, path: Path, line: int) -> int | None:
    if value is None or value == "":
        return None
    value = value.replace(".", "").replace(" ", "")
    if not _INT.match(value):
        raise SourceReadError(str(path), f"control total {value!r} is not a whole number", line=line)
    return int(value)
