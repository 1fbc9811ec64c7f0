"""Ingest on a Dask cluster: the same results as the serial path, on more machines.

The client reads and cleans the articles (:func:`conflictmap.extract.articles.iter_articles`),
skips the unchanged ones (incremental mode), scatters batches of the rest to the
workers and assembles the per-article rows with the very function the serial path
uses (:meth:`conflictmap.extract.pipeline.Pipeline.combine`), in input order — so serial,
``n_process`` and Dask runs give identical outputs.

Each worker process loads the pipeline (spaCy model + gazetteer) **once**: a
:class:`~distributed.diagnostics.plugin.WorkerPlugin` loads it when the worker
joins, into a per-process cache that the tasks read (a task that lands on a
worker without the plugin loads it on first use).

``scheduler="local"`` starts a :class:`~distributed.LocalCluster` (processes,
one thread each); any other value is a scheduler address (``tcp://host:port``)
of a running cluster whose workers have ``conflictmap`` and the spaCy model
installed and can read the data folder given in the settings.

Example
-------
>>> from conflictmap.extract.distributed import run_distributed      # doctest: +SKIP
>>> result = run_distributed(["articles/"], Settings(), scheduler="tcp://10.0.0.5:8786")
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed.diagnostics.plugin import WorkerPlugin

from conflictmap.errors import InputError
from conflictmap.extract.articles import Article, iter_articles
from conflictmap.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from conflictmap.extract.pipeline import IngestResult, Pipeline

Progress = Callable[[int, int], None]

#: Articles per task: large enough to amortise scheduling, small enough to balance and report progress.
MAX_BATCH = 64

# --------------------------------------------------------------------------- worker side

_PIPELINES: dict[Settings, "Pipeline"] = {}
_LOCK = threading.Lock()


def worker_pipeline(settings: Settings) -> "Pipeline":
    """The pipeline of this process for these settings, loaded on first use only."""
    with _LOCK:
        pipe = _PIPELINES.get(settings)
        if pipe is None:
            from conflictmap.extract.pipeline import Pipeline

            pipe = _PIPELINES[settings] = Pipeline.load(settings)
            # warm up (lazy imports and caches on first use), outside the timed tasks
            warm = Article(article_id="_warmup", text="Les forces syriennes ont repris Alep le 3 mars 2017.")
            for art, rec in pipe.analyse([warm]):
                pipe.settle(art, rec)
        return pipe


def analyse_batch(batch: Sequence[Article], settings: Settings) -> list[tuple[dict[str, Any], tuple[list, list, list]]]:
    """Worker task: spaCy + the pure post-spaCy step for a batch; plain rows, in batch order."""
    pipe = worker_pipeline(settings)
    with _LOCK:  # one spaCy call at a time per process (workers may run several threads)
        return [pipe.settle(art, rec)[1:] for art, rec in pipe.analyse(list(batch))]


class LoadPipeline(WorkerPlugin):
    """Load the ConflictMap pipeline once, when a worker starts (or the plugin is registered)."""

    name = "conflictmap-pipeline"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def setup(self, worker: Any) -> None:
        worker_pipeline(self.settings)


# --------------------------------------------------------------------------- client side


def batches(items: Sequence[Article], n_workers: int, max_batch: int = MAX_BATCH) -> list[list[Article]]:
    """Split into about 4 batches per worker (at most ``max_batch`` articles each), keeping order."""
    if not items:
        return []
    size = max(1, min(max_batch, math.ceil(len(items) / max(1, 4 * n_workers))))
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def _client(scheduler: str, n_workers: int) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler in ("", "local", None):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        return Client(cluster), cluster
    return Client(scheduler), None


def run_distributed(paths: Iterable[str | Path], settings: Settings | None = None, scheduler: str = "local",
                    previous: dict[str, "pd.DataFrame"] | None = None, n_workers: int = 2,
                    progress: Progress | None = None, client: Any = None) -> "IngestResult":
    """Ingest files/folders on a Dask cluster.

    Parameters
    ----------
    paths : iterable of str or Path
        Article files or folders (read on the client).
    settings : Settings, optional
        Model, data and cache folders (they must be valid paths on the workers too).
    scheduler : str
        ``"local"`` for a :class:`~distributed.LocalCluster` of ``n_workers`` processes,
        else a scheduler address such as ``tcp://host:8786``.
    previous : dict, optional
        A previous dataset (:func:`conflictmap.store.read_dataset`): unchanged articles are
        not sent to the cluster; their rows are reused.
    n_workers : int
        Worker processes of the local cluster.
    progress : callable, optional
        ``progress(done, total)`` in articles, as batches complete.
    client : distributed.Client, optional
        An existing client to use (it is not closed).

    Returns
    -------
    IngestResult
        The same as :meth:`conflictmap.extract.pipeline.Pipeline.run_paths` with ``previous``.
    """
    from conflictmap.extract.pipeline import Pipeline

    settings = settings or Settings()
    arts: list[Article] = []
    errors: list[InputError] = []
    for item in iter_articles(paths):
        (errors if isinstance(item, InputError) else arts).append(item)  # type: ignore[arg-type]
    reuse_ids = Pipeline.unchanged_ids(arts, previous)
    todo = [a for a in arts if a.article_id not in reuse_ids]
    outputs: list[tuple[Article, dict[str, Any], tuple[list, list, list]]] = []
    if todo:
        own = client is None
        cluster = None
        if own:
            client, cluster = _client(scheduler, n_workers)
        try:
            outputs = _run_on(client, todo, settings, progress)
        finally:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()
    result = Pipeline.combine(outputs, previous, reuse_ids, arts)
    result.errors = errors
    return result


def _run_on(client: Any, todo: list[Article], settings: Settings,
            progress: Progress | None) -> list[tuple[Article, dict[str, Any], tuple[list, list, list]]]:
    from distributed import as_completed

    client.register_plugin(LoadPipeline(settings))
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    parts = batches(todo, n_workers)
    run = uuid.uuid4().hex[:12]
    futures = []
    for i, part in enumerate(parts):
        [data] = client.scatter([part], hash=False)
        futures.append(client.submit(analyse_batch, data, settings, key=f"conflictmap-{run}-{i}"))
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[list[Any] | None] = [None] * len(parts)
    done = 0
    for fut in as_completed(futures):
        i = index[fut.key]
        results[i] = fut.result()
        done += len(parts[i])
        if progress is not None:
            progress(done, len(todo))
    out = []
    for part, res in zip(parts, results):
        assert res is not None and len(res) == len(part)
        for art, (rec, rows) in zip(part, res):
            out.append((art, rec, rows))
    return out
