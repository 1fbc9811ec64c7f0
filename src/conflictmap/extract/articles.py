"""Articles in: text/Markdown with optional YAML front matter, HTML, CSV/JSONL manifests.

Every loader returns :class:`Article` objects whose ``text`` is the *cleaned*
article: page furniture (cookie banners, "Lire aussi", photo credits, share
prompts) and repeated paragraphs removed. All offsets produced later point
into this cleaned text, which is stored with the outputs.

Bad input never stops a run: :func:`iter_articles` yields an
:class:`~conflictmap.errors.InputError` for each unusable file or row and goes on.

Limits
------
An article may have at most :data:`MAX_CHARS` characters. The size is checked
*before* anything is decoded: a file of more than ``4 * MAX_CHARS`` bytes
(:data:`MAX_BYTES`, the most UTF-8 can need) is rejected from its size alone,
without being read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictmap.errors import InputError, InputWarning

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MANIFEST_SUFFIXES = frozenset({".csv", ".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | MANIFEST_SUFFIXES
META_FIELDS = ("title", "published", "source", "url", "language")
#: Largest article accepted (characters of decoded text).
MAX_CHARS = 5_000_000
#: Largest article file read at all (bytes): UTF-8 needs at most 4 bytes a character.
MAX_BYTES = 4 * MAX_CHARS
#: Largest manifest file read (bytes); its rows are articles, each within :data:`MAX_CHARS`.
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
#: Reads the article at a URL (``conflictmap.sources.web.Fetcher.article``); raises ``OSError`` with a
#: one-line message when it cannot. Passed in by the caller: this module never goes on the network.
Fetch = Callable[[str], "Article"]


def is_url(value: object) -> bool:
    """Whether an input names a web page (``http://`` or ``https://``) rather than a file."""
    return str(value).strip().lower().startswith(("http://", "https://"))


def fetch_article(url: str, fetch: "Fetch | None", article_id: str | None = None) -> "Article | InputError":
    """The article at ``url`` through ``fetch``, or one :class:`InputError` naming the URL.

    Parameters
    ----------
    url : str
        The page.
    fetch : callable or None
        The fetcher; ``None`` (e.g. the dashboard's uploads) gives an error saying how to read URLs.
    article_id : str, optional
        Id to use instead of the one the fetcher derives from the URL.
    """
    url = url.strip()
    if fetch is None:
        return InputError(url, "URLs are only fetched by `conflictmap ingest` / `conflictmap update`; "
                               "give the article text or a file instead")
    try:
        art = fetch(url)
    except OSError as exc:
        return InputError(url, str(getattr(exc, "problem", "") or exc))
    if article_id:
        art.article_id = article_id
        art.content_hash = art.compute_hash()
    return art


@dataclass
class Article:
    """One cleaned article.

    Attributes
    ----------
    article_id : str
        File stem or manifest id.
    text : str
        Cleaned text; every offset in the outputs points into it.
    title, source, url, language : str
        Metadata (empty when unknown; ``language`` defaults to ``"fr"``).
    published : datetime.date or None
        Publication date from metadata; ``None`` when unknown.
    published_inferred : bool
        Whether ``published`` was inferred from the text (set by the pipeline).
    published_precision : str
        How far an inferred ``published`` can be trusted: ``""`` (to the day), ``"week"`` (estimated
        from the events the text reports or the time a campaign has run) or ``"floor"`` (a launch date:
        the text was written later, so "hier" or "samedi" cannot be resolved).
    path : str
        The input file (``file:line`` for a manifest row).
    content_hash : str
        SHA-256 of the id, metadata and cleaned text: identical input gives the
        same hash on every run, so re-ingesting an unchanged article is a no-op.
    """

    article_id: str
    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    language: str = "fr"
    published: dt.date | None = None
    published_inferred: bool = False
    published_precision: str = ""
    path: str = ""
    content_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = self.compute_hash()

    def compute_hash(self) -> str:
        """SHA-256 hex digest of the id, title, source, url, publication date and text.

        Returns
        -------
        str
            64 hex digits; independent of the process (no ``hash()`` salt), path and run.
        """
        h = hashlib.sha256()
        for part in (self.article_id, self.title, self.source, self.url, str(self.published or ""), self.text):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()


# --------------------------------------------------------------------------- decoding

# cp1252 for 0x80-0x9F, Latin-1 (= the byte value) for the five bytes cp1252 leaves undefined.
_CP1252_C1: dict[int, str] = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_C1[_b] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        _CP1252_C1[_b] = chr(_b)
_CP1252_TABLE = "".join(_CP1252_C1.get(b, chr(b)) for b in range(256))
# A well-formed multi-byte UTF-8 sequence (close enough for a vote between encodings).
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_VOTE_SAMPLE = 1 << 20
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes UTF-8 rejects are read as Windows-1252 (Latin-1 where it has no character)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(_CP1252_TABLE[b] for b in bad), exc.end


codecs.register_error("conflictmap-cp1252", _cp1252_fallback)


def _decode_legacy(data: bytes) -> str:
    """Decode bytes that are not valid UTF-8.

    Mostly-UTF-8 files with a few stray Windows-1252 bytes keep their UTF-8
    characters; otherwise the whole file is Windows-1252 (a superset of the
    printable Latin-1 range).
    """
    sample = data[:_VOTE_SAMPLE]  # the vote needs no more; keeps a 20 MB file cheap
    sequences = _UTF8_SEQ.findall(sample)
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    stray = high - sum(len(seq) for seq in sequences)
    if sequences and len(sequences) >= stray:
        return data.decode("utf-8", errors="conflictmap-cp1252")
    # The five bytes cp1252 leaves undefined fall back to Latin-1 (the same handler applies).
    return data.decode("cp1252", errors="conflictmap-cp1252")


def decode_bytes(data: bytes, path: str = "<bytes>", max_chars: int | None = MAX_CHARS) -> str:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252/Latin-1.

    Parameters
    ----------
    data : bytes
        Raw file content.
    path : str
        Used in error messages.
    max_chars : int or None
        Largest text accepted (``None``: no limit). Checked on the byte length
        first, so an oversized input is rejected without being decoded.

    Returns
    -------
    str
        The decoded text (never empty or blank).

    Raises
    ------
    InputError
        If the content is empty or blank, binary, or too large.

    Examples
    --------
    >>> decode_bytes("Alep, Lattaquié".encode("cp1252"))
    'Alep, Lattaquié'
    """
    if not data:
        raise InputError(path, "empty file (0 bytes): no text to read")
    if max_chars is not None and len(data) > 4 * max_chars:
        raise InputError(
            path, f"too large ({len(data):,} bytes; the limit is {max_chars:,} characters): split the file"
        )
    if data.isspace():
        raise InputError(path, "blank file (only whitespace): no text to read")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(path, "invalid UTF-16 text (the file starts with a UTF-16 byte-order mark)") from None
    else:
        if b"\x00" in data[:8192]:
            raise InputError(path, "binary content (NUL bytes): expected a UTF-8 or Latin-1 text file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_legacy(data)
    sample = text[:20000]
    controls = len(_CONTROL.findall(sample))
    if sample and controls / len(sample) > 0.05:
        raise InputError(path, "binary content (control characters): expected a text file")
    if max_chars is not None and len(text) > max_chars:
        raise InputError(path, f"too large ({len(text):,} characters; the limit is {max_chars:,}): split the file")
    if not text.strip():
        raise InputError(path, "blank file (only whitespace): no text to read")
    return text


# --------------------------------------------------------------------------- cleaning

# Lines that are page furniture, not article text (general French news sites).
_FURNITURE = re.compile(
    r"""^\s*(?:
        (?:à\s+)?lire\s+(?:aussi|également|la\s+suite)\b
      | suivez[\s-].{0,80}\b(?:sur|on)\s*(?:telegram|twitter|x|facebook|instagram|youtube|whatsapp|vk|google\s+news)\b
      | suivez[\s-]nous\b
      | abonnez[\s-]vous\b | inscrivez[\s-]vous\b | newsletter\b
      | rechercher\s*$ | derni[èe]res?\s+infos?\s*$ | partager\b | partagez\b | publicit[ée]\s*$
      | extrait\s+de\s*: | source\s+et\s+auteur\s*$
      | et\s+vous,?\s+qu['’]en\s+pensez[\s-]vous
      | raconter\s+l['’]actualit[ée]\s*$
      | (?:ok|fermer|accepter|refuser|menu|accueil)\s*$
      | (?:tout\s+accepter|tout\s+refuser|param[ée]trer\s+vos\s+choix)
      | photo\s*:\s | cr[ée]dit\s*photo\b | ©
      | mis\s+[àa]\s+jour\s+le\b | publi[ée]\s+le\b
      | tous\s+droits\s+r[ée]serv[ée]s
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Cookie/consent banners: a line mentioning several of these.
_CONSENT_WORDS = re.compile(
    r"cookies?|traceurs?|consent(?:ez|ement)|données\s+personnelles|politique\s+de\s+confidentialit|"
    r"paramétrer\s+vos\s+choix|tout\s+accepter|tout\s+refuser|réseaux\s+sociaux|navigation",
    re.IGNORECASE,
)
_COOKIE = re.compile(r"cookie|traceur", re.IGNORECASE)
# Cheap pre-check (lower-case substrings) before the consent regex runs on a line.
_CONSENT_STEMS = (
    "cookie", "traceur", "consent", "données", "confidentialit", "paramétrer", "tout ", "réseaux", "navigation",
)  # fmt: skip
# "*Organisation terroriste interdite en Russie" (not a Markdown bullet "* item").
_FOOTNOTE = re.compile(r"\*[^\s*]")
_SENTENCE_PUNCT_OR_DIGIT = re.compile(r"[.!?:;\d]")
_MD_HEADING = re.compile(r"^(?:#{1,6}\s+)+")
_CREDIT_TAIL = re.compile(r"\s*©.*$")
_MISSING_SPACE = re.compile(r"(?<=[a-zà-ÿ0-9\)\]»\"])([.!?])(?=[A-ZÀ-Ý«])")
_WS = re.compile(r"\s+")
_TRAILING_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")
# Where a sentence starts in squashed text: after final punctuation and closing quotes.
_SQ_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)\]]*")
# Invisible or control characters removed from the text (soft hyphens split place names).
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0), 0x00AD, 0x200B, 0x2060, 0xFEFF]
)
_INVISIBLE.update(dict.fromkeys([0x0B, 0x1C, 0x1D, 0x1E, 0x1F, 0x85, 0xA0], " "))  # separators, no-break space
_INVISIBLE[0x0C] = "\n"  # form feed: a page break
_INVISIBLE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_INVISIBLE)) + "]")
#: Length of the squashed prefix that keys the repeated-paragraph index.
_KEY_LEN = 32
#: Positions kept per key (bounds the work on pathological, highly repetitive text).
_MAX_POSITIONS_PER_KEY = 8


