"""Synthetic data that follows the data contract (:mod:`conflictmap.store.schema`).

The dashboard shows it when no dataset is found ("demo" mode); the tests and
the benchmarks use it too (1k to 1M events). Everything is vectorised with numpy /
pandas / shapely so that ``make_events(1_000_000)`` takes a few seconds.

The places, governorates, actors and zones are plausible for the Syrian war
(2016-2019); the coordinates are real town locations, the area polygons are
coarse synthetic shapes (hexagons around the governorate centre).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap.store import schema

__all__ = [
    "ACTORS",
    "PLACES",
    "SUB_TYPES",
    "make_actors",
    "make_articles",
    "make_control",
    "make_dataset",
    "make_events",
    "make_mentions",
    "make_zones",
    "write_dataset",
]

#: (actor_id, label_fr, label_en, side, country_code)
ACTORS: list[tuple[str, str, str, str, str]] = [
    ("SYR_GOV", "Gouvernement syrien", "Syrian government", "government", "SY"),
    ("RUS", "Russie", "Russia", "foreign_state", "RU"),
    ("USA", "États-Unis", "United States", "foreign_state", "US"),
    ("COALITION", "Coalition internationale menée par les États-Unis", "US-led coalition", "coalition", ""),
    ("SDF", "Forces démocratiques syriennes", "Syrian Democratic Forces", "kurdish", ""),
    ("YPG", "Unités de protection du peuple (YPG)", "People's Protection Units (YPG)", "kurdish", ""),
    ("ISIS", "État islamique (Daech)", "Islamic State (ISIS)", "jihadist", ""),
    ("HTS", "Hayat Tahrir al-Cham (ex-Front al-Nosra)", "Hayat Tahrir al-Sham (ex-Nusra Front)", "jihadist", ""),
    ("REBELS", "Rebelles / opposition armée", "Rebels / armed opposition", "opposition", ""),
    ("JAISH_AL_ISLAM", "Jaïch al-Islam", "Jaysh al-Islam", "opposition", ""),
    ("TUR", "Turquie", "Turkey", "foreign_state", "TR"),
    ("JOR", "Jordanie", "Jordan", "foreign_state", "JO"),
    ("IRN", "Iran", "Iran", "foreign_state", "IR"),
    ("ISR", "Israël", "Israel", "foreign_state", "IL"),
    ("HEZBOLLAH", "Hezbollah", "Hezbollah", "pro_government", ""),
    ("CIVILIANS", "Civils", "Civilians", "civilian", ""),
]

#: Sub-types per category (ACLED-like), with a French phrase used in quotes.
SUB_TYPES: dict[str, list[tuple[str, str]]] = {
    "incident": [
        ("armed clash", "Des affrontements ont opposé {a1} et {a2} à {p}"),
        ("air/drone strike", "Des frappes aériennes de {a1} ont visé {p}"),
        ("shelling", "Des tirs d'artillerie de {a1} ont touché {p}"),
        ("attack", "{a1} a mené une attaque à {p}"),
    ],
    "control_change": [
        ("government regains territory", "{a1} a repris le contrôle de {p} à {a2}"),
        ("non-state actor overtakes territory", "{a1} s'est emparé de {p}, jusque-là tenu par {a2}"),
        ("non-violent transfer of territory", "{a2} a remis {p} à {a1} à la suite d'un accord"),
    ],
    "deescalation": [
        ("ceasefire / truce", "Un cessez-le-feu entre {a1} et {a2} est entré en vigueur à {p}"),
        ("de-escalation zone established / maintained", "{p} fait partie de la zone de désescalade garantie par {a1}"),
        ("agreement or talks on de-escalation", "Des pourparlers menés par {a1} concernent {p}"),
        ("evacuation", "Un accord d'évacuation conclu par {a1} concerne {p}"),
    ],
}

#: (place_id, French name, feature_type, lon, lat)
PLACES: list[tuple[str, str, str, float, float]] = [
    ("geonames:170654", "Damas", "town", 36.2920, 33.5130),
    ("geonames:170063", "Alep", "town", 37.1340, 36.2020),
    ("geonames:169577", "Homs", "town", 36.7230, 34.7330),
    ("geonames:170017", "Hama", "town", 36.7570, 35.1310),
    ("geonames:173576", "Lattaquié", "town", 35.7910, 35.5320),
    ("geonames:163345", "Tartous", "town", 35.8870, 34.8890),
    ("geonames:169389", "Idleb", "town", 36.6330, 35.9300),
    ("geonames:172955", "Raqqa", "town", 39.0100, 35.9500),
    ("geonames:170794", "Deir ez-Zor", "town", 40.1410, 35.3360),
    ("geonames:169304", "Hassaké", "town", 40.7480, 36.5020),
    ("geonames:173319", "Qamichli", "town", 41.2310, 37.0520),
    ("geonames:170592", "Deraa", "town", 36.1060, 32.6250),
    ("geonames:173480", "Soueïda", "town", 36.5660, 32.7090),
    ("geonames:173334", "Qouneitra", "town", 35.8240, 33.1260),
    ("geonames:172408", "Palmyre", "town", 38.2680, 34.5510),
    ("geonames:174000", "Kobané", "town", 38.3540, 36.8910),
    ("geonames:166365", "Manbij", "town", 37.9550, 36.5280),
    ("geonames:174008", "Al-Bab", "town", 37.5150, 36.3700),
    ("geonames:174010", "Jarablous", "town", 38.0110, 36.8170),
    ("geonames:174012", "Afrine", "town", 36.8690, 36.5120),
    ("geonames:174014", "Azaz", "town", 37.0450, 36.5860),
    ("geonames:174016", "Maarat al-Nouman", "town", 36.6740, 35.6430),
    ("geonames:174018", "Khan Cheikhoun", "town", 36.6510, 35.4420),
    ("geonames:174020", "Saraqeb", "town", 36.8060, 35.8640),
    ("geonames:174022", "Jisr al-Choughour", "town", 36.3170, 35.8120),
    ("geonames:174024", "Douma", "town", 36.4010, 33.5720),
    ("geonames:174026", "Harasta", "town", 36.3650, 33.5580),
    ("geonames:174028", "Zabadani", "town", 36.1000, 33.7250),
    ("geonames:174030", "Yarmouk", "town", 36.3030, 33.4740),
    ("geonames:174032", "Mayadine", "town", 40.4510, 35.0200),
    ("geonames:174034", "Boukamal", "town", 40.9180, 34.4530),
    ("geonames:174036", "Tabqa", "town", 38.5480, 35.8360),
    ("geonames:174038", "Rastane", "town", 36.7330, 34.9250),
    ("geonames:174040", "Talbissé", "town", 36.7300, 34.8360),
    ("geonames:174042", "Qousseir", "town", 36.5800, 34.5090),
    ("geonames:174044", "Nassib", "site", 36.1920, 32.5470),
    ("geonames:174046", "Bosra", "town", 36.4810, 32.5180),
    ("geonames:174048", "Tal Abyad", "town", 38.9570, 36.6980),
    ("geonames:174050", "Ras al-Aïn", "town", 40.0700, 36.8500),
    ("curated:al_tanf", "Al-Tanf", "site", 38.6180, 33.5070),
    ("curated:hmeimim", "base aérienne de Hmeimim", "site", 35.9490, 35.4010),
    ("curated:shayrat", "base aérienne de Chayrat", "site", 36.9090, 34.4900),
    ("geonames:174052", "Kafranbel", "town", 36.5610, 35.6130),
    ("geonames:174054", "Ariha", "town", 36.6090, 35.8130),
    ("geonames:174056", "Daraya", "town", 36.2360, 33.4580),
]

#: (place_id, French name, feature_type, lon, lat, radius in degrees) for areas.
AREAS: list[tuple[str, str, str, float, float, float]] = [
    ("geonames:170652", "gouvernorat de Damas-Campagne", "admin1", 36.75, 33.45, 0.45),
    ("geonames:170062", "gouvernorat d'Alep", "admin1", 37.60, 36.35, 0.55),
    ("geonames:169575", "gouvernorat de Homs", "admin1", 37.90, 34.45, 0.80),
    ("geonames:170016", "gouvernorat de Hama", "admin1", 36.95, 35.20, 0.45),
    ("geonames:169388", "gouvernorat d'Idleb", "admin1", 36.55, 35.80, 0.35),
    ("geonames:172957", "gouvernorat de Raqqa", "admin1", 38.90, 35.80, 0.55),
    ("geonames:170792", "gouvernorat de Deir ez-Zor", "admin1", 40.30, 35.00, 0.65),
    ("geonames:169302", "gouvernorat de Hassaké", "admin1", 40.85, 36.55, 0.55),
    ("geonames:170590", "gouvernorat de Deraa", "admin1", 36.20, 32.80, 0.30),
    ("curated:ghouta_est", "Ghouta orientale", "region", 36.45, 33.55, 0.12),
    ("curated:qalamoun", "Qalamoun", "region", 36.60, 33.95, 0.25),
    ("curated:badia", "Badia", "region", 38.60, 34.20, 0.70),
]

#: The Euphrates, as a coarse LineString (lon, lat).
EUPHRATES: list[tuple[float, float]] = [
    (38.01, 36.82), (38.20, 36.00), (38.55, 35.85), (39.00, 35.95),
    (40.14, 35.34), (40.45, 35.02), (40.92, 34.45),
]

#: (zone_id, name, valid_from, valid_to, parties, lon, lat, radius, approximate)
ZONES: list[tuple[str, str, str, str, list[str], float, float, float, bool]] = [
    ("idlib", "Zone de désescalade d'Idleb", "2017-05-06", "", ["RUS", "TUR", "IRN"],
     36.55, 35.75, 0.45, True),
    ("homs_north", "Zone de désescalade du nord de Homs", "2017-08-03", "2018-05-16",
     ["RUS", "TUR", "IRN"], 36.73, 34.88, 0.12, True),
    ("ghouta", "Zone de désescalade de la Ghouta orientale", "2017-07-22", "2018-04-14",
     ["RUS", "JAISH_AL_ISLAM"], 36.45, 33.55, 0.12, False),
    ("south_west", "Zone de désescalade du sud-ouest", "2017-07-09", "2018-07-31",
     ["RUS", "USA", "JOR"], 36.15, 32.85, 0.35, True),
]

_SOURCES = np.array(["Sputnik France", "RFI", "Le Monde", "France 24", "AFP", "L'Orient-Le Jour", ""],
                    dtype=object)
_START = np.datetime64("2016-01-01")
_END = np.datetime64("2019-12-31")


def _hexagon(lon: float, lat: float, r: float, jitter: int = 0) -> shapely.Polygon:
    """Return an irregular 8-gon around ``(lon, lat)`` with radius ``r`` degrees."""
    rng = np.random.default_rng(abs(hash((round(lon, 3), round(lat, 3)))) % 2**32 + jitter)
    ang = np.linspace(0, 2 * np.pi, 9)[:-1]
    rad = r * (0.75 + 0.5 * rng.random(8))
    xs = lon + rad * np.cos(ang) * 1.2
    ys = lat + rad * np.sin(ang)
    return shapely.Polygon(np.column_stack([xs, ys]))


def _cat(*parts: object) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars (arrow kernels).

    Array parts may be numpy arrays, arrow arrays or ``(pool, index)`` pairs,
    the latter taken from the pool on the arrow side (no Python objects).
    """
    return np.asarray(_acat(*parts).to_numpy(zero_copy_only=False), dtype=object)


