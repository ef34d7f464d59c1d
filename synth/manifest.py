"""EXPORT.INF: the control totals the legacy system claims for its export,
and cutting ZAHLUNGEN.DAT short to simulate a truncated export."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from jhmig.synth import dates
from jhmig.synth.defects import DefectLog, Ref
from jhmig.synth.layout import DATA_FILES, MANIFEST, ZAHLUNGEN
from jhmig.synth.office import EXPORT_DATE, LEGACY_VERSION, OFFICE_AGS, OFFICE_NAME
from jhmig.synth.payments import PaymentResult
from jhmig.synth.writers import CRLF, ENCODING, PAYMENT_RECORD_LENGTH

RECORD_BYTES = PAYMENT_RECORD_LENGTH + len(CRLF)  # cp1252: one byte per character


def write_manifest(path: Path, records: dict[str, int], payment_sum_cents: int) -> dict[str, dict[str, int]]:
    """Writes EXPORT.INF and returns what it says, in truth.json's shape."""
    lines = [
        f"EXPORT_DATUM={dates.fmt(EXPORT_DATE)}",
        f"JUGENDAMT={OFFICE_NAME}",
        f"AGS={OFFICE_AGS}",
        f"VERSION={LEGACY_VERSION}",
    ]
    said: dict[str, dict[str, int]] = {}
    for name in DATA_FILES:
        if name == ZAHLUNGEN:
            lines.append(f"DATEI={name};SAETZE={records[name]};SUMME_CENT={payment_sum_cents}")
            said[name] = {"records": records[name], "sum_cent": payment_sum_cents}
        else:
            lines.append(f"DATEI={name};SAETZE={records[name]}")
            said[name] = {"records": records[name]}
    path.write_bytes(CRLF.join(lines).encode(ENCODING) + CRLF.encode(ENCODING))
    return said


def truncate_payments(path: Path, result: PaymentResult, log: DefectLog, share: float = 0.01) -> dict[str, Any]:
    """Cuts the last ``share`` of the payment records and the trailer, as an
    interrupted transfer would; fixes the payment statistics and drops the
    defects that were planted in the lost records."""
    total = result.records
    cut = max(1, math.ceil(total * share))
    keep = total - cut
    with path.open("r+b") as handle:
        handle.seek(keep * RECORD_BYTES)
        tail = handle.read(cut * RECORD_BYTES)
        handle.seek(keep * RECORD_BYTES)
        handle.truncate()
    lost = 0
    for i in range(cut):
        line = tail[i * RECORD_BYTES:(i + 1) * RECORD_BYTES].decode(ENCODING)
        kind, year, cents = line[42:44], int(line[44:48]), int(line[68:81])
        slot = result.by_year_type[(year, kind)]
        slot[0] -= 1
        slot[1] -= cents
        if slot[0] == 0:
            del result.by_year_type[(year, kind)]
        lost += cents
    manifest_sum = result.sum_cents
    result.records, result.sum_cents = keep, manifest_sum - lost
    log.items = [d for d in log.items if d.file != ZAHLUNGEN or d.record_no is None or d.record_no <= keep]
    for claim_payments in result.overlap_payments.values():
        claim_payments[:] = [(n, c) for n, c in claim_payments if n <= keep]
    info = {"file": ZAHLUNGEN, "manifest_records": total, "actual_records": keep,
            "manifest_sum_cent": manifest_sum, "actual_sum_cent": result.sum_cents}
    log.add("manifest_mismatch", ZAHLUNGEN, field="SAETZE", value=str(keep),
            related=[Ref(MANIFEST, key=ZAHLUNGEN)], detail=dict(info, trailer_missing=True))
    return info