def _squash(text: str) -> str:
    return _WS.sub("", text).casefold()


def _is_furniture(line: str) -> bool:
    stripped = line.strip()
    if _FURNITURE.match(stripped):
        return True
    low = stripped.lower()
    consent = _CONSENT_WORDS.findall(stripped) if any(stem in low for stem in _CONSENT_STEMS) else []
    if len(consent) >= 2 or (consent and len(stripped) < 300 and _COOKIE.search(stripped)):
        return True
    if _FOOTNOTE.match(stripped) and len(stripped) < 120:
        return True
    # Menu labels and buttons: one or two words with no sentence punctuation or digits.
    if len(stripped) < 25 and len(stripped.split()) <= 2:
        return not _SENTENCE_PUNCT_OR_DIGIT.search(stripped) and not stripped.isupper()
    return False


class _SeenText:
    """The squashed paragraphs kept so far, with an index of where their sentences start.

    ``contains_at_sentence_start(s)`` answers "does ``s`` occur in the kept text
    (paragraphs concatenated), starting where a paragraph or sentence starts?"
    in time proportional to ``len(s)``: a dictionary lookup on the first
    :data:`_KEY_LEN` characters, then a comparison at a bounded number of
    positions. Cleaning therefore stays linear in the length of the article
    however many paragraphs it has (no growing string is searched or copied).
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lines: set[str] = set()
        self.starts: dict[str, list[tuple[int, int]]] = {}

    def add(self, squashed: str) -> None:
        index = len(self.parts)
        self.parts.append(squashed)
        self.lines.add(squashed)
        self._index(index, 0)
        for m in _SQ_SENTENCE_END.finditer(squashed):
            self._index(index, m.end())

    def _index(self, index: int, offset: int) -> None:
        key = self.parts[index][offset : offset + _KEY_LEN]
        if len(key) < _KEY_LEN:
            return
        positions = self.starts.setdefault(key, [])
        if len(positions) < _MAX_POSITIONS_PER_KEY:
            positions.append((index, offset))

    def _matches_at(self, squashed: str, index: int, offset: int) -> bool:
        pos, n = 0, len(squashed)
        while pos < n:
            if index >= len(self.parts):
                return False
            part = self.parts[index]
            take = min(len(part) - offset, n - pos)
            if not part.startswith(squashed[pos : pos + take], offset):
                return False
            pos += take
            index, offset = index + 1, 0
        return True

    def contains_at_sentence_start(self, squashed: str) -> bool:
        if len(squashed) < _KEY_LEN:
            return False
        return any(self._matches_at(squashed, i, off) for i, off in self.starts.get(squashed[:_KEY_LEN], ()))


def _normalise_line(raw_line: str) -> str:
    line = _WS.sub(" ", raw_line).strip()
    if line.startswith("#"):
        line = _MD_HEADING.sub("", line)
    if "©" in line and not line.startswith("©"):
        # "Titre de l'article© Photographe Source: Agence": keep the text before the credit.
        line = _CREDIT_TAIL.sub("", line).strip()
    return _MISSING_SPACE.sub(r"\1 ", line)


def clean_text(text: str) -> str:
    """Remove page furniture and repeated paragraphs; normalise whitespace.

    Each input line is one paragraph. A line is dropped when it is page
    furniture (menus, share prompts, "Lire aussi", photo credits, cookie
    banners, footnotes), when it repeats an earlier kept line, when it is a
    long paragraph already contained in the kept text (from a paragraph or
    sentence start), or when it ends with an ellipsis and its beginning repeats
    earlier text (a truncated teaser of the lead). Runs in time roughly linear
    in ``len(text)``.

    Parameters
    ----------
    text : str
        Raw article text (front matter already removed).

    Returns
    -------
    str
        Paragraphs separated by one blank line, without control characters.
        Offsets of later stages refer to this. ``clean_text`` is idempotent.

    Examples
    --------
    >>> clean_text("Alep sous les bombes\\n\\nLire aussi : autre chose\\n\\nLe texte.")
    'Alep sous les bombes\\n\\nLe texte.'
    >>> clean_text("Menu\\n© AFP\\nDes frappes à Homs.\\nDes frappes à Homs.")
    'Des frappes à Homs.'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _INVISIBLE_RE.search(text):
        text = text.translate(_INVISIBLE)
    kept: list[str] = []
    seen = _SeenText()
    for raw_line in text.split("\n"):
        line = _normalise_line(raw_line)
        if not line or _is_furniture(line):
            continue
        sq = _squash(line)
        if not sq or sq in seen.lines:
            continue
        if _TRAILING_ELLIPSIS.search(line):
            # A repeated lead ("chapô" or teaser) truncated with an ellipsis; the last word is usually cut.
            body = _squash(_TRAILING_ELLIPSIS.sub("", line))
            body = body[: max(0, len(body) - 12)]
            if len(body) > 40 and seen.contains_at_sentence_start(body):
                continue
        if len(sq) > 80 and seen.contains_at_sentence_start(sq):
            continue
        kept.append(line)
        seen.add(sq)
    return "\n\n".join(kept)


