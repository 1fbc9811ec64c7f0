"""The dashboard's message catalogue: every label, empty state and error in French and English.

One table, :data:`MESSAGES` (key → ``(French, English)``), read through :func:`t`; the language
comes from the ``lang`` URL parameter, else the browser's, else ``CONFLICTMAP_LANG`` (see
:func:`pick_lang`). Code labels (categories, sub-types, sides, precisions, layers) have their own
small tables so exports can put a label beside each code. No Streamlit here.
"""

from __future__ import annotations

from datetime import date

#: Supported UI languages; the first is the default.
LANGS: tuple[str, ...] = ("fr", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # sidebar
    "app_title": ("ConflictMap — Syrie", "ConflictMap — Syria"),
    "language": ("Langue", "Language"),
    "time_window": ("Fenêtre de temps", "Time window"),
    "date_from": ("Du", "From"),
    "date_to": ("Au", "To"),
    "play_step": ("Pas de la lecture", "Playback step"),
    "play": ("▶ Lecture (anime la carte)", "▶ Play (animates the map)"),
    "play_help": ("Fait avancer la fenêtre d'un pas à la fois jusqu'à la fin des données ; si la fenêtre couvre "
                  "toute la période, la lecture repart du début.",
                  "Moves the window one step at a time to the end of the data; when the window covers the whole "
                  "period, playback starts from the beginning."),
    "cumulative": ("Cumulatif (garde le début fixe)", "Cumulative (keep the start fixed)"),
    "step_back": ("◀ un pas", "◀ one step"),
    "step_fwd": ("un pas ▶", "one step ▶"),
    "actors": ("Acteurs", "Actors"),
    "categories": ("Catégories", "Categories"),
    "types": ("Types", "Types"),
    "place_precision": ("Précision du lieu", "Place precision"),
    "search": ("Recherche (citations, lieux, acteurs)", "Search (quotes, places, actors)"),
    "search_ph": ("ex. Alep, Deir Ezzor, frappe…", "e.g. Aleppo, Deir Ezzor, strike…"),
    "place": ("Lieu", "Place"),
    "layers": ("Couches", "Layers"),
    "reset": ("Réinitialiser la vue", "Reset the view"),
    "all_m": ("Tous", "All"),
    "all_f": ("Toutes", "All"),
    "all_places": ("Tous les lieux", "All places"),
    "show_undated": ("Afficher aussi les événements non datés", "Also show undated events"),
    "modality": ("Statut de l'information", "Status of the report"),
    "modality_help": ("Par défaut : faits affirmés et revendiqués ; ajoutez les autres (démentis, hypothèses…) "
                      "si besoin.", "Default: asserted and claimed facts; add the others (denied, "
                      "hypothetical…) if needed."),
    "mine_only": ("Mes articles seulement", "My articles only"),
    "speed": ("Vitesse de lecture", "Playback speed"),
    "speed_slow": ("lente", "slow"),
    "speed_normal": ("normale", "normal"),
    "speed_fast": ("rapide", "fast"),
    "undated_list": ("Voir les {n} événements non datés", "See the {n} undated events"),
    "no_results": ("Aucun résultat", "No results"),
    # data caption
    "data_caption": ("{n_events} événements tirés de {n_articles} articles, {period} · jeu de données construit "
                     "le {built}", "{n_events} events from {n_articles} articles, {period} · dataset built on "
                     "{built}"),
    "data_caption_upload": ("+ {n} événement(s) issus de vos articles (cette session seulement)",
                            "+ {n} event(s) from your articles (this session only)"),
    "period": ("du {a} au {b}", "{a} to {b}"),
    "no_period": ("sans date", "undated"),
    # counts
    "shown_of": ("{shown} événements sur {total} affichés", "{shown} of {total} events shown"),
    "undated_n": ("{n} non daté(s)", "{n} undated"),
    "undated_hidden": ("{n} non daté(s), masqué(s) — cochez « Afficher aussi les événements non datés »",
                       "{n} undated, hidden — tick “Also show undated events”"),
    "undated_shown": ("{n} non daté(s) inclus (contour pointillé gris)", "{n} undated included (grey dotted ring)"),
    "excluded_modality": ("{n} démenti(s) ou hypothétique(s) masqué(s)", "{n} denied or hypothetical hidden"),
    "window_caption": ("Du {a} au {b}", "From {a} to {b}"),
    "metric_events": ("Événements", "Events"),
    "metric_zones": ("Zones actives", "Active zones"),
    # map
    "aggregated": ("Plus de {n} points : les lieux précis sont regroupés en mailles de {deg}° (cliquez une maille, "
                   "ou filtrez / réduisez la fenêtre pour voir chaque point).",
                   "More than {n} points: precise places are grouped in {deg}° cells (click a cell, or filter / "
                   "narrow the window to see each point)."),
    "map_hint": ("Cliquez un point pour lire sa source ; les nombres sont des groupes d'événements "
                 "(cliquez pour déplier).", "Click a point to read its source; numbers are groups of events "
                 "(click to unfold)."),
    # reader / provenance
    "reader": ("Source de l'événement", "Source of the event"),
    "reader_empty": ("Cliquez un point de la carte ou une ligne du tableau pour lire l'article source.",
                     "Click a point on the map or a row of the table to read the source article."),
    "close": ("Fermer", "Close"),
    "stack_n": ("{n} événements à cet endroit ; choisissez-en un :", "{n} events at this spot; choose one:"),
    "outlet": ("Média", "Outlet"),
    "unknown_outlet": ("média inconnu", "unknown outlet"),
    "published": ("Publié le", "Published"),
    "published_inferred": ("date de publication déduite (absente de l'article : tirée de la date la plus récente "
                           "qu'il cite)", "publication date inferred (missing from the article: taken from the "
                           "latest date it mentions)"),
    "original": ("article original ↗", "original article ↗"),
    "what": ("Quoi", "What"),
    "when": ("Quand", "When"),
    "where": ("Où", "Where"),
    "who": ("Acteurs", "Actors"),
    "control": ("Contrôle", "Control"),
    "status": ("Statut", "Status"),
    "confidence": ("Confiance", "Confidence"),
    "min_confidence": ("Confiance minimale", "Minimum confidence"),
    "claimed_unconfirmed": ("revendiqué, non confirmé", "claimed, unconfirmed"),
    "min_confidence_help": ("Indice 0–1 des éléments qui fondent l'événement : acteur nommé, date propre à la phrase, "
                            "lieu précis, fait affirmé (un fait revendiqué et non confirmé compte moins).",
                            "0–1 score of the evidence behind the event: a named actor, a date of its own, a precise "
                            "place, an asserted fact (a claimed, unconfirmed fact counts less)."),
    "sources_n": ("Sources ({n})", "Sources ({n})"),
    "geonames_name": ("nom dans le gazetteer : {name} ({pid})", "gazetteer name: {name} ({pid})"),
    "date_inferred_words": ("date déduite du contexte (l'article ne la donne pas pour cet événement)",
                            "date inferred from context (the article does not give it for this event)"),
    "undated": ("non daté", "undated"),
    "article_missing": ("Article {aid} absent des données.", "Article {aid} is not in the data."),
    "uploaded_mark": ("issu de vos articles (cette session)", "from your articles (this session)"),
    "role_actor1": ("auteur", "acting"),
    "role_actor2": ("cible", "target"),
    "role_other": ("cité", "mentioned"),
    "precision_words": ("précision : {p}", "precision: {p}"),
    # tabs
    "tab_events": ("Événements", "Events"),
    "tab_timeline": ("Chronologie", "Timeline"),
    "tab_export": ("Exporter", "Export"),
    "tab_about": ("À propos", "About"),
    "table_more": ("{n} événements les plus récents sur {total} — filtrez ou exportez pour le reste.",
                   "{n} most recent events of {total} — filter or export for the rest."),
    "no_events": ("Aucun événement dans la vue.", "No events in the view."),
    "timeline_hint": ("Sélectionnez une période sur le graphique (glisser) pour régler la fenêtre.",
                      "Select a period on the chart (drag) to set the window."),
    "week": ("Semaine", "Week"),
    "events": ("Événements", "Events"),
    "category": ("Catégorie", "Category"),
    "export_caption": ("{n} événement(s) de la vue courante (filtres et fenêtre appliqués ; les non datés ont une "
                       "date vide).", "{n} event(s) of the current view (filters and window applied; undated "
                       "ones have an empty date)."),
    # uploads
    "upload_title": ("Ajouter vos articles", "Add your articles"),
    "upload_limits": ("Fichiers .txt, .md ou .html, {n} au plus, {mb} Mo chacun. Analysés pour cette session "
                      "seulement ; les données partagées ne sont pas modifiées.",
                      "Files .txt, .md or .html, at most {n}, {mb} MB each. Analysed for this session only; "
                      "the shared data is not changed."),
    "upload_files": ("Articles", "Articles"),
    "analyse": ("Analyser", "Analyse"),
    "remove_uploads": ("Retirer mes articles", "Remove my articles"),
    "uploads_added": ("{a} article(s) analysé(s), {e} événement(s) ajouté(s).",
                      "{a} article(s) analysed, {e} event(s) added."),
    "analysing": ("Analyse des articles…", "Analysing the articles…"),
    "upload_unavailable": ("L'analyse d'articles n'est pas disponible dans cette installation (module "
                           "conflictmap.extract.pipeline ou modèle spaCy absent).",
                           "Article analysis is not available in this installation (module "
                           "conflictmap.extract.pipeline or the spaCy model is missing)."),
    "upload_failed": ("Échec de l'analyse : {err}", "Analysis failed: {err}"),
    "upload_bad_type": ("{name} : type de fichier refusé (.{ext}) — formats acceptés : .txt, .md, .html.",
                        "{name}: file type refused (.{ext}) — accepted: .txt, .md, .html."),
    "upload_too_big": ("{name} : fichier trop volumineux ({size:.1f} Mo > {mb} Mo).",
                       "{name}: file too large ({size:.1f} MB > {mb} MB)."),
    "upload_empty": ("{name} : fichier vide.", "{name}: empty file."),
    "upload_too_many": ("{name} : ignoré — au plus {n} fichiers par envoi.",
                        "{name}: ignored — at most {n} files per upload."),
    # data errors
    "make_data": ("Générez les données avec `make data`, ou définissez `CONFLICTMAP_DATA` vers un dossier produit "
                  "par `conflictmap ingest … --out DOSSIER`.", "Build the data with `make data`, or point "
                  "`CONFLICTMAP_DATA` at a folder written by `conflictmap ingest … --out FOLDER`."),
    "demo_button": ("Afficher des données synthétiques de démonstration", "Show synthetic demonstration data"),
    "loading": ("Chargement des données…", "Loading the data…"),
    # URL notices
    "url_event": ("Le lien partagé nomme un événement absent des données : {v} (ignoré).",
                  "The shared link names an event that is not in the data: {v} (ignored)."),
    "url_article": ("Le lien partagé nomme un article absent des données : {v} (ignoré).",
                    "The shared link names an article that is not in the data: {v} (ignored)."),
    "url_place": ("Le lien partagé nomme un lieu absent des données : {v} (ignoré).",
                  "The shared link names a place that is not in the data: {v} (ignored)."),
    # legend
    "lg_sides": ("Camp de l'acteur (couleur du point)", "Actor's side (dot colour)"),
    "lg_types": ("Type d'événement (icône)", "Event type (icon)"),
    "lg_marks": ("Formes", "Shapes"),
    "lg_precise": ("lieu précis (trait plein)", "precise place (solid border)"),
    "lg_near": ("près d'un lieu (bord pointillé)", "near a place (dashed border)"),
    "lg_area": ("événement situé à l'échelle d'une région ou du pays (cercle ou contour pointillé)",
                "event located at region or country level (dashed circle or outline)"),
    "lg_ring": ("qui tient le lieu à la fin de la fenêtre (anneau à la couleur du camp)",
                "who holds the place at the end of the window (ring in the side's colour)"),
    "lg_zone": ("zone de désescalade (violet clair ; pointillé : contour approximatif)",
                "de-escalation zone (light violet; dotted: approximate outline)"),
    "lg_cluster": ("groupe d'événements proches (nombre ; cliquez pour déplier)",
                   "group of nearby events (count; click to unfold)"),
    "lg_upload": ("issu de vos articles (bord orange)", "from your articles (orange border)"),
    "lg_undated": ("non daté (contour gris pointillé)", "undated (grey dotted outline)"),
    "lg_claimed": ("revendiqué, non confirmé (contour noir en tirets)", "claimed, unconfirmed (black dashed outline)"),
    "lg_selected": ("événement sélectionné (anneau jaune)", "selected event (yellow ring)"),
    "lg_title": ("Légende", "Legend"),
    "fit": ("Ajuster aux résultats", "Fit to results"),
    # about
    "about_data": ("Données affichées : {version}.", "Data shown: {version}."),
    "about_perf": ("Carte : {bytes} octets de couches, construites en {s} s.",
                   "Map: {bytes} bytes of layers, built in {s} s."),
}

