"""What caseworkers write, by kind, for lists the shipped mappings never saw (shared/spec/excel-lists.md, PRIMER).

The kinds are what a reader must tell apart, not what the shipped synonym
tables happen to hold: *exact* (the legal label or paragraph), *synonym*
(another name for it), *abbreviation*, *typo* (a near miss of a label),
*ambiguous* (``EB``: §30 or §28), *not_a_service* (``§ 8a`` is a check),
*placeholder* (``s. Akte``) and *unmapped* (a help no category fits).
"""

from __future__ import annotations

SERVICE_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "28": {"exact": ("§ 28", "Erziehungsberatung"), "synonym": ("Beratung",), "typo": ("Erziehungsberatnug",)},
    "29": {"exact": ("§ 29", "soziale Gruppenarbeit"), "synonym": ("Gruppenarbeit",), "abbreviation": ("SGA",)},
    "30": {"exact": ("§ 30", "Erziehungsbeistand"), "synonym": ("Betreuungshelfer", "Erziehungsbeistandschaft"),
           "typo": ("Erziehungsbeistnd",)},
    "31": {"exact": ("§ 31", "§31 SGB VIII", "Sozialpädagogische Familienhilfe"),
           "synonym": ("Familienhilfe", "sozialpäd. Familienhilfe", "SPFH §31", "Familienhilfe (§ 31)"),
           "abbreviation": ("SPFH", "sozialpäd. FH"), "typo": ("Familienhilfee", "Sozialpädagogische Familienhlife")},
    "32": {"exact": ("§ 32", "Tagesgruppe"), "synonym": ("Tagesgruppe §32",), "abbreviation": ("TG",), "typo": ("Tagesgrupe",)},
    "33": {"exact": ("§ 33", "Vollzeitpflege"), "synonym": ("Pflegefamilie", "Pflegestelle", "Vollzeitpflege §33"),
           "abbreviation": ("VZP", "PF"), "typo": ("Vollzeitpflgee",)},
    "34": {"exact": ("§ 34", "Heimerziehung"), "synonym": ("Heim", "Heim (§34)", "stationär", "Wohngruppe", "stat. Unterbringung"),
           "abbreviation": ("stat.",), "typo": ("Heimerziehnug",)},
    "35": {"exact": ("§ 35", "intensive sozialpädagogische Einzelbetreuung"), "synonym": ("Einzelbetreuung",),
           "abbreviation": ("ISE",)},
    "35a": {"exact": ("§ 35a", "Eingliederungshilfe"), "synonym": ("Eingliederungshilfe §35a", "Schulbegleitung"),
            "abbreviation": ("EGH",), "typo": ("Eingliederungshilf",)},
    "41": {"exact": ("§ 41", "Hilfe für junge Volljährige"), "synonym": ("junge Volljährige",), "abbreviation": ("HjV",)},
    "42": {"exact": ("§ 42", "Inobhutnahme"), "synonym": ("Inobhut", "Inobhutnahme §42"), "abbreviation": ("ION",)},
}
AMBIGUOUS: dict[str, tuple[str, ...]] = {"EB": ("30", "28")}
NOT_A_SERVICE: tuple[str, ...] = ("§ 8a", "8a-Verfahren", "Gefährdungseinschätzung")
PLACEHOLDERS: tuple[str, ...] = ("s. Akte", "siehe Akte")
UNMAPPED: tuple[str, ...] = ("Sonderhilfe Jugendwerkstatt", "Elternkurs Starke Eltern", "Clearing", "Lerntherapie")

# cost in cents per unit: (low, high)
RATE_RANGES: dict[str, tuple[int, int]] = {"month": (40_000, 600_000), "day": (8_000, 25_000), "hour": (4_500, 7_500),
                                           "week": (30_000, 90_000), "year": (500_000, 6_000_000), "lump_sum": (20_000, 300_000)}
# the documented factors the reader must apply (docs/lists.md); hours and lump sums have no monthly equivalent
MONTHLY_FACTORS: dict[str, float | None] = {"month": 1.0, "day": 30.42, "week": 4.35, "year": 1 / 12, "hour": None, "lump_sum": None}
UNIT_WORDS: dict[str, tuple[str, ...]] = {"day": ("Tag", "tgl.", "täglich"), "hour": ("Std.", "Stunde", "FLS"),
                                          "week": ("Woche",), "month": ("Monat", "mtl.", "monatlich"), "year": ("Jahr", "jährlich"),
                                          "lump_sum": ("pauschal", "einmalig")}
