"""Name, street and house-number pools for synthetic persons.

Faker's de_DE lists give variety; a short list of frequent German surnames
(with many umlauts and ß) gives the realistic frequency of "Müller" and
"Schäfer" that duplicate detection must cope with. Names of foreign nationals
come from small transliterated lists, because cp1252 cannot hold letters like
Turkish "ş" (legacy exports are lossy).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker
from faker.providers.person.de_DE import Provider as _PersonDE

FREQUENT_SURNAMES: tuple[str, ...] = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
    "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert",
    "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
    "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin",
    "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich",
    "Brandt", "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl",
    "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer",
    "Heß", "Förster", "Große", "Rößler", "Müßig", "Jähnig", "Köhler", "Gläser", "Hänsel", "Bär",
)

PARTICLE_SURNAMES: tuple[str, ...] = (
    "von Berg", "von der Heide", "van der Linden", "van Dijk", "von Schönfeld", "zu Lynar", "de Vries",
    "von Bülow", "van den Berg", "von Carlowitz", "von der Mühlen", "von Arnim",
)

CHILD_NAMES_FEMALE: tuple[str, ...] = (
    "Mia", "Emma", "Hannah", "Sophia", "Emilia", "Lina", "Marie", "Mila", "Lea", "Leonie", "Anna", "Lena",
    "Clara", "Lara", "Ella", "Charlotte", "Maja", "Amelie", "Jana", "Zoe", "Paula", "Luisa", "Jule", "Frieda",
    "Chantal", "Jacqueline", "Michelle", "Celine", "Nele", "Josefine", "Greta", "Malia", "Leni",
)
CHILD_NAMES_MALE: tuple[str, ...] = (
    "Ben", "Leon", "Finn", "Noah", "Paul", "Elias", "Luca", "Felix", "Jonas", "Max", "Louis", "Henry",
    "Emil", "Anton", "Theo", "Moritz", "Tim", "Lukas", "Niklas", "Jan", "Kevin", "Justin", "Dustin",
    "Maximilian", "Tom", "Erik", "Oskar", "Till", "Jannik", "Florian", "Jörg", "Björn",
)

# nationality code -> (family names, male given names, female given names)
FOREIGN_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "163": (("Yilmaz", "Kaya", "Demir", "Çelik", "Sahin", "Öztürk", "Aydin", "Arslan", "Dogan", "Kiliç", "Yildiz", "Özdemir", "Koç"),
            ("Mehmet", "Mustafa", "Emre", "Can", "Yusuf", "Burak", "Ali", "Murat", "Hakan"),
            ("Ayse", "Elif", "Zeynep", "Fatma", "Emine", "Merve", "Esra", "Büsra")),
    "152": (("Nowak", "Kowalski", "Wójcik", "Kowalczyk", "Lewandowski", "Zielinski", "Szymanski", "Wozniak", "Dabrowski", "Kaminski"),
            ("Piotr", "Krzysztof", "Tomasz", "Pawel", "Marek", "Jakub"),
            ("Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Zofia")),
    "475": (("Al-Hassan", "Haddad", "Khalil", "Hamdan", "Al-Ahmad", "Ibrahim", "Mansour", "Saleh", "Darwish", "Othman"),
            ("Mohammed", "Ahmad", "Omar", "Khaled", "Yousef", "Hussein", "Mahmoud"),
            ("Fatima", "Aya", "Rahaf", "Hala", "Nour", "Lina", "Rama")),
    "438": (("Ali", "Hussein", "Al-Jabouri", "Kareem", "Hamid", "Abbas", "Jasim"),
            ("Ali", "Mustafa", "Haider", "Karrar", "Hassan"),
            ("Zainab", "Maryam", "Noor", "Sara", "Huda")),
    "423": (("Ahmadi", "Rahimi", "Mohammadi", "Sultani", "Hashemi", "Karimi", "Nazari", "Hosseini", "Azizi"),
            ("Ali", "Reza", "Mahdi", "Hamid", "Farid", "Sajad", "Mustafa"),
            ("Maryam", "Zahra", "Fatima", "Mina", "Shabnam", "Sahar")),
    "224": (("Tesfaye", "Haile", "Gebremariam", "Tekle", "Abraha", "Berhane", "Kidane"),
            ("Yonas", "Dawit", "Filmon", "Samuel", "Robel"),
            ("Selam", "Helen", "Senait", "Luwam", "Saba")),
    "154": (("Popescu", "Ionescu", "Popa", "Constantin", "Dumitru", "Stan", "Stoica"),
            ("Andrei", "Ionut", "Mihai", "Alexandru", "Florin"),
            ("Ioana", "Elena", "Maria", "Andreea", "Bianca")),
    "166": (("Kovalenko", "Bondarenko", "Schewtschenko", "Melnyk", "Tkatschenko", "Kravtschenko"),
            ("Oleksandr", "Andrij", "Dmytro", "Taras", "Bohdan"),
            ("Olena", "Iryna", "Natalija", "Switlana", "Oksana")),
    "160": (("Iwanow", "Petrow", "Smirnow", "Kusnezow", "Popow", "Wolkow"),
            ("Sergej", "Alexej", "Dmitri", "Wladimir", "Artjom"),
            ("Natalja", "Olga", "Tatjana", "Jelena", "Swetlana")),
    "121": (("Berisha", "Krasniqi", "Gashi", "Hoxha", "Shala"), ("Arben", "Besnik", "Driton", "Ardit"), ("Arta", "Blerta", "Drita", "Elira")),
    "125": (("Georgiew", "Dimitrow", "Petkow", "Nikolow"), ("Georgi", "Iwan", "Dimitar"), ("Maria", "Iwana", "Desislawa")),
    "137": (("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"), ("Marco", "Luca", "Giuseppe", "Matteo"), ("Giulia", "Francesca", "Chiara", "Sofia")),
}

# Nationalities of resident families (weights); asylum countries dominate among UMA.
RESIDENT_NATIONALITIES: tuple[tuple[str, int], ...] = (
    ("000", 840), ("163", 20), ("152", 22), ("154", 14), ("166", 26), ("160", 12), ("475", 22), ("423", 10),
    ("438", 6), ("121", 6), ("125", 6), ("137", 4), ("998", 4), ("997", 2), ("", 6),
)
UMA_NATIONALITIES: tuple[tuple[str, int], ...] = (("423", 40), ("475", 25), ("224", 15), ("438", 10), ("998", 7), ("997", 3))

LOCAL_STREETS: tuple[str, ...] = (
    "Hauptstraße", "Bahnhofstraße", "Dresdner Straße", "Meißner Straße", "Schulstraße", "Gartenstraße",
    "Lindenstraße", "Am Markt", "Goethestraße", "Schillerstraße", "Rosa-Luxemburg-Straße", "Karl-Marx-Straße",
    "Weinbergstraße", "Elbstraße", "Großenhainer Straße", "Friedrich-Ebert-Straße", "Am Bahnhof", "Mühlweg",
    "Talstraße", "Poststraße", "Kirchplatz", "Straße des Friedens", "Wilsdruffer Straße", "Moritzburger Straße",
    "Riesaer Straße", "Leipziger Straße", "Fabrikstraße", "Neumarkt", "Am Schloßberg", "Heinrich-Heine-Straße",
    "Thomas-Müntzer-Straße", "Kötitzer Straße", "Löbtauer Weg", "Zum Spitzhaus", "Weißer Weg", "Rödernsche Straße",
)


def cp1252_safe(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class NamePool:
    """Draws names with the caller's seeded ``random.Random``; Faker supplies the long tail."""

    fake: Faker

    def __post_init__(self) -> None:
        self.faker_surnames = [n for n in _PersonDE.last_names if cp1252_safe(n)]
        self.faker_male = [n for n in _PersonDE.first_names_male if cp1252_safe(n)]
        self.faker_female = [n for n in _PersonDE.first_names_female if cp1252_safe(n)]
        # Zipf-like weights: "Müller" is far more frequent than "Bär".
        self.frequent_weights = [1.0 / (rank + 8) for rank in range(len(FREQUENT_SURNAMES))]
        # Faker is drawn from once, here; later draws use the caller's rng, so
        # one stage's use of names never shifts another stage's output.
        streets = (self.fake.street_name() for _ in range(600))
        self.faker_streets = sorted({s for s in streets if cp1252_safe(s)})

    def family_name(self, rng: random.Random) -> str:
        r = rng.random()
        if r < 0.012:
            return rng.choice(PARTICLE_SURNAMES)
        if r < 0.55:
            return rng.choices(FREQUENT_SURNAMES, self.frequent_weights)[0]
        return rng.choice(self.faker_surnames)

    def double_name(self, rng: random.Random, first: str) -> str:
        second = self.family_name(rng)
        return first if second == first or " " in second or " " in first else f"{first}-{second}"

    def adult_given_names(self, rng: random.Random, sex: str) -> str:
        pool = self.faker_male if sex == "1" else self.faker_female
        names = rng.choice(pool)
        if rng.random() < 0.2:
            second = rng.choice(pool)
            if second != names:
                names = f"{names} {second}"
        return names

    def child_given_names(self, rng: random.Random, sex: str) -> str:
        modern = CHILD_NAMES_MALE if sex == "1" else CHILD_NAMES_FEMALE
        pool = self.faker_male if sex == "1" else self.faker_female
        names = rng.choice(modern) if rng.random() < 0.6 else rng.choice(pool)
        if rng.random() < 0.18:
            second = rng.choice(modern)
            if second != names:
                names = f"{names}-{second}" if rng.random() < 0.3 else f"{names} {second}"
        return names

    def foreign_family_name(self, rng: random.Random, nationality: str) -> str | None:
        entry = FOREIGN_NAMES.get(nationality)
        return rng.choice(entry[0]) if entry else None

    def foreign_given_names(self, rng: random.Random, nationality: str, sex: str) -> str | None:
        entry = FOREIGN_NAMES.get(nationality)
        if not entry:
            return None
        return rng.choice(entry[1] if sex == "1" else entry[2])

    def street(self, rng: random.Random) -> str:
        if rng.random() < 0.55:
            return rng.choice(LOCAL_STREETS)
        return rng.choice(self.faker_streets)

    def house_number(self, rng: random.Random) -> str:
        number = str(int(rng.triangular(1, 120, 8)))
        r = rng.random()
        if r < 0.1:
            return number + rng.choice("abcd")
        if r < 0.14:
            return f"{number}-{int(number) + rng.choice((1, 2, 4))}"
        return number
