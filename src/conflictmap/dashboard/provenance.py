"""The provenance panel: everything known about where one event comes from, as escaped HTML.

Outlet and link, publication date (and why it was inferred, in words), category and sub-type in
words, date and place with their precision in words (and the gazetteer's own name), actors with
their roles, controller before → after, modality and confidence when the data has them, every
source of a merged event, then the article with the event's sentence marked (``#cm-sel``) and the
other highlights dimmed. Every string from the data goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from conflictmap.dashboard.data import Bundle
from conflictmap.dashboard.export import article_html, article_spans
from conflictmap.dashboard.i18n import (
    category_label,
    date_precision_label,
    fmt_date,
    modality_label,
    precision_label,
    sub_type_label,
    t,
)
from conflictmap.dashboard.map import safe_url
from conflictmap.dashboard.places import display_name

#: Styles of the panel (the selected sentence stands out, other highlights are dimmed).
PANEL_CSS = (
    "<style>.cm-prov{font-size:.9rem;line-height:1.4}.cm-prov .cm-h{font-weight:600;font-size:1.05rem;margin:2px 0}"
    ".cm-prov dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:6px 0}"
    ".cm-prov dt{color:#555;font-weight:600}.cm-prov dd{margin:0}.cm-prov .cm-meta{color:#666;font-size:.85rem}"
    ".cm-prov ul.cm-sources{margin:2px 0 6px 1.1rem;padding:0}.cm-prov .cm-upl{color:#e65100;font-weight:600}"
    ".cm-article{max-height:360px;overflow:auto;line-height:1.5;font-size:.93rem;white-space:normal;"
    "border:1px solid #e0e0e0;border-radius:6px;padding:6px 8px;scroll-behavior:auto}"
    ".cm-article mark{padding:0 1px;background:transparent}"
    ".cm-article mark.cm-event{background:#f3f3f3;color:#666}.cm-article mark.cm-toponym{background:#eef6fc;color:#555}"
    ".cm-article mark.cm-selected{background:#ffd54f;color:#000;outline:2px solid #ffb300}"
    ".cm-title{font-weight:600;font-size:1rem;margin:4px 0}</style>"
)

#: Scrolls the reader box so the marked sentence is visible (runs in a same-origin component frame).
SCROLL_JS = """<script>
(function () {
  var tries = 0;
  function go() {
    var d = window.parent && window.parent.document;
    var m = d && d.querySelector('.cm-article mark#cm-sel');
    if (m) {
      var box = m.closest('.cm-article');
      var top = m.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
      return;
    }
    if (++tries < 60) { setTimeout(go, 100); }
  }
  go();
})();
</script><!-- %s -->"""


def _esc(v: object) -> str:
    return html.escape("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))


def _iso_date(v: object) -> date | None:
    if not isinstance(v, str) or len(v) < 10:
        return None
    try:
        return date.fromisoformat(v[:10])
    except ValueError:
        return None


def _actor(bundle: Bundle, aid: object, lang: str) -> str:
    a = str(aid or "")
    if not a:
        return ""
    col = "label_en" if lang == "en" else "label_fr"
    if a in bundle.actors.index:
        return str(bundle.actors.at[a, col] or bundle.actors.at[a, "label_fr"] or a)
    return a


def _list(v: Any) -> list[str]:
    if v is None or isinstance(v, float):
        return []
    if isinstance(v, str):
        return [x for x in v.replace(";", ",").split(",") if x]
    try:
        return [str(x) for x in v if x is not None]
    except TypeError:
        return []


def event_sources(event: pd.Series) -> list[dict[str, Any]]:
    """The sources of a (possibly merged) event: its ``sources`` JSON, else its own article."""
    raw = event.get("sources")
    items: list[dict[str, Any]] = []
    if isinstance(raw, str) and raw.strip().startswith("["):
        try:
            items = [s for s in json.loads(raw) if isinstance(s, dict)]
        except ValueError:
            items = []
    if not items:
        items = [{"article_id": event.get("article_id"), "source": event.get("source"), "url": event.get("url"),
                  "quote": event.get("quote")}]
    return items


def provenance_html(bundle: Bundle, row: int, lang: str = "fr") -> str:
    """The provenance panel of the event at ``row`` of ``bundle.events``, then its article.

    Parameters
    ----------
    bundle : Bundle
    row : int
        Row number in ``bundle.events``.
    lang : str, optional

    Returns
    -------
    str
        HTML in which every value from the data is escaped; the selected sentence is
        ``<mark id="cm-sel" class="… cm-selected …">``.
    """
    e = bundle.events.iloc[int(row)]
    aid = str(e.get("article_id") or "")
    arts = bundle.articles
    hit = arts[arts["article_id"].astype(str) == aid]
    a = hit.iloc[0] if len(hit) else None
    out: list[str] = [PANEL_CSS, '<div class="cm-prov">']
    out.append(f'<div class="cm-h">{_esc(sub_type_label(e.get("sub_type"), lang))} — '
               f'{_esc(category_label(e.get("category"), lang))}</div>')
    if int(bundle.prep.origin[int(row)]) == 1:
        out.append(f'<div class="cm-upl">{_esc(t("uploaded_mark", lang))}</div>')
    if a is not None:
        out.append(f'<div class="cm-title">{_esc(a.get("title") or aid)}</div>')
    rows: list[tuple[str, str]] = []
    outlet = str((a.get("source") if a is not None else "") or e.get("source") or "") or t("unknown_outlet", lang)
    url = safe_url((a.get("url") if a is not None else None) or e.get("url"))
    link = (f' · <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">'
            f'{_esc(t("original", lang))}</a>') if url else ""
    rows.append((t("outlet", lang), _esc(outlet) + link))
    if a is not None:
        pub = _iso_date(str(a.get("published") or ""))
        pub_s = _esc(fmt_date(pub, lang)) if pub else _esc(t("undated", lang))
        if bool(a.get("published_inferred")):
            pub_s += f' <span class="cm-meta">({_esc(t("published_inferred", lang))})</span>'
        rows.append((t("published", lang), pub_s))
    d = _iso_date(str(e.get("date") or ""))
    when = _esc(fmt_date(d, lang)) if d else _esc(t("undated", lang))
    if d:
        when += f' <span class="cm-meta">({_esc(date_precision_label(e.get("date_precision") or "day", lang))})</span>'
        if bool(e.get("date_inferred")) and e.get("date_inferred") == e.get("date_inferred"):
            when += f'<br><span class="cm-meta">{_esc(t("date_inferred_words", lang))}</span>'
    rows.append((t("when", lang), when))
    pid, pname = str(e.get("place_id") or ""), str(e.get("place_name") or "")
    try:
        prec = int(e.get("geo_precision") or 1)
    except (TypeError, ValueError):
        prec = 1
    where = (f'{_esc(display_name(pid, pname, lang))} <span class="cm-meta">('
             f'{_esc(t("precision_words", lang, p=precision_label(prec, lang)))})</span>'
             f'<br><span class="cm-meta">{_esc(t("geonames_name", lang, name=pname, pid=pid))}</span>')
    rows.append((t("where", lang), where))
    a1, a2 = str(e.get("actor1") or ""), str(e.get("actor2") or "")
    people = []
    for act in dict.fromkeys([a1, a2, *_list(e.get("actors"))]):
        if not act:
            continue
        role = "role_actor1" if act == a1 else "role_actor2" if act == a2 else "role_other"
        people.append(f'{_esc(_actor(bundle, act, lang))} <span class="cm-meta">({_esc(t(role, lang))})</span>')
    if people:
        rows.append((t("who", lang), ", ".join(people)))
    before, after = str(e.get("controller_before") or ""), str(e.get("controller_after") or "")
    if before or after:
        rows.append((t("control", lang), f'{_esc(_actor(bundle, before, lang) or "?")} → '
                                         f'{_esc(_actor(bundle, after, lang) or "?")}'))
    if "modality" in e.index and isinstance(e.get("modality"), str) and e.get("modality"):
        rows.append((t("status", lang), _esc(modality_label(e.get("modality"), lang))))
    if "confidence" in e.index:
        try:
            conf = float(e.get("confidence"))
            if conf == conf:
                rows.append((t("confidence", lang), f"{conf:.0%}" if conf <= 1 else _esc(conf)))
        except (TypeError, ValueError):
            pass
    out.append("<dl>" + "".join(f"<dt>{_esc(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>")
    srcs = event_sources(e)
    items = []
    for s in srcs:
        sid = str(s.get("article_id") or "")
        title = ""
        if sid and sid != aid:
            m = arts[arts["article_id"].astype(str) == sid]
            title = str(m.iloc[0].get("title") or "") if len(m) else ""
        su = safe_url(s.get("url"))
        li = _esc(s.get("source") or t("unknown_outlet", lang)) + (f" — {_esc(title)}" if title else "")
        li += f' <span class="cm-meta">[{_esc(sid)}]</span>'
        if su:
            li += (f' · <a href="{html.escape(su, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">'
                   f'{_esc(t("original", lang))}</a>')
        items.append(f"<li>{li}</li>")
    out.append(f'<div class="cm-meta"><b>{_esc(t("sources_n", lang, n=len(srcs)))}</b></div>'
               f'<ul class="cm-sources">{"".join(items)}</ul>')
    if a is not None:
        text = str(a.get("text") or "")
        out.append(article_html(text, article_spans(bundle, aid, str(e.get("event_id") or ""))))
    else:
        out.append(f'<div class="cm-meta">{_esc(t("article_missing", lang, aid=aid))}</div>')
    out.append("</div>")
    return "".join(out)
