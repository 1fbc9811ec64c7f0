"""Event frames on unseen wordings: one test per failure class of issue #10.

Every sentence here is written for the test (other places and wordings than any evaluation text).
"""

from __future__ import annotations

import datetime as dt

import pytest

from conflictmap.extract import dates
from conflictmap.extract.articles import Article
from conflictmap.extract.frames import sentence_frames
from conflictmap.geo.gazetteer import distance_km


def run(pipeline, text: str, published: dt.date | None = dt.date(2019, 10, 21)):  # type: ignore[no-untyped-def]
    return pipeline.process([Article(article_id="f1", text=text, published=published)])


def near(geom, lat: float, lon: float, km: float) -> bool:  # type: ignore[no-untyped-def]
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return distance_km(p.y, p.x, lat, lon) <= km


def of(frame, category: str):  # type: ignore[no-untyped-def]
    return frame[frame.category == category]


# --------------------------------------------------------------------------- roles


def test_passive_agent_is_the_gainer(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "La ville de Tall Abyad a été reprise jeudi par les Forces démocratiques syriennes.")
    cc = of(r.events, "control_change")
    assert len(cc) == 1
    assert cc.iloc[0].controller_after == "SDF" and cc.iloc[0].actor1 == "SDF"
    assert near(cc.iloc[0].geometry, 36.70, 38.95, 15)


