"""Export date, office and version from a file of their own (``export_info`` in the layout).

Some vendors keep the control totals in one file and the export's date and
office in another (an ``INFO.TXT`` of KEY=VALUE lines, a JSON ``export.json``).
The values found here override the manifest's metadata.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from jhmig.errors import SourceReadError
from jhmig.layout import Layout
from jhmig.records import Manifest


def apply_export_info(manifest: Manifest, export_dir: Path, layout: Layout, as_date) -> Manifest:  # type: ignore[no-untyped-def]
    """``manifest`` with date/office/version read from ``layout.export_info``; ``as_date`` normalises the date."""
    spec = layout.export_info
    if spec is None:
        return manifest
    path = next((p for p in export_dir.iterdir() if p.name.upper() == spec.file.upper()), export_dir / spec.file)
    if not path.exists():
        raise SourceReadError(str(path), "export info file missing", hint="check export_info.file in the layout")
    text = path.read_bytes().decode(spec.encoding or layout.encoding, errors="replace").lstrip("\ufeff")
    meta = _json(text, path) if spec.format == "json" else _keyvalue(text)

    def pick(key: str | None, current: str | None) -> str | None:
        return meta.get(key.upper(), current) if key else current

    return dataclasses.replace(
        manifest,
        export_date=as_date(pick(spec.export_date_key, manifest.export_date), layout),
        office=pick(spec.office_key, manifest.office),
        version=pick(spec.version_key, manifest.version),
        meta={**manifest.meta, **meta},
    )


def _keyvalue(text: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in text.splitlines():
        for part in line.split("#", 1)[0].split(";"):
            sep = "=" if "=" in part else (":" if ":" in part else None)
            if sep:
                key, value = part.split(sep, 1)
                meta.setdefault(key.strip().upper(), value.strip())
    return meta


def _json(text: str, path: Path) -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceReadError(str(path), f"not valid JSON: {exc}", line=exc.lineno) from None
    if not isinstance(data, dict):
        raise SourceReadError(str(path), "the export info must be a JSON object")
    return {str(k).upper(): str(v) for k, v in data.items() if not isinstance(v, (list, dict)) and v is not None}
