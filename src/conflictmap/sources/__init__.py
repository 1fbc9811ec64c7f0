"""Live sources: articles from URLs and news feeds, kept current (issue #14).

* :mod:`conflictmap.sources.web` — polite HTTP (User-Agent, robots.txt, per-host delay, timeouts,
  size and redirect limits, ``http(s)`` only) with a disk cache of raw responses, and URL → article;
* :mod:`conflictmap.sources.feeds` — the feeds YAML file, RSS/Atom reading with conditional requests,
  new items deduplicated by canonical URL and text hash;
* :mod:`conflictmap.sources.update` — new articles merged into an existing dataset, written atomically;
* :mod:`conflictmap.sources.watch` — a lock (never two runs at once) and a loop that stops cleanly.

This package sits above ``extract`` and ``store`` (it uses both); nothing else in the package imports it
except :mod:`conflictmap.cli`.
"""