def test_passive_victim_is_not_the_attacker(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des positions de l'Armée syrienne libre ont été visées mardi par l'aviation russe près de Lattaquié.")
    inc = of(r.events, "incident").iloc[0]
    assert inc.actor1 == "RUS"
    assert "REBELS" in inc.actors


def test_supporter_is_never_the_actor(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Avec le soutien de l'aviation russe, les forces gouvernementales ont repris dimanche la ville de Saraqeb.")
    cc = of(r.events, "control_change").iloc[0]
    assert cc.controller_after == "SYR_GOV"
    assert cc.sub_type == "government regains territory"
    r = run(pipeline, "Les rebelles, appuyés par l'artillerie turque, ont attaqué samedi la ville de Saraqeb.")
    assert of(r.events, "incident").iloc[0].actor1 == "REBELS"


def test_withdrawal_names_the_loser_not_the_gainer(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les forces gouvernementales se sont retirées mardi de la ville de Kafranbel.")
    cc = of(r.events, "control_change").iloc[0]
    assert cc.controller_before == "SYR_GOV" and cc.controller_after != "SYR_GOV"
    assert cc.sub_type == "non-violent transfer of territory"


# --------------------------------------------------------------------------- coordination


def test_coordinated_places_each_get_an_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'aviation russe a bombardé mercredi Saraqeb, Ariha et Kafranbel.")
    inc = of(r.events, "incident")
    assert len(inc) == 3
    assert set(inc.actor1) == {"RUS"}
    assert set(inc.sub_type) == {"air/drone strike"}


def test_a_province_that_situates_a_town_is_not_a_second_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des obus sont tombés lundi sur Jisr al-Choughour, dans la province d'Idleb.")
    assert len(of(r.events, "incident")) == 1


# --------------------------------------------------------------------------- modality


def test_conditional_is_claimed_and_stays_on_the_map(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'aviation syrienne aurait frappé lundi un marché de Douma, selon des militants.")
    inc = of(r.events, "incident")
    assert len(inc) == 1 and inc.iloc[0].modality == "claimed"
    assert inc.iloc[0].confidence < 1.0


def test_possibility_is_hypothetical_and_off_the_map(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'armée pourrait lancer une offensive contre la ville de Deraa dans les prochains jours.")
    assert not len(of(r.events, "incident"))
    assert set(of(r.reports, "incident").modality) == {"hypothetical"}


def test_negation_is_denied(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'hôpital de Kafranbel n'a pas été touché par les bombardements de la nuit.")
    assert not len(r.events)
    assert set(r.reports.modality) == {"denied"}


def test_threat_is_planned(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Le président turc menace de lancer une nouvelle offensive contre Manbij.")
    assert not len(of(r.events, "incident"))
    assert "planned" in set(of(r.reports, "incident").modality)


def test_denial_is_denied(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'armée syrienne a démenti avoir bombardé un camp de déplacés près de Sarmada.")
    assert not len(of(r.events, "incident"))
    assert set(of(r.reports, "incident").modality) == {"denied"}


def test_frames_read_modality_from_the_parse(pipeline) -> None:  # type: ignore[no-untyped-def]
    doc = pipeline.nlp("Les forces turques bombarderont Ras al-Aïn. Les rebelles menacent d'attaquer Hama.")
    by_lemma = {f["lemma"]: f for f in sentence_frames(doc[:])}
    assert by_lemma["bombarder"]["modality"] == "planned"
    assert by_lemma["attaquer"]["modality"] == "planned"


# --------------------------------------------------------------------------- located or not at all


def test_country_wide_summary_is_a_report_not_a_map_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les bombardements ont fait plus de trois cents morts en Syrie depuis le début de l'année.")
    assert not len(r.events)
    assert len(r.reports) and set(r.reports.geo_precision) == {4}


# --------------------------------------------------------------------------- dates


def test_background_event_keeps_its_own_date(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'organisation Etat islamique s'était emparée de Tadmor en mai 2015, avant d'en être chassée.",
            published=dt.date(2017, 3, 2))
    cc = of(r.events, "control_change").iloc[0]
    assert cc.date == "2015-05-01" and cc.date_precision == "month"


def test_weekday_is_anchored_to_the_stated_date(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Le mercredi 9 octobre, la Turquie a lancé son offensive dans le nord-est de la Syrie. "
            "Jeudi, l'artillerie turque a pilonné la ville de Tall Abyad.")
    r = run(pipeline, text, published=dt.date(2019, 10, 21))
    inc = r.events[r.events.category == "incident"]
    assert list(inc.date) == ["2019-10-10"]  # the Thursday after 9 October, not the one before publication


def test_year_less_article_dated_by_its_weekdays() -> None:
    # 28 October fell on a Sunday in 2012 and 2018; the defence minister of the text held office in 2018 only
    anchors = [dates.Anchor(__import__("re").compile("florence parly", __import__("re").I),
                            dt.date(2017, 6, 21), dt.date(2022, 5, 20), 1.0)]
    text = "Florence Parly a confirmé dimanche 28 octobre que les frappes avaient repris."
    assert dates.weekday_years(text) == {2012, 2018}
    assert dates.infer_year_from_chronology(text, anchors) == dt.date(2018, 10, 28)
    # no anchor and two possible years: no date rather than a guess
    assert dates.infer_year_from_chronology("Des frappes ont eu lieu dimanche 28 octobre.", []) is None


@pytest.mark.parametrize("value", ["samedi 29 février 2020", "2020-02-29", "29/02/2020"])
def test_one_parse_published_for_articles_and_dates(value: str) -> None:
    from conflictmap.extract.articles import parse_published as from_articles

    assert from_articles(value) == dates.parse_published(value) == dt.date(2020, 2, 29)


# --------------------------------------------------------------------------- roles across sentences


def test_anaphoric_strikes_take_the_actor_named_before(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Des frappes aériennes israéliennes ont visé mardi un dépôt d'armes près de Masyaf. "
            "Cinq miliciens pro-iraniens ont été tués par ces frappes, dont un près de Hama.")
    r = run(pipeline, text)
    inc = of(r.events, "incident")
    assert set(inc.actor1) == {"ISR"}  # the victims of the passive are never the attacker


def test_withdrawal_leaves_the_place_to_the_opponent(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les combats entre l'armée syrienne et les rebelles se poursuivent dans la province d'Idleb. "
            "Les forces gouvernementales se sont retirées jeudi de la ville de Kafranbel.")
    cc = of(run(pipeline, text).events, "control_change").iloc[0]
    assert cc.controller_before == "SYR_GOV" and cc.controller_after == "REBELS"


def test_placeless_sentence_continues_the_scene_before(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("L'artillerie turque a pilonné lundi la ville de Tall Rifaat. "
            "Les combattants kurdes ont riposté en attaquant deux positions turques.")
    inc = of(run(pipeline, text).reports, "incident")
    assert len(inc) == 2 and {"TUR", "YPG"} <= set(inc.actor1)
    assert inc.confidence.min() < inc.confidence.max()  # the inherited place lowers the confidence


def test_background_place_is_not_a_scene(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Le groupe n'a plus mené une telle opération depuis sa défaite de Baghouz en 2019. "
            "Les assaillants ont utilisé des voitures piégées.")
    assert not len(run(pipeline, text, published=dt.date(2022, 1, 27)).events)


def test_two_actors_same_day_same_town_are_two_events(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les rebelles ont attaqué mardi des positions de l'armée à Saraqeb. "
            "L'aviation russe a bombardé mardi Saraqeb en représailles.")
    inc = of(run(pipeline, text).events, "incident")
    assert set(inc.actor1) == {"REBELS", "RUS"}


def test_unnamed_attacker_is_the_side_the_article_sets_against_the_target(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("L'organisation Etat islamique reste active dans l'est du pays malgré ses défaites. "
            "De violents combats ont eu lieu samedi près d'Abou Kamal contre les Forces démocratiques syriennes.")
    inc = of(run(pipeline, text).events, "incident").iloc[0]
    assert inc.actor1 == "ISIS" and inc.actor2 == "SDF"


def test_a_clash_has_two_sides(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les forces gouvernementales poursuivent leur offensive contre Hayat Tahrir al-Cham dans le nord-ouest. "
            "L'armée a livré de violents combats lundi aux abords de Saraqeb.")
    r = run(pipeline, text).events
    clash = r[(r.category == "incident") & (r.sub_type == "armed clash") & r.place_name.str.contains("Sar", na=False)]
    assert clash.iloc[0].actor1 == "SYR_GOV" and clash.iloc[0].actor2 == "HTS" and "HTS" in clash.iloc[0].actors


def test_terrorists_is_the_governments_word_for_its_main_opponent(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les combattants de Hayat Tahrir al-Cham tiennent toujours la ville de Jisr al-Choughour. "
            "Les terroristes ont attaqué mardi un poste de l'armée près de Saraqeb, selon l'agence officielle.")
    inc = of(run(pipeline, text).events, "incident").iloc[0]
    assert inc.actor1 == "HTS"


def test_a_later_mention_of_the_same_takeover_keeps_its_date(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les combattants de Hayat Tahrir al-Cham ont pris samedi le contrôle de la ville de Saraqeb.\n\n"
            "La ville de Saraqeb est désormais tombée aux mains de Hayat Tahrir al-Cham.")
    cc = of(run(pipeline, text, published=dt.date(2019, 3, 14)).reports, "control_change")
    assert len(cc) == 2 and set(cc.date) == {"2019-03-09"}


def test_targeting_is_an_attack_aiming_is_a_plan(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'artillerie a visé mardi le quartier de Jobar, assiégé par l'armée.")
    assert set(of(r.reports, "incident").modality) <= {"asserted"} and len(of(r.events, "incident"))
    r = run(pipeline, "L'offensive vise à reprendre la ville de Saraqeb aux rebelles.")
    assert not len(of(r.events, "control_change"))
    assert set(of(r.reports, "control_change").modality) == {"planned"}


def test_the_target_of_an_attack_is_not_its_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Un attentat a frappé lundi à Jarablus le siège d'une faction rebelle, tuant six personnes.")
    assert of(r.events, "incident").iloc[0].actor1 is None
    r = run(pipeline, "Un attentat contre le siège d'une faction rebelle a fait six morts lundi à Jarablus.")
    assert of(r.events, "incident").iloc[0].actor1 is None


def test_a_place_inside_an_operation_name_is_not_an_event_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'opération Bouclier de l'Euphrate a été lancée mercredi par la Turquie.")
    assert not len(r.events)


def test_surrender_and_evacuation_destinations(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les rebelles ont quitté dimanche le quartier de Qaboun pour la province d'Idleb et la ville de Jarablus, "
            "un jour après leur reddition à l'armée.")
    r = run(pipeline, text)
    cc = of(r.events, "control_change")
    assert len(cc) and all(near(g, 33.54, 36.33, 15) for g in cc.geometry)  # Qaboun, not the destinations
    assert set(cc.controller_after) == {"SYR_GOV"} and set(cc.controller_before) == {"REBELS"}
    assert set(cc.sub_type) == {"non-violent transfer of territory"}


def test_a_namesake_abroad_next_to_theatre_places_is_not_an_event_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les combattants doivent quitter lundi les localités de Saraqeb, de Tyr et d'Ariha.")
    places = set(r.events.place_name)
    assert places and not any("Tyr" in p or "Ṣūr" in p for p in places)


def test_fronted_adverbial_event_belongs_to_the_main_subject(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Après une semaine d’offensive, les Forces démocratiques syriennes assiègent désormais Tabqa.")
    assert of(r.events, "incident").iloc[0].actor1 == "SDF"


def test_purpose_clause_is_a_plan_and_supporting_strikes_are_the_supporters_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "La Turquie a lancé mercredi l'opération Source de paix pour en chasser les YPG de Tall Abyad.")
    assert not len(of(r.events, "control_change"))
    text = ("Les jihadistes ont été chassés lundi de Tall Abyad par les forces kurdes, après des semaines de combats "
            "appuyés par les raids de la coalition.")
    r = run(pipeline, text)
    assert of(r.events, "control_change").iloc[0].controller_after == "YPG"
    assert "COALITION" in set(of(r.events, "incident").actor1)


def test_siege_and_a_date_after_depuis_que(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les habitants n'ont pas pu sortir depuis que l'armée a repris vendredi le contrôle de la ville de "
            "Saraqeb, après trois semaines de siège.")
    r = run(pipeline, text, published=dt.date(2019, 3, 14))
    inc = of(r.events, "incident")
    assert len(inc) and set(inc.date) == {"2019-03-08"}  # the Friday the sentence states, not a "since" date


def test_this_region_points_back_to_the_scene_across_paragraphs(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les rebelles ont commencé samedi à remettre leurs armes lourdes à Deraa.\n\n"
            "Au terme d'un assaut déclenché le 19 juin, le régime a fait plier les insurgés dans cette région.")
    inc = of(run(pipeline, text, published=dt.date(2018, 7, 15)).events, "incident")
    assert len(inc) == 1 and inc.iloc[0].actor1 == "SYR_GOV" and near(inc.iloc[0].geometry, 32.62, 36.10, 30)


def test_back_in_the_hands_of(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Revenue entre les mains du régime depuis 2016, la ville de Saraqeb reste instable.",
            published=dt.date(2019, 3, 14))
    cc = of(r.events, "control_change").iloc[0]
    assert cc.controller_after == "SYR_GOV" and cc.date.startswith("2016")


def test_strikes_the_subject_advances_despite_are_not_its_own(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les jihadistes de l'EI ont progressé vers Tabqa malgré les frappes aériennes américaines.")
    air = r.events[(r.events.category == "incident") & (r.events.sub_type == "air/drone strike")]
    assert list(air.actor1) == ["USA"]
    r = run(pipeline, "Les jihadistes de l'EI ont progressé vers Tabqa en dépit des frappes aériennes.")
    air = r.events[(r.events.category == "incident") & (r.events.sub_type == "air/drone strike")]
    assert "ISIS" not in set(air.actor1)


def test_trigger_tokens_are_those_a_lemma_matcher_finds(pipeline) -> None:  # type: ignore[no-untyped-def]
    # the array test that replaced spaCy's Matcher finds the same tokens, nouns and verbs alike
    from spacy.matcher import Matcher

    from conflictmap.extract.frames import TRIGGER_LEMMAS

    nlp = pipeline.nlp
    frames = nlp.get_pipe("conflictmap_frames")
    matcher = Matcher(nlp.vocab)
    words = sorted(TRIGGER_LEMMAS)
    matcher.add("T", [[{"LEMMA": {"IN": words}, "POS": {"IN": ["VERB", "NOUN"]}}],
                      [{"LOWER": {"IN": words}, "POS": {"IN": ["VERB", "NOUN"]}}]])
    text = ("Des avions ont bombardé Saraqeb mardi, puis une embuscade a visé un convoi près de Manbij. "
            "Les rebelles se sont retirés de la colline après des combats; la trêve a été rompue. "
            "Le ministre a parlé longtemps sans rien annoncer.")
    doc = nlp(text)
    expected = sorted({s for _, s, _ in matcher(doc)})
    found = frames.triggers(doc)
    assert found == expected
    assert {doc[i].lemma_ for i in found} >= {"bombarder", "embuscade", "combat"}
    assert frames.triggers(nlp.make_doc("")) == []


def test_a_denial_in_an_incise_leaves_the_accusation_claimed(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Plusieurs ONG accusent l'aviation russe, qui a démenti, d'avoir bombardé un marché à Saraqeb.")
    assert list(r.reports.modality) == ["claimed"] and len(r.events) == 1
    r = run(pipeline, "L'aviation russe a démenti avoir bombardé un marché à Saraqeb.")
    assert list(r.reports.modality) == ["denied"] and not len(r.events)
