"""The data contract: files, columns and their meanings.

Every output of ``conflictmap ingest ... --out DIR`` and every bundled data
file follows these column lists. Builders in other modules produce frames with
exactly these columns (in this order) and ``crs="EPSG:4326"``.
"""

from __future__ import annotations

CRS = "EPSG:4326"

#: ``DIR/mentions.geojson`` / ``DIR/mentions.parquet``: one row per resolved toponym mention.
MENTION_COLUMNS: list[str] = [
    "article_id",  # str: the article's id (file stem or manifest id)
    "text",  # str: surface form as written in the cleaned article text
    "start",  # int: character offset of the mention in the cleaned text
    "end",  # int: end offset (exclusive)
    "sentence",  # str: the sentence the mention occurs in
    "place_id",  # str: "geonames:<id>", "curated:<id>", "country:<ISO2>" or "nominatim:<osm id>"
    "place_name",  # str: canonical gazetteer name
    "feature_type",  # str: country / admin1 / region / town / site / river
    "country_code",  # str: ISO 3166-1 alpha-2
    "role",  # str: "location" or "actor" (metonymy: "Moscou nie ...")
    "confidence",  # float 0..1: match quality x disambiguation certainty
    "geo_precision",  # int 1..4: 1 town/site, 2 near/part of a town, 3 admin1/region, 4 country
    "gazetteer",  # str: geonames / curated / nominatim
]

#: Modality of an event report (``modality`` column); see :mod:`conflictmap.extract.frames`.
MODALITIES: tuple[str, ...] = ("asserted", "claimed", "denied", "planned", "hypothetical")
#: Modalities of the events on the map; denied / planned / hypothetical reports stay in ``reports`` only.
FACTUAL: frozenset[str] = frozenset({"asserted", "claimed"})
#: Event columns added after the first data release: a dataset written before them is still valid
#: (readers fill them with None, i.e. "not assessed"), every other column is required.
LATER_EVENT_COLUMNS: tuple[str, ...] = ("modality", "confidence")

#: ``DIR/events.geojson`` / ``DIR/events.parquet``: one row per (deduplicated) event.
EVENT_COLUMNS: list[str] = [
    "event_id",  # str: stable id (hash of category, place, date, first source)
    "article_id",  # str: article of the report the event's fields come from (most informative, else first)
    "category",  # str: deescalation / incident / control_change
    "sub_type",  # str: ACLED-like sub type, see conflictmap.extract.events.SUB_TYPES
    "actors",  # list[str]: canonical actor ids from data/actors.csv
    "actor1",  # str | None: who acted
    "actor2",  # str | None: on whom
    "controller_before",  # str | None: control_change only
    "controller_after",  # str | None: control_change only
    "place_id",  # str
    "place_name",  # str
    "geo_precision",  # int 1..4
    "date",  # str ISO YYYY-MM-DD (first day of the period for week/month/year precision)
    "date_precision",  # str: day / week / month / year
    "date_inferred",  # bool: publication date was inferred from the text
    "quote",  # str: the sentence the event comes from
    "source",  # str: publisher / source name ("" when unknown)
    "url",  # str: article URL ("" when unknown)
    "start",  # int: offset of the quote in the cleaned article text
    "end",  # int
    "zone_id",  # str | None: de-escalation zone named by the event (data/zones.geojson)
    "modality",  # str: asserted / claimed / denied / planned / hypothetical (see conflictmap.extract.frames)
    "confidence",  # float 0..1: evidence used (explicit actor, own date, precise place, asserted)
    "sources",  # str: JSON list of {article_id, quote, start, end, source, url} for every report
    "n_sources",  # int: number of reports merged into this event
]

#: ``DIR/articles.parquet``: the cleaned articles (for the reader and provenance).
ARTICLE_COLUMNS: list[str] = [
    "article_id",
    "title",
    "source",
    "url",
    "published",  # str ISO date or "" (see published_inferred)
    "published_inferred",  # bool
    "language",
    "path",  # str: input file
    "content_hash",  # str: sha256 of the cleaned text
    "text",  # str: cleaned text; all offsets point into it
]

#: ``DIR/control.parquet``: "who held X on date D".
CONTROL_COLUMNS: list[str] = [
    "place_id",
    "place_name",
    "date",
    "controller_before",
    "controller_after",
    "event_id",
    "sources",
]

#: ``DIR/sources.parquet`` (datasets kept by ``conflictmap update``): where each web article came from, and when.
SOURCE_COLUMNS: list[str] = [
    "article_id",
    "url",  # str: the URL asked for (feed item link or ``ingest https://…`` argument)
    "canonical_url",  # str: the page's canonical URL (also ``articles.url``)
    "feed",  # str: feed name from the feeds file ("" for ``ingest https://…``)
    "title",  # str: the item's title in the feed
    "added_at",  # str: UTC ISO time the article entered the dataset (``YYYY-MM-DDTHH:MM:SS.mmmZ``)
]

#: ``data/zones.geojson``: curated de-escalation zones.
ZONE_COLUMNS: list[str] = [
    "zone_id",
    "name",
    "valid_from",  # ISO date
    "valid_to",  # ISO date or "" (open)
    "parties",  # list[str] actor ids
    "source",
    "approximate",  # bool
    "method",  # str: how the geometry was built
]

CATEGORIES: tuple[str, ...] = ("deescalation", "incident", "control_change")
FEATURE_TYPES: tuple[str, ...] = ("country", "admin1", "region", "town", "site", "river")