def guess_title(text: str) -> str:
    """First paragraph when it looks like a headline (short, no final full stop).

    Parameters
    ----------
    text : str
        Cleaned article text.

    Returns
    -------
    str
        The headline, or ``""``.
    """
    first = text.split("\n\n", 1)[0].strip()
    if 0 < len(first) <= 160 and not first.endswith((".", "»", '"', "…")):
        return first
    return ""


# --------------------------------------------------------------------------- front matter

_FM_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
_FM_KEY = re.compile(r"\A\s*(?:#.*|[\w\"' -]+:.*|---[ \t]*)$")


@functools.lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """A safe YAML loader that keeps dates as strings (``2018-02-31`` must be an error, not a crash)."""
    import yaml

    # libyaml's parser when PyYAML was built with it (5x faster on front matter), the same safe constructor
    class _MetaLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    _MetaLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return _MetaLoader


_LOOSE_LINE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:\s?(.*?)\s*$")


def _loose_front_matter(block: str) -> dict[str, str] | None:
    """Read front matter that is *almost* YAML (``title: Syrie: l'armée reprend X``) as ``key: value`` lines.

    Returns ``None`` when some non-blank, non-comment line is not a ``key: value`` line
    (then the front matter really is malformed).
    """
    out: dict[str, str] = {}
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LOOSE_LINE.match(line)
        if m is None or m.group(2)[:1] in ("[", "{", "|", ">", "&", "*", "!"):  # YAML structure, not prose
            return None
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[m.group(1)] = value
    return out or None


