"""The one place that uses streamlit-folium's private helpers.

The dashboard keeps one Leaflet map across reruns and only re-sends its data layers, which
``streamlit_folium.st_folium`` cannot do from its public API: it needs the component function
and the renderers behind it (``_component_func``, ``_get_html``, ``_get_header``,
``_get_map_string``, ``_get_feature_group_string``). Every use goes through this module, which
checks once that the installed version has them and says how to fix it when it does not.
The tested range is :data:`TESTED_RANGE`, pinned the same way in ``pyproject.toml`` and
``requirements.txt``.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

#: The streamlit-folium versions this adapter is tested with (same range in pyproject.toml and requirements.txt).
TESTED_RANGE = ">=0.27.4,<0.28"
#: What the adapter needs from streamlit_folium.
REQUIRED = ("_component_func", "_get_html", "_get_header", "_get_map_string", "_get_feature_group_string",
            "get_full_id", "generate_js_hash")


class FoliumBridgeError(ImportError):
    """The installed streamlit-folium lacks a helper the dashboard needs."""


@functools.lru_cache(maxsize=1)
def streamlit_folium() -> ModuleType:
    """The ``streamlit_folium`` module, checked for every helper in :data:`REQUIRED`.

    Raises
    ------
    FoliumBridgeError
        Naming the installed version, the missing names and the range to install.
    """
    import importlib.metadata

    import streamlit_folium as sf

    missing = [name for name in REQUIRED if not callable(getattr(sf, name, None))]
    if missing:
        try:
            version = importlib.metadata.version("streamlit-folium")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - imported above
            version = "unknown"
        raise FoliumBridgeError(
            f"streamlit-folium {version} lacks {', '.join(missing)}, which the ConflictMap dashboard uses; "
            f"install a tested version: pip install 'streamlit-folium{TESTED_RANGE}'")
    return sf


def component(**kwargs: Any) -> Any:
    """Call streamlit-folium's component with the arguments ``st_folium`` would send."""
    return streamlit_folium()._component_func(**kwargs)


def map_parts(m: Any) -> dict[str, str]:
    """``html``, ``header``, ``script`` and ``id`` of a rendered Folium map, as ``st_folium`` derives them."""
    sf = streamlit_folium()
    return {"html": sf._get_html(m), "header": sf._get_header(m), "script": sf._get_map_string(m),
            "id": sf.get_full_id(m)}


def feature_group_js(feature_group: Any, m: Any, idx: int = 0) -> str:
    """The JavaScript that adds ``feature_group`` to map ``m`` (what ``st_folium`` re-sends on change)."""
    return streamlit_folium()._get_feature_group_string(feature_group, m, idx)


def js_hash(script: str, key: str | None, return_on_hover: bool) -> str:
    """The component key ``st_folium`` derives from the map script and the user key."""
    return streamlit_folium().generate_js_hash(script, key, return_on_hover)