#: Category code → (French, English).
CATEGORIES: dict[str, tuple[str, str]] = {
    "incident": ("Incident", "Incident"),
    "control_change": ("Changement de contrôle", "Change of control"),
    "deescalation": ("Désescalade", "De-escalation"),
}
#: Actor side → (French, English).
SIDES: dict[str, tuple[str, str]] = {
    "government": ("gouvernement", "government"),
    "pro_government": ("pro-gouvernement", "pro-government"),
    "opposition": ("opposition", "opposition"),
    "jihadist": ("jihadiste", "jihadist"),
    "kurdish": ("kurde", "Kurdish"),
    "foreign_state": ("État étranger", "foreign state"),
    "coalition": ("coalition", "coalition"),
    "civilian": ("civils", "civilians"),
    "unknown": ("inconnu", "unknown"),
}
#: Place precision (geo_precision 1–4) → (French, English).
PLACE_PRECISIONS: dict[int, tuple[str, str]] = {
    1: ("lieu précis", "precise place"),
    2: ("près d'un lieu", "near a place"),
    3: ("gouvernorat / région", "governorate / region"),
    4: ("pays", "country"),
}
#: Date precision → (French, English).
DATE_PRECISIONS: dict[str, tuple[str, str]] = {
    "day": ("au jour près", "to the day"),
    "week": ("à la semaine près", "to the week"),
    "month": ("au mois près", "to the month"),
    "year": ("à l'année près", "to the year"),
}
#: Playback steps → (French, English).
STEP_LABELS: dict[str, tuple[str, str]] = {"day": ("jour", "day"), "week": ("semaine", "week"),
                                           "month": ("mois", "month")}
