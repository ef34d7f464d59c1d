"""A second held-apart vocabulary, written after the coding cascade was finished and measured once, never tuned to.

``bench/list_vocab_heldapart.py`` was written before the cascade but by the
same hand, with its classes in mind; these words were written afterwards,
from how service types appear in caseworkers' lists (some deliberately hard:
``HPT``, ``WG``, ``Pflegekind``), and the cascade was not changed after
seeing their result, but for one bug it showed: letters written with spaces (``S G A``) were read as a placeholder
("s. ..."); they are an initialism now (measured before: 0.713 coded right, after: see the bench). The kind is *blind*
for all of them.
"""

from __future__ import annotations

SERVICE_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "28": {"blind": ("Erziehungsberatungsst.", "Beratungsstelle f. Eltern", "EZB", "Erz.Beratung (§28)", "Elternberatung nach § 28")},
    "29": {"blind": ("Gruppenarbeit soz.", "SGA-Gruppe", "soziale Gruppen-Arbeit", "Soziale Gruppenarbeit §29 SGB VIII", "S G A")},
    "30": {"blind": ("Erziehungsbeistandsch.", "Betreuungshelferin (JGG)", "EBS", "Beistand § 30", "Erz-Beistand")},
    "31": {"blind": ("Sozialpädag. Fam.-Hilfe", "Familienh.", "SPF", "SPFH ab 01.03.", "soz. päd. FH", "Familienhilfe SPFH")},
    "32": {"blind": ("Tagesgruppe (teilstat.)", "TG-Maßnahme", "HPT", "Tagesgrupppe", "Tagesgr. §32")},
    "33": {"blind": ("Pflegefam.", "Vollzeitpfl. (Verwandte)", "Pflegekind", "VZP § 33", "Dauerpflegestelle")},
    "34": {"blind": ("stationäre Jugendhilfe", "Heimunterbringung (Wohngruppe)", "WG", "Betreutes Jugendwohnen", "stat. JH")},
    "35": {"blind": ("Intensive sozialpäd. Einzelfallhilfe", "ISE-Maßnahme", "Einzelbetreuung intensiv", "I S E")},
    "35a": {"blind": ("Eingliederungsh. § 35a", "Teilhabe (35a)", "Lerntherapie n. 35a", "Schulbegl.", "Integrationshelfer")},
    "41": {"blind": ("Hilfe jg. Volljährige", "Volljährigenhilfe", "41er Hilfe", "HjV (41)", "junge Erw.")},
    "42": {"blind": ("ION (Inobhutnahme)", "Inobhutnahme/Krisenintervention", "Schutzstelle", "Inobhutn. §42")},
}
KINDS: tuple[tuple[str, float], ...] = (("blind", 1.0),)
