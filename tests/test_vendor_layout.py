"""Another vendor's export is read by a layout file alone (no Python)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jhmig.entities import entity_spec
from jhmig.extract import extract_export
from jhmig.layout import MAPPINGS_DIR, load_layout
from jhmig.transform import build_context, transform_extract
from minimal_export import MiniExport, write_vendor_b

VENDOR_B = MAPPINGS_DIR / "layouts" / "example-vendor-b.yaml"


def unified(folder: Path, layout_path: Path | None) -> dict[str, pd.DataFrame]:
    layout = load_layout(layout_path)
    result = extract_export(folder, layout)
    assert not result.failed_checks, [c.describe() for c in result.failed_checks]
    transform_extract(result, build_context(layout, result))
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