#: Map layers → (French, English).
LAYER_LABELS: dict[str, tuple[str, str]] = {
    "zones": ("Zones de désescalade", "De-escalation zones"),
    "events": ("Incidents", "Incidents"),
    "control": ("Changements de contrôle", "Changes of control"),
    "held": ("Qui tient quoi (à la fin de la fenêtre)", "Who holds what (at the end of the window)"),
}
#: Modality (how the article presents the event; events engineer's column) → (French, English).
MODALITIES: dict[str, tuple[str, str]] = {
    "asserted": ("affirmé", "asserted"),
    "claimed": ("revendiqué / selon une source", "claimed / attributed"),
    "reported": ("rapporté", "reported"),
    "denied": ("démenti", "denied"),
    "hypothetical": ("hypothétique", "hypothetical"),
    "planned": ("annoncé / prévu", "announced / planned"),
    "negated": ("nié", "negated"),
    "uncertain": ("incertain", "uncertain"),
}
#: Shown by default when the data has a ``modality`` column.
DEFAULT_MODALITIES: tuple[str, ...] = ("asserted", "claimed")

#: English labels of sub-types (French ones: :func:`conflictmap.dashboard.state.sub_label`).
_SUB_EN: dict[str, str] = {
    "air_strike": "Air strike", "air_drone_strike": "Air / drone strike", "armed_clash": "Armed clash",
    "shelling": "Shelling", "shelling_artillery_missile_attack": "Shelling / artillery / missile attack",
    "remote_explosive": "Explosive device", "remote_explosive_landmine_ied": "Explosive device / landmine / IED",
    "suicide_bomb": "Suicide bombing", "attack_on_civilians": "Attack on civilians",
    "abduction_forced_disappearance": "Abduction / forced disappearance", "deescalation_zone": "De-escalation zone",
    "evacuation_agreement": "Evacuation agreement", "peaceful_protest": "Peaceful protest",
    "chemical_weapon": "Chemical weapon", "ceasefire / truce": "Ceasefire / truce",
    "de-escalation zone established / maintained": "De-escalation zone (established / maintained)",
    "agreement or talks on de-escalation": "Agreement or talks on de-escalation",
}

