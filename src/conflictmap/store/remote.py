"""Datasets published elsewhere (``https://…``, ``s3://…``): a local, immutable copy per version.

A published dataset is a folder written by ``conflictmap ingest``/``update`` and copied as is (its
``_SUCCESS.json`` lists its files). :func:`mirror` reads the remote ``_SUCCESS.json``; when it differs
from the copy's, it downloads the listed files into a temporary folder and renames that folder to
``<cache>/<url hash>/<hash of _SUCCESS.json>`` in one step. A version folder never changes once it
exists, so a reader of an older one is never disturbed; the two newest are kept.

Files are read with fsspec (``http``/``https`` through aiohttp, any protocol whose fsspec package is
installed) and, for object stores fsspec cannot open here (``s3://`` without ``s3fs``), with pyarrow's
own file systems (credentials from the usual ``AWS_*`` variables or instance roles).
The month archive (``events_by_month/``) is not copied: a remote dataset is read whole.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

from conflictmap.errors import UrlError

#: Protocols pyarrow can open natively when fsspec's package for them is missing.
_PYARROW_SCHEMES = {"s3", "gs", "gcs", "hdfs", "abfs", "abfss"}
_LOCK = threading.Lock()
_CHECKED: dict[str, tuple[float, Path]] = {}


class RemoteDataError(UrlError):
    """A remote dataset could not be read; the message names the URL and the problem."""


def is_remote(location: str | Path) -> bool:
    """Whether a dataset location is a URL (``scheme://…``, other than ``file://``) rather than a folder."""
    s = str(location)
    return "://" in s and not s.lower().startswith("file://")


def read_bytes(url: str, timeout: float = 30.0) -> bytes:
    """The bytes at ``url`` (fsspec, or pyarrow for object stores fsspec cannot open here).

    Raises
    ------
    RemoteDataError
        Missing file, refused access, unknown protocol, network failure: one line naming the URL.
    """
    scheme = url.split("://", 1)[0].lower()
    try:
        import fsspec

        try:
            opts = {"client_kwargs": {"timeout": _aiohttp_timeout(timeout)}} if scheme in ("http", "https") else {}
            with fsspec.open(url, "rb", **opts) as fh:
                return fh.read()
        except (ImportError, ValueError) as exc:
            if scheme not in _PYARROW_SCHEMES:
                raise RemoteDataError(url, f"cannot open {scheme}:// URLs ({exc}); install the fsspec package "
                                           f"for {scheme} (e.g. pip install s3fs)") from None
        import pyarrow.fs as pafs

        fs, path = pafs.FileSystem.from_uri(url)
        with fs.open_input_stream(path) as fh:
            return fh.read()
    except RemoteDataError:
        raise
    except FileNotFoundError:
        raise RemoteDataError(url, "not found") from None
    except Exception as exc:  # noqa: BLE001 - aiohttp, botocore, pyarrow: one line, whatever the backend
        raise RemoteDataError(url, f"cannot be read ({type(exc).__name__}: {exc})") from None


def _aiohttp_timeout(seconds: float) -> object:
    import aiohttp

    return aiohttp.ClientTimeout(total=seconds)


def _join(url: str, name: str) -> str:
    return url.rstrip("/") + "/" + name


def _busted(url: str, token: str) -> str:
    """``url?v=token`` for http(s): a CDN in front of the published folder (GitHub Pages caches 10 min)
    never answers with a stale ``_SUCCESS.json``, nor with a file of the previous version."""
    return f"{url}?v={token}" if url.lower().startswith(("http://", "https://")) else url


def mirror(url: str, cache_root: str | Path, min_interval: float = 0.0) -> Path:
    """A local folder holding the current version of the dataset published at ``url``.

    Parameters
    ----------
    url : str
        The dataset folder's URL (``https://host/path/ds``, ``s3://bucket/ds``).
    cache_root : str or Path
        Where the copies live (``$CONFLICTMAP_CACHE_DIR/remote``).
    min_interval : float
        Seconds during which the last answer is reused without asking the server again.

    Returns
    -------
    pathlib.Path
        A complete, never-changing version folder.

    Raises
    ------
    RemoteDataError
        When no version was ever copied and the remote one cannot be read. Once a copy exists, a failing
        server keeps the last copy (the map stays up; the error is retried after ``min_interval``).
    """
    url = url.rstrip("/")
    with _LOCK:
        hit = _CHECKED.get(url)
        if hit is not None and time.monotonic() - hit[0] < min_interval and hit[1].is_dir():
            return hit[1]
        home = Path(cache_root) / hashlib.sha256(url.encode()).hexdigest()[:16]
        try:
            success = read_bytes(_busted(_join(url, "_SUCCESS.json"), str(time.time_ns())))
            try:
                files = [str(f) for f in json.loads(success)["files"]]
            except (ValueError, KeyError, TypeError) as exc:
                raise RemoteDataError(_join(url, "_SUCCESS.json"), f"not a dataset manifest ({exc})") from None
            version = home / hashlib.sha256(success).hexdigest()[:16]
            if not (version / "_SUCCESS.json").exists():
                _download(url, files, success, home, version)
        except RemoteDataError:
            last = hit[1] if hit is not None and hit[1].is_dir() else _newest(home)
            if last is None:
                raise
            _CHECKED[url] = (time.monotonic(), last)  # keep showing the last copy; ask again later
            return last
        _prune(home, keep=version)
        _CHECKED[url] = (time.monotonic(), version)
        return version


def _newest(home: Path) -> Path | None:
    """The newest complete version folder already copied (after a restart), if any."""
    try:
        done = [p for p in home.iterdir() if not p.name.startswith(".") and (p / "_SUCCESS.json").exists()]
    except OSError:
        return None
    return max(done, key=lambda p: p.stat().st_mtime, default=None)


def _download(url: str, files: list[str], success: bytes, home: Path, version: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=home))
    try:
        rows = json.loads(success).get("rows") or {}
        for name in files:
            if "/" in name or "\\" in name or name.startswith("."):
                raise RemoteDataError(_join(url, "_SUCCESS.json"), f"lists an unsafe file name {name!r}")
            data = read_bytes(_busted(_join(url, name), hashlib.sha256(success).hexdigest()[:16]))
            stem = name.rsplit(".", 1)[0]
            if name.endswith(".parquet") and stem in rows and _parquet_rows(data) != int(rows[stem]):
                raise RemoteDataError(_join(url, name), f"has {_parquet_rows(data)} rows, _SUCCESS.json says "
                                                        f"{rows[stem]}: the upload is in progress or incomplete "
                                                        "(publish _SUCCESS.json last); the previous copy is kept")
            (tmp / name).write_bytes(data)
        (tmp / "_SUCCESS.json").write_bytes(success)  # last: the copy is complete
        try:
            tmp.rename(version)
        except OSError:
            if not (version / "_SUCCESS.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _parquet_rows(data: bytes) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.read_metadata(pa.BufferReader(data)).num_rows)
    except Exception:  # noqa: BLE001 - not Parquet: the count cannot match
        return -1


def _prune(home: Path, keep: Path, n: int = 2) -> None:
    """Delete all but the ``n`` newest version folders (``keep`` always stays)."""
    versions = sorted((p for p in home.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in versions if p != keep][n - 1:]:
        shutil.rmtree(old, ignore_errors=True)
