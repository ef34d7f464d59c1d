"""Column expectations (great-expectations 1.x): the declarations, each expectation type, the kept results.

GX is imported once for the module; the expensive runs are module fixtures.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from jhmig.entities import entity_specs
from jhmig.extract import extract_export
from jhmig.layout import load_layout
from jhmig.records import Batch, Severity, rows_to_findings
from jhmig.transform import build_context, read_unified_code_lists, transform_extract
from jhmig.validation import validate
from jhmig.validation.expectations import ExpectationSpec, load_expectations
from jhmig.validation.frames import entity_frame
from jhmig.validation.gx_results import write_summary_html
from jhmig.validation.gx_runner import ExpectationRun, run_expectations
from minimal_export import MiniExport

gx = pytest.importorskip("great_expectations")
CODE_LISTS = read_unified_code_lists()
AS_OF = dt.date(2024, 3, 15)


def spec(table: str, column: str, expectation: str, rule: str, severity: str = "error", **kwargs: object) -> ExpectationSpec:
    return ExpectationSpec(table=table, column=column, expectation=expectation, kwargs=kwargs, severity=Severity(severity),
                           rule_id=f"gx.{table}.{rule}", message=f"Test {rule}", fix="Test")


#: One spec per expectation type the declarations use; rows 2.. are the frame's lines.
TYPE_SPECS = (
    spec("service", "legacy_key", "ExpectColumnValuesToNotBeNull", "key_not_null"),
    spec("service", "legacy_key", "ExpectColumnValuesToBeUnique", "key_unique", "warning"),
    spec("service", "service_type", "ExpectColumnValuesToBeInSet", "type_in_set", value_set={"code_list": "service_type"}),
    spec("service", "start_date", "ExpectColumnValuesToBeBetween", "start_plausible", "warning",
         min_value=dt.date(1950, 1, 1), max_value={"$PARAMETER": "as_of"}),
    spec("service", "rate_cents", "ExpectColumnValuesToBeBetween", "rate_plausible", "warning", min_value=0, max_value=5_000_000),
    spec("service", "rate_unit", "ExpectColumnValuesToMatchRegex", "unit_regex", "info", regex="^(?:day|month)$"),
    spec("service", "rate_cents", "ExpectColumnValuesToBeInTypeList", "rate_type", type_list=["Int64Dtype", "int64"]),
    spec("person", "birth_date", "ExpectColumnValuesToBeBetween", "birth_plausible", min_value=dt.date(1900, 1, 1)),
    spec("person", "birth_date", "ExpectColumnValuesToNotBeNull", "birth_not_null", "warning"),
)


def service_frame() -> pd.DataFrame:
    good = {"case_file_key": "A1", "person_key": "P1", "service_type": "34", "start_date": "2020-01-01", "rate_cents": 512000,
            "rate_unit": "month"}
    return entity_frame("service", [
        {**good, "legacy_key": "1"},
        {**good, "legacy_key": None},  # line 3: no key
        {**good, "legacy_key": "3", "service_type": "99"},  # line 4: not in the code list
        {**good, "legacy_key": "4", "start_date": "2030-01-01"},  # line 5: after the export date
        {**good, "legacy_key": "5", "rate_cents": -100},  # line 6: negative rate
        {**good, "legacy_key": "6", "rate_unit": "hour"},  # line 7: regex
        {**good, "legacy_key": "6"},  # line 8: key repeats line 7
        {**good, "legacy_key": "8", "start_date": None, "service_type": None, "rate_cents": None, "rate_unit": None},  # empties pass
    ], src_path="LEISTUNGEN.TXT")


def person_frame() -> pd.DataFrame:
    return entity_frame("person", [{"legacy_key": "1", "birth_date": "2010-05-05"}, {"legacy_key": "2", "birth_date": "1500-01-01"},
                                   {"legacy_key": "3", "birth_date": None}], src_path="PERSONEN.TXT")


@pytest.fixture(scope="module")
def typed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExpectationRun, Path]:
    out = tmp_path_factory.mktemp("gx_types")
    run = run_expectations({"service": service_frame(), "person": person_frame()}, CODE_LISTS, out, source_system="test",
                           as_of=AS_OF, specs=TYPE_SPECS)
    return run, out


def test_the_declarations_parse_and_name_real_gx_expectations() -> None:
    specs = load_expectations()
    assert len({s.rule_id for s in specs}) == len(specs)
    for s in specs:
        assert hasattr(gx.expectations, s.expectation), s.expectation
        for value in s.kwargs.values():
            if isinstance(value, dict) and "code_list" in value:
                assert (CODE_LISTS["code_list"] == value["code_list"]).any(), s.rule_id
    assert {s.table for s in specs} == set(entity_specs())  # every unified table has expectations
    assert {s.expectation for s in specs} <= {t.expectation for t in TYPE_SPECS}, "add the new expectation type to TYPE_SPECS"


def test_every_expectation_type_fires_on_its_bad_row_only(typed_run: tuple[ExpectationRun, Path]) -> None:
    run, _ = typed_run
    found = run.findings.groupby("rule_id")["src_line"].agg(lambda s: sorted(int(x) for x in s.dropna())).to_dict()
    assert found == {
        "gx.service.key_not_null": [3],
        "gx.service.key_unique": [7, 8],
        "gx.service.type_in_set": [4],
        "gx.service.start_plausible": [5],
        "gx.service.rate_plausible": [6],
        "gx.service.unit_regex": [7],
        "gx.person.birth_plausible": [3],
        "gx.person.birth_not_null": [4],
    }
    row = run.findings.set_index("rule_id").loc["gx.service.type_in_set"]
    assert (row["src_path"], row["legacy_key"], row["value"], row["severity"], row["field"]) == ("LEISTUNGEN.TXT", "3", "99", "error", "service_type")
    # a date outside datetime64[ns] (a typo year) is judged and reported with its own value
    assert run.findings.set_index("rule_id").loc["gx.person.birth_plausible", "value"] == "01.01.1500"
    summary = {s["rule_id"]: s for s in run.summary}
    assert summary["gx.service.rate_type"]["success"] is True and summary["gx.service.key_unique"]["unexpected_count"] == 2
    assert summary["gx.service.key_not_null"]["element_count"] == 8


def test_results_are_kept_as_json_and_data_docs_without_personal_values(typed_run: tuple[ExpectationRun, Path]) -> None:
    run, out = typed_run
    assert run.results_path == out / "gx_results.json" and run.data_docs_path is not None and run.data_docs_path.is_file()
    kept = json.loads(run.results_path.read_text(encoding="utf-8"))
    assert len(kept["summary"]) == len(TYPE_SPECS) and kept["as_of"] == "2024-03-15"
    results = {r["expectation_config"]["meta"]["rule_id"]: r["result"] for suite in kept["suites"] for r in suite["results"]}
    birth = results["gx.person.birth_plausible"]
    assert birth["partial_unexpected_list"] == ["***"] and birth["unexpected_index_list"] == [{"birth_date": "***", "Fundstelle": "PERSONEN.TXT:3"}]
    text = run.results_path.read_text(encoding="utf-8")
    # the date itself, not "1500" alone: GX's random result ids contain any four hex digits now and then
    assert "01.01.1500" not in text and "1500-01-01" not in text
    assert results["gx.service.type_in_set"]["partial_unexpected_list"] == ["99"]  # codes are no personal data
    page = run.data_docs_path.read_text(encoding="utf-8")
    assert "index" in run.data_docs_path.name and "jhmig.service" in page
    own = run.summary_html_path.read_text(encoding="utf-8") if run.summary_html_path else ""
    assert "gx.service.type_in_set" in own and "http" not in own  # the offline page


def test_a_column_of_the_wrong_type_is_one_finding_without_a_line() -> None:
    frame = service_frame().assign(rate_cents=lambda f: f["rate_cents"].astype("float64"))
    run = run_expectations({"service": frame}, CODE_LISTS, specs=(TYPE_SPECS[6],))
    assert run.results_path is None and run.data_docs_path is None
    (row,) = run.findings.itertuples()
    assert pd.isna(row.src_line) and row.value == "float64" and row.src_path == "LEISTUNGEN.TXT"


def test_the_declared_expectations_on_the_mini_export(tmp_path: Path) -> None:
    layout = load_layout()
    result = extract_export(MiniExport().write(tmp_path / "export"), layout)
    transform_extract(result, build_context(layout, result, CODE_LISTS))
    batch: Batch = result.batch
    validation = validate(batch, CODE_LISTS, tmp_path / "run", as_of=AS_OF)
    run = validation.expectations
    assert run is not None and len(run.summary) == len(load_expectations())
    assert not [s for s in run.summary if "exception" in s]
    failed = {s["rule_id"] for s in run.failed}
    # Person 2 has an unknown birth date (00.00.0000). file_number: the transform stage does not
    # fill it yet (copy_to is skipped for the key column), see the validation report.
    assert {"gx.person.birth_date_not_null"} <= failed <= {"gx.person.birth_date_not_null", "gx.case_file.file_number_not_null"}
    unknown = validation.findings[validation.findings["rule_id"] == "gx.person.birth_date_not_null"]
    assert unknown[["src_path", "src_line", "legacy_key"]].values.tolist() == [["PERSONEN.TXT", 3, "2"]]
    assert (tmp_path / "run" / "gx_results.json").is_file() and (tmp_path / "run" / "gx_data_docs" / "index.html").is_file()


def test_an_expectation_is_not_reported_where_an_earlier_finding_explains_the_field() -> None:
    services = service_frame().iloc[[0]].assign(service_type=pd.array([None], dtype="string"))
    batch = Batch("test", frames={"service": services})
    batch.findings.add_frame(rows_to_findings(services, rule_id="code.unknown", severity=Severity.ERROR, message="unbekannt",
                                              source_system="test", entity="service", field="service_type"))
    declared = tuple(s for s in load_expectations() if s.rule_id == "gx.service.service_type_not_null")
    assert len(run_expectations(batch.frames, CODE_LISTS, specs=declared).findings) == 1
    assert "gx.service.service_type_not_null" not in set(validate(batch, CODE_LISTS, data_docs=False).findings["rule_id"])


def test_summary_page_is_self_contained(tmp_path: Path) -> None:
    summary = [{"table": "person", "column": "birth_date", "rule_id": "gx.person.x", "expectation": "ExpectColumnValuesToNotBeNull",
                "severity": "warning", "success": False, "element_count": 3, "unexpected_count": 1}]
    page = write_summary_html(tmp_path / "x.html", summary).read_text(encoding="utf-8")
    assert "gx.person.x" in page and "verletzt" in page and "http" not in page