_MONTHS: dict[str, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


class UnknownMessageError(KeyError):
    """A message key that is not in :data:`MESSAGES`."""


def norm_lang(value: object, default: str = LANGS[0]) -> str:
    """``"fr"`` or ``"en"`` from a language tag such as ``"en-GB"`` (else ``default``).

    Parameters
    ----------
    value : object
        ``"en"``, ``"en-US"``, ``"fr_FR"``…; anything else gives ``default``.
    default : str, optional

    Returns
    -------
    str
    """
    if isinstance(value, str) and value:
        head = value.strip().lower().replace("_", "-").split("-")[0]
        if head in LANGS:
            return head
    return default if default in LANGS else LANGS[0]


def pick_lang(url_value: object, browser_locale: object, setting: object) -> str:
    """The UI language: the ``lang`` URL parameter, else the browser's, else the setting, else French."""
    for v in (url_value, browser_locale, setting):
        if isinstance(v, str) and v.strip().lower().replace("_", "-").split("-")[0] in LANGS:
            return norm_lang(v)
    return LANGS[0]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def t(key: str, lang: str = "fr", **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``.

    Raises
    ------
    UnknownMessageError
        When ``key`` is not in :data:`MESSAGES` (a typo in the code, caught by the tests).
    """
    try:
        text = _pick(MESSAGES[key], lang)
    except KeyError:
        raise UnknownMessageError(f"no message {key!r} in conflictmap.dashboard.i18n.MESSAGES; add it "
                                  "with its French and English text") from None
    return text.format(**kwargs) if kwargs else text


def category_label(code: str, lang: str = "fr") -> str:
    """Readable label of a category code."""
    pair = CATEGORIES.get(str(code))
    return _pick(pair, lang) if pair else str(code)


def side_label(side: str, lang: str = "fr") -> str:
    """Readable label of an actor side."""
    return _pick(SIDES.get(str(side), SIDES["unknown"]), lang)


def precision_label(p: int, lang: str = "fr") -> str:
    """Readable label of a place precision 1–4."""
    pair = PLACE_PRECISIONS.get(int(p)) if str(p).lstrip("-").isdigit() else None
    return _pick(pair, lang) if pair else str(p)


def date_precision_label(p: str, lang: str = "fr") -> str:
    """Readable label of a date precision (``day``…)."""
    pair = DATE_PRECISIONS.get(str(p))
    return _pick(pair, lang) if pair else str(p or "")


def layer_label(key: str, lang: str = "fr") -> str:
    """Readable label of a map layer."""
    pair = LAYER_LABELS.get(key)
    return _pick(pair, lang) if pair else key


def step_label(key: str, lang: str = "fr") -> str:
    """Readable label of a playback step."""
    pair = STEP_LABELS.get(key)
    return _pick(pair, lang) if pair else key


def modality_label(key: str, lang: str = "fr") -> str:
    """Readable label of a modality (the events' ``modality`` column)."""
    pair = MODALITIES.get(str(key))
    return _pick(pair, lang) if pair else str(key or "")


def sub_type_label(code: str, lang: str = "fr") -> str:
    """Readable label of a sub-type in ``lang``."""
    from conflictmap.dashboard.state import sub_label

    if lang != "en":
        return sub_label(code)
    s = str(code or "")
    return _SUB_EN.get(s, s.replace("_", " ").strip().capitalize() or "—")


def fmt_date(d: date | None, lang: str = "fr", day: bool = True) -> str:
    """``3 mars 2018`` / ``3 March 2018`` (``mars 2018`` / ``March 2018`` with ``day=False``)."""
    if d is None:
        return t("undated", lang)
    month = _MONTHS["en" if lang == "en" else "fr"][d.month - 1]
    if not day:
        return f"{month} {d.year}"
    return f"{'1er' if d.day == 1 else d.day} {month} {d.year}" if lang != "en" else f"{d.day} {month} {d.year}"


def month_names(lang: str = "fr") -> tuple[str, ...]:
    """The twelve month names in ``lang``."""
    return _MONTHS["en" if lang == "en" else "fr"]


def js_texts(lang: str = "fr") -> dict[str, object]:
    """The strings ``cmlib.js`` shows (popups, tooltips, legend), in ``lang``."""
    fr = lang != "en"
    return {
        "date": "Date" if fr else "Date", "place": "Lieu" if fr else "Place", "actors": t("who", lang),
        "control": t("control", lang), "takes": "prend" if fr else "takes", "from": "à" if fr else "from",
        "source": "Source" if fr else "Source", "unknown": "inconnue" if fr else "unknown",
        "original": t("original", lang),
        "read_beside": "cliquez le point pour lire sa source à côté de la carte" if fr
        else "click the point to read its source beside the map",
        "article": "Article", "precision": "précision" if fr else "precision",
        "events_n": "événement(s)" if fr else "event(s)",
        "area_at": "localisé(s) à l'échelle" if fr else "located at the scale of",
        "of_country": "du pays" if fr else "the country", "of_region": "du gouvernorat / de la région" if fr
        else "the governorate / region", "most_recent": "les {n} plus récents" if fr else "the {n} most recent",
        "approx_outline": "contour approximatif" if fr else "approximate outline",
        "validity": "Validité" if fr else "Valid", "open": "ouverte" if fr else "open",
        "parties": "Parties" if fr else "Parties", "outline": "Tracé" if fr else "Outline",
        "approx": "approximatif" if fr else "approximate", "held_by": "Tenu par" if fr else "Held by",
        "since": "Depuis" if fr else "Since", "before": "Auparavant" if fr else "Before",
        "cell": ("{n} événements dans cette maille ({d}°) — incidents {i}, contrôle {c}, désescalade {e}. "
                 "Zoomez ou filtrez pour voir chaque point.") if fr else
        ("{n} events in this cell ({d}°) — incidents {i}, control {c}, de-escalation {e}. "
         "Zoom in or filter to see each point."),
        "n_events_here": "{n} événements ici" if fr else "{n} events here",
        "legend": t("lg_title", lang), "fit": t("fit", lang), "uploaded": t("uploaded_mark", lang),
        "undated": t("undated", lang),
        "status": t("status", lang), "claimed": t("claimed_unconfirmed", lang), "confidence": t("confidence", lang),
        "lang_prec": {str(k): _pick(v, lang) for k, v in PLACE_PRECISIONS.items()},
        "lang_dprec": {k: _pick(v, lang) for k, v in DATE_PRECISIONS.items()},
        "lang_cat": {k: _pick(v, lang) for k, v in CATEGORIES.items()},
    }
