"""Rules on single values: IBAN check digits, four-digit PLZ, mojibake in text.

All three look at text columns whose values repeat a lot (payees, IBANs of two
million payments), so they judge each distinct value once and map the verdict
back onto the rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from jhmig.records import Severity
from jhmig.validation.model import Check, Hits, Rule, RuleContext

# --------------------------------------------------------------------------
# IBAN (ISO 13616): country, two check digits, 11-30 alphanumerics
# --------------------------------------------------------------------------

# German IBANs have exactly 22 characters; the same pattern is declared for gx.*.iban_shape.
IBAN_SHAPE = re.compile(r"DE\d{20}|D[A-DF-Z]\d{2}[A-Z0-9]{11,30}|[A-CE-Z][A-Z]\d{2}[A-Z0-9]{11,30}")


def iban_checksum_ok(iban: str) -> bool:
    """ISO 7064 mod 97-10: move the first four characters to the end, letters to 10..35, remainder 1."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _by_distinct(values: pd.Series, verdict: Callable[[str], bool]) -> pd.Series:
    """``verdict`` for every row, computed once per distinct non-empty value."""
    codes, uniques = pd.factorize(values)
    if not len(uniques):
        return pd.Series(False, index=values.index)
    flags = pd.array([verdict(str(u)) for u in uniques], dtype=bool)
    hit = flags.to_numpy()[codes.clip(min=0)] & (codes >= 0)
    return pd.Series(hit, index=values.index)


def _iban_bad_checksum(iban: str) -> bool:
    # A malformed IBAN is the shape expectation's finding (gx.*.iban_shape), not a check-digit error.
    return IBAN_SHAPE.fullmatch(iban) is not None and not iban_checksum_ok(iban)


def iban_checksum(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    mask = _by_distinct(frame["iban"], _iban_bad_checksum)
    return Hits.where(mask, frame, lambda r: "IBAN " + r["iban"].astype("string") + ": Prüfziffer stimmt nicht (ISO 7064 Modulo 97)")


# --------------------------------------------------------------------------
# PLZ: German postcodes are five digits; spreadsheets drop the leading zero
# --------------------------------------------------------------------------


def plz_four_digits(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
    postcode = frame["postcode"].astype("string")
    return Hits.where(postcode.str.fullmatch(r"\d{4}"), frame,
                      lambda r: "PLZ " + r["postcode"].astype("string") + " hat nur vier Ziffern; gemeint ist wohl 0" + r["postcode"].astype("string"))


# --------------------------------------------------------------------------
# Mojibake: text decoded with the wrong code page
# --------------------------------------------------------------------------

# UTF-8 read as cp1252: a lead byte shown as Ã/Â/Ä/Å followed by a continuation
# byte (0x80-0xBF) as cp1252 shows it, e.g. "Ã¤" for ä, "ÃŸ" for ß, "Â§" for §.
_CONTINUATION = re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore"))
_UTF8_AS_CP1252 = f"[ÃÂÄÅ][{_CONTINUATION}]"
# cp850 (DOS) read as cp1252: ä -> „, ö -> ”, é -> ‚, ß -> á, Ü -> š, Ö -> ™, ü -> U+0081.
# Only where the character cannot be meant: German quotes never follow a
# letter directly; ß always follows a vowel, a foreign á rarely does; Ü/Ö
# shown as š/™ start a word followed by lower case. Ä shown as Ž is left out:
# it cannot be told from Slavic names (Živković).
_CP850_AS_CP1252 = "|".join((
    r"(?<=[A-Za-zäöüÄÖÜß])[„‚]",
    r"(?<=[A-Za-z])”(?=[A-Za-z])",
    r"(?<=[aeiouyäöüAEIOUÄÖÜ])á",
    r"(?<![^\W\d_])š(?=[a-zäöü])",
    r"™(?=[a-zäöü])",
))
# C1 control characters (an undefined cp1252 byte kept as is) and U+FFFD
# (a reader replaced bytes it could not decode) are garbage in any text.
_GARBAGE = r"[\u0080-\u009f\ufffd]"
MOJIBAKE = re.compile("|".join((_UTF8_AS_CP1252, _CP850_AS_CP1252, _GARBAGE)))


def mojibake_at(text: str) -> str | None:
    """The first suspicious character sequence in ``text``, or None."""
    match = MOJIBAKE.search(text)
    return match.group(0) if match else None


def mojibake(column: str, label: str) -> Check:
    def check(frame: pd.DataFrame, ctx: RuleContext) -> Hits:
        mask = _by_distinct(frame[column], lambda v: MOJIBAKE.search(v) is not None)
        return Hits.where(
            mask, frame,
            lambda r: (label + ' enthält "' + r[column].astype("string").map(lambda v: mojibake_at(v) or "")
                       + '": Text wurde mit falscher Zeichenkodierung gelesen (DOS-Codepage 850 oder UTF-8 als Windows-1252)'),
            lambda r: r[column].astype("string"),
        )

    return check


_MOJIBAKE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("person", "family_name", "Familienname"),
    ("person", "given_names", "Vorname"),
    ("person", "birth_name", "Geburtsname"),
    ("address", "street", "Straße"),
    ("address", "city", "Ort"),
    ("provider", "name", "Name des Trägers"),
    ("provider", "street", "Straße des Trägers"),
    ("provider", "city", "Ort des Trägers"),
    ("case_file", "remark", "Bemerkung"),
    ("payment", "payee", "Empfänger"),
)

_MOJIBAKE_FIX = ("Text im Altsystem oder in der Exportdatei berichtigen (z. B. 'Ã¤' -> 'ä', '„' -> 'ä', 'á' -> 'ß'); "
                 "betrifft es viele Sätze, die Kodierung der Datei im Layout prüfen")

RULES: tuple[Rule, ...] = (
    Rule("iban.checksum", "provider", Severity.WARNING, "IBAN des Trägers mit falscher Prüfziffer",
         "IBAN beim Träger erfragen und im Altsystem korrigieren, bevor Zahlungen laufen", iban_checksum, "iban", ("iban",)),
    Rule("iban.checksum", "payment", Severity.WARNING, "IBAN der Zahlung mit falscher Prüfziffer",
         "historische Zahlung: nur zur Kenntnis; bei laufenden Zahlungen die IBAN des Empfängers korrigieren",
         iban_checksum, "iban", ("iban",)),
    Rule("address.plz_4_digits", "address", Severity.WARNING, "Postleitzahl mit nur vier Ziffern (führende Null verloren)",
         "führende 0 ergänzen (PLZ 01000-09999: Sachsen, Sachsen-Anhalt, Thüringen, Teile Brandenburgs); ausländische PLZ so lassen",
         plz_four_digits, "postcode", ("postcode",)),
    Rule("address.plz_4_digits", "provider", Severity.WARNING, "Postleitzahl des Trägers mit nur vier Ziffern",
         "führende 0 ergänzen; ausländische PLZ so lassen", plz_four_digits, "postcode", ("postcode",)),
    *(
        Rule("text.mojibake", entity, Severity.ERROR, "Text mit falsch dekodierten Zeichen (Mojibake)", _MOJIBAKE_FIX,
             mojibake(column, label), column, (column,))
        for entity, column, label in _MOJIBAKE_FIELDS
    ),
)
