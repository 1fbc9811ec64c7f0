"""Copy the dashboard's front-end files from ``node_modules`` into ``static/``.

Run after ``npm install`` (``make assets`` does both). The map then loads
Leaflet, its plugins and fonts from the app's own static folder
(``/app/static/vendor/...``) instead of a CDN, so it renders with no internet.

It also decodes the Syria + neighbours outline from ``world-atlas``
(TopoJSON) into ``static/outline.geojson``, drawn under the data so that the
country shows even when no map tiles can be loaded.

Usage::

    python scripts/vendor_assets.py [--node-modules node_modules] [--static static]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: (package-relative source, destination under static/vendor)
FILES: list[tuple[str, str]] = [
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images", "leaflet/images"),
    ("leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"),
    ("leaflet.markercluster/dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"),
    ("leaflet.markercluster/dist/MarkerCluster.Default.css", "leaflet.markercluster/MarkerCluster.Default.css"),
    ("@fortawesome/fontawesome-free/css/all.min.css", "fontawesome/css/all.min.css"),
    ("@fortawesome/fontawesome-free/webfonts", "fontawesome/webfonts"),
    ("@fortawesome/fontawesome-free/LICENSE.txt", "fontawesome/LICENSE.txt"),
    ("leaflet/LICENSE", "leaflet/LICENSE"),
    ("leaflet.markercluster/MIT-LICENCE.txt", "leaflet.markercluster/MIT-LICENCE.txt"),
]

#: ISO 3166-1 numeric ids of Syria and its neighbours in world-atlas.
OUTLINE_IDS: dict[str, str] = {
    "760": "SY", "792": "TR", "368": "IQ", "400": "JO", "422": "LB", "376": "IL", "275": "PS", "196": "CY",
}


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Decode (delta-encoded, quantized) TopoJSON arcs to lon/lat lists."""
    tr = topo.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topo["arcs"]:
        pts: list[tuple[float, float]] = []
        x = y = 0.0
        for p in arc:
            if tr:
                x += p[0]
                y += p[1]
                sx, sy = tr["scale"]
                tx, ty = tr["translate"]
                pts.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
            else:
                pts.append((float(p[0]), float(p[1])))
        arcs.append(pts)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[list[float]]:
    out: list[list[float]] = []
    for i in idx:
        seg = arcs[i] if i >= 0 else arcs[~i][::-1]
        if out:
            seg = seg[1:]
        out.extend([list(p) for p in seg])
    return out


def topojson_countries(topo: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection of the countries ``ids`` in ``topo``.

    Parameters
    ----------
    topo : dict
        A world-atlas ``countries-*.json`` TopoJSON document.
    ids : dict
        ISO numeric id -> ISO alpha-2 code of the countries to keep.

    Returns
    -------
    dict
        Features with properties ``iso2``, ``name`` and ``focus`` (True for Syria).
    """
    arcs = _decode_arcs(topo)
    feats = []
    for g in topo["objects"]["countries"]["geometries"]:
        gid = str(g.get("id", ""))
        if gid not in ids:
            continue
        if g["type"] == "Polygon":
            coords: Any = [_ring(arcs, r) for r in g["arcs"]]
        elif g["type"] == "MultiPolygon":
            coords = [[_ring(arcs, r) for r in poly] for poly in g["arcs"]]
        else:
            continue
        feats.append({
            "type": "Feature",
            "properties": {"iso2": ids[gid], "name": g.get("properties", {}).get("name", ""),
                           "focus": ids[gid] == "SY"},
            "geometry": {"type": g["type"], "coordinates": coords},
        })
    return {"type": "FeatureCollection", "features": feats}


def main(argv: list[str] | None = None) -> int:
    """Copy the vendored files and write the outline; return a process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node-modules", default=str(ROOT / "node_modules"))
    ap.add_argument("--static", default=str(ROOT / "static"))
    args = ap.parse_args(argv)
    nm = Path(args.node_modules)
    static = Path(args.static)
    vendor = static / "vendor"
    missing = [src for src, _ in FILES if not (nm / src).exists()]
    if missing:
        print(f"missing in {nm}: {', '.join(missing)} (run `npm install` first)", file=sys.stderr)
        return 1
    if vendor.exists():
        shutil.rmtree(vendor)
    for src, dst in FILES:
        s, d = nm / src, vendor / dst
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d)
        else:
            shutil.copy2(s, d)
    versions = {}
    for pkg in ("leaflet", "leaflet.markercluster", "@fortawesome/fontawesome-free", "world-atlas"):
        versions[pkg] = json.loads((nm / pkg / "package.json").read_text(encoding="utf-8"))["version"]
    (vendor / "VERSIONS.json").write_text(json.dumps(versions, indent=1) + "\n", encoding="utf-8")
    topo = json.loads((nm / "world-atlas" / "countries-50m.json").read_text(encoding="utf-8"))
    outline = topojson_countries(topo, OUTLINE_IDS)
    (static / "outline.geojson").write_text(json.dumps(outline, separators=(",", ":")) + "\n", encoding="utf-8")
    (vendor / ".stamp").write_text("ok\n", encoding="utf-8")
    print(f"vendored {len(FILES)} paths into {vendor} ({versions}); outline: {len(outline['features'])} countries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