def split_front_matter(text: str, path: str = "<text>") -> tuple[dict[str, object], str]:
    """Separate optional YAML front matter from the body.

    Front matter starts with a first line ``---`` followed by a ``key: value``
    line and ends with a line ``---`` (or ``...``). A file that opens with
    ``---`` followed by prose (a Markdown rule) has no front matter.

    Parameters
    ----------
    text : str
        File content.
    path : str
        For error messages.

    Returns
    -------
    tuple of (dict, str)
        Metadata with lower-case keys (possibly empty) and the body.

    Raises
    ------
    InputError
        If the front matter is not closed, not a mapping, or a field holds a list or mapping
        instead of a single value; or it is neither valid YAML nor plain ``key: value`` lines.

    Warns
    -----
    InputWarning
        Once, naming the file and the line, when the front matter is not valid YAML but reads
        as plain ``key: value`` lines (an unquoted title with a colon); the article is kept.
    """
    m = _FM_OPEN.match(text)
    if not m:
        return {}, text
    newline = text.find("\n", m.end())
    first_line = text[m.end() : newline if newline >= 0 else len(text)]
    if not _FM_KEY.match(first_line):
        return {}, text
    close = _FM_CLOSE.search(text, m.end())
    if close is None:
        raise InputError(path, "front matter opened with '---' on the first line is never closed: add a '---' line")
    import yaml

    block = text[m.end() : close.start()]
    try:
        meta: Any = yaml.load(block, Loader=_yaml_loader())  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (front matter line {line + 1})" if line is not None else ""
        problem = getattr(exc, "problem", None) or exc
        meta = _loose_front_matter(block)
        if meta is None:
            raise InputError(path, f"malformed YAML front matter{where}: {problem}") from None
        import warnings

        at = f"front matter line {line + 1}" if line is not None else "front matter"
        warnings.warn(InputWarning(path, f"{at} is not valid YAML ({problem}); read as plain "
                                         "'key: value' lines — put the value in quotes to silence this"),
                      stacklevel=2)
    except (ValueError, TypeError, RecursionError) as exc:
        raise InputError(path, f"malformed YAML front matter: {exc}") from None
    meta = meta or {}
    if not isinstance(meta, dict):
        raise InputError(path, f"front matter must be a mapping of fields {META_FIELDS}, got {type(meta).__name__}")
    out: dict[str, object] = {}
    for key, value in meta.items():
        k = str(key).strip().lower()
        if k in (*META_FIELDS, "id", "date") and isinstance(value, (list, dict, set, tuple)):
            raise InputError(path, f"front matter field {k!r} must be a single value, got a {type(value).__name__}")
        out[k] = value
    body = text[close.end() :]
    return out, body[1:] if body.startswith("\n") else body


