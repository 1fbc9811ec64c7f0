"""Polite fetching: one :class:`Fetcher` per run, raw responses cached on disk, URL → :class:`Article`.

Politeness by default: a descriptive User-Agent, robots.txt obeyed (and its ``Crawl-delay``), a
minimum delay between two requests to one host, connect/read timeouts and an overall deadline, a
maximum body size (a larger response is abandoned, never read whole), at most
``max_redirects`` redirects (a loop is named), ``http`` and ``https`` only.

Every problem is a :class:`FetchError` whose message is one line naming the URL, so a caller
prints it and goes on with the next URL.

Cache: ``<cache_dir>/<sha256 of the URL>.json`` (status, final URL, validators, content type, when)
and ``.body`` (the raw bytes). A page in the cache is revalidated with ``If-None-Match`` /
``If-Modified-Since``; ``offline=True`` reads the cache only, so a re-run is reproducible without
the network.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import urllib3

from conflictmap.errors import UrlError
from conflictmap.extract.articles import Article, article_from_html, decode_bytes
from conflictmap.settings import WebSettings
from conflictmap.store.atomic import atomic_write
from conflictmap.store.dataset import utc_now

Kind = Literal["html", "feed", "any"]

#: Content types read as HTML pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Query parameters dropped from URLs before comparing them (tracking only).
TRACKING_PARAMS = re.compile(r"^(utm_\w+|xtor|at_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmp)$", re.IGNORECASE)
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(UrlError):
    """A URL could not be fetched or used; the message is one line naming the URL and the problem."""


@dataclass
class Response:
    """A fetched (or cached) response.

    Attributes
    ----------
    url : str
        The URL asked for.
    final_url : str
        Where the body came from after redirects.
    status : int
        200, or 304 when the server confirmed the cached copy (``body`` is then the cached body).
    body : bytes
        The raw body.
    content_type : str
        Media type without parameters (``text/html``).
    etag, last_modified : str
        Validators for the next conditional request ("" when the server sent none).
    from_cache : bool
        The body was not downloaded in this call (304, or offline).
    fetched_at : str
        UTC ISO time the body was downloaded.
    """

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    from_cache: bool = False
    fetched_at: str = ""

    @property
    def not_modified(self) -> bool:
        """The server answered 304 Not Modified."""
        return self.status == 304


def normalize_url(url: str) -> str:
    """A comparable form of ``url``: lower-case scheme and host, no fragment, no tracking parameters.

    Parameters
    ----------
    url : str
        An absolute ``http(s)`` URL.

    Returns
    -------
    str
        The same URL for ``HTTPS://Exemple.org/a?utm_source=x#haut`` and ``https://exemple.org/a``.
    """
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING_PARAMS.match(k)])
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port and parts.port != default_port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


_SLUG = re.compile(r"[^a-z0-9]+")


def article_id_for(url: str) -> str:
    """A stable, readable article id for a URL: ``<host>-<last path words>-<8 hex of the URL's hash>``."""
    norm = normalize_url(url)
    parts = urlsplit(norm)
    host = (parts.hostname or "web").removeprefix("www.")
    last = [p for p in parts.path.split("/") if p][-1:] or ["index"]
    slug = _SLUG.sub("-", last[0].lower().rsplit(".", 1)[0]).strip("-")[:40] or "page"
    return f"{host}-{slug}-{hashlib.sha256(norm.encode()).hexdigest()[:8]}"


def check_url(url: str) -> str:
    """``url`` stripped, if it is an absolute ``http(s)`` URL with a host.

    Raises
    ------
    FetchError
        Another scheme (``file:``, ``ftp:``, ``javascript:`` …) or no host.
    """
    u = url.strip()
    parts = urlsplit(u)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(u, f"only http:// and https:// URLs are fetched (got {parts.scheme or 'no'!r} scheme)")
    if not parts.hostname:
        raise FetchError(u, "the URL has no host name")
    return u


