"""Pickle caches that are only read when they are the user's own.

The gazetteer index and the compiled tokenizer patterns are cached with :mod:`pickle`, and
unpickling runs code. A cache folder can fall back to a shared temporary folder with a
predictable name, where another local user could plant a file first. So:

* cache folders are created with mode ``0700``; an existing folder must belong to the current
  user and be writable by nobody else (a folder of ours that is too open is tightened);
* a cache file is unpickled only if it is a regular file (not a symbolic link), belongs to the
  current user and is writable by nobody else; anything else raises :class:`UntrustedCacheError`
  *before* a byte is unpickled, and callers rebuild in memory instead.

On systems without POSIX ownership (Windows) only the regular-file check applies.
"""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path
from typing import Any

from conflictmap.store.atomic import atomic_write


class UntrustedCacheError(PermissionError):
    """A cache file or folder that the current user does not own alone; it is never unpickled."""


def _uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def _check(path: Path, st: os.stat_result, what: str) -> None:
    uid = _uid()
    if uid is None:
        return
    if st.st_uid != uid:
        raise UntrustedCacheError(
            f"{what} {str(path)!r} belongs to uid {st.st_uid}, not to you (uid {uid}): it is not read. "
            "Delete it, or set CONFLICTMAP_CACHE_DIR to a folder of your own."
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UntrustedCacheError(
            f"{what} {str(path)!r} is writable by other users (mode {stat.S_IMODE(st.st_mode):o}): it is not read. "
            f"Run `chmod go-w {path}` or delete it."
        )


def private_dir(path: str | Path) -> Path:
    """Create (mode ``0700``) or check a cache folder of the current user.

    Parameters
    ----------
    path : str or Path
        The folder.

    Returns
    -------
    pathlib.Path
        The folder, existing and private.

    Raises
    ------
    UntrustedCacheError
        If it exists but belongs to another user, or is a symbolic link.
    """
    d = Path(path)
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(d)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise UntrustedCacheError(f"cache folder {str(d)!r} is a link or not a folder: it is not used. "
                                  "Set CONFLICTMAP_CACHE_DIR to a folder of your own.")
    uid = _uid()
    if uid is not None and st.st_uid == uid and st.st_mode & 0o077:
        os.chmod(d, 0o700)  # ours but readable/writable by others: tighten it
        st = os.lstat(d)
    _check(d, st, "cache folder")
    return d


def load_pickle(path: str | Path) -> Any:
    """Unpickle a cache file after checking that the current user alone owns it and its folder.

    Raises
    ------
    UntrustedCacheError
        If the file or its folder is someone else's, writable by others, or a link.
    FileNotFoundError
        If there is no such file.
    """
    p = Path(path)
    _check(p.parent, os.stat(p.parent), "cache folder")
    with open(p, "rb") as fh:
        st = os.fstat(fh.fileno())
        if os.path.islink(p) or not stat.S_ISREG(st.st_mode):
            raise UntrustedCacheError(f"cache file {str(p)!r} is a link or not a regular file: it is not read. "
                                      "Delete it.")
        _check(p, st, "cache file")
        return pickle.load(fh)


def dump_pickle(path: str | Path, obj: Any, prefix: str = ".tmp-") -> None:
    """Write ``obj`` atomically into a private cache folder (the file gets mode ``0600``).

    Raises
    ------
    UntrustedCacheError
        If the folder belongs to another user.
    """
    p = Path(path)
    private_dir(p.parent)
    atomic_write(p, lambda fh: pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL), prefix=prefix)
    os.chmod(p, 0o600)
