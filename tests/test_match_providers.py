"""One provider name in a list, two Träger of that name in the export: each list row goes to the Träger
that serves its child (votes per row, not per name), through transform, matching and load."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from jhmig.identity import IdentityResult, MatchSettings, RecordRef
from jhmig.match import resolve_identities
from jhmig.records import Batch
from jhmig.transform import read_unified_code_lists
from match_population import export_batch, load_with_aliases, person

GMBH, STIFTUNG, OTHER = "2001", "2002", "2003"
LIST_FILE = "ASD_Sued.xlsx"
CASE = "51.2-WJH-2019/00100"
ENTITIES = ("person", "case_file", "provider", "participant", "service")
# (line, Aktenzeichen, name, given, born, help, start in the list)
ROWS = [(2, "ASD-11", "Kästner, Mila", "03.04.2012", "SPFH", "01.02.2021"),
        (3, "ASD-12", "Brandt, Ole", "17.09.2010", "SPFH", "01.03.2022"),
        (4, "ASD-13", "Unbekannt, Ida", "05.05.2015", "SPFH", "01.06.2023")]  # not in the export: no vote


def _export(swap: bool = False) -> Batch:
    """Mila is served by the GmbH, Ole by the Stiftung of the same name (``swap``: the other way round)."""
    mila = person("95101", "Kästner", "Mila", "2012-04-03", sex="w")
    ole = person("95102", "Brandt", "Ole", "2010-09-17", sex="m")
    addresses = [{"legacy_key": "95101", "person_key": "95101", "street": "Lindenweg", "house_number": "7", "postcode": "01445",
                  "city": "Radebeul"},
                 {"legacy_key": "95102", "person_key": "95102", "street": "Am Anger", "house_number": "2", "postcode": "01445",
                  "city": "Radebeul"}]
    first, second = (STIFTUNG, GMBH) if swap else (GMBH, STIFTUNG)
    # the export's services began earlier than the list says: the list rows stay services of their own
    services = [{"legacy_key": "310001", "person_key": "95101", "provider_key": first, "service_type": "31", "start_date": "2020-05-01"},
                {"legacy_key": "310002", "person_key": "95102", "provider_key": second, "service_type": "31", "start_date": "2021-05-01"},
                {"legacy_key": "310003", "person_key": "95102", "provider_key": OTHER, "service_type": "34", "start_date": "2019-01-01"}]
    cases = [{"legacy_key": CASE, "file_number": CASE, "department": "WJH", "caseworker": "KL", "opened_on": "2019-01-01"}]
    participants = [{"legacy_key": f"{CASE}|{k}|K", "case_file_key": CASE, "person_key": k, "role": "child"} for k in ("95101", "95102")]
    services = [{**s, "case_file_key": CASE} for s in services]
    providers = [{"legacy_key": GMBH, "name": "Familienhilfe Rosengarten gGmbH", "street": "Hauptstraße", "house_number": "5",
                  "postcode": "01445", "city": "Radebeul"},
                 {"legacy_key": STIFTUNG, "name": "Familienhilfe Rosengarten Stiftung", "street": "Kirchplatz", "house_number": "1",
                  "postcode": "01445", "city": "Radebeul"},
                 {"legacy_key": OTHER, "name": "Kinderheim St. Josef e.V.", "postcode": "01445", "city": "Radebeul"}]
    return export_batch([mila, ole], addresses, cases=cases, participants=participants, services=services, providers=providers)


def _list(folder: Path) -> Batch:
    """The caseworker's list as it is read and transformed: one provider record for the name of three rows."""
    import openpyxl

    from jhmig.extract.excel_lists import extract_lists
    from jhmig.layout import MAPPINGS_DIR
    from jhmig.list_mapping import load_list_mapping
    from jhmig.transform.list_rows import build_list_context, transform_lists

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "laufend"
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfeart", "Träger", "Beginn"])
    for _, number, name, born, kind, start in ROWS:
        ws.append([number, name, born, kind, "Familienhilfe Rosengarten", start])
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / LIST_FILE)
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    extract = extract_lists(folder, mapping)
    transform_lists(extract, build_list_context(mapping, read_unified_code_lists()))
    return extract.batch


def _service_key(batch: Batch, line: int) -> str:
    services = batch.frames["service"]
    return str(services.loc[services["src_line"] == line, "legacy_key"].iloc[0])


def _traeger_of(result: IdentityResult, batch: Batch, line: int) -> str | None:
    """The export Träger the service of a list row names after matching."""
    provider_key = str(batch.frames["service"].set_index("src_line").loc[line, "provider_key"])
    ref = RecordRef(batch.source_system, "provider", provider_key)
    cluster = next((c for c in result.clusters("provider") if ref in c.members), None)
    return cluster.survivor.legacy_key if cluster is not None and cluster.survivor.source_system == "legacy" else None


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lists")


def test_one_list_name_is_one_provider_record_before_matching(listed: Path) -> None:
    batch = _list(listed)
    assert batch.frames["provider"]["legacy_key"].tolist() == ["T:familienhilfe rosengarten"]
    assert set(batch.frames["service"]["provider_key"]) == {"T:familienhilfe rosengarten"}


@pytest.mark.parametrize("swap", [False, True])
def test_each_row_resolves_to_the_traeger_that_serves_its_child(listed: Path, swap: bool) -> None:
    export, batch = _export(swap), _list(listed)
    result = resolve_identities([export, batch])
    mila, ole = (STIFTUNG, GMBH) if swap else (GMBH, STIFTUNG)
    assert _traeger_of(result, batch, 2) == mila
    assert _traeger_of(result, batch, 3) == ole
    assert _traeger_of(result, batch, 4) in (GMBH, STIFTUNG)  # no vote: the name's decision, but one of the two
    assert len(result.repointed) == 1 and result.repointed[0].record == RecordRef(batch.source_system, "service",
                                                                                   _service_key(batch, 3 if not swap else 2))


