"""Frames ↔ files: the column schema, atomic writes, the dataset folder, the month archive, validation.

The dataset functions of :mod:`conflictmap.store.dataset` are re-exported here, so
``from conflictmap import store; store.write_dataset(...)`` reads as it always did. They are
loaded on first use (PEP 562): importing a light submodule such as :mod:`conflictmap.store.cache`
or :mod:`conflictmap.store.atomic` does not import geopandas and pyarrow.
Knows nothing of NLP or of the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from conflictmap.store.dataset import (  # noqa: F401
        LIST_COLUMNS,
        STAGING_PREFIX,
        articles_frame,
        control_frame,
        events_frame,
        mentions_frame,
        read_dataset,
        read_frame,
        read_success,
        recover_dataset,
        write_dataset,
    )

__all__ = [
    "LIST_COLUMNS",
    "STAGING_PREFIX",
    "articles_frame",
    "control_frame",
    "events_frame",
    "mentions_frame",
    "read_dataset",
    "read_frame",
    "read_success",
    "recover_dataset",
    "write_dataset",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from conflictmap.store import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module 'conflictmap.store' has no attribute {name!r}")
