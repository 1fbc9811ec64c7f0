"""Command line: ``conflictmap ingest``, ``update``, ``watch``, ``eval``, ``gazetteer``.

Thin layer over :mod:`conflictmap.extract.pipeline`; all work happens there.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conflictmap.errors import InputWarning

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ConflictMap: French news articles → traceable, geocoded conflict events.")
err = Console(stderr=True)
out = Console()


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Article files or folders (.txt/.md/.html/.csv/.jsonl) "
                                                     "or http(s):// URLs of article pages.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    model: Annotated[Optional[str], typer.Option(help="spaCy model (default fr_core_news_sm).")] = None,
    n_process: Annotated[int, typer.Option("--n-process", "-j", min=0,
                                           help="spaCy worker processes (0: one per CPU; capped to CPUs and "
                                                "batches; with --scheduler local: Dask workers).")] = 1,
    online: Annotated[bool, typer.Option(help="Allow online geocoding (Nominatim) for unresolved names.")] = False,
    incremental: Annotated[bool, typer.Option(help="Skip articles unchanged since the last ingest into --out.")] = True,
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address (tcp://host:port) or 'local'.")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Read URLs from the disk cache of earlier runs only "
                                                            "(reproducible, no network).")] = False,
) -> None:
    """Extract toponyms and events from articles; write GeoJSON + GeoParquet to --out."""
    from conflictmap.extract.articles import is_url

    try:
        _ingest([p if is_url(p) else Path(p) for p in paths], out_dir, model, n_process, online, incremental,
                scheduler, offline)
    except KeyboardInterrupt:
        err.print(f"interrupted, previous dataset kept in {out_dir}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=130) from None


def _ingest(paths: list[Path | str], out_dir: Path, model: Optional[str], n_process: int, online: bool,
            incremental: bool, scheduler: Optional[str], offline: bool = False) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from conflictmap import store
    from conflictmap.settings import Settings

    settings = Settings()
    if model:
        settings = settings.with_(model=model)
    if online:
        settings = settings.with_(online=True)
    t0 = time.perf_counter()
    for note in store.recover_dataset(out_dir):  # leftovers of a killed run
        err.print(f"cleaned up an interrupted write in {out_dir} ({note})",
                  highlight=False, markup=False, soft_wrap=True)
    notices: list[InputWarning] = []
    from conflictmap.extract.pipeline import pipeline_fingerprint

    fingerprint = pipeline_fingerprint(settings)
    previous = None
    if incremental and (out_dir / "_SUCCESS.json").exists():
        if (store.read_success(out_dir) or {}).get("pipeline") == fingerprint:
            previous = store.read_dataset(out_dir)
        else:  # other code, data files or model than the dataset was built with: stale rows are not reused
            err.print(f"{out_dir} was built by another version of the pipeline (code, data files or model): "
                      "every article is analysed again", highlight=False, markup=False, soft_wrap=True)
    with warnings.catch_warnings(record=True) as caught, \
            Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                     console=err, transient=True, disable=not sys.stderr.isatty()) as progress:
        warnings.simplefilter("always", InputWarning)
        task = progress.add_task("loading model", total=None)
        if scheduler:
            import os

            if any(isinstance(p, str) for p in paths):
                err.print("URLs cannot be read with --scheduler: run `conflictmap ingest URL… --out DIR` first, "
                          "or list the URLs in a manifest read without --scheduler", highlight=False, markup=False)
                raise typer.Exit(code=2)

            from conflictmap.extract.distributed import run_distributed

            progress.update(task, description="articles (Dask)")

            def dtick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            workers = n_process if n_process > 1 else (os.cpu_count() or 1) if n_process == 0 else 2
            result = run_distributed(paths, settings, scheduler=scheduler, previous=previous, n_workers=workers,
                                     progress=dtick)
        else:
            from conflictmap.extract.pipeline import Pipeline

            pipe = Pipeline.load(settings)
            progress.update(task, description="articles")

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            from conflictmap.sources.web import Fetcher

            fetch = Fetcher(offline=offline).article  # URLs, and manifest rows that only give a URL
            result = pipe.run_paths(paths, n_process=n_process, progress=tick, previous=previous, fetch=fetch)
    notices += [w.message for w in caught if isinstance(w.message, InputWarning)]
    if settings.online and result.unresolved:
        from conflictmap.geo.geocoder import geocode_unresolved

        try:
            geocode_unresolved(result, settings, console=err)
        except OSError as exc:  # the cache could not be saved (disk full …): keep the run, say so once
            err.print(f"online geocoding results not cached ({exc.strerror or exc}); continuing",
                      highlight=False, markup=False, soft_wrap=True)
    if result.errors and len(result.articles) == 0:
        # nothing readable (a mistyped path, a folder of bad files): never replace a dataset with nothing
        for e in result.errors:
            err.print(f"error {e}", highlight=False, markup=False, soft_wrap=True)
        err.print(f"no article could be read; nothing written to {out_dir}", highlight=False, markup=False)
        raise typer.Exit(code=2)
    try:
        store.write_dataset(out_dir, result.frames(), meta={"pipeline": fingerprint})
    except OSError as exc:  # disk full, read-only folder, quota …
        err.print(f"cannot write the dataset to {out_dir}: {exc.strerror or exc}; previous dataset kept",
                  highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=3) from None
    from conflictmap.store.archive import write_events_archive

    try:
        write_events_archive(out_dir, result.events)  # events_by_month/month=YYYY-MM/ (GeoParquet, by window)
    except OSError as exc:
        err.print(f"cannot write the monthly archive in {out_dir}: {exc.strerror or exc}; the dataset itself is "
                  "complete, re-run to rebuild the archive", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=3) from None
    elapsed = time.perf_counter() - t0
    for w in notices:
        err.print(f"[yellow]warning[/yellow] {escape(str(w))}", highlight=False, markup=True)
    for e in result.errors:
        err.print(f"[red]error[/red] {escape(str(e))}", highlight=False, markup=True)
    n_art = len(result.articles)
    summary = Table(title=f"conflictmap ingest → {out_dir}", show_header=False)
    summary.add_row("articles read", f"{n_art} ({result.skipped} unchanged, skipped)")
    summary.add_row("files with errors", str(len(result.errors)))
    summary.add_row("toponym mentions", str(len(result.mentions)))
    summary.add_row("events", f"{len(result.events)} (from {len(result.reports)} reports)")
    summary.add_row("unresolved names", ", ".join(f"{k} ×{v}" for k, v in result.unresolved.most_common()) or "—")
    summary.add_row("time", f"{elapsed:.1f} s")
    err.print(summary)
    _print_place_review(result, out_dir)
    if result.errors:
        raise typer.Exit(code=1 if n_art else 2)


def _print_place_review(result: object, out_dir: Path) -> None:
    """Unresolved and low-confidence place names per article, printed and written to places_review.csv."""
    from conflictmap.extract.review import REVIEW_FILE, keep_previous, review_rows, summary_lines, write_review

    articles = getattr(result, "articles", None)
    ids = set(articles["article_id"].astype(str)) if articles is not None and len(articles) else set()
    rows = keep_previous(out_dir, review_rows(result), ids)  # incremental runs keep skipped articles' names
    try:
        write_review(out_dir, rows)
    except OSError as exc:
        err.print(f"cannot write {out_dir / REVIEW_FILE}: {exc.strerror or exc}", highlight=False, markup=False)
    if rows:
        err.print(f"places to review (all in {out_dir / REVIEW_FILE}; README: Adding a place):",
                  highlight=False, markup=False)
        for line in summary_lines(rows):
            err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


def _line(text: str) -> None:
    err.print(text, highlight=False, markup=False, soft_wrap=True)


def _update_once(feeds_file: Path, out_dir: Path, pipeline: object | None, offline: bool = False) -> int:
    """One ``update``; prints what was new, skipped and failed. Returns the exit code (0 ok, 1 errors, 75 busy)."""
    from conflictmap.sources.feeds import load_feeds
    from conflictmap.sources.update import update
    from conflictmap.sources.watch import Busy, dataset_lock
    from conflictmap.sources.web import Fetcher

    t0 = time.perf_counter()
    feeds = load_feeds(feeds_file)
    try:
        with dataset_lock(out_dir):
            res = update(feeds, out_dir, pipeline=pipeline, fetcher=Fetcher(offline=offline), log=_line)
    except Busy as exc:
        _line(f"skipped: {exc}")
        return 75
    except OSError as exc:
        _line(f"cannot write the dataset to {out_dir}: {exc.strerror or exc}; previous dataset kept")
        return 3
    for name in res.not_modified:
        out.print(f"not modified  feed {name} (304)", highlight=False, markup=False, soft_wrap=True)
    for row in res.added:
        out.print(f"new      {row['article_id']}  {row['url']}  [{row['feed']}]", highlight=False, markup=False,
                  soft_wrap=True)
    known = [url for url, why in res.skipped if why == "already in the dataset"]
    for url, why in res.skipped:
        if why != "already in the dataset":
            out.print(f"skipped  {url}  ({why})", highlight=False, markup=False, soft_wrap=True)
    if known:  # a changed feed lists its old items again: one line for all of them
        out.print(f"skipped  {len(known)} item(s) already in the dataset", highlight=False, markup=False)
    for line in res.errors:
        _line(f"error {line}")
    state = f"dataset written to {out_dir}" if res.written else f"nothing new, {out_dir} unchanged"
    out.print(f"{len(res.added)} new article(s), {res.new_events} new event(s) ({res.events} in all), "
              f"{len(res.skipped)} skipped, {len(res.errors)} error(s); {state} "
              f"({time.perf_counter() - t0:.1f} s)", highlight=False, markup=False, soft_wrap=True)
    sys.stdout.flush()  # `watch >> log`: each run's lines land at once
    return 1 if res.errors else 0


FeedsOpt = Annotated[Path, typer.Option("--feeds", "-f",
                                        help="Feeds YAML file (feeds: - name, url, language, include).")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Dataset folder kept up to date.")]


@app.command()
def update(
    feeds: FeedsOpt,
    out_dir: OutOpt = Path("out"),
    offline: Annotated[bool, typer.Option("--offline", help="Use the disk cache only (no network).")] = False,
) -> None:
    """Fetch what is new in the feeds and add it to the dataset in --out (atomically)."""
    from conflictmap.errors import InputError

    try:
        code = _update_once(feeds, out_dir, None, offline)
    except InputError as exc:
        _line(f"error {exc}")
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        _line(f"interrupted, previous dataset kept in {out_dir}")
        raise typer.Exit(code=130) from None
    raise typer.Exit(code=code)


@app.command()
def watch(
    feeds: FeedsOpt,
    out_dir: OutOpt = Path("out"),
    every: Annotated[str, typer.Option(help="Time between two updates: 90s, 15m, 1h.")] = "15m",
    runs: Annotated[Optional[int], typer.Option(min=1, help="Stop after this many updates (default: never).")] = None,
) -> None:
    """Update --out from the feeds now and then every --every, until SIGINT/SIGTERM (one run at a time)."""
    from conflictmap.errors import InputError
    from conflictmap.sources.feeds import load_feeds
    from conflictmap.sources.watch import Stopper, parse_every
    from conflictmap.sources.watch import watch as loop

    try:
        seconds = parse_every(every)
        load_feeds(feeds)  # a broken feeds file stops here, not in the loop
    except (ValueError, InputError) as exc:
        _line(f"error {exc}")
        raise typer.Exit(code=2) from None
    state: dict[str, object] = {}

    def once() -> None:
        if "pipe" not in state:  # loaded once, kept for every later run
            from conflictmap.extract.pipeline import Pipeline

            state["pipe"] = Pipeline.load()
        try:
            _update_once(feeds, out_dir, state["pipe"])
        except InputError as exc:  # the feeds file was edited into something broken: say so, keep watching
            _line(f"error {exc}")
        except Exception as exc:  # noqa: BLE001 - one failed run (a bug, a corrupt file) must not end the watch
            _line(f"error this update failed ({type(exc).__name__}: {exc}); the dataset was left as it was")
        _line(f"next update in {every} (Ctrl-C or SIGTERM stops)")

    try:
        with Stopper() as stopper:
            n = loop(once, seconds, stopper, max_runs=runs)
    except KeyboardInterrupt:
        _line(f"interrupted, previous dataset kept in {out_dir}")
        raise typer.Exit(code=130) from None
    _line(f"stopped after {n} update(s)")


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="Gold JSON (e.g. tests/data/seeds_gold.json).")],
    out_dir: Annotated[Path, typer.Argument(help="An ingest output folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON only.")] = False,
) -> None:
    """Print place precision/recall/F1, accuracy@161 km, metonymy, event recall and date accuracy."""
    from conflictmap.evaluate import evaluate

    scores = evaluate(gold, out_dir)
    if as_json:
        out.print_json(json.dumps(scores.as_dict()))
        return
    for m in scores.misses:
        out.print(f"  - {m}", highlight=False)
    t = Table(title="evaluation")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in scores.as_dict().items():
        if k != "counts":
            t.add_row(k, f"{v:.3f}")
    t.add_row("counts", json.dumps(scores.counts))
    out.print(t)


#: Development targets of issue #10 (event extraction on unseen real news).
EVAL_COLUMNS = {"event_recall": "event recall", "event_precision": "event precision", "role_accuracy": "role",
                "date_accuracy": "date", "metonymy": "metonymy", "place_f1": "place F1"}


@app.command("eval-table")
def eval_table_cmd(
    runs: Annotated[list[str], typer.Argument(help="Triples LABEL GOLD.json OUT_DIR, e.g. "
                                                   "dev ../shared/eval/dev/gold.json out/dev")],
) -> None:
    """Print one row of event figures per (label, gold, output folder): recall, precision, roles, dates."""
    from conflictmap.evaluate import evaluate

    if len(runs) % 3:
        err.print(f"eval-table: expected LABEL GOLD OUT_DIR triples, got {len(runs)} arguments: {runs!r}")
        raise typer.Exit(code=2)
    t = Table(title="evaluation (development-set figures)")
    t.add_column("set", no_wrap=True)
    for c in EVAL_COLUMNS.values():
        t.add_column(c, justify="right", no_wrap=True)
    t.add_column("events", justify="right", no_wrap=True)
    for k in range(0, len(runs), 3):
        label, gold, out_dir = runs[k:k + 3]
        d = evaluate(gold, out_dir).as_dict()
        t.add_row(label, *("—" if d.get(c) is None else f"{d[c]:.3f}" for c in EVAL_COLUMNS),
                  str(d["counts"]["events"]))
    out.print(t)


@app.command()
def gazetteer(
    rebuild: Annotated[bool, typer.Option(help="Rebuild the cached index.")] = False,
    lookup: Annotated[Optional[list[str]], typer.Option("--lookup", "-l", help="Names to look up.")] = None,
) -> None:
    """Build (or rebuild) the cached gazetteer index and optionally look names up."""
    from conflictmap.geo.gazetteer import Gazetteer, index_path
    from conflictmap.settings import Settings

    settings = Settings()
    t0 = time.perf_counter()
    g = Gazetteer.load(settings, rebuild=rebuild)
    out.print(f"{len(g):,} places, index {index_path(settings)} ({time.perf_counter() - t0:.2f} s)")
    for name in lookup or []:
        for c in g.candidates(name)[:5]:
            p = c.place
            out.print(f"  {name!r} → {p.name} [{p.feature_type}, {p.country_code}] ({p.lat}, {p.lon}) "
                      f"pop {p.population:,} match {c.match:.2f}", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