def test_the_rows_own_key_names_no_person_and_is_the_same_on_every_run(listed: Path) -> None:
    keys = []
    for _ in range(2):
        batch = _list(listed)
        result = resolve_identities([_export(), batch])
        keys.append(sorted(r.target.legacy_key for r in result.repointed))
    assert keys[0] == keys[1] == [f"T:familienhilfe rosengarten#{STIFTUNG}"]
    assert not [k for k in keys[0] if "stner" in k.lower() or "brandt" in k.lower() or "2010" in k]


def test_without_the_childrens_services_the_name_stays_one_provider(listed: Path) -> None:
    export, batch = _export(), _list(listed)
    export.frames["service"] = export.frames["service"].iloc[:0]
    result = resolve_identities([export, batch])
    assert result.repointed == []
    assert len({_traeger_of(result, batch, line) for line in (2, 3, 4)}) == 1


def test_a_child_served_by_both_is_told_apart_by_the_help(listed: Path) -> None:
    export, batch = _export(), _list(listed)
    services = export.frames["service"]
    extra = services.iloc[:1].assign(legacy_key="310009", provider_key=STIFTUNG, service_type="34", start_date=pd.Timestamp("2018-01-01"))
    export.frames["service"] = pd.concat([services, extra], ignore_index=True)  # Mila also lived in a home of the Stiftung
    result = resolve_identities([export, batch])
    assert _traeger_of(result, batch, 2) == GMBH  # her list row is the SPFH, which the GmbH gives
    assert _traeger_of(result, batch, 3) == STIFTUNG


def _load(db: Path, batches: list[Batch], result: IdentityResult, run: str) -> None:
    load_with_aliases(db, batches, pd.concat([result.aliases(e).assign(entity=e) for e in ENTITIES], ignore_index=True), run)


def _query(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return list(con.execute(sql))
    finally:
        con.close()


def test_loaded_services_carry_their_own_traegers_id_and_every_file_balances(listed: Path, tmp_path: Path) -> None:
    from jhmig.reports.summary import file_counts

    db = tmp_path / "t.sqlite"
    batches = [_export(), _list(listed)]
    result = resolve_identities(batches)
    counts = file_counts(batches)
    listed_counts = counts[counts["file"] == LIST_FILE]  # (the hand-built export has no reads)
    assert len(listed_counts) and listed_counts["balanced"].all(), listed_counts
    provider_rows = listed_counts[listed_counts["entity"] == "provider"]
    assert provider_rows[["read", "merged"]].values.tolist() == [[3, 3]]  # three rows named it: each is merged into a Träger or row 2
    merged = batches[1].outcome_frame("merged")
    lineage = merged[merged["entity"] == "provider"].set_index("src_line")
    assert lineage.loc[3, "legacy_key"] == f"T:familienhilfe rosengarten#{STIFTUNG}"  # Ole's row: its own key, into the Stiftung
    assert lineage.loc[3, "reason"] == f"gleicher Träger wie legacy:{STIFTUNG}"
    assert lineage.loc[2, "reason"] == f"gleicher Träger wie legacy:{GMBH}"
    _load(db, batches, result, "r1")
    ids = dict(_query(db, "select legacy_key, new_id from mig_key_map where entity = 'provider' and source_system = 'legacy'"))
    by_line = {}
    for line in (2, 3):
        key = _service_key(batches[1], line)
        by_line[line] = _query(db, "select s.provider_id from service s join mig_key_map k on k.entity = 'service' "
                                   f"and k.new_id = s.service_id where k.legacy_key = '{key}'")[0][0]
    assert by_line == {2: ids[GMBH], 3: ids[STIFTUNG]}
    assert _query(db, "select count(*) from provider")[0][0] == 3  # no new provider for the name

    first = dict(_query(db, "select source_system || '|' || entity || '|' || legacy_key, new_id from mig_key_map"))
    known = pd.DataFrame([(*k.split("|", 2), i) for k, i in first.items()], columns=["source_system", "entity", "legacy_key", "new_id"])
    batches = [_export(), _list(listed)]
    result = resolve_identities(batches, MatchSettings(known_ids=known))
    _load(db, batches, result, "r2")
    second = dict(_query(db, "select source_system || '|' || entity || '|' || legacy_key, new_id from mig_key_map"))
    assert second == first  # the same input: the same ids, the row's own key included


def test_export_records_of_one_name_are_one_institution_only_at_one_address() -> None:
    from jhmig.match.providers import resolve_providers

    providers = [{"legacy_key": "1", "name": "Familienhilfe Rosengarten gGmbH", "street": "Hauptstraße", "house_number": "5",
                  "postcode": "01445"},
                 {"legacy_key": "2", "name": "Familienhilfe Rosengarten", "street": "Hauptstr.", "house_number": "5", "postcode": "01445"},
                 {"legacy_key": "3", "name": "Familienhilfe Rosengarten Stiftung", "street": "Kirchplatz", "house_number": "1",
                  "postcode": "01445"},
                 {"legacy_key": "4", "name": "Familienhilfe Rosengarten e.V.", "postcode": "01445"}]  # no address: the name decides
    clusters = resolve_providers([export_batch([], providers=providers)], {}).clusters
    assert [[m.legacy_key for m in c.members] for c in clusters] == [["1", "2", "4"]]
