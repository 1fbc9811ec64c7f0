"""Articles in: text/Markdown with optional YAML front matter, HTML, CSV/JSONL manifests.

Every loader returns :class:`Article` objects whose ``text`` is the *cleaned*
article: page furniture (cookie banners, "Lire aussi", photo credits, share
prompts) and repeated paragraphs removed. All offsets produced later point
into this cleaned text, which is stored with the outputs.

Bad input never stops a run: :func:`iter_articles` yields an
:class:`~conflictmap.errors.InputError` for each unusable file or row and goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conflictmap.errors import InputError

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MANIFEST_SUFFIXES = frozenset({".csv", ".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | MANIFEST_SUFFIXES
META_FIELDS = ("title", "published", "source", "url", "language")
#: Largest article accepted (characters of decoded text).
MAX_CHARS = 5_000_000


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
        Metadata (empty when unknown).
    published : datetime.date or None
        Publication date from metadata; ``None`` when unknown.
    published_inferred : bool
        Whether ``published`` was inferred from the text (set by the pipeline).
    path : str
        The input file.
    """

    article_id: str
    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    language: str = "fr"
    published: dt.date | None = None
    published_inferred: bool = False
    path: str = ""
    content_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.content_hash:
            h = hashlib.sha256()
            for part in (self.article_id, self.title, self.source, self.url, str(self.published or ""), self.text):
                h.update(part.encode("utf-8", "surrogatepass"))
                h.update(b"\x00")
            self.content_hash = h.hexdigest()


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes, path: str = "<bytes>") -> str:
    """Decode article bytes: UTF-8 (with or without BOM), else Windows-1252/Latin-1.

    Parameters
    ----------
    data : bytes
        Raw file content.
    path : str
        Used in error messages.

    Returns
    -------
    str
        The decoded text.

    Raises
    ------
    InputError
        If the content is empty, binary, or too large.
    """
    if not data.strip():
        raise InputError(path, "empty file (no text to read)")
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary content (NUL bytes): expected a UTF-8 or Latin-1 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    sample = text[:20000]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.05:
        raise InputError(path, "binary content (control characters): expected a text file")
    if len(text) > MAX_CHARS:
        raise InputError(path, f"too large ({len(text):,} characters; the limit is {MAX_CHARS:,}): split the file")
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
_CREDIT_TAIL = re.compile(r"\s*©.*$")
_MISSING_SPACE = re.compile(r"(?<=[a-zà-ÿ0-9\)\]»\"])([.!?])(?=[A-ZÀ-Ý«])")
_WS = re.compile(r"\s+")
_TRAILING_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")


def _squash(text: str) -> str:
    return _WS.sub("", text).lower()


def _is_furniture(line: str) -> bool:
    stripped = line.strip()
    if _FURNITURE.match(stripped):
        return True
    consent = _CONSENT_WORDS.findall(stripped)
    if len(consent) >= 2 or (consent and re.search(r"cookie|traceur", stripped, re.I) and len(stripped) < 300):
        return True
    if stripped.startswith("*") and len(stripped) < 120:  # footnote ("*Organisation interdite en Russie")
        return True
    words = stripped.split()
    # Menu labels and buttons: one or two words with no sentence punctuation or digits.
    if len(words) <= 2 and not re.search(r"[.!?:;\d]", stripped) and not stripped.isupper():
        return len(stripped) < 25
    return False


