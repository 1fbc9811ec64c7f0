"""View state of the dashboard: every filter and the time window, and their URL encoding.

:class:`ViewState` is immutable; :func:`state_to_query` / :func:`state_from_query`
put it in the page URL (so a view can be shared), :func:`step_window` moves the
time window by a day or a week. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: Toggleable map layers, in drawing order.
LAYERS: dict[str, str] = {
    "zones": "Zones de désescalade",
    "events": "Incidents",
    "control": "Changements de contrôle",
    "held": "Qui tient quoi (à la fin de la fenêtre)",
}
DEFAULT_LAYERS: tuple[str, ...] = tuple(LAYERS)
PRECISIONS: dict[int, str] = {1: "1 – lieu précis", 2: "2 – près d'un lieu", 3: "3 – gouvernorat / région", 4: "4 – pays"}
CATEGORY_LABELS: dict[str, str] = {"incident": "Incident", "control_change": "Changement de contrôle",
                                   "deescalation": "Désescalade"}
STEPS: dict[str, int] = {"day": 1, "week": 7, "month": 31}  # days (a month step moves by calendar month)
#: Playback delay between steps (seconds) for each speed.
SPEEDS: dict[str, float] = {"slow": 1.6, "normal": 0.8, "fast": 0.3}
PLAY_DELAY_S = 0.8

_SUB_LABELS: dict[str, str] = {
    "air/drone strike": "Frappe aérienne / de drone", "armed clash": "Affrontements armés",
    "government regains territory": "Reprise par le gouvernement",
    "non-state actor overtakes territory": "Prise par un acteur non étatique",
    "non-violent transfer of territory": "Transfert non violent", "ceasefire / truce": "Cessez-le-feu / trêve",
    "de-escalation zone established / maintained": "Zone de désescalade (création / maintien)",
    "agreement or talks on de-escalation": "Accord ou pourparlers de désescalade", "evacuation": "Évacuation",
    "armed_clash": "Affrontements armés", "air_strike": "Frappe aérienne", "air_drone_strike": "Frappe aérienne/drone",
    "shelling": "Bombardement d'artillerie", "shelling_artillery_missile_attack": "Tirs d'artillerie / missiles",
    "remote_explosive": "Engin explosif", "remote_explosive_landmine_ied": "Engin explosif / mine",
    "suicide_bomb": "Attentat-suicide", "attack_on_civilians": "Attaque contre des civils", "attack": "Attaque",
    "abduction": "Enlèvement", "abduction_forced_disappearance": "Enlèvement / disparition forcée",
    "government_regains_territory": "Reprise par le gouvernement",
    "non_state_actor_overtakes_territory": "Prise par un acteur non étatique",
    "non_violent_transfer_of_territory": "Transfert non violent", "ceasefire": "Cessez-le-feu",
    "deescalation_zone": "Zone de désescalade", "evacuation_agreement": "Accord d'évacuation",
    "agreement": "Accord", "peaceful_protest": "Manifestation pacifique", "protest": "Manifestation",
    "chemical_weapon": "Arme chimique",
}


def sub_label(sub_type: str) -> str:
    """Readable French label of a sub-type (falls back to the id with spaces)."""
    s = str(sub_type or "")
    return _SUB_LABELS.get(s, s.replace("_", " ").strip().capitalize() or "—")


# --------------------------------------------------------------------------- view state and URL


@dataclass(frozen=True)
class ViewState:
    """Everything that defines a view; hashable so it can key caches.

    ``start``/``end`` ``None`` mean the whole span of the data. Empty tuples
    mean "no filter".
    """

    start: date | None = None
    end: date | None = None
    actors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sub_types: tuple[str, ...] = ()
    precisions: tuple[int, ...] = ()
    query: str = ""
    place: str = ""
    layers: tuple[str, ...] = DEFAULT_LAYERS
    step: str = "week"
    event: str = ""
    article: str = ""
    lang: str = "fr"
    #: Undated events are shown too (a distinct style); they are never silently dropped from counts.
    undated: bool = False
    #: Playback keeps the start fixed (cumulative window).
    cumulative: bool = False
    #: Modalities shown (empty: the default, asserted + claimed) when the data has a ``modality`` column.
    modalities: tuple[str, ...] = ()
    #: Events below this confidence (0–1, evidence used: actor, own date, precise place, asserted) are hidden.
    min_confidence: float = 0.0
    #: Only the events of this session's uploaded articles.
    mine: bool = False
    #: Map centre (lat, lon) and zoom, when the user moved the map.
    center: tuple[float, float] | None = None
    zoom: int | None = None


def _split(v: str | Sequence[str] | None) -> list[str]:
    if v is None:
        return []
    items = [v] if isinstance(v, str) else list(v)
    out: list[str] = []
    for it in items:
        out.extend(p.strip() for p in str(it).split(",") if p.strip())
    return list(dict.fromkeys(out))


def _first(v: str | Sequence[str] | None) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    v = list(v)
    return str(v[-1]) if v else ""


def _parse_date(s: str) -> date | None:
    try:
        return date.fromisoformat(s.strip()[:10]) if s else None
    except ValueError:
        return None


def state_to_query(state: ViewState, span: tuple[date, date] | None = None) -> dict[str, str]:
    """Encode a view as URL query parameters (defaults are left out).

    Parameters
    ----------
    state : ViewState
    span : tuple of date, optional
        The data span; a window equal to it is not written.

    Returns
    -------
    dict
        ``{"from": "2017-01-01", "actor": "russia,turkey", ...}``.
    """
    q: dict[str, str] = {}
    if state.start and (span is None or state.start != span[0]):
        q["from"] = state.start.isoformat()
    if state.end and (span is None or state.end != span[1]):
        q["to"] = state.end.isoformat()
    for key, vals in (("actor", state.actors), ("cat", state.categories), ("sub", state.sub_types)):
        if vals:
            q[key] = ",".join(vals)
    if state.precisions:
        q["prec"] = ",".join(str(p) for p in state.precisions)
    if state.query:
        q["q"] = state.query
    if state.place:
        q["place"] = state.place
    if tuple(state.layers) != DEFAULT_LAYERS:
        q["layers"] = ",".join(state.layers) if state.layers else "none"
    if state.step != "week":
        q["step"] = state.step
    if state.event:
        q["event"] = state.event
    if state.article:
        q["article"] = state.article
    if state.lang != "fr":
        q["lang"] = state.lang
    if state.undated:
        q["undated"] = "1"
    if state.cumulative:
        q["cumul"] = "1"
    if state.modalities:
        q["mod"] = ",".join(state.modalities)
    if state.mine:
        q["mine"] = "1"
    if state.min_confidence > 0:
        q["conf"] = f"{state.min_confidence:.2f}"
    if state.center is not None and state.zoom is not None:
        q["c"] = f"{state.center[0]:.4f},{state.center[1]:.4f}"
        q["z"] = str(int(state.zoom))
    return q


def _center(v: str) -> tuple[float, float] | None:
    try:
        lat, lon = (float(x) for x in v.split(","))
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return (round(lat, 4), round(lon, 4))
    return None


def state_from_query(params: Mapping[str, str | Sequence[str]], span: tuple[date, date] | None = None,
                     actors: Iterable[str] | None = None, categories: Iterable[str] | None = None,
                     sub_types: Iterable[str] | None = None, places: Iterable[str] | None = None) -> ViewState:
    """Decode URL query parameters into a :class:`ViewState`.

    Unknown or malformed values are dropped (never an error): a shared link
    from an older data version still opens.

    Parameters
    ----------
    params : mapping
        Query parameters (values may be strings or lists of strings).
    span : tuple of date, optional
        Data span used to clamp the window.
    actors, categories, sub_types, places : iterable of str, optional
        Allowed values; when given, others are dropped.

    Returns
    -------
    ViewState
    """
    def allowed(vals: list[str], ok: Iterable[str] | None) -> tuple[str, ...]:
        if ok is None:
            return tuple(vals)
        okset = set(ok)
        return tuple(v for v in vals if v in okset)

    start = _parse_date(_first(params.get("from")))
    end = _parse_date(_first(params.get("to")))
    if span is not None:
        lo, hi = span
        start = min(max(start, lo), hi) if start else None
        end = min(max(end, lo), hi) if end else None
    if start and end and start > end:
        start, end = end, start
    precs = tuple(int(p) for p in _split(params.get("prec")) if p.isdigit() and 1 <= int(p) <= 4)
    layers_raw = _first(params.get("layers"))
    if not layers_raw:
        layers = DEFAULT_LAYERS
    elif layers_raw == "none":
        layers = ()
    else:
        layers = tuple(v for v in _split(layers_raw) if v in LAYERS)
    place = _first(params.get("place"))
    if places is not None and place not in set(places):
        place = ""
    step = _first(params.get("step"))
    center = _center(_first(params.get("c")))
    z = _first(params.get("z"))
    zoom = int(z) if z.isdigit() and 2 <= int(z) <= 18 else None
    lang = _first(params.get("lang")).lower()[:2]
    mods = tuple(m for m in _split(params.get("mod")) if m.isidentifier())[:12]
    try:
        min_conf = min(max(float(_first(params.get("conf")) or 0.0), 0.0), 1.0)
    except ValueError:
        min_conf = 0.0
    if min_conf != min_conf:  # NaN
        min_conf = 0.0
    return ViewState(
        start=start, end=end,
        actors=allowed(_split(params.get("actor")), actors),
        categories=allowed(_split(params.get("cat")), categories),
        sub_types=allowed(_split(params.get("sub")), sub_types),
        precisions=precs,
        query=_first(params.get("q"))[:200],
        place=place,
        layers=layers,
        step=step if step in STEPS else "week",
        event=_first(params.get("event"))[:200],
        article=_first(params.get("article"))[:200],
        lang=lang if lang in ("fr", "en") else "fr",
        undated=_first(params.get("undated")) == "1",
        cumulative=_first(params.get("cumul")) == "1",
        modalities=mods,
        min_confidence=min_conf,
        mine=_first(params.get("mine")) == "1",
        center=center if zoom is not None else None,
        zoom=zoom if center is not None else None,
    )


def _add_months(d: date, k: int) -> date:
    i = d.year * 12 + d.month - 1 + k
    y, m = divmod(i, 12)
    m += 1
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return min(d.replace(year=y, month=m, day=1) + timedelta(days=d.day - 1), nxt - timedelta(days=1))


def _shift(d: date, step: str, k: int) -> date:
    if step == "month":
        return _add_months(d, k)
    return d + timedelta(days=STEPS.get(step, 7) * k)


def step_window(start: date, end: date, step: str, span: tuple[date, date], cumulative: bool = False,
                backward: bool = False) -> tuple[date, date] | None:
    """Move the window one step (the play control and the step buttons).

    Parameters
    ----------
    start, end : date
        Current window.
    step : str
        ``"day"``, ``"week"`` or ``"month"`` (calendar months).
    span : tuple of date
        Data span.
    cumulative : bool, optional
        Keep ``start`` and move only the end.
    backward : bool, optional
        Step back instead of forward.

    Returns
    -------
    tuple of date or None
        The next window (same width unless cumulative), or ``None`` when the end (or the start,
        going back) of the data is reached.
    """
    if backward:
        if (end <= start if cumulative else start <= span[0]):
            return None
        new_end = max(_shift(end, step, -1), start if cumulative else span[0])
        if cumulative:
            return (start, new_end)
        new_start = max(_shift(start, step, -1), span[0])
        return (new_start, new_start + (end - start))
    if end >= span[1]:
        return None
    new_end = min(_shift(end, step, 1), span[1])
    return (start, new_end) if cumulative else (start + (new_end - end), new_end)


def play_start(start: date, end: date, step: str, span: tuple[date, date],
               cumulative: bool = False) -> tuple[date, date]:
    """The window Play starts from: the current one, or the beginning of the data when there is nothing left.

    When the window covers the whole span, or already ends at the end of the data, playback restarts
    at the first day with a window of one step (cumulative) or of the current width (at most a
    eighth of the span, at least one step).

    Returns
    -------
    tuple of date
    """
    if end < span[1] and not (start <= span[0] and end >= span[1]):
        return (start, end)
    first_end = min(_shift(span[0], step, 1), span[1])
    if cumulative:
        return (span[0], first_end)
    width = min(end - start, (span[1] - span[0]) / 8)
    width = max(width, first_end - span[0])
    return (span[0], min(span[0] + width, span[1]))
