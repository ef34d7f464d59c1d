"""Service-type words held apart from the synonym tables, for measuring how the coding generalises.

Written from how caseworkers abbreviate and misspell (issue 23's classes),
not from ``mappings/lists/synonyms/*.csv`` nor from
``jhmig.synth.lists_unseen_vocab`` (which was written together with the
tables and so measures nothing but the tables). No text here may be an
exact entry of a shipped synonym table (``tests/test_list_coding.py``
checks that); the coding must reach them by its rules: the paragraph
anywhere in the cell, normalised tokens, abbreviations as prefixes of the
catalogue's words, transposed acronyms, a fuzzy match over the catalogue.

Kinds: *paragraph* (a paragraph beside words no table holds), *abbreviation*
(dots and hyphens), *initialism* (letters with dots), *transposed* (two
letters of an acronym swapped), *typo*, *synonym* (a known word inside a
longer phrase), *ambiguous* (``EB``), *empty* (``?``, ``-``: no value, no
error), *not_a_service*, *placeholder*, *unmapped* (a help no category fits).
"""

from __future__ import annotations

SERVICE_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "28": {"paragraph": ("Beratung n. 28", "28er Beratung", "Familienberatung (§ 28)"),
           "abbreviation": ("Erz.-Ber.", "Erz. Beratung"), "typo": ("Erzihungsberatung", "Erziehugsberatung"),
           "synonym": ("Erziehungsberatung Caritas",)},
    "29": {"paragraph": ("Gruppenangebot § 29", "Par. 29"), "abbreviation": ("Soz. Gruppenarb.", "soz. Gr.-Arbeit"),
           "initialism": ("S.G.A.",), "typo": ("Gruppenarbiet", "soziale Gruppenarbiet")},
    "30": {"paragraph": ("Betreuung nach § 30", "30er", "Einzelbetreuer (§30)"),
           "abbreviation": ("Erz.-Beist.", "Erz.beist.", "Betr.-Helfer"),
           "typo": ("Erziehungsbeistant", "Betreuungshelferin"), "synonym": ("Erziehungsbeistand ambulant",)},
    "31": {"paragraph": ("Hilfe n. 31", "Familienbetreuung (§ 31)", "31er Hilfe", "Par. 31 SGB VIII"),
           "abbreviation": ("Fam.-Hilfe", "sozialpäd. Fam.-Hilfe", "Soz.-päd. Familienhilfe", "Fam.hilfe"),
           "initialism": ("S.P.F.H.", "S.P.F.H"), "transposed": ("SFPH", "SPHF", "PSFH"),
           "typo": ("Familienhilef", "Sozialpädagogische Familienhiffe", "Familinehilfe"),
           "synonym": ("aufsuchende Familienhilfe", "Familienhilfe ambulant", "SPFH-Maßnahme")},
    "32": {"paragraph": ("teilstationär (§ 32)", "Hilfe gem. § 32"), "abbreviation": ("Tagesgr.", "Tages-Gr."),
           "typo": ("Tagesgrupp", "Tagesgruppee"), "synonym": ("heilpädagogische Tagesgruppe",)},
    "33": {"paragraph": ("Pflegeverhältnis § 33", "33er", "Dauerpflege (33)"),
           "abbreviation": ("Vollz.-Pfl.", "Vollzeitpfl.", "Pfl.-Fam."), "initialism": ("V.Z.P.",),
           "transposed": ("VPZ",), "typo": ("Vollzeitpfelge", "Volzeitpflege"), "synonym": ("Vollzeitpflege Verwandte",)},
    "34": {"paragraph": ("Unterbringung n. § 34", "Wohnheim (§ 34)", "34er", "Par. 34"),
           "abbreviation": ("Heimerz.", "Heimunterbr.", "stat. Unterbr."), "typo": ("Heimerzihung", "Heimerzeihung"),
           "synonym": ("Heimerziehung Wohngruppe", "Wohngruppe für Jugendliche")},
    "35": {"paragraph": ("Einzelfallhilfe (§ 35)", "nach § 35", "Intensivbetreuung § 35"),
           "abbreviation": ("Int. Einzelbetr.", "Intens. Einzelbetreuung"), "initialism": ("I.S.E.",), "transposed": ("IES",),
           "typo": ("Einzelbetruung", "intensive Einzelbetreung")},
    "35a": {"paragraph": ("Schulassistenz (35a)", "Autismustherapie § 35a", "Hilfe n. 35a", "35a-Hilfe"),
            "abbreviation": ("Eingl.-Hilfe", "Eingl.hilfe", "Eingliederungsh."), "initialism": ("E.G.H.",),
            "transposed": ("EHG",), "typo": ("Eingliederungshlife", "Eingliedrungshilfe"),
            "synonym": ("Eingliederungshilfe seelisch",)},
    "41": {"paragraph": ("Volljährigenhilfe § 41", "nach § 41", "41er"),
           "abbreviation": ("Hilfe f. j. Vollj.", "jg. Volljährige"), "typo": ("junge Volljärige",)},
    "42": {"paragraph": ("Schutzstelle (§ 42)", "ION n. 42"), "abbreviation": ("Inobhutn.", "Inob."),
           "typo": ("Inobhutnhame", "Inobhutname"), "synonym": ("Inobhutnahme Notaufnahme",)},
}
# what the kinds a reader can decide without a steward are drawn with (weights)
KINDS: tuple[tuple[str, float], ...] = (("paragraph", 18), ("abbreviation", 16), ("initialism", 6), ("transposed", 6),
                                        ("typo", 14), ("synonym", 10), ("ambiguous", 6), ("empty", 5),
                                        ("not_a_service", 5), ("placeholder", 5), ("unmapped", 9))
AMBIGUOUS: dict[str, tuple[str, ...]] = {"EB": ("30", "28"), "E.B.": ("30", "28")}
EMPTY: tuple[str, ...] = ("?", "-", "--", "??")
NOT_A_SERVICE: tuple[str, ...] = ("8a-Prüfung", "Kinderschutz § 8a", "8a-Meldung")
PLACEHOLDERS: tuple[str, ...] = ("s. Papierakte", "s. Akte (Papier)", "wie oben")
UNMAPPED: tuple[str, ...] = ("Sprachförderung", "Ferienfreizeit", "Hausaufgabenhilfe", "Elterncafé", "Nachhilfe Mathe")
