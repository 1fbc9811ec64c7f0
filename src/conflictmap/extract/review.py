"""What a curator should look at after an ingest: unresolved and low-confidence place names, per article.

``conflictmap ingest`` prints this list under its summary and writes it whole to
``places_review.csv`` in the output folder; a name that keeps coming back is a row to add to
``data/gazetteer_curated.csv`` (see the README, "Adding a place").
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from conflictmap.store.atomic import atomic_write

#: Mentions kept with a confidence below this are listed for review (a close namesake, a fuzzy match).
LOW_CONFIDENCE = 0.6
REVIEW_FILE = "places_review.csv"
_COLUMNS = ["article_id", "kind", "name", "count", "resolved_as", "confidence"]


def review_rows(result: Any, low_confidence: float = LOW_CONFIDENCE) -> list[dict[str, Any]]:
    """Unresolved names and low-confidence mentions of an ingest result, by article.

    Parameters
    ----------
    result : conflictmap.extract.pipeline.IngestResult
        Its ``unresolved_spans`` (names the model or a generic head marked as a place that no gazetteer
        resolved) and ``mentions`` (``article_id``, ``text``, ``place_name``, ``confidence``).
    low_confidence : float
        Mentions below this confidence are listed.

    Returns
    -------
    list of dict
        Keys ``article_id, kind`` (``unresolved`` or ``low_confidence``) ``, name, count, resolved_as,
        confidence``; sorted by article, then kind, then name.
    """
    rows: list[dict[str, Any]] = []
    unresolved: Counter[tuple[str, str]] = Counter(
        (str(art), str(text)) for art, text, *_ in getattr(result, "unresolved_spans", []) or [])
    for (art, name), n in unresolved.items():
        rows.append({"article_id": art, "kind": "unresolved", "name": name, "count": n, "resolved_as": "",
                     "confidence": ""})
    mentions = getattr(result, "mentions", None)
    if mentions is not None and len(mentions):
        low = mentions[mentions["confidence"] < low_confidence]
        grouped: dict[tuple[str, str, str], list[float]] = {}
        for art, text, place, conf in zip(low["article_id"], low["text"], low["place_name"], low["confidence"]):
            grouped.setdefault((str(art), str(text), str(place)), []).append(float(conf))
        for (art, text, place), confs in grouped.items():
            rows.append({"article_id": art, "kind": "low_confidence", "name": text, "count": len(confs),
                         "resolved_as": place, "confidence": round(min(confs), 3)})
    rows.sort(key=lambda r: (r["article_id"], r["kind"], r["name"]))
    return rows


def keep_previous(out_dir: str | Path, rows: list[dict[str, Any]], article_ids: set[str]) -> list[dict[str, Any]]:
    """Add the previous run's ``unresolved`` rows of articles an incremental ingest skipped.

    Unresolved names exist only for the articles analysed in a run; low-confidence rows are recomputed
    from all mentions. A previous row is kept when its article is still in the dataset and the new rows
    say nothing about it. An unreadable previous file is ignored.
    """
    path = Path(out_dir) / REVIEW_FILE
    if not path.exists():
        return rows
    fresh = {r["article_id"] for r in rows if r["kind"] == "unresolved"}
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            old = [r for r in csv.DictReader(fh) if r.get("kind") == "unresolved"]
    except (OSError, UnicodeDecodeError, csv.Error):
        return rows
    def unquote(name: str) -> str:  # undo the formula neutralisation of write_review
        return name[1:] if name[:2] in ("'=", "'+", "'-", "'@") else name

    kept = [{**r, "count": int(r.get("count") or 1), "name": unquote(r["name"])}
            for r in old if r.get("article_id") in article_ids and r.get("article_id") not in fresh]
    return sorted(rows + kept, key=lambda r: (r["article_id"], r["kind"], r["name"]))


def write_review(out_dir: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``places_review.csv`` atomically (UTF-8, header even when empty); returns its path."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_COLUMNS)
    w.writeheader()
    for r in rows:
        # names come from articles: neutralise spreadsheet formulas (=, +, -, @)
        w.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v) for k, v in r.items()})
    path = Path(out_dir) / REVIEW_FILE
    data = buf.getvalue().encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data), prefix=".review-")
    return path


def summary_lines(rows: list[dict[str, Any]], max_articles: int = 15) -> list[str]:
    """One line per article (at most ``max_articles``): ``id: unresolved A ×2, B · low confidence C → X (0.52)``."""
    by_art: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_art.setdefault(r["article_id"], []).append(r)
    lines = []
    for art, rs in list(by_art.items())[:max_articles]:
        unres = ", ".join(f"{r['name']} ×{r['count']}" if r["count"] > 1 else r["name"]
                          for r in rs if r["kind"] == "unresolved")
        low = ", ".join(f"{r['name']} → {r['resolved_as']} ({r['confidence']})" for r in rs
                        if r["kind"] == "low_confidence")
        parts = [p for p in (f"unresolved {unres}" if unres else "", f"low confidence {low}" if low else "") if p]
        lines.append(f"{art}: " + " · ".join(parts))
    if len(by_art) > max_articles:
        lines.append(f"… and {len(by_art) - max_articles} more articles")
    return lines
