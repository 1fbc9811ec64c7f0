"""Name normalisation: fold, strip_articles, phonetic, skeleton."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from conflictmap.text import fold, phonetic, regex_prefixes, skeleton, strip_articles

# French press spelling / GeoNames (English transliteration) spelling of the same place.
TRANSLITERATIONS = [
    ("Hassaké", "Al Hasakah"),
    ("Raqa", "Ar Raqqah"),
    ("Raqqa", "Ar-Raqqa"),
    ("Deir Ezzor", "Deir ez-Zor"),
    ("Deïr ez-Zor", "Dayr az Zawr"),
    ("Afrine", "Afrin"),
    ("Khan Cheikhoun", "Khan Shaykhun"),
    ("Lattaquié", "Latakia"),
    ("Idleb", "Idlib"),
    ("Soueida", "As-Suwayda"),
    ("Qousseir", "Al Qusayr"),
    ("Djisr al-Choughour", "Jisr ash Shughur"),
    ("Tartous", "Tartus"),
    ("Manbij", "Manbidj"),
    ("Douma", "Duma"),
    ("Qamichli", "Al Qamishli"),
    ("Mayadine", "Al Mayadin"),
    ("Palmyre", "Palmyra"),
]
# Different places that must stay apart.
DISTINCT = [
    ("Homs", "Hama"),
    ("Alep", "Idlib"),
    ("Damas", "Daraa"),
    ("Tartous", "Tadmor"),
    ("Raqqa", "Rastan"),
    ("Afrin", "Azaz"),
    ("Douma", "Daraya"),
    ("Manbij", "Menagh"),
    ("Lattaquié", "Jablé"),
    ("Kobané", "Qamichli"),
]


@pytest.mark.parametrize(("fr", "en"), TRANSLITERATIONS)
def test_transliterations_share_skeleton_and_are_close(fr: str, en: str) -> None:
    assert skeleton(fr) == skeleton(en)
    assert fuzz.ratio(phonetic(fr), phonetic(en)) >= 80


@pytest.mark.parametrize(("a", "b"), DISTINCT)
def test_distinct_places_do_not_collide(a: str, b: str) -> None:
    assert phonetic(a) != phonetic(b)
    assert skeleton(a) != skeleton(b) or fuzz.ratio(phonetic(a), phonetic(b)) < 84
    assert fuzz.ratio(phonetic(a), phonetic(b)) < 75


def test_no_collisions_among_major_syrian_cities() -> None:
    cities = ["Alep", "Damas", "Homs", "Hama", "Lattaquié", "Tartous", "Idleb", "Raqqa", "Deir ez-Zor",
              "Hassaké", "Qamichli", "Deraa", "Soueida", "Quneitra", "Palmyre", "Afrine", "Kobané", "Manbij",
              "Douma", "Jableh", "Maaret al-Nouman", "Khan Cheikhoun", "Tell Abyad", "Ras al-Aïn", "Azaz"]
    for a, b in itertools.combinations(cities, 2):
        assert phonetic(a) != phonetic(b), (a, b)
        assert fuzz.ratio(phonetic(a), phonetic(b)) < 84, (a, b)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Lattaquié", "lattaquie"),
        ("Deir ez-Zor", "deir ez zor"),
        ("Deïr  ez‐Zor ", "deir ez zor"),
        ("Ma'arrat an-Nu'man", "maarrat an numan"),
        ("Ra’s al ‘Ayn", "ras al ayn"),
        ("ḤALAB", "halab"),
        ("Œuvre d'Łódź", "oeuvre dlodz"),
        ("Straße", "strasse"),
        ("  ", ""),
        ("حلب", ""),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_strip_articles() -> None:
    assert strip_articles("al hasakah") == "hasakah"
    assert strip_articles("jisr ash shughur") == "jisr shughur"
    assert strip_articles("deir ez zor") == "deir zor"
    assert strip_articles("al") == "al"  # nothing else would remain
    assert strip_articles("") == ""


def test_phonetic_examples() -> None:
    assert phonetic("Khan Cheikhoun") == phonetic("Khan Shaykhun") == "kansheikun"
    assert phonetic("Hassaké") == "hasak"
    assert phonetic("") == "" and skeleton("") == ""
    assert skeleton("Deraa") == skeleton("Daraa") == "dr"


def test_skeleton_values_are_stable() -> None:
    """The gazetteer cache stores skeletons: changing them needs an INDEX_VERSION bump there."""
    expected = {"Alep": "alp", "Damas": "dms", "Homs": "hms", "Hama": "hm", "Idlib": "idlb", "Raqqa": "rk",
                "Deir ez-Zor": "drzr", "Khan Shaykhun": "knshkn", "Latakia": "ltk", "As-Suwayda": "sd",
                "Jisr ash Shughur": "jsrshgr", "Tartus": "trts", "Al Hasakah": "hsk"}
    assert {k: skeleton(k) for k in expected} == expected


# --------------------------------------------------------------------------- regex_prefixes


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\b(?:fr[ao]pp|obus)", {"fr", "ob"}),
    (r"(?:a|ont)\s+pris", {"a", "on"}),  # "a" then any space: the one-letter beginning
    (r"x?ab", {"ab", "xa"}),
    (r"(?<!anti)bombard", {"bo"}),
    (r"(?-i:[A-C])x", {"ax", "bx", "cx"}),
    (r"ÉVACU", {"év"}),
])
def test_regex_prefixes(pattern: str, expected: set[str]) -> None:
    assert regex_prefixes(pattern) == expected


@pytest.mark.parametrize("pattern", [r"\w+ville", r".x", r"(?:\s|a)b", r"a?"])
def test_regex_prefixes_unconstrained_start_gives_none(pattern: str) -> None:
    assert regex_prefixes(pattern) is None


@given(st.text(alphabet="abfrxo sÉé'’-", max_size=30))
def test_every_match_starts_with_a_listed_prefix(text: str) -> None:
    for pattern in (r"\b(?:fr[ao]pp|obus)", r"(?:a|ont)\s+pris", r"x?ab", r"[ée]vacu\w*|s['’]empar"):
        pres = regex_prefixes(pattern)
        assert pres is not None
        for m in re.finditer(pattern, text, re.IGNORECASE):
            head = text[m.start():m.start() + 2].lower()
            assert head in pres or head[:1] in pres, (pattern, text, m.group(0))
