"""Gazetteer: look-ups, transliterations, disambiguation data, validation, cache."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from conflictmap.errors import DataFileError
from conflictmap.geo import gazetteer as gz
from conflictmap.geo.gazetteer import Gazetteer
from conflictmap.settings import Settings


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer.load()


def _best_town(g: Gazetteer, name: str, cc: str = "SY"):
    cands = [c for c in g.candidates(name) if c.place.country_code == cc]
    assert cands, f"no {cc} candidate for {name!r}"
    return max(cands, key=lambda c: (c.match, c.place.population)).place


@pytest.mark.parametrize(
    ("surface", "lat", "lon"),
    [
        ("Khan Cheikhoun", 35.44, 36.65),
        ("Hassaké", 36.50, 40.75),
        ("Raqa", 35.95, 39.01),
        ("Deir Ezzor", 35.34, 40.14),
        ("Afrine", 36.51, 36.87),
        ("Lattaquié", 35.53, 35.79),
        ("Alep", 36.20, 37.16),
        ("Damas", 33.51, 36.29),
        ("Deraa", 32.62, 36.10),
        ("Idleb", 35.93, 36.63),
        ("Djisr al-Choughour", 35.81, 36.32),
        ("Maaret al-Noomane", 35.65, 36.67),
    ],
)
def test_french_transliterations_resolve_to_the_syrian_place(g: Gazetteer, surface: str, lat: float,
                                                             lon: float) -> None:
    p = _best_town(g, surface)
    assert gz.distance_km(p.lat, p.lon, lat, lon) < 40, (surface, p)


def test_exact_lookup_ignores_case_accents_and_hyphens(g: Gazetteer) -> None:
    a = {c.place.place_id for c in g.exact("deir ez zor")}
    b = {c.place.place_id for c in g.exact("Deir ez-Zor")}
    assert a == b and a


def test_countries_have_french_names_and_capitals_are_flagged(g: Gazetteer) -> None:
    syria = g.exact("Syrie")[0].place
    assert syria.feature_type == "country" and syria.country_code == "SY"
    assert g.exact("États-Unis")[0].place.country_code == "US"
    moscow = [c.place for c in g.exact("Moscou") if c.place.country_code == "RU"][0]
    assert moscow.is_capital


def test_curated_features_cover_what_geonames_lacks(g: Gazetteer) -> None:
    nassib = g.exact("Nassib")[0].place
    assert nassib.feature_type == "site" and nassib.gazetteer == "curated"
    assert g.exact("Khmeimim")[0].place.feature_type == "site"
    river = g.exact("Euphrate")[0].place
    assert river.feature_type == "river" and g.geometry(river).geom_type == "LineString"
    gov = g.admin1("SY", "06")
    assert gov is not None and g.geometry(gov).geom_type == "Polygon"
    assert g.geometry(gov).contains(__import__("shapely").Point(36.10, 32.62))  # Daraa city in Daraa governorate


def test_homs_candidates_include_libya_but_population_prefers_syria(g: Gazetteer) -> None:
    towns = [c.place for c in g.exact("Homs") if c.place.feature_type == "town"]
    assert {"SY", "LY"} <= {p.country_code for p in towns}
    assert max(towns, key=lambda p: p.population).country_code == "SY"


def test_fuzzy_match_has_a_confidence_below_exact(g: Gazetteer) -> None:
    fz = g.fuzzy("Khan Cheikhoun")
    assert fz and 0.8 < fz[0].match < 1.0


def test_not_places(g: Gazetteer) -> None:
    assert g.is_not_place("Mardi") and g.is_not_place("Pentagone")
    assert not g.is_not_place("Alep")


def test_directional_point_moves_towards_the_named_side(g: Gazetteer) -> None:
    syria = g.country("SY")
    east = g.directional_point(syria, "est")
    west = g.directional_point(syria, "ouest")
    assert east.x > syria.lon > west.x


def test_curated_file_problems_are_all_listed(tmp_path: Path) -> None:
    bad = tmp_path / "gazetteer_curated.csv"
    bad.write_text(
        "id,name,name_fr,aliases,feature_type,country_code,admin1_code,lat,lon,wkt,source\n"
        "a,A,,,town,SY,,35,36,,src\n"
        "a,B,,,volcano,SY,,95,36,,src\n"
        "c,C,,,town,SY,,x,36,\"POLYGON((0 0,1 1,1 0,0 1,0 0))\",\n"
        "d,D,,,town,SY,,35,36,,src, with an unquoted comma\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as err:
        gz.read_curated(bad)
    msg = str(err.value)
    assert str(bad) in msg
    for fragment in ("duplicate id 'a'", "volcano", "out of range", "not numbers", "no source", "invalid geometry",
                     "line 5 (d): 12 fields, expected 11"):
        assert fragment in msg


def test_cache_is_reused_and_a_corrupt_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    good = gz.index_path(settings)
    assert good.exists()  # built by the module fixture
    tmp_settings = settings.with_(cache_dir=tmp_path)
    target = gz.index_path(tmp_settings)
    shutil.copy(good, target)
    calls: list[int] = []
    real_index = pickle.loads(good.read_bytes())
    monkeypatch.setattr(gz, "build_index", lambda s: calls.append(1) or real_index)
    Gazetteer.load(tmp_settings)
    assert calls == []  # read from the cache
    target.write_bytes(b"not a pickle")
    g2 = Gazetteer.load(tmp_settings)
    assert calls == [1] and len(g2) == len(real_index["name"])
    assert pickle.loads(target.read_bytes())["version"] == gz.INDEX_VERSION  # rewritten whole


def test_place_ids_round_trip(g: Gazetteer) -> None:
    for pid in ("country:SY", "curated:crossing-nassib"):
        assert g.by_place_id(pid).place_id == pid
    aleppo = max((c.place for c in g.exact("Aleppo") if c.place.gazetteer == "geonames"), key=lambda p: p.population)
    assert aleppo.place_id.startswith("geonames:") and g.by_place_id(aleppo.place_id) == aleppo
    assert g.by_place_id("geonames:0") is None and g.by_place_id("geonames:x") is None


@pytest.mark.parametrize(
    ("name", "ftype", "lat", "lon"),
    [
        ("aéroport international de Damas", "site", 33.41, 36.52),  # airport
        ("Chaayrate", "site", 34.49, 36.91),  # air base
        ("barrage de Tichrine", "site", 36.38, 38.18),  # dam
        ("Jdeidet Yabous", "site", 33.66, 36.03),  # crossing
        ("Roukban", "town", 33.30, 38.69),  # camp
        ("Qassioun", "site", 33.535, 36.27),  # hill
        ("Soukkari", "town", 36.17, 37.16),  # district of Aleppo
        ("Karm al-Zeitoun", "town", 34.72, 36.73),  # district of Homs
        ("Foua", "town", 35.99, 36.70),  # village without a population figure
    ],
)
def test_curated_site_classes_resolve_exactly(g: Gazetteer, name: str, ftype: str, lat: float, lon: float) -> None:
    p = g.exact(name)[0].place
    assert p.gazetteer == "curated" and p.feature_type == ftype
    assert gz.distance_km(p.lat, p.lon, lat, lon) < 3


@pytest.mark.parametrize("enabled", [True, False])
def test_load_keeps_the_collector_setting_and_puts_the_index_out_of_its_reach(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        gc.unfreeze()
        g = Gazetteer.load()
        assert gc.isenabled() is enabled  # the pause around unpickling is undone, a disabled collector stays so
        assert gc.get_freeze_count() > 100_000  # the index's containers are frozen, not walked by each collection
        assert g.exact("Alep")[0].place.country_code == "SY"
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.parametrize(
    ("surface", "ftype", "near", "km"),
    [
        ("Kafr Oweid", "town", "Kafranbel", 15),  # Jabal al-Zawiya village
        ("Maaret al-Naasan", "town", "Taftanaz", 10),  # eastern Idlib
        ("Yadouda", "town", "Deraa", 12),  # Deraa countryside
        ("Zibane", "town", "Mayadine", 10),  # French spelling of a GeoNames town
        ("camp de Roj", "town", "Malikiyah", 30),  # camp
        ("Djebel Zein al-Abidine", "site", "Hama", 8),  # hill
    ],
)
def test_front_line_villages_resolve_from_french_spellings_near_their_town(
        g: Gazetteer, surface: str, ftype: str, near: str, km: float) -> None:
    p = g.exact(surface)[0].place
    town = _best_town(g, near)
    assert p.gazetteer == "curated" and p.feature_type == ftype and p.country_code == "SY"
    assert gz.distance_km(p.lat, p.lon, town.lat, town.lon) < km, (surface, p, town)
