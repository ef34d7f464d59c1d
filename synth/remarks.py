"""Free-text remarks (AKTEN.BEMERKUNG) as caseworkers typed them.

Some contain ';', quoted words (doubled quotes in the file) and line breaks,
which is exactly what breaks naive CSV readers.
"""

from __future__ import annotations

import random

from jhmig.synth import dates

_SINGLE: dict[str, tuple[str, ...]] = {
    "UV": ("Antrag vom {d} eingegangen", "Unterlagen unvollständig, Nachforderung {d}", "KM verzogen, neue Anschrift erfragt",
           "Unterhaltspflichtiger unbekannt verzogen", "Rückgriff eingeleitet {d}", "Vaterschaft noch nicht festgestellt",
           "Einkommensnachweis fehlt", "Zahlung an neues Konto ab {d}", "Ratenzahlung vereinbart (50 €/Monat)"),
    "BS": ("Vaterschaftsanerkennung beurkundet {d}", "Unterhaltstitel liegt vor", "Beistandschaft auf Antrag der KM",
           "Dynamischer Titel über 100 % Mindestunterhalt", "Pfändung beantragt {d}"),
    "AV": ("Bestellung durch Beschluss AG Meißen {d}", "Vormundschaft übertragen", "Hilfeplangespräch {d}",
           "Kontakt zur Herkunftsfamilie 1x monatlich"),
    "WJH": ("Hilfeplan fortgeschrieben {d}", "Kostenzusage bis {d}", "Entgeltvereinbarung 2024 beachten",
            "Kostenbeitrag der Eltern geprüft", "Fachleistungsstunden erhöht", "Abrechnung über Sammelrechnung"),
    "PKD": ("Pflegestelle überprüft {d}", "Pflegegeld angepasst", "Besuchskontakte 14-tägig", "Verwandtenpflege"),
    "KT": ("Bescheid Beitragsübernahme {d}", "Einkommen unter Grenze", "Kita-Wechsel zum {d}", "Geschwisterermäßigung"),
}
_WITH_SEMICOLON = ("Akte übernommen; Altvorgang im Archiv", "Telefonat mit KM; Termin vereinbart {d}",
                   "Rückfrage Kasse; Zahlung gestoppt", "Widerspruch {d}; abgeholfen")
_WITH_QUOTES = ('Einrichtung "Haus Lebensweg" informiert', 'lt. KM "alles in Ordnung"', 'Stichwort "Schulverweigerung"',
                'Vermerk: "nicht zustellbar" zurück')
_MULTILINE = ("Ersteintrag {d}\r\nÜbernahme aus Papierakte", "Hilfeplan {d}:\r\n- Schule\r\n- Freizeit",
              "KM erreicht;\r\nTermin \"dringend\" am {d}", "Vermerk SB:\r\nAkte geprüft {d}")


def remark(department: str, rng: random.Random, day: dates.Date) -> str:
    """A remark (often none); about 3 % span several lines."""
    r = rng.random()
    d = dates.fmt(day)
    if r < 0.45:
        return ""
    if r < 0.88:
        return rng.choice(_SINGLE[department]).format(d=d)
    if r < 0.94:
        return rng.choice(_WITH_SEMICOLON).format(d=d)
    if r < 0.97:
        return rng.choice(_WITH_QUOTES).format(d=d)
    return rng.choice(_MULTILINE).format(d=d)
