"""Free-text search of the dashboard: quotes, place names and actor names, folded like the gazetteer.

A query matches an event when, once folded (lower case, no accents, no spaces, hyphens or
apostrophes), it is a substring of the event's quote or place name (``Deir Ezzor`` finds
``Deir ez-Zor``); when its phonetic form (:func:`conflictmap.text.phonetic`: French/English
transliterations merged) matches a place name's (``Khan Cheikhoun`` finds ``Khan Shaykhun``); or
when it names one of the event's actors in French or English, by label or alias (``Russia``,
``Etat islamique``). Per-bundle indexes are built on first use and cached with the bundle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.dashboard.data import Bundle, find_data_file, search_fold

_SQUEEZE = r"[^\p{L}\p{N}]+"


def compact(text: str) -> str:
    """The search normal form of ``text``: :func:`search_fold` without spaces or punctuation.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``"Deir ez-Zor"`` → ``"deirezzor"``.
    """
    folded = search_fold(text or "")
    return str(pc.replace_substring_regex(pa.array([folded]), _SQUEEZE, "")[0].as_py())


def _static(bundle: Bundle, name: str, compute: object) -> object:
    from conflictmap.dashboard.filters import view_cache

    return view_cache(bundle, "static", 8).get(name, compute)  # type: ignore[arg-type]


def _event_text(bundle: Bundle) -> pa.Array:
    """Compacted quote + place name of every event (once per bundle)."""
    return _static(bundle, "search_compact",
                   lambda: pc.replace_substring_regex(bundle.prep.text, _SQUEEZE, ""))  # type: ignore[return-value]


def actor_names(bundle: Bundle) -> dict[str, list[str]]:
    """Every name of each actor of the bundle: labels (French, English) and the aliases of ``actors.csv``."""
    def compute() -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for aid, row in bundle.actors.iterrows():
            names[str(aid)] = [str(row.get("label_fr") or ""), str(row.get("label_en") or ""), str(aid)]
        path = find_data_file(Path(bundle.source_dir), "actors.csv") if bundle.source_dir else None
        if path is not None:
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False)
            except (OSError, ValueError):
                df = pd.DataFrame()
            for row in df.to_dict("records"):
                aid = str(row.get("actor_id") or "")
                if aid in names:
                    for col in ("aliases_fr", "aliases_en"):
                        names[aid].extend(a for a in str(row.get(col) or "").split("|") if a)
        return names

    return _static(bundle, "actor_names", compute)  # type: ignore[return-value]


def _actor_index(bundle: Bundle) -> list[tuple[int, tuple[str, ...]]]:
    def compute() -> list[tuple[int, tuple[str, ...]]]:
        names = actor_names(bundle)
        out = []
        for code, aid in enumerate(bundle.actor_ids):
            forms = tuple(dict.fromkeys(c for c in (compact(n) for n in names.get(aid, [aid])) if c))
            out.append((code, forms))
        return out

    return _static(bundle, "actor_index", compute)  # type: ignore[return-value]


def _place_phonetic(bundle: Bundle) -> list[str]:
    def compute() -> list[str]:
        from conflictmap.text import phonetic

        return [phonetic(n or "") for n in bundle.prep.place_names]

    return _static(bundle, "place_phonetic", compute)  # type: ignore[return-value]


def matching_actors(bundle: Bundle, query: str) -> list[int]:
    """Actor codes one of whose names contains the compacted ``query`` (at least 3 characters)."""
    q = compact(query)
    if len(q) < 3:
        return []
    return [code for code, forms in _actor_index(bundle) if any(q in f for f in forms)]


def search_rows(bundle: Bundle, idx: np.ndarray, query: str) -> np.ndarray:
    """The rows of ``idx`` that ``query`` matches (see the module docstring).

    Parameters
    ----------
    bundle : Bundle
    idx : numpy.ndarray
        Candidate rows (sorted).
    query : str

    Returns
    -------
    numpy.ndarray
        Sorted subset of ``idx``.
    """
    q = compact(query)
    if not q or not len(idx):
        return idx
    keep = np.zeros(len(idx), dtype=bool)
    found = pc.match_substring(_event_text(bundle).take(pa.array(idx)), q)
    keep |= np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    p = bundle.prep
    from conflictmap.text import phonetic

    ph = phonetic(query)
    if len(ph) >= 3:
        codes = [i for i, name in enumerate(_place_phonetic(bundle)) if name and ph in name]
        if codes:
            keep |= np.isin(p.place[idx], codes)
    actors = matching_actors(bundle, query)
    if actors:
        hit = np.zeros(len(p.d0), dtype=bool)
        hit[p.act_row[np.isin(p.act_code, actors)]] = True
        keep |= hit[idx]
    return idx[keep]
