"""Events from news text: category, place, actors, dates, merging, zones, control table."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from conflictmap.extract import dates
from conflictmap.extract import events as ev
from conflictmap.extract.articles import Article
from conflictmap.geo.gazetteer import distance_km


def run(pipeline, text: str, published: dt.date | None = dt.date(2019, 5, 10), aid: str = "a1"):  # type: ignore[no-untyped-def]
    art = Article(article_id=aid, text=text, published=published)
    return pipeline.process([art])


def near(geom, lat: float, lon: float, km: float) -> bool:  # type: ignore[no-untyped-def]
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return distance_km(p.y, p.x, lat, lon) <= km


def test_air_strike_with_actor_place_and_weekday(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des frappes aériennes russes ont visé jeudi la ville de Khan Cheikhoun, dans la province "
                      "d'Idleb, faisant au moins douze morts parmi les civils.")
    inc = r.events[r.events.category == "incident"]
    assert len(inc) == 1
    e = inc.iloc[0]
    assert e.sub_type == "air/drone strike"
    assert "RUS" in e.actors and e.actor1 == "RUS"
    assert near(e.geometry, 35.44, 36.65, 15) and e.geo_precision == 1
    assert e.date == "2019-05-09" and e.date_precision == "day"
    assert e.quote.startswith("Des frappes aériennes russes")


def test_government_retakes_a_town(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'armée syrienne a repris mardi la localité de Maaret al-Noomane aux rebelles, "
                      "d'après une ONG.", published=dt.date(2020, 1, 30))
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.sub_type == "government regains territory"
    assert cc.controller_after == "SYR_GOV" and cc.controller_before == "REBELS"
    assert near(cc.geometry, 35.65, 36.67, 15)
    assert cc.date == "2020-01-28"
    assert ev.controller_on(r.control, cc.place_id, "2020-02-01") == "SYR_GOV"
    assert ev.controller_on(r.control, cc.place_id, "2020-01-01") == "REBELS"


def test_metonymic_capital_is_an_actor_never_the_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Moscou nie avoir bombardé des positions des Forces démocratiques syriennes près de "
                      "Deir ez-Zor, mercredi.")
    # a denial is reported, flagged "denied", and kept off the map (the old test expected a map event)
    assert not (r.events.category == "incident").any()
    inc = r.reports[r.reports.category == "incident"].iloc[0]
    assert inc.modality == "denied"
    assert "RUS" in inc.actors and "SDF" in inc.actors
    assert near(inc.geometry, 35.34, 40.14, 30)
    assert not near(inc.geometry, 55.75, 37.62, 500)


def test_negated_and_idiomatic_triggers_make_no_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Aucun bombardement n'a été enregistré à Alep depuis lundi. "
                      "Des tensions ont été observées à plusieurs reprises au nord de Lattaquié.")
    assert not (r.events.category == "incident").any()
    assert not (r.events.category == "control_change").any()


def test_deescalation_links_to_the_zone_valid_at_the_date(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "La trêve est globalement respectée dans la zone de désescalade de la Ghouta orientale, "
                      "selon le Centre russe pour la réconciliation.", published=dt.date(2017, 8, 3))
    de = r.events[r.events.category == "deescalation"]
    assert "astana-ghouta" in set(de.zone_id)
    # out of the zone's validity the same sentence links to no zone
    r2 = run(pipeline, "La trêve est globalement respectée dans la zone de désescalade de la Ghouta orientale.",
             published=dt.date(2015, 8, 3))
    assert "astana-ghouta" not in set(r2.events.zone_id.dropna())


def test_same_event_in_two_articles_is_one_event_with_both_sources(pipeline) -> None:  # type: ignore[no-untyped-def]
    a = Article("a", "Des raids aériens ont frappé Saraqeb vendredi, selon des secouristes.", published=dt.date(2018, 2, 10))
    b = Article("b", "L'aviation a bombardé vendredi la ville de Saraqib, dans la province d'Idleb.",
                published=dt.date(2018, 2, 10))
    r = pipeline.process([a, b])
    inc = r.events[r.events.category == "incident"]
    assert len(r.reports[r.reports.category == "incident"]) == 2
    assert len(inc) == 1 and inc.iloc[0].n_sources == 2
    srcs = json.loads(inc.iloc[0].sources)
    assert {s["article_id"] for s in srcs} == {"a", "b"}
    assert all(s["quote"] for s in srcs)


def test_undated_reports_of_two_articles_stay_two_events(pipeline) -> None:  # type: ignore[no-untyped-def]
    # with no date at all, nothing says two articles tell the same strike (a year may separate them)
    a = Article("a", "Des hélicoptères ont largué des barils d'explosifs sur Saraqeb.", published=None)
    b = Article("b", "Les quartiers est de Saraqib ont été pilonnés par les chars du régime.", published=None)
    r = pipeline.process([a, b])
    inc = r.events[r.events.category == "incident"]
    assert sorted(inc.article_id) == ["a", "b"] and all(inc.date == "")


def test_provenance_offsets_point_at_the_quote(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = "Titre\n\nDes combats ont opposé les FDS à l'EI près de Raqqa dimanche. Le calme est revenu."
    r = run(pipeline, text)
    e = r.events.iloc[0]
    assert text[e.start:e.end] == e.quote
    m = r.mentions[r.mentions.text == "Raqqa"].iloc[0]
    assert text[m.start:m.end] == "Raqqa"


def test_year_less_article_is_dated_by_chronology_anchors(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Le secrétaire d'État Rex Tillerson a évoqué la situation. Le 12 octobre, des frappes de la "
            "coalition ont visé Raqqa.")
    r = run(pipeline, text, published=None)
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.date == "2017-10-12" and bool(inc.date_inferred)
    assert r.articles.iloc[0].published_inferred


def test_chronology_prefers_the_year_matching_most_anchors() -> None:
    anchors = [dates.Anchor(__import__("re").compile("cessation des hostilités"), dt.date(2016, 2, 22),
                         dt.date(2016, 12, 29), 1.0)]
    d = dates.infer_year_from_chronology("La cessation des hostilités est entrée en vigueur le 27 février.", anchors)
    assert d == dt.date(2016, 2, 27)
    assert dates.infer_year_from_chronology("Rien ici le 27 février.", anchors) is None


def test_control_table_answers_who_held_a_place() -> None:
    control = pd.DataFrame(
        [{"place_id": "p", "place_name": "X", "date": "2018-01-01", "controller_before": "ISIS",
          "controller_after": "SDF", "event_id": "e1", "sources": "[]"},
         {"place_id": "p", "place_name": "X", "date": "2019-01-01", "controller_before": "SDF",
          "controller_after": "SYR_GOV", "event_id": "e2", "sources": "[]"}])
    assert ev.controller_on(control, "p", "2017-06-01") == "ISIS"
    assert ev.controller_on(control, "p", "2018-06-01") == "SDF"
    assert ev.controller_on(control, "p", dt.date(2019, 6, 1)) == "SYR_GOV"
    assert ev.controller_on(control, "q", "2019-06-01") is None


def test_dateline_gives_the_date_and_is_not_a_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    art = Article("d1", "BEYROUTH, 12 mars 2019 (AFP) - Au moins quinze civils ont été tués mardi dans des frappes "
                        "aériennes du régime syrien sur la province d'Idleb, selon l'OSDH.")
    r = pipeline.process([art])
    assert "BEYROUTH" not in set(r.mentions.text)
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.date == "2019-03-12" and not inc.date_inferred
    assert inc.actor1 == "SYR_GOV" and "CIVILIANS" in inc.actors
    assert r.articles.iloc[0].source == "AFP"


@pytest.mark.parametrize(
    ("text", "actor", "lat", "lon"),
    [
        ("L'armée turque et ses supplétifs syriens se sont emparés dimanche de la ville d'Afrine.", "TUR", 36.51, 36.87),
        ("Les forces turques ont pris mercredi le contrôle de la ville frontalière de Ras al-Aïn.", "TUR", 36.85, 40.07),
        ("Les Forces démocratiques syriennes (FDS), soutenues par la coalition menée par Washington, ont pris le "
         "contrôle total de Raqa.", "SDF", 35.95, 39.01),
    ],
)
def test_control_changes_in_varied_wording(pipeline, text: str, actor: str, lat: float, lon: float) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, text)
    cc = r.events[r.events.category == "control_change"]
    assert len(cc) == 1, r.reports[["category", "quote"]]
    assert cc.iloc[0].controller_after == actor
    assert near(cc.iloc[0].geometry, lat, lon, 20)


def test_adjective_actor_inside_the_trigger_is_the_perpetrator(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des frappes russes ont visé samedi des positions rebelles à Jisr al-Choughour.")
    inc = r.events.iloc[0]
    assert inc.actor1 == "RUS" and inc.actor2 == "REBELS"
    assert near(inc.geometry, 35.81, 36.32, 15)


def test_fleeing_fighting_is_not_a_clash(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Selon l'ONU, plus de 230 000 civils ont fui les combats vers la frontière jordanienne "
                      "et le plateau du Golan.")
    assert not (r.events.category == "incident").any()


def test_casualties_do_not_override_the_kind_of_incident(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "De violents combats ont opposé mardi les forces gouvernementales aux rebelles dans l'est "
                      "d'Alep, selon l'OSDH, qui fait état de dix morts.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.sub_type) == ["armed clash"]
    assert inc.iloc[0].actor1 == "SYR_GOV" and inc.iloc[0].actor2 == "REBELS"


@pytest.mark.parametrize(
    ("text", "category", "sub_type"),
    [
        ("Des obus ont frappé mardi le quartier de Jobar, à Damas, faisant trois blessés.", "incident", "shelling"),
        ("L'aviation du régime a frappé lundi la ville de Saraqeb.", "incident", "air/drone strike"),
        ("Les forces gouvernementales contrôlent désormais la ville de Douma, selon l'armée russe.",
         "control_change", "government regains territory"),
    ],
)
def test_more_wordings(pipeline, text: str, category: str, sub_type: str) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, text)
    ev_ = r.events[r.events.category == category]
    assert len(ev_) == 1 and ev_.iloc[0].sub_type == sub_type, r.reports[["category", "sub_type", "quote"]]


def test_the_zone_kind_named_by_the_sentence_wins(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "La Russie et la Turquie ont annoncé lundi à Sotchi la création d'une zone démilitarisée "
                      "autour de la province d'Idleb.", published=dt.date(2018, 9, 18))
    assert set(r.events.zone_id.dropna()) == {"idlib-dmz-2018"}


def test_towns_after_plural_locative_nouns(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des tirs d'artillerie ont visé dimanche les localités de Khan Cheikhoun et de Kafr Zita, "
                      "dans le nord de la province de Hama.")
    assert {"Khan Cheikhoun", "Kafr Zita"} <= set(r.mentions.text)


def test_a_bare_background_year_is_no_reference_for_weekdays(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Samedi, les forces gouvernementales ont repris Tadmor. La ville était tombée aux mains "
            "des jihadistes en 2015.")
    r = run(pipeline, text, published=None)
    taken = r.events[(r.events.category == "control_change") & (r.events.actor1 == "SYR_GOV")]
    assert len(taken) == 1
    # "samedi" cannot be dated from a background "en 2015": no date rather than a Saturday of 2015
    assert not taken.date.iloc[0]
    lost = r.events[(r.events.category == "control_change") & (r.events.actor1 == "ISIS")]
    assert list(lost.date) == ["2015-01-01"] and list(lost.date_precision) == ["year"]


def test_a_background_month_in_an_apposition_dates_neither_the_article_nor_the_main_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Dimanche, les forces gouvernementales ont repris Tall Rifaat, une localité tombée aux mains "
            "des rebelles en mars 2013.")
    r = run(pipeline, text, published=None)
    taken = r.events[(r.events.category == "control_change") & (r.events.actor1 == "SYR_GOV")]
    assert len(taken) == 1 and not taken.date.iloc[0]
    assert not r.articles.iloc[0].published


def test_a_pluperfect_full_date_is_no_reference_for_weekdays(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les soldats ont repris lundi la ville de Kafr Zita. La ville avait été perdue le 4 juin 2014.")
    r = run(pipeline, text, published=None)
    taken = r.events[(r.events.category == "control_change") & (r.events.actor1 == "SYR_GOV")]
    assert len(taken) == 1 and taken.date.iloc[0] != "2014-06-02"


def test_the_url_date_is_the_reference_of_an_undated_article(pipeline) -> None:  # type: ignore[no-untyped-def]
    art = Article(article_id="u1", text="Mardi, des frappes aériennes russes ont visé Saraqeb.", published=None,
                  url="https://news.example.org/monde/2019/02/14/frappes-saraqeb")
    r = pipeline.process([art])
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.date == "2019-02-12" and bool(inc.date_inferred)
    assert ev._url_date("https://x.example/a/2017/04/slug.html") == (None, dt.date(2017, 4, 1))
    assert ev._url_date("https://x.example/a/12345-frappes.html") == (None, None)


def test_a_leader_named_after_the_actor_leads_the_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les insurgés, emmenés par le groupe jihadiste Hayat Tahrir al-Cham, se sont emparés mardi "
                      "de Saraqeb.")
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.actor1 == "HTS" and cc.controller_after == "HTS"
    assert {"HTS", "REBELS"} <= set(cc.actors)


def test_an_attributed_strike_has_its_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Une frappe attribuée à Israël a touché dimanche un dépôt d'armes près de Deir Ezzor.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == ["ISR"]


def test_the_place_where_something_was_announced_is_not_an_event_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Un cessez-le-feu entrera en vigueur dans la région de Deraa, selon un accord annoncé à Damas.")
    assert len(r.events) and not any(near(g, 33.51, 36.29, 30) for g in r.events.geometry)
    r = run(pipeline, "Une trêve commencera samedi, a annoncé l'agence officielle depuis Damas.")
    assert not any(near(g, 33.51, 36.29, 30) for g in r.events.geometry)


def test_coordinated_verbs_share_their_subject(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les troupes syriennes encerclent la ville de Douma et la pilonnent depuis des jours.")
    inc = r.events[r.events.category == "incident"]
    assert set(inc.sub_type) == {"armed clash", "shelling"} and set(inc.actor1) == {"SYR_GOV"}


def test_road_endpoints_are_never_event_places(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les combattants du régime sont entrés samedi à Morek, sur l'autoroute reliant Damas à Alep.")
    cc = r.events[r.events.category == "control_change"]
    assert len(cc) == 1 and near(cc.geometry.iloc[0], 35.37, 36.68, 15) and cc.actor1.iloc[0] == "SYR_GOV"
    r = run(pipeline, "L'armée contrôle désormais l'autoroute M5 qui relie Hama à Alep.")
    assert not len(r.events)


def test_a_dated_background_clause_is_its_own_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les forces gouvernementales ont repris dimanche Maarat al-Nouman. La ville avait été prise par "
            "les rebelles le 10 octobre 2012.")
    r = run(pipeline, text)
    cc = r.events[r.events.category == "control_change"].sort_values("date")
    assert list(cc.controller_after) == ["REBELS", "SYR_GOV"]
    assert list(cc.date) == ["2012-10-10", "2019-05-05"]


def test_an_offensive_author_takes_what_the_offensive_retook(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Une offensive lancée le 3 mars par le régime a permis de reprendre la quasi-totalité de "
                      "la Ghouta orientale.", published=dt.date(2018, 4, 20))
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.controller_after == "SYR_GOV" and cc.sub_type == "government regains territory"
    # "lancée le 3 mars" dates the launch of the offensive, not the takeover it led to
    launch = r.events[r.events.category == "incident"].iloc[0]
    assert launch.date == "2018-03-03" and cc.date != "2018-03-03"


def test_a_foreign_capital_standing_for_its_party_is_not_the_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Lancée le 20 janvier, l'opération turque a permis à Ankara de prendre le contrôle de la "
                      "ville le 18 mars.")
    assert not any(near(g, 39.93, 32.86, 50) for g in r.events.geometry)


def test_a_siege_of_several_years_and_an_expulsion_by_a_named_agent(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "La ville de Douma a subi un siège de cinq ans.")
    assert list(r.events.sub_type) == ["armed clash"]
    r = run(pipeline, "Les rebelles ont été chassés de Qousseir en juin 2013 par le Hezbollah.")
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.controller_after == "HEZBOLLAH" and cc.date.startswith("2013-06")


def test_the_first_of_coordinated_subjects_leads(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Au terme de dix jours d'assaut, le régime et son allié russe ont repris la localité de Saraqeb.")
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.controller_after == "SYR_GOV" and "RUS" in cc.actors


def test_two_districts_of_one_sentence_are_two_events_and_their_town_only_situates_them(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'armée a pilonné mardi les quartiers de Jobar et de Qaboun, dans l'est de Damas.")
    inc = r.events[r.events.category == "incident"]
    assert sorted(inc.place_name) == ["Jobar", "Qaboun"]


def test_this_offensive_points_back_to_the_scene_across_paragraphs(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les combats font rage à Hajin depuis des semaines.\n\n"
            "Selon un porte-parole, les FDS ont lancé cette ultime offensive contre l'EI le 3 mars.")
    r = run(pipeline, text)
    launched = r.events[(r.events.category == "incident") & (r.events.actor1 == "SDF")]
    assert len(launched) == 1 and near(launched.geometry.iloc[0], 34.70, 40.83, 10)
    assert launched.date.iloc[0] == "2019-03-03"


def test_year_less_article_dated_by_a_newer_chronology_anchor(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Catherine Colonna a condamné les violences. Mardi 14 mars, des frappes aériennes ont visé Saraqeb.")
    r = run(pipeline, text, published=None)
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.date == "2023-03-14" and bool(inc.date_inferred)


def test_where_evacuees_go_to_join_is_not_the_deal_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Aux termes de l'accord, les rebelles quitteront Harasta pour rejoindre Idleb.")
    assert len(r.events) and not any(near(g, 35.93, 36.63, 40) for g in r.events.geometry)
    assert any(near(g, 33.56, 36.36, 10) for g in r.events.geometry)


@pytest.mark.parametrize("text", [
    "Des milliers de civils évacués de Moadamiyé sont arrivés mardi à Idleb.",
    "Les insurgés ont été évacués dimanche de Harasta et emmenés à Idleb.",
])
def test_where_evacuees_arrive_is_not_the_evacuation_place(pipeline, text: str) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, text)
    assert len(r.events) and not any(near(g, 35.93, 36.63, 40) for g in r.events.geometry)


def test_forces_arriving_in_a_town_for_patrols_are_there(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Une unité de la police militaire russe est arrivée mercredi à Manbij pour des patrouilles communes.")
    assert any(near(g, 36.53, 37.95, 10) for g in r.events.geometry)


@pytest.mark.parametrize("text", [
    "La ville de Palmyre, conquise en mai 2015 par l'EI, a été reprise dimanche par l'armée syrienne.",
    "L'armée a repris dimanche Palmyre, que l'EI avait conquise en mai 2015.",
])
def test_a_background_takeover_in_a_clause_and_the_main_one_are_two_events(pipeline, text: str) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, text)
    cc = r.events[r.events.category == "control_change"].sort_values("date")
    assert list(cc.controller_after) == ["ISIS", "SYR_GOV"]
    assert list(cc.date) == ["2015-05-01", "2019-05-05"]


def test_a_compound_tense_of_launching_still_dates_its_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Ankara a lancé mercredi une offensive contre les forces kurdes à Ras al-Aïn.")
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.date == "2019-05-08" and inc.actor1 == "TUR"


def test_a_fronted_phrase_with_a_typographic_apostrophe_still_finds_the_subject(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Au terme d’un assaut lancé le 2 mai, le régime a fait plier les insurgés à Saraqeb.")
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.actor1 == "SYR_GOV" and inc.date == "2019-05-02"


def test_anti_bombing_shelters_are_no_bombing(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les habitants de Quneitra ont été invités à préparer les abris antibombardements.")
    assert not len(r.events)


def test_a_failed_truce_in_a_relative_clause_and_the_new_one_are_two_events(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "La ville de Deraa, où une première trêve avait échoué en avril, a obtenu un second "
                      "cessez-le-feu le 5 mai.")
    de = r.events[r.events.category == "deescalation"].sort_values("date")
    assert list(de.date) == ["2019-04-01", "2019-05-05"]


def test_a_truce_concluded_in_a_town_is_there(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Un cessez-le-feu a été conclu le 5 mai à Deraa.")
    assert any(near(g, 32.62, 36.10, 10) for g in r.events.geometry)


def test_a_province_report_and_its_namesake_city_report_are_one_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Une frappe de drone a touché jeudi une caserne dans la province de Homs.\n\n"
            "Selon l'OSDH, la frappe de jeudi sur Homs a tué dix soldats.")
    r = run(pipeline, text)
    inc = r.events[r.events.category == "incident"]
    assert len(inc) == 1 and int(inc.geo_precision.iloc[0]) == 1


_TRIGGER_SENTENCES = [
    "Les forces loyalistes ont repris mardi le contrôle du village après des frappes aériennes russes.",
    "Aucun bombardement n'a été signalé à Salamiyah depuis la trêve, mais des obus sont tombés plus au nord.",
    "Les insurgés se sont emparés de deux collines, puis ont été chassés par une contre-attaque.",
    "Une voiture piégée a explosé près d'un barrage; les blessés ont été évacués à Jablé.",
    "Le village, conquis en 2014 par les jihadistes, est passé aux mains de l'armée à l'aube.",
    "A Lattaquié, a priori, rien.", "", "Évacuation des combattants.",
]


@pytest.mark.parametrize("sentence", _TRIGGER_SENTENCES)
def test_trigger_prefilter_finds_what_each_pattern_finds_alone(sentence: str) -> None:
    # the two-letter pre-filter only skips word starts where a pattern cannot match
    from conflictmap.extract.events import _TRIGGER_RES, _matches_at, _trigger_starts

    starts = _trigger_starts(sentence)
    for (_, _, rx), at in zip(_TRIGGER_RES, starts):
        assert [m.span() for m in _matches_at(rx, sentence, at)] == [m.span() for m in rx.finditer(sentence)]


def test_trigger_prefixes_begin_with_a_word_character() -> None:
    # the pre-filter looks at word starts only: that is sound while no trigger begins with punctuation
    from conflictmap.extract.events import TRIGGERS
    from conflictmap.text import regex_prefixes

    for _, _, pat in TRIGGERS:
        pres = regex_prefixes(pat)
        assert pres is None or all(p[:1].isalnum() for p in pres), pat


# --------------------------------------------------------------------------- undated articles: the reference


def test_background_year_is_no_reference_for_the_lead_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Les rebelles ont repris samedi le village de Kafr Nabouda, qu'ils avaient perdu en 2019.",
            published=None)
    cc = r.events[r.events.category == "control_change"]
    assert len(cc) == 1 and cc.date.iloc[0] == ""  # not a Saturday of December 2019
    assert not r.articles.iloc[0].published


def test_month_after_depuis_is_no_reference(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'armée a repris jeudi la ville de Douma, tenue par les insurgés depuis mars 2013.",
            published=None)
    cc = r.events[r.events.category == "control_change"]
    assert len(cc) == 1 and cc.date.iloc[0] == ""


def test_launch_date_plus_elapsed_time_dates_hier(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("La Turquie a lancé le 9 octobre l'opération Source de paix contre les FDS. Après deux semaines "
            "d'opération, les forces turques ont pris hier le contrôle de la ville de Ras al-Aïn.")
    r = run(pipeline, text, published=None)
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.date == "2019-10-22" and cc.date_precision == "week"  # 9 Oct + 2 weeks, minus a day


def test_launch_date_alone_only_bounds_the_weekdays(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les insurgés ont lancé le 27 novembre l'opération Dissuasion de l'agression. "
            "Ils se sont emparés jeudi de la ville de Maarat al-Nouman.")
    r = run(pipeline, text, published=None)
    cc = r.events[r.events.category == "control_change"].iloc[0]
    assert cc.date == "2024-11-27" and cc.date_precision == "month"  # not the Thursday before the launch


def test_one_event_anchor_dates_weekdays_of_an_undated_article(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Dans la nuit de jeudi à vendredi, une salve de missiles Tomahawk a détruit des hangars de la base "
            "de Shayrat, près de Homs.")
    r = run(pipeline, text, published=None)
    inc = r.events[r.events.category == "incident"].iloc[0]
    assert inc.date in ("2017-04-06", "2017-04-07") and inc.date_precision == "week"


def test_estimated_dates_do_not_merge_two_articles(pipeline) -> None:  # type: ignore[no-untyped-def]
    a = Article(article_id="x1", text="Dans la nuit de jeudi à vendredi, des missiles Tomahawk ont frappé la base "
                                      "de Shayrat, près de Homs.")
    b = Article(article_id="x2", text="Des frappes ont visé vendredi la ville de Homs.",
                published=dt.date(2017, 4, 7))
    r = pipeline.process([a, b])
    inc = r.events[r.events.category == "incident"]
    assert set(inc.article_id) == {"x1", "x2"}  # the dated Friday strike is not absorbed by the estimated one


def test_undated_reports_of_two_articles_stay_two_events(pipeline) -> None:  # type: ignore[no-untyped-def]
    # nothing says two undated bombings of the same town, told by two articles, are one event
    a = Article(article_id="u1", text="Des obus sont tombés sur le centre de Jisr al-Choughour.")
    b = Article(article_id="u2", text="Des obus ont frappé un marché de Jisr al-Choughour, faisant trois blessés.")
    r = pipeline.process([a, b])
    inc = r.events[r.events.category == "incident"]
    assert len(inc) == 2 and set(inc.article_id) == {"u1", "u2"}
    assert (inc.date.fillna("") == "").all()
    # within one article, the same undated bombing told twice is one event
    c = Article(article_id="u3", text="Des obus sont tombés sur Jisr al-Choughour. Les obus ont touché le marché "
                                      "de Jisr al-Choughour.")
    r = pipeline.process([c])
    assert len(r.events[r.events.category == "incident"]) == 1


def test_us_backed_rebels_are_the_sdf_when_the_article_names_the_sdf(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Le Kremlin a accusé mardi les rebelles syriens soutenus par les États-Unis d'avoir ouvert le feu sur "
            "des soldats syriens près de Raqqa. Les FDS n'ont pas réagi.")
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert list(inc.actor1) == ["SDF"]
    # without the SDF named anywhere, the generic word stays the armed opposition
    inc = run(pipeline, text.replace(" Les FDS n'ont pas réagi.", "")).events.query("category == 'incident'")
    assert list(inc.actor1) == ["REBELS"]


def test_soldiers_fired_upon_are_the_target_not_the_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Près de Deraa, des inconnus ont ouvert le feu sur des soldats syriens à un barrage.")
    inc = r.events.query("category == 'incident'")
    assert len(inc) == 1 and inc.actor1.iloc[0] != "SYR_GOV"


@pytest.mark.parametrize("text,category,sub_type", [
    ("Les médias officiels ont annoncé jeudi la prise de contrôle de la bourgade de Kafranbel.", "control_change",
     "non-state actor overtakes territory"),
    ("Nos batteries antiaériennes ont intercepté mardi soir plusieurs drones au-dessus de Hama.", "incident",
     "air/drone strike"),
    ("Un convoi humanitaire a été pris pour cible lundi près de Maaret al-Noomane.", "incident", "attack"),
    ("Un poste de l'armée près de Tal Tamr a essuyé des tirs nourris dans la nuit.", "incident", "attack"),
    ("Les soldats pourchassent les insurgés dans les vergers autour de Kafr Zita.", "incident", "armed clash"),
])
def test_takeover_interception_target_fire_and_pursuit_wordings(pipeline, text: str, category: str,
                                                                 sub_type: str) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, text).events
    assert (category, sub_type) in set(zip(evs.category, evs.sub_type))


def test_an_intercepted_strike_is_the_attacker_s_not_the_defender_s(pipeline) -> None:  # type: ignore[no-untyped-def]
    inc = run(pipeline, "La défense antiaérienne a intercepté samedi des missiles israéliens au-dessus de Masyaf.").events
    assert "ISR" in set(inc.actor1)


@pytest.mark.parametrize("text", [
    "Les forces kurdes disent être sur le point de reprendre la ville de Tabqa.",
    "L'état-major s'est dit à «48 heures» de la libération de la ville de Mayadine.",
])
def test_an_event_about_to_happen_is_not_yet_on_the_map(pipeline, text: str) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, text)
    assert len(r.reports) and not len(r.events)


def test_a_town_at_the_gates_of_a_city_is_the_place_not_the_city(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'aviation a bombardé mardi la Ghouta orientale, dernier fief rebelle aux portes de Damas.")
    inc = r.events.query("category == 'incident'")
    assert list(inc.place_name) == ["Ghouta orientale"]


def test_fighters_leaving_a_pocket_hand_it_over_and_civilians_leaving_do_not(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les combattants de l'opposition ont quitté mercredi la poche de Qalaat al-Madiq en direction du nord. "
            "L'armée syrienne les combattait depuis un mois.")
    cc = run(pipeline, text).events.query("category == 'control_change'")
    assert len(cc) == 1 and cc.controller_after.iloc[0] == "SYR_GOV" and "SYR_GOV" in cc.actors.iloc[0]
    r = run(pipeline, "Des milliers de civils ont quitté samedi la ville de Kafranbel.")
    assert not (r.events.category == "control_change").any()


def test_the_province_of_a_destination_is_not_the_deal_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Selon l'accord, les insurgés partiront de Qaboun pour rejoindre Jisr al-Choghour, localité tenue "
                      "par l'opposition dans la province d'Idleb.")
    assert len(r.events) and all(near(g, 33.54, 36.33, 10) for g in r.events.geometry)


def test_a_long_fronted_phrase_still_gives_the_main_subject(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Après une offensive aérienne et terrestre particulièrement brutale, les troupes du régime "
                      "ont reconquis Khan Cheikhoun.")
    inc = r.events.query("category == 'incident'")
    assert list(inc.actor1) == ["SYR_GOV"]


def test_a_dateline_without_agency_is_neither_a_place_nor_an_actor(pipeline) -> None:  # type: ignore[no-untyped-def]
    assert ev.find_dateline("Titre\n\nHOMS, Syrie – Des frappes ont visé Hama.") == ev.Dateline(21, "HOMS", None, "")
    assert ev.find_dateline("Alep – les rebelles avancent.") is None  # a headline, not a dateline
    r = run(pipeline, "LATTAQUIÉ, Syrie – Israël a frappé dimanche un dépôt d'armes près de Masyaf.")
    inc = r.events.query("category == 'incident'")
    assert list(inc.actor1) == ["ISR"] and all(near(g, 35.07, 36.34, 15) for g in inc.geometry)


def test_a_valley_town_is_not_its_valley(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Un obus est tombé jeudi sur le marché de Souk Wadi Barada.")
    inc = r.events.query("category == 'incident'")
    assert len(inc) == 1 and int(inc.geo_precision.iloc[0]) == 1


def test_the_shehba_region_north_of_aleppo_is_not_the_southern_town(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des obus turcs sont tombés mardi sur plusieurs villages de la région de Shehba.")
    inc = r.events.query("category == 'incident'")
    assert len(inc) == 1 and near(inc.geometry.iloc[0], 36.47, 37.10, 25)


def test_the_side_that_underwent_an_attack_is_its_target(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("L'armée combat les rebelles dans le nord. C'est à Alep que les insurgés ont subi, sous des "
            "bombardements quotidiens, leurs pertes les plus lourdes.")
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert list(inc.actor1) == ["SYR_GOV"]


@pytest.mark.parametrize("text,n", [
    ("Des raids ont frappé Saraqeb, Khan Cheikhoun et Kafr Zita dimanche.", 3),  # Kafr Zita is 9 km away
    ("Les forces gouvernementales ont repris les villages de Kafr Nabouda et de Qalaat al-Madiq.", 2),
])
def test_neighbouring_villages_listed_in_one_sentence_are_separate_events(pipeline, text: str,
                                                                          n: int) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, text).events
    assert len(evs) == n and evs.place_id.nunique() == n


def test_a_toll_sentence_is_the_event_the_sentence_before_attributed(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "L'aviation du régime a mené des frappes sur deux marchés. Sept civils ont péri sur un marché "
                      "à Ariha.")
    inc = r.events.query("category == 'incident'")
    assert len(inc) == 1 and inc.actor1.iloc[0] == "SYR_GOV" and inc.sub_type.iloc[0] == "air/drone strike"
    # another incident, or another paragraph, is not that toll
    for text in ("L'aviation russe a frappé Idleb. Dans un autre incident, deux civils ont été tués à Deraa.",
                 "L'aviation russe a frappé Idleb.\n\nDeux civils ont été tués à Deraa."):
        inc = run(pipeline, text).events.query("category == 'incident'")
        assert inc[inc.place_name.str.startswith("Dar")].actor1.isna().all()


def test_a_fighter_jet_is_no_expulsion(pipeline) -> None:  # type: ignore[no-untyped-def]
    # "avion de chasse" holds "chasse" but nobody was driven out of anywhere
    evs = run(pipeline, "Les insurgés ont abattu un avion de chasse au-dessus de la province de Lattaquié.").events
    assert list(evs.category) == ["incident"]


def test_the_dead_of_a_strike_are_not_a_second_incident(pipeline) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, "Au moins 14 civils ont péri dans des raids russes sur Saraqeb, selon des secouristes.").events
    assert len(evs) == 1 and evs.sub_type.iloc[0] == "air/drone strike" and evs.actor1.iloc[0] == "RUS"


@pytest.mark.parametrize("text,loser,gainer", [
    ("Les Forces démocratiques syriennes ont annoncé la chute du dernier fief de l'EI à Hajin.", "ISIS", "SDF"),
    ("La chute de la ville de Maaloula aux mains des rebelles inquiète les chrétiens.", None, "REBELS"),
])
def test_the_fall_of_a_town_is_a_control_change(pipeline, text: str, loser: str | None,
                                                gainer: str) -> None:  # type: ignore[no-untyped-def]
    cc = run(pipeline, text).events.query("category == 'control_change'")
    assert len(cc) == 1 and cc.controller_after.iloc[0] == gainer
    if loser:
        assert loser in cc.actors.iloc[0] and cc.actor1.iloc[0] == gainer


def test_the_fall_of_a_ruler_is_no_control_change(pipeline) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, "Des manifestants ont réclamé à Homs la chute de Bachar al-Assad.").events
    assert not (evs.category == "control_change").any()


def test_a_strike_is_where_it_hit_not_where_it_was_launched_from(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Des roquettes tirées mardi depuis la région d'Idleb ont frappé le centre de Lattaquié.")
    inc = r.events[r.events.category == "incident"]
    assert len(inc) and all(near(g, 35.52, 35.79, 20) for g in inc.geometry)  # Latakia, not Idlib
    r = run(pipeline, "L'artillerie turque a pilonné mercredi le village de Tall Rifaat à partir du territoire de "
                      "Kilis.")
    inc = r.events[r.events.category == "incident"]
    assert len(inc) and all(near(g, 36.47, 37.09, 10) for g in inc.geometry)
    # named by its launch site alone, a strike has no place on the map
    r = run(pipeline, "Des missiles ont été lancés jeudi depuis le plateau du Golan.")
    assert not len(r.events[r.events.category == "incident"])


def test_a_loosely_named_governorate_only_situates_the_town(pipeline) -> None:  # type: ignore[no-untyped-def]
    # Qutayfah lies in Rif Dimashq; the press often says "la province de Damas"
    r = run(pipeline, "Les rebelles ont pris samedi la ville de Qoutayfa, dans la province de Damas, après trois jours "
                      "de combats.")
    cc = r.events[r.events.category == "control_change"]
    assert len(cc) == 1 and near(cc.iloc[0].geometry, 33.74, 36.60, 10)


def test_the_patrol_a_bomber_targets_is_the_victim_and_the_claimant_the_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Un kamikaze s'est fait exploser mardi près de Tabqa au passage d'un convoi de soldats russes, "
                      "affirme l'EI dans un communiqué.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == ["ISIS"] and "RUS" in inc.iloc[0].actors
    # the place given in the next sentence: "L'attentat" is the attack just attributed, its targets no authors
    r = run(pipeline, "Un kamikaze s'est fait exploser mardi au passage d'un convoi de soldats russes, selon la "
                      "revendication de l'EI. L'attentat visait un marché de Tabqa où les soldats russes font leurs achats.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == ["ISIS"] and near(inc.iloc[0].geometry, 35.84, 38.55, 15)
    # soldiers a bomber blew himself up among are the victims, and "soldats irakiens" are Iraqi
    r = run(pipeline, "Un kamikaze s'est fait exploser mercredi au milieu d'un groupe de soldats irakiens à Al-Qaïm.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == [None] and list(inc.actors) == [["IRQ"]]


def test_the_side_that_returns_fire_carries_out_the_incident(pipeline) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, "Selon un communiqué, l'armée turque a riposté en tirant des obus d'artillerie contre "
                      "des postes de l'armée syrienne dans la province d'Alep.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == ["TUR"] and list(inc.sub_type) == ["shelling"]
    # one incident: the gerund's
    r = run(pipeline, "Les soldats turcs ont riposté en bombardant des positions du régime près de Tall Rifaat.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == ["TUR"] and list(inc.actor2) == ["SYR_GOV"]
    # the owner of the positions shelled is the target
    r = run(pipeline, "Mardi, les soldats syriens ont bombardé les positions turques près de Saraqeb.")
    inc = r.events[r.events.category == "incident"]
    assert list(inc.actor1) == ["SYR_GOV"] and list(inc.actor2) == ["TUR"]


def test_talks_abroad_and_talks_on_conditions_are_no_events(pipeline) -> None:  # type: ignore[no-untyped-def]
    # a column on talks about the war in Syria that names Geneva again and again: the war stays the theatre
    r = run(pipeline, "Les discussions sur la guerre en Syrie s'ouvrent lundi à Genève. À Genève, les délégués ont été "
                      "accueillis par l'émissaire. L'opposition a renoncé à venir à Genève tant que le régime largue "
                      "des barils d'explosifs sur les villes. Genève attend.")
    assert not len(r.events)
    # talks the opposition sets conditions for are not held
    r = run(pipeline, "La fin du blocus de Zabadani est devenue une condition de l'opposition pour prendre part aux "
                      "pourparlers de paix avec le régime.")
    assert "deescalation" not in set(r.events.category)
    # a truce concluded is still one
    r = run(pipeline, "Un accord de cessez-le-feu a été conclu mardi à Zabadani entre l'armée et les rebelles.")
    assert list(r.events.category) == ["deescalation"]


def test_a_roll_up_of_hits_one_per_sentence_keeps_each_town(pipeline) -> None:  # type: ignore[no-untyped-def]
    # three towns hit the same day, told one per sentence: three events, not one merged into the first
    text = ("Des obus de mortier sont tombés lundi sur Douma, faisant deux morts. Un autre obus a frappé Harasta. "
            "Trois civils ont été tués dans le pilonnage de Zamalka.")
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert inc.place_id.nunique() == 3 and len(inc) == 3
    # the same town told twice (title, then body) stays one event
    inc = run(pipeline, "Des obus sont tombés lundi sur Douma.\n\nLundi, des obus de mortier ont frappé Douma.").events
    assert len(inc.query("category == 'incident'")) == 1


@pytest.mark.parametrize("text", [
    "L'armée a repris mardi ses bombardements sur la ville de Saraqeb.",
    "Les rebelles reprennent les tirs de roquettes sur Mhardeh.",
    "Deux localités, Kafranbel et Maaret Hourmah, sont toujours sous le contrôle des rebelles.",
])
def test_resumed_fire_and_a_held_town_are_no_control_change(pipeline, text: str) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, text).events
    assert not (evs.category == "control_change").any()


@pytest.mark.parametrize("text,owner", [
    ("Un kamikaze s'est fait exploser mardi à un barrage de l'armée près de Nawa.", "SYR_GOV"),
    ("Un drone a frappé jeudi un convoi turc près d'Al-Bab.", "TUR"),
    ("Mercredi, des tirs ont visé les positions des Forces démocratiques syriennes près de Manbij.", "SDF"),
])
def test_the_owner_of_a_hit_site_is_its_target(pipeline, text: str, owner: str) -> None:  # type: ignore[no-untyped-def]
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert len(inc) >= 1 and owner not in set(inc.actor1)


@pytest.mark.parametrize("text,actor", [
    ("L'aviation a mené mardi deux raids sur Ariha.", "SYR_GOV"),
    ("Des hélicoptères ont largué mardi des barils d'explosifs sur Anadan.", "SYR_GOV"),
    ("L'aviation de la coalition a frappé mardi la ville de Hajin.", "COALITION"),
])
def test_an_unqualified_air_force_is_the_government_s(pipeline, text: str, actor: str) -> None:  # type: ignore[no-untyped-def]
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert list(inc.actor1) == [actor]


def test_one_more_strike_of_the_same_kind_keeps_its_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Des hélicoptères ont largué lundi des barils d'explosifs sur Anadan. Un raid identique a frappé la ville "
            "de Hayan, tuant trois civils.")
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert inc.place_id.nunique() == 2 and set(inc.actor1) == {"SYR_GOV"}


def test_strikes_a_ministry_announced_are_its_country_s(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Le ministère russe de la Défense a annoncé lundi avoir frappé des jihadistes en Syrie avec ses bombardiers. "
            "Un dépôt d'armes des terroristes à Saraqeb a été détruit lors de ces frappes, selon le ministère.")
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert len(inc) == 1 and inc.actor1.iloc[0] == "RUS"


@pytest.mark.parametrize("text", [
    "Les trois journalistes enlevés en mars près de Saraqeb par des hommes armés ont été libérés mardi par l'armée.",
    "Le groupe a démenti être derrière le rapt des deux humanitaires à Binnish et dit oeuvrer à leur libération.",
])
def test_people_freed_are_no_control_change(pipeline, text: str) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, text).events
    assert not (evs.category == "control_change").any()


def test_a_town_freed_is_still_a_control_change(pipeline) -> None:  # type: ignore[no-untyped-def]
    cc = run(pipeline, "L'armée a annoncé mardi la libération de la ville de Maaret al-Noomane.").events
    assert (cc.category == "control_change").any()


def test_the_home_town_of_a_speaker_is_not_the_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = "Des civils ont été tués mardi dans des raids sur le village, a raconté Ahmad, un militant de Saraqeb."
    evs = run(pipeline, text).events
    assert evs.empty


def test_towns_that_situate_an_area_together_are_not_the_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Les rebelles ont quitté mardi la ville de Rastan, une localité située entre les villes de Homs et de Hama, "
            "selon une ONG.")
    cc = run(pipeline, text).events.query("category == 'control_change'")
    assert len(cc) == 1 and near(cc.geometry.iloc[0], 34.93, 36.73, 8)


def test_a_riposte_to_fire_is_two_incidents_each_with_its_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = "Les forces turques ont riposté jeudi aux tirs des YPG contre leurs positions près de Mare'."
    inc = run(pipeline, text).reports.query("category == 'incident'")
    assert set(inc.actor1) == {"TUR", "YPG"}
    # "en bombardant": the riposte itself, one incident
    inc = run(pipeline, "Les forces turques ont riposté jeudi en bombardant des villages près de Mare'.").reports
    assert list(inc.query("category == 'incident'").actor1) == ["TUR"]


@pytest.mark.parametrize("claim", [
    "Dans un communiqué revendiquant l'attentat, l'Etat islamique a affirmé avoir visé des officiers.",
    "L'attentat a été revendiqué mercredi par l'Etat islamique.",
])
def test_a_claim_told_after_the_attack_names_its_author(pipeline, claim: str) -> None:  # type: ignore[no-untyped-def]
    text = f"Une voiture piégée a explosé lundi à Jableh, tuant six personnes.\n\n{claim}"
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert len(inc) == 1 and inc.actor1.iloc[0] == "ISIS"
    # without a claim the author stays unknown
    inc = run(pipeline, "Une voiture piégée a explosé lundi à Jableh, tuant six personnes.").events
    assert inc.actor1.isna().all()


def test_a_past_attempt_at_an_attack_is_an_attack_not_a_takeover(pipeline) -> None:  # type: ignore[no-untyped-def]
    evs = run(pipeline, "Des jihadistes ont tenté mardi d'attaquer avec des drones l'aéroport de Kuweires.").events
    assert list(evs.category) == ["incident"]
    evs = run(pipeline, "Les rebelles ont tenté mardi de reprendre la ville de Morek.").events
    assert not (evs.category == "control_change").any()


def test_elsewhere_in_a_city_is_another_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Un obus de mortier est tombé mardi sur Damas, faisant un mort. Ailleurs, selon une ONG, des roquettes sont "
            "tombées mardi sur le quartier de Jobar.")
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert len(inc) == 2


def test_strikes_of_the_same_kind_told_next_keep_their_author(pipeline) -> None:  # type: ignore[no-untyped-def]
    first = "Des frappes américaines ont visé lundi un dépôt d'armes à Deir ez-Zor."
    inc = run(pipeline, f"{first}\n\nDeux combattants ont été tués lundi par des frappes près de Mayadine.").events
    may = inc[inc.place_name.str.contains("May")]
    assert len(may) == 1 and may.actor1.iloc[0] == "USA"
    inc = run(pipeline, f"{first} Dans un autre incident, des frappes ont visé lundi Mayadine.").events
    assert inc[inc.place_name.str.contains("May")].actor1.isna().all()


def test_barrel_bombs_name_their_user_and_a_strike_s_toll_is_no_second_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    inc = run(pipeline, "Des raids aux barils d'explosifs ont visé mardi Anadan, un bastion rebelle.").events
    assert list(inc.query("category == 'incident'").actor1) == ["SYR_GOV"]
    inc = run(pipeline, "Des frappes russes ont visé mardi Saraqeb, tuant trois civils.").events
    assert len(inc.query("category == 'incident'")) == 1


def test_these_attacks_after_attributed_raids_are_those_raids(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("L'aviation russe a bombardé mardi Saraqeb. Des centaines d'habitants ont fui Saraqeb après ces attaques, "
            "mardi.")
    inc = run(pipeline, text).reports.query("category == 'incident'")
    assert set(inc.actor1) == {"RUS"}


def test_the_next_strike_on_a_side_just_named_is_not_that_side_s(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = "L'armée a bombardé lundi Douma au mortier. Un obus est tombé lundi sur un poste de l'armée à Harasta."
    inc = run(pipeline, text).reports.query("category == 'incident'")
    assert inc[inc.place_name.str.contains("arast")].actor1.isna().all()
    assert list(inc[inc.place_name.str.contains("Dūmā|Douma")].actor1) == ["SYR_GOV"]


def test_a_town_and_its_surroundings_in_a_city_s_outskirts_is_the_town(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = "Des combats ont eu lieu mardi entre l'EI et les loyalistes à Salamiyé et ses alentours, dans la périphérie de Hama."
    inc = run(pipeline, text).events.query("category == 'incident'")
    assert len(inc) == 1 and near(inc.geometry.iloc[0], 35.01, 37.05, 10)


def test_where_a_spokesman_announced_it_is_not_the_place(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Trois humanitaires enlevés lundi à Saraqeb ont été libérés, a annoncé mardi un porte-parole de "
            "l'organisation à Alep.")
    evs = run(pipeline, text).events
    assert not evs.place_name.str.contains("Alep|Aleppo").any() and evs.place_name.str.contains("Saraq").any()
    # an event the speaker announces at a place is still there
    evs = run(pipeline, "L'armée a annoncé avoir bombardé mardi des positions rebelles à Saraqeb.").events
    assert evs.place_name.str.contains("Saraq").any()


def test_l_enclave_points_back_to_the_scene(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = ("Des centaines de rebelles ont été évacués lundi de Rastan.\n\nLes discussions ont duré plusieurs semaines."
            "\n\nL'aviation russe avait pilonné les villages de l'enclave pendant des mois.")
    inc = run(pipeline, text).reports.query("category == 'incident'")
    assert len(inc) == 1 and near(inc.geometry.iloc[0], 34.93, 36.73, 10) and inc.actor1.iloc[0] == "RUS"


def test_syrian_and_russian_strikes_are_led_by_the_first_named(pipeline) -> None:  # type: ignore[no-untyped-def]
    inc = run(pipeline, "Des frappes aériennes syriennes et russes ont visé mardi Kafr Zita.").events
    assert list(inc.actor1) == ["SYR_GOV"] and "RUS" in inc.actors.iloc[0]


@pytest.mark.parametrize(("text", "category", "sub_type", "actor1"), [
    ("Une bombe artisanale a explosé jeudi près de la grande mosquée de Manbij.", "incident", "attack", None),
    ("Un assaillant s'est fait exploser lundi à l'entrée d'un commissariat de Qamichli.", "incident", "attack", None),
    ("Une violente déflagration a ravagé vendredi un entrepôt du port de Lattaquié.", "incident", "attack", None),
    ("Un camion piégé a sauté dimanche devant la mairie de Tal Abyad.", "incident", "attack", None),
    ("Des hélicoptères du régime ont largué des barils sur Khan Cheikhoun mercredi.", "incident",
     "air/drone strike", "SYR_GOV"),
    ("L'aviation russe a ciblé mardi des dépôts rebelles près de Saraqeb.", "incident", "air/drone strike", "RUS"),
    ("Des hommes armés ont pris en otage deux chauffeurs samedi près de Hassaké.", "incident", "attack", None),
    ("Les jihadistes de l'EI ont exécuté neuf prisonniers vendredi à Boukamal.", "incident", "attack", "ISIS"),
    ("L'armée turque a lancé mardi une opération terrestre contre Tal Abyad.", "incident", "armed clash", "TUR"),
    ("Les soldats syriens ont mené une incursion samedi dans la localité de Nawa.", "incident", "armed clash",
     "SYR_GOV"),
    ("Les combattants de HTS ont investi jeudi le village de Kafr Nabouda.", "control_change",
     "non-state actor overtakes territory", "HTS"),
    ("Les troupes gouvernementales ont fait leur entrée lundi dans Tal Rifaat.", "control_change",
     "government regains territory", "SYR_GOV"),
    ("Les forces kurdes ont cédé le contrôle de Manbij à l'armée syrienne dimanche.", "control_change",
     "non-violent transfer of territory", None),
])
def test_common_news_wordings_report_events(pipeline, text: str, category: str, sub_type: str,  # type: ignore[no-untyped-def]
                                            actor1: str | None) -> None:
    r = run(pipeline, text)
    got = r.events[r.events.category == category]
    assert len(got) == 1, r.events[["category", "sub_type", "actor1"]]
    assert got.iloc[0].sub_type == sub_type
    if actor1 is not None:
        assert got.iloc[0].actor1 == actor1


@pytest.mark.parametrize("text", [
    "Les prix des loyers ont explosé à Alep depuis le début de l'année.",
    "Cette émission a fait exploser les audiences de la télévision de Damas.",
    "Le ministre a exécuté son plan de réforme dès son arrivée à Damas.",
    "Le nouveau gouverneur de Homs a été investi dimanche dans ses fonctions.",
    "L'équipe de football de Lattaquié a perdu son match contre celle de Tartous.",
    "Les entrepreneurs ont investi des millions dans le port de Tartous.",
])
def test_look_alikes_of_new_wordings_report_nothing(pipeline, text: str) -> None:  # type: ignore[no-untyped-def]
    r = run(pipeline, text)
    assert r.events.empty, r.events[["category", "sub_type", "actor1"]]
