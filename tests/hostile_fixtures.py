"""Hostile fixtures: an article whose every field carries markup or a ``javascript:`` URL.

Appended to a :mod:`conflictmap.demo` dataset by the security tests (unit, AppTest
and browser): nothing of it may ever run or render as markup in the dashboard.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from conflictmap.store import schema

#: Markup that must never run in the dashboard (used by the security tests).
HOSTILE_SCRIPT = "<script>window.__cm_xss='script';alert('xss-script')</script>"
HOSTILE_IMG = "<img src=x onerror=\"window.__cm_xss='img';alert('xss-img')\">"
HOSTILE_URL = "javascript:window.__cm_xss='url';alert('xss-url')"
HOSTILE_PLACE = "<b onmouseover=\"alert('xss-place')\">Alep</b>"


def add_hostile_article(frames: dict[str, pd.DataFrame], event_id: str = "evt_hostile",
                        day: str = "2018-03-15") -> dict[str, pd.DataFrame]:
    """Append one article whose text, quote, URL and place name carry markup.

    The article holds a ``<script>`` element, an ``<img onerror=...>``, a
    ``javascript:`` URL and markup in the place name, all of which the
    dashboard must show as text. Its event is a precise incident near Aleppo
    dated ``day``.

    Parameters
    ----------
    frames : dict
        Output of :func:`make_dataset` (not modified).
    event_id : str, optional
    day : str, optional

    Returns
    -------
    dict
        New frames with the hostile rows appended.
    """
    import hashlib

    quote = f"Des tirs ont visé {HOSTILE_PLACE} {HOSTILE_IMG} selon l'OSDH."
    text = f"{HOSTILE_SCRIPT} Titre piégé. {quote} [clic](javascript:alert('md')) Fin."
    start = text.index(quote)
    aid = "hostile01"
    art = pd.DataFrame([{
        "article_id": aid, "title": f"Alep {HOSTILE_SCRIPT}", "source": f"Source {HOSTILE_IMG}", "url": HOSTILE_URL,
        "published": day, "published_inferred": False, "language": "fr", "path": "hostile.html",
        "content_hash": hashlib.sha256(text.encode()).hexdigest(), "text": text,
    }], columns=schema.ARTICLE_COLUMNS)
    ev = pd.DataFrame([{
        "event_id": event_id, "article_id": aid, "category": "incident", "sub_type": "shelling",
        "actors": ["SYR_GOV"], "actor1": "SYR_GOV", "actor2": None, "controller_before": None,
        "controller_after": None, "place_id": "curated:hostile", "place_name": HOSTILE_PLACE, "geo_precision": 1,
        "date": day, "date_precision": "day", "date_inferred": False, "quote": quote, "source": "OSDH",
        "url": HOSTILE_URL, "start": start, "end": start + len(quote), "zone_id": None,
        "modality": "asserted", "confidence": 0.9,
        "sources": json.dumps([{"article_id": aid, "quote": quote, "start": start, "end": start + len(quote),
                                "source": "OSDH", "url": HOSTILE_URL}]),
        "n_sources": 1,
    }])
    ev_g = gpd.GeoDataFrame(ev, geometry=[shapely.Point(37.32, 36.33)], crs=schema.CRS)
    p0 = text.index(HOSTILE_PLACE)
    men = pd.DataFrame([{
        "article_id": aid, "text": HOSTILE_PLACE, "start": p0, "end": p0 + len(HOSTILE_PLACE), "sentence": quote,
        "place_id": "curated:hostile", "place_name": HOSTILE_PLACE, "feature_type": "town", "country_code": "SY",
        "role": "location", "confidence": 0.9, "geo_precision": 1, "gazetteer": "curated",
    }], columns=schema.MENTION_COLUMNS)
    out = dict(frames)
    out["events"] = gpd.GeoDataFrame(pd.concat([frames["events"], ev_g], ignore_index=True),
                                     geometry="geometry", crs=schema.CRS)
    out["articles"] = pd.concat([frames["articles"], art], ignore_index=True)
    out["mentions"] = pd.concat([frames["mentions"], men], ignore_index=True)
    return out
