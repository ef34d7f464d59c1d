"""The coding cascade of list free text (issue 23): paragraphs anywhere, folded tokens, abbreviations, acronyms, typos."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jhmig.extract.excel_lists import extract_lists
from jhmig.layout import MAPPINGS_DIR
from jhmig.list_mapping import load_list_mapping
from jhmig.transform import read_unified_code_lists
from jhmig.transform.list_rows import build_list_context, transform_lists
from jhmig.transform.synonyms import CodingRules, SynonymTable, load_coding_rules, normalize_free_text, read_synonym_rows, read_synonyms

REPO = Path(__file__).resolve().parents[1]
HILFEART = MAPPINGS_DIR / "lists" / "synonyms" / "hilfeart.csv"


@pytest.fixture(scope="module")
def catalogue() -> tuple[set[str], dict[str, str]]:
    codes = read_unified_code_lists()
    part = codes[codes["code_list"] == "service_type"]
    return set(part["code"]), dict(zip(part["code"], part["label_de"], strict=False))


@pytest.fixture(scope="module")
def table(catalogue: tuple[set[str], dict[str, str]]) -> SynonymTable:
    return read_synonyms(HILFEART, *catalogue)


@pytest.mark.parametrize("text, code", [
    ("Einzelfallhilfe (§ 35)", "35"), ("Hilfe n. 34", "34"), ("34er", "34"), ("Par. 34", "34"), ("nach § 41", "41"),
    ("Schulassistenz (35a)", "35a"), ("Dauerpflege (33)", "33"), ("35a-Hilfe", "35a"), ("§ 35 a", "35a"),
])
def test_a_paragraph_anywhere_in_the_cell_codes_it(table: SynonymTable, text: str, code: str) -> None:
    found, how, score = table.lookup_scored(text)
    assert found == code and how.startswith(("paragraph:", "exact", "combined")) and score >= 95


def test_words_beside_a_paragraph_that_name_another_code_make_it_ambiguous(table: SynonymTable) -> None:
    assert table.lookup("Heimerziehung nach § 31")[1] == "ambiguous:31|34"
    assert table.lookup("Familienhilfe n. 31") == ("31", "paragraph:100")
    assert table.lookup("Kinderschutz § 8a")[1] == "none"  # a paragraph that names no help stays no help
    assert table.lookup("E.B.")[1] == "ambiguous:30|28"


@pytest.mark.parametrize("text, code", [
    ("Soz. Gruppenarb.", "29"), ("Erz.-Ber.", "28"), ("S.P.F.H.", "31"), ("s. p. f. h.", "31"), ("Erz.-Beist.", "30"),
    ("Eingl.-Hilfe", "35a"), ("Vollz.-Pfl.", "33"), ("Tagesgr.", "32"), ("Fam.-Hilfe", "31"), ("soz.päd. familienhilfe", "31"),
    ("V.Z.P.", "33"), ("I.S.E.", "35"), ("S G A", "29"), ("I S E", "35"), ("Vollzeitpflege Verwandte", "33"), ("Hilfe f. j. Vollj.", "41"),
])
def test_tokens_are_normalised_and_abbreviations_matched_as_prefixes_of_the_catalogue_words(table: SynonymTable, text: str,
                                                                                            code: str) -> None:
    found, how = table.lookup(text)
    assert found == code, (text, how)
    assert how.split(":")[0] in ("exact", "normalised", "abbreviation", "pattern")


def test_an_abbreviation_that_fits_several_codes_decides_nothing(table: SynonymTable) -> None:
    # "Erz." is the start of Erziehungsberatung (28) and Erziehungsbeistand (30): no guess
    assert table.lookup("Erz.")[0] is None


def test_a_transposed_acronym_is_read_with_its_score(table: SynonymTable) -> None:
    assert table.lookup_scored("SFPH") == ("31", "acronym:75", 75.0)
    assert table.lookup("IES")[0] == "35"
    assert table.lookup("SPFH") == ("31", "exact")


def test_typos_of_synonyms_and_catalogue_names_are_fuzzy_with_a_score(table: SynonymTable) -> None:
    code, how, score = table.lookup_scored("Inobhutnhame vorläufig")
    assert code is None or code in ("42", "42a")
    code, how, score = table.lookup_scored("Eingliedrungshilfe")
    assert code == "35a" and how.startswith("fuzzy:") and 90 <= score < 100


def test_thresholds_are_data(catalogue: tuple[set[str], dict[str, str]], tmp_path: Path) -> None:
    shipped = load_coding_rules()
    assert shipped.fuzzy_min == 90 and shipped.candidates == 3
    strict = read_synonyms(HILFEART, *catalogue, rules=shipped.model_copy(update={"fuzzy_min": 99.0}))
    assert strict.lookup("Eingliedrungshilfe")[0] is None
    no_acronyms = read_synonyms(HILFEART, *catalogue, rules=shipped.model_copy(update={"acronym_max_length": 0}))
    assert no_acronyms.lookup("SFPH")[0] is None
    bad = tmp_path / "coding.yaml"
    bad.write_text("fuzzy_minimum: 80\n", encoding="utf-8")
    with pytest.raises(Exception, match="fuzzy_minimum"):
        load_coding_rules(bad)


@pytest.mark.parametrize("text", ["?", "-", "--", "??", " - ", "k.A."])
def test_cells_of_only_question_marks_or_dashes_are_empty(table: SynonymTable, text: str) -> None:
    assert table.lookup(text) == (None, "empty")


def test_the_steward_is_offered_the_best_candidates_with_scores(table: SynonymTable) -> None:
    offered = table.suggest("EB")
    assert {c.code for c in offered[:2]} == {"28", "30"} and len(offered) == 3
    assert table.suggest("Familientherapie")[0].code == "31" and table.suggest("Heimunterkunft")[0].code == "34"
    assert all(0 <= c.score <= 100 for c in table.suggest("Sprachförderung"))


def test_the_bench_vocabulary_is_held_apart_from_the_synonym_tables(catalogue: tuple[set[str], dict[str, str]]) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import list_vocab_blind as blind
    import list_vocab_heldapart as held

    exact, _ = read_synonym_rows(HILFEART, catalogue[0])
    texts = [t for vocab in (held, blind) for kinds in vocab.SERVICE_TEXTS.values() for words in kinds.values() for t in words]
    texts += [*held.NOT_A_SERVICE, *held.PLACEHOLDERS, *held.UNMAPPED]
    assert [t for t in texts if normalize_free_text(t) in exact] == []
    from jhmig.synth.lists_unseen_vocab import SERVICE_TEXTS as written_with_the_tables

    assert not set(texts) & {t for kinds in written_with_the_tables.values() for words in kinds.values() for t in words}


def _list(path: Path, services: list[str]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Az.", "Name, Vorname", "geb.", "Hilfeart", "Träger", "Beginn"])
    for number, service in enumerate(services, start=1):
        ws.append([f"ASD-2024/{number:03d}", f"Muster{chr(64 + number)}, Kim", dt.datetime(2012, 5, number), service, None,
                   dt.datetime(2024, 1, number)])
    wb.save(path)


def test_a_list_row_reads_through_the_cascade_and_the_steward_sees_each_inferred_code(tmp_path: Path) -> None:
    _list(tmp_path / "ASD_Test.xlsx", ["Einzelfallhilfe (§ 35)", "SFPH", "Soz. Gruppenarb.", "?", "-", "Sprachförderung"])
    mapping = load_list_mapping(MAPPINGS_DIR / "lists" / "asd.yaml")
    result = extract_lists(tmp_path, mapping)
    transform_lists(result, build_list_context(mapping, read_unified_code_lists()))
    services = result.batch.frames["service"].set_index("src_line")
    assert services.loc[[2, 3, 4], "service_type"].tolist() == ["35", "31", "29"]
    assert services.loc[[5, 6], "service_type"].isna().all()  # "?" and "-": empty, the row stays
    findings = result.batch.findings.frame()
    by_line = findings.groupby("src_line")["rule_id"].apply(set).to_dict()
    assert all("synonym.inferred" in by_line[line] for line in (2, 3, 4))
    assert "Paragraph" in findings.loc[(findings["src_line"] == 2) & (findings["rule_id"] == "synonym.inferred"), "message"].iloc[0]
    assert not by_line.get(5, set()) & {"synonym.unmapped", "synonym.ambiguous"}
    assert not by_line.get(6, set()) & {"synonym.unmapped", "synonym.ambiguous"}
    assert "synonym.unmapped" in by_line[7]


def test_coding_rules_model_refuses_unknown_keys() -> None:
    with pytest.raises(ValueError):
        CodingRules.model_validate({"fuzy_min": 80})
    assert pd.isna(pd.NA)


@pytest.mark.parametrize("text", ["entf.", "entfällt", "--", "-", "?", "k.A."])
def test_words_for_no_amount_are_an_empty_cost_not_an_error(text: str) -> None:
    from jhmig.transform.list_rates import parse_list_rates

    rates = parse_list_rates(pd.Series([text, "85 €/Tag"]), None, "Kosten", "month")
    assert pd.isna(rates.cents.iloc[0]) and not rates.bad.iloc[0] and rates.cents.iloc[1] == 8500


def test_a_lists_own_synonym_table_extends_the_shipped_one(tmp_path: Path) -> None:
    import yaml

    (tmp_path / "eigene.csv").write_text("text,code,note\nZauberschule,35a,\nHeim,33,bei uns: Pflegeheim\n", encoding="utf-8")
    mapping = yaml.safe_load((MAPPINGS_DIR / "lists" / "asd.yaml").read_text(encoding="utf-8"))
    mapping["fields"]["service_type"]["synonyms"] = str(tmp_path / "eigene.csv")
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    ctx = build_list_context(load_list_mapping(tmp_path / "m.yaml"), read_unified_code_lists())
    table = ctx.synonyms["service_type"]
    assert table.lookup("Zauberschule")[0] == "35a" and table.lookup("SPFH")[0] == "31"  # own and shipped words
    assert table.lookup("Heim")[0] == "33"  # the list's own row wins