def clean_text(text: str) -> str:
    """Remove page furniture and repeated paragraphs; normalise whitespace.

    Parameters
    ----------
    text : str
        Raw article text (front matter already removed).

    Returns
    -------
    str
        Paragraphs separated by one blank line. Offsets of later stages refer to this.

    Examples
    --------
    >>> clean_text("Titre\\n\\nLire aussi : autre chose\\n\\nLe texte.")
    'Titre\\n\\nLe texte.'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    kept: list[str] = []
    seen_squashed = ""
    seen_set: set[str] = set()
    for raw_line in text.split("\n"):
        line = _WS.sub(" ", raw_line).strip()
        if not line:
            continue
        if "©" in line and not line.lstrip().startswith("©"):
            # "Titre de l'article© Photographe Source: Agence": keep the text before the credit.
            line = _CREDIT_TAIL.sub("", line).strip()
            if not line:
                continue
        if _is_furniture(line):
            continue
        line = _MISSING_SPACE.sub(r"\1 ", line)
        sq = _squash(line)
        if sq in seen_set:
            continue
        # A repeated lead ("chapô" or teaser) truncated with an ellipsis.
        if _TRAILING_ELLIPSIS.search(line):
            body = _squash(_TRAILING_ELLIPSIS.sub("", line))
            body = body[: max(0, len(body) - 12)]  # the last word is usually cut
            if len(body) > 40 and body in seen_squashed:
                continue
        if len(sq) > 80 and sq in seen_squashed:
            continue
        kept.append(line)
        seen_set.add(sq)
        seen_squashed += sq
    return "\n\n".join(kept)


def guess_title(text: str) -> str:
    """First paragraph when it looks like a headline (short, no final full stop)."""
    first = text.split("\n\n", 1)[0].strip()
    if 0 < len(first) <= 160 and not first.endswith((".", "»", '"')):
        return first
    return ""


# --------------------------------------------------------------------------- front matter


_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str, path: str = "<text>") -> tuple[dict[str, object], str]:
    """Separate optional YAML front matter from the body.

    Parameters
    ----------
    text : str
        File content.
    path : str
        For error messages.

    Returns
    -------
    tuple of (dict, str)
        Metadata (possibly empty) and the body.

    Raises
    ------
    InputError
        If the front matter is not valid YAML or not a mapping.
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (front matter line {line + 1})" if line is not None else ""
        raise InputError(path, f"malformed YAML front matter{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(meta, dict):
        raise InputError(path, f"front matter must be a mapping of fields {META_FIELDS}, got {type(meta).__name__}")
    return {str(k).lower(): v for k, v in meta.items()}, text[m.end() :]


def parse_published(value: object, path: str = "<meta>") -> dt.date | None:
    """Publication date from metadata: ISO date or datetime; empty → None.

    Raises
    ------
    InputError
        For values that are not a real date (``"31 février 2018"``, ``"yesterday"``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        raise InputError(
            path, f"published: cannot read {s!r} as a date; write it as YYYY-MM-DD (e.g. 2018-07-07)"
        ) from None


def _meta_str(meta: dict[str, object], key: str) -> str:
    v = meta.get(key)
    return "" if v is None else str(v).strip()


def _build(article_id: str, body: str, meta: dict[str, object], path: str) -> Article:
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
        published=parse_published(meta.get("published") or meta.get("date"), path),
        path=path,
    )


# --------------------------------------------------------------------------- loaders


def article_from_text(text: str, article_id: str, path: str = "") -> Article:
    """Build an article from ``.txt``/``.md`` content with optional front matter."""
    meta, body = split_front_matter(text, path or article_id)
    return _build(str(meta.get("id") or article_id), body, meta, path or article_id)


def article_from_html(html: str, article_id: str, path: str = "") -> Article:
    """Extract main text and metadata of an HTML page with trafilatura.

    Raises
    ------
    InputError
        If trafilatura finds no article text (e.g. a page that is only scripts).
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    if doc is None:
        raise InputError(path or article_id, "no article text found in the HTML page")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    body = get("text") or ""
    if not body.strip():
        raise InputError(path or article_id, "no article text found in the HTML page")
    meta: dict[str, object] = {
        "title": get("title") or "",
        "source": get("sitename") or get("hostname") or "",
        "url": get("url") or "",
        "language": get("language") or "fr",
    }
    date = get("date")
    if date:
        try:
            meta["published"] = dt.date.fromisoformat(str(date)[:10])
        except ValueError:
            pass
    title = str(meta["title"])
    if title and not body.lstrip().startswith(title):
        body = f"{title}\n\n{body}"
    return _build(article_id, body, meta, path or article_id)


def _manifest_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    raw = decode_bytes(path.read_bytes(), str(path))
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        if not reader.fieldnames:
            raise InputError(str(path), "manifest has no header row")
        for i, row in enumerate(reader, start=2):
            yield i, {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    else:
        for i, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield i, {"__error__": f"invalid JSON ({exc.msg})"}
                continue
            if not isinstance(obj, dict):
                yield i, {"__error__": "each JSONL line must be an object"}
                continue
            yield i, {str(k).strip().lower(): v for k, v in obj.items()}


def iter_manifest(path: Path) -> Iterator[Article | InputError]:
    """Articles of a CSV/JSONL manifest (fields ``id``, ``text`` or ``path``, and metadata).

    A row without ``text`` nor ``path`` or with a missing file yields an error for that row.
    """
    seen: set[str] = set()
    for lineno, row in _manifest_rows(path):
        where = f"{path}:{lineno}"
        if "__error__" in row:
            yield InputError(where, str(row["__error__"]))
            continue
        article_id = str(row.get("id") or row.get("article_id") or "").strip() or f"{path.stem}-{lineno}"
        if article_id in seen:
            yield InputError(where, f"duplicate article id {article_id!r} in the manifest: ids must be unique")
            continue
        text = row.get("text")
        try:
            if text is None or str(text).strip() == "":
                ref = str(row.get("path") or "").strip()
                if not ref:
                    yield InputError(where, "row has neither 'text' nor 'path': give the article text or a file path")
                    continue
                file = (path.parent / ref).resolve()
                if not file.is_file():
                    yield InputError(where, f"path {ref!r} does not exist (relative to {path.parent})")
                    continue
                for item in iter_file(file, article_id=article_id):
                    if isinstance(item, Article):
                        _apply_meta(item, row, where)
                    yield item
                seen.add(article_id)
                continue
            meta = {k: row.get(k) for k in META_FIELDS if row.get(k) not in (None, "")}
            yield _build(article_id, str(text), meta, where)
            seen.add(article_id)
        except InputError as exc:
            yield exc


def _apply_meta(article: Article, row: dict[str, object], where: str) -> None:
    for key in ("title", "source", "url", "language"):
        if row.get(key):
            setattr(article, key, str(row[key]))
    if row.get("published"):
        article.published = parse_published(row["published"], where)
    article.content_hash = ""
    article.__post_init__()


def iter_file(path: Path, article_id: str | None = None) -> Iterator[Article | InputError]:
    """Articles of one file (one, or many for a manifest), or errors."""
    spath = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix in MANIFEST_SUFFIXES:
            yield from iter_manifest(path)
            return
        if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
            raise InputError(spath, f"unsupported file type {suffix or '(none)'!r}: use {sorted(SUPPORTED_SUFFIXES)}")
        data = path.read_bytes()
        yield from iter_bytes(path.name, data, article_id=article_id, path=spath)
    except InputError as exc:
        yield exc
    except OSError as exc:
        yield InputError(spath, f"cannot read file: {exc.strerror or exc}")


def iter_bytes(
    filename: str, data: bytes, article_id: str | None = None, path: str | None = None
) -> Iterator[Article | InputError]:
    """Article from uploaded bytes (``.txt``, ``.md``, ``.html``)."""
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


def iter_articles(paths: Iterable[str | Path]) -> Iterator[Article | InputError]:
    """Every article under the given files and folders (recursively, sorted), with errors inline.

    Duplicate article ids across files yield an error for the later file.
    """
    seen: dict[str, str] = {}
    for p in paths:
        path = Path(p)
        if not path.exists():
            yield InputError(str(path), "no such file or folder")
            continue
        if path.is_dir():
            files = sorted(
                f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
            if not files:
                yield InputError(str(path), f"folder has no article files ({', '.join(sorted(SUPPORTED_SUFFIXES))})")
        else:
            files = [path]
        for f in files:
            for item in iter_file(f):
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
