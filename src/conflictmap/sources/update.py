"""New web articles merged into an existing dataset, written with the dataset's atomic write.

:func:`update` is one run of ``conflictmap update``: read the feeds, fetch the new items, analyse
only them, merge them with the previous dataset (its articles are reused unchanged, the events are
merged again over all reports) and write the whole dataset atomically — a reader sees the previous
dataset or the new one, never a mix (a SIGKILL at any moment leaves the previous one readable).
Nothing new: nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from conflictmap import store
from conflictmap.errors import InputError
from conflictmap.extract.articles import Article
from conflictmap.sources.feeds import Feed, FeedState, read_feeds
from conflictmap.sources.web import FetchError, Fetcher, normalize_url, text_hash
from conflictmap.store.dataset import utc_now
from conflictmap.store.schema import SOURCE_COLUMNS

Log = Callable[[str], None]


@dataclass
class UpdateResult:
    """What one update did.

    Attributes
    ----------
    added : list of dict
        One row of :data:`~conflictmap.store.schema.SOURCE_COLUMNS` per new article.
    skipped : list of (str, str)
        (URL, reason) of items not fetched or not kept.
    errors : list of str
        One line per feed or item that failed (the others went on).
    not_modified : list of str
        Feeds that answered 304 Not Modified.
    written : bool
        Whether a new dataset was written.
    events : int
        Events in the dataset after the run.
    new_events : int
        Events that were not in the previous dataset.
    """

    added: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    written: bool = False
    events: int = 0
    new_events: int = 0


def articles_from_frame(df: pd.DataFrame | None) -> list[Article]:
    """The articles of a written dataset as :class:`Article` objects (stored hash kept: they are reused as is)."""
    if df is None or not len(df):
        return []
    out = []
    for r in df.to_dict("records"):
        pub = str(r.get("published") or "")
        try:
            published = dt.date.fromisoformat(pub[:10]) if pub else None
        except ValueError:
            published = None
        out.append(Article(article_id=str(r["article_id"]), text=str(r.get("text") or ""),
                           title=str(r.get("title") or ""),
                           source=str(r.get("source") or ""), url=str(r.get("url") or ""),
                           language=str(r.get("language") or "fr"), published=published,
                           published_inferred=bool(r.get("published_inferred")), path=str(r.get("path") or ""),
                           content_hash=str(r.get("content_hash") or "")))
    return out


def read_sources(out_dir: str | Path) -> pd.DataFrame:
    """``sources.parquet`` of a dataset when ``_SUCCESS.json`` lists it, else an empty frame."""
    meta = store.read_success(out_dir) or {}
    p = Path(out_dir) / "sources.parquet"
    if "sources.parquet" in meta.get("files", []) and p.exists():
        df = store.read_frame(p)
        return df[[c for c in SOURCE_COLUMNS if c in df.columns]]
    return pd.DataFrame(columns=SOURCE_COLUMNS)


def merge_and_write(out_dir: str | Path, new: Sequence[Article], source_rows: Sequence[dict[str, Any]],
                    pipeline: Any, previous: dict[str, pd.DataFrame] | None) -> Any:
    """Analyse ``new`` only, merge with ``previous``, write the dataset (+ month archive) atomically.

    Returns
    -------
    conflictmap.extract.pipeline.IngestResult
        The whole dataset after the merge (``errors``: new articles that failed).
    """
    from conflictmap.store.archive import write_events_archive

    from conflictmap.extract.pipeline import pipeline_fingerprint

    old = articles_from_frame(previous.get("articles") if previous else None)
    fingerprint = pipeline_fingerprint(pipeline.settings)
    same_pipeline = (store.read_success(out_dir) or {}).get("pipeline") == fingerprint
    # rows of unchanged articles are reused only if the same code, data files and model made them
    result = pipeline.process([*old, *new], previous=previous if same_pipeline else None)
    frames = result.frames()
    sources = pd.concat([read_sources(out_dir), pd.DataFrame(list(source_rows), columns=SOURCE_COLUMNS)],
                        ignore_index=True) if source_rows else read_sources(out_dir)
    kept = set(result.articles["article_id"])
    frames["sources"] = sources[sources["article_id"].isin(kept)].reset_index(drop=True).astype(str)
    store.write_dataset(out_dir, frames, meta={"pipeline": fingerprint})
    write_events_archive(out_dir, result.events)
    return result


def update(feeds: Sequence[Feed], out_dir: str | Path, pipeline: Any | None = None,
           fetcher: Fetcher | None = None, log: Log | None = None) -> UpdateResult:
    """One update of the dataset in ``out_dir`` from ``feeds``.

    Parameters
    ----------
    feeds : sequence of Feed
        From :func:`conflictmap.sources.feeds.load_feeds`.
    out_dir : str or Path
        The dataset folder (created on the first run).
    pipeline : Pipeline, optional
        A loaded :class:`~conflictmap.extract.pipeline.Pipeline` (loaded here only if something is new).
    fetcher : Fetcher, optional
        Defaults to ``Fetcher()``.
    log : callable, optional
        Receives progress lines (``fetching …``).

    Raises
    ------
    InputError
        ``out_dir`` holds dataset files without a ``_SUCCESS.json`` (never overwritten).

    Returns
    -------
    UpdateResult
        The feed state (``_feeds.json``) is saved after the dataset, so a killed run fetches its items again
        at worst, and they are then found in the dataset or fetched once more.
    """
    out = Path(out_dir)
    fetcher = fetcher or Fetcher()
    say = log or (lambda _m: None)
    res = UpdateResult()
    for note in store.recover_dataset(out):
        say(f"cleaned up an interrupted write in {out} ({note})")
    previous = store.read_dataset(out) if store.read_success(out) is not None else None
    if previous is None and any(out.glob("*.parquet")):
        raise InputError(str(out), "holds dataset files but no _SUCCESS.json (an incomplete or hand-made folder); "
                                   "not overwritten — rebuild it with `conflictmap ingest … --out` or choose another --out")
    prev_articles = previous.get("articles") if previous else None
    state = FeedState.load(out)
    known = {normalize_url(u) for u in (prev_articles["url"] if prev_articles is not None else []) if u}
    known |= {normalize_url(u) for u in read_sources(out)["url"] if u}
    hashes = {text_hash(t): a for a, t in zip(prev_articles["article_id"], prev_articles["text"])} \
        if prev_articles is not None else {}
    rep = read_feeds(feeds, fetcher, state, known)
    res.skipped += rep.skipped
    res.errors += rep.errors
    res.not_modified = rep.not_modified
    new: list[Article] = []
    rows: list[dict[str, Any]] = []
    for item in rep.new:
        key = normalize_url(item.url)
        say(f"fetching {item.url}")
        try:
            art = fetcher.article(item.url, item.language)
        except FetchError as exc:
            res.errors.append(f"{item.feed}: {exc}")
            state.failures[key] = state.failures.get(key, 0) + 1
            continue
        state.failures.pop(key, None)
        canon = normalize_url(art.url)
        th = text_hash(art.text)
        if canon in known:
            reason = f"same canonical URL as an article already in the dataset ({art.url})"
        elif th in hashes:
            reason = f"same text as article {hashes[th]}"
        else:
            reason = ""
        if reason:
            state.seen[key] = reason
            res.skipped.append((item.url, reason))
            continue
        known |= {canon, key}
        hashes[th] = art.article_id
        new.append(art)
        rows.append({"article_id": art.article_id, "url": item.url, "canonical_url": art.url, "feed": item.feed,
                     "title": item.title, "added_at": utc_now()})
    if new:
        if pipeline is None:
            from conflictmap.extract.pipeline import Pipeline

            pipeline = Pipeline.load()
        before = set(previous["events"]["event_id"]) if previous and "events" in previous else set()
        result = merge_and_write(out, new, rows, pipeline, previous)
        failed = {e.path for e in result.errors}
        res.errors += [str(e) for e in result.errors]
        res.added = [r for r in rows if r["url"] not in failed]
        res.written = True
        res.events = len(result.events)
        res.new_events = len(set(result.events["event_id"]) - before)
        for r in res.added:
            state.seen[normalize_url(r["url"])] = "in the dataset"
    elif previous is not None and "events" in previous:
        res.events = len(previous["events"])
    out.mkdir(parents=True, exist_ok=True)
    state.save(out)
    return res
