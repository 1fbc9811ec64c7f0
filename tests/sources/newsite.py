"""A local news site for the live-source tests: feeds and article pages written for these tests.

:class:`Site` is an ``http.server`` on 127.0.0.1 in a thread. Each route answers with a status, headers
and a body; ETag/Last-Modified give 304 to a matching conditional request; routes can be slow, huge
(streamed until the client hangs up), redirect, or fail. Every request is logged (path, headers).
The French sentences are the team's own, about places in Syria; no third-party text.
"""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

#: (slug, title, date, paragraphs). Written for these tests.
STORIES: list[tuple[str, str, str, list[str]]] = [
    ("frappes-saraqeb", "Frappes aériennes sur Saraqeb", "2019-03-12", [
        "Des frappes aériennes russes ont visé mardi la ville de Saraqeb, dans la province d'Idleb, "
        "selon des secouristes joints par téléphone.",
        "Les habitants décrivent une matinée de fumée noire au-dessus du marché couvert et des écoles fermées "
        "depuis plusieurs jours. Les équipes de la défense civile ont fouillé les décombres jusqu'au soir.",
        "Les familles déplacées vers le nord racontent des routes encombrées et des camps déjà pleins, "
        "tandis que les boulangeries de la région peinent à trouver de la farine.",
    ]),
    ("armee-reprend-khan-touman", "L'armée reprend Khan Touman", "2019-03-14", [
        "L'armée syrienne a repris jeudi le contrôle du village de Khan Touman aux rebelles, au sud d'Alep, "
        "après trois jours de combats.",
        "Des officiers ont montré à la télévision publique des rues vides et des maisons aux façades criblées "
        "d'éclats. Les rebelles affirment s'être repliés vers des positions plus à l'ouest.",
        "Les agriculteurs de la plaine attendent de savoir quand ils pourront retourner dans leurs champs, "
        "laissés à l'abandon depuis l'automne dernier.",
    ]),
    ("bombardement-jisr", "Bombardements près de Jisr al-Choughour", "2019-03-16", [
        "L'aviation a bombardé samedi la ville de Jisr al-Choughour, dans l'ouest de la province d'Idleb, "
        "d'après un correspondant local.",
        "Les ambulances ont fait des allers-retours vers l'hôpital de campagne pendant tout l'après-midi. "
        "Plusieurs bâtiments administratifs ont été endommagés selon les habitants du quartier.",
        "Les commerçants ont baissé leurs rideaux plus tôt que d'habitude et les rues se sont vidées avant "
        "la tombée de la nuit.",
    ]),
]


def page(slug: str, title: str, date: str, paragraphs: list[str], base: str, canonical: str | None = None) -> bytes:
    """An article page (HTML) with canonical link, publication date and the story in ``<article>``."""
    paras = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    canon = canonical or f"{base}/articles/{slug}.html"
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title} | Le Quotidien d'essai</title>
<link rel="canonical" href="{canon}">
<meta property="og:site_name" content="Le Quotidien d'essai">
<meta property="article:published_time" content="{date}T09:00:00+00:00">
</head><body><nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav>
<article><h1>{title}</h1>
{paras}
</article><footer>Tous droits réservés</footer></body></html>""".encode("utf-8")


def rss(items: list[tuple[str, str, str]], title: str = "Syrie — Le Quotidien d'essai") -> bytes:
    """An RSS 2.0 feed of (title, link, description) items."""
    entries = "\n".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<guid>{link}</guid></item>" for t, link, d in items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{title}</title><link>http://example.invalid/</link>
<description>Dépêches</description>
{entries}
</channel></rss>""".encode("utf-8")


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""  # fixed Last-Modified; an equal If-Modified-Since gets 304
    delay: float = 0.0
    stream_bytes: int = 0  # > 0: stream this many bytes (no Content-Length) until the client hangs up
    declare_length: int = 0  # > 0: announce this Content-Length


class Site:
    """The local server; ``routes`` may be changed while it runs."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                site.log.append((path, dict(self.headers)))
                r = site.routes.get(path)
                if r is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if r.delay:
                    time.sleep(r.delay)
                if (r.etag and self.headers.get("If-None-Match") == r.etag) or \
                        (r.last_modified and self.headers.get("If-Modified-Since") == r.last_modified):
                    self.send_response(304)
                    self.send_header("ETag", r.etag)
                    self.end_headers()
                    return
                try:
                    self.send_response(r.status)
                    self.send_header("Content-Type", r.content_type)
                    if r.etag:
                        self.send_header("ETag", r.etag)
                    if r.etag or r.last_modified:
                        self.send_header("Last-Modified", r.last_modified or formatdate(usegmt=True))
                    for k, v in r.headers.items():
                        self.send_header(k, v)
                    if r.stream_bytes:
                        if r.declare_length:
                            self.send_header("Content-Length", str(r.declare_length))
                        self.end_headers()
                        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
                        sent = 0
                        while sent < r.stream_bytes:
                            self.wfile.write(chunk)
                            sent += len(chunk)
                        return
                    self.send_header("Content-Length", str(len(r.body)))
                    self.end_headers()
                    self.wfile.write(r.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (too large, timeout): expected

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Site":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_for(self, prefix: str) -> list[str]:
        """Paths requested that start with ``prefix``."""
        return [p for p, _ in self.log if p.startswith(prefix)]

    # -- content

    def add_story(self, i: int, slug: str | None = None, canonical: str | None = None) -> str:
        """Serve story ``i`` (at ``/articles/<slug>.html``); return its URL."""
        s, title, date, paras = STORIES[i]
        slug = slug or s
        self.routes[f"/articles/{slug}.html"] = Route(body=page(s, title, date, paras, self.base, canonical))
        return f"{self.base}/articles/{slug}.html"

    def set_feed(self, items: list[tuple[str, str, str]], etag: str, path: str = "/syrie/rss.xml") -> str:
        """Serve an RSS feed at ``path`` with ``etag``; return its URL."""
        self.routes[path] = Route(body=rss(items), content_type="application/rss+xml; charset=utf-8", etag=etag)
        return self.base + path

    def set_robots(self, text: str) -> None:
        self.routes["/robots.txt"] = Route(body=text.encode(), content_type="text/plain")


def story_items(site: "Site", idx: list[int]) -> list[tuple[str, str, str]]:
    """Feed items (title, link, description) for the stories ``idx``, served by ``site``."""
    return [(STORIES[i][1], site.add_story(i), STORIES[i][3][0][:80]) for i in idx]


def feeds_file(tmp_path: Path, url: str, extra: str = "") -> Path:
    p = tmp_path / "feeds.yaml"
    p.write_text(f"feeds:\n  - name: essai\n    url: {url}\n    language: fr\n{extra}", encoding="utf-8")
    return p
