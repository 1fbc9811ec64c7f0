"""Uploaded articles are analysed in a child process: spaCy and the gazetteer never live in the server.

The dashboard server stays small (its memory is the data and Streamlit); each "Analyse" click
starts ``python -m conflictmap.dashboard.upload_worker FOLDER``, which loads the pipeline, writes
the frames as Parquet files into ``FOLDER/out`` and exits, giving its memory back.
:class:`SubprocessPipeline` is what the page calls (same ``run_uploads`` as
:class:`conflictmap.extract.pipeline.Pipeline`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

#: Seconds an analysis may take before it is stopped.
TIMEOUT_S = 600
_FRAMES = ("articles", "mentions", "events", "control")
_NO_PIPELINE = 3  # exit code: the pipeline (or its spaCy model) cannot be imported


class UploadAnalysisError(RuntimeError):
    """The child process failed; the message carries the end of its error output."""


def _write(folder: Path, result: Any) -> None:
    out = folder / "out"
    out.mkdir(exist_ok=True)
    for name in _FRAMES:
        df = getattr(result, name, None)
        if df is not None and len(df):
            df.to_parquet(out / f"{name}.parquet")
    errors = [{"path": str(getattr(e, "path", "?")),
               "message": str(getattr(e, "message", None) or getattr(e, "problem", None) or e)}
              for e in getattr(result, "errors", []) or []]
    (out / "errors.json").write_text(json.dumps(errors, ensure_ascii=False), encoding="utf-8")


def _read(folder: Path) -> SimpleNamespace:
    import geopandas as gpd
    import pandas as pd

    out = folder / "out"
    frames: dict[str, Any] = {}
    for name in _FRAMES:
        p = out / f"{name}.parquet"
        if not p.exists():
            frames[name] = None
        elif name == "events":
            frames[name] = gpd.read_parquet(p)
        else:
            frames[name] = pd.read_parquet(p)
    errors = [SimpleNamespace(**e) for e in json.loads((out / "errors.json").read_text(encoding="utf-8"))]
    return SimpleNamespace(**frames, errors=errors)


def _forked_child(folder: str) -> None:
    """Fork side: the server's imported modules are shared (copy-on-write); only spaCy and the gazetteer are new."""
    code = 1
    try:
        code = _analyse(Path(folder), progress_file=Path(folder) / "progress")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent through the folder
        (Path(folder) / "error.txt").write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
    finally:
        os._exit(code)


class SubprocessPipeline:
    """``run_uploads`` in a child process (see the module docstring).

    On Linux the child is forked from the server, so the libraries the server already imported
    (pandas, geopandas, numpy…) are shared rather than loaded twice; elsewhere it is a fresh
    ``python -m conflictmap.dashboard.upload_worker``.
    """

    def __init__(self, fork: bool | None = None) -> None:
        self.fork = sys.platform.startswith("linux") if fork is None else fork

    def run_uploads(self, files: Sequence[tuple[str, bytes]],
                    progress: Callable[[int, int], None] | None = None) -> SimpleNamespace:
        """Analyse ``files`` (name, bytes) and return the frames and errors, like ``Pipeline.run_uploads``.

        Raises
        ------
        ImportError
            The child could not import the pipeline or its spaCy model.
        UploadAnalysisError
            Any other failure of the child (with the end of its error output).
        """
        with tempfile.TemporaryDirectory(prefix="conflictmap-upload-") as tmp:
            folder = Path(tmp)
            (folder / "in").mkdir()
            names = []
            for i, (name, data) in enumerate(files):
                (folder / "in" / str(i)).write_bytes(data)
                names.append(name)
            (folder / "files.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
            if self.fork:
                return self._run_forked(folder, progress)
            proc = subprocess.Popen([sys.executable, "-m", "conflictmap.dashboard.upload_worker", str(folder)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
            assert proc.stdout is not None
            for line in proc.stdout:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "PROGRESS" and progress is not None:
                    progress(int(parts[1]), int(parts[2]))
            try:
                _, err = proc.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise UploadAnalysisError(f"analysis took more than {TIMEOUT_S} s and was stopped") from None
            if proc.returncode == _NO_PIPELINE:
                raise ImportError((err or "").strip().splitlines()[-1] if err and err.strip() else "pipeline missing")
            if proc.returncode != 0:
                tail = " ".join((err or "").strip().splitlines()[-3:])
                raise UploadAnalysisError(f"exit code {proc.returncode}: {tail}")
            return _read(folder)


    def _run_forked(self, folder: Path, progress: Callable[[int, int], None] | None) -> SimpleNamespace:
        import multiprocessing
        import time

        proc = multiprocessing.get_context("fork").Process(target=_forked_child, args=(str(folder),), daemon=True)
        proc.start()
        t0, seen = time.monotonic(), ""
        while proc.is_alive():
            proc.join(0.2)
            p = folder / "progress"
            if progress is not None and p.exists():
                last = p.read_text(encoding="utf-8").strip()
                if last and last != seen and len(last.split()) == 2:
                    seen = last
                    progress(int(last.split()[0]), int(last.split()[1]))
            if time.monotonic() - t0 > TIMEOUT_S:
                proc.kill()
                raise UploadAnalysisError(f"analysis took more than {TIMEOUT_S} s and was stopped")
        err = (folder / "error.txt").read_text(encoding="utf-8") if (folder / "error.txt").exists() else ""
        if proc.exitcode == _NO_PIPELINE:
            raise ImportError(err or "pipeline missing")
        if proc.exitcode != 0:
            raise UploadAnalysisError(f"exit code {proc.exitcode}: {err}")
        return _read(folder)


def _analyse(folder: Path, progress_file: Path | None = None) -> int:
    """Analyse ``FOLDER/in/*`` and write ``FOLDER/out``; the exit code (``_NO_PIPELINE`` without spaCy)."""
    names = json.loads((folder / "files.json").read_text(encoding="utf-8"))
    files = [(name, (folder / "in" / str(i)).read_bytes()) for i, name in enumerate(names)]
    try:
        from conflictmap.extract.pipeline import Pipeline

        pipe = Pipeline.load()
    except (ImportError, OSError) as exc:  # spaCy says "can't find model" with an OSError
        msg = f"{type(exc).__name__}: {exc}"
        if progress_file is not None:
            (folder / "error.txt").write_text(msg, encoding="utf-8")
        print(msg, file=sys.stderr)
        return _NO_PIPELINE

    def report(done: int, total: int) -> None:
        if progress_file is not None:
            progress_file.write_text(f"{done} {total}", encoding="utf-8")
        else:
            print(f"PROGRESS {done} {total}", flush=True)

    result = pipe.run_uploads(files, progress=report)
    _write(folder, result)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Child side (fresh interpreter): analyse ``FOLDER/in/*`` and write ``FOLDER/out``."""
    return _analyse(Path((argv if argv is not None else sys.argv[1:])[0]))


if __name__ == "__main__":
    raise SystemExit(main())
