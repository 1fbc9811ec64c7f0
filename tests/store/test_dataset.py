"""Dataset writing: the fast GeoJSON writer."""

from __future__ import annotations


def test_geojson_text_is_geopandas_to_json_byte_for_byte() -> None:
    # the fast writer must give exactly what GeoDataFrame.to_json gives: points, repeated outlines,
    # lines, empty and missing geometries, missing values, lists, non-ASCII text
    import math

    import geopandas as gpd
    from shapely.geometry import LineString, Point, Polygon

    from conflictmap.store.dataset import _geojson_text

    square = Polygon([(36.1, 33.4), (36.4, 33.4), (36.4, 33.6), (36.1, 33.6)])
    gdf = gpd.GeoDataFrame(
        {"name": ["Deïr ez-Zor", "Alep", None, "Ḩamāh", "x", "y"],
         "n": [1, 2, 3, 4, 5, 6],
         "score": [0.5, math.nan, 1 / 3, 2.0, 0.1, 0.2],
         "actors": [["SYR_GOV"], [], ["ISIS", "SDF"], [], ["RUS"], []]},
        geometry=[Point(40.14, 35.336), square, square, LineString([(38.0, 35.9), (40.1, 35.3)]),
                  Point(), None],
        crs="EPSG:4326")
    assert _geojson_text(gdf) == gdf.to_json(drop_id=True, ensure_ascii=False)
    assert _geojson_text(gdf.iloc[:0]) == '{"type": "FeatureCollection", "features": []}'
