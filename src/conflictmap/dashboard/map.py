"""Folium pieces of the dashboard map: the fixed base map and the data layers.

The base map (tiles, country outline, the small ``cmLib`` JavaScript library
that draws the layers) is built once per process and never changes, so
streamlit-folium keeps the same Leaflet map across reruns. Data layers are
``folium.FeatureGroup`` objects that hold one :class:`JsLayer` each; a
:class:`JsLayer` is a compact, safely-encoded JSON payload plus one call into
``cmLib``, and is what streamlit-folium re-sends when the filters change.

Security model: article text never becomes markup. Payloads are JSON with
``<``, ``>`` and ``&`` escaped as ``\\u003c`` ... (so no ``</script>`` or tag
can appear in the generated page), ``cmLib`` builds popups with
``document.createElement`` + ``textContent`` (never ``innerHTML``), and links
are kept only for ``http(s)`` URLs, checked on both sides.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

__all__ = [
    "ASSET_URL_PREFIX",
    "JsLayer",
    "SIDE_COLORS",
    "asset_links",
    "base_map",
    "icon_for",
    "safe_json",
    "safe_url",
]

#: Where Streamlit serves ``./static`` (``server.enableStaticServing``).
ASSET_URL_PREFIX = "/app/static/vendor"

#: Colour of each actor side (data/actors.csv ``side``).
SIDE_COLORS: dict[str, str] = {
    "government": "#c62828",
    "pro_government": "#ef6c00",
    "opposition": "#2e7d32",
    "jihadist": "#212121",
    "kurdish": "#c0a000",
    "foreign_state": "#1565c0",
    "coalition": "#00838f",
    "civilian": "#6a1b9a",
    "unknown": "#757575",
}

SIDE_LABELS_FR: dict[str, str] = {
    "government": "gouvernement",
    "pro_government": "pro-gouvernement",
    "opposition": "opposition",
    "jihadist": "jihadiste",
    "kurdish": "kurde",
    "foreign_state": "État étranger",
    "coalition": "coalition",
    "civilian": "civils",
    "unknown": "inconnu",
}

#: Font Awesome (free, solid) icon per sub-type keyword, first match wins.
_ICON_RULES: list[tuple[tuple[str, ...], str]] = [
    (("suicide",), "fa-explosion"),
    (("air", "drone", "strike", "bombard", "raid"), "fa-plane"),
    (("shell", "artiller", "missile", "rocket", "mortar"), "fa-bomb"),
    (("explosive", "ied", "mine", "car_bomb", "explosion"), "fa-burst"),
    (("clash", "battle", "fight", "combat", "offensive"), "fa-crosshairs"),
    (("abduct", "kidnap", "arrest", "detention", "disappear"), "fa-user-lock"),
    (("civilian", "massacre", "violence_against", "attack"), "fa-person-falling-burst"),
    (("protest", "demonstration", "riot"), "fa-bullhorn"),
    (("chemical", "gas"), "fa-skull-crossbones"),
    (("ceasefire", "truce"), "fa-handshake"),
    (("evacuat", "displace", "return"), "fa-bus"),
    (("zone", "deescalation", "de_escalation"), "fa-dove"),
    (("agreement", "negotiat", "reconcil", "talks"), "fa-file-signature"),
    (("territory", "control", "capture", "regain", "overtake", "transfer", "withdraw", "siege"), "fa-flag"),
    (("aid", "humanitarian"), "fa-kit-medical"),
]

#: Legend text of each icon (French, English), in the order of :data:`_ICON_RULES`.
ICON_LABELS: dict[str, tuple[str, str]] = {
    "fa-plane": ("frappe aérienne / de drone", "air / drone strike"),
    "fa-bomb": ("bombardement, artillerie, missiles", "shelling, artillery, missiles"),
    "fa-burst": ("engin explosif, mine", "explosive device, mine"),
    "fa-explosion": ("attentat-suicide", "suicide bombing"),
    "fa-crosshairs": ("affrontements, offensive", "clashes, offensive"),
    "fa-user-lock": ("enlèvement, arrestation", "abduction, arrest"),
    "fa-person-falling-burst": ("violence contre des civils", "violence against civilians"),
    "fa-bullhorn": ("manifestation", "protest"),
    "fa-skull-crossbones": ("arme chimique", "chemical weapon"),
    "fa-handshake": ("cessez-le-feu, trêve", "ceasefire, truce"),
    "fa-bus": ("évacuation, déplacement", "evacuation, displacement"),
    "fa-dove": ("désescalade, zone", "de-escalation, zone"),
    "fa-file-signature": ("accord, pourparlers", "agreement, talks"),
    "fa-flag": ("changement de contrôle", "change of control"),
    "fa-kit-medical": ("aide humanitaire", "humanitarian aid"),
    "fa-circle-exclamation": ("autre incident", "other incident"),
}

_CATEGORY_ICON = {"incident": "fa-circle-exclamation", "control_change": "fa-flag", "deescalation": "fa-dove"}

_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

_JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_SAFE_URL_RE = re.compile(r"^https?://[^\s\"'<>\\]+$", re.IGNORECASE)


def icon_for(sub_type: str, category: str = "") -> str:
    """Return the Font Awesome icon class for an event sub-type.

    Parameters
    ----------
    sub_type : str
        ACLED-like sub-type (free text, matched by keywords).
    category : str, optional
        Event category, used when no keyword matches.

    Returns
    -------
    str
        A class name such as ``"fa-plane"`` (only ``[a-z-]`` characters).
    """
    s = (sub_type or "").lower()
    for keys, icon in _ICON_RULES:
        if any(k in s for k in keys):
            return icon
    return _CATEGORY_ICON.get(category, "fa-circle-exclamation")


def side_color(side: str) -> str:
    """Return the hex colour of an actor side (grey when unknown)."""
    c = SIDE_COLORS.get(side or "unknown", SIDE_COLORS["unknown"])
    return c if _COLOR_RE.match(c) else SIDE_COLORS["unknown"]


def safe_url(url: object) -> str:
    """Return ``url`` if it is a plain ``http(s)`` URL, else ``""``.

    Parameters
    ----------
    url : object
        Candidate link (``javascript:``, ``data:`` and malformed values are dropped).

    Returns
    -------
    str
    """
    if not isinstance(url, str):
        return ""
    u = url.strip()
    return u if _SAFE_URL_RE.match(u) else ""


def safe_json(obj: Any) -> str:
    """Serialise ``obj`` as compact JSON that is inert inside HTML and ``<script>``.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes, so
    no tag (``</script>``, ``<img onerror=...>``) can appear in the output;
    ``JSON.parse`` / a JS literal still yields the original text.

    Parameters
    ----------
    obj : Any
        JSON-serialisable object.

    Returns
    -------
    str
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in _JSON_ESCAPES.items():  # str.replace is much faster than str.translate on big payloads
        if chr(ch) in text:
            text = text.replace(chr(ch), esc)
    if "{{" in text or "{%" in text or "{#" in text or "}}" in text or "%}" in text or "#}" in text:
        # braces inside strings could read as Jinja syntax to folium/branca: escape them there only
        text = _JSON_STRING_RE.sub(lambda m: m.group(0).replace("{", "\\u007b").replace("}", "\\u007d"), text)
    return text