# --------------------------------------------------------------------------- dates

def parse_published(value: object, path: str = "<meta>") -> dt.date | None:
    """Publication date from metadata: :func:`conflictmap.extract.dates.parse_published`, errors naming ``path``.

    Raises
    ------
    InputError
        For values that are not a real, complete date (``"31 février 2018"``, ``"yesterday"``).

    Examples
    --------
    >>> parse_published("1er juillet 2018")
    datetime.date(2018, 7, 1)
    """
    from conflictmap.extract.dates import parse_published as parse

    return parse(value, path)


# --------------------------------------------------------------------------- building


def _meta_str(meta: dict[str, object], key: str) -> str:
    v = meta.get(key)
    return "" if v is None else _WS.sub(" ", str(v)).strip()


def _build(article_id: str, body: str, meta: dict[str, object], path: str) -> Article:
    published = parse_published(meta.get("published") or meta.get("date"), path)
    cleaned = clean_text(body)
    if not cleaned.strip():
        raise InputError(path, "no article text left after removing page furniture (empty or only banners)")
    title = _meta_str(meta, "title") or guess_title(cleaned)
    return Article(
        article_id=article_id,
        text=cleaned,
        title=title,
        source=_meta_str(meta, "source"),
        url=_meta_str(meta, "url"),
        language=_meta_str(meta, "language") or "fr",
        published=published,
        path=path,
    )


def _clean_id(value: object) -> str:
    return "" if value is None else _WS.sub(" ", str(value)).strip()


# --------------------------------------------------------------------------- loaders


def article_from_text(text: str, article_id: str, path: str = "") -> Article:
    """Build an article from ``.txt``/``.md`` content with optional front matter.

    Parameters
    ----------
    text : str
        Decoded file content.
    article_id : str
        Default id (the file stem); an ``id`` field in the front matter wins.
    path : str
        The file, for ``Article.path`` and error messages.

    Returns
    -------
    Article

    Raises
    ------
    InputError
        Malformed front matter, bad date, or no text left after cleaning.
    """
    where = path or article_id
    meta, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"), where)
    return _build(_clean_id(meta.get("id")) or article_id, body, meta, where)