def _acat(*parts: object) -> object:
    import pyarrow as pa
    import pyarrow.compute as pc

    arrs = []
    for p in parts:
        if isinstance(p, str):
            arrs.append(p)
        elif isinstance(p, tuple):
            pool, idx = p
            arrs.append(pa.array(np.asarray(pool, dtype=object), type=pa.string()).take(pa.array(idx)))
        elif isinstance(p, (pa.Array, pa.ChunkedArray)):
            arrs.append(p)
        else:
            arr = np.asarray(p)
            if arr.dtype.kind in "iu":
                arrs.append(pc.cast(pa.array(arr), pa.string()))
            else:
                arrs.append(pa.array(arr, type=pa.string()))
    return pc.binary_join_element_wise(*arrs, "")


def _zfill(values: np.ndarray, width: int) -> object:
    """Zero-padded decimal strings of integer ``values`` (an arrow array)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(values)), pa.string()), width, "0")


def make_actors() -> pd.DataFrame:
    """Return an actors table with the columns of ``data/actors.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``actor_id, label_fr, label_en, side, country_code, capitals,
        aliases_fr, aliases_en``.
    """
    rows = [
        {
            "actor_id": a, "label_fr": fr, "label_en": en, "side": side, "country_code": cc,
            "capitals": "", "aliases_fr": fr, "aliases_en": en,
        }
        for a, fr, en, side, cc in ACTORS
    ]
    return pd.DataFrame(rows)


def make_zones() -> gpd.GeoDataFrame:
    """Return synthetic de-escalation zones following ``schema.ZONE_COLUMNS``.

    Returns
    -------
    geopandas.GeoDataFrame
        Four Astana-like zones, EPSG:4326.
    """
    rows = []
    geoms = []
    for zid, name, vf, vt, parties, lon, lat, r, approx in ZONES:
        rows.append({
            "zone_id": zid, "name": name, "valid_from": vf, "valid_to": vt,
            "parties": list(parties), "source": "Mémorandum d'Astana (synthétique)",
            "approximate": approx, "method": "synthetic hexagon" if approx else "synthetic outline",
        })
        geoms.append(_hexagon(lon, lat, r, jitter=7))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=schema.CRS)[schema.ZONE_COLUMNS + ["geometry"]]


def _place_tables() -> tuple[pd.DataFrame, np.ndarray]:
    """All places (towns, areas, river, country) and their geometries."""
    recs: list[dict[str, object]] = []
    geoms: list[object] = []
    for pid, name, ftype, lon, lat in PLACES:
        recs.append({"place_id": pid, "place_name": name, "feature_type": ftype, "lon": lon, "lat": lat,
                     "geo_precision": 1})
        geoms.append(shapely.Point(lon, lat))
    for pid, name, ftype, lon, lat, r in AREAS:
        recs.append({"place_id": pid, "place_name": name, "feature_type": ftype, "lon": lon, "lat": lat,
                     "geo_precision": 3})
        geoms.append(_hexagon(lon, lat, r))
    recs.append({"place_id": "geonames:163843", "place_name": "l'Euphrate", "feature_type": "river",
                 "lon": 39.0, "lat": 35.95, "geo_precision": 3})
    geoms.append(shapely.LineString(EUPHRATES))
    recs.append({"place_id": "country:SY", "place_name": "Syrie", "feature_type": "country",
                 "lon": 38.5, "lat": 35.0, "geo_precision": 4})
    geoms.append(shapely.Point(38.5, 35.0))
    return pd.DataFrame(recs), np.array(geoms, dtype=object)


def make_events(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """Return ``n`` synthetic events following ``schema.EVENT_COLUMNS``.

    Parameters
    ----------
    n : int
        Number of events.
    seed : int, optional
        Random seed; the same seed gives the same frame.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``schema.EVENT_COLUMNS + ["geometry"]``, EPSG:4326. Quotes sit at
        ``[start, end)`` of the synthetic article ``article_id`` (see
        :func:`make_articles`). About 60 % town-level, 15 % near a town,
        20 % admin1/region/river, 5 % country-level.
    """
    rng = np.random.default_rng(seed)
    places, place_geoms = _place_tables()
    n_towns = len(PLACES)
    n_areas = len(places) - n_towns - 1  # areas + river
    actor_ids = np.array([a[0] for a in ACTORS], dtype=object)
    label_fr = dict((a[0], a[1]) for a in ACTORS)

    # --- category / sub type -------------------------------------------------
    cats = np.array(schema.CATEGORIES, dtype=object)  # deescalation, incident, control_change
    cat_idx = rng.choice(3, size=n, p=[0.08, 0.77, 0.15])
    sub_rows = [(c, s, t) for c in schema.CATEGORIES for s, t in SUB_TYPES[c]]
    sub_cat = np.array([schema.CATEGORIES.index(c) for c, _, _ in sub_rows])
    sub_idx = np.empty(n, dtype=np.int64)
    for ci in range(3):
        members = np.flatnonzero(sub_cat == ci)
        mask = cat_idx == ci
        sub_idx[mask] = rng.choice(members, size=int(mask.sum()))
    sub_names = np.array([s for _, s, _ in sub_rows], dtype=object)

    # --- places / precision ---------------------------------------------------
    prec = rng.choice(np.array([1, 2, 3, 4]), size=n, p=[0.6, 0.15, 0.2, 0.05])
    town_w = rng.pareto(1.2, n_towns) + 0.2  # a few towns get most events
    place_idx = rng.choice(n_towns, size=n, p=town_w / town_w.sum())
    m3 = prec == 3
    place_idx[m3] = n_towns + rng.integers(0, n_areas, int(m3.sum()))
    place_idx[prec == 4] = len(places) - 1
    place_ids = places["place_id"].to_numpy(dtype=object)[place_idx]
    place_names = places["place_name"].to_numpy(dtype=object)[place_idx]

    # --- actors ---------------------------------------------------------------
    a1 = rng.integers(0, len(actor_ids), n)
    a2 = (a1 + 1 + rng.integers(0, len(actor_ids) - 1, n)) % len(actor_ids)
    has_a2 = rng.random(n) < 0.6
    has_a2[cat_idx == 2] = True  # control changes always have before/after
    # pool of actor lists indexed by (a1, a2 or none): shared list objects are fine read-only
    na = len(actor_ids)
    pool = np.empty(na * (na + 1), dtype=object)
    for i in range(na):
        for j in range(na + 1):
            pool[i * (na + 1) + j] = [actor_ids[i]] if j == na else [actor_ids[i], actor_ids[j]]
    actors = pool[a1 * (na + 1) + np.where(has_a2, a2, na)]
    actor1 = actor_ids[a1]
    actor2 = np.where(has_a2, actor_ids[a2], None)
    is_cc = cat_idx == 2
    controller_before = np.where(is_cc, actor2, None)
    controller_after = np.where(is_cc, actor1, None)

    # --- dates ---------------------------------------------------------------
    span = int((_END - _START).astype(int)) + 1
    day = _START + rng.integers(0, span, n).astype("timedelta64[D]")
    dprec_idx = rng.choice(4, size=n, p=[0.75, 0.12, 0.09, 0.04])
    dprec = np.array(["day", "week", "month", "year"], dtype=object)[dprec_idx]
    d = day.copy()
    wk = dprec_idx == 1
    # numpy weeks start on Thursday (1970-01-01); shift to Monday
    d[wk] = day[wk] - ((day[wk].astype(np.int64) + 3) % 7).astype("timedelta64[D]")
    mo = dprec_idx == 2
    d[mo] = day[mo].astype("datetime64[M]").astype("datetime64[D]")
    yr = dprec_idx == 3
    d[yr] = day[yr].astype("datetime64[Y]").astype("datetime64[D]")
    date_str = np.datetime_as_string(d, unit="D").astype(object)

    # --- quotes (vectorised templating on a pool of unique combinations) -------
    combo = (sub_idx * len(places) + place_idx) * (na + 1) ** 2 + a1 * (na + 1) + np.where(has_a2, a2, na)
    uniq, inv = np.unique(combo, return_inverse=True)
    uq_a2 = uniq % (na + 1)
    uq_a1 = (uniq // (na + 1)) % (na + 1)
    uq_pl = (uniq // (na + 1) ** 2) % len(places)
    uq_sub = uniq // ((na + 1) ** 2 * len(places))
    pname = places["place_name"].tolist()
    uq_quote = np.empty(len(uniq), dtype=object)
    for k in range(len(uniq)):
        tmpl = sub_rows[uq_sub[k]][2]
        a1l = label_fr[actor_ids[uq_a1[k]]]
        a2l = label_fr[actor_ids[uq_a2[k]]] if uq_a2[k] < na else "des groupes armés"
        s = tmpl.format(a1=a1l, a2=a2l, p=pname[uq_pl[k]]) + "."
        uq_quote[k] = s[0].upper() + s[1:]
    quote = uq_quote[inv]
    qlen = np.fromiter((len(q) for q in uq_quote), dtype=np.int64, count=len(uq_quote))[inv]

    # --- articles and offsets: ~5 events per article, quotes joined by " " ----
    n_articles = max(1, n // 5)
    art = np.sort(rng.integers(0, n_articles, n))
    order = np.arange(n)  # already grouped by article because art is sorted
    lens = qlen[order] + 1
    csum = np.cumsum(lens) - lens
    first = np.r_[0, np.flatnonzero(np.diff(art)) + 1]
    group_start = np.repeat(csum[first], np.diff(np.r_[first, n]))
    start = csum - group_start
    end = start + qlen
    a_art = _acat("syn", _zfill(art, 6))
    art_str = np.asarray(a_art.to_numpy(zero_copy_only=False), dtype=object)
    src_idx = art % len(_SOURCES)
    source = _SOURCES[src_idx]
    a_url = _acat("https://example.org/fr/syrie/", a_art)
    url = np.where(source == "", "", np.asarray(a_url.to_numpy(zero_copy_only=False), dtype=object))

    ev_id = _cat("evt", _zfill(np.arange(n), 7), f"_{seed}")
    zone_ids = np.array([z[0] for z in ZONES], dtype=object)
    zone_id = np.where(cat_idx == 0, zone_ids[rng.integers(0, len(zone_ids), n)], None)
    n_sources = rng.choice(np.array([1, 2, 3]), size=n, p=[0.8, 0.15, 0.05])

    # sources JSON (vectorised string building on arrow arrays)
    qjson = ([json.dumps(q) for q in uq_quote], inv)
    sjson = ([json.dumps(x) for x in _SOURCES], src_idx)
    base = _acat('{"article_id": "', a_art, '", "quote": ', qjson, ', "start": ', start,
                 ', "end": ', end, ', "source": ', sjson, ', "url": "', url, '"}')
    extra = _acat(', {"article_id": "', a_art, 'b", "quote": ', qjson, ', "start": 0, "end": ',
                  qlen, ', "source": "AFP", "url": ""}')
    import pyarrow as pa
    import pyarrow.compute as pc

    e2 = pc.if_else(pa.array(n_sources >= 2), extra, "")
    e3 = pc.if_else(pa.array(n_sources >= 3), extra, "")
    srcs = _cat("[", base, e2, e3, "]")

    geometry = place_geoms[place_idx]
    df = pd.DataFrame({
        "event_id": ev_id,
        "article_id": art_str,
        "category": cats[cat_idx],
        "sub_type": sub_names[sub_idx],
        "actors": actors,
        "actor1": actor1,
        "actor2": actor2,
        "controller_before": controller_before,
        "controller_after": controller_after,
        "place_id": place_ids,
        "place_name": place_names,
        "geo_precision": prec.astype(np.int64),
        "date": date_str,
        "date_precision": dprec,
        "date_inferred": rng.random(n) < 0.05,
        "quote": quote,
        "source": source,
        "url": url,
        "start": start.astype(np.int64),
        "end": end.astype(np.int64),
        "zone_id": zone_id,
        "modality": np.where(rng.random(n) < 0.15, "claimed", "asserted"),
        "confidence": np.round(0.4 + 0.6 * rng.random(n), 2),
        "sources": srcs,
        "n_sources": n_sources.astype(np.int64),
    })
    return gpd.GeoDataFrame(df, geometry=gpd.array.from_shapely(geometry, crs=schema.CRS), crs=schema.CRS)


def make_articles(events: pd.DataFrame) -> pd.DataFrame:
    """Return the articles referenced by ``events`` (``schema.ARTICLE_COLUMNS``).

    The text of an article is its events' quotes joined by one space, so that
    ``text[start:end] == quote`` for every event. Meant for small frames.

    Parameters
    ----------
    events : pandas.DataFrame
        Output of :func:`make_events`.

    Returns
    -------
    pandas.DataFrame
    """
    import hashlib

    ev = events.sort_values(["article_id", "start"])
    rows = []
    for aid, g in ev.groupby("article_id", sort=False):
        text = " ".join(g["quote"].tolist())
        first = g.iloc[0]
        rows.append({
            "article_id": aid,
            "title": f"Syrie : {first['place_name']}",
            "source": first["source"],
            "url": first["url"],
            "published": str(g["date"].max()),
            "published_inferred": False,
            "language": "fr",
            "path": f"synthetic/{aid}.txt",
            "content_hash": hashlib.sha256(text.encode()).hexdigest(),
            "text": text,
        })
    return pd.DataFrame(rows, columns=schema.ARTICLE_COLUMNS)


def make_mentions(events: pd.DataFrame) -> pd.DataFrame:
    """Return one toponym mention per event (``schema.MENTION_COLUMNS``).

    Parameters
    ----------
    events : pandas.DataFrame
        Output of :func:`make_events`.

    Returns
    -------
    pandas.DataFrame
    """
    places, _ = _place_tables()
    ftype = dict(zip(places["place_id"], places["feature_type"]))
    q = events["quote"].astype(str)
    name = events["place_name"].astype(str)
    pos = np.fromiter((qq.find(nn) for qq, nn in zip(q, name)), dtype=np.int64, count=len(events))
    start = events["start"].to_numpy() + pos
    df = pd.DataFrame({
        "article_id": events["article_id"].to_numpy(),
        "text": name.to_numpy(),
        "start": start,
        "end": start + name.str.len().to_numpy(),
        "sentence": q.to_numpy(),
        "place_id": events["place_id"].to_numpy(),
        "place_name": name.to_numpy(),
        "feature_type": events["place_id"].map(ftype).fillna("town").to_numpy(),
        "country_code": "SY",
        "role": "location",
        "confidence": 0.9,
        "geo_precision": events["geo_precision"].to_numpy(),
        "gazetteer": np.where(events["place_id"].str.startswith("curated:"), "curated", "geonames"),
    })
    return df[pos >= 0][schema.MENTION_COLUMNS].reset_index(drop=True)


def make_control(events: pd.DataFrame) -> pd.DataFrame:
    """Return "who held X on date D" rows for the control changes in ``events``.

    Parameters
    ----------
    events : pandas.DataFrame
        Output of :func:`make_events`.

    Returns
    -------
    pandas.DataFrame
        ``schema.CONTROL_COLUMNS``, sorted by place and date.
    """
    cc = events[events["category"] == "control_change"]
    out = pd.DataFrame({c: cc[c].to_numpy() for c in schema.CONTROL_COLUMNS})
    return out.sort_values(["place_id", "date"]).reset_index(drop=True)


def make_dataset(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Return every frame of a data directory for ``n`` synthetic events.

    Parameters
    ----------
    n : int
        Number of events.
    seed : int, optional
        Random seed.

    Returns
    -------
    dict
        Keys ``events, articles, mentions, control, zones, actors``.
    """
    ev = make_events(n, seed)
    return {
        "events": ev,
        "articles": make_articles(ev),
        "mentions": make_mentions(ev),
        "control": make_control(ev),
        "zones": make_zones(),
        "actors": make_actors(),
    }


def write_dataset(out_dir: str, frames: dict[str, pd.DataFrame]) -> None:
    """Write ``frames`` (see :func:`make_dataset`) as a dashboard data directory.

    Parameters
    ----------
    out_dir : str
        Target directory; it gets ``events.parquet``, ``articles.parquet``,
        ``mentions.parquet``, ``control.parquet``, ``zones.geojson``,
        ``actors.csv`` and ``VERSION``.
    frames : dict
        Frames keyed like the output of :func:`make_dataset`.
    """
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames["events"].to_parquet(out / "events.parquet")
    for name in ("articles", "mentions", "control"):
        pd.DataFrame(frames[name]).to_parquet(out / f"{name}.parquet", index=False)
    zones = frames["zones"].copy()
    zones["parties"] = zones["parties"].map(list)
    zones.to_file(out / "zones.geojson", driver="GeoJSON")
    frames["actors"].to_csv(out / "actors.csv", index=False)
    (out / "VERSION").write_text(f"synthetic {len(frames['events'])} events\n", encoding="utf-8")
