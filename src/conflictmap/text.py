"""Name normalisation for matching French (and English) transliterations of Arabic names.

Three levels, from strict to loose:

``fold``
    lower case, accents and apostrophes removed, punctuation to single spaces.
    ``"Deïr ez-Zor"`` → ``"deir ez zor"``.
``phonetic``
    ``fold`` plus the Arabic article dropped and French/English spelling
    variants merged (ou/u, ch/sh, dj/j, q/k, double letters, final -e/-h).
    ``"Khan Cheikhoun"`` and ``"Khan Shaykhun"`` → ``"kanseikun"`` / ``"kanseikun"``.
``skeleton``
    the consonants of ``phonetic``: the blocking key of the fuzzy index.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Arabic definite article as written in French and English transliterations.
ARABIC_ARTICLES: frozenset[str] = frozenset(
    "al el ad ar as ach ash az an at ad ed er es et ez ech esh en eth ath adh ul ud us ur uz".split()
)
# Letters GeoNames uses for ayn/hamza, removed rather than spaced.
_DROP = str.maketrans("", "", "'’‘ʿʼ`´ʾ")
_PHONETIC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(a), b)
    for a, b in (
        (r"sch", "sh"),
        (r"ch", "sh"),
        (r"tch", "sh"),
        (r"dj", "j"),
        (r"dzh", "j"),
        (r"zh", "j"),
        (r"kh", "k"),
        (r"gh", "g"),
        (r"qu(?=[ei])", "k"),
        (r"q", "k"),
        (r"ck", "k"),
        (r"c(?=[aou])", "k"),
        (r"th", "t"),
        (r"dh", "d"),
        (r"ph", "f"),
        (r"ou", "u"),
        (r"oo", "u"),
        (r"w", "u"),
        (r"ee", "i"),
        (r"y", "i"),
        (r"ay|ai|ey|ei", "ei"),
        (r"(.)\1+", r"\1"),
        (r"(?<=[aeiou])h$", ""),
        (r"(?<=.{3})[e]$", ""),
    )
)
_VOWELS = re.compile(r"[aeiou]")
# Letters NFKD does not decompose into ASCII (Turkish, Polish, Icelandic, Maltese, transliteration).
_LETTERS = str.maketrans(
    {"ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h",
     "ŀ": "l", "ŧ": "t", "ɛ": "e", "ə": "e", "ʃ": "sh"}
)  # fmt: skip


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation.

    Parameters
    ----------
    text : str
        Any name or phrase.

    Returns
    -------
    str
        ASCII letters and digits separated by single spaces (``[a-z0-9 ]``,
        no leading or trailing space); letters of non-Latin scripts are dropped.
        ``fold(fold(x)) == fold(x)``.

    Examples
    --------
    >>> fold("Lattaquié")
    'lattaquie'
    >>> fold("Deir ez-Zor")
    'deir ez zor'
    """
    if text.isascii():  # fast path: no accents to strip
        return _NON_ALNUM.sub(" ", text.translate(_DROP).lower()).strip()
    s = unicodedata.normalize("NFKD", text.translate(_DROP).lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.translate(_LETTERS)
    return _NON_ALNUM.sub(" ", s).strip()


def strip_articles(folded: str) -> str:
    """Drop Arabic article tokens (``al``, ``el``, ``ad`` …) when a name remains.

    Parameters
    ----------
    folded : str
        Output of :func:`fold`.

    Returns
    -------
    str
        The name without article tokens; unchanged if nothing else would remain.
    """
    tokens = folded.split()
    kept = [t for t in tokens if t not in ARABIC_ARTICLES]
    return " ".join(kept) if kept else folded


@lru_cache(maxsize=200_000)
def phonetic(text: str) -> str:
    """Spelling-variant-insensitive form of a name (no spaces).

    Parameters
    ----------
    text : str
        A name, raw or folded.

    Returns
    -------
    str
        The phonetic key, e.g. ``"Hassaké"`` and ``"Al Hasakah"`` both give ``"hasak"``.
    """
    s = strip_articles(fold(text)).replace(" ", "")
    for pattern, repl in _PHONETIC_RULES:
        s = pattern.sub(repl, s)
    return s


def skeleton(text: str) -> str:
    """Consonant skeleton of :func:`phonetic` (first letter kept): the fuzzy blocking key.

    Parameters
    ----------
    text : str
        A name.

    Returns
    -------
    str
        E.g. ``"Deraa"`` and ``"Daraa"`` both give ``"dr"``.
    """
    p = phonetic(text)
    if not p:
        return ""
    return p[0] + _VOWELS.sub("", p[1:])


def regex_prefixes(pattern: str, length: int = 2) -> frozenset[str] | None:
    """The lower-case beginnings a regular expression's matches can have (for a cheap pre-filter).

    Read from the parsed pattern (``re._parser``), case-insensitively: literals, character sets,
    alternations, groups and repeats are followed; zero-width assertions (``\\b``, look-arounds)
    are skipped, which only makes the set larger. A beginning shorter than ``length`` means that
    anything may follow it (a ``\\s`` or ``\\w`` came next, or the match may end there).

    Parameters
    ----------
    pattern : str
        A regular expression.
    length : int
        Number of characters of each beginning.

    Returns
    -------
    frozenset of str or None
        None when the first character is unconstrained (``.``, ``\\w``…): no pre-filter is possible.

    Examples
    --------
    >>> sorted(regex_prefixes(r"\\b(?:fr[ao]pp|obus)"))
    ['fr', 'ob']
    """
    try:
        from re import _constants as sre_c
        from re import _parser as sre_p
    except ImportError:  # Python < 3.11
        import sre_constants as sre_c  # type: ignore[no-redef]
        import sre_parse as sre_p  # type: ignore[no-redef]

    def chars_of(op: Any, av: Any) -> set[str] | None:
        if op is sre_c.LITERAL:
            return {chr(av).lower()}
        if op is not sre_c.IN:
            return None
        out: set[str] = set()
        for o, a in av:
            if o is sre_c.LITERAL:
                out.add(chr(a).lower())
            elif o is sre_c.RANGE and a[1] - a[0] <= 400:
                out |= {chr(x).lower() for x in range(a[0], a[1] + 1)}
            else:
                return None
        return out

    def walk(items: list[Any], k: int, depth: int) -> set[str] | None:
        if k == 0 or not items:
            return {""}
        if depth > 60:
            return None
        (op, av), rest = items[0], items[1:]
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            return walk(rest, k, depth + 1)
        if op is sre_c.SUBPATTERN:
            return walk([*av[-1], *rest], k, depth + 1)
        if op is sre_c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                got = walk([*alt, *rest], k, depth + 1)
                if got is None:
                    return None
                out |= got
            return out
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, hi, sub = av
            out = set()
            if lo == 0:
                got = walk(rest, k, depth + 1)
                if got is None:
                    return None
                out |= got
            if hi == 0:
                return out
            again = [] if hi == 1 else [(op, (max(lo - 1, 0), hi if hi == sre_c.MAXREPEAT else hi - 1, sub))]
            got = walk([*sub, *again, *rest], k, depth + 1)
            return None if got is None else out | got
        chars = chars_of(op, av)
        if chars is None:
            return None
        tail = walk(rest, k - 1, depth + 1)
        if tail is None:
            return chars  # anything may follow
        return {c + t for c in chars for t in tail}

    got = walk(list(sre_p.parse(pattern, re.IGNORECASE)), length, 0)
    if got is None or "" in got:
        return None
    return frozenset(got)