_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


def article_from_html(html: str, article_id: str, path: str = "") -> Article:
    """Extract main text and metadata of an HTML page with trafilatura.

    Parameters
    ----------
    html : str
        The page.
    article_id : str
        The id (file stem).
    path : str
        The file, for ``Article.path`` and error messages.

    Returns
    -------
    Article
        Title, site name, URL, date and language come from the page metadata.

    Raises
    ------
    InputError
        If trafilatura finds no article text (e.g. a page that is only scripts)
        or cannot parse the page.
    """
    where = path or article_id
    try:
        import trafilatura
    except ImportError as exc:  # e.g. lxml without lxml_html_clean
        raise InputError(where, f"cannot read HTML: trafilatura is not usable ({exc})") from None
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    except Exception as exc:  # noqa: BLE001 - a parser failure is a property of this file
        raise InputError(where, f"cannot parse the HTML page ({type(exc).__name__}: {exc})") from None
    if doc is None:
        raise InputError(where, "no article text found in the HTML page (only scripts, menus or boilerplate?)")
    get: Callable[[str], Any] = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    body = get("text") or ""
    if not body.strip():
        raise InputError(where, "no article text found in the HTML page (only scripts, menus or boilerplate?)")
    lang_match = _HTML_LANG.search(html[:5000])
    meta: dict[str, object] = {
        "title": get("title") or "",
        "source": get("sitename") or get("hostname") or "",
        "url": get("url") or "",
        "language": get("language") or (lang_match.group(1).lower() if lang_match else "") or "fr",
    }
    date = get("date")
    if date:
        try:
            meta["published"] = dt.date.fromisoformat(str(date)[:10])
        except ValueError:
            pass
    title = _WS.sub(" ", str(meta["title"])).strip()
    if title and not body.lstrip().startswith(title):
        body = f"{title}\n\n{body}"
    return _build(article_id, body, meta, where)


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(raw: str, path: Path) -> list[tuple[int, dict[str, object]]]:
    header = raw.split("\n", 1)[0]
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, MAX_CHARS + 1))
    reader = csv.DictReader(io.StringIO(raw, newline=""), delimiter=_sniff_delimiter(header))
    rows: list[tuple[int, dict[str, object]]] = []
    try:
        fields = [str(f).strip().lower() for f in (reader.fieldnames or []) if f is not None and str(f).strip()]
        if not fields:
            raise InputError(str(path), "manifest has no header row")
        if not {"text", "path", "url"} & set(fields):
            raise InputError(
                str(path),
                f"manifest has neither a 'text' nor a 'path' column, nor a 'url' one (columns: {', '.join(fields)})",
            )
        line = reader.line_num + 1
        for row in reader:
            rows.append((line, {str(k).strip().lower(): v for k, v in row.items() if k is not None}))
            line = reader.line_num + 1
    except csv.Error as exc:
        rows.append((reader.line_num, {"__error__": f"malformed CSV ({exc}); the rows after this line were not read"}))
    finally:
        csv.field_size_limit(old_limit)
    return rows


def _manifest_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        raise InputError(str(path), f"manifest too large ({size:,} bytes; the limit is {MAX_MANIFEST_BYTES:,})")
    raw = decode_bytes(path.read_bytes(), str(path), max_chars=None).replace("\r\n", "\n").replace("\r", "\n")
    if path.suffix.lower() == ".csv":
        rows = _read_csv(raw, path)
        if not rows:
            raise InputError(str(path), "manifest has a header but no rows")
        yield from rows
        return
    for i, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield i, {"__error__": f"invalid JSON ({getattr(exc, 'msg', exc)})"}
            continue
        if not isinstance(obj, dict):
            yield i, {"__error__": f"each JSONL line must be an object, got {type(obj).__name__}"}
            continue
        yield i, {str(k).strip().lower(): v for k, v in obj.items()}