class JsLayer(MacroElement):
    """One data layer: a JSON payload drawn by a ``cmLib`` function.

    Parameters
    ----------
    kind : str
        ``cmLib`` builder: ``points``, ``areas``, ``grid``, ``zones``, ``held``,
        ``focus`` or ``outline``.
    payload : str
        Output of :func:`safe_json`.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "var {{ this.get_name() }} = window.cmLib.{{ this.kind }}({{ this.payload }}, {{ this._parent.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self, kind: str, payload: str) -> None:
        super().__init__()
        if not re.fullmatch(r"[a-z]+", kind):
            raise ValueError(f"bad layer kind {kind!r}")
        self._name = "CmLayer"
        self.kind = kind
        self.payload = payload

    def render(self, **kwargs: Any) -> None:
        """Add the script to the figure as raw text.

        ``MacroElement.render`` would wrap the rendered script in a new
        ``Element``, i.e. compile the whole payload as a Jinja template: slow
        for big payloads, and data must never be read as template syntax.
        """
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_RawScript(str(script)), name=self.get_name())


class _RawScript(Element):
    """A piece of figure script that is output verbatim (never templated)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _CmLib(MacroElement):
    """Defines ``window.cmLib`` (the layer builders) in the base map script."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code }}\n{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "CmLib"
        self.code = code


@functools.lru_cache(maxsize=1)
def js_library() -> str:
    """The source of ``cmlib.js`` (package data next to this module).

    Returns
    -------
    str
        The JavaScript defining ``window.cmLib``.
    """
    return resources.files("conflictmap.dashboard").joinpath("cmlib.js").read_text(encoding="utf-8")


_CSS = """<style>
.leaflet-container{background:#eef0ec}
.cm-pin{display:flex;align-items:center;justify-content:center;width:22px;height:22px;border-radius:50%;
 color:#fff;font-size:11px;border:2px solid #fff;box-shadow:0 0 2px rgba(0,0,0,.6);box-sizing:border-box}
.cm-pin.cm-approx{border:2px dashed #fff;opacity:.85}
.cm-pin.cm-sel{outline:3px solid #ffeb3b}
.cm-pin.cm-upload{border:2px solid #ff9100;box-shadow:0 0 0 2px #ff9100}
.cm-pin.cm-undated{border:2px dotted #9e9e9e;opacity:.75}
.cm-pin.cm-claimed{border:2px dashed #212121;opacity:.8}
.marker-cluster-small,.marker-cluster-medium,.marker-cluster-large{background-color:rgba(69,90,100,.35)!important}
.marker-cluster-small div,.marker-cluster-medium div,.marker-cluster-large div{background-color:rgba(69,90,100,.9)!important;
 color:#fff;font-weight:600}
.cm-town{background:none;border:none;box-shadow:none;color:#37474f;font:600 11px system-ui,sans-serif;
 text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;padding:0}
.cm-town:before{display:none}
.cm-legend details summary{cursor:pointer;font-weight:600}
.cm-legend{max-height:55vh;overflow:auto;max-width:260px}
.cm-legend .cm-lg-h{font-weight:600;margin-top:4px}
.cm-legend .cm-lg-row{display:flex;align-items:center;gap:4px;margin:1px 0}
.cm-legend .cm-lg-sample{flex:0 0 22px;display:flex;justify-content:center}
.cm-legend .cm-pin{width:16px;height:16px;font-size:8px}
.cm-fit{background:#fff;padding:3px 6px;font:12px system-ui,sans-serif;cursor:pointer;border-radius:4px;
 border:2px solid rgba(0,0,0,.2)}
.cm-pop{font:12px/1.35 system-ui,sans-serif;max-width:320px}
.cm-pop .cm-h{font-weight:600;margin-bottom:2px}
.cm-pop .cm-m{color:#555}
.cm-pop blockquote{margin:4px 0;padding:2px 6px;border-left:3px solid #ccc;color:#222;max-height:9em;overflow:auto}
.cm-pop .cm-list{max-height:16em;overflow:auto}
.cm-pop .cm-item{border-top:1px solid #eee;padding-top:3px;margin-top:3px}
.cm-zone-label{background:rgba(255,255,255,.85);border:1px solid #888;font-size:11px;padding:1px 4px}
.cm-legend{background:rgba(255,255,255,.9);padding:4px 6px;font:11px system-ui,sans-serif;border-radius:4px}
.cm-legend i.cm-dot{display:inline-block;width:10px;height:10px;border-radius:50%}
</style>"""


def asset_links(static_dir: Path | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]], bool]:
    """Return the JS and CSS links of the map and whether they are local.

    Parameters
    ----------
    static_dir : pathlib.Path or None
        The app's ``static`` folder; when it holds the vendored files (see
        ``scripts/vendor_assets.py``) the links point at ``/app/static/vendor``,
        otherwise at public CDNs (hosted deployments that only ran ``pip``).

    Returns
    -------
    tuple
        ``(default_js, default_css, local)``.
    """
    vendor = static_dir / "vendor" if static_dir else None
    local = bool(vendor and (vendor / "leaflet" / "leaflet.js").exists()
                 and (vendor / "leaflet.markercluster" / "leaflet.markercluster.js").exists())
    if local:
        p = ASSET_URL_PREFIX
        js = [
            ("leaflet", f"{p}/leaflet/leaflet.js"),
            ("markercluster", f"{p}/leaflet.markercluster/leaflet.markercluster.js"),
        ]
        css = [
            ("leaflet_css", f"{p}/leaflet/leaflet.css"),
            ("markercluster_css", f"{p}/leaflet.markercluster/MarkerCluster.css"),
            ("markercluster_default_css", f"{p}/leaflet.markercluster/MarkerCluster.Default.css"),
            ("fontawesome_css", f"{p}/fontawesome/css/all.min.css"),
        ]
    else:
        js = [
            ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"),
            ("markercluster", "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"),
        ]
        css = [
            ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"),
            ("markercluster_css", "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css"),
            ("markercluster_default_css",
             "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css"),
            ("fontawesome_css", "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.7.2/css/all.min.css"),
        ]
    return js, css, local


def base_map(outline: dict[str, Any] | None, static_dir: Path | None, tiles: bool = True,
             legend: dict[str, Any] | None = None, labels: list[list[Any]] | None = None) -> folium.Map:
    """Build the fixed base map: tiles, country outline, ``cmLib`` and styles.

    Parameters
    ----------
    outline : dict or None
        GeoJSON FeatureCollection of Syria and neighbours (``static/outline.geojson``).
    static_dir : pathlib.Path or None
        The app's static folder (see :func:`asset_links`).
    tiles : bool, optional
        Add the online CARTO / OpenStreetMap tile layers (used when reachable;
        the outline and data still show on a plain background when not).
    legend : dict, optional
        :func:`conflictmap.dashboard.layers.legend_payload` (its ``text`` also holds the
        strings ``cmLib`` shows, in the UI language), drawn as the legend control.
    labels : list, optional
        ``[lon, lat, name]`` of the main towns, drawn as permanent labels (readable offline).

    Returns
    -------
    folium.Map
        The map, with ``default_js`` / ``default_css`` set on this instance
        only (folium's class-wide defaults are left untouched).
    """
    m = folium.Map(location=[35.0, 38.6], zoom_start=7, tiles=None, control_scale=True,
                   prefer_canvas=False, min_zoom=4, max_zoom=18)
    m.fit_bounds([[32.3, 35.6], [37.35, 42.4]])  # Syria, whatever the map's size
    js, css, _local = asset_links(static_dir)
    m.default_js = js
    m.default_css = css
    if tiles:
        folium.TileLayer(
            "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
            attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                 '&copy; <a href="https://carto.com/attributions">CARTO</a>',
            name="CARTO", subdomains="abcd", max_zoom=19,
        ).add_to(m)
    m.get_root().header.add_child(Element(_CSS), name="cm_css")
    _CmLib(js_library()).add_to(m)
    if outline:
        JsLayer("outline", safe_json(outline)).add_to(m)
    if legend:
        JsLayer("texts", safe_json(legend.get("text", {}))).add_to(m)
        JsLayer("legend", safe_json(legend)).add_to(m)
    if labels:
        JsLayer("towns", safe_json(labels)).add_to(m)
    return m


def folium_component_args(m: folium.Map, key: str | None = None, return_on_hover: bool = False) -> dict[str, Any]:
    """What ``streamlit_folium.st_folium(m, key=key)`` derives from the map itself.

    The same steps as ``st_folium`` (render, header/html/script strings, asset
    links, the component key), done once so a fixed base map can be reused by
    every rerun and session; only the data layers (``feature_group``) change.
    ``m`` is rendered (mutated) here: build a fresh map for this call.

    Returns
    -------
    dict
        ``script``, ``header``, ``html``, ``id``, ``key``, ``default`` (all
        st_folium defaults, to be filtered by ``returned_objects``),
        ``css_links``, ``js_links``.
    """
    from conflictmap.dashboard.folium_bridge import js_hash, map_parts

    m.get_root().render()
    m.render()
    parts = map_parts(m)
    html, header, leaflet, m_id = parts["html"], parts["header"], parts["script"], parts["id"]
    try:
        (s, w), (n, e) = m.get_bounds()
    except AttributeError:  # pragma: no cover - folium.Map always has bounds
        (s, w), (n, e) = (None, None), (None, None)
    defaults = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
        "zoom": m.options.get("zoom") if hasattr(m, "options") else {},
        "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None, "selected_tags": None,
        "last_geocoder_result": None,
    }
    css: list[str] = []
    js: list[str] = []

    def walk(el: Any) -> Any:
        if isinstance(el, folium.elements.JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    for el in walk(m):
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
    return {"script": leaflet, "header": header, "html": html, "id": m_id,
            "key": js_hash(leaflet, key, return_on_hover), "default": defaults,
            "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js))}
