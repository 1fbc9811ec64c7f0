"""The ingest pipeline: articles → spaCy → mentions, event reports, events, control table.

The spaCy part runs through ``nlp.pipe`` (optionally with ``n_process``); its
last component, ``conflictmap_records``, turns each doc into plain records
(sentences and resolved toponyms) so that every later step is a pure function
of (article, records) and gives the same result serially, in worker processes
or on a Dask cluster.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from conflictmap.errors import InputError
from conflictmap.extract.articles import Article, Fetch, iter_articles, iter_bytes
from conflictmap.extract.nlp import sentence_starts
from conflictmap.settings import Settings

Progress = Callable[[int, int], None]
#: One processed article: (article, records or None, (article rows, mention rows, report rows) or the error).
Outcome = tuple[Article, "dict[str, Any] | None", "tuple[list[dict], list[dict], list[dict]] | InputError"]

#: Separators tried, best first, when a long text is cut into pieces for spaCy.
_CUTS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def split_spans(text: str, limit: int) -> list[tuple[int, int]]:
    """Cut ``text`` into consecutive ``[start, end)`` pieces of at most ``limit`` characters.

    Each cut falls on the best boundary found in the second half of the window: a paragraph
    break, a line break, the end of a sentence, a clause, a space; a text with none of these
    (one 2 MB "word") is cut hard. The pieces cover the text exactly, in order.

    Parameters
    ----------
    text : str
        The cleaned article text.
    limit : int
        Maximum piece length in characters (``>= 1``).

    Returns
    -------
    list of (int, int)
        Offsets into ``text``; a single ``(0, len(text))`` when the text fits.

    Raises
    ------
    ValueError
        If ``limit`` is smaller than 1.
    """
    if limit < 1:
        raise ValueError(f"limit must be a positive number of characters, got {limit!r}")
    spans: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > limit:
        window = text[start:start + limit]
        cut = limit
        for sep in _CUTS:
            k = window.rfind(sep, limit // 2)
            if k > 0:
                cut = k + len(sep)
                break
        spans.append((start, start + cut))
        start += cut
    spans.append((start, n))
    return spans


def merge_records(parts: Sequence[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """Records of one article analysed in pieces: offsets shifted back into the whole text.

    Parameters
    ----------
    parts : sequence of (int, dict)
        ``(offset of the piece in the article text, records of the piece)``, in text order.

    Returns
    -------
    dict
        The same keys as :func:`records_component` writes; the focus country is the one
        of the pieces with the most toponyms.
    """
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    sents: list[tuple[int, int]] = []
    tops: list[dict[str, Any]] = []
    unresolved: list[str] = []
    spans: list[list[Any]] = []
    focus: Counter[str] = Counter()
    for off, rec in parts:
        sents += [(s + off, e + off) for s, e in rec["sents"]]
        tops += [{**t, "start": t["start"] + off, "end": t["end"] + off} for t in rec["toponyms"]]
        unresolved += rec["unresolved"]
        spans += [[t, s + off, e + off] for t, s, e in rec["unresolved_spans"]]
        if rec["focus"]:
            focus[rec["focus"]] += len(rec["toponyms"]) or 1
    return {"sents": sents, "toponyms": tops, "focus": focus.most_common(1)[0][0] if focus else "",
            "unresolved": unresolved, "unresolved_spans": spans}


def pipeline_fingerprint(settings: Settings) -> str:
    """What the outputs of an article depend on besides its text, as a short hash.

    The ConflictMap version, the extraction and gazetteer code (``extract/``, ``geo/``, ``text.py``),
    every curated data file and the spaCy model (name and installed version). An incremental
    ingest reuses the rows of an unchanged article only when the dataset was written with the
    same fingerprint, so upgrading ConflictMap, editing ``actors.csv`` or switching the model
    re-analyses everything instead of keeping stale events.

    Parameters
    ----------
    settings : Settings
        Model name and data folder.

    Returns
    -------
    str
        16 hexadecimal characters.
    """
    import hashlib
    import importlib.metadata

    import conflictmap

    h = hashlib.sha256(f"{conflictmap.__version__}|{settings.model}".encode())
    try:
        h.update(importlib.metadata.version(settings.model.replace("_", "-")).encode())
    except importlib.metadata.PackageNotFoundError:  # a model loaded from a path
        h.update(b"?")
    pkg = Path(conflictmap.__file__).parent
    files = sorted([*(pkg / "extract").glob("*.py"), *(pkg / "geo").glob("*.py"), pkg / "text.py"])
    files += sorted(p for p in Path(settings.data_dir).glob("*") if p.is_file())
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def internal_error(art: Article, exc: BaseException) -> InputError:
    """One line for an article that hit a bug: the run goes on without it."""
    where = art.path or art.article_id
    return InputError(where, f"internal error while analysing this article ({type(exc).__name__}: {exc}); "
                             "the other articles were processed — please report this file")


# --------------------------------------------------------------------------- records component


def _sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """``(start_char, end_char)`` of each sentence, trailing whitespace excluded, read from the arrays
    (the same as ``[(s.start_char, s.start_char + len(s.text.rstrip())) for s in doc.sents]``)."""
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    if not len(doc) or not doc.has_annotation("SENT_START"):
        return [(0, len(doc.text.rstrip()))]
    starts = sorted(sentence_starts(doc))
    idx, length, space = doc.to_array([IDX, LENGTH, IS_SPACE]).T.tolist()
    out = []
    for k, first in enumerate(starts):
        last = (starts[k + 1] if k + 1 < len(starts) else len(idx)) - 1
        while last >= first and space[last]:  # trailing whitespace tokens ("\n\n") are not the sentence's
            last -= 1
        out.append((idx[first], idx[last] + length[last]) if last >= first else (idx[first], idx[first]))
    return out


@Language.component("conflictmap_records")
def records_component(doc: Doc, portable: bool = False) -> Doc:
    """Store plain, serialisable records of the doc in ``doc.user_data["conflictmap"]``.

    With ``portable=True`` (``nlp.pipe(..., n_process>1)`` passes it through ``component_cfg``)
    the custom-attribute values (``span._.place`` …, already copied into the records) are
    dropped from ``doc.user_data`` so that spaCy can send the doc back from a worker process.
    """
    sents = _sentence_spans(doc)
    tops = []
    for span in doc.spans.get("toponyms", []):
        p = span._.place
        tops.append({
            "text": span.text,
            "start": span.start_char,
            "end": span.end_char,
            "place_id": p.place_id,
            "role": span._.role,
            "confidence": float(span._.confidence),
            "geo_precision": int(span._.geo_precision),
            "actor_id": span._.actor_id or "",
            "direction": span._.direction or "",
        })
    doc.user_data["conflictmap"] = {
        "sents": sents,
        "toponyms": tops,
        "focus": doc._.focus_country,
        "unresolved": list(doc._.unresolved),
        "unresolved_spans": [list(x) for x in doc._.unresolved_spans],
        "frames": doc.user_data.get("conflictmap_frames", []),
    }
    if portable:
        for key in [k for k in doc.user_data if isinstance(k, tuple) and k and k[0] == "._."]:
            del doc.user_data[key]
    return doc


# --------------------------------------------------------------------------- results


@dataclass
class IngestResult:
    """Everything one ingest produced.

    Attributes
    ----------
    articles : pandas.DataFrame
        :data:`conflictmap.store.schema.ARTICLE_COLUMNS`.
    mentions : geopandas.GeoDataFrame
        Resolved toponym mentions.
    reports : geopandas.GeoDataFrame
        One row per event report (sentence), before merging duplicates.
    events : geopandas.GeoDataFrame
        Merged events.
    control : pandas.DataFrame
        Control changes over time.
    errors : list of InputError
        One per unusable file or row.
    unresolved : collections.Counter
        Names the model tagged as places that no gazetteer resolved.
    skipped : int
        Articles unchanged since the previous ingest (incremental mode).
    """

    articles: pd.DataFrame
    mentions: Any
    reports: Any
    events: Any
    control: pd.DataFrame
    errors: list[InputError] = field(default_factory=list)
    unresolved: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    #: (article_id, text, start, end, focus country) of names left for the optional online geocoder.
    unresolved_spans: list[tuple[str, str, int, int, str]] = field(default_factory=list)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Name → frame, as written by :func:`conflictmap.store.write_dataset`."""
        return {"articles": self.articles, "mentions": self.mentions, "reports": self.reports,
                "events": self.events, "control": self.control}


