"""Frames ↔ files: the column schema, atomic writes, the dataset folder, the month archive, validation.

The dataset functions of :mod:`conflictmap.store.dataset` are re-exported here, so
``from conflictmap import store; store.write_dataset(...)`` reads as it always did. They are imported
on first use (PEP 562), so ``conflictmap.store.cache`` or ``.atomic`` (which the gazetteer uses) do not
pull pandas, GeoPandas and pyarrow into a process that only looks places up.
Knows nothing of NLP or of the dashboard.
"""

from typing import Any

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
    """The re-exported :mod:`conflictmap.store.dataset` names, imported when first asked for."""
    if name in __all__:
        from conflictmap.store import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
