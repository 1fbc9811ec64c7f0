"""Actors: canonical ids, French/English aliases, sides (``data/actors.csv``)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from conflictmap.errors import DataFileError
from conflictmap.text import fold

_WORD = re.compile(r"[^\W_]+")
# Nouns of places and borders: a nationality adjective right after one of them qualifies a place
# ("la frontière turque", "le territoire libanais", "la ville turque de Kilis"), not an actor.
_PLACE_NOUNS = frozenset(fold(w) for w in (
    "frontière frontières territoire territoires sol côté ville villes village villages localité province "
    "provinces région régions capitale zone zones enclave rive côte littoral eaux espace bourgade district "
    "partie frontalière").split())
ACTOR_COLUMNS = ["actor_id", "label_fr", "label_en", "side", "country_code", "capitals", "aliases_fr", "aliases_en"]
SIDES = ("government", "pro_government", "opposition", "jihadist", "kurdish", "foreign_state", "coalition",
         "civilian")
#: Sides whose gains are "government regains territory".
GOVERNMENT_SIDES = frozenset({"government", "pro_government"})


@dataclass(frozen=True)
class Actor:
    """One actor of ``data/actors.csv``."""

    actor_id: str
    label_fr: str
    label_en: str
    side: str
    country_code: str
    capitals: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ActorMention:
    """An actor named in a text: character span and id."""

    start: int
    end: int
    actor_id: str
    text: str


class ActorLexicon:
    """Find actors in text with one compiled, longest-first alternation.

    Parameters
    ----------
    actors : list of Actor
        The actors.
    """

    def __init__(self, actors: list[Actor]) -> None:
        self.actors = {a.actor_id: a for a in actors}
        self._found: dict[str, tuple[ActorMention, ...]] = {}  # memo: the event rules ask about a sentence many times
        alias_to_id: dict[str, str] = {}
        for a in actors:
            for alias in (*a.aliases, a.label_fr, a.label_en):
                alias = alias.strip()
                if len(alias) >= 2:
                    alias_to_id.setdefault(alias.lower(), a.actor_id)
        self._alias_to_id = alias_to_id
        # folded alias ("etats unis", "regime d assad") → id; looked up over word n-grams, which is
        # linear in the sentence length (a 500-way regex alternation is not)
        self._fold_to_id: dict[str, str] = {}
        self._prefixes: set[tuple[str, ...]] = set()
        for k, v in alias_to_id.items():
            words = tuple(fold(w) for w in _WORD.findall(k))
            if words:
                self._fold_to_id.setdefault(" ".join(words), v)
                self._prefixes.update(words[:n] for n in range(1, len(words) + 1))

    @classmethod
    def load(cls, path: str | Path) -> "ActorLexicon":
        """Read and validate ``actors.csv``.

        Raises
        ------
        DataFileError
            Listing every problem (missing columns, duplicate ids, unknown sides).
        """
        p = Path(path)
        if not p.exists():
            raise DataFileError(str(p), ["file not found: the actors table is required (data/actors.csv)"])
        with p.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in ACTOR_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataFileError(str(p), [f"missing column(s) {missing}; expected {ACTOR_COLUMNS}"])
            rows = list(reader)
        problems: list[str] = []
        seen: set[str] = set()
        actors: list[Actor] = []
        for i, row in enumerate(rows, start=2):
            aid = (row.get("actor_id") or "").strip()
            if not aid:
                problems.append(f"line {i}: empty actor_id")
                continue
            if aid in seen:
                problems.append(f"line {i}: duplicate actor_id {aid!r}")
            seen.add(aid)
            side = (row.get("side") or "").strip()
            if side not in SIDES:
                problems.append(f"line {i} ({aid}): side {side!r} not in {SIDES}")
            split = lambda v: tuple(x.strip() for x in (v or "").split("|") if x.strip())  # noqa: E731
            actors.append(Actor(aid, row.get("label_fr") or aid, row.get("label_en") or aid, side,
                                (row.get("country_code") or "").strip(), split(row.get("capitals")),
                                split(row.get("aliases_fr")) + split(row.get("aliases_en"))))
        if problems:
            raise DataFileError(str(p), problems)
        return cls(actors)

    def find(self, text: str) -> list[ActorMention]:
        """Actor mentions in ``text`` (non-overlapping, left to right; memoised per text)."""
        hit = self._found.get(text)
        if hit is None:
            if len(self._found) >= 4096:
                self._found.clear()
            hit = self._found[text] = tuple(self._find(text))
        return list(hit)

    def _find(self, text: str) -> list[ActorMention]:
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        folded = [fold(text[a:b]) for a, b in spans]
        out: list[ActorMention] = []
        i, n = 0, len(spans)
        lookup, prefixes = self._fold_to_id, self._prefixes
        while i < n:
            best = 0
            aid = None
            j = i
            while j < n and tuple(folded[i:j + 1]) in prefixes:  # longest alias starting here
                j += 1
                hit = lookup.get(" ".join(folded[i:j]))
                if hit is not None:
                    best, aid = j, hit
            if aid is not None and best == i + 1 and i > 0 and folded[i - 1] in _PLACE_NOUNS and text[spans[i][0]].islower():
                aid = None  # "la frontière turque", "la ville turque de Kilis": a place, not the Turkish side
            if aid is not None:
                s, e = spans[i][0], spans[best - 1][1]
                out.append(ActorMention(s, e, aid, text[s:e]))
                i = best
            else:
                i += 1
        return out

    def side(self, actor_id: str | None) -> str:
        """Side of an actor ("" if unknown)."""
        a = self.actors.get(actor_id or "")
        return a.side if a else ""

    def label(self, actor_id: str, lang: str = "fr") -> str:
        """Readable label."""
        a = self.actors.get(actor_id)
        if a is None:
            return actor_id
        return a.label_fr if lang == "fr" else a.label_en
