"""Resolve French date expressions in news sentences.

Dates in French news are mostly *deictic* ("vendredi", "hier", "le mois
dernier") or leave out the year ("le 19 septembre", "début mai"). They only
make sense relative to the article's publication date, the *reference*.

How it works
------------
1. A cheap pre-filter (:data:`_TRIGGERS`: one ``in`` test per trigger word on
   the lower-cased text, plus a compiled 19xx/20xx regex) decides whether a
   text contains any date word at all. Most sentences don't, and return
   without touching anything else. Otherwise the grammar only runs in windows
   around the trigger words, with only the patterns that trigger can start.
2. A small grammar of regular expressions *finds* candidate expressions and
   their surface spans ("dans la nuit du 20 au 21 septembre", "samedi soir",
   "à la fin de février", ...). It never converts words to numbers.
3. Each core expression ("20 septembre", "vendredi", "juillet 2017",
   "la semaine dernière") is converted by **dateparser** (French,
   ``PREFER_DATES_FROM="past"``, ``RELATIVE_BASE`` = reference). Results are
   cached per (expression, reference) with :func:`functools.lru_cache`.
   dateparser's ``period`` gives the precision of single expressions.
4. Overlapping candidates are resolved longest-first.

``dateparser.search.search_dates`` is deliberately not used in the per-sentence
path: on the seed articles it returns spans such as ``'sa'``, ``'Mardi, une'``
(resolved to a January date), ``'maintenant'`` and ``'dimanche le'``, turns
"à 10 heures" into a datetime, misses "Début mai", "la veille" and "ce jour",
collapses "du 20 au 21 septembre" to its last day, and costs 15-35 ms per
article once warm. The grammar of step 2 is the
filter: only spans it accepts are ever handed to dateparser.

Nothing heavy happens at import time: dateparser is imported lazily, the first
time a candidate expression has to be converted.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from dateparser.date import DateDataParser

__all__ = [
    "PRECISIONS",
    "Anchor",
    "DateMention",
    "find_dates",
    "infer_publication_date",
    "infer_year_from_chronology",
    "parse_published",
    "read_timeline",
    "war_age_anchors",
    "weekday_years",
]

Precision = Literal["day", "week", "month", "year"]

#: Valid values of :attr:`DateMention.precision`, finest first.
PRECISIONS: Final[tuple[str, ...]] = ("day", "week", "month", "year")

_ONE_DAY: Final = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a text and resolved to a calendar period.

    Attributes
    ----------
    text : str
        Surface text exactly as in the analysed text (``text[start:end]``),
        including its introducing words ("depuis le 27 février",
        "dans la nuit du 20 au 21 septembre", "samedi soir").
    start, end : int
        Character offsets in the analysed text (``end`` exclusive).
    date : datetime.date
        First day of the period.
    end_date : datetime.date
        Last day of the period (equal to ``date`` for a single day).
    precision : str
        ``"day"``, ``"week"``, ``"month"`` or ``"year"``. A range of days
        ("du 3 au 5 mai") has ``"day"`` precision when it spans at most 7
        days, ``"week"`` up to 31 days and ``"month"`` beyond.
    relative : bool
        True for deictic expressions resolved against the reference date
        (weekdays, "hier", "la veille", "cette semaine", "le mois dernier",
        "il y a trois jours", ...). False for calendar dates, including those
        whose year was completed from the reference ("le 19 septembre").
    """

    text: str
    start: int
    end: int
    date: datetime.date
    end_date: datetime.date
    precision: str
    relative: bool


# --------------------------------------------------------------------------
# Finding candidates (regexes only find spans; dateparser converts them)
# --------------------------------------------------------------------------

# All matching is done on a lower-cased copy of the text (same length, same
# offsets), so the patterns are compiled without re.IGNORECASE, which makes
# Python's re several times slower on alternations.

