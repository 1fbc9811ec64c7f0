"""The polite fetcher on its own: URL forms, robots.txt corner cases, the cache, the User-Agent."""

from __future__ import annotations

import pytest
from newsite import Route, Site

from conflictmap.sources.web import FetchError, Fetcher, article_id_for, check_url, normalize_url


def test_url_forms() -> None:
    assert normalize_url("HTTPS://Exemple.ORG:443/a?utm_source=rss&id=3#haut") == "https://exemple.org/a?id=3"
    assert normalize_url("http://exemple.org:8080") == "http://exemple.org:8080/"
    aid = article_id_for("https://www.exemple.org/monde/frappes-sur-idleb.html?xtor=RSS")
    assert aid.startswith("exemple.org-frappes-sur-idleb-") and aid == article_id_for(
        "https://www.exemple.org/monde/frappes-sur-idleb.html")
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "ftp://exemple.org/x", "https:///sans-hote"):
        with pytest.raises(FetchError):
            check_url(bad)


def test_robots_txt_behind_a_redirect_is_obeyed_and_a_failing_one_blocks(site: Site, fetcher: Fetcher) -> None:
    site.routes["/robots.txt"] = Route(status=301, headers={"Location": "/regles.txt"})
    site.routes["/regles.txt"] = Route(body=b"User-agent: conflictmap\nDisallow: /archives/\n",
                                       content_type="text/plain")
    site.routes["/archives/a.html"] = Route(body=b"<html><p>x</p></html>")
    with pytest.raises(FetchError, match="robots.txt of 127.0.0.1 disallows it for conflictmap"):
        fetcher.get(site.base + "/archives/a.html")
    assert site.requests_for("/archives/") == []
    site.routes["/robots.txt"] = Route(status=503)
    other = Fetcher(fetcher.settings)
    with pytest.raises(FetchError, match=r"robots.txt of http://127.0.0.1:\d+ answered HTTP 503; not fetched"):
        other.get(site.base + "/archives/a.html")


def test_user_agent_cache_and_offline(site: Site, fetcher: Fetcher) -> None:
    url = site.add_story(0)
    site.routes[url.split(site.base)[1]].etag = '"p1"'
    first = fetcher.get(url)
    assert first.status == 200 and not first.from_cache
    assert all(h.get("User-Agent", "").startswith("conflictmap/") for _, h in site.log)
    again = Fetcher(fetcher.settings).get(url)  # revalidated: 304, body from the cache
    assert again.status == 304 and again.body == first.body
    site.stop()
    offline = Fetcher(fetcher.settings, offline=True)
    assert offline.get(url).body == first.body
    with pytest.raises(FetchError, match="not in the cache"):
        offline.get(site.base + "/jamais-vu.html")


def test_last_modified_alone_gives_a_conditional_request(site: Site, fetcher: Fetcher) -> None:
    from newsite import rss

    site.routes["/flux.xml"] = Route(body=rss([]), content_type="application/rss+xml",
                                     last_modified="Tue, 12 Mar 2019 09:00:00 GMT")
    first = fetcher.get(site.base + "/flux.xml", kind="feed", validators={})
    assert first.status == 200 and first.last_modified == "Tue, 12 Mar 2019 09:00:00 GMT" and not first.etag
    again = fetcher.get(site.base + "/flux.xml", kind="feed",
                        validators={"etag": first.etag, "last_modified": first.last_modified})
    assert again.not_modified and site.log[-1][1]["If-Modified-Since"] == first.last_modified
