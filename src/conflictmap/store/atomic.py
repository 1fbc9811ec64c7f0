"""Small file helpers shared by the caches (gazetteer index, regex cache, geocoding cache)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object], prefix: str = ".tmp-") -> None:
    """Write a file through ``write(fh)`` into a temporary file, then rename it into place.

    Readers never see a partial file; on any error the temporary file is removed and the
    previous file (if any) is left as it was.

    Parameters
    ----------
    path : str or Path
        Destination.
    write : callable
        Receives the open binary file handle.
    prefix : str
        Prefix of the temporary file (in the destination's folder).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
