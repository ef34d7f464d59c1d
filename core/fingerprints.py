"""Fingerprints of a run's inputs: each source file, the layout and its code maps.

Stored in the run record (``sources[...]["fingerprints"]``) so that
``jhmig runs list`` shows which dry runs read the same export with the same
mappings, and a delta run can tell what changed since a given run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jhmig.layout import REFERENCE_LAYOUT, Layout

DIGEST_CHARS = 16  # 64 bits: enough to tell files apart, short enough to read


def file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:DIGEST_CHARS]


def input_fingerprints(export_dir: Path, layout: Layout, layout_path: Path | None) -> dict[str, object]:
    """``{"files": {name: digest}, "layout": digest, "mappings": digest}`` of one legacy export."""
    names = {f.file.upper() for f in layout.files} | ({layout.manifest.file.upper()} if layout.manifest else set())
    files = {p.name: file_digest(p) for p in sorted(export_dir.iterdir()) if p.is_file() and p.name.upper() in names}
    mappings = hashlib.sha256()
    for name in sorted(layout.code_maps):
        for path in (layout.code_map_path(name), layout.code_list_path(name)):
            if path is not None:
                mappings.update(name.encode() + b"\0" + path.read_bytes())
    return {
        "files": files,
        "layout": file_digest(layout_path or REFERENCE_LAYOUT),
        "mappings": mappings.hexdigest()[:DIGEST_CHARS],
    }