#: Trigger words, searched with ``in``/``str.find`` on the lower-cased text
#: (much cheaper than any regex alternation). Every expression of the grammar
#: contains one of them, so a text without any never reaches the grammar or
#: dateparser. Each word maps to a trigger class: "M" month, "W" weekday,
#: "R" relative word. Years ("Y") are found by :data:`_YEAR_TRIGGER`.
_TRIGGERS: Final[tuple[tuple[str, str], ...]] = (
    *((w, "M") for w in (
        "janv", "févr", "fevr", "mars", "avr", "mai", "juin", "juil", "août", "aout", "sept",
        "octobre", "oct.", "novembre", "nov.", "décembre", "decembre", "déc.",
    )),
    *((w, "W") for w in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")),
    *((w, "R") for w in (
        "hier", "aujourd", "demain", "ce jour", "ce matin", "ce soir", "cet apr", "cette nuit",
        "veille", "semaine", "mois", "l'an ", "l’an ", "année", "annee", "il y a",
    )),
)
_TRIGGER_WORDS: Final[tuple[str, ...]] = tuple(w for w, _ in _TRIGGERS)
_YEAR_TRIGGER: Final = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
#: Characters searched before / after a trigger word for the whole expression
#: ("dans la nuit du 20 au 21 septembre" ends with its trigger).
_WINDOW_BEFORE: Final = 48
_WINDOW_AFTER: Final = 36

_AP = r"['’]"  # straight or typographic apostrophe
_B = r"(?<![\w-])"  # left word boundary that also refuses "F-16", "mi-mai"
_E = r"(?![\w])"  # right word boundary

_MONTH_FULL = (
    r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre"
    r"|octobre|novembre|d[ée]cembre)"
)
# Abbreviations need their dot ("sept" alone is the number seven).
_MONTH_ABBR = r"(?:janv|f[ée]vr?|avr|juil|sept|oct|nov|d[ée]c)\."
_MONTH = rf"(?:{_MONTH_FULL}{_E}|{_MONTH_ABBR})"
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_DAY = r"(?:1\s?er|1ᵉʳ|premier|3[01]|[12]\d|0?[1-9])"
# Years followed by a unit or a count noun are quantities ("en 2000 morts").
_NOT_QUANTITY = (
    r"(?!\s*(?:[%€$]|km|kilo|m[èe]tres|ans\b|ann[ée]es|morts|tu[ée]s|bless[ée]s|civils"
    r"|personnes|hommes|femmes|enfants|combattants|soldats|militaires|r[ée]fugi[ée]s"
    r"|habitants|euros|dollars|tonnes|[ée]l[ée]ments|membres|victimes|familles|maisons))"
)
_YEAR = rf"(?:19|20)\d\d(?![\d,.]\d){_E}{_NOT_QUANTITY}"
_TIME_OF_DAY = (
    r"(?:soir|matin|apr[èe]s-midi|midi|en\s+fin\s+de\s+journ[ée]e|en\s+d[ée]but\s+de\s+journ[ée]e)"
)

_PRE_DAY = (
    rf"(?:(?:depuis|d[èe]s|avant|apr[èe]s|vers|pour|jusqu{_AP}à)\s+le\s+"
    rf"|à\s+partir\s+du\s+|jusqu{_AP}au\s+|(?:le|ce|du|au)\s+)"
)
_PREP = rf"(?:en|depuis|d[èe]s|jusqu{_AP}en|jusqu{_AP}à|d{_AP}ici|avant|apr[èe]s|vers|pour)\s+"
_DE = r"(?:\s+de\s+|\s+d['’]\s*|\s+)"  # "fin de février", "début d'avril", "fin mai"
_QUAL = (
    rf"(?:(?:(?:au|le|dès\s+le|depuis\s+le|jusqu{_AP}au)\s+)?d[ée]but{_DE}"
    rf"|(?:(?:à|depuis|dès|jusqu{_AP}à|vers)\s+)?(?:la\s+)?(?:fin{_DE}|mi-)"
    rf"|(?:(?:au|le|depuis\s+le|pendant\s+le|durant\s+le)\s+)?mois(?:\s+de\s+|\s+d['’]\s*)"
    r"|courant\s+)"
)

_NUMBER_WORD = (
    r"(?:\d{1,3}|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze"
    r"|treize|quatorze|quinze|seize|vingt|trente|quarante|cinquante|soixante|cent)"
)

#: (name, pattern). Group names tell the resolver what was found.
_PATTERN_SOURCES: Final[tuple[tuple[str, str, str], ...]] = (
    # "dans la nuit du 20 au 21 septembre", "du 28 février au 2 mars 2016"
    (
        "day_range", "M",
        rf"{_B}(?:(?:dans\s+)?la\s+nuit\s+)?du\s+(?:{_WEEKDAY}\s+)?(?P<d1>{_DAY})"
        rf"(?:\s+(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?)?"
        rf"\s+au\s+(?:{_WEEKDAY}\s+)?(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})(?:\s+(?P<y2>{_YEAR}))?",
    ),
    # "entre le 3 et le 5 mai", "les 3 et 4 mai 2017"
    (
        "day_range", "M",
        rf"{_B}(?:entre\s+le|les)\s+(?P<d1>{_DAY})(?:\s+(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?)?"
        rf"\s+et\s+(?:le\s+)?(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})(?:\s+(?P<y2>{_YEAR}))?",
    ),
    # "dans la nuit de samedi à dimanche"
    (
        "weekday_range", "W",
        rf"{_B}(?:dans\s+)?la\s+nuit\s+(?:de|du)\s+(?P<w1>{_WEEKDAY}){_E}\s+(?:à|au)\s+(?P<w2>{_WEEKDAY}){_E}",
    ),
    # "le 19 septembre", "ce 21 septembre", "depuis le 27 février", "samedi 7 juillet 2018"
    (
        "day", "M",
        rf"{_B}{_PRE_DAY}?(?:{_WEEKDAY}\s+)?(?P<d>{_DAY})\s+(?P<m>{_MONTH})(?:\s+(?P<y>{_YEAR}))?",
    ),
    # "21/09/2017", "2017-09-21"
    ("numeric", "Y", rf"{_B}(?P<num>\d{{1,2}}/\d{{1,2}}/(?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d){_E}"),
    # "entre mai et juillet 2017", "de février à avril"
    (
        "month_range", "M",
        rf"{_B}(?:entre|de|d{_AP})\s*(?P<m1>{_MONTH_FULL})(?:\s+(?P<y1>{_YEAR}))?{_E}"
        rf"\s+(?:et|à)\s+(?P<m2>{_MONTH_FULL})(?:\s+(?P<y2>{_YEAR}))?{_E}",
    ),
    # "début mai", "mi-mai", "à la fin de février", "depuis février", "en juillet 2017", "juillet 2017"
    (
        "month", "M",
        rf"{_B}(?P<prep>{_PREP})?(?P<qual>{_QUAL})?(?P<m>{_MONTH})(?:\s+(?P<y>{_YEAR}))?",
    ),
    # "en 2016", "depuis 2011", "fin 2017", "l'année 2015"
    (
        "year", "YR",
        rf"{_B}(?:{_PREP}(?:{_QUAL})?|{_QUAL}|l{_AP}an(?:n[ée]e)?\s+|ann[ée]e\s+)(?P<y>{_YEAR})",
    ),
    # "vendredi", "samedi soir", "mardi dernier", "ce dimanche"
    (
        "weekday", "W",
        rf"{_B}(?:(?:ce|depuis|d[èe]s|jusqu{_AP}à)\s+)?(?P<w>{_WEEKDAY}){_E}"
        rf"(?:\s+(?P<mod>{_TIME_OF_DAY}|dernier|pass[ée]|prochain){_E})?",
    ),
    # "hier", "avant-hier", "hier soir", "aujourd'hui", "ce jour", "ce matin", "demain"
    (
        "deictic_day", "R",
        rf"{_B}(?P<rel>avant-hier|apr[èe]s-demain|hier|demain|aujourd{_AP}hui|ce\s+jour"
        rf"|ce\s+matin|ce\s+soir|cet\s+apr[èe]s-midi|cette\s+nuit){_E}"
        rf"(?:\s+(?:{_TIME_OF_DAY}|m[êe]me){_E})?",
    ),
    # "la veille" (the day before the publication; "à la veille de ..." is refused)
    ("veille", "R", rf"{_B}la\s+veille{_E}(?:\s+au\s+soir)?"),
    # "cette semaine", "la semaine dernière", "le mois dernier", "l'an dernier", "cette année"
    (
        "deictic_period", "R",
        rf"{_B}(?:(?:(?:à|depuis|dès|vers)\s+)?(?:la\s+)?(?P<part>fin|d[ée]but)\s+(?:de\s+|du\s+|d{_AP}\s*))?"
        rf"(?P<rel>cette\s+semaine|(?:la\s+)?semaine\s+(?:derni[èe]re|pass[ée]e)"
        rf"|(?:le\s+)?mois\s+(?:dernier|pass[ée])|ce\s+mois(?:-ci)?"
        rf"|l{_AP}an(?:n[ée]e)?\s+(?:derni[èe]re?|pass[ée]e?)|cette\s+ann[ée]e){_E}",
    ),
    # "il y a trois jours", "il y a deux semaines", "il y a un an"
    (
        "ago", "R",
        rf"{_B}il\s+y\s+a\s+(?P<n>{_NUMBER_WORD}|quelques|plusieurs)\s+(?P<unit>jours?|semaines?|mois|ans|an|ann[ée]es?){_E}",
    ),
)


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """Compile the grammar on first use.

    Returns
    -------
    tuple of (str, str, re.Pattern)
        Kind name, trigger classes and compiled pattern (for lower-cased
        text), in :data:`_PATTERN_SOURCES` order.
    """
    return tuple((kind, classes, re.compile(src)) for kind, classes, src in _PATTERN_SOURCES)


# Context checks done in Python (variable-length look-behinds are not allowed in re),
# on the _LOOKBACK characters before a match.
_LOOKBACK: Final = 16
_HABITUAL_BEFORE: Final = re.compile(r"(?:\b(?:chaque|tous\s+les|les|le|un|du|au)\s+)$")
_TO_DATE_BEFORE: Final = re.compile(rf"(?:\b(?:à|jusqu{_AP}à|de|depuis)\s+)$")
# Used with Pattern.match(text, pos), which anchors at pos (a "^" would not).
_LA_BEFORE_JOUR_AFTER: Final = re.compile(r"\s*-?\s*l[àa]\b")
_VEILLE_OF: Final = re.compile(rf"\s+(?:de|du|des|d{_AP}|au\s+(?!soir))")


def _normalise(expr: str) -> str:
    """Normalise an expression before handing it to dateparser.

    Parameters
    ----------
    expr : str
        Expression as found in the text.

    Returns
    -------
    str
        Lower-cased, single-spaced, straight apostrophes, "1er" for
        "premier"/"1ᵉʳ" (dateparser knows "1er" but not "premier").
    """
    out = " ".join(expr.lower().replace("’", "'").split())
    out = re.sub(r"\b(?:premier|1ᵉʳ|1 er)(?=\s)", "1er", out)
    return out


# --------------------------------------------------------------------------
# dateparser (lazy) and caches
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _parser(base: datetime.date | None, prefer: str) -> DateDataParser:
    """Return a French dateparser parser for a base date (created lazily, cached).

    Parameters
    ----------
    base : datetime.date or None
        ``RELATIVE_BASE`` (midnight of that day); None for expressions that carry their year
        (absolute-time parser only).
    prefer : {"past", "future"}
        ``PREFER_DATES_FROM``.

    Returns
    -------
    dateparser.date.DateDataParser
    """
    from dateparser.date import DateDataParser

    settings: dict[str, object] = {
        "PREFER_DATES_FROM": prefer,
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["relative-time", "absolute-time"],
        "DATE_ORDER": "DMY",
    }
    if base is not None:
        settings["RELATIVE_BASE"] = datetime.datetime(base.year, base.month, base.day)
        return DateDataParser(languages=["fr"], settings=settings)
    # without a base the expression carries its own year ("19 septembre 2017", "2016", "21/09/2017"):
    # the absolute parser alone, French locale only — the same answers, twice as fast
    settings["PARSERS"] = ["absolute-time"]
    return DateDataParser(languages=["fr"], locales=["fr"], settings=settings)


@functools.lru_cache(maxsize=65536)
def _dp(
    expr: str, base: datetime.date | None, prefer: str = "past"
) -> tuple[datetime.date, str] | None:
    """Convert one normalised expression with dateparser (cached).

    Parameters
    ----------
    expr : str
        Normalised expression ("19 septembre", "vendredi", "juillet 2017").
    base : datetime.date or None
        Reference date (``RELATIVE_BASE``).
    prefer : {"past", "future"}
        ``PREFER_DATES_FROM``.

    Returns
    -------
    tuple of (datetime.date, str) or None
        The date and dateparser's period ("day", "week", "month", "year"),
        or None when dateparser cannot parse it (e.g. "31 février 2018").
    """
    try:
        data = _parser(base, prefer).get_date_data(expr)
    except (ValueError, OverflowError):
        return None
    if data.date_obj is None:
        return None
    return data.date_obj.date(), str(data.period or "day")


def _bounds(day: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the period of ``precision`` containing ``day``.

    Parameters
    ----------
    day : datetime.date
        Any day of the period.
    precision : str
        One of :data:`PRECISIONS` (weeks run Monday to Sunday).

    Returns
    -------
    tuple of datetime.date
        ``(first_day, last_day)``.
    """
    if precision == "week":
        first = day - datetime.timedelta(days=day.weekday())
        return first, _shift(first, 6) or datetime.date.max
    if precision == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if precision == "year":
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    return day, day


def _range_precision(first: datetime.date, last: datetime.date) -> str:
    """Precision of a range of days (see :class:`DateMention`)."""
    span = (last - first).days + 1
    return "day" if span <= 7 else "week" if span <= 31 else "month"


def _shift(day: datetime.date, days: int) -> datetime.date | None:
    """``day + days`` or None when it leaves the supported calendar range."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return None


# --------------------------------------------------------------------------
# Resolution of one candidate
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Resolved:
    """A resolved candidate, before it becomes a :class:`DateMention`."""

    first: datetime.date
    last: datetime.date
    precision: str
    relative: bool
    year_explicit: bool  # the year is written in the text (not completed from the reference)


_Resolver = Callable[[re.Match[str], str, datetime.date | None, int | None], _Resolved | None]


def _calendar(
    core: str, year: str | None, reference: datetime.date | None, year_hint: int | None
) -> tuple[datetime.date, str, bool] | None:
    """Resolve a day/month expression, completing its year if needed.

    Parameters
    ----------
    core : str
        Normalised "19 septembre" / "mai" (no year).
    year : str or None
        Year written in the text.
    reference : datetime.date or None
        Reference date; a missing year makes the most recent past occurrence.
    year_hint : int or None
        Year to use instead of the reference (publication-date inference).

    Returns
    -------
    tuple of (datetime.date, str, bool) or None
        Date, dateparser period and whether the year was explicit.
    """
    if year is not None:
        hit = _dp(f"{core} {year}", None)
        return None if hit is None else (hit[0], hit[1], True)
    if year_hint is not None:
        hit = _dp(f"{core} {year_hint}", None)
        return None if hit is None else (hit[0], hit[1], False)
    if reference is None:
        return None
    # The most recent occurrence on or before the reference, found through the reference's year (or the
    # year before): the same answer as dateparser's past preference, but cached across articles.
    for y in (reference.year, reference.year - 1):
        hit = _dp(f"{core} {y}", None)
        if hit is not None and hit[0] <= reference:
            return hit[0], hit[1], False
    hit = _dp(core, reference)
    return None if hit is None else (hit[0], hit[1], False)


def _resolve_day(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "le 19 septembre", "depuis le 27 février", "samedi 7 juillet 2018".

    A deadline or a start without its year ("jusqu'au 20 mars", "à partir du 2 mai", "d'ici le 1er juin")
    may lie ahead: it is the occurrence nearest the reference, before or after it. Any day at most a
    month after the reference is that coming day, not last year's: a past date so close to the anniversary
    would carry its year ("le 20 mars" written on 7 March is the 20th to come).
    """
    core = _normalise(f"{m['d']} {m['m']}")
    hit = _calendar(core, m["y"], reference, year_hint)
    if hit is None:
        return None
    if reference is not None and not hit[2] and year_hint is None:
        try:  # plain arithmetic: no dateparser call for the year after
            ahead = hit[0].replace(year=hit[0].year + 1)
        except ValueError:  # 29 February
            ahead = None
        if ahead is not None and ((_FORWARD.match(m.group(0)) and ahead - reference < reference - hit[0])
                                  or ahead - reference <= _SOON):
            return _Resolved(ahead, ahead, "day", False, False)
    return _Resolved(hit[0], hit[0], "day", False, hit[2])


#: How far ahead of the reference a year-less day is still taken as coming rather than last year's.
_SOON: Final = datetime.timedelta(days=31)
#: Prepositions of a day that may lie after the reference: a deadline or a start.
_FORWARD: Final = re.compile(rf"(?:jusqu{_AP}(?:au|à\s+le)|à\s+partir\s+du|d{_AP}ici\s+(?:au|le))\s", re.IGNORECASE)


def _resolve_numeric(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "21/09/2017", "2017-09-21"."""
    hit = _dp(m["num"], None)
    if hit is None or hit[1] != "day":
        return None
    return _Resolved(hit[0], hit[0], "day", False, True)


def _resolve_day_range(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "dans la nuit du 20 au 21 septembre", "du 28 février au 2 mars", "entre le 3 et le 5 mai".

    The end day is resolved like a single day; the start day is the most
    recent such day on or before it.
    """
    end_hit = _calendar(_normalise(f"{m['d2']} {m['m2']}"), m["y2"], reference, year_hint)
    if end_hit is None:
        return None
    last, _, explicit = end_hit
    if m["m1"] is None:  # same month (and year) as the end
        start_hit = _dp(_normalise(f"{m['d1']} {m['m2']} {last.year}"), None)
    elif m["y1"] is not None:
        start_hit = _dp(_normalise(f"{m['d1']} {m['m1']} {m['y1']}"), None)
    else:  # most recent such day on or before the end
        start_hit = _dp(_normalise(f"{m['d1']} {m['m1']}"), last)
    if start_hit is None or start_hit[0] > last or (last - start_hit[0]).days > 366:
        return None
    first = start_hit[0]
    return _Resolved(first, last, _range_precision(first, last), False, explicit)


_WEEKDAY_INDEX: Final = {d: i for i, d in enumerate(
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))}


def _resolve_weekday_name(name: str, reference: datetime.date, mod: str = "") -> datetime.date | None:
    """Most recent ``name`` on or before ``reference`` ("dernier": the previous week's; "prochain": after).

    Plain calendar arithmetic (the same answers as dateparser's relative weekdays, without building a
    parser per reference date, which dominated the cost of dating an article).
    """
    expr = _normalise(name)
    wd = _WEEKDAY_INDEX.get(expr.strip().lower())
    if wd is not None:
        back = (reference.weekday() - wd) % 7
        if mod.startswith("prochain"):
            return reference + datetime.timedelta(days=(wd - reference.weekday()) % 7 or 7)
        if mod.startswith(("dernier", "pass")):
            # "mercredi dernier": that weekday of the calendar week before the reference's week
            monday = reference - datetime.timedelta(days=reference.weekday())
            return monday - datetime.timedelta(days=7 - wd)
        return reference - datetime.timedelta(days=back)
    if mod.startswith("prochain"):
        hit = _dp(expr, reference, "future")
    elif mod.startswith(("dernier", "pass")):
        hit = _dp(expr, reference)
    else:
        base = _shift(reference, 1)  # dateparser's past weekday is strictly before its base
        hit = None if base is None else _dp(expr, base)
    return None if hit is None else hit[0]


def _resolve_weekday(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "vendredi", "samedi soir", "mardi dernier", "ce dimanche"."""
    if reference is None:
        return None
    if m.start("w") == m.start() and _HABITUAL_BEFORE.search(text, max(0, m.start() - _LOOKBACK), m.start()):
        return None  # "chaque vendredi", "tous les mardis", "le vendredi" (habitual / narrative)
    day = _resolve_weekday_name(m["w"], reference, (m["mod"] or "").lower())
    if day is None:
        return None
    return _Resolved(day, day, "day", True, False)


def _resolve_weekday_range(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "dans la nuit de samedi à dimanche"."""
    if reference is None:
        return None
    last = _resolve_weekday_name(m["w2"], reference)
    if last is None:
        return None
    start_hit = _dp(_normalise(m["w1"]), last)  # strictly before the end day
    if start_hit is None:
        return None
    return _Resolved(start_hit[0], last, "day", True, False)


def _resolve_month(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "début mai", "mi-mai", "à la fin de février", "en juillet 2017", "juillet 2017"."""
    if m["y"] is None and m["prep"] is None and m["qual"] is None:
        return None  # a bare month name ("Avril Haines", "Mars") is not taken as a date
    if m["y"] is None and m["m"].endswith("."):
        return None  # "en sept." is more likely "en sept" (seven) than September
    hit = _calendar(_normalise(m["m"]), m["y"], reference, year_hint)
    if hit is None or hit[1] != "month":
        return None
    first, last = _bounds(hit[0], "month")
    return _Resolved(first, last, "month", False, hit[2])


def _resolve_month_range(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "entre mai et juillet 2017", "de février à avril"."""
    end_hit = _calendar(_normalise(m["m2"]), m["y2"], reference, year_hint)
    if end_hit is None:
        return None
    if m["y1"] is not None:
        start_hit = _dp(_normalise(f"{m['m1']} {m['y1']}"), None)
    else:
        start_hit = _dp(_normalise(m["m1"]), end_hit[0].replace(day=28))
    if start_hit is None or start_hit[0] > end_hit[0]:
        return None
    return _Resolved(
        _bounds(start_hit[0], "month")[0], _bounds(end_hit[0], "month")[1], "month", False, end_hit[2]
    )


def _resolve_year(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "en 2016", "depuis 2011", "fin 2017"."""
    hit = _dp(m["y"], None)
    if hit is None or hit[1] != "year":
        return None
    first, last = _bounds(hit[0], "year")
    return _Resolved(first, last, "year", False, True)


_CANON_MONDAY: Final = datetime.date(2018, 1, 1)
# Expressions whose answer depends on the lengths of months or years (not a plain shift in days).
_MONTH_OR_YEAR_WORD: Final = re.compile(
    r"mois|\ban\b|\bans\b|ann[ée]e|\d|janv|f[ée]vr|mars|avril|\bmai\b|juin|juil|ao[ûu]t|sept|oct|nov|d[ée]c",
    re.IGNORECASE)


def _resolve_deictic(expr: str, reference: datetime.date | None) -> _Resolved | None:
    """Resolve a normalised deictic expression understood by dateparser."""
    if reference is None:
        return None
    if _MONTH_OR_YEAR_WORD.search(expr):
        hit = _dp(expr, reference)
    else:
        # days and weeks before or after the reference ("hier", "la semaine dernière", "il y a trois jours")
        # are the same offset from any day of the same weekday: resolved once from a fixed week, cached
        canon = _CANON_MONDAY + datetime.timedelta(days=reference.weekday())
        hit = _dp(expr, canon)
        if hit is not None:
            moved = _shift(reference, (hit[0] - canon).days)
            hit = None if moved is None else (moved, hit[1])
    if hit is None:
        return None
    precision = hit[1] if hit[1] in PRECISIONS else "day"
    first, last = _bounds(hit[0], precision)
    return _Resolved(first, last, precision, True, False)


_DEICTIC_SYNONYMS: Final[dict[str, str]] = {
    # phrases dateparser does not know -> the equivalent phrase it does know
    "ce jour": "aujourd'hui",
    "ce matin": "aujourd'hui",
    "ce soir": "aujourd'hui",
    "cet après-midi": "aujourd'hui",
    "cet apres-midi": "aujourd'hui",
    "cette nuit": "aujourd'hui",
    "la veille": "hier",
    "la semaine passée": "la semaine dernière",
    "la semaine passee": "la semaine dernière",
    "cette semaine dernière": "la semaine dernière",
    "mois dernier": "le mois dernier",
    "mois passé": "le mois dernier",
    "le mois passé": "le mois dernier",
    "le mois passe": "le mois dernier",
    "mois passe": "le mois dernier",
    "ce mois": "ce mois-ci",
}


def _deictic_key(raw: str) -> str:
    """Map a deictic phrase to a phrase dateparser understands."""
    expr = _normalise(raw)
    if expr.startswith(("l'an ", "l'année ", "l'annee ")):
        return "l'année dernière"  # "l'an dernier", "l'année passée", ...
    if expr.startswith(("la semaine ", "semaine ")):
        return "la semaine dernière"
    return _DEICTIC_SYNONYMS.get(expr, expr)


def _resolve_deictic_day(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "hier", "avant-hier", "aujourd'hui", "ce jour", "ce matin", "demain"."""
    rel = _normalise(m["rel"])
    if rel == "ce jour":
        lookback = max(0, m.start() - _LOOKBACK)
        if _TO_DATE_BEFORE.search(text, lookback, m.start()) or _LA_BEFORE_JOUR_AFTER.match(text, m.end()):
            return None  # "à ce jour" = so far; "ce jour-là" = that day (not the publication)
    return _resolve_deictic(_deictic_key(rel), reference)


def _resolve_veille(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "la veille": the day before the publication ("la veille de ..." is refused)."""
    if _VEILLE_OF.match(text, m.end()):
        return None
    return _resolve_deictic("hier", reference)


def _resolve_deictic_period(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "cette semaine", "la semaine dernière", "le mois dernier", "l'an dernier"...;
    "la fin de l'année dernière" is its last two months ("début": the first two), "fin du mois dernier"
    its last ten days."""
    got = _resolve_deictic(_deictic_key(m["rel"]), reference)
    part = (m["part"] or "").lower()
    if got is None or not part or got.precision not in ("month", "year"):
        return got
    span = datetime.timedelta(days=60 if got.precision == "year" else 10)
    finer = "month" if got.precision == "year" else "week"
    if part == "fin":
        return _Resolved(got.last - span + _ONE_DAY, got.last, finer, True, False)
    return _Resolved(got.first, got.first + span - _ONE_DAY, finer, True, False)


def _resolve_ago(
    m: re.Match[str], text: str, reference: datetime.date | None, year_hint: int | None
) -> _Resolved | None:
    """Resolve "il y a trois jours", "il y a deux semaines"; "il y a quelques jours" is the week before
    the reference (two to seven days back), "il y a quelques semaines" the month before it."""
    if m["n"] in ("quelques", "plusieurs"):
        if reference is None:
            return None
        unit = m["unit"]
        if unit.startswith("jour"):
            return _Resolved(reference - datetime.timedelta(days=7), reference - datetime.timedelta(days=2),
                             "week", True, False)
        if unit.startswith("semaine"):
            return _Resolved(reference - datetime.timedelta(days=42), reference - datetime.timedelta(days=7),
                             "month", True, False)
        return None  # "il y a quelques mois / ans": too vague to date an event
    return _resolve_deictic(_normalise(m.group(0)), reference)


_RESOLVERS: Final[dict[str, _Resolver]] = {
    "day": _resolve_day,
    "numeric": _resolve_numeric,
    "day_range": _resolve_day_range,
    "weekday": _resolve_weekday,
    "weekday_range": _resolve_weekday_range,
    "month": _resolve_month,
    "month_range": _resolve_month_range,
    "year": _resolve_year,
    "deictic_day": _resolve_deictic_day,
    "veille": _resolve_veille,
    "deictic_period": _resolve_deictic_period,
    "ago": _resolve_ago,
}


def _lower(text: str) -> str:
    """Lower-case ``text`` keeping every offset (characters whose lower case is longer stay as they are)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def _trigger_windows(low: str) -> dict[str, list[tuple[int, int]]]:
    """Locate trigger words and the windows around them where expressions may be.

    Parameters
    ----------
    low : str
        Lower-cased text.

    Returns
    -------
    dict of str to list of (int, int)
        Trigger class ("M", "W", "R", "Y") -> ``(lo, hi)`` search windows.
        Empty for the (usual) text without any date word; that check costs
        one ``in`` test per trigger word.
    """
    hits = [i for i, word in enumerate(_TRIGGER_WORDS) if word in low]
    years = _YEAR_TRIGGER.search(low)
    if not hits and years is None:
        return {}
    n = len(low)
    windows: dict[str, list[tuple[int, int]]] = {}

    def add(cls: str, at: int, length: int) -> None:
        if at > 0 and low[at - 1].isalpha():
            return  # inside a word ("semaine" is not "mai")
        hi = min(n, at + length + _WINDOW_AFTER)
        while hi < n and low[hi].isalnum():
            hi += 1
        windows.setdefault(cls, []).append((max(0, at - _WINDOW_BEFORE), hi))

    for i in hits:
        word, cls = _TRIGGERS[i]
        at = low.find(word)
        while at >= 0:
            add(cls, at, len(word))
            at = low.find(word, at + 1)
    if years is not None:
        for m in _YEAR_TRIGGER.finditer(low, years.start()):
            add("Y", m.start(), 4)
    return windows


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping ``(lo, hi)`` windows."""
    if len(spans) < 2:
        return spans
    spans = sorted(spans)
    out = [spans[0]]
    for lo, hi in spans[1:]:
        if lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _scan(
    text: str, reference: datetime.date | None, year_hint: int | None = None
) -> list[tuple[int, int, str, _Resolved]]:
    """Find and resolve all date expressions (longest non-overlapping spans).

    Parameters
    ----------
    text : str
        Text to scan.
    reference : datetime.date or None
        Reference date.
    year_hint : int or None
        When given, calendar expressions without a year get this year
        instead of one derived from the reference.

    Returns
    -------
    list of (start, end, kind, _Resolved)
        Sorted by start offset.
    """
    low = _lower(text)
    windows = _trigger_windows(low)
    if not windows:
        return []
    found: list[tuple[int, int, str, _Resolved]] = []
    seen: set[tuple[str, int, int]] = set()
    for kind, classes, pattern in _patterns():
        spans = _merge([w for c in classes for w in windows.get(c, ())])
        resolver = _RESOLVERS[kind]
        for lo, hi in spans:
            for m in pattern.finditer(low, lo, hi):
                key = (kind, m.start(), m.end())
                if key in seen:
                    continue
                seen.add(key)
                resolved = resolver(m, low, reference, year_hint)
                if resolved is not None:
                    found.append((m.start(), m.end(), kind, resolved))
    if len(found) > 1:
        found.sort(key=lambda f: (f[0] - f[1], f[0]))  # longest first, then leftmost
        kept: list[tuple[int, int, str, _Resolved]] = []
        for cand in found:
            if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
                kept.append(cand)
        found = kept
    found.sort(key=lambda f: f[0])
    return found


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _check_reference(reference: object) -> datetime.date | None:
    """Validate a reference date (a datetime is reduced to its date)."""
    if reference is None:
        return None
    if isinstance(reference, datetime.datetime):
        return reference.date()
    if isinstance(reference, datetime.date):
        return reference
    raise TypeError(f"reference must be a datetime.date or None, got {reference!r}")


def find_dates(text: str, reference: datetime.date | None) -> list[DateMention]:
    """Find all date expressions in a French text and resolve them.

    Parameters
    ----------
    text : str
        A sentence (or any text) in French.
    reference : datetime.date or None
        The publication date. Weekdays resolve to the most recent such day on
        or before it (the same weekday is the reference itself), "hier" to the
        day before, day/month without a year to the most recent past
        occurrence. With None, only expressions carrying their year
        ("le 4 mai 2017", "juillet 2017", "en 2016") are returned.

    Returns
    -------
    list of DateMention
        Non-overlapping mentions in text order; ``text[m.start:m.end] == m.text``.

    Raises
    ------
    TypeError
        If ``reference`` is neither a date nor None.

    Examples
    --------
    >>> import datetime
    >>> [m.date.isoformat() for m in find_dates("Samedi, le ministère ...", datetime.date(2018, 7, 7))]
    ['2018-07-07']
    """
    ref = _check_reference(reference)
    return [
        DateMention(text[s:e], s, e, r.first, r.last, r.precision, r.relative)
        for s, e, _, r in _scan(text, ref)
        if ref is not None or r.year_explicit
    ]


_PRECISION_RANK: Final[dict[str, int]] = {p: i for i, p in enumerate(PRECISIONS)}
_PUBLICATION_BOUNDING_KINDS: Final = frozenset({"weekday", "weekday_range", "deictic_day", "veille"})


def infer_publication_date(text: str) -> tuple[datetime.date | None, str]:
    """Infer the publication date of an article that has none.

    The latest explicit calendar date wins (day month year, month year, year).
    Dates written without a year ("le 19 septembre", "début mai") take the
    latest year mentioned anywhere in the text. If the latest date is a day
    and the text also uses weekdays or "hier"/"la veille"/"aujourd'hui", the
    article is taken to be published within the week after it: precision
    ``"week"`` then means ``[date, date + 6 days]`` (not a Monday-Sunday week).
    Future dates in the text ("d'ici fin 2019") are not told apart and can
    push the estimate later.

    Parameters
    ----------
    text : str
        The cleaned article text.

    Returns
    -------
    tuple of (datetime.date or None, str)
        ``(date, precision)``: ``date`` is the first day of the estimated
        period and ``precision`` one of :data:`PRECISIONS`; ``(None, "")``
        when the text gives no year at all.

    Examples
    --------
    >>> infer_publication_date("ce 21 septembre ... Le 19 septembre ... en 2017")
    (datetime.date(2017, 9, 21), 'day')
    """
    explicit = _scan(text, None)
    years = [r.last.year for _, _, _, r in explicit if r.year_explicit]
    if not years:
        return None, ""
    year = max(years)
    pool = [r for _, _, _, r in _scan(text, None, year_hint=year)]
    if not pool:
        return None, ""

    def point(r: _Resolved) -> datetime.date:
        # a day range counts by its last day, a month or a year by its first
        return r.last if r.precision == "day" else r.first

    best = max(pool, key=lambda r: (point(r), -_PRECISION_RANK[r.precision]))
    date, precision = point(best), best.precision
    if precision == "day":
        relative = _scan(text, date)
        if any(kind in _PUBLICATION_BOUNDING_KINDS for _, _, kind, _ in relative):
            precision = "week"
    return date, precision


_ISO_SHAPE: Final = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_EXPECTED: Final = "expected an ISO date YYYY-MM-DD (or a full French date like '4 mai 2017')"


_RELATIVE_PUBLISHED: Final = re.compile(
    r"^(?:yesterday|today|tomorrow|now|hier|aujourd['’]?hui|demain|avant-hier|maintenant)\b", re.IGNORECASE)
_DAY_MONTH_YEAR: Final = re.compile(rf"(?:{_DAY})\s+{_MONTH}\s+(?:19|20)\d\d|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}",
                                    re.IGNORECASE)


def parse_published(value: object, path: str | None = None) -> datetime.date | None:
    """Parse a front-matter / manifest ``published`` field (the one parser articles and dates share).

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime or None
        ISO ``YYYY-MM-DD`` (optionally with a time: ``2018-07-07T10:00:00Z``),
        a date object (YAML turns unquoted ISO dates into ``datetime.date``),
        or a full French date with day, month and year ("4 mai 2017",
        "samedi 29 février 2020", "21/09/2017"). None, "" and whitespace mean "no date".
    path : str, optional
        The file the value comes from; when given, errors are
        :class:`conflictmap.errors.InputError` naming it.

    Returns
    -------
    datetime.date or None
        The date, or None when the field is empty.

    Raises
    ------
    ValueError
        (``InputError`` when ``path`` is given) for anything else, quoting the value and the
        expected format: impossible dates ("2018-02-31", "31 février 2018"), relative words
        ("yesterday", "hier"), partial dates ("juillet 2018"), numbers.

    Examples
    --------
    >>> parse_published("2018-07-07")
    datetime.date(2018, 7, 7)
    >>> parse_published("1er juillet 2018")
    datetime.date(2018, 7, 1)
    """

    def fail(detail: str) -> ValueError:
        problem = f"published: cannot parse {value!r}{detail}; {_EXPECTED}"
        if path is None:
            return ValueError(problem)
        from conflictmap.errors import InputError

        return InputError(path, problem)

    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise fail(f" ({type(value).__name__})")
    s = " ".join(value.split())
    if not s:
        return None
    iso = _ISO_SHAPE.match(s)
    if iso:
        try:
            return datetime.date(int(iso["y"]), int(iso["m"]), int(iso["d"]))
        except ValueError as exc:
            raise fail(f": not a real date ({exc})") from None
    if _RELATIVE_PUBLISHED.match(s):
        raise fail(": it is relative; write the actual date")
    mentions = find_dates(s, None)
    if len(mentions) == 1 and mentions[0].precision == "day" and mentions[0].date == mentions[0].end_date:
        m = mentions[0]
        lead = _normalise(s[: m.start]).strip(" ,")
        if (lead in ("", "le") or re.fullmatch(rf"(?:le\s+)?{_WEEKDAY}", lead)) and not s[m.end :].strip(" .,"):
            return m.date
    shaped = _DAY_MONTH_YEAR.search(s)
    if shaped:
        raise fail(": not a real date")
    raise fail(": not a complete, valid calendar date")


# --------------------------------------------------------------------------- chronology (year-less articles)


@dataclass(frozen=True)
class Anchor:
    """A phrase whose use dates a text to a period (a row of ``data/timeline.csv``)."""

    pattern: re.Pattern[str]
    valid_from: datetime.date
    valid_to: datetime.date
    weight: float


def read_timeline(path: Path) -> list[Anchor]:
    """Read the chronology anchors (missing file → no anchors).

    Raises
    ------
    ValueError
        Naming the file and the row when a date or a pattern cannot be read.
    """
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(line for line in fh if not line.lstrip().startswith("#")), 2):
            try:
                out.append(Anchor(re.compile(row["pattern"], re.IGNORECASE if not row["pattern"].isupper() else 0),
                                  datetime.date.fromisoformat(row["valid_from"]),
                                  datetime.date.fromisoformat(row["valid_to"]), float(row.get("weight") or 1)))
            except (re.error, ValueError, TypeError, KeyError) as exc:
                raise ValueError(f"{path}: row {i} {dict(row)!r}: {exc}; fix the pattern, "
                                 "valid_from/valid_to (YYYY-MM-DD) or weight") from None
    return out


_MONTH_NUMBERS: Final = {m: i for i, m in enumerate(
    ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
     "novembre", "decembre"), 1)}
_WEEKDAY_NUMBERS: Final = {d: i for i, d in enumerate(
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))}
_WEEKDAY_DATE: Final = re.compile(
    rf"{_B}(?P<wd>{_WEEKDAY})\s+(?:le\s+)?(?P<day>1\s?er|1ᵉʳ|premier|3[01]|[12]\d|0?[1-9])\s+"
    rf"(?P<month>janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre)"
    rf"{_E}(?!\s+(?:19|20)\d\d)",
    re.IGNORECASE,
)


def weekday_years(text: str, years: Iterable[int] = range(2011, 2026)) -> set[int] | None:
    """Years in which every year-less "dimanche 28 octobre" of a text falls on the weekday it names.

    Returns None when the text states no weekday with a day and month (no constraint).
    """
    stated = []
    for m in _WEEKDAY_DATE.finditer(text):
        day_raw = m.group("day").lower()
        day = 1 if day_raw.startswith(("1er", "1 er", "1ᵉʳ", "premier")) else int(day_raw)
        month = _MONTH_NUMBERS[m.group("month").lower().replace("é", "e").replace("û", "u")]
        stated.append((_WEEKDAY_NUMBERS[m.group("wd").lower()], month, day))
    if not stated:
        return None
    ok = set()
    for y in years:
        try:
            if all(datetime.date(y, mo, d).weekday() == wd for wd, mo, d in stated):
                ok.add(y)
        except ValueError:
            continue
    return ok


#: "le nouveau président américain", "la nouvelle ministre", "le nouvel émissaire de l'ONU" right before a name.
_NEW_IN_OFFICE: Final = re.compile(
    r"\b(?:nouve(?:au|l|lle)|fra[îi]chement (?:[ée]lu|nomm[ée])e?)\s+(?:[\w'’-]+\s+){0,5}$", re.IGNORECASE)
#: How long after taking office the press still calls someone "le nouveau président".
_NEW_SPAN: Final = datetime.timedelta(days=183)


def _newly_in_office(anchor: Anchor, text: str) -> Anchor | None:
    """The first half-year of a term, when the text calls the office-holder of ``anchor`` new ("le nouveau
    président américain Donald Trump"); None otherwise. Weight 1: the text itself says so."""
    for m in anchor.pattern.finditer(text):
        if _NEW_IN_OFFICE.search(text, max(0, m.start() - 60), m.start()):
            return Anchor(anchor.pattern, anchor.valid_from, min(anchor.valid_to, anchor.valid_from + _NEW_SPAN), 1.0)
    return None


def infer_year_from_chronology(text: str, anchors: Sequence[Anchor],
                               years: Iterable[int] = range(2011, 2026),
                               min_year: int | None = None) -> datetime.date | None:
    """Latest day-and-month date of a year-less text, dated by its weekdays and chronology anchors.

    Candidate years are those in which every stated "weekday day month" falls on that weekday
    (when the text states any), and not before ``min_year`` (a year the text mentions in passing,
    "depuis 2011", is a lower bound for its writing, never its year). For every candidate year Y
    the text's day/month dates are resolved as if written at the end of Y; Y scores the weight of
    the anchors whose period contains the latest of them. A year is chosen only when it scores
    strictly more than every other (an office-holder the text calls new, "le nouveau président X", also
    scores the first half-year of the term): a tie means the text does not single a year out, and no date
    is better than a guessed one. A single year left by the weekdays alone is justified without
    anchors; otherwise no anchor means no date.

    Parameters
    ----------
    text : str
        Article text without any explicit year.
    anchors : sequence of Anchor
        From :func:`read_timeline`.
    years : iterable of int
        Candidate years.
    min_year : int, optional
        The earliest possible year of writing.

    Returns
    -------
    datetime.date or None
        The latest dated day of the text in the chosen year, or None when the text has no
        day/month date or nothing singles a year out.
    """
    candidates = [y for y in years if min_year is None or y >= min_year]
    by_weekday = weekday_years(text, candidates)
    if by_weekday is not None:
        candidates = [y for y in candidates if y in by_weekday]
        if not candidates:
            return None
    present = [a for a in anchors if a.pattern.search(text)]
    present += [fresh for a in present for fresh in [_newly_in_office(a, text)] if fresh is not None]
    if not present and not (by_weekday and len(candidates) == 1):
        return None
    scored: list[tuple[float, datetime.date]] = []
    for y in candidates:
        ref = datetime.date(y, 12, 31)
        days = [m.end_date for m in find_dates(text, ref) if m.precision == "day" and not m.relative]
        if not days:
            return None
        latest = max(days)
        score = sum(a.weight for a in present if a.valid_from <= latest <= a.valid_to)
        if by_weekday and len(candidates) == 1:
            score += 1.0
        scored.append((score, latest))
    if not scored:
        return None
    top = max(score for score, _ in scored)
    winners = [latest for score, latest in scored if score == top]
    return winners[0] if top > 0 and len(winners) == 1 else None


#: Start of the Syrian uprising, from which the press counts the years of war ("en guerre depuis six ans").
_WAR_START: Final = datetime.date(2011, 3, 15)
_WAR_AGE: Final = re.compile(
    rf"{_B}(?:(?:guerre|conflit|crise|soul[èe]vement|r[ée]volte|r[ée]volution)\b[^.;]{{0,60}}?"
    rf"(?:depuis|dure\s+depuis|il\s+y\s+a)\s+(?P<q>plus\s+de\s+|pr[èe]s\s+de\s+|presque\s+|bient[ôo]t\s+)?"
    rf"(?P<n>\d{{1,2}}|{'|'.join(('un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix', 'onze', 'douze', 'treize'))})\s+ans{_E}"
    rf"|(?P<q2>plus\s+de\s+|pr[èe]s\s+de\s+|presque\s+)?(?P<n2>\d{{1,2}}|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize)"
    rf"\s+ans\s+de\s+(?:guerre|conflit)\b)"
)
_YEARS: Final = {w: i for i, w in enumerate(
    ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize"))}


def _years_after(day: datetime.date, n: int) -> datetime.date:
    return day.replace(year=day.year + n)


def war_age_anchors(text: str) -> list[Anchor]:
    """Periods of writing stated by the age of the war: "la Syrie, en guerre depuis six ans", "sept ans de
    guerre", "depuis le début du conflit il y a plus de cinq ans" (counted from 15 March 2011).

    "N ans" is taken as two months before the N-th anniversary to the next one (rounded figures), "plus de N
    ans" as the year after the anniversary, "près de N ans" as the half-year before it. Each becomes an
    :class:`Anchor` of weight 1 matching the phrase itself.
    """
    out: list[Anchor] = []
    for m in _WAR_AGE.finditer(_lower(text)):
        raw, q = (m["n"], m["q"]) if m["n"] else (m["n2"], m["q2"])
        n = int(raw) if raw.isdigit() else _YEARS[raw]
        if not 1 <= n <= 30:
            continue
        base = _years_after(_WAR_START, n)
        qual = (q or "").split()[0] if q else ""
        if qual == "plus":
            lo, hi = base, _years_after(base, 1)
        elif qual in ("près", "pres", "presque", "bientôt", "bientot"):
            lo, hi = base - datetime.timedelta(days=183), base
        else:
            lo, hi = base - datetime.timedelta(days=61), _years_after(base, 1)
        out.append(Anchor(re.compile(re.escape(text[m.start():m.end()])), lo, hi, 1.0))
    return out


#: Longest period of an anchor taken as one event ("l'attaque chimique de Khan Cheikhoun"): an article
#: reporting it as news is written within that period.
_POINT_SPAN: Final = datetime.timedelta(days=21)


def infer_date_from_events(text: str, anchors: Sequence[Anchor],
                           min_year: int | None = None) -> datetime.date | None:
    """Reference date of a text with no calendar date, from the dated events it reports.

    Only anchors of one event (a period of at most three weeks: a chemical attack, an
    earthquake, a named strike) count, and only when every such anchor found in the text
    allows the same period. The reference is the first day of that period from which every
    bare weekday of the text ("vendredi", "dans la nuit de jeudi à vendredi") falls on or after
    the day before the event: the weekdays of such an article speak of the event and its
    aftermath. Without weekdays it is the first day of the event. When the sentence naming the event
    says how long ago it was ("il y a deux semaines, le séisme", "trois jours après le séisme"), the
    reference is the event's first day plus that time.

    Parameters
    ----------
    text : str
        Article text with neither a year nor a day-and-month date.
    anchors : sequence of Anchor
        From :func:`read_timeline`.
    min_year : int, optional
        A year mentioned by the text: an event before it cannot be the news.

    Returns
    -------
    datetime.date or None
        The estimated reference (about a week's precision), or None when no single event
        anchor dates the text.
    """
    found = [(a, m) for a in anchors if a.valid_to - a.valid_from <= _POINT_SPAN for m in [a.pattern.search(text)] if m]
    if not found:
        return None
    point = [a for a, _ in found]
    lo = max(a.valid_from for a in point)
    hi = min(a.valid_to for a in point)
    if lo > hi or (min_year is not None and hi.year < min_year):
        return None
    later = [d for a, m in found for d in [_elapsed_since_event(text, m, a.valid_from)] if d is not None]
    if later:
        # "il y a deux semaines, le séisme …": the writing is that long after the event's first day
        return max(later)
    low = _lower(text)
    weekdays = {_WEEKDAY_NUMBERS[w] for w in re.findall(rf"{_B}({_WEEKDAY}){_E}", low)}
    floor = lo - _ONE_DAY
    day = lo
    while day <= hi:
        if all((day - datetime.timedelta(days=(day.weekday() - wd) % 7)) >= floor for wd in weekdays):
            return day
        day += _ONE_DAY
    return None


#: "il y a deux semaines" / "trois jours après" in the sentence that names a dated event: time since it.
_SINCE_EVENT: Final = re.compile(
    rf"{_B}(?:il\s+y\s+a\s+(?:(?:quasiment|presque|pr[èe]s\s+de|environ|plus\s+de|un\s+peu\s+plus\s+d['’]\s*)\s*)?"
    rf"(?P<n>{_NUMBER_WORD})\s+(?P<unit>jours?|semaines?|mois){_E}"
    rf"|(?P<n2>{_NUMBER_WORD})\s+(?P<unit2>jours?|semaines?|mois)\s+apr[èe]s{_E})"
)
#: Words of a sentence boundary searched around an anchor's match.
_SENTENCE_END: Final = re.compile(r"[.!?\n]")


def _add_elapsed(start: datetime.date, n: int, unit: str) -> datetime.date:
    """``start`` plus ``n`` days, weeks or calendar months (``unit`` as written: "jours", "semaine", "mois")."""
    if unit == "mois":
        month = start.month - 1 + n
        year, month = start.year + month // 12, month % 12 + 1
        return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    return start + datetime.timedelta(days=n * (7 if unit.startswith("semaine") else 1))


def _elapsed_since_event(text: str, match: re.Match[str], start: datetime.date) -> datetime.date | None:
    """The writing day of a text whose sentence naming an event (``match``, first day ``start``) says how long
    ago it was: "il y a deux semaines, le tremblement de terre …", "trois jours après le séisme"."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, match.start() - 300), match.start())),
               default=max(0, match.start() - 300))
    right = _SENTENCE_END.search(text, match.end())
    sentence = _lower(text[left:right.start() if right else len(text)])
    best: datetime.date | None = None
    for m in _SINCE_EVENT.finditer(sentence):
        raw, unit = (m["n"], m["unit"]) if m["n"] else (m["n2"], m["unit2"])
        n = int(raw) if raw.isdigit() else (1 if raw in ("un", "une") else _NUMBERS.get(raw))
        if not n or n > 36:
            continue
        day = _add_elapsed(start, n, unit)
        best = day if best is None or day > best else best
    return best


_ELAPSED: Final = re.compile(
    rf"{_B}(?:apr[èe]s|au\s+bout\s+d['’]\s*|au\s+bout\s+de|au\s+terme\s+de)\s+(?:(?:quasiment|presque|pr[èe]s\s+de"
    rf"|environ|plus\s+de)\s+)?(?P<n>{_NUMBER_WORD})\s+(?P<unit>jours|semaines|mois)\s+"
    r"(?:d['’]\s*|de\s+)(?:(?:une|la|l['’])\s*)?(?:offensive|op[ée]ration|assaut|si[èe]ge|combats|bombardements"
    r"|campagne|bataille|intervention)"
)
_NUMBERS: Final = {w: i for i, w in enumerate(
    ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze"))}


def elapsed_since_launch(text: str, start: datetime.date) -> datetime.date | None:
    """The day an article is written, from the launch date of a campaign and the time it has run.

    "L'offensive lancée le 20 janvier ... après deux mois d'offensive" puts the writing two months
    after the launch. Only durations of an offensive, an operation, a siege, fighting or a campaign
    count, so that "après deux jours de pluie" does not.

    Parameters
    ----------
    text : str
        Article text.
    start : datetime.date
        The launch date stated by the text.

    Returns
    -------
    datetime.date or None
        ``start`` plus the longest such duration of the text (calendar months for "mois"), or
        None when the text states none.
    """
    best: datetime.date | None = None
    for m in _ELAPSED.finditer(_lower(text)):
        raw = m.group("n")
        n = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
        if not n or n > 36:
            continue
        day = _add_elapsed(start, n, m.group("unit"))
        best = day if best is None or day > best else best
    return best
