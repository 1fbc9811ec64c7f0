"""The "About" tab: how the data is made (method), the codebook, and the sources with counts.

The method text is the project's own (Markdown); everything that comes from the data (outlet
names, article titles) is shown in tables, which Streamlit renders as plain text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from conflictmap.dashboard.data import Bundle
from conflictmap.dashboard.i18n import (
    CATEGORIES,
    DATE_PRECISIONS,
    MODALITIES,
    PLACE_PRECISIONS,
    category_label,
    sub_type_label,
    t,
)

METHOD: dict[str, str] = {
    "fr": """
**Méthode.** ConflictMap lit des articles de presse en français sur la guerre en Syrie et en tire des
*événements* : qui a fait quoi, où et quand, avec la phrase qui le dit.

1. **Lecture** des articles (texte, Markdown, HTML, CSV, JSONL) : titre, média, date de publication
   (déduite de la date la plus récente citée quand l'article n'en donne pas), texte nettoyé.
2. **Lieux** : le modèle spaCy `fr_core_news_sm` repère les noms propres ; chaque nom est cherché dans un
   gazetteer hors ligne (GeoNames + une liste de lieux vérifiés à la main) en tenant compte des
   translittérations françaises et anglaises ; « Moscou a annoncé… » désigne un acteur, pas un lieu.
3. **Événements** : des règles sur la phrase (déclencheurs comme *frappe*, *reprise*, *cessez-le-feu*,
   acteurs du lexique, lieu et date du contexte) donnent la catégorie, le type, les acteurs et, pour un
   changement de contrôle, qui tenait le lieu avant et après. Les rapports d'un même fait par plusieurs
   articles sont fusionnés (toutes les sources restent listées).
4. **Précision** : chaque lieu et chaque date disent à quelle échelle ils sont connus (voir le codebook) ;
   un événement situé à l'échelle d'une région est dessiné comme une zone, pas comme un point.

Rien n'est vérifié par une personne : chaque point renvoie à la phrase qui le fonde — lisez-la.
""",
    "en": """
**Method.** ConflictMap reads French news articles about the war in Syria and extracts *events*: who
did what, where and when, with the sentence that says so.

1. **Reading** the articles (text, Markdown, HTML, CSV, JSONL): title, outlet, publication date
   (inferred from the latest date mentioned when the article gives none), cleaned text.
2. **Places**: the spaCy model `fr_core_news_sm` finds proper names; each is looked up in an offline
   gazetteer (GeoNames + a hand-checked list) allowing for French and English transliterations;
   "Moscow announced…" names an actor, not a place.
3. **Events**: rules on the sentence (triggers such as *strike*, *recapture*, *ceasefire*, actors from
   the lexicon, place and date from the context) give the category, the type, the actors and, for a
   change of control, who held the place before and after. Reports of the same fact by several
   articles are merged (every source stays listed).
4. **Precision**: every place and date says at which scale it is known (see the codebook); an event
   located at region level is drawn as an area, not as a point.

Nothing is checked by a person: every point leads to the sentence it rests on — read it.
""",
}


def codebook(bundle: Bundle, lang: str = "fr") -> dict[str, pd.DataFrame]:
    """The codebook tables: categories, sub-types (with their counts), place and date precision, modality."""
    en = lang == "en"
    col_code, col_label, col_n = ("code", "label", "events") if en else ("code", "libellé", "événements")
    cats = bundle.events["category"].astype(str).value_counts()
    subs = bundle.events.groupby(bundle.events["sub_type"].astype(str))["category"].agg(["first", "size"])
    return {
        "categories": pd.DataFrame({col_code: list(CATEGORIES), col_label: [category_label(c, lang) for c in CATEGORIES],
                                    col_n: [int(cats.get(c, 0)) for c in CATEGORIES]}),
        "sub_types": pd.DataFrame({col_code: list(subs.index),
                                   col_label: [sub_type_label(s, lang) for s in subs.index],
                                   ("category" if en else "catégorie"): [category_label(c, lang) for c in subs["first"]],
                                   col_n: subs["size"].astype(int).tolist()}),
        "place_precision": pd.DataFrame({col_code: list(PLACE_PRECISIONS),
                                         col_label: [v[1] if en else v[0] for v in PLACE_PRECISIONS.values()]}),
        "date_precision": pd.DataFrame({col_code: list(DATE_PRECISIONS),
                                        col_label: [v[1] if en else v[0] for v in DATE_PRECISIONS.values()]}),
        "modality": pd.DataFrame({col_code: list(MODALITIES),
                                  col_label: [v[1] if en else v[0] for v in MODALITIES.values()]}),
    }


def sources_table(bundle: Bundle, lang: str = "fr") -> pd.DataFrame:
    """Outlets with their number of articles and events (most events first)."""
    en = lang == "en"
    arts = bundle.articles
    outlet = arts["source"].astype(object).where(arts["source"].notna() & (arts["source"].astype(str) != ""),
                                                 "(unknown)" if en else "(inconnu)").astype(str)
    by_art = dict(zip(arts["article_id"].astype(str), outlet))
    ev_outlet = bundle.events["article_id"].astype(str).map(by_art).fillna("(unknown)" if en else "(inconnu)")
    df = pd.DataFrame({"outlet": outlet.value_counts()}).rename(columns={"outlet": "articles"})
    df["events"] = ev_outlet.value_counts().reindex(df.index).fillna(0).astype(int)
    df = df.sort_values(["events", "articles"], ascending=False).reset_index()
    df.columns = ["outlet", "articles", "events"] if en else ["média", "articles", "événements"]
    return df


def about_page(bundle: Bundle, lang: str = "fr", perf: dict[str, Any] | None = None) -> None:
    """Render the "About" tab."""
    en = lang == "en"
    st.markdown(METHOD["en" if en else "fr"])
    st.subheader("Codebook")
    tables = codebook(bundle, lang)
    titles = {"categories": ("Catégories", "Categories"), "sub_types": ("Types (sous-catégories)", "Sub-types"),
              "place_precision": ("Précision du lieu (geo_precision)", "Place precision (geo_precision)"),
              "date_precision": ("Précision de la date (date_precision)", "Date precision (date_precision)"),
              "modality": ("Statut de l'information (modality, si présent)",
                           "Status of the report (modality, when present)")}
    for key, df in tables.items():
        st.markdown(f"**{titles[key][1] if en else titles[key][0]}**")
        st.dataframe(df, hide_index=True)
    st.subheader("Sources" if en else "Sources")
    st.dataframe(sources_table(bundle, lang), hide_index=True)
    st.text(t("about_data", lang, version=bundle.version))
    if perf:
        st.caption(t("about_perf", lang, bytes=f"{int(perf.get('payload_bytes', 0)):,}", s=perf.get("build_s", 0)))
