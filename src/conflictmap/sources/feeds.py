"""News feeds: the feeds YAML file, RSS/Atom reading, what is new since the last run.

The feeds file::

    feeds:
      - name: example
        url: https://example.org/syrie/rss.xml
        language: fr            # optional: the articles' language when a page does not say
        include: [Syrie, Idleb]  # optional: keep items whose title, summary or tags name one of these

Feeds are read with feedparser after a conditional request (the ETag / Last-Modified of the last
run, kept in the dataset folder's ``_feeds.json``): a feed that has not changed costs one 304.
Items are new when neither their normalised URL nor, once fetched, their canonical URL or text hash
is already in the dataset; items skipped for good (filtered out, duplicates) are remembered so they
are never fetched again, failing ones are retried on the next runs (three times at most).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictmap.errors import InputError
from conflictmap.sources.web import FetchError, Fetcher, check_url, normalize_url
from conflictmap.store.atomic import atomic_write

#: The per-dataset state file (feed validators, items seen).
STATE_FILE = "_feeds.json"
#: Failed fetches of one item before it is given up.
MAX_ATTEMPTS = 3
#: Items remembered in the state file (the oldest are forgotten first).
MAX_REMEMBERED = 20_000
_KEYS = {"name", "url", "language", "include"}


@dataclass(frozen=True)
class Feed:
    """One entry of the feeds file."""

    name: str
    url: str
    language: str = ""
    include: tuple[str, ...] = ()

    def wants(self, text: str) -> bool:
        """Whether ``text`` names one of the ``include`` keywords (case and accents ignored); no keywords: yes."""
        if not self.include:
            return True
        hay = fold(text)
        return any(fold(k) in hay for k in self.include)


def fold(text: str) -> str:
    """Lower case without accents, for keyword matching."""
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).casefold()


def load_feeds(path: str | Path) -> list[Feed]:
    """Read and check a feeds YAML file.

    Parameters
    ----------
    path : str or Path
        The file (see the module docstring for its shape; unknown keys are ignored).

    Returns
    -------
    list of Feed

    Raises
    ------
    InputError
        Naming the file and the entry: unreadable YAML, no ``feeds`` list, an entry without ``url``,
        a non-``http(s)`` URL, a duplicate name, ``include`` not a list of words.
    """
    import yaml

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(p), f"cannot read the feeds file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(str(p), f"not valid YAML ({str(exc).splitlines()[0]})") from None
    items = doc.get("feeds") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError(str(p), "expected a top-level 'feeds:' list of entries with at least a 'url' "
                                 "(see README, 'Following news feeds')")
    feeds: list[Feed] = []
    names: set[str] = set()
    for i, item in enumerate(items, start=1):
        where = f"feeds[{i}]"
        if not isinstance(item, dict) or not item.get("url"):
            raise InputError(str(p), f"{where} needs a 'url' (got {item!r})")
        try:
            url = check_url(str(item["url"]))
        except FetchError as exc:
            raise InputError(str(p), f"{where}: {exc}") from None
        name = str(item.get("name") or (normalize_url(url).split("/")[2]))
        if name in names:
            raise InputError(str(p), f"{where}: duplicate feed name {name!r}; give each feed its own 'name'")
        names.add(name)
        include = item.get("include") or []
        if isinstance(include, str):
            include = [include]
        if not isinstance(include, list) or not all(isinstance(k, (str, int)) for k in include):
            raise InputError(str(p), f"{where}: 'include' must be a list of keywords, got {include!r}")
        feeds.append(Feed(name=name, url=url, language=str(item.get("language") or ""),
                          include=tuple(str(k) for k in include if str(k).strip())))
    return feeds


# --------------------------------------------------------------------------- state


@dataclass
class FeedState:
    """What earlier runs learnt: each feed's validators, and the items already decided.

    Attributes
    ----------
    validators : dict
        Feed URL → ``{"etag": …, "last_modified": …}``.
    seen : dict
        Normalised item URL → reason it needs no fetch (``"in dataset"``, ``"filtered"``, ``"duplicate of …"``).
    failures : dict
        Normalised item URL → number of failed fetches so far.
    """

    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: str | Path) -> "FeedState":
        """The state kept in ``out_dir`` (empty when there is none or it is unreadable)."""
        try:
            raw = json.loads((Path(out_dir) / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        return cls(validators=dict(raw.get("validators") or {}), seen=dict(raw.get("seen") or {}),
                   failures={k: int(v) for k, v in (raw.get("failures") or {}).items()})

    def save(self, out_dir: str | Path) -> None:
        """Write the state atomically (the oldest remembered items beyond :data:`MAX_REMEMBERED` dropped)."""
        seen = dict(list(self.seen.items())[-MAX_REMEMBERED:])
        doc = {"validators": self.validators, "seen": seen, "failures": self.failures}
        atomic_write(Path(out_dir) / STATE_FILE, lambda fh: fh.write(json.dumps(doc, indent=1).encode("utf-8")))


# --------------------------------------------------------------------------- reading feeds


@dataclass(frozen=True)
class Item:
    """A feed entry worth fetching."""

    feed: str
    url: str
    title: str
    language: str


@dataclass
class FeedReport:
    """What one pass over the feeds found: new items, skipped items (with why), errors (one line each)."""

    new: list[Item] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url or feed, reason)
    errors: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)  # feed names answered 304


def _entry_text(entry: Mapping[str, Any]) -> str:
    tags = " ".join(str(t.get("term", "")) for t in entry.get("tags", []) or [] if isinstance(t, Mapping))
    return " ".join([str(entry.get("title", "")), str(entry.get("summary", "")), tags])


def read_feeds(feeds: Iterable[Feed], fetcher: Fetcher, state: FeedState,
               known: set[str]) -> FeedReport:
    """Fetch each feed (conditionally) and list its new items.

    Parameters
    ----------
    feeds : iterable of Feed
    fetcher : Fetcher
    state : FeedState
        Updated in place: validators, filtered items.
    known : set of str
        Normalised URLs already in the dataset.

    Returns
    -------
    FeedReport
        A feed that cannot be fetched or parsed is one error line; the other feeds go on.
    """
    import feedparser

    rep = FeedReport()
    queued: set[str] = set()
    for feed in feeds:
        try:
            r = fetcher.get(feed.url, kind="feed", validators=state.validators.get(feed.url, {}))
        except FetchError as exc:
            rep.errors.append(f"feed {feed.name}: {exc}")
            continue
        state.validators[feed.url] = {"etag": r.etag, "last_modified": r.last_modified}
        if r.not_modified:
            rep.not_modified.append(feed.name)
            continue
        parsed = feedparser.parse(r.body, response_headers={"content-location": r.final_url})
        if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
            why = parsed.get("bozo_exception") or "no RSS or Atom entries"
            rep.errors.append(f"feed {feed.name}: {feed.url}: not a readable RSS/Atom feed ({why})")
            state.validators.pop(feed.url, None)
            continue
        for entry in parsed.entries:
            link = str(entry.get("link") or "")
            try:
                url = check_url(link)
            except FetchError as exc:
                rep.skipped.append((link or f"{feed.name}: an entry", f"unusable link ({exc.problem})"))
                continue
            key = normalize_url(url)
            if key in known:
                rep.skipped.append((url, "already in the dataset"))
                continue
            if key in state.seen:
                rep.skipped.append((url, state.seen[key]))
                continue
            if key in queued:
                rep.skipped.append((url, "listed twice in this run"))
                continue
            if state.failures.get(key, 0) >= MAX_ATTEMPTS:
                rep.skipped.append((url, f"failed {state.failures[key]} times; given up"))
                continue
            if not feed.wants(_entry_text(entry)):
                reason = f"no include keyword of feed {feed.name} in its title, summary or tags"
                state.seen[key] = reason
                rep.skipped.append((url, reason))
                continue
            queued.add(key)
            rep.new.append(Item(feed=feed.name, url=url, title=str(entry.get("title", "")), language=feed.language))
    return rep