def iter_manifest(path: Path, fetch: Fetch | None = None) -> Iterator[Article | InputError]:
    """Articles of a CSV/JSONL manifest (fields ``id``, ``text`` or ``path``, and metadata).

    CSV manifests need a header with a ``text`` or a ``path`` column (``,``,
    ``;`` or tab separated); extra columns are ignored. A row without text nor
    path, pointing to a missing file, with a duplicate id or bad metadata
    yields an error naming ``manifest:line``; the other rows are still read. A row with a ``url``
    and neither ``text`` nor ``path`` is fetched through ``fetch`` (the row's metadata wins over the page's,
    the page's canonical URL is kept).

    Parameters
    ----------
    path : Path
        The manifest (``.csv``, ``.jsonl`` or ``.ndjson``).
    fetch : callable, optional
        Reads URL rows (see :data:`Fetch`); without it such a row is an error.

    Yields
    ------
    Article or InputError
        One item per row (an error for the whole file if it cannot be read).
    """
    seen: set[str] = set()
    try:
        rows = _manifest_rows(path)
        for lineno, row in rows:
            yield from _manifest_row(path, lineno, row, seen, fetch)
    except InputError as exc:
        yield exc
    except OSError as exc:
        yield InputError(str(path), f"cannot read manifest: {exc.strerror or exc}")


def _manifest_row(path: Path, lineno: int, row: dict[str, object], seen: set[str],
                  fetch: Fetch | None = None) -> Iterator[Article | InputError]:
    where = f"{path}:{lineno}"
    if "__error__" in row:
        yield InputError(where, str(row["__error__"]))
        return
    article_id = _clean_id(row.get("id")) or _clean_id(row.get("article_id")) or f"{path.stem}-{lineno}"
    if article_id in seen:
        yield InputError(where, f"duplicate article id {article_id!r} in the manifest: ids must be unique")
        return
    try:
        text = row.get("text")
        if text is not None and not isinstance(text, str):
            yield InputError(where, f"'text' must be a string, got {type(text).__name__}")
            return
        if text is None or text.strip() == "":
            ref = _clean_id(row.get("path"))
            link = _clean_id(row.get("url"))
            if not ref and is_url(link):
                item = fetch_article(link, fetch, _clean_id(row.get("id")) or _clean_id(row.get("article_id")) or None)
                if isinstance(item, Article):
                    canonical = item.url
                    _apply_meta(item, {k: v for k, v in row.items() if k != "url"}, where)
                    item.url = canonical or link
                    item.content_hash = item.compute_hash()
                    if item.article_id in seen:
                        yield InputError(where, f"duplicate article id {item.article_id!r} in the manifest")
                        return
                    seen.add(item.article_id)
                else:
                    item = InputError(where, f"{item.path}: {item.problem}")
                yield item
                return
            if not ref:
                yield InputError(where, "row has neither 'text' nor 'path' nor an http(s) 'url': give the article "
                                        "text, a file path or a URL")
                return
            if Path(ref).suffix.lower() not in TEXT_SUFFIXES | HTML_SUFFIXES:
                yield InputError(where, f"path {ref!r} must name a .txt, .md or .html file")
                return
            file = path.parent / ref
            if not file.is_file():
                yield InputError(where, f"path {ref!r} does not exist (relative to {path.parent})")
                return
            for item in iter_file(file, article_id=article_id):
                if isinstance(item, Article):
                    _apply_meta(item, row, where)
                    seen.add(article_id)
                yield item
            return
        meta = {k: row.get(k) for k in (*META_FIELDS, "date") if row.get(k) not in (None, "")}
        article = _build(article_id, str(text), meta, where)
        seen.add(article_id)
        yield article
    except InputError as exc:
        yield exc
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
        yield InputError(where, f"cannot read this row ({type(exc).__name__}: {exc})")


def _apply_meta(article: Article, row: dict[str, object], where: str) -> None:
    """Manifest metadata overrides the file's own; the hash is recomputed."""
    published = parse_published(row.get("published") or row.get("date"), where)
    for key in ("title", "source", "url", "language"):
        value = _meta_str(row, key)
        if value:
            setattr(article, key, value)
    if published is not None:
        article.published = published
    article.content_hash = article.compute_hash()


