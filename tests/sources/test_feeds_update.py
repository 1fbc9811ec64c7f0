"""Feeds → dataset: new items fetched once, nothing fetched twice, robots.txt, one line per failure.

All traffic goes to the local site of ``newsite.py`` (the conftest blocks every other host).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from newsite import STORIES, Route, Site, feeds_file, story_items

from conflictmap import store
from conflictmap.errors import InputError
from conflictmap.sources.feeds import Feed, load_feeds
from conflictmap.sources.update import read_sources, update
from conflictmap.sources.web import Fetcher


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_new_items_are_fetched_once_and_a_second_run_fetches_nothing(site: Site, fetcher: Fetcher, pipeline: Any,
                                                                      tmp_path: Path) -> None:
    feed = Feed("essai", site.set_feed(story_items(site, [0, 1]), etag='"v1"'), language="fr")
    out = tmp_path / "ds"
    first = update([feed], out, pipeline=pipeline, fetcher=fetcher)
    assert first.written and not first.errors
    assert sorted(r["url"] for r in first.added) == sorted(site.base + f"/articles/{STORIES[i][0]}.html"
                                                           for i in (0, 1))
    frames = store.read_dataset(out)
    assert len(frames["articles"]) == 2 and first.new_events == first.events == len(frames["events"]) >= 2
    assert {"Saraqib", "Khan Touman"} <= set(frames["events"]["place_name"])
    assert set(frames["articles"]["url"]) == {r["canonical_url"] for r in first.added}
    assert len(site.requests_for("/articles/")) == 2
    meta = json.loads((out / "_SUCCESS.json").read_text())
    assert "sources.parquet" in meta["files"] and meta["written_at"].endswith("Z")
    assert meta["written_at"] > first.added[0]["added_at"]
    before = _snapshot(out)

    # second run, same feed: one conditional request answered 304, no page fetched, nothing written
    site.log.clear()
    second = update([feed], out, pipeline=pipeline, fetcher=Fetcher(fetcher.settings))
    assert second.not_modified == ["essai"] and not second.added and not second.written
    assert site.log[-1][1].get("If-None-Match") == '"v1"'
    assert site.requests_for("/articles/") == []
    assert {k: v for k, v in _snapshot(out).items() if k != "_feeds.json"} == \
        {k: v for k, v in before.items() if k != "_feeds.json"}

    # the feed changes (new ETag): only the new item is fetched, the known ones are skipped by URL
    site.log.clear()
    site.set_feed(story_items(site, [0, 1, 2]), etag='"v2"')
    third = update([feed], out, pipeline=pipeline, fetcher=Fetcher(fetcher.settings))
    assert [r["url"].rsplit("/", 1)[1] for r in third.added] == [f"{STORIES[2][0]}.html"]
    assert site.requests_for("/articles/") == [f"/articles/{STORIES[2][0]}.html"]
    assert sorted(why for _, why in third.skipped) == ["already in the dataset"] * 2
    frames = store.read_dataset(out)
    assert len(frames["articles"]) == 3 and any(n.startswith("Jisr") for n in frames["events"]["place_name"])
    assert third.new_events >= 1 and third.events == len(frames["events"])
    assert len(read_sources(out)) == 3


def test_same_story_at_another_url_or_canonical_is_not_added_twice(site: Site, fetcher: Fetcher, pipeline: Any,
                                                                   tmp_path: Path) -> None:
    first = site.add_story(0)
    copy = site.add_story(0, slug="frappes-saraqeb-copie", canonical=f"{site.base}/ailleurs/autre.html")
    tracked = site.add_story(1, slug="reprise")  # canonical: /articles/armee-reprend-khan-touman.html
    again = site.add_story(1)
    items = [("a", first, ""), ("b", copy, ""), ("c", tracked, ""), ("d", again + "?utm_source=rss", "")]
    feed = Feed("essai", site.set_feed(items, etag='"e"'))
    res = update([feed], tmp_path / "ds", pipeline=pipeline, fetcher=fetcher)
    assert [r["url"] for r in res.added] == [first, tracked]
    reasons = dict(res.skipped)
    assert reasons[copy].startswith("same text as article")
    assert reasons[again + "?utm_source=rss"].startswith("same canonical URL")
    assert len(store.read_dataset(tmp_path / "ds")["articles"]) == 2


def test_include_keywords_filter_items_before_fetching(site: Site, fetcher: Fetcher, pipeline: Any,
                                                       tmp_path: Path) -> None:
    (t0, u0, _), (t1, u1, _) = story_items(site, [0, 1])
    items = [(t0, u0, "Frappes dans la province d'Idleb"), (t1, u1, "Reprise d'un village au sud d'Alep")]
    feed = Feed("essai", site.set_feed(items, etag='"k"'), include=("idleb", "Hama"))
    res = update([feed], tmp_path / "ds", pipeline=pipeline, fetcher=fetcher)
    assert [r["url"] for r in res.added] == [items[0][1]]
    assert site.requests_for("/articles/") == [items[0][1].split(site.base)[1]]
    assert "no include keyword" in dict(res.skipped)[items[1][1]]


def test_robots_disallow_is_respected_and_the_rest_goes_on(site: Site, fetcher: Fetcher, pipeline: Any,
                                                           tmp_path: Path) -> None:
    ok = site.add_story(0)
    private = site.add_story(1, slug="x").replace("/articles/", "/prive/")
    site.routes["/prive/x.html"] = site.routes.pop("/articles/x.html")
    feed = Feed("essai", site.set_feed([("a", private, ""), ("b", ok, "")], etag='"r"'))
    res = update([feed], tmp_path / "ds", pipeline=pipeline, fetcher=fetcher)
    assert [r["url"] for r in res.added] == [ok]
    assert len(res.errors) == 1 and private in res.errors[0] and "robots.txt" in res.errors[0]
    assert site.requests_for("/prive/") == []


def test_each_failure_is_one_clear_line_and_the_rest_goes_on(site: Site, fetcher: Fetcher, pipeline: Any,
                                                             tmp_path: Path) -> None:
    b = site.base
    site.routes["/err.html"] = Route(body=b"oops", status=500)
    site.routes["/lent.html"] = Route(body=b"<html></html>", delay=1.5)  # timeout is 0.5 s
    site.routes["/enorme.html"] = Route(stream_bytes=50 * 1024 * 1024)  # 50 MB, no Content-Length
    site.routes["/enorme-annonce.html"] = Route(stream_bytes=50 * 1024 * 1024, declare_length=50 * 1024 * 1024)
    site.routes["/boucle-a.html"] = Route(status=302, headers={"Location": "/boucle-b.html"})
    site.routes["/boucle-b.html"] = Route(status=302, headers={"Location": "/boucle-a.html"})
    site.routes["/rapport.pdf"] = Route(body=b"%PDF-1.4 ...", content_type="application/pdf")
    bad = {"/err.html": r"HTTP 500", "/lent.html": r"timeout", "/enorme.html": r"too large \(more than 1,000,000",
           "/enorme-annonce.html": r"too large \(52,428,800 bytes announced", "/boucle-a.html": r"redirect loop",
           "/rapport.pdf": r"not an HTML page \(content type application/pdf\)"}
    good = site.add_story(2)
    items = [(p, b + p, "") for p in bad] + [("ok", good, "")]
    feed = Feed("essai", site.set_feed(items, etag='"f"'))
    res = update([feed], tmp_path / "ds", pipeline=pipeline, fetcher=fetcher)
    assert [r["url"] for r in res.added] == [good]
    assert len(res.errors) == len(bad)
    import re

    for (path, pattern), line in zip(bad.items(), res.errors):
        assert "\n" not in line and (b + path) in line and re.search(pattern, line), (path, line)
    assert any(n.startswith("Jisr") for n in store.read_dataset(tmp_path / "ds")["events"]["place_name"])
    # failing items are retried on the next run (the feed changed), successful ones are not
    site.set_feed(items, etag='"f2"')
    site.log.clear()
    again = update([feed], tmp_path / "ds", pipeline=pipeline, fetcher=Fetcher(fetcher.settings))
    assert not again.added and len(again.errors) == len(bad)
    assert good.split(b)[1] not in site.requests_for("/")


def test_a_broken_feed_is_one_line_and_other_feeds_go_on(site: Site, fetcher: Fetcher, pipeline: Any,
                                                         tmp_path: Path) -> None:
    site.routes["/pas-un-flux.xml"] = Route(body=b"<html><body>rien</body></html>", content_type="text/html")
    good = Feed("bon", site.set_feed(story_items(site, [0]), etag='"g"'))
    res = update([Feed("casse", site.base + "/pas-un-flux.xml"), Feed("absent", site.base + "/absent.xml"), good],
                 tmp_path / "ds", pipeline=pipeline, fetcher=fetcher)
    assert len(res.added) == 1
    assert len(res.errors) == 2
    assert res.errors[0].startswith("feed casse:") and "not a readable RSS/Atom feed" in res.errors[0]
    assert res.errors[1].startswith("feed absent:") and "HTTP 404" in res.errors[1]


@pytest.mark.parametrize("text, problem", [
    ("feeds: [", "not valid YAML"),
    ("autre: 1\n", "expected a top-level 'feeds:' list"),
    ("feeds:\n  - name: x\n", "feeds[1] needs a 'url'"),
    ("feeds:\n  - url: ftp://exemple.org/flux\n", "only http:// and https://"),
    ("feeds:\n  - {name: a, url: 'https://a.example/f'}\n  - {name: a, url: 'https://b.example/f'}\n",
     "duplicate feed name 'a'"),
    ("feeds:\n  - {url: 'https://a.example/f', include: {a: 1}}\n", "'include' must be a list"),
])
def test_bad_feeds_files_name_the_file_and_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    p = tmp_path / "feeds.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_feeds(p)
    assert str(p) in str(exc.value) and problem in str(exc.value)


def test_feeds_file_shape(tmp_path: Path) -> None:
    p = feeds_file(tmp_path, "https://exemple.org/syrie/rss.xml", "    include: [Syrie, Idleb]\n    extra: 1\n")
    (feed,) = load_feeds(p)
    assert feed == Feed("essai", "https://exemple.org/syrie/rss.xml", "fr", ("Syrie", "Idleb"))
    assert feed.wants("Combats près d'IDLEB") and not feed.wants("Élections en Irak")