# --------------------------------------------------------------------------- the pipeline


class Pipeline:
    """A loaded pipeline: spaCy model + components, gazetteer, actors, zones.

    Use :meth:`load`. The object is reusable: load once (e.g. ``st.cache_resource``),
    then call :meth:`run_paths`, :meth:`run_uploads` or :meth:`process` many times.
    """

    def __init__(self, nlp: Language, settings: Settings) -> None:
        from conflictmap.extract.events import EventExtractor
        from conflictmap.extract.nlp import shared_gazetteer

        self.nlp = nlp
        self.settings = settings
        self.gazetteer = shared_gazetteer(settings)
        self.extractor = EventExtractor.load(settings, self.gazetteer)

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Pipeline":
        """Load the spaCy model and all resources.

        Parameters
        ----------
        settings : Settings, optional
            Defaults to ``Settings()`` (environment variables apply).
        """
        from conflictmap.extract.nlp import load_pipeline

        settings = settings or Settings()
        import conflictmap.extract.frames  # noqa: F401  (registers the conflictmap_frames factory)

        nlp = load_pipeline(settings)
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("conflictmap_frames", last=True)
        nlp.add_pipe("conflictmap_records", last=True)
        return cls(nlp, settings)

    # -- core

    def analyse(self, articles: Sequence[Article], n_process: int = 1,
                progress: Progress | None = None) -> Iterator[tuple[Article, "dict[str, Any] | InputError"]]:
        """Run spaCy over the articles; yield ``(article, records)``, in input order.

        Texts longer than the piece limit (``Settings.max_piece_chars``, and always under
        ``nlp.max_length``) are analysed in pieces cut at paragraph or sentence boundaries; their
        records are merged with offsets into the whole text, so memory per piece stays bounded.
        An article on which spaCy fails yields an :class:`~conflictmap.errors.InputError` instead
        of records; the others go on. ``n_process`` is capped to the number of batches (and CPUs);
        ``-1`` means all CPUs.
        """
        total = len(articles)
        limit = max(1, min(self.settings.max_piece_chars, self.nlp.max_length - 1))
        pieces = [(a.text[s:e], (i, s)) for i, a in enumerate(articles) for s, e in split_spans(a.text, limit)]
        n_process = effective_n_process(n_process, len(pieces), self.settings.batch_size)
        cfg = {"conflictmap_records": {"portable": True}} if n_process > 1 else None
        done = 0
        pending: list[tuple[int, dict[str, Any]]] = []
        failed: InputError | None = None
        current = 0
        for (i, off), rec in self._pipe_pieces(pieces, n_process, cfg):
            if i != current:
                yield articles[current], failed or merge_records(pending)
                done += 1
                if progress is not None:
                    progress(done, total)
                pending, failed, current = [], None, i
            if isinstance(rec, BaseException):
                failed = failed or internal_error(articles[i], rec)
            else:
                pending.append((off, rec))
        if pieces:
            yield articles[current], failed or merge_records(pending)
            if progress is not None:
                progress(done + 1, total)

    def _pipe_pieces(self, pieces: list[tuple[str, tuple[int, int]]], n_process: int,
                     cfg: dict[str, Any] | None) -> Iterator[tuple[tuple[int, int], "dict[str, Any] | Exception"]]:
        """``nlp.pipe`` over (text, key) pairs; a batch that fails is re-run piece by piece."""
        size = self.settings.batch_size if n_process == 1 else len(pieces) or 1
        for k in range(0, len(pieces), size):
            batch = pieces[k:k + size]
            try:
                out = [(key, doc.user_data["conflictmap"]) for doc, key in
                       self.nlp.pipe(batch, as_tuples=True, batch_size=self.settings.batch_size,
                                     n_process=n_process, component_cfg=cfg)]
            except Exception:  # noqa: BLE001 — isolate the piece that fails, keep the others
                out = []
                for text, key in batch:
                    try:
                        out.append((key, self.nlp(text).user_data["conflictmap"]))
                    except Exception as exc:  # noqa: BLE001
                        out.append((key, exc))
            yield from out

    def settle(self, art: Article, rec: "dict[str, Any] | InputError") -> Outcome:
        """The outputs of one analysed article, or the error that stopped it (one line, run goes on)."""
        if isinstance(rec, InputError):
            return art, None, rec
        try:
            return art, rec, self.outputs_for(art, rec)
        except Exception as exc:  # noqa: BLE001 — a bug on one article must not lose the others
            return art, None, internal_error(art, exc)

    def process(self, articles: Iterable[Article], n_process: int = 1, progress: Progress | None = None,
                previous: dict[str, pd.DataFrame] | None = None) -> IngestResult:
        """Process articles into all outputs.

        Parameters
        ----------
        articles : iterable of Article
            Cleaned articles.
        n_process : int
            spaCy worker processes.
        progress : callable, optional
            ``progress(done, total)`` after each article.
        previous : dict, optional
            A previous dataset (``store.read_dataset``): articles whose content hash
            is unchanged are not processed again; their rows are reused.
        """
        arts = list(articles)
        reuse_ids = self.unchanged_ids(arts, previous)
        todo = [a for a in arts if a.article_id not in reuse_ids]
        n = effective_n_process(n_process, len(todo), self.settings.batch_size)
        if n > 1 and "fork" in multiprocessing.get_all_start_methods():
            outputs: Iterable[Any] = self._process_forked(todo, n, progress)
        else:
            outputs = (self.settle(art, rec)
                       for art, rec in self.analyse(todo, n_process=n_process, progress=progress))
        return self.combine(outputs, previous, reuse_ids, arts)

    def _process_forked(self, todo: list[Article], n: int, progress: Progress | None) -> Iterator[Any]:
        """Whole-article work (spaCy *and* events) in ``n`` forked workers sharing this loaded pipeline.

        The workers inherit the model and the gazetteer copy-on-write (nothing is reloaded), each
        processes chunks of articles end to end and returns plain rows, so the parent only
        assembles; results come back in input order and the progress count stays exact.
        """
        global _FORK_PIPELINE
        size = max(4, min(self.settings.batch_size, -(-len(todo) // (n * 4))))
        chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
        _FORK_PIPELINE = self
        done = 0
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
                for part in pool.map(_forked_chunk, chunks):
                    for item in part:
                        done += 1
                        if progress is not None:
                            progress(done, len(todo))
                        yield item
        finally:
            _FORK_PIPELINE = None

    @classmethod
    def combine(cls, outputs: Iterable[Outcome],
                previous: dict[str, pd.DataFrame] | None, reuse_ids: set[str],
                all_articles: list[Article]) -> IngestResult:
        """Assemble per-article ``(article, records, outputs_for(...))`` into an :class:`IngestResult`.

        Pure (no spaCy): the serial, ``n_process`` and Dask paths all end here, in input order.
        """
        arts = all_articles
        art_rows: list[dict[str, Any]] = []
        mention_rows: list[dict[str, Any]] = []
        report_rows: list[dict[str, Any]] = []
        unresolved: Counter[str] = Counter()
        spans: list[tuple[str, str, int, int, str]] = []
        errors: list[InputError] = []
        for art, rec, out in outputs:
            if isinstance(out, InputError) or rec is None:
                errors.append(out)  # type: ignore[arg-type]
                continue
            a_rows, m_rows, r_rows = out
            art_rows += a_rows
            mention_rows += m_rows
            report_rows += r_rows
            unresolved.update(rec["unresolved"])
            spans += [(art.article_id, t, int(s), int(e), rec.get("focus", "")) for t, s, e in
                      rec.get("unresolved_spans", [])]
        result = cls._assemble(art_rows, mention_rows, report_rows, unresolved, previous, reuse_ids, arts)
        result.unresolved_spans = spans
        result.errors = errors
        return result

    def outputs_for(self, art: Article, rec: dict[str, Any]) -> tuple[list[dict], list[dict], list[dict]]:
        """Pure step after spaCy: article row, mention rows, event report rows."""
        self.extractor.reference_date(art)
        mentions = self.mention_rows(art, rec)
        reports = self.extractor.extract(art, rec, mentions)
        return [article_row(art)], mentions, reports

    def mention_rows(self, art: Article, rec: dict[str, Any]) -> list[dict[str, Any]]:
        """Mention records with geometry for one analysed article."""
        from conflictmap.extract.events import find_dateline

        g = self.gazetteer
        sents = rec["sents"]
        line = find_dateline(art.text)
        skip_before = line.end if line is not None else 0
        rows = []
        for t in rec["toponyms"]:
            if t["start"] < skip_before:
                continue  # the dateline city is where the story was filed, not a place of the story
            p = g.by_place_id(t["place_id"])
            if p is None:
                continue
            sent = next((art.text[s:e] for s, e in sents if s <= t["start"] < e), "")
            rows.append({
                "article_id": art.article_id,
                "text": t["text"],
                "start": t["start"],
                "end": t["end"],
                "sentence": sent,
                "place_id": p.place_id,
                "place_name": p.name,
                "feature_type": p.feature_type,
                "country_code": p.country_code,
                "role": t["role"],
                "confidence": t["confidence"],
                "geo_precision": t["geo_precision"],
                "gazetteer": p.gazetteer,
                "geometry": (g.directional_point(p, t["direction"]) if t.get("direction") else None)
                or g.geometry(p),
                "actor_id": t.get("actor_id", ""),
            })
        return rows

    @staticmethod
    def unchanged_ids(arts: Sequence[Article], previous: dict[str, pd.DataFrame] | None) -> set[str]:
        """Ids of the articles whose content hash is the same as in ``previous`` (incremental mode)."""
        prev_art = previous.get("articles") if previous else None
        if prev_art is None or not len(prev_art):
            return set()
        old = dict(zip(prev_art["article_id"], prev_art["content_hash"]))
        return {a.article_id for a in arts if old.get(a.article_id) == a.content_hash}

    @staticmethod
    def _assemble(art_rows: list[dict], mention_rows: list[dict], report_rows: list[dict],
                  unresolved: Counter[str], previous: dict[str, pd.DataFrame] | None, reuse_ids: set[str],
                  all_articles: list[Article]) -> IngestResult:
        from conflictmap import store
        from conflictmap.extract import events as ev

        articles = store.articles_frame(art_rows)
        mentions = store.mentions_frame(mention_rows)
        reports = ev.reports_frame(report_rows)
        if previous and reuse_ids:
            keep_ids = reuse_ids

            def keep(name: str, frame: pd.DataFrame) -> pd.DataFrame:
                old = previous.get(name)
                if old is None or not len(old):
                    return frame
                old = old[old["article_id"].isin(keep_ids)]
                if not len(frame):
                    return old.reset_index(drop=True)
                return pd.concat([old, frame], ignore_index=True)

            articles = keep("articles", articles)
            mentions = keep("mentions", mentions)
            reports = keep("reports", reports)
        order = {a.article_id: i for i, a in enumerate(all_articles)}
        articles = articles.sort_values("article_id", key=lambda s: s.map(order)).reset_index(drop=True)
        events = ev.merge_reports(ev.map_reports(reports))
        control = ev.control_table(events)
        return IngestResult(articles=articles, mentions=mentions, reports=reports, events=events, control=control,
                            unresolved=unresolved, skipped=len(reuse_ids))

    # -- entry points

    def run_paths(self, paths: Iterable[str | Path], n_process: int = 1, progress: Progress | None = None,
                  previous: dict[str, pd.DataFrame] | None = None, fetch: Fetch | None = None) -> IngestResult:
        """Read files/folders (and URLs through ``fetch``) and process them; unusable inputs become ``errors``."""
        articles: list[Article] = []
        errors: list[InputError] = []
        for item in iter_articles(paths, fetch=fetch):
            (errors if isinstance(item, InputError) else articles).append(item)  # type: ignore[arg-type]
        result = self.process(articles, n_process=n_process, progress=progress, previous=previous)
        result.errors = errors + result.errors
        return result

    def run_uploads(self, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> IngestResult:
        """Process uploaded files (name, bytes) — used by the dashboard, per session."""
        articles: list[Article] = []
        errors: list[InputError] = []
        seen: set[str] = set()
        for name, data in files:
            for item in iter_bytes(name, data):
                if isinstance(item, InputError):
                    errors.append(item)
                elif item.article_id in seen:
                    errors.append(InputError(name, f"duplicate article id {item.article_id!r} in this upload"))
                else:
                    seen.add(item.article_id)
                    articles.append(item)
        result = self.process(articles, progress=progress)
        result.errors = errors + result.errors
        return result


def effective_n_process(n_process: int, n_texts: int, batch_size: int) -> int:
    """Worker processes worth starting: ≤ CPUs, ≤ batches; ``n_process <= 0`` means all CPUs."""
    import os

    cpus = os.cpu_count() or 1
    n = cpus if n_process <= 0 else n_process
    batches = max(1, -(-n_texts // max(1, batch_size)))
    return max(1, min(n, cpus, batches))


_FORK_PIPELINE: "Pipeline | None" = None


def _forked_chunk(chunk: list[Article]) -> list[tuple[Article, dict[str, Any], Any]]:
    """Worker side of :meth:`Pipeline._process_forked` (uses the pipeline inherited by fork)."""
    pipe = _FORK_PIPELINE
    assert pipe is not None, "forked worker without a pipeline"
    out = []
    for art, rec in pipe.analyse(chunk):
        art_, rec_, outputs = pipe.settle(art, rec)
        # only what :meth:`Pipeline.combine` reads of the records travels back (frames and toponyms are
        # already in the outputs): less to pickle between the processes
        out.append((art_, None if rec_ is None else {k: rec_[k] for k in _COMBINE_KEYS if k in rec_}, outputs))
    return out


#: The keys of an article's records that :meth:`Pipeline.combine` reads.
_COMBINE_KEYS = ("unresolved", "unresolved_spans", "focus")


def article_row(art: Article) -> dict[str, Any]:
    """The ``articles`` record of an article."""
    return {
        "article_id": art.article_id,
        "title": art.title,
        "source": art.source,
        "url": art.url,
        "published": art.published.isoformat() if isinstance(art.published, dt.date) else "",
        "published_inferred": bool(art.published_inferred),
        "language": art.language,
        "path": art.path,
        "content_hash": art.content_hash,
        "text": art.text,
    }