def iter_file(path: Path, article_id: str | None = None, fetch: Fetch | None = None) -> Iterator[Article | InputError]:
    """Articles of one file (one, or many for a manifest), or errors.

    Parameters
    ----------
    path : Path
        A ``.txt``/``.md``/``.html`` article or a ``.csv``/``.jsonl`` manifest.
    article_id : str, optional
        Id to use instead of the file stem (manifest rows pointing to files).
    fetch : callable, optional
        Reads the URL rows of a manifest (see :data:`Fetch`).

    Yields
    ------
    Article or InputError
        Never raises: every problem is yielded as an :class:`InputError` naming the file.
    """
    path = Path(path)
    spath = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix in MANIFEST_SUFFIXES:
            yield from iter_manifest(path, fetch)
            return
        if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
            raise InputError(spath, f"unsupported file type {suffix or '(none)'!r}: use {sorted(SUPPORTED_SUFFIXES)}")
        size = path.stat().st_size
        if size > MAX_BYTES:  # rejected from its size: a 50 MB file is never read into memory
            raise InputError(
                spath, f"too large ({size:,} bytes; the limit is {MAX_CHARS:,} characters): split the file"
            )
        data = path.read_bytes()
        yield from iter_bytes(path.name, data, article_id=article_id, path=spath)
    except InputError as exc:
        yield exc
    except OSError as exc:
        yield InputError(spath, f"cannot read file: {exc.strerror or exc}")


def iter_bytes(
    filename: str, data: bytes, article_id: str | None = None, path: str | None = None
) -> Iterator[Article | InputError]:
    """Article from uploaded bytes (``.txt``, ``.md``, ``.html``).

    Parameters
    ----------
    filename : str
        Name of the upload: its suffix picks the reader, its stem is the id.
    data : bytes
        The content.
    article_id : str, optional
        Id to use instead of the stem.
    path : str, optional
        Where the bytes come from (defaults to ``filename``).

    Yields
    ------
    Article or InputError
        Exactly one item; never raises.
    """
    where = path or filename
    suffix = Path(filename).suffix.lower()
    aid = article_id or Path(filename).stem
    try:
        if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
            raise InputError(where, f"unsupported file type {suffix or '(none)'!r}: use .txt, .md or .html")
        text = decode_bytes(data, where)
        if suffix in HTML_SUFFIXES:
            yield article_from_html(text, aid, where)
        else:
            yield article_from_text(text, aid, where)
    except InputError as exc:
        yield exc
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        yield InputError(where, f"cannot read this file ({type(exc).__name__}: {exc})")


def _list_folder(root: Path) -> tuple[list[Path], list[InputError]]:
    """Supported files under ``root`` (recursively, hidden files and folders skipped), sorted."""
    files: list[Path] = []
    errors: list[InputError] = []

    def onerror(exc: OSError) -> None:
        errors.append(InputError(str(exc.filename or root), f"cannot list folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES:
                files.append(Path(dirpath, name))
    files.sort()
    return files, errors


def iter_articles(paths: Iterable[str | Path], fetch: Fetch | None = None) -> Iterator[Article | InputError]:
    """Every article under the given files and folders, with errors inline.

    Folders are read recursively in sorted path order; hidden files and
    folders (``.name``) and unsupported suffixes are skipped. Each bad file or
    manifest row yields one :class:`InputError` and the run goes on.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, folders and ``http(s)://`` URLs (read through ``fetch``).
    fetch : callable, optional
        Reads URLs and manifests' URL rows (see :data:`Fetch`); without it a URL is an error line.

    Yields
    ------
    Article or InputError
        Never raises. Duplicate article ids across files yield an error for
        the later file.
    """
    seen: dict[str, str] = {}
    for p in paths:
        if is_url(p):
            files = []
            item = fetch_article(str(p), fetch)
            if isinstance(item, Article) and item.article_id in seen:
                item = InputError(str(p), f"duplicate article id {item.article_id!r} (already read from "
                                          f"{seen[item.article_id]})")
            elif isinstance(item, Article):
                seen[item.article_id] = item.path
            yield item
            continue
        path = Path(p)
        try:
            exists = path.exists()
            is_dir = exists and path.is_dir()
        except (OSError, ValueError) as exc:
            yield InputError(str(p), f"invalid path ({exc})")
            continue
        if not exists:
            yield InputError(str(path), "no such file or folder")
            continue
        if is_dir:
            files, listing_errors = _list_folder(path)
            yield from listing_errors
            if not files:
                yield InputError(str(path), f"folder has no article files ({', '.join(sorted(SUPPORTED_SUFFIXES))})")
        else:
            files = [path]
        for f in files:
            for item in iter_file(f, fetch=fetch):
                if isinstance(item, Article):
                    if item.article_id in seen:
                        yield InputError(
                            item.path,
                            f"duplicate article id {item.article_id!r} (already read from {seen[item.article_id]}): "
                            "rename the file or set a unique 'id'",
                        )
                        continue
                    seen[item.article_id] = item.path
                yield item
