"""Frames ↔ files: the column schema, atomic writes, the dataset folder, the month archive, validation.

The dataset functions of :mod:`conflictmap.store.dataset` are re-exported here, so
``from conflictmap import store; store.write_dataset(...)`` reads as it always did.
Knows nothing of NLP or of the dashboard.
"""

from conflictmap.store.dataset import (
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