@dataclass
class Fetcher:
    """Polite HTTP client for one run (robots.txt rules and host timings are remembered per instance).

    Parameters
    ----------
    settings : WebSettings, optional
        Defaults to ``WebSettings()`` (environment variables apply).
    offline : bool
        Read the disk cache only; a URL not in it is an error.
    """

    settings: WebSettings = field(default_factory=WebSettings)
    offline: bool = False
    _pool: Any = field(default=None, init=False, repr=False)
    _headers: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _robots: dict[str, "urllib.robotparser.RobotFileParser | FetchError"] = field(default_factory=dict, init=False)
    _last: dict[str, float] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    requests_made: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        t = self.settings.timeout
        self._headers = {"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"}
        self._pool = urllib3.PoolManager(headers=self._headers, retries=False,
                                         timeout=urllib3.Timeout(connect=t, read=t))

    @property
    def agent(self) -> str:
        """The robots.txt agent name: the User-Agent's first word, without version."""
        return (self.settings.user_agent.split("/", 1)[0].split() or ["conflictmap"])[0]

    # -- cache

    def _cache_paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(normalize_url(url).encode()).hexdigest()
        base = Path(self.settings.cache_dir) / key[:2] / key
        return base.with_suffix(".json"), base.with_suffix(".body")

    def cached(self, url: str) -> Response | None:
        """The cached response of ``url``, or ``None``."""
        meta_p, body_p = self._cache_paths(url)
        try:
            meta = json.loads(meta_p.read_text(encoding="utf-8"))
            body = body_p.read_bytes()
        except (OSError, ValueError):
            return None
        return Response(url=url, final_url=meta.get("final_url", url), status=200, body=body,
                        content_type=meta.get("content_type", ""), etag=meta.get("etag", ""),
                        last_modified=meta.get("last_modified", ""), from_cache=True,
                        fetched_at=meta.get("fetched_at", ""))

    def _store(self, r: Response) -> None:
        meta_p, body_p = self._cache_paths(r.url)
        meta = {"url": r.url, "final_url": r.final_url, "content_type": r.content_type, "etag": r.etag,
                "last_modified": r.last_modified, "fetched_at": r.fetched_at}
        try:  # body first: a meta file always has its body
            atomic_write(body_p, lambda fh: fh.write(r.body))
            atomic_write(meta_p, lambda fh: fh.write(json.dumps(meta).encode("utf-8")))
        except OSError:
            pass  # a cache that cannot be written costs reproducibility, not the run

    # -- politeness

    def _wait_turn(self, host: str, extra_delay: float = 0.0) -> None:
        delay = max(self.settings.host_delay, min(extra_delay, 60.0))
        with self._lock:
            last = self._last.get(host)
            now = time.monotonic()
            if last is not None and now - last < delay:
                time.sleep(delay - (now - last))
            self._last[host] = time.monotonic()

    def _robots_for(self, url: str) -> "urllib.robotparser.RobotFileParser":
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            rp = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
            try:
                status, body = self._robots_txt(origin + "/robots.txt", parts.hostname or "")
            except FetchError as exc:
                self._robots[origin] = FetchError(url, f"robots.txt of {origin} unreachable ({exc.problem}); "
                                                       "not fetched (retry later)")
            else:
                if status >= 500:
                    self._robots[origin] = FetchError(
                        url, f"robots.txt of {origin} answered HTTP {status}; not fetched (retry later)")
                elif status >= 400:
                    rp.allow_all = True  # no robots.txt: everything is allowed
                    self._robots[origin] = rp
                else:
                    rp.parse(body[: self.settings.max_bytes].decode("utf-8", "replace").splitlines())
                    self._robots[origin] = rp
        got = self._robots[origin]
        if isinstance(got, FetchError):
            raise FetchError(url, got.problem)
        return got

    def _robots_txt(self, url: str, host: str) -> tuple[int, bytes]:
        """Status and body of a robots.txt, following up to ``max_redirects`` redirects (RFC 9309)."""
        for _ in range(self.settings.max_redirects + 1):
            r = self._raw_get(url, {}, host)
            loc = r.headers.get("Location", "")
            if r.status in _REDIRECTS and loc:
                r.close()
                url = urljoin(url, loc)
                host = urlsplit(url).hostname or host
                continue
            if r.status >= 300:
                r.close()
                return r.status, b""
            return 200, self._read_body(url, r)
        return 404, b""  # a redirect chain: as if there were none (everything allowed)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this agent fetch ``url``."""
        return self._robots_for(url).can_fetch(self.agent, url)

    # -- requests

    def _raw_get(self, url: str, headers: dict[str, str], host: str, extra_delay: float = 0.0) -> Any:
        self._wait_turn(host, extra_delay)
        self.requests_made += 1
        try:
            # per-request headers replace the pool's: the User-Agent goes with every request
            return self._pool.request("GET", url, headers={**self._headers, **headers}, redirect=False,
                                      preload_content=False, decode_content=True)
        except urllib3.exceptions.TimeoutError:
            raise FetchError(url, f"no answer within {self.settings.timeout:g} s (timeout; "
                                  "CONFLICTMAP_HTTP_TIMEOUT sets it)") from None
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise FetchError(url, f"connection failed ({type(reason).__name__}: {reason})") from None

    def _read_body(self, url: str, resp: Any) -> bytes:
        limit = self.settings.max_bytes
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            resp.close()
            raise FetchError(url, f"too large ({int(declared):,} bytes announced; the limit is {limit:,}: "
                                  "CONFLICTMAP_MAX_PAGE_BYTES sets it); not downloaded")
        deadline = time.monotonic() + 4 * self.settings.timeout
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in resp.stream(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"too large (more than {limit:,} bytes: CONFLICTMAP_MAX_PAGE_BYTES sets "
                                          "the limit); abandoned")
                if time.monotonic() > deadline:
                    raise FetchError(url, f"too slow (not complete after {4 * self.settings.timeout:g} s); abandoned")
                chunks.append(chunk)
        except urllib3.exceptions.TimeoutError:
            raise FetchError(url, f"the server stopped sending for {self.settings.timeout:g} s (timeout)") from None
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(url, f"the response was cut ({type(exc).__name__}: {exc})") from None
        finally:
            resp.close()
        return b"".join(chunks)

    def get(self, url: str, kind: Kind = "html", conditional: bool = True,
            validators: dict[str, str] | None = None) -> Response:
        """Fetch ``url`` politely (robots.txt, delay, limits); use and refresh the disk cache.

        Parameters
        ----------
        url : str
            Absolute ``http(s)`` URL.
        kind : {"html", "feed", "any"}
            ``"html"`` refuses a response that is not an HTML page.
        conditional : bool
            Revalidate a cached copy (``If-None-Match`` / ``If-Modified-Since``); a 304 returns the cached
            body with ``status=304``.
        validators : dict, optional
            ``{"etag": …, "last_modified": …}`` to send instead of the cached ones (feeds keep their own).

        Returns
        -------
        Response

        Raises
        ------
        FetchError
            Disallowed by robots.txt, HTTP error, timeout, too large, too many redirects or a loop,
            another scheme, not HTML (``kind="html"``), or not in the cache (offline).
        """
        url = check_url(url)
        cached = self.cached(url)
        if self.offline:
            if cached is None:
                raise FetchError(url, "not in the cache (offline run): fetch it once online first")
            self._check_kind(cached, kind)
            return cached
        headers: dict[str, str] = {}
        v = validators if validators is not None else (
            {"etag": cached.etag, "last_modified": cached.last_modified} if cached and conditional else {})
        if v.get("etag"):
            headers["If-None-Match"] = v["etag"]
        if v.get("last_modified"):
            headers["If-Modified-Since"] = v["last_modified"]
        current = url
        seen = [normalize_url(url)]
        for _ in range(self.settings.max_redirects + 1):
            host = urlsplit(current).hostname or ""
            rules = self._robots_for(current)
            if not rules.can_fetch(self.agent, current):
                raise FetchError(current if current == url else f"{url} → {current}",
                                 f"robots.txt of {host} disallows it for {self.agent}; not fetched")
            resp = self._raw_get(current, headers, host, float(rules.crawl_delay(self.agent) or 0))
            status = resp.status
            if status in _REDIRECTS:
                loc = resp.headers.get("Location", "")
                resp.close()
                if not loc:
                    raise FetchError(url, f"HTTP {status} redirect without a Location header")
                nxt = urljoin(current, loc)
                try:
                    check_url(nxt)
                except FetchError as exc:
                    raise FetchError(url, f"redirected to {nxt}: {exc.problem}") from None
                if normalize_url(nxt) in seen:
                    raise FetchError(url, f"redirect loop ({' → '.join([*seen, normalize_url(nxt)])})")
                seen.append(normalize_url(nxt))
                current = nxt
                continue
            if status == 304:
                resp.close()
                base = cached or Response(url=url, final_url=current, status=304, body=b"")
                return Response(url=url, final_url=base.final_url, status=304, body=base.body,
                                content_type=base.content_type, etag=resp.headers.get("ETag", "") or v.get("etag", ""),
                                last_modified=resp.headers.get("Last-Modified", "") or v.get("last_modified", ""),
                                from_cache=True, fetched_at=base.fetched_at)
            if status != 200:
                reason = resp.reason or ""
                resp.close()
                raise FetchError(url, f"HTTP {status} {reason}".rstrip() + "; skipped (retried on the next run)")
            ctype = (resp.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
            out = Response(url=url, final_url=current, status=200, body=b"", content_type=ctype,
                           etag=resp.headers.get("ETag", ""), last_modified=resp.headers.get("Last-Modified", ""),
                           fetched_at=utc_now())
            self._check_kind(out, kind, resp)
            out.body = self._read_body(url, resp)
            self._store(out)
            return out
        raise FetchError(url, f"too many redirects (more than {self.settings.max_redirects}; "
                              "CONFLICTMAP_MAX_REDIRECTS sets the limit)")

    @staticmethod
    def _check_kind(r: Response, kind: Kind, resp: Any = None) -> None:
        if kind == "html" and r.content_type and r.content_type not in HTML_TYPES:
            if resp is not None:
                resp.close()
            raise FetchError(r.url, f"not an HTML page (content type {r.content_type}); only HTML articles "
                                    "are read from the web")

    # -- articles

    def article(self, url: str, language: str = "") -> Article:
        """Fetch a page and extract its article (main text, title, date, source, canonical URL).

        Parameters
        ----------
        url : str
            The page.
        language : str, optional
            Language to assume when the page does not say (e.g. the feed's).

        Returns
        -------
        Article
            ``url`` is the page's canonical URL (``<link rel="canonical">``, ``og:url``) when it gives one,
            else the final URL; ``article_id`` comes from it (:func:`article_id_for`); ``path`` is the URL asked.

        Raises
        ------
        FetchError
            Any fetch problem, or no article text in the page.
        """
        r = self.get(url, kind="html")
        return article_from_response(r, language)


def article_from_response(r: Response, language: str = "") -> Article:
    """The article of a fetched HTML page (see :meth:`Fetcher.article`)."""
    from conflictmap.errors import InputError

    try:
        html = decode_bytes(r.body, r.url)
        art = article_from_html(html, article_id_for(r.final_url), path=r.url)
    except InputError as exc:
        raise FetchError(r.url, exc.problem) from None
    canonical = art.url.strip()
    try:
        canonical = check_url(urljoin(r.final_url, canonical)) if canonical else r.final_url
    except FetchError:
        canonical = r.final_url
    art.url = canonical
    art.article_id = article_id_for(canonical)
    if not art.source:
        art.source = (urlsplit(canonical).hostname or "").removeprefix("www.")
    if language and not re.search(r"<html\b[^>]*\blang\s*=", r.body[:5000].decode("latin-1"), re.IGNORECASE):
        art.language = language
    art.content_hash = art.compute_hash()
    return art


def text_hash(text: str) -> str:
    """SHA-256 of an article's cleaned text alone: the same story at two URLs has the same one."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "surrogatepass")).hexdigest()
