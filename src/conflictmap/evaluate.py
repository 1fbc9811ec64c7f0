"""Evaluation against hand-written gold (the format of ``tests/data/seeds_gold.json``).

Place recall/precision/F1 and accuracy@161 km over mentions; metonymy (no event
placed at a capital used as an actor); event recall (gold events matched one-to-one with
extracted events), role accuracy (actor1 of an incident, controller_after of a control change),
date accuracy, and event precision for gold that lists ``events_ok`` (exhaustive event gold).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictmap.geo.gazetteer import distance_km


def _coords(geom: dict[str, Any] | None) -> list[tuple[float, float]]:
    if not geom:
        return []
    t, c = geom["type"], geom.get("coordinates")
    if t == "Point":
        return [(c[1], c[0])]
    if t in ("LineString", "MultiPoint"):
        return [(y, x) for x, y, *_ in c]
    if t in ("Polygon", "MultiLineString"):
        return [(y, x) for ring in c for x, y, *_ in ring]
    if t == "MultiPolygon":
        return [(y, x) for poly in c for ring in poly for x, y, *_ in ring]
    if t == "GeometryCollection":
        return [p for g in geom["geometries"] for p in _coords(g)]
    return []


def geometry_distance_km(geom: dict[str, Any] | None, lat: float, lon: float) -> float:
    """Distance from a GeoJSON geometry (its vertices, or a polygon's vertex centroid) to a point."""
    pts = _coords(geom)
    if not pts:
        return math.inf
    d = min(distance_km(a, b, lat, lon) for a, b in pts)
    if geom and geom["type"] in ("Polygon", "MultiPolygon"):
        la = sum(p[0] for p in pts) / len(pts)
        lo = sum(p[1] for p in pts) / len(pts)
        d = min(d, distance_km(la, lo, lat, lon))
    return d


def _date_ok(value: str | None, want: Any) -> bool:
    if want is None:
        return True
    if not value:
        return False
    try:
        d = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    if isinstance(want, list):
        return dt.date.fromisoformat(want[0]) <= d <= dt.date.fromisoformat(want[1])
    return abs((d - dt.date.fromisoformat(want)).days) <= 1


@dataclass
class Scores:
    """Evaluation figures and the list of misses."""

    place_recall: float
    place_precision: float
    place_f1: float
    accuracy_161km: float
    metonymy: float
    event_recall: float
    date_accuracy: float
    counts: dict[str, int]
    misses: list[str] = field(default_factory=list)
    event_precision: float | None = None
    role_accuracy: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (without misses)."""
        return {k: v for k, v in self.__dict__.items() if k != "misses"}


def _match_events(gold_events: list[list[Any]], evs: list[dict[str, Any]]) -> dict[int, int]:
    """One-to-one matching of gold events to extracted events (maximum bipartite matching).

    An extracted event fits a gold event when the category is the same, it lies within the tolerance
    and the gold actor (if any) is among its ``actors``; perfect fits (right date and role) are matched
    first, and a gold event matched on a perfect fit only moves to another perfect fit.

    Returns
    -------
    dict
        Gold index → extracted index.
    """
    def fits(g_ev: list[Any], e: dict[str, Any]) -> bool:
        cat, la, lo, tol, actor, _ = g_ev
        p = e["properties"]
        return (p.get("category") == cat and geometry_distance_km(e["geometry"], la, lo) <= tol
                and (actor is None or actor in (p.get("actors") or [])))

    def quality(g_ev: list[Any], e: dict[str, Any]) -> tuple[bool, bool]:
        cat, _, _, _, actor, when = g_ev
        key = "controller_after" if cat == "control_change" else "actor1"
        return (when is None or _date_ok(e["properties"].get("date"), when),
                actor is None or e["properties"].get(key) == actor)

    options = [sorted((j for j, e in enumerate(evs) if fits(gv, e)), key=lambda j: quality(gv, evs[j]), reverse=True)
               for gv in gold_events]
    perfect = [[j for j in opts if all(quality(gv, evs[j]))] for gv, opts in zip(gold_events, options)]
    owner: dict[int, int] = {}
    exact: set[int] = set()

    def augment(i: int, seen: set[int], edges: list[list[int]]) -> bool:
        for j in (perfect[i] if i in exact else edges[i]):
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen, edges):
                    owner[j] = i
                    return True
        return False

    for i in range(len(gold_events)):
        if augment(i, set(), perfect):
            exact.add(i)
    for i in range(len(gold_events)):
        if i not in owner.values():
            augment(i, set(), options)
    return {i: j for j, i in owner.items()}


def evaluate(gold_path: str | Path, out_dir: str | Path) -> Scores:
    """Score ``out_dir/mentions.geojson`` and ``events.geojson`` against a gold file.

    Parameters
    ----------
    gold_path : str or Path
        Gold JSON: per article ``places``, ``also_ok``, ``metonyms``, ``events``.
    out_dir : str or Path
        An ingest output folder.

    Returns
    -------
    Scores
    """
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    out = Path(out_dir)

    def load(name: str) -> list[dict[str, Any]]:
        p = out / name
        return json.loads(p.read_text(encoding="utf-8"))["features"] if p.exists() else []

    mentions, events = load("mentions.geojson"), load("events.geojson")

    def by_art(feats: list[dict[str, Any]], art: str) -> list[dict[str, Any]]:
        return [f for f in feats if str(f["properties"].get("article_id", "")).startswith(art)]

    tp = fn = fp = 0
    acc_hit = acc_n = 0
    met_ok = met_n = ev_hit = ev_n = date_hit = date_n = 0
    role_hit = role_n = out_n = out_ok = 0
    misses: list[str] = []
    for art, g in gold.items():
        if art.startswith("_"):
            continue
        ms = by_art(mentions, art)
        loc = [m for m in ms if m["properties"].get("role", "location") == "location"]
        for name, la, lo, tol in g["places"]:
            if any(geometry_distance_km(m["geometry"], la, lo) <= tol for m in ms):
                tp += 1
            else:
                fn += 1
                misses.append(f"{art}: place {name}")
            # accuracy@161 km: mentions whose surface form is the gold name
            named = [m for m in ms if m["properties"].get("text", "").lower().endswith(name.lower())]
            if named:
                acc_n += 1
                if min(geometry_distance_km(m["geometry"], la, lo) for m in named) <= 161:
                    acc_hit += 1
        okzones = g["places"] + g["also_ok"] + [[n, la, lo, 50] for n, la, lo in g["metonyms"]]
        for m in loc:
            if not any(geometry_distance_km(m["geometry"], la, lo) <= tol for _, la, lo, tol in okzones):
                fp += 1
                misses.append(f"{art}: extra {m['properties'].get('text')}")
        evs = by_art(events, art)
        for name, la, lo in g["metonyms"]:
            met_n += 1
            if any(geometry_distance_km(e["geometry"], la, lo) <= 50 for e in evs):
                misses.append(f"{art}: event at metonym {name}")
            else:
                met_ok += 1
        match = _match_events(g["events"], evs)
        for i, (cat, _la, _lo, _tol, actor, when) in enumerate(g["events"]):
            ev_n += 1
            if i not in match:
                misses.append(f"{art}: event {cat} {actor} near {_la},{_lo}")
                continue
            e = evs[match[i]]["properties"]
            ev_hit += 1
            if actor is not None:
                role_n += 1
                key = "controller_after" if cat == "control_change" else "actor1"
                if e.get(key) == actor:
                    role_hit += 1
                else:
                    misses.append(f"{art}: {cat} {key} want {actor}, got {e.get(key)}")
            if when is not None:
                date_n += 1
                if _date_ok(e.get("date"), when):
                    date_hit += 1
                else:
                    misses.append(f"{art}: {cat} date, want {when}, got {e.get('date')}")
        if "events_ok" in g:  # exhaustive event gold: every other extracted event is a false event
            allowed = [tuple(x[:4]) for x in g["events"]] + [tuple(x[:4]) for x in g["events_ok"]]
            for ev in evs:
                out_n += 1
                c = ev["properties"].get("category")
                if any(c == ac and geometry_distance_km(ev["geometry"], la, lo) <= tol for ac, la, lo, tol in allowed):
                    out_ok += 1
                else:
                    misses.append(f"{art}: false event {c} at {ev['properties'].get('place_name')}")

    def r(a: int, b: int) -> float:
        return round(a / b, 3) if b else 1.0

    rec, prec = r(tp, tp + fn), (r(tp, tp + fp) if tp + fp else 0.0)
    f1 = round(2 * rec * prec / (rec + prec), 3) if rec + prec else 0.0
    return Scores(rec, prec, f1, r(acc_hit, acc_n), r(met_ok, met_n), r(ev_hit, ev_n), r(date_hit, date_n),
                  {"tp": tp, "fn": fn, "fp": fp, "events": ev_n, "dates": date_n, "roles": role_n,
                   "events_out_scored": out_n}, misses,
                  event_precision=r(out_ok, out_n) if out_n else None, role_accuracy=r(role_hit, role_n))