UNIT_HEADERS: dict[str, tuple[str, ...]] = {"day": ("Tagessatz", "Kosten/Tag"), "hour": ("€/Std.", "Stundensatz", "Fachleistungsstunde"),
                                            "month": ("Kosten mtl.", "Kosten/Monat"), "year": ("Jahreskosten",)}
OPEN_MARKERS: tuple[str, ...] = ("offen", "n.n.", "unbekannt", "?", "-")
MONTH_NAMES = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
               "Dezember")

# column names per field, by list kind; every one is a name a profiler could know from the spec
HEADERS: dict[str, tuple[str, ...]] = {
    "az": ("Az.", "Aktenzeichen", "AZ", "Akten-Nr.", "Fallnummer"),
    "name_full": ("Name, Vorname", "Name"),
    "family": ("Name", "Nachname", "Familienname"),
    "given": ("Vorname", "Vornamen"),
    "birth": ("geb.", "Geb.-Dat.", "Geburtsdatum", "geboren am"),
    "service": ("Hilfeart", "Maßnahme", "Hilfe", "Leistung", "Art der Hilfe"),
    "provider": ("Träger", "Einrichtung", "Anbieter"),
    "start": ("Beginn", "ab", "seit", "von", "Hilfebeginn"),
    "end": ("Ende", "bis", "beendet am", "Hilfeende"),
    "status": ("Status",),
    "mark": ("erledigt", "erl.", "abgeschlossen"),
    "sb": ("SB", "Fachkraft", "zuständig"),
    "offence": ("Delikt", "Tatvorwurf"),
    "offence_date": ("Tatzeit", "Tatdatum"),
    "court": ("Gericht", "AG"),
    "hearing": ("Termin", "HV", "Verhandlungstermin"),
    "outcome": ("Ausgang", "Ergebnis", "Urteil"),
}

OUTCOME_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "dismissal": {"exact": ("Einstellung", "Einstellung §45 JGG", "eingestellt nach §47", "Diversion"), "typo": ("Einstelung",)},
    "directive": {"exact": ("Weisung", "80 Sozialstunden", "Arbeitsstunden", "Sozialer Trainingskurs"), "typo": ("Weisng",)},
    "condition": {"exact": ("Auflage", "Geldauflage", "Geldbuße", "Schadenswiedergutmachung")},
    "detention": {"exact": ("Jugendarrest", "2 Wochen Dauerarrest", "Freizeitarrest", "Jugendarrest (1 Woche)"),
                  "typo": ("Jugendarest",)},
    "youth_sentence": {"exact": ("Jugendstrafe", "Jugendstrafe 1 Jahr auf Bewährung", "JS m. Bew.")},
    "acquittal": {"exact": ("Freispruch", "freigesprochen")},
}
OUTCOME_UNMAPPED: tuple[str, ...] = ("TOA", "Verwarnung", "Verfahren abgegeben")
COURTS: dict[str, tuple[str, ...]] = {
    "AG Meißen": ("AG Meißen", "AG Meissen", "Amtsgericht Meißen", "JSchöffG Meißen"),
    "AG Riesa": ("AG Riesa", "Amtsgericht Riesa", "AG Riesa (JugR)"),
    "AG Dresden": ("AG Dresden", "Amtsgericht Dresden", "AG DD"),
}
OFFENCES: tuple[str, ...] = ("Ladendiebstahl", "Körperverletzung", "gef. KV", "Sachbeschädigung", "BtM-Verstoß", "Schwarzfahren",
                             "Fahren ohne Fahrerlaubnis", "Raub", "Bedrohung", "Betrug")
FAMILY_NAMES: tuple[str, ...] = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
                                 "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
                                 "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner", "Krause",
                                 "Lehmann", "Köhler", "Jäger", "Nowak", "Popescu", "Haddad")
GIVEN_NAMES: tuple[str, ...] = ("Lena", "Mia", "Emma", "Hannah", "Sophie", "Lea", "Anna", "Marie", "Leonie", "Lina", "Ben",
                                "Paul", "Leon", "Finn", "Elias", "Jonas", "Luis", "Noah", "Felix", "Lukas", "Maximilian", "Emil",
                                "Ali", "Amira", "Milan", "Zoe")
