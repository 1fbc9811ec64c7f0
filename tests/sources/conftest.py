"""Fixtures of the live-source tests: the local news site, a fast polite fetcher, a feeds file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from newsite import Site

from conflictmap.settings import WebSettings
from conflictmap.sources.web import Fetcher


@pytest.fixture()
def site() -> Iterator[Site]:
    s = Site().start()
    s.set_robots("User-agent: *\nDisallow: /prive/\n")
    yield s
    s.stop()


@pytest.fixture()
def web(tmp_path: Path) -> WebSettings:
    """No delay between requests, short timeouts, a 1 MB page limit, a private cache."""
    return WebSettings(host_delay=0.0, timeout=0.5, max_bytes=1_000_000, cache_dir=tmp_path / "http-cache")


@pytest.fixture()
def fetcher(web: WebSettings) -> Fetcher:
    return Fetcher(web)

