"""Events: incidents, control changes and de-escalation, with actors, dates and provenance.

From the resolved mentions of one article, :class:`EventExtractor` finds event
*reports*: one per (sentence, trigger) — a general French-news lexicon of
triggers (``TRIGGERS``), actors from ``data/actors.csv`` and metonymic capitals,
the most specific locational toponym of the sentence, and a date resolved with
:mod:`conflictmap.extract.dates`. :func:`merge_reports` then merges reports of the same
event (same category, places within 30 km, dates within a day) into events that
list all their sources; :func:`control_table` derives "who held X when".
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import pandas as pd

from conflictmap.text import fold, regex_prefixes
from conflictmap.extract.actors import GOVERNMENT_SIDES, ActorLexicon
from conflictmap.extract.articles import Article
from conflictmap.extract.frames import DESPITE
from conflictmap.extract.dates import Anchor, infer_year_from_chronology, read_timeline  # noqa: F401  (re-exported)
from conflictmap.geo.gazetteer import Gazetteer, distance_km
from conflictmap.store.schema import CRS, EVENT_COLUMNS, FACTUAL
from conflictmap.settings import Settings
from conflictmap.store.schema import CRS, EVENT_COLUMNS

SUB_TYPES: dict[str, tuple[str, ...]] = {
    "incident": ("air/drone strike", "shelling", "armed clash", "attack"),
    "control_change": ("government regains territory", "non-state actor overtakes territory",
                       "non-violent transfer of territory"),
    "deescalation": ("ceasefire / truce", "de-escalation zone established / maintained",
                     "agreement or talks on de-escalation", "evacuation"),
}
REPORT_COLUMNS = [c for c in EVENT_COLUMNS if c not in ("sources", "n_sources")]

_V = r"(?:e|é|ée|és|ées|er|ent|ait|aient|ant|a|ons|ez)"  # common French verb endings
#: (category, sub_type, pattern) — matched case-insensitively on the sentence.
TRIGGERS: tuple[tuple[str, str, str], ...] = (
    ("deescalation", "de-escalation zone established / maintained",
     r"zones? (?:de |d['’])?(?:d[ée]sescalade|\"d[ée]sescalade\"|«\s?d[ée]sescalade\s?»)|zones? d[ée]militaris[ée]es?"
     r"|zone de s[ée]curit[ée]|zones? tampons?|ligne de (?:d[ée]confliction|pr[ée]vention des conflits)"),
    ("deescalation", "ceasefire / truce",
     r"cessez-le-feu|tr[êe]ves?\b|cessation des hostilit[ée]s|r[ée]gime de silence|arr[êe]t des combats"),
    ("deescalation", "evacuation",
     r"[ée]vacu(?:ation|ations|" + _V + r")\b|couloirs? humanitaires?|bus verts"
     r"|(?:doivent|devront|vont|devaient|commenc\w* à) quitter"),  # fighters due to leave under a deal
    ("deescalation", "agreement or talks on de-escalation",
     r"m[ée]morandum|accords? de (?:r[ée]conciliation|paix|d[ée]sescalade)|pourparlers|n[ée]gociations?"
     r"|ententes? sur|accord (?:sur|de) (?:un|le) cessez-le-feu|\baccords?\b(?!\s+(?:commercia|[ée]conomique|nucl[ée]aire))"
     r"|patrouilles? (?:conjointes?|mixtes?|communes?|russo-turques?|turco-russes?)|r[ée]conciliation"
     r"|remett\w* (?:\w+ ){0,4}(?:leurs |ses )?armes|rendu (?:\w+ ){0,2}(?:leurs |ses )?armes"),
    ("control_change", "",
     r"\brepris" r"(?:e|es)?\b|\breprendre\b|\breprend\b|reconqu[iê]s|reconqu[ée]rir|reconqu[êe]te"
     r"|(?:pris|prend|prendre|prenant|prennent|prenait|prenaient|repris|reprend|reprendre|reprenant|reprennent)"
     r"(?:\s+\w+){0,2}?\s+le contr[ôo]le|[ée]tabli (?:le|son) contr[ôo]le|(?:\bs['’]|\bse )(?:(?:est|sont|était|étaient|[ée]tant|être|seraient|serait)\s+)?empar\w*|\bcaptur[ée]\w*|prise (?:de|du) (?:la ville|centre)|\b(?:re)?prise de contr[ôo]le"
     r"|\bchute (?:de la (?:ville|localit[ée]|poche|base)|du (?:village|quartier|(?:dernier )?(?:bastion|fief|r[ée]duit))"
     r"|de (?:son|leur) (?:dernier )?(?:bastion|fief|r[ée]duit)|d['’]\s?(?!Assad)(?-i:[AEIOUÉ])\w+"
     r"|de (?!Bachar|Kadhafi|Moubarak)(?-i:[A-Z])\w+)"
     r"|(?:tomb|retomb|revenu|pass)\w* (?:aux|entre les) mains|sous (?:le )?contr[ôo]le (?:total |complet )?(?:de|du|des)"
     r"|lib[ée]r(?:é|ée|és|ées|er|ation)\b|\bchass(?:é|ée|és|ées)\b|\bchass(?:ent|aient|ait|er)\b|conqu[iê]s|revenir sous l['’]autorit[ée]"
     r"|retir[ée]s? (?:de|du|des)|retrait (?:de|du|des)|reddition|capitul\w+"
     r"|contr[ôo]l\w+ (?:d[ée]sormais|maintenant|totalement|enti[èe]rement)"
     # "ont investi la localité de X", "ont fait leur entrée dans X", "ont perdu (le contrôle de) X"
     r"|investi(?:e|es|ssent|ssaient|ssait|ssant|r)?\s+(?:\w+\s+)?(?:(?:la|le|les|l['’])\s*(?:\w+\s+)?(?:villes?|villages?|localit[ée]s?"
     r"|quartiers?|bourgades?|centre|positions?|bases?|a[ée]roports?|casernes?|prisons?)\b|(?-i:[A-ZÀ-Ý]))"
     r"|fait (?:leur|son) entr[ée]e (?:\w+ )?(?:dans|à)|perd\w* (?:le contr[ôo]le (?:de|du|des|d['’])|(?:\w+\s+)?(?-i:[A-ZÀ-Ý]))"
     r"|c[ée]d[ée]\w* (?:le contr[ôo]le|(?:leurs|ses) positions)"
     r"|hiss\w* (?:leur |son |le |un )?drapeau|nettoy\w* (?:\w+ ){0,2}(?:zone|ville|quartier|secteur|poche|localit[ée])s?"
     r"|r[ée]tabli\w* (?:la s[ée]curit[ée]|le contr[ôo]le|l['’]autorit[ée])|d[ée]log\w*|\b(?:pris|prend|prennent|prenaient|prenait|reprennent|ont pris|avaient pris)\s+(?:\w+\s+){0,3}?"
     r"(?:villages?|localit[ée]s?|quartiers?|villes?|positions?|bases?|a[ée]roports?|a[ée]rodromes?|collines?|postes?"
     r"|bourgades?|secteurs?|zones?|territoires?|districts?|b[âa]timents?|places? fortes?|bastions?|prisons?)\b"
     r"|\b(?:entr[ée]e?s?|p[ée]n[ée]tr[ée]e?s?|p[ée]n[ée]tr\w+|entr\w+)\s+(?:\w+\s+){0,2}?dans (?:la ville|le centre|le quartier|la localit[ée]|le village)"
     r"|\b(?:sont|est|[ée]taient|[ée]tait)\s+(?:\w+\s+)?entr[ée]e?s?\s+(?:\w+\s+){0,2}?(?:à|dans)\s+(?-i:[A-ZÀ-Ý])"
     r"|(?:[ée]t[ée]|avait|avaient|ont|a)\s+(?:\w+\s+)?pris(?:e|es)?\s+(?:\w+\s+){0,3}?par\b"
     r"|(?:se (?:sont |est |[ée]taient |[ée]tait )?retir\w+|quitt\w+|retir[ée]e?s?)\s+(?:\w+\s+)?"
     r"(?:de |d['’]|du |des |le centre |la ville |les |(?:la |le |l['’])(?:\w+ )?(?:ville|poche|enclave|quartier|localit[ée]"
     r"|bastion|fief|secteur|r[ée]duit|bourgade)\b)"),
    ("incident", "air/drone strike",
     r"frappes? (?:a[ée]riennes?|de drones?|russes|am[ée]ricaines?|de la coalition)|raids? (?:a[ée]riens?|de l['’]aviation)?"
     r"|(?<!anti)(?<!anti-)(?:bombard" + _V + r"?s?\b|bombardements?|bombard[ée]e?s?)|drones? arm[ée]s?|barils? d['’]explosifs"
     r"|\bfrappes?\b|largu\w* (?:\w+ ){0,2}?(?:barils?|bombes?|explosifs|missiles?|roquettes?)"
     r"|bombes? (?:incendiaires|à sous-munitions|à fragmentation|au phosphore|guid[ée]es)|intercept" + _V + r"?s?\b|interceptions?"),  # missiles or drones shot down: a strike was flown
    ("incident", "shelling",
     r"pilonn\w*|obus|tirs? d['’]artillerie|roquettes?|mortiers?|missiles?"),
    # "ont riposté en tirant sur …": the side that answers carries out this sentence's incident, not the
    # attack it answers ("à la suite de l'attaque"), so it comes before the attack nouns
    ("incident", "attack", r"ripost(?:é|ée|és|ées|ent|aient|ait|ant|er|era|eront)\b"),
    ("incident", "attack",
     r"\battaqu(?:e|es|é|ée|és|ées|er|ent|ait|aient|ant)\b|attentats?|assauts?|embuscades?|explosions?|kamikazes?"
     r"|(?:voitures?|v[ée]hicules?|camions?|camionnettes?|motos?|motocyclettes?|bus|ceintures?) pi[ée]g[ée]e?s?"
     # "une bombe a explosé", "un kamikaze s'est fait exploser" (never "les prix ont explosé")
     r"|(?:bombes?|engins?|mines?|obus|charges?|v[ée]hicules?|voitures?|camions?|motos?|ceintures?|colis|explosifs?"
     r"|kamikazes?|assaillants?|d[ée]p[ôo]ts? d['’](?:armes|munitions))\b[^.,;:]{0,40}?\b(?:a|ont|avait|avaient)\s+explos[ée]\b"
     r"|(?:s['’]|se )(?:est |sont |[ée]tai\w+ )?fai\w+ exploser|fai\w* exploser (?:sa|son|leurs?|une?) (?:\w+ )?(?:ceinture"
     r"|v[ée]hicule|voiture|camion|charge|bombe|engin)|d[ée]flagrations?|fai\w* sauter|mitraill\w+"
     r"|pris(?:e|es)? en otages?|prises? d['’]otages?|\brapts?\b|kidnapp\w+|d[ée]capit\w+"
     r"|ex[ée]cut(?:é|ée|és|ées)\s+(?:par|sommairement|publiquement|en public)"
     r"|ex[ée]cut\w*\s+(?:\w+\s+){0,2}?(?:civils|prisonniers|otages|soldats|combattants|membres|personnes|hommes|femmes"
     r"|d[ée]tenus|captifs|militaires|policiers)\b|ex[ée]cutions?\s+(?:sommaires?|extrajudiciaires?|publiques?)"
     r"|a vis[ée]|ont vis[ée]|\bvis(?:é|ée|és|ées|er|ant)\b|massacres?|armes? chimiques?"
     r"|gaz (?:sarin|toxiques?|moutarde)|\bchlore\b|engins? explosifs?|\bIED\b|attaques? suicides?|abattu\w*"),
    ("incident", "armed clash",
     r"affrontements?|combats?\b|accrochages?|[ée]changes? de tirs|ouvert le feu|heurts|offensive|batailles?\b"
     r"|incursions?|op[ée]rations? (?:terrestres?|militaires?|d['’]envergure)|encercl\w+|assi[ée]g\w+|pourchass\w+|sous (?:le )?si[èe]ge|si[èe]ge (?:de |d['’])(?-i:[A-ZÀ-Ý])|blocus|contre-attaqu\w+"
     r"|(?:semaines?|mois|jours|ann[ée]es?|ans) de si[èe]ge|si[èe]ge impos[ée]"
     r"|si[èe]ge (?:de |d['’])(?:\w+ ){1,2}(?:jours|semaines|mois|ans|ann[ée]es)\b"),
    # a strike or hit of unknown kind ("des obus ont frappé", "a été touché"): the sentence decides below
    ("incident", "attack", r"\bfrapp(?:é|ée|és|ées|ent|ait|aient|ant|er)\b|\btouch[ée]e?s?\b par|abattu\w*"
                           r"|pris(?:e|es)? pour cibles?|\bcibl(?:é|ée|és|ées|ent|ait|aient|ant|er)\b|\btirs?\b(?!\s+de\s+(?:joie|sommation))"
                           r"|assassin\w+|enlev[ée]\w*|enl[èe]vements?"),
    # casualties alone say something violent happened; the kind of incident is unknown: lowest priority
    ("incident", "attack", r"\btu[ée]e?s?\b|\btuant\b|\bmorts?\b|\bbless[ée]e?s\b|\bp[ée]ri(?:s|t|rent)?\b"),
)
# A trigger starts a word: the leading \b lets the regex engine skip the inside of words (twice as fast).
_TRIGGER_RES = tuple((cat, sub, re.compile(rf"\b(?:{pat})", re.IGNORECASE)) for cat, sub, pat in TRIGGERS)
# Each pattern is tried only where a sentence's word starts with one of the beginnings its matches can
# have (two letters read from the pattern itself); None: no such filter, tried at every word start.
_WORD_START = re.compile(r"\b(?=\w)")


@functools.lru_cache(maxsize=1)
def _prefix_index() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]], tuple[int, ...]]:
    """For a word's first two letters (then its first letter), the indices of the :data:`TRIGGERS` patterns
    that may match there (built on first use, not at import)."""
    sets = [regex_prefixes(p) for _, _, p in TRIGGERS]
    always = tuple(k for k, ps in enumerate(sets) if ps is None)
    by_two: dict[str, set[int]] = {}
    by_one: dict[str, set[int]] = {}
    for k, ps in enumerate(sets):
        for pre in ps or ():
            (by_two if len(pre) == 2 else by_one).setdefault(pre, set()).add(k)
    for two, ks in by_two.items():
        ks |= by_one.get(two[0], set())
    ordered = lambda ks: tuple(sorted({*ks, *always}))  # noqa: E731
    return ({two: ordered(ks) for two, ks in by_two.items()}, {c: ordered(ks) for c, ks in by_one.items()},
            always)


_ALL_PATTERNS = tuple(range(len(TRIGGERS)))


def _trigger_starts(sentence: str) -> list[list[int]]:
    """For each pattern of :data:`TRIGGERS`, the word starts of ``sentence`` where it may match."""
    by_two, by_one, always = _prefix_index()
    starts: list[list[int]] = [[] for _ in TRIGGERS]
    for m in _WORD_START.finditer(sentence):
        i = m.start()
        two = sentence[i:i + 2].lower()
        for k in (by_two.get(two) or by_one.get(two[:1], always)) if len(two) == 2 else _ALL_PATTERNS:
            starts[k].append(i)
    return starts


def _matches_at(rx: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` when every match of ``rx`` starts at one of ``starts`` (sorted)."""
    end = 0
    for pos in starts:
        if pos < end:
            continue
        m = rx.match(text, pos)
        if m is not None:
            yield m
            end = max(m.end(), pos + 1)
# A trigger inside these contexts reports no event ("aucun bombardement n'avait été enregistré").
_NEGATION_BEFORE = re.compile(
    r"(?:\baucune?|\bni\b|\bsans\b|\bjamais\b|pr[ée]vention d(?:es|u|e)|[ée]viter|risque d['’]?e?s?|menace d['’]?e?s?"
    r"|en cas d['’]?e?|pour emp[êe]cher|n['’]envisag\w+ pas)\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
# Idioms that contain trigger words but report nothing ("à plusieurs reprises", "la reprise des pourparlers").
_IDIOMS = re.compile(
    r"à (?:\w+ )?reprises|reprises? (?:des|de la|du) (?:n[ée]gociations|pourparlers|discussions|combats|dialogue"
    r"|activit[ée]s?|travaux)|reprendre (?:les|des) (?:n[ée]gociations|pourparlers|discussions)"
    # "deux villes sont encore sous le contrôle des rebelles": who still holds a place, no change
    r"|\b(?:encore|toujours)\s+sous (?:le )?contr[ôo]le"
    # "l'artillerie a repris ses bombardements": resumed, nothing taken (only the verb is blanked)
    r"|\b(?:repris|reprend|reprennent|reprenait|reprenaient|reprendre|reprenant)(?=(?: \w+)? (?:ses|leurs|les|son|sa)"
    r" (?:\w+ )?(?:bombardements|frappes|tirs|raids|attaques|op[ée]rations|pilonnages?|offensives?|hostilit[ée]s"
    r"|assauts|combats|affrontements)\b)"
    r"|prise en charge|sans (?:faire de )?morts?|mort-n[ée]|mortiers? de rire"
    r"|(?:fui|fuient|fuyant|fuir|fuit|fuyaient|fuyé|chass[ée]s? par) (?:les|des|de violents) combats"
    r"|lib[ée]r\w* (?:des|les|\d+|plusieurs|tous les) (?:\w+ )?(?:prisonniers|d[ée]tenus|otages|captifs)",
    re.IGNORECASE,
)
# people freed ("les otages ... ont été libérés", "travaillent à leur libération", "la libération des détenus")
_PEOPLE = (r"otages?|captifs?|prisonni\w+|d[ée]tenus?|kidnapp\w+|enlev[ée]\w*|prélats?|évêques?|prêtres?"
           r"|religieu\w+|journalistes?|humanitaires|pilotes?|soldats? captur\w+")
_PERSONS_BEFORE = re.compile(rf"\b(?:{_PEOPLE})\b[^.;:]*$|\b(?:leur|sa|son)\s+$", re.IGNORECASE)
_PERSONS_AFTER = re.compile(rf"\s+(?:de\s+|des\s+|d['’]\s*)(?:\w+\s+){{0,2}}?(?:{_PEOPLE})\b", re.IGNORECASE)
_ZONE_WORDS = re.compile(TRIGGERS[0][2], re.IGNORECASE)
#: What kind of zone a sentence or a zone name speaks of (the sentence's kind is preferred).
_ZONE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (k, re.compile(p, re.IGNORECASE)) for k, p in (
        ("demilitarised", r"d[ée]militaris"),
        ("deescalation", r"d[ée]sescalade"),
        ("deconfliction", r"d[ée]confliction|pr[ée]vention des conflits"),
        ("ceasefire", r"cessez-le-feu|tr[êe]ve"),
    ))
_ANSWERED = re.compile(r"\s*(?:\w+\s+)?(?:à\s+(?:la|l['’]|une?)|aux?|contre\s+(?:les?|la|l['’]|des))\s*(?:\w+\s+)?$", re.IGNORECASE)
_ANSWERED_FIRE = re.compile(r"\s*(?:\w+\s+)?(?:à\s+(?:la|l['’]|une?)|aux?|contre\s+(?:les?|la|l['’]|des))\s*(?:\w+\s+)?"
                            r"(tirs?|attaques?|bombardements?|frappes?|assauts?|obus)\b", re.IGNORECASE)
_SECOND_IN_CLAUSE = frozenset({"control_change", "deescalation"})
_CLAUSE_SEP = re.compile(r",|\b(?:qui|que|qu['’]|dont|o[uù])\b", re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(r"^\W*(?:ils|elles|il|elle|ceux-ci|celles-ci|ces derniers|ces dernières)\b",
                              re.IGNORECASE)
_GENERIC_INCIDENT = re.compile(r"a vis|ont vis|vis|frapp|cibl|touch|abattu|tu[ée]|tuant|morts?|bless|p[ée]ri|[ée]limin|explosion|pris"
                               r"|tirs?\b",
                               re.IGNORECASE)
_GENERIC_HIT = re.compile(r"frapp|touch|cibl|mitraill", re.IGNORECASE)
_AIR_CONTEXT = re.compile(r"aviation|avions?|a[ée]rien|raids?|drones?|h[ée]licopt[èe]res?|barils?|chasseurs?|"
                          r"bombardiers?|su-\d+|frappes?", re.IGNORECASE)
_ACTOR_AFTER_PAR = re.compile(r"\bpar\s+(?:l['’]|les?\s+|la\s+|des\s+)?$", re.IGNORECASE)
# an actor introduced by these is a complement, not the subject ("un cessez-le-feu avec des groupes ...")
_OBLIQUE = re.compile(r"\b(?:avec|contre|entre|pour|aux?|envers|face à|de la part|par|selon|sur|vers|à)\s+"
                      r"(?:l['’]|les?\s+|la\s+|des\s+|du\s+)?$",
                      re.IGNORECASE)
_CLAUSE_BOUNDARY = re.compile(r"\b(?:où|qui|lorsque|alors que|tandis que|mais|après que|avant que)\b|;", re.IGNORECASE)
_ACCUSED = re.compile(r"\b(?:accus\w*|imput\w*\s+(?:à|aux?))\s+(?:l['’]|les?\s+|la\s+|des\s+)?$", re.IGNORECASE)
# ("ouvert le feu sur des soldats": "des" after a preposition is an article, the soldiers are the target)
_OF_TRIGGER = re.compile(r"^\s*(?:(?!(?:sur|contre|vers|pour|avec|par|entre|chez|dans|en|à|aux?)\s)\w+\s+){0,2}?"
                         r"(?:de|du|des|d['’])\s*(?:l['’]|la\s+|les\s+)?$", re.IGNORECASE)
# "des territoires contrôlés par le régime", "des rebelles soutenus par la Turquie": the agent of a participle
# that describes a noun, not of the trigger
_MODIFIER_PAR = re.compile(r"\b\w+(?:é|ée|és|ées|us|ues|is|ise|ises|nt)\s+par\s+(?:l['’]|les?\s+|la\s+|des\s+|du\s+)?$",
                           re.IGNORECASE)
# "une frappe attribuée à Israël": the author of the event; "les rebelles emmenés par HTS": the leader
_ATTRIBUTED = re.compile(r"\battribu[ée]e?s?\s+(?:\w+\s+)?(?:à|aux?)\s+(?:l['’]|les?\s+|la\s+)?",
                         re.IGNORECASE)
_LED_BY = re.compile(r",?\s*(?:emmen|men|dirig|conduit|command|encadr)[ée]e?s?\s+(?:\w+\s+)?par\s+"
                     r"(?:l['’]|les?\s+|la\s+|des\s+|du\s+)?", re.IGNORECASE)
# "les rebelles (syriens) appuyés par Washington", "soutenus par les États-Unis", "pro-américains"
_US_BACKED = re.compile(r"\s*(?:syriens\s+|kurdes\s+|arabes\s+)?,?\s*(?:(?:appuy|soutenu|parrain|arm|financ|entra[îi]n)"
                        r"[ée]?e?s?\s+par\s+(?:Washington|les\s+[ÉE]tats-Unis|les\s+Am[ée]ricains|la\s+coalition)"
                        r"|pro-?am[ée]ricains)", re.IGNORECASE)
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_WEEKDAY_ONLY = re.compile(r"^\W*(?:le\s+|ce\s+)?(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b(?!\s*\d)",
                           re.IGNORECASE)
# "l'attentat contre le siège d'une organisation rebelle": the actor named in the target phrase is the victim
_FRONTED = re.compile(r"^\W*(?:apr[èe]s|durant|pendant|depuis|au terme d[eu'’]|à l['’]issue d[eu'’]|au cours d[eu'’]"
                      r"|lors d[eu'’]|malgr[ée]|face à|en d[ée]pit d[eu'’])", re.IGNORECASE)
_VERB_FORM = re.compile(r"(?:é|ée|és|ées|ent|ait|aient|er|ant|ons|ez)$", re.IGNORECASE)
_BARE_TROOPS = re.compile(r"soldats?|militaires?|troupes?|forces|combattants?|miliciens?|aviation|h[ée]licopt[èe]res?",
                          re.IGNORECASE)
_OF_PARTY = re.compile(r"\s*|\s+(?:de la|du|des|de l['’]|de|d['’])\s*", re.IGNORECASE)
_TARGET_OF = re.compile(r"\b(?:contre|vis(?:ant|ait|aient|e|ent|é|ée|és|ées)|cibl(?:ant|ait|aient|e|ent|é|ée|és|ées)"
                        r"|au passage d(?:e|u|es|['’])|au milieu d(?:e|u|es|['’])|parmi)\b[^,;]{0,40}$|\b(?:où|qui|dont|lorsque)\b", re.IGNORECASE)
# "affirme l'EI dans sa revendication", "revendiqué par HTS": the claimant of an attack whose author is unnamed
_CLAIMANT_BEFORE = re.compile(r"(?:revendiqu\w*\s+(?:\w+\s+){0,3}?par|revendication\s+d[eu'’]?)\s*"
                              r"(?:l['’]|les?\s+|la\s+)?$", re.IGNORECASE)
_CLAIMANT_AFTER = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:(?:dans|selon)\s+(?:sa|son|une?|leur)\s+(?:revendication|communiqué)"
                             r"|(?:a|ont|avait|avaient)\s+revendiqu)", re.IGNORECASE)
# "les positions de l'armée", "une base des terroristes", "un convoi turc", "un barrage de l'armée": the owner of
# what was hit is the target, never the author of the hit
_TARGET_OWNER = re.compile(r"\b(?:positions?|bases?|barrages?|points? de contr[ôo]le|check-?points?|postes?"
                           r"(?: de commandement)?|convois?|camps?|si[èe]ges?|QG|quartiers? g[ée]n[ée]raux?|d[ée]p[ôo]ts?"
                           r"|entrep[ôo]ts?|v[ée]hicules?|patrouilles?|casernes?|bastions?|fiefs?|cibles?)\s+"
                           r"(?:d['’]\s*(?:armes|munitions)\s+)?"
                           r"(?:(?:de|du|des|d['’])\s*(?:l['’]|la\s+|les\s+|le\s+)?(?:groupes?\s+|milices?\s+)?)?$",
                           re.IGNORECASE)
_CLAIMING = re.compile(r"\brevendiqu\w*\s+(?:l['’]|les?\s+|la\s+|cet\s+|cette\s+|ces\s+|ce\s+)?$", re.IGNORECASE)
# a past attempt at an attack is an attack that took place (a past attempt to take a town took nothing)
_TRIED = re.compile(r"\b(?:ont|a|avaient|avait)\s+(?:\w+\s+)?(?:tent[ée]|essay[ée])\s+(?:\w+\s+)?d['’e]\s*$", re.IGNORECASE)
_INSTRUMENT = re.compile(r"barils?\b", re.IGNORECASE)  # actor aliases that name a weapon only one side uses
_DEFINITE = re.compile(r"(?:\bl['’]|\b(?:la|le|les|cet|cette|ce|ces)\s+)$", re.IGNORECASE)
_AGAINST = re.compile(r"\bcontre\s+(?:l['’]|les?\s+|la\s+|des\s+|du\s+)?$", re.IGNORECASE)
_OBJECT_OF_HELP = re.compile(r"\b(?:aider|soutenir|appuyer|prot[ée]ger|d[ée]fendre|secourir|renforcer)\s+"
                             r"(?:l['’]|les?\s+|la\s+|des\s+)?$", re.IGNORECASE)
# "dans cette région", "la ville": a place phrase that points back to the scene named before
_BACK_REFERENCE = re.compile(r"(?:\b(?:cette|cet|ce|la|le) |\bl['’])(?:r[ée]gion|ville|zone|localit[ée]|province|secteur|quartier"
                             r"|poche|enclave|bourgade|village)\b(?!\s+(?:de|d['’]|du)\b)"
                             r"|\b(?:cette|cet|ce)\s+(?:\w+\s+)?(?:offensive|bataille|op[ée]ration|campagne|assaut|si[èe]ge)\b",
                             re.IGNORECASE)
# a trigger that only counts the dead or wounded ("ont péri", "trois morts", "blessés")
_CASUALTY_ONLY = re.compile(r"tu[ée]|tuant|morts?\b|bless|p[ée]ri", re.IGNORECASE)
# "dans un autre incident", "ailleurs": not the toll of the event just told
_OTHER_INCIDENT = re.compile(r"\b(?:autres?|ailleurs|par ailleurs|s[ée]par[ée]ment|distinct)\b", re.IGNORECASE)
_ANAPHORIC = re.compile(r"\b(?:les|ces|cette|ce|ses|leurs)\s+(?:\w+\s+)?$|^\W*(?:l['’]|la\s+|le\s+)(?:\w+\s+)?$",
                        re.IGNORECASE)  # "L'attentat visait …" opening the sentence after the attack was reported
# "un raid identique", "un autre raid", "de nouvelles frappes": one more of the kind the article just attributed
_SAME_KIND = re.compile(r"\b(?:une?\s+autre|d['’]autres|de\s+nouve(?:aux|lles)|une?\s+nouve(?:au|l|lle))\s+$", re.IGNORECASE)
_SAME_KIND_AFTER = re.compile(r"\s+(?:identiques?|similaires?|semblables?)\b", re.IGNORECASE)
# the subject of a passive casualty or hit verb suffered the event
_SUFFERED = re.compile(r"^[^,;]{0,40}?\b(?:ont|a|avaient|avait|sont|est|auraient|aurait)\s+(?:\w+\s+)?[ée]t[ée]\s+"
                       r"(?:tu|bless|vis|touch|frapp|cibl|attaqu|bombard|pilonn|pris pour cible|abattu|[ée]limin)",
                       re.IGNORECASE)
_UNDERWENT = re.compile(r"^[^,;]{0,30}?\b(?:(?:ont|a|avaient|avait|auraient|aurait)\s+(?:\w+\s+)?(?:subi|essuy[ée])"
                        r"|subi(?:ssen)?t|subissaient|essui(?:en)?t)\b[^;.]{0,60}$", re.IGNORECASE)
_CARRIED_OUT_BY = re.compile(r"^[^,;]{0,25}?\b(?:men|lanc|conduit|perp[ée]tr|effectu|revendiqu|op[ée]r|commis)\w*"
                             r"\s+(?:[^,;]{0,40}?\s)?par\s+(?:l['’]|les?\s+|la\s+|des\s+|du\s+)?$", re.IGNORECASE)
_SINCE = re.compile(r"\bdepuis\b(?!\s+qu)[^,.;:()]{0,40}$", re.IGNORECASE)  # not "depuis que <clause>"
_WITHDRAWAL = re.compile(r"se (?:\w+ )?retir|quitt|retir|retrait|reddition|capitul", re.IGNORECASE)
_LOST = re.compile(r"perd", re.IGNORECASE)  # "les rebelles ont perdu X": the subject is the loser, not a withdrawal
_EXPELLED = re.compile(r"(?:été|sont|est|était|étaient|ont|a)\s+(?:\w+\s+)?(?:chass|d[ée]log|expuls)\w*", re.IGNORECASE)
_LEFT_TO = re.compile(r"au profit d(?:e|u|es)\s|face (?:à|aux?)\s|aux mains d(?:e|u|es)\s|(?:remis|livr[ée]e?s?|c[ée]d[ée]e?s?) (?:\w+ ){0,3}?(?:à|aux?)\s"
                      r"|^\W*(?:\w+\s+){0,2}?(?:à|aux?)\s", re.IGNORECASE)  # "leur reddition à l'armée"
_GENERIC_ENEMY = frozenset({"terroristes", "terroriste", "groupes terroristes", "terroristes armes"})
#: Bare words for jihadists: they name the jihadist group the article names (HTS in an Idlib story, not ISIS).
_GENERIC_JIHADIST = frozenset({"jihadiste", "jihadistes", "djihadiste", "djihadistes", "jihadists", "extremistes"})
# "à 20 km au nord de Damas", "près de la frontière avec": a place named to situate another one
_REFERENCE_PLACE = re.compile(r"(?:\d+\s*(?:km|kilom[èe]tres?|miles?)\s+(?:\w+\s+){0,3}(?:de|d['’]|du)"
                              r"|fronti[èe]re (?:avec|de)|(?:proche|non loin|pr[èe]s) de la fronti[èe]re"
                              r"|capitale|originaires? d[eu'’]|venus? d[eu'’]|aux portes d[eu'’]"
                              r"|(?:au|à l['’])\s*(?:nord|sud|est|ouest)(?:-(?:est|ouest))?\s+(?:de|d['’]|du)"
                              r"|(?:reliant|relie|reliait|reliaient)\s+(?:[\w'’-]+\s+){0,3}?(?:à\s+|et\s+)?"
                              r"|situ[ée]e?s?\s+(?:[\w'’-]+\s+){0,4}?(?:de|d['’]|à|en))"
                              r"\s*(?:la |l['’]|le )?\s*$",
                              re.IGNORECASE)
_LIST_NEXT = re.compile(r"\s*(?:,|et|ou)\s+(?:de\s+|d['’]\s*)?(?:la\s+|le\s+|l['’]\s*)?", re.IGNORECASE)
# "l'offensive d'Ankara", "les troupes de Damas": a capital standing for its government, never the place
# "ont quitté Qaboun pour la province d'Idleb": "pour" a place is a destination only when people leave
_DEPARTURE = re.compile(r"quitt|\bpartir|\bpartis?\b|[ée]vacu|transf[ée]r|convois?|\bbus\b", re.IGNORECASE)
_ARRIVED = re.compile(r"\barriv[ée]e?s?\s+(?:\w+\s+){0,2}?(?:à|dans|en)\s+(?:la province d['’e]\s*|la ville d['’e]\s*|l['’]|la |le )?$",
                      re.IGNORECASE)
_FOR_PLACE = re.compile(r"\bpour\s+(?:la (?:province|r[ée]gion|ville) d['’e]\s*|l['’]|la |le )?$", re.IGNORECASE)
_ACTOR_GENITIVE = re.compile(r"(?:offensive|op[ée]ration|frappes?|raids?|bombardements?|forces|arm[ée]e|troupes"
                             r"|aviation|avions|soldats|militaires|alli[ée]e?s?|soutien|r[ée]gime|gouvernement"
                             r"|autorit[ée]s|pouvoir|ordres?) (?:de|d['’])\s*$", re.IGNORECASE)
_ROAD_END = re.compile(r"(?:\b(?:reliant|relie|reliait|reliaient|reli[ée]e?s?)|(?:route|autoroute|axe|voie)\s+(?:\w+\s+)?entre)\s+(?:[\w'’-]+\s+){0,3}?(?:(?:à|et)\s+)?"
                       r"(?:la |l['’]|le )?$|\b(?:route|autoroute|axe|voie)\s+(?:\w+\s+)?(?:de|d['’])\s*(?:[\w'’-]+\s+){0,3}?"
                       r"(?:à|vers)\s+(?:la |l['’]|le )?$|\b(?:route|autoroute|axe|voie)\s+(?:\w+\s+)?(?:Damas|Alep|Homs|Hama)[\w'’-]*\s*-\s*$",
                       re.IGNORECASE)
# "annoncé à Damas", "a déclaré l'agence depuis Damas": where something was said, not where it happened
_ANNOUNCED_AT = re.compile(r"\b(?:annon[cç]|d[ée]clar|indiqu|affirm|rapport|pr[ée]cis)\w*"
                           r"\s+(?:(?!qu|avoir\b|été\b)[\w'’-]+\s+){0,6}?(?:à|depuis)\s*(?:la |l['’]|le )?$"
                           # "a expliqué X, un militant d'Idleb": the home of whoever speaks
                           r"|,\s*(?:un|une|le|la)\s+(?:militant|habitant|r[ée]sident|activiste|journaliste|correspondant)e?s?"
                           r"\s+(?:local\w*\s+)?(?:de|d['’]|du|à)\s*(?:la |l['’]|le )?$", re.IGNORECASE)
# "des frappes lancées depuis le Golan", "des obus tirés à partir du territoire turc": where the strike came from,
# not where it hit (after a place, "depuis" is spatial: "depuis le 3 mars" names no place)
_LAUNCH_SITE = re.compile(r"\b(?:depuis|à partir d[eu'’]|en provenance d[eu'’])\s*(?:(?:la|le|les|l['’])\s*)?"
                          r"(?:(?:territoire|r[ée]gion|province|plateau|zone|bande|c[ôo]te|rive|base|ville)\s+"
                          r"(?:\w+\s+)?(?:de|d['’]|du|des)\s*(?:la |l['’]|le |les )?)?$", re.IGNORECASE)
# where evacuees or withdrawing fighters go is not where control changed
_DESTINATION = re.compile(r"(?:\bvers|à destination d[eu'’]|(?:emmen|achemin|transf[ée]r|amen|d[ée]pos)[ée]e?s?\s+(?:\w+\s+){0,3}?(?:à|dans|en)"
                          r"|(?:pour|afin de|avant de)\s+(?:re)?(?:joindre|gagner|rallier)|en direction d(?:e|u|es)(?:\s+\w+){0,2}?|jusqu['’]à|rendu?e?s? à"
                          r"|transport[ée]e?s?\s+(?:\w+\s+){0,3}(?:dans|à|vers)|conduits? (?:à|vers|dans)"
                          r"|(?:réfugi[ée]e?s?|repli[ée]e?s?) (?:à|dans|vers))"
                          r"\s+(?:la province d['’e]\s*|la r[ée]gion d['’e]\s*|la ville d['’e]\s*|l['’]|la |le )?$",
                          re.IGNORECASE)
_FROM_ACTOR = re.compile(r"(?:\bà|\baux|\bau|(?:chass|d[ée]log|expuls)\w*\s+(?:de|des|du))\s+(?:l['’]|les?\s+|la\s+)?$",
                         re.IGNORECASE)


# --------------------------------------------------------------------------- datelines

#: "BEYROUTH, 12 mars 2019 (AFP) -", "DAMAS (Reuters) —": where the story was filed, not where it happened.
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-ZÀ-Ý][A-ZÀ-Ý'’\- ]{2,40}?)\s*(?:\([^)]{0,30}\))?\s*"
    r"(?:,\s*(?P<date>[^()\n]{4,40}?))?\s*\((?P<agency>AFP|Reuters|AP|ATS|Belga|Anadolu|Xinhua|Sana|SANA|"
    r"Sputnik|RIA Novosti|TASS|Tass|Irna|IRNA|DPA|dpa|ANSA)\)\s*[-–—:]\s*"
)

#: "DAMAS, Syrie – ...", "ALEP — ...": a dateline without agency (the city in capitals, a dash).
_DATELINE_PLAIN = re.compile(r"^\s*(?P<place>[A-ZÀ-Ý][A-ZÀ-Ý'’\-]{2,25}(?: [A-ZÀ-Ý'’\-]{2,25}){0,2})"
                             r"(?:\s*,\s*[A-ZÀ-Ý][a-zà-ÿ'’\-]+(?: [a-zà-ÿ'’\-]+)?)?\s+[-–—]\s+(?=[A-ZÀ-Ý«\"])")


@dataclass(frozen=True)
class Dateline:
    """A news-agency dateline at the start of an article."""

    end: int
    place: str
    date: dt.date | None
    agency: str


def find_dateline(text: str) -> Dateline | None:
    """The dateline of an article, if it starts with one ("BEYROUTH, 12 mars 2019 (AFP) - ...")."""
    m = None
    offset = 0
    for para in text.split("\n\n")[:3]:  # a headline may come first
        m = _DATELINE.match(para) or _DATELINE_PLAIN.match(para)
        if m:
            break
        offset += len(para) + 2
    if not m:
        return None
    day = None
    if m.re is _DATELINE_PLAIN:
        return Dateline(offset + m.end(), m.group("place").strip(), None, "")
    if m.group("date"):
        from conflictmap.extract.dates import find_dates

        found = [d for d in find_dates(m.group("date"), None) if d.precision == "day"]
        day = found[0].date if found else None
    return Dateline(offset + m.end(), m.group("place").strip(), day, m.group("agency"))


# --------------------------------------------------------------------------- extraction


class _LazyDates:
    """Sentence index → its date mentions, computed on first use."""

    def __init__(self, compute: Callable[[int], list[Any]]) -> None:
        self._compute = compute
        self._memo: dict[int, list[Any]] = {}

    def __getitem__(self, k: int) -> list[Any]:
        got = self._memo.get(k)
        if got is None:
            got = self._memo[k] = self._compute(k)
        return got


@dataclass(frozen=True)
class _Zone:
    zone_id: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    parties: frozenset[str]
    geometry: Any
    kind: str = ""


@dataclass
class _Trigger:
    category: str
    sub_type: str
    start: int  # in sentence
    end: int
    answered: bool = False  # the other side's fire a riposte answers ("a riposté aux tirs des YPG")


class EventExtractor:
    """Turn one article's mentions into event reports.

    Parameters
    ----------
    actors : ActorLexicon
        Actor aliases.
    zones : geopandas.GeoDataFrame or None
        De-escalation zones (``data/zones.geojson``).
    gazetteer : Gazetteer
        For country geometries and place look-ups.
    anchors : list of Anchor
        Chronology for year-less articles.
    """

    def __init__(self, actors: ActorLexicon, zones: gpd.GeoDataFrame | None, gazetteer: Gazetteer,
                 anchors: list[Anchor]) -> None:
        self.actors = actors
        self.zones = zones
        self.gazetteer = gazetteer
        self.anchors = anchors
        self._floor = False  # the article's inferred reference is only a lower bound (see _after_launch)
        self._zone_list = [] if zones is None else [
            _Zone(str(z["zone_id"]), str(z["name"]),
                  dt.date.fromisoformat(str(z["valid_from"])[:10]) if z["valid_from"] else None,
                  dt.date.fromisoformat(str(z["valid_to"])[:10]) if z["valid_to"] else None,
                  frozenset(z["parties"]) if z["parties"] is not None else frozenset(), z.geometry,
                  next((k for k, rx in _ZONE_KINDS if rx.search(str(z["name"]))), ""))
            for _, z in zones.iterrows()]
        for z in self._zone_list:
            __import__("shapely").prepare(z.geometry)
        self.theatre = ""
        self._names_zone = False
        self._text = ""
        self._sents: list[tuple[int, int]] = []
        self._jihadist: str | None = None
        self._article_actors: Counter[str] = Counter()
        self._sentence = ""
        self.default_focus = ""

    @classmethod
    def load(cls, settings: Settings, gazetteer: Gazetteer) -> "EventExtractor":
        """Load actors, zones and chronology from the settings' data folder."""
        from conflictmap.geo.zones import load_zones

        zones = load_zones(settings.zones_file) if settings.zones_file.exists() else None
        extractor = cls(ActorLexicon.load(settings.actors_file), zones, gazetteer,
                        read_timeline(settings.data_dir / "timeline.csv"))
        extractor.default_focus = settings.default_focus
        return extractor

    # -- dates

    def reference_date(self, art: Article) -> tuple[dt.date | None, bool]:
        """Publication date, else one inferred from the text (explicit dates, then chronology)."""
        line = find_dateline(art.text)
        if line is not None and not art.source:
            art.source = line.agency
        if art.published is not None:
            return art.published, art.published_inferred
        if line is not None and line.date is not None:
            art.published = line.date  # stated by the dateline: not inferred
            return art.published, False
        from conflictmap.extract.dates import infer_publication_date

        url_day, url_month = _url_date(art.url)
        if url_day is not None:
            art.published, art.published_inferred = url_day, True  # "/2017/04/12/", "-20170412-"
            return url_day, True
        if url_month is not None:
            # the URL gives the month of writing: the text's latest day of that month is the reference
            inferred = _latest_day_in(art.text, url_month)
            if inferred is None:
                # no day of that month in the text: an event it reports may date it, inside that month
                from conflictmap.extract.dates import infer_date_from_events

                found = infer_date_from_events(art.text, self.anchors, min_year=url_month.year)
                if found is not None and (found.year, found.month) == (url_month.year, url_month.month):
                    inferred, art.published_precision = found, "week"
            if inferred is not None:
                art.published, art.published_inferred = inferred, True
            return inferred, True
        inferred, precision = infer_publication_date(art.text)
        if precision == "year" or not _foreground_year(art.text, inferred):
            # a bare year ("pris en 2012", "depuis 2011", "en 1967") or a background month or full date
            # ("une ville tombée en mai 2014", "avait été prise le 10 octobre 2012", "depuis le 3 mars 2013")
            # is no reference for "samedi" or "hier"; the chronology may still date the text
            inferred = None
        if inferred is not None and precision == "month":
            # an article is written after the periods it mentions: "en juin 2018" → end of June 2018
            from conflictmap.extract.dates import find_dates

            ends = [d.end_date for d in find_dates(art.text, None) if d.date == inferred]
            inferred = max(ends) if ends else inferred
        elif inferred is not None and precision in ("day", "week"):
            inferred = _after_launch(art, inferred)
        if inferred is None:
            inferred = self._chronology_reference(art)
        if inferred is not None:
            art.published = inferred
            art.published_inferred = True
        return inferred, True

    def _chronology_reference(self, art: Article) -> dt.date | None:
        """Reference of a text without a usable year: chronology anchors, then the events it reports.

        The years the text mentions ("depuis 2011", "pris en 2012") only bound its writing from below; the
        age of the war ("en guerre depuis six ans") counts as an anchor.
        A reference found from the events alone is about a week's precision
        (``published_precision = "week"``); see :func:`_after_launch` for a latest date that is a launch.
        """
        from conflictmap.extract.dates import find_dates, infer_date_from_events, war_age_anchors

        years = [m.end_date.year for m in find_dates(art.text, None)]
        min_year = max(years) if years else None
        # "en guerre depuis six ans" dates the writing like a chronology anchor
        latest = infer_year_from_chronology(art.text, [*self.anchors, *war_age_anchors(art.text)],
                                            min_year=min_year)
        if latest is None:
            found = infer_date_from_events(art.text, self.anchors, min_year=min_year)
            if found is not None:
                art.published_precision = "week"
            return found
        return _after_launch(art, latest)

    # -- main

    def extract(self, art: Article, rec: dict[str, Any], mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Event reports (records with geometry) of one article."""
        from conflictmap.extract.dates import find_dates

        ref, inferred = self.reference_date(art)
        # the conflict theatre: the country of most locational mentions; ties go to the project's region
        counts = Counter(m["country_code"] for m in mentions if m["role"] == "location" and m["country_code"])
        if self.default_focus:
            counts[self.default_focus] += 0.5
        self.theatre = counts.most_common(1)[0][0] if counts else rec.get("focus", "")
        if self.default_focus and counts.get(self.default_focus, 0) >= 1 and self.theatre != self.default_focus \
                and self.theatre not in self.gazetteer.neighbours.get(self.default_focus, []):
            # talks in Geneva named five times in a column on the Syrian war: the war stays the theatre, and
            # what is said, decided or negotiated abroad is no event on this map
            self.theatre = self.default_focus
        text = art.text
        sents: list[tuple[int, int]] = [tuple(s) for s in rec["sents"]]  # type: ignore[misc]
        triggers_by_sent = [self._triggers(text[s:e]) for s, e in sents]
        # Dates are resolved lazily: a sentence's own dates when it reports an event, earlier ones for
        # inheritance, and every day-precise date only when a coarse date needs refining.
        sent_dates = _LazyDates(lambda k: _settled(find_dates(text[sents[k][0]:sents[k][1]], ref),
                                                   art.published_precision if inferred else ""))

        def day_dates() -> list[tuple[int, Any, set[str]]]:  # (sentence index, DateMention, categories)
            return [(k, d, {t.category for t in triggers_by_sent[k]})
                    for k in range(len(sents)) for d in sent_dates[k] if d.precision == "day"]
        reports: list[dict[str, Any]] = []
        self._floor = bool(inferred) and art.published_precision == "floor"
        self._text = text
        self._sents = sents
        self._jihadist = self._named_jihadist(text)
        frames = rec.get("frames") or []
        prev_actor1: str | None = None
        last_actor: dict[tuple[str, str], str] = {}
        last_incident: tuple[int, str, str] | None = None  # (sentence, actor1, sub-type) of the last attributed incident
        last_locs: tuple[int, list[dict[str, Any]]] = (-9, [])
        last_of_kind: dict[str, tuple[int, str]] = {}  # incident kind -> (sentence, actor1) of its last attribution
        own: list[bool] = []  # per report: dated by its own sentence
        paragraph_of = [text.count("\n\n", 0, s) for s, _ in sents]
        for k, (s, e) in enumerate(sents):
            sentence = text[s:e]
            sent_mentions = [m for m in mentions if s <= m["start"] < e]
            actor_spans = [(a.start + s, a.end + s) for a in self.actors.find(sentence)]
            # "l'opération Bouclier de l'Euphrate" names an actor, not the river
            locs = [m for m in sent_mentions if m["role"] == "location"
                    and not any(a <= m["start"] and m["end"] <= b and (a, b) != (m["start"], m["end"])
                                for a, b in actor_spans)]
            inherited = False
            scene_set = False
            countrywide = bool(locs) and all(m["feature_type"] == "country" for m in locs)
            refers_back = bool(_BACK_REFERENCE.search(sentence))
            if ((not locs or countrywide) and k and last_locs[1]
                    and ((paragraph_of[k - 1] == paragraph_of[k] and last_locs[0] >= k - 2)
                         or (refers_back and last_locs[0] >= k - 6))):
                # "Ils ont attaqué deux bases turques." after "... à Afrine": the scene of the previous sentence
                locs, inherited = [m for m in last_locs[1] if m["feature_type"] != "country"], True
            sentence_actor = self._first_subject(sentence)
            seen_cats: set[tuple[str, str, int]] = set()
            incident_actor: str | None = None
            if sentence_actor and not triggers_by_sent[k]:
                prev_actor1 = sentence_actor
            for trig in triggers_by_sent[k]:
                key = (trig.category, trig.sub_type,
                       trig.start if trig.category in _SECOND_IN_CLAUSE or trig.answered else 0)
                if key in seen_cats:
                    continue
                seen_cats.add(key)
                date, precision = self._date_for(k, trig, sent_dates, day_dates, paragraph_of, ref)
                frame = _frame_for(frames, s + trig.start, s + trig.end, s, e)
                if frame is not None and frame["start"] >= s + trig.end and _ANSWERED.match(
                        text[s + trig.end:frame["start"]]):
                    frame = None  # "a riposté aux tirs des YPG": the frame of the fire answered, not this one's
                # the parse decides when it sees a marker; the words around the trigger back it up when the
                # small model mis-parses ("aurait frappé" tagged as a noun)
                modality = frame["modality"] if frame else "asserted"
                if modality == "asserted":
                    modality = _text_modality(sentence[max(0, trig.start - 60):trig.end])
                # talks someone demands or has yet to join ("une exigence de l'opposition pour participer à des
                # pourparlers") are not held
                pending = trig.category == "deescalation" and bool(
                    _PENDING_TALKS.search(sentence[max(0, trig.start - 80):trig.start]))
                if (modality == "planned" and trig.category == "deescalation" and not pending
                        and not _DEMAND.search(sentence[max(0, trig.start - 80):trig.end])):
                    modality = "asserted"  # a truce that "entrera en vigueur", an accord that "prévoit": agreed
                elif modality == "asserted" and pending:
                    modality = "planned"
                elif (modality == "planned" and trig.category == "incident"
                      and _TRIED.search(sentence[max(0, trig.start - 40):trig.start])):
                    modality = "asserted"  # "ont tenté d'attaquer la base avec des drones": the attack was made
                actors, actor1, actor2, before, after = self._actors(sentence, s, trig, sent_mentions, frame)
                if _PRONOUN_SUBJECT.match(sentence) and prev_actor1 and (
                        actor1 is None or not any(a.start < trig.start for a in self.actors.find(sentence))):
                    # "Ils assurent qu'ils ont bombardé ...": the subject is the previous sentence's actor
                    actor2 = actor1 if actor1 != prev_actor1 else actor2
                    actor1 = prev_actor1
                    if prev_actor1 not in actors:
                        actors = [prev_actor1, *actors]
                if actor1 is None and trig.category == "incident" and (
                        _ANAPHORIC.search(sentence[:trig.start]) or _SAME_KIND.search(sentence[:trig.start])
                        or _SAME_KIND_AFTER.match(sentence, trig.end)):
                    # "ces frappes", "les raids": the same kind of event the article has just attributed
                    known = last_actor.get((trig.category, trig.sub_type))
                    if known is None and trig.sub_type == "attack" and last_incident is not None:
                        known = last_incident[1]  # "ces attaques" after barrel-bomb raids: those raids
                    if known:
                        actor1 = known
                        actors = [known, *[a for a in actors if a != known]]
                toll_of = None
                if (actor1 is None and trig.category == "incident" and last_incident is not None
                        and last_incident[0] == k - 1 and paragraph_of[k - 1] == paragraph_of[k]
                        and _CASUALTY_ONLY.match(sentence[trig.start:trig.end])
                        and not _OTHER_INCIDENT.search(sentence[:trig.start])):
                    # "L'aviation a frappé deux marchés. Sept civils ont péri à X": the toll of the strikes
                    # the sentence before attributed
                    toll_of = last_incident
                    actor1 = toll_of[1]
                    actors = [actor1, *[a for a in actors if a != actor1]]
                same_kind = last_of_kind.get(trig.sub_type)
                if (actor1 is None and toll_of is None and trig.category == "incident" and same_kind is not None
                        and same_kind[1] not in actors  # (named here, that side is what was hit)
                        and trig.sub_type in ("air/drone strike", "shelling")
                        and (same_kind[0] == k - 1
                             or (same_kind[0] >= k - 2 and paragraph_of[same_kind[0]] == paragraph_of[k]))
                        and not re.search(r"dans un autre incident", sentence, re.IGNORECASE)):
                    # "Des frappes américaines ont visé X. Deux combattants ont été tués par des frappes près de
                    # Y": strikes of the same kind told next are the same author's
                    actor1 = same_kind[1]
                    actors = [actor1, *[a for a in actors if a != actor1]]
                if actor1 is None and trig.category == "incident":
                    # "les batailles ... contre les FDS": fought by the side the article sets against them
                    target = next((a.actor_id for a in self.actors.find(sentence[trig.end:trig.end + 160])
                                   if _AGAINST.search(sentence[trig.end:trig.end + 160].split(a.text)[0])), None)
                    if target is None:
                        # "où les rebelles ont subi un siège": who suffers it is the target, not the author
                        target = next((a.actor_id for a in self.actors.find(sentence[:trig.start])
                                       if _UNDERWENT.match(sentence[a.end:trig.start])), None)
                    foe = self._opponent(target)
                    if foe:
                        actor1, actor2 = foe, target
                        actors = [foe, *[a for a in actors if a != foe]]
                if trig.sub_type == "armed clash" and actor1 and not actor2:
                    # a clash has two sides: the one not named is the side the article sets against actor1
                    actor2 = self._opponent(actor1)
                    if actor2 and actor2 not in actors:
                        actors = [*actors, actor2]
                sub_type = toll_of[2] if toll_of is not None else trig.sub_type
                if (trig.category == "control_change" and actor1 is None and incident_actor
                        and not _WITHDRAWAL.match(sentence[trig.start:trig.end])
                        and not _EXPELLED.search(sentence[max(0, trig.start - 25):trig.end + 5])):
                    # "une offensive du régime a permis de reprendre X": the offensive's author took X
                    actor1 = after = incident_actor
                    if actor1 not in actors:
                        actors = [actor1, *actors]
                if trig.category == "incident" and actor1 and modality in FACTUAL:
                    incident_actor = actor1
                    last_incident = (k, actor1, sub_type)
                    last_of_kind[trig.sub_type] = (k, actor1)
                if (trig.category == "incident" and actor1 and "revendiqu" in sentence.lower()
                        and _DEFINITE.search(sentence[max(0, trig.start - 8):trig.start])):
                    # "l'attaque a été revendiquée par X", told after the attack itself: X carried it out
                    for r in reports:
                        if r["category"] == "incident" and r["actor1"] is None and r["sub_type"] == sub_type:
                            r["actor1"] = actor1
                            r["actors"] = [actor1, *[a for a in r["actors"] if a != actor1]]
                if trig.category == "control_change":
                    actor1, before, after = self._gainer(sentence, trig, frame, actors, actor1, before, after)
                    if actor2 is not None and actor2 == actor1:
                        actor2 = before if before != actor1 else None
                    if (after is None and _WITHDRAWAL.match(sentence[trig.start:trig.end])
                            and (before or "CIVILIANS") == "CIVILIANS" and "CIVILIANS" in actors):
                        continue  # "des civils ont quitté la ville": people fleeing, no change of control
                    if after and after not in actors:
                        actors = [*actors, after]  # the side a town is left to is a party of the change
                    sub_type = self._control_sub_type(after, sentence, sentence[trig.start:trig.end])
                if trig.category == "incident" and trig.sub_type in ("air/drone strike", "attack"):
                    shells = re.search(r"obus|artillerie|roquettes?|mortiers?|missiles?", sentence, re.I)
                    air = _AIR_CONTEXT.search(sentence)
                    if shells and not air:
                        sub_type = "shelling"
                    elif air and trig.sub_type == "attack" and _GENERIC_HIT.match(sentence[trig.start:trig.end]):
                        sub_type = "air/drone strike"  # "l'aviation a frappé"
                self._names_zone = bool(_ZONE_WORDS.search(sentence))
                self._sentence = sentence
                places = self._places(locs, trig, s, date, actors) if locs else []
                if not places:
                    prev_actor1 = actor1 or prev_actor1
                    if actor1 is not None and modality in FACTUAL and trig.category == "incident":
                        # "L'attaque visait X" may follow; "ces frappes" after "l'aviation a frappé" too
                        last_actor[(trig.category, trig.sub_type)] = last_actor[(trig.category, sub_type)] = actor1
                    continue
                prev_actor1 = actor1 or prev_actor1
                if actor1 is not None:
                    last_actor[(trig.category, trig.sub_type)] = last_actor[(trig.category, sub_type)] = actor1
                own_date = bool(sent_dates[k]) and precision == "day"
                for place in places:
                    confidence = _confidence(actor1 is not None, own_date, int(place["geo_precision"]), modality)
                    if inherited:  # the place comes from the sentence before
                        confidence = max(0.0, confidence - 0.1)
                    reports.append(self._record(art, trig.category, sub_type, actors, actor1, actor2, before,
                                                after, place, date, precision, inferred, sentence, s, e,
                                                modality, confidence))
                    own.append(own_date)
                if not inherited and modality in FACTUAL:  # the scene a following sentence may continue
                    used = {p["place_id"] for p in places}
                    last_locs = (k, [m for m in locs if m["place_id"] in used])
                    scene_set = True
            if locs and not inherited and not scene_set and self._present(sent_dates[k], ref):
                last_locs = (k, locs)  # "L'action militaire turque à Afrine continue." sets the scene too
        _share_dates(reports, own)
        return reports

    @staticmethod
    def _present(dates_k: list[Any], ref: dt.date | None) -> bool:
        """Whether a sentence speaks of the present of the article (no date far from the reference)."""
        if ref is None:
            return not dates_k
        return all(abs((m.date - ref).days) <= 31 for m in dates_k)

    def _named_jihadist(self, text: str) -> str | None:
        """The jihadist group an article names most by name (the referent of a bare "les jihadistes")."""
        found = self.actors.find(text)
        named = Counter(a.actor_id for a in found
                        if fold(a.text) not in _GENERIC_JIHADIST | _GENERIC_ENEMY
                        and self.actors.side(a.actor_id) == "jihadist")
        best = named.most_common(1)[0][0] if named else None
        self._article_actors = Counter(best if (best and fold(a.text) in _GENERIC_JIHADIST) else a.actor_id
                                       for a in found if fold(a.text) not in _GENERIC_ENEMY)
        return best

    def _opponent(self, loser: str | None) -> str | None:
        """The article's main armed opponent of ``loser`` (who gains what ``loser`` leaves, who fights it).

        Government and pro-government forces face the most-named non-government armed actor; any other
        Syrian armed actor faces the most-named armed actor of another side.
        """
        side = self.actors.side(loser)
        if not side or side in ("civilian", "foreign_state", "coalition"):
            return None
        gov = side in GOVERNMENT_SIDES
        for aid, _ in self._article_actors.most_common():
            other = self.actors.side(aid)
            if aid == loser or other in ("civilian", "foreign_state", "coalition", ""):
                continue
            if (other in GOVERNMENT_SIDES) != gov if gov else other != side:
                return aid
        return None

    def _resolve_generic(self, text: str, actor_id: str) -> str:
        """The actor a generic word stands for in this article ("les jihadistes", "les terroristes")."""
        word = fold(text)
        if word in _GENERIC_JIHADIST and self._jihadist:
            return self._jihadist
        if word in _GENERIC_ENEMY:
            # "terroristes" is the government's word for whoever it fights: the article's main armed opponent
            return self._opponent("SYR_GOV") or actor_id
        return actor_id

    def _resolve_in(self, sentence: str, a: Any) -> str:
        """The actor an actor mention of ``sentence`` stands for: :meth:`_resolve_generic`, and rebels
        "appuyés / soutenus par Washington" are the SDF in an article that names the SDF (the US-backed
        Syrian force of the north-east and east since 2015; the article's own gloss "une coalition de
        groupes rebelles" is the usual press description)."""
        aid = self._resolve_generic(a.text, a.actor_id)
        if (aid == "REBELS" and self._article_actors["SDF"]
                and _US_BACKED.match(sentence, a.end)):
            return "SDF"
        return aid

    def _first_subject(self, sentence: str) -> str | None:
        found = self.actors.find(sentence)
        return found[0].actor_id if found else None

    def _triggers(self, sentence: str) -> list[_Trigger]:
        found: list[_Trigger] = []
        sentence = _IDIOMS.sub(lambda m: " " * len(m.group(0)), sentence)
        starts = _trigger_starts(sentence)
        if not any(starts):
            return found
        for (cat, sub, rx), at in zip(_TRIGGER_RES, starts):
            if not at or any(t.category == cat and (cat != "incident" or t.sub_type == sub) for t in found):
                continue  # one report per category (incidents: per kind) and sentence; TRIGGERS in priority order
            for m in _matches_at(rx, sentence, at):
                if _NEGATION_BEFORE.search(sentence[max(0, m.start() - 60):m.start()]):
                    continue
                if cat == "control_change" and m.group(0)[:3].lower() == "lib" and (
                        _PERSONS_BEFORE.search(sentence[max(0, m.start() - 160):m.start()])
                        or _PERSONS_AFTER.match(sentence, m.end())):
                    continue  # "les otages ont été libérés", "leur libération": people freed, no place taken
                if any(t.start <= m.start() < t.end or m.start() <= t.start < m.end() for t in found):
                    continue
                if cat == "incident" and any(t.category == cat for t in found) and _GENERIC_INCIDENT.match(m.group(0)):
                    continue  # "ont visé", "frappé", "morts": the incident already found, not another one
                found.append(_Trigger(cat, sub, m.start(), m.end()))
                if cat not in _SECOND_IN_CLAUSE or any(t.category == cat and t.sub_type == sub and t is not found[-1]
                                                       for t in found):
                    break
                # "La ville, conquise en 2015 par l'EI, a été reprise dimanche par l'armée": a background
                # takeover in an apposition or a relative clause and the main one are two control changes
                nxt = next((n for n in rx.finditer(sentence, m.end())
                            if _CLAUSE_SEP.search(sentence[m.end():n.start()])
                            and not _NEGATION_BEFORE.search(sentence[max(0, n.start() - 60):n.start()])), None)
                if nxt is not None and not any(t.start <= nxt.start() < t.end for t in found):
                    found.append(_Trigger(cat, sub, nxt.start(), nxt.end()))
                break
        # An incident trigger inside a de-escalation sentence ("aucun bombardement" handled above) is kept;
        # a control-change trigger that is only "sous contrôle de" in a sentence about an attack describes
        # who held the target, not a change.
        # "ont riposté en bombardant X": one incident, the one the gerund names
        # ("a riposté aux tirs des rebelles": the fire answered is the other side's, the riposte stays)
        found = [t for t in found if not (sentence[t.start:t.start + 6].lower() == "ripost" and any(
            o.category == "incident" and 0 < o.start - t.end <= 25
            and not _ANSWERED.match(sentence[t.end:o.start]) for o in found))]
        for t in [t for t in found if sentence[t.start:t.start + 6].lower() == "ripost"]:
            fire = _ANSWERED_FIRE.match(sentence, t.end)
            if fire is not None and not any(o.start <= fire.start(1) < o.end for o in found):
                found.append(_Trigger("incident", "attack", fire.start(1), fire.end(1), answered=True))
        cats = {t.category for t in found}
        if "incident" in cats and "control_change" in cats:
            found = [t for t in found if not (t.category == "control_change" and
                                              re.match(r"sous", sentence[t.start:t.end], re.I))]
        return sorted(found, key=lambda t: t.start)

    def _date_for(self, k: int, trig: _Trigger, sent_dates: "_LazyDates",
                  day_dates: Callable[[], list[tuple[int, Any, set[str]]]], paragraph_of: list[int],
                  ref: dt.date | None) -> tuple[dt.date | None, str]:
        sentence_k = self._text[self._sents[k][0]:self._sents[k][1]]
        # "depuis le 18 février" starts a period: it dates the trigger it governs, not the whole sentence
        own = [m for m in sent_dates[k] if (not _since(m, sentence_k) or abs(m.start - trig.start) <= 40)
               and _dates_trigger(m, sentence_k, trig.start, trig.end)]
        if own:
            d = min(own, key=lambda m: abs(m.start - trig.start))
        else:
            # inherit from the closest earlier dated sentence of the same paragraph (not a "depuis" start)
            d = None
            for j in range(k - 1, -1, -1):
                if paragraph_of[j] != paragraph_of[k]:
                    break
                sent_j = self._text[self._sents[j][0]:self._sents[j][1]]
                usable = [m for m in sent_dates[j] if not _since(m, sent_j) and _background_start(m, sent_j) is None
                          and not (self._floor and m.date == ref)]  # a launch date does not date what followed
                if usable:
                    d = usable[-1]
                    break
                if sent_dates[j]:
                    break
            if d is None:
                # after a launch date alone, the writing is only known to be later: at most that month
                return (ref, "month" if self._floor else "week") if ref is not None else (None, "")
        if d.precision in ("month", "week", "year"):
            # refine with a precise date of the same period stated elsewhere in the article
            inside = [(j, m, cats) for j, m, cats in day_dates() if d.date <= m.date <= d.end_date]
            same = [x for x in inside if trig.category in x[2]]
            pick = (same or inside)
            if pick:
                j, m, cats = min(pick, key=lambda x: abs(x[0] - k))
                return m.date, ("day" if same else d.precision)
        wd = _WEEKDAY_ONLY.match(d.text) if d.relative and d.precision == "day" else None
        if wd and ref is not None:
            # "Le 9 octobre, ... Jeudi, ...": a bare weekday after a stated past date is that date's week
            anchor = self._stated_day_before(k, sent_dates)
            if anchor is not None and anchor < ref - dt.timedelta(days=6):
                target = _WEEKDAYS.index(wd.group(1).lower())
                options = [anchor + dt.timedelta(days=n) for n in range(-3, 7)]
                day = min((o for o in options if o.weekday() == target), key=lambda o: (abs((o - anchor).days),
                                                                                          o < anchor))
                return day, "day"
        return d.date, d.precision

    def _stated_day_before(self, k: int, sent_dates: "_LazyDates") -> dt.date | None:
        """The nearest explicit (not relative) day date stated before sentence ``k``."""
        for j in range(k - 1, max(-1, k - 8), -1):
            sent_j = self._text[self._sents[j][0]:self._sents[j][1]]
            explicit = [m for m in sent_dates[j] if m.precision == "day" and not m.relative and not _since(m, sent_j)]
            if explicit:
                return explicit[-1].date
        return None

    def _actors(self, sentence: str, offset: int, trig: _Trigger, mentions: list[dict[str, Any]],
                frame: dict[str, Any] | None = None
                ) -> tuple[list[str], str | None, str | None, str | None, str | None]:
        """(actors, actor1, actor2, controller_before, controller_after) of one trigger.

        The parse and proximity rules of :meth:`_actors_from` decide; then an author named by
        "attribué(e) à X" after the trigger, and a leader named by "emmenés / menés / dirigés par Y"
        right after actor1 ("les rebelles emmenés par HTS"), take actor1's place.
        """
        ids, actor1, actor2, before, after = self._actors_from(sentence, offset, trig, mentions, frame)
        named = [(a.start, a.end, self._resolve_in(sentence, a)) for a in self.actors.find(sentence)]
        named += [(m["start"] - offset, m["end"] - offset, m["actor_id"]) for m in mentions
                  if m["role"] == "actor" and m.get("actor_id")]
        named.sort()
        new = None
        w0 = max(0, trig.start - 60)
        for hit in _ATTRIBUTED.finditer(sentence[w0:trig.end + 60]):
            new = next((f[2] for f in named if f[0] == w0 + hit.end()), None)
            if new is not None:
                break
        if new is None and actor1 is not None and self.actors.side(actor1) != "coalition":
            for a0, a1, aid in named:  # (a coalition "menée par les États-Unis" stays the coalition)
                if aid != actor1:
                    continue
                lead = _LED_BY.match(sentence, a1)
                if lead is not None:  # "emmenés par le groupe jihadiste HTS": the first actor of the phrase
                    new = next((f[2] for f in named if 0 <= f[0] - lead.end() <= 30 and f[2] != actor1
                                and not re.search(r"[,;]", sentence[lead.end():f[0]])), None)
                    if new is not None:
                        break
        if new is None or new == actor1:
            return ids, actor1, actor2, before, after
        if actor1 is not None and actor1 != new:
            actor2 = actor2 if actor2 not in (new, None) else actor1
        if after == actor1 or trig.category == "control_change":
            after = new
        if new not in ids:
            ids = [new, *ids]
        return ids, new, actor2 if actor2 != new else None, before if before != new else None, after

    def _actors_from(self, sentence: str, offset: int, trig: _Trigger, mentions: list[dict[str, Any]],
                     frame: dict[str, Any] | None = None
                     ) -> tuple[list[str], str | None, str | None, str | None, str | None]:
        found = [(a.start, a.end, self._resolve_in(sentence, a)) for a in self.actors.find(sentence)
                 if not re.search(r"\banti[- ]?$", sentence[max(0, a.start - 5):a.start], re.IGNORECASE)]
        # ("des forces anti-Daesh": the name of their enemy, not an actor of the event)
        for m in mentions:
            if m["role"] == "actor" and m.get("actor_id"):
                found.append((m["start"] - offset, m["end"] - offset, m["actor_id"]))
        found.sort()
        # "soldats irakiens", "l'aviation de la coalition": a bare troop noun followed by another party's
        # demonym or name is that party's
        found = [f for f, g in zip(found, [*found[1:], None]) if not (
            g is not None and g[2] != f[2] and _OF_PARTY.fullmatch(sentence[f[1]:g[0]])
            and _BARE_TROOPS.fullmatch(sentence[f[0]:f[1]]))]
        ids: list[str] = []
        for _, _, aid in found:
            if aid not in ids:
                ids.append(aid)
        victims = {"CIVILIANS"}
        if frame is not None:
            # the parse decides when it names an agent: "a été reprise par les FDS avec le soutien de la coalition"
            inside = lambda f, span: span is not None and span[0] - offset <= f[0] and f[1] <= span[1] - offset
            # the support itself ("appuyés par les bombardements de la coalition") is the supporter's own event
            own_support = any(sp[0] - offset <= trig.start < sp[1] - offset for sp in frame["supporters"])
            supporters = set() if own_support else {
                f[2] for f in found if any(inside(f, sp) for sp in frame["supporters"])}
            agent = next((f for f in found if inside(f, frame["agent"]) and f[2] not in victims
                          and f[2] not in supporters), None)
            if agent is not None:
                a0 = frame["agent"][0] - offset
                first = next((f for f in found if f[1] <= a0 and f[2] not in victims and f[2] != agent[2]
                              and re.fullmatch(r"\s*(?:et|ainsi que)\s*", sentence[f[1]:a0])), None)
                if first is not None:  # "le régime et son allié russe ont repris": the first conjunct leads
                    agent = first
                actor1 = agent[2]
                patient = next((f[2] for f in found if inside(f, frame["patient"]) and f[2] != actor1), None)
                others = [f[2] for f in found if f[2] not in (actor1,)]
                actor2 = patient or next((a for a in others if a not in supporters), None)
                before = None
                if trig.category == "control_change":
                    after_found = [f for f in found if f[0] >= trig.end]
                    loser = next((f for f in after_found if f[2] != actor1 and f[0] - trig.end <= 90
                                  and _FROM_ACTOR.search(sentence[max(0, f[0] - 8):f[0]])), None)
                    before = loser[2] if loser else (patient if patient != actor1 else None)
                    return ids, actor1, actor2, before, actor1
                return ids, actor1, actor2, None, None
            found = [f for f in found if f[2] not in supporters] or found
        patient = frame["patient"] if frame is not None else None  # "a frappé le siège d'une faction"
        before = [f for f in found if f[1] <= trig.start
                  and not _OBLIQUE.search(sentence[max(0, f[0] - 14):f[0]])
                  and not _TARGET_OWNER.search(sentence[max(0, f[0] - 40):f[0]])
                  and not _SUFFERED.match(sentence[f[1]:trig.end])  # "18 combattants ont été tués lors de"
                  and not _UNDERWENT.match(sentence[f[1]:trig.start])]  # "les rebelles ont subi un siège"
        after = [f for f in found if f[0] >= trig.end]
        actor1 = actor2 = None
        # 1. passive agent: "a été reprise vendredi par les forces ..." (close to the trigger, same clause)
        agent = next((f for f in after if f[0] - trig.end <= 40 and "," not in sentence[trig.end:f[0]]
                      and _ACTOR_AFTER_PAR.search(sentence[max(0, f[0] - 12):f[0]])
                      and not _MODIFIER_PAR.search(sentence[trig.end:f[0]])), None)
        if agent is None:  # "des raids conduits contre leurs bases par la coalition"
            agent = next((f for f in after if f[0] - trig.end <= 70 and f[2] not in victims
                          and _CARRIED_OUT_BY.search(sentence[trig.end:f[0]])), None)
        # 2. "frappes du régime syrien", "raids de l'aviation russe": the trigger noun's complement
        # (a verb's object "les bases de l'armée turque" names the target's owner, not the author)
        of = next((f for f in after if f[0] - trig.end <= 30 and f[2] not in victims
                   and _OF_TRIGGER.match(sentence[trig.end:f[0]])), None) \
            if not _VERB_FORM.search(sentence[trig.start:trig.end]) else None
        # 3. "accusé l'aviation russe de les avoir bombardés"
        accused = next((f for f in reversed([f for f in found if f[1] <= trig.start])
                        if _ACCUSED.search(sentence[max(0, f[0] - 20):f[0]])), None)
        inside = next((f for f in found if trig.start <= f[0] < trig.end and f[2] not in victims), None)
        if agent is None and re.search(r"(?:\bde|\bdu|\bdes|d['’])\s*$", sentence[trig.start:trig.end]):
            # "sous le contrôle des rebelles", "aux mains de l'EI": the actor the trigger ends on
            agent = next((f for f in after if f[0] - trig.end <= 25 and f[2] not in victims), None)
        if agent is not None:
            actor1 = agent[2]
        elif inside is not None:  # "frappes russes"
            actor1 = inside[2]
        elif of is not None:
            actor1 = of[2]
        elif accused is not None:
            actor1 = accused[2]
        else:
            # 4. the subject: first actor of the trigger's clause, else the nearest before it
            cut = 0
            for m in _CLAUSE_BOUNDARY.finditer(sentence[:trig.start]):
                cut = m.end()
            clause = [f for f in before if f[0] >= cut and f[2] not in victims]
            pool = clause or [f for f in before if f[2] not in victims]
            if DESPITE.search(sentence[max(0, trig.start - 25):trig.start]):
                clause = pool = []  # "ils avancent malgré les frappes": the subject suffers them
            fronted = _FRONTED.match(sentence[:trig.start])
            comma = sentence.find(",", trig.end)
            if pool:
                actor1 = (clause[0] if clause else pool[-1])[2]
            elif fronted and 0 <= comma - trig.end <= 70:
                # "Après dix jours d'offensive, les FDS encerclent Manbij": the main clause's subject
                subj = next((f for f in after if f[0] > comma and f[2] not in victims
                             and not _OBLIQUE.search(sentence[max(0, f[0] - 14):f[0]])), None)
                actor1 = subj[2] if subj and subj[0] - comma <= 30 else None
            else:
                # an actor right after the trigger in the same clause ("… ont visé jeudi les FDS")
                close = [f for f in after if f[2] not in victims and "," not in sentence[trig.end:f[0]]
                         and not _ACTOR_AFTER_PAR.search(sentence[max(0, f[0] - 12):f[0]])
                         and not _OBJECT_OF_HELP.search(sentence[max(0, f[0] - 20):f[0]])
                         and not _OBLIQUE.search(sentence[max(0, f[0] - 14):f[0]])
                         and not _TARGET_OF.search(sentence[trig.end:f[0]])
                         and not _TARGET_OWNER.search(sentence[max(0, f[0] - 40):f[0]])
                         and not (patient and patient[0] - offset <= f[0] < patient[1] - offset)]
                actor1 = close[0][2] if close else None
            if actor1 is None and trig.category == "incident":
                # "des raids aux barils d'explosifs": the weapon names its only user
                actor1 = next((f[2] for f in found if _INSTRUMENT.match(sentence, f[0])), None)
            if actor1 is None and trig.category == "incident":
                # "un kamikaze s'est fait exploser …, affirme l'EI dans sa revendication": the claimant
                claimant = next((f for f in found if f[2] not in victims and (
                    _CLAIMANT_BEFORE.search(sentence[max(0, f[0] - 40):f[0]])
                    or _CLAIMANT_AFTER.match(sentence[f[1]:f[1] + 50]))), None)
                if claimant is None and _CLAIMING.search(sentence[max(0, trig.start - 40):trig.start]):
                    # "Dans un communiqué revendiquant l'attentat, le groupe X a affirmé": the subject after it
                    claimant = next((f for f in after if f[2] not in victims and f[0] - trig.end <= 60), None)
                actor1 = claimant[2] if claimant else None
        others = [f[2] for f in [*before[::-1], *after] if f[2] != actor1]
        actor2 = others[0] if others else None
        controller_before = controller_after = None
        if trig.category == "control_change":
            controller_after = actor1
            loser = next((f for f in after if f[2] != actor1 and f[0] - trig.end <= 90 and _FROM_ACTOR.search(
                sentence[max(0, f[0] - 8):f[0]])), None)
            controller_before = loser[2] if loser else None
        return ids, actor1, actor2, controller_before, controller_after

    def _gainer(self, sentence: str, trig: _Trigger, frame: dict[str, Any] | None, actors: list[str],
                actor1: str | None, before: str | None, after: str | None
                ) -> tuple[str | None, str | None, str | None]:
        """(actor1, controller_before, controller_after) of a control change: the side that gained.

        A withdrawal ("se retirer de", "quitter", "retrait de") or an expulsion in the passive
        ("a été chassé de X", without an agent) names the side that lost; the gainer is then the party
        the place is left to ("au profit de", "aux mains de"), else unknown.
        """
        words = sentence[trig.start:trig.end]
        if words[:5].lower() == "chute":
            # "la chute du dernier bastion de l'EI": the genitive's owner lost it; the gainer is the side
            # named before (who took or announced it), else the owner's opponent
            m = _LEFT_TO.search(sentence[trig.end:])
            left_to = [self._resolve_generic(a.text, a.actor_id)
                       for a in self.actors.find(sentence[trig.end + m.end():trig.end + m.end() + 60])] if m else []
            owner = next((self._resolve_generic(a.text, a.actor_id)
                          for a in self.actors.find(sentence[trig.end:trig.end + (m.start() if m else 50)])), None)
            if owner is None:
                return (left_to[0], before, left_to[0]) if left_to else (actor1, before, after)
            named = [*left_to, *(self._resolve_generic(a.text, a.actor_id) for a in self.actors.find(sentence[:trig.start]))]
            gainer = next((a for a in named if a != owner), None) or self._opponent(owner)
            return gainer, owner, gainer
        lost = bool(_WITHDRAWAL.match(words) or _LOST.match(words)) or (
            bool(_EXPELLED.search(sentence[max(0, trig.start - 25):trig.end + 5]))
            and not (frame and frame.get("agent")) and actor1 is not None and after == actor1
            and not re.search(r"\bpar\s", sentence[trig.end:trig.end + 60].split(",")[0]))
        if not lost:
            return actor1, before, after
        loser = actor1
        m = _LEFT_TO.search(sentence[trig.end:])
        gainer = None
        if m:
            found = [a for a in self.actors.find(sentence[trig.end + m.end():trig.end + m.end() + 60])]
            gainer = self._resolve_generic(found[0].text, found[0].actor_id) if found else None
        if gainer is None and (_WITHDRAWAL.match(words) or _LOST.match(words)):
            gainer = self._opponent(loser)  # a town the army leaves falls to the side it was fighting
        return actor1, loser, gainer if gainer != loser else None

    def _control_sub_type(self, after: str | None, sentence: str, words: str = "") -> str:
        if re.search(r"revenir sous l['’]autorit|accord|r[ée]conciliation|remis|c[ée]d[ée]|sans combat",
                     sentence, re.I) or _WITHDRAWAL.match(words):
            return "non-violent transfer of territory"
        if after and self.actors.side(after) in GOVERNMENT_SIDES:
            return "government regains territory"
        return "non-state actor overtakes territory"

    def _places(self, locs: list[dict[str, Any]], trig: _Trigger, offset: int, date: dt.date | None,
                actors: list[str]) -> list[dict[str, Any]]:
        focus = Counter_mode([m["country_code"] for m in locs if m["feature_type"] != "country"]) or \
            Counter_mode([m["country_code"] for m in locs])
        t_pos = offset + trig.start

        def rank(m: dict[str, Any]) -> tuple[int, int, int]:
            return (0 if m["country_code"] == focus else 1, int(m["geo_precision"]), abs(m["start"] - t_pos))

        ordered = sorted(locs, key=rank)
        theatre = {self.theatre} | set(self.gazetteer.neighbours.get(self.theatre, [])) if self.theatre else set()
        if theatre:
            ordered = [m for m in ordered if m["country_code"] in theatre]
            if not ordered:
                return []  # talks in Astana or a statement in Washington are not events on this map
        if trig.category == "deescalation" and self.zones is not None and len(self.zones) and self._names_zone:
            zone_places = self._zone_places(ordered, date, actors)
            if zone_places:
                return zone_places
        # every place the sentence locates the event at ("frappes sur X, Y et Z"): towns, sites, provinces;
        # a country only when nothing more precise is named (such a report stays off the map)
        precise = [m for m in ordered if m["feature_type"] != "country"]
        if self.theatre and any(m["country_code"] == self.theatre for m in precise):
            # next to places of the theatre, a namesake abroad is a misread village, not a second front
            precise = [m for m in precise if m["country_code"] == self.theatre]
        text = self._text
        destination: list[dict[str, Any]] = []
        for m in sorted(precise, key=lambda m: m["start"]):
            if _DESTINATION.search(text[max(0, m["start"] - 45):m["start"]]) or (
                    _DEPARTURE.search(self._sentence) and (
                        _FOR_PLACE.search(text[max(0, m["start"] - 30):m["start"]])
                        or _ARRIVED.search(text[max(0, m["start"] - 45):m["start"]]))  # evacuees "arrivés à X"
            ) or (
                    destination and m["start"] - destination[-1]["start"] <= 90
                    and re.search(r"(?:,|\bet|\bou)\s+(?:(?:la|le|les) (?:ville|province|r[ée]gion|village|localit[ée])s?"
                                  r" d(?:e|u|es|['’])\s*)?$", text[destination[-1]["end"]:m["start"]])):
                destination.append(m)  # "vers Tall Khuraytah et Tall Baruq"
        if trig.category != "incident":  # evacuees and withdrawing fighters' destinations are not the place
            # (nor the province that situates a destination: "Jarablous, dans la province d'Alep")
            precise = [m for m in precise if m not in destination and not (
                int(m["geo_precision"]) >= 3 and m["feature_type"] != "country"
                and any(_covers(m["geometry"], d["geometry"], km=0.0) for d in destination))]
            if not precise and destination:
                return []
        # "a permis à Ankara de prendre": the capital of a foreign party of the event stands for that party
        capitals = {fold(c) for aid in actors for a in [self.actors.actors.get(aid)] if a is not None
                    and a.country_code and a.country_code != (self.default_focus or self.theatre)
                    for c in a.capitals}
        if capitals:
            precise = [m for m in precise if fold(text[m["start"]:m["end"]]) not in capitals
                       and fold(m["place_name"]) not in capitals]
            ordered = [m for m in ordered if fold(text[m["start"]:m["end"]]) not in capitals
                       and fold(m["place_name"]) not in capitals]
        # "l'offensive d'Ankara" (an actor), "un accord annoncé à Damas" (where it was said): never the place
        precise = [m for m in precise if not _ACTOR_GENITIVE.search(text[max(0, m["start"] - 30):m["start"]])
                   and not _ANNOUNCED_AT.search(text[max(0, m["start"] - 60):m["start"]])]
        ordered = [m for m in ordered if not _ACTOR_GENITIVE.search(text[max(0, m["start"] - 30):m["start"]])
                   and not _ANNOUNCED_AT.search(text[max(0, m["start"] - 60):m["start"]])]
        if not ordered:
            return []
        # the launch site of a strike ("tirés depuis X") is not its place; a strike named by its launch site alone
        # has no place here
        launched = [m for m in ordered if _LAUNCH_SITE.search(text[max(0, m["start"] - 60):m["start"]])]
        if launched:
            precise = [m for m in precise if m not in launched]
            ordered = [m for m in ordered if m not in launched]
            if not ordered:
                return []
        # the ends of a road ("l'autoroute reliant Damas à Alep") are never where the event is
        precise = [m for m in precise if not _ROAD_END.search(text[max(0, m["start"] - 60):m["start"]])]
        ordered = [m for m in ordered if not _ROAD_END.search(text[max(0, m["start"] - 60):m["start"]])]
        if not ordered:
            return []
        kept, reference_end = [], -1
        for m in sorted(precise, key=lambda m: m["start"]):
            if _REFERENCE_PLACE.search(text[max(0, m["start"] - 40):m["start"]]) or (
                    0 <= m["start"] - reference_end <= 30 and _LIST_NEXT.fullmatch(text[reference_end:m["start"]])):
                reference_end = m["end"]  # "entre les villes de Homs et de Hama": both only situate
            else:
                kept.append(m)
        kept.sort(key=lambda m: precise.index(m))
        chosen = kept or precise[:1] or ordered[:1]
        # "Khan Cheikhoun, dans la province d'Idleb": the province only situates the town
        towns = [m for m in chosen if int(m["geo_precision"]) <= 2]
        # ... even when the press names the governorate loosely ("Yabroud, dans la province de Damas" for Rif
        # Dimashq): a governorate apposed to a town within about 120 km situates it
        chosen = [m for m in chosen if int(m["geo_precision"]) <= 2 or m["feature_type"] == "country"
                  or not any(_covers(m["geometry"], t["geometry"]) or (
                      m["feature_type"] == "admin1" and t["start"] < m["start"]
                      and _SITUATES.match(text[t["end"]:m["start"]]) and _km(t["geometry"], m["geometry"]) <= 120)
                      for t in towns)]
        # "Jobar et Qaboun, dans l'est de Damas", "Jobar, à Damas": the town only situates its districts;
        # "X et ses alentours, dans la périphérie de Y": a city's outskirts reach further
        chosen = [m for m in chosen if not any(
            t["start"] < m["start"] and t["place_id"] != m["place_id"] and int(t["geo_precision"]) <= 2
            and _SITUATES.match(text[t["end"]:m["start"]])
            and _km(t["geometry"], m["geometry"]) <= (80 if _OUTSKIRTS.search(text[t["end"]:m["start"]]) else 10)
            for t in chosen)]
        out, seen = [], set()
        for m in chosen:
            if m["place_id"] in seen:
                continue
            seen.add(m["place_id"])
            # "dans le nord de la Syrie" is still a statement about a country: a report, not a map event
            prec = 4 if m["feature_type"] == "country" else int(m["geo_precision"])
            out.append({"place_id": m["place_id"], "place_name": m["place_name"],
                        "geo_precision": prec, "geometry": m["geometry"], "zone_id": None,
                        "start": m["start"]})
        return out

    def _zone_places(self, locs: list[dict[str, Any]], date: dt.date | None, actors: list[str]) -> list[dict]:
        """One place per de-escalation zone the sentence's toponyms lie in (valid at the date)."""
        import shapely

        kinds = {k for k, rx in _ZONE_KINDS if rx.search(self._sentence)}

        out: dict[str, dict[str, Any]] = {}
        for m in locs:
            if m["feature_type"] == "country":
                continue
            geom = m["geometry"]
            best: tuple[float, _Zone] | None = None
            for z in self._zone_list:
                if date is not None and ((z.valid_from and date < z.valid_from - dt.timedelta(days=62))
                                         or (z.valid_to and date > z.valid_to)):
                    continue
                d_km = shapely.distance(z.geometry, geom) * 111.0  # an area touching the zone: 0
                if d_km > 30:
                    continue
                score = d_km - 20 * len(z.parties & set(actors)) - (30 if z.kind and z.kind in kinds else 0)
                if z.valid_from is not None and date is not None:
                    score += abs((date - z.valid_from).days) / 30.0
                if best is None or score < best[0]:
                    best = (score, z)
            if best is not None:
                z = best[1]
                out.setdefault(z.zone_id, {"place_id": f"zone:{z.zone_id}", "place_name": z.name,
                                           "geo_precision": 3, "geometry": z.geometry, "zone_id": z.zone_id})
        return list(out.values())

    def _record(self, art: Article, category: str, sub_type: str, actors: list[str], actor1: str | None,
                actor2: str | None, before: str | None, after: str | None, place: dict[str, Any],
                date: dt.date | None, precision: str, inferred: bool, sentence: str, s: int, e: int,
                modality: str = "asserted", confidence: float = 1.0) -> dict[str, Any]:
        iso = date.isoformat() if date else ""
        key = f"{art.content_hash}|{s}|{category}|{sub_type}|{place['place_id']}"
        return {
            "event_id": "ev-" + hashlib.sha1(key.encode()).hexdigest()[:12],
            "article_id": art.article_id,
            "category": category,
            "sub_type": sub_type,
            "actors": actors,
            "actor1": actor1,
            "actor2": actor2,
            "controller_before": before if category == "control_change" else None,
            "controller_after": after if category == "control_change" else None,
            "place_id": place["place_id"],
            "place_name": place["place_name"],
            "geo_precision": int(place["geo_precision"]),
            "date": iso,
            "date_precision": precision if date else "",
            "date_inferred": bool(inferred),
            "quote": sentence.strip(),
            "source": art.source,
            "url": art.url,
            "start": s,
            "end": e,
            "zone_id": place.get("zone_id"),
            "modality": modality,
            "confidence": round(float(confidence), 2),
            "geometry": place["geometry"],
        }


_CLAIMED = re.compile(r"\b(?:aurai(?:en)?t|seraie?n?t)\s+(?:\w+\s+)?\w+[ée]e?s?\b|\baccus\w*|\baffirm\w*"
                      r"|\bpr[ée]tend\w*|\brevendiqu\w*", re.IGNORECASE)
_DENIED = re.compile(r"\bd[ée]men\w*|\bni[ée]\w*\b|\bn['’]\w+\s+(?:pas|jamais)\b|\bne\s+\w+\s+(?:pas|jamais)\b",
                     re.IGNORECASE)
_PLANNED = re.compile(r"\b(?:menac\w* d|sur le point d|à\s+[«\"“]?\s*(?:quelques|\d+(?:\s*-\s*\d+)?)\s+(?:heures|jours)\s*[»\"”]?\s+d[eu'’]|s['’]appr[êe]t\w* à|pr[ée]voi\w*|pr[ée]vu\w*|envisag\w*|tent\w*(?: \w+){0,5}? de"
                      r"|vis(?:e|ent|ait|aient|ant) à|d[ée]termination à|intention de|projet\w* de|veu\w* |voulo\w*|devr\w*"
                      r"|(?:va|vont|allait|allaient) \w+er\b|\b(?:pour|afin de) (?:en |y |l['’]|les? |la )?\w+(?:er|ir|re)$|cherch\w* à|s['’]effor[cç]\w* de|ambitionn\w*"
                      r"|(?:objectif|but)\w* (?:\w+ ){0,4}(?:est|serait|sera) de|pr[ée]par\w* (?:à|une?)\b)",
                      re.IGNORECASE)
_INCISE = re.compile(r",\s*(?:qui|ce qu['’]\w+|ce que)\b[^,;]{0,40},", re.IGNORECASE)
_DEMAND = re.compile(r"\b(?:exig|r[ée]clam|appel|demand|menac|propos|envisag|souhait|veu|voul|esp[èe]r|tent)\w*",
                     re.IGNORECASE)
# talks someone demands, sets conditions for or has yet to join: not held
_PENDING_TALKS = re.compile(r"\b(?:exigences?|conditions?|pr[ée]alables?|pr[ée]conditions?)\b[^.;:]{0,60}$"
                            r"|\b(?:pour|avant de|afin de|de)\s+(?:participer|prendre part|se joindre|rejoindre|aller|"
                            r"venir|se rendre)\s+(?:à|aux?)?\s*(?:des |les |la |l['’]|de nouvelles |ces )?$", re.IGNORECASE)
_HYPO = re.compile(r"\b(?:pourrai\w*|risqu\w*|en cas de|craint\w*|crainte"
                   r"|s(?:i\s+|['’])(?:les?|la|l['’]|des?|un|une|il|ils|elle|elles|on)\b)", re.IGNORECASE)


_URL_DATE = re.compile(r"(?<!\d)(20[0-3]\d)(?:[/_-]?)(0[1-9]|1[0-2])(?:(?:[/_-]?)(0[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)")
# a clause about the past of the story: pluperfect, "depuis", a participle or relative pronoun opening it
_LAUNCHED = re.compile(r"(?:lanc|d[ée]clench|entam|amorc|commenc|d[ée]but)[ée]e?s?\b", re.IGNORECASE)
_BACKGROUND_CLAUSE = (r"\bavai(?:en)?t\b[^,.;]{0,60}|\b(?:qui|dont|o[uù])\b[^,.;]{0,60}"
                      # a participle after its noun ("l'offensive lancée le 3 mars"), not a compound tense
                      r"|(?<!\ba )(?<!ont )(?<!t[ée] )(?<!vait )(?<!ient )(?<!est )(?<!sont )(?<!yant )"
                      r"\b(?:lanc|d[ée]clench|entam|amorc|commenc|d[ée]but)[ée]e?s?\s+(?:\w+\s+){0,2}"
                      r"|,\s*(?!(?:a|ont|avait|avaient|est|sont|[ée]tait|selon)\b)(?:\w+\s+){0,2}\w+(?:é|ée|és|ées|is|ise|ises)\b"
                      r"[^,.;]{0,50}")
_BACKGROUND_BEFORE = re.compile(rf"(?:{_BACKGROUND_CLAUSE})$", re.IGNORECASE)
# "la Turquie a lancé le 20 janvier": the start of a campaign (the text is written later)
_LAUNCH_DATE = re.compile(r"\b(?:lanc|d[ée]clench|entam)[ée]e?s?\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_BACKGROUND_OR_SINCE = re.compile(rf"(?:{_BACKGROUND_CLAUSE}|\bdepuis\s+(?:le\s+)?|\bd[èe]s\s+(?:le\s+)?)$",
                                  re.IGNORECASE)


def _background_start(m: Any, sentence: str) -> int | None:
    """Where the background clause holding a date mention starts ("une ville tombée ... en mai 2014",
    "qui avait été prise le 3 mars", "depuis le 5 mai"), or None when the date is not in one."""
    start = max(sentence.rfind(".", 0, m.start) + 1, m.start - 80)
    hit = _BACKGROUND_BEFORE.search(sentence[start:m.start])
    return None if hit is None else start + hit.start()


def _dates_trigger(m: Any, sentence: str, trig_start: int, trig_end: int) -> bool:
    """Whether a date mention may date the trigger at ``trig_start``: a date inside a background clause
    (relative clause, apposition, participle, pluperfect) only dates a trigger of that clause, or the
    event noun the clause describes ("des frappes, qui ont eu lieu mardi")."""
    b = _background_start(m, sentence)
    if b is None or (0 <= b - trig_end <= 12 and not re.search(r"[A-ZÀ-Ý]", sentence[trig_end:b])):
        return True
    if _LAUNCHED.match(sentence, b):
        return False  # "l'offensive lancée le 18 février a repris X": the launch, not the takeover
    end = sentence.find(",", m.end)
    end = len(sentence) if end < 0 else end
    return b <= trig_start <= end


def _url_date(url: str) -> tuple[dt.date | None, dt.date | None]:
    """(day, first day of the month) of writing stated by an article's URL ("/2017/04/12/", "/2017/04/")."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.IGNORECASE)
    for m in _URL_DATE.finditer(path):
        year, month = int(m.group(1)), int(m.group(2))
        if not 2000 <= year <= dt.date.today().year + 1:
            continue
        if m.group(3):
            try:
                return dt.date(year, month, int(m.group(3))), dt.date(year, month, 1)
            except ValueError:
                continue
        if re.search(r"[/_-]", m.group(0)):  # "2017/04", not a bare number "201704"
            return None, dt.date(year, month, 1)
    return None, None


def _latest_day_in(text: str, month: dt.date) -> dt.date | None:
    """The latest day date of ``text`` (year completed from ``month``) inside that month, else None."""
    from conflictmap.extract.dates import find_dates

    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    days = [m.end_date for m in find_dates(text, end) if m.precision == "day" and not m.relative
            and month <= m.end_date <= end]
    return max(days) if days else None


def _foreground_year(text: str, day: dt.date | None) -> bool:
    """Whether a full date or a month of ``day``'s year is stated outside a background clause (pluperfect, "depuis",
    a relative clause or a participle: "une ville prise le 10 octobre 2012")."""
    from conflictmap.extract.dates import find_dates

    if day is None:
        return False
    for m in find_dates(text, None):
        if m.precision not in ("day", "month") or m.date.year != day.year:
            continue
        if not _launch_or_background(m, text, launch=False):
            return True
    return False


def _settled(found: list[Any], ref_precision: str) -> list[Any]:
    """Date mentions of a sentence as far as an inferred reference allows: none of the deictic ones when the
    reference is only a lower bound ("floor"), deictic days at week precision when it is approximate."""
    if not ref_precision or not any(m.relative for m in found):
        return found
    if ref_precision == "floor":
        return [m for m in found if not m.relative]
    return [replace(m, precision="week") if m.relative and m.precision == "day" else m for m in found]


def _after_launch(art: Article, latest: dt.date) -> dt.date:
    """The reference of an undated article whose latest day date is ``latest``.

    When every statement of that day starts a campaign or lies in a background clause ("l'offensive
    lancée le 20 janvier", "a lancé le 27 novembre", "tenue depuis le 3 mars"), it is no reference for
    "hier" or "samedi": the writing is that day plus the time the text says the campaign has run
    ("après deux mois d'offensive", ``published_precision = "week"``), else only known to be later
    (``published_precision = "floor"``).
    """
    from conflictmap.extract.dates import elapsed_since_launch, find_dates

    stated = [m for m in find_dates(art.text, latest) if m.end_date == latest and not m.relative]
    if stated and all(_launch_or_background(m, art.text) for m in stated):
        after = elapsed_since_launch(art.text, latest)
        if after is not None:
            art.published_precision = "week"
            return after
        art.published_precision = "floor"
    return latest


def _launch_or_background(m: Any, text: str, launch: bool = True) -> bool:
    """Whether a date mention of ``text`` starts a period or lies in a background clause: "depuis
    décembre 2013", "dès le 3 mars", "l'offensive lancée le 18 février", "a lancé le 20 janvier",
    "une ville prise le 10 octobre 2012"."""
    if re.match(r"(?:depuis|d[èe]s)\b", m.text, re.IGNORECASE):
        return True
    start = max(text.rfind(".", 0, m.start) + 1, m.start - 80)
    before = text[start:m.start]
    return bool(_BACKGROUND_OR_SINCE.search(before) or (launch and _LAUNCH_DATE.search(before)))


def _share_dates(reports: list[dict[str, Any]], own: list[bool]) -> None:
    """A report without a date of its own takes the day date of a report of the same event in the article.

    Same category, same place and compatible actors: "Idlib est tombée sous le contrôle des jihadistes"
    is the takeover the lead dated "samedi".
    """
    for i, r in enumerate(reports):
        if own[i]:
            continue
        key = "controller_after" if r["category"] == "control_change" else "actor1"
        for j, q in enumerate(reports):
            if (own[j] and q["category"] == r["category"] and q["place_id"] == r["place_id"]
                    and q["date_precision"] == "day" and q["modality"] in FACTUAL
                    and r[key] and r[key] == q[key]):
                r["date"], r["date_precision"] = q["date"], "day"
                break


def _since(m: Any, sentence: str) -> bool:
    """Whether a date mention starts a period ("depuis le 18 février", "depuis le début de … le 30 septembre")."""
    return m.text.lower().startswith("depuis") or bool(_SINCE.search(sentence[max(0, m.start - 45):m.start]))


_OUTSKIRTS = re.compile(r"banlieue|campagne|p[ée]riph[ée]rie|faubourgs?|environs|alentours", re.IGNORECASE)
_SITUATES = re.compile(r"^(?:\s+et\s+(?:ses|leurs)\s+(?:environs|alentours))?[\s,]*(?:,\s*(?:dans|à|au|en)\b|(?:dans|à) (?:l['’]|le |la )?(?:nord|sud|est|ouest|centre|p[ée]riph[ée]rie"
                       r"|banlieue|faubourgs?)(?:-\w+)?\s+(?:de |d['’]|du ))[^,;.]{0,25}$", re.IGNORECASE)


def _km(a: Any, b: Any) -> float:
    """Distance in km between two geometries' representative points."""
    return distance_km(*_point(a), *_point(b))


def _namesake_province(r: dict[str, Any], q: dict[str, Any], gr: Any, gq: Any) -> bool:
    """Whether one report is at a province and the other at its namesake capital inside it."""
    for a, b, ga, gb in ((r, q, gr, gq), (q, r, gq, gr)):
        if (int(a["geo_precision"]) == 3 and int(b["geo_precision"]) == 1
                and fold(str(b["place_name"])) in fold(str(a["place_name"])) and _covers(ga, gb, km=0.0)):
            return True
    return False


def _covers(area: Any, geom: Any, km: float = 8.0) -> bool:
    """Whether an area (a province, a region) contains a place or lies within ``km`` of it."""
    if area is None or geom is None:
        return False
    try:
        return bool(area.covers(geom)) or area.distance(geom) * 111.0 <= km
    except Exception:  # noqa: BLE001 - invalid geometry: not a container
        return False


def _text_modality(before: str) -> str:
    """Modality from the words before a trigger the parse did not anchor (fallback of the frames)."""
    # an incise describes its antecedent: "ont accusé le régime, qui a démenti, d'avoir frappé" is an accusation
    tail = _INCISE.sub(" ", before[-80:])
    if _DENIED.search(tail):
        return "denied"
    if _HYPO.search(tail):
        return "hypothetical"
    if _PLANNED.search(tail):
        return "planned"
    if _CLAIMED.search(tail):
        return "claimed"
    return "asserted"


def _frame_for(frames: list[dict[str, Any]], start: int, end: int, s: int, e: int) -> dict[str, Any] | None:
    """The parse frame of a trigger found by the lexicon: the frame of an overlapping token, else of the
    closest trigger token of the same sentence within a few words (multi-word triggers)."""
    best: tuple[int, dict[str, Any]] | None = None
    for f in frames:
        if f["start"] >= e or f["end"] <= s:
            continue
        if f["start"] < end and start < f["end"]:
            return f
        gap = f["start"] - end if f["start"] >= end else start - f["end"]
        if gap <= 12 and (best is None or gap < best[0]):
            best = (gap, f)
    return best[1] if best else None


def _confidence(explicit_actor: bool, explicit_date: bool, geo_precision: int, modality: str) -> float:
    """Confidence 0–1 from the evidence used: explicit actor, own day-precise date, precise place, asserted."""
    score = 0.25
    score += 0.2 if explicit_actor else 0.0
    score += 0.2 if explicit_date else 0.0
    score += {1: 0.2, 2: 0.15, 3: 0.1}.get(geo_precision, 0.0)
    score += {"asserted": 0.15, "claimed": 0.05}.get(modality, 0.0)
    return min(1.0, score)


def Counter_mode(values: list[str]) -> str:  # noqa: N802 - tiny helper
    """Most common value ("" if none)."""
    from collections import Counter

    c = Counter(v for v in values if v)
    return c.most_common(1)[0][0] if c else ""


# --------------------------------------------------------------------------- frames, merging, control


def reports_frame(records: Iterable[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Report records → GeoDataFrame of :data:`REPORT_COLUMNS` (EPSG:4326)."""
    rows = list(records)
    df = pd.DataFrame([{c: r.get(c) for c in REPORT_COLUMNS} for r in rows], columns=REPORT_COLUMNS)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=CRS), crs=CRS)
    gdf["actors"] = gdf["actors"].apply(lambda v: list(v) if v is not None else [])
    return gdf.astype({"start": "int64", "end": "int64", "geo_precision": "int64", "date_inferred": "bool"})


def _point(geom: Any) -> tuple[float, float]:
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return p.y, p.x


def map_reports(reports: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The reports that become events on the map: asserted or claimed, located below country level.

    Denied, planned and hypothetical reports, and statements about a whole country, stay in the
    reports (with their ``modality`` and ``geo_precision``) but are not events.
    """
    if not len(reports):
        return reports
    keep = reports["geo_precision"].astype(int) < 4
    if "modality" in reports.columns:
        keep &= reports["modality"].fillna("asserted").isin(sorted(FACTUAL))
    return reports[keep].reset_index(drop=True)


def merge_reports(reports: gpd.GeoDataFrame, max_km: float = 30.0, max_days: int = 1) -> gpd.GeoDataFrame:
    """Merge reports of the same event: same category and sub-type family, places within
    ``max_km``, dates within ``max_days`` (or both undated and from the same article), into one event
    with all sources.

    Parameters
    ----------
    reports : geopandas.GeoDataFrame
        From :func:`reports_frame`.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`conflictmap.store.schema.EVENT_COLUMNS`; the most informative report (a named actor or
        gainer, then the highest confidence; the earliest on ties) gives the event's fields,
        ``sources`` lists every report as JSON.
    """
    from conflictmap import store

    rows = reports.reset_index(drop=True)
    recs = rows.drop(columns="geometry").to_dict("records")  # plain Python rows: no per-cell pandas access
    geoms = list(rows.geometry)
    pts = [_point(g) for g in geoms]
    days = [dt.date.fromisoformat(r["date"]).toordinal() if r["date"] else None for r in recs]
    groups: list[list[int]] = []
    # candidate groups indexed by (category, day): a report only meets groups dated within max_days
    index: dict[tuple[str, int | None], list[int]] = {}
    for i, r in enumerate(recs):
        cat, day = r["category"], days[i]
        keys = [(cat, None)] if day is None else [(cat, day + k) for k in range(-max_days, max_days + 1)]
        placed = None
        for key in keys:
            for g in index.get(key, ()):
                j = groups[g][0]
                q = recs[j]
                if day is None and r["article_id"] != q["article_id"]:
                    continue  # undated reports of two articles: nothing says they tell the same event
                if not (r["place_id"] == q["place_id"] or distance_km(*pts[i], *pts[j]) <= max_km
                        or (r["article_id"] == q["article_id"] and _namesake_province(r, q, geoms[i], geoms[j]))):
                    continue  # (the article's "province de Homs" report and its "Homs" report: one place)
                if (r["article_id"] == q["article_id"] and r["start"] == q["start"]
                        and r["place_id"] != q["place_id"]
                        and (distance_km(*pts[i], *pts[j]) > 10
                             or (int(r["geo_precision"]) == int(q["geo_precision"]) == 2
                                 and distance_km(*pts[i], *pts[j]) > 1)
                             or (int(r["geo_precision"]) == int(q["geo_precision"]) == 1
                                 and distance_km(*pts[i], *pts[j]) > 2))):
                    # "frappes sur X et Y": one sentence, two towns (neighbouring villages too) or two
                    # districts, two events ("Jobar, à Damas": one)
                    continue
                if (r["article_id"] == q["article_id"] and r["start"] != q["start"]
                        and (_distinct_sites(r, q, pts[i], pts[j]) or _ELSEWHERE.match(r["quote"] or ""))):
                    # a roll-up of one day's hits, one per sentence ("un obus est tombé sur le quartier X ...
                    # trois morts dans le pilonnage de Y"): two towns or two districts apart are two events
                    continue
                if cat == "incident" and r["sub_type"] != q["sub_type"] and r["article_id"] == q["article_id"]:
                    continue
                if day is not None and r["article_id"] != q["article_id"] and (_estimated(r) or _estimated(q)):
                    continue  # a date estimated to the week does not make two articles' reports one event
                if r["actor1"] and q["actor1"] and r["actor1"] != q["actor1"]:
                    continue  # the army's strike and the rebels' attack are two events
                placed = g
                break
            if placed is not None:
                break
        if placed is None:
            groups.append([i])
            index.setdefault((cat, day), []).append(len(groups) - 1)
        else:
            groups[placed].append(i)
    records = []
    for grp in groups:
        # the event's fields come from its most informative report (named actor, then confidence), the
        # earliest on ties
        def informative(i: int) -> tuple[bool, float, int]:
            key = "controller_after" if recs[i]["category"] == "control_change" else "actor1"
            conf = recs[i].get("confidence")
            return (bool(recs[i].get(key)), float(conf) if conf is not None else 1.0, -i)

        first = dict(recs[max(grp, key=informative)])
        srcs = [{"article_id": recs[i]["article_id"], "quote": recs[i]["quote"], "start": int(recs[i]["start"]),
                 "end": int(recs[i]["end"]), "source": recs[i]["source"], "url": recs[i]["url"]} for i in grp]
        actors: list[str] = []
        for i in grp:
            for a in recs[i]["actors"]:
                if a not in actors:
                    actors.append(a)
        first["actors"] = actors
        first["sources"] = json.dumps(srcs, ensure_ascii=False)
        first["n_sources"] = len(grp)
        mods = [recs[i].get("modality") or "asserted" for i in grp]
        first["modality"] = "asserted" if "asserted" in mods else mods[0]
        first["confidence"] = max(float(recs[i].get("confidence") if recs[i].get("confidence") is not None
                                        else 1.0) for i in grp)
        best = min(grp, key=lambda i: int(recs[i]["geo_precision"]))  # the most precise place among the reports
        for c in ("place_id", "place_name", "geo_precision", "zone_id"):
            first[c] = recs[best][c]
        first["geometry"] = geoms[best]
        records.append(first)
    return store.events_frame(records)


# "Ailleurs à Damas, ...", "Dans un autre incident, ...": the sentence tells another event than those before it
_ELSEWHERE = re.compile(r"\W*(?:ailleurs|par ailleurs|dans un autre (?:incident|attentat|secteur|quartier)|s[ée]par[ée]ment)\b",
                        re.IGNORECASE)


def _distinct_sites(r: dict[str, Any], q: dict[str, Any], pr: tuple[float, float], pq: tuple[float, float]) -> bool:
    """Whether two reports of one article, told in different sentences, name two separate sites.

    Two towns more than 5 km apart, or two districts more than 2 km apart, are separate sites; a town and
    a place of another precision may be the same site told twice (a city and its district, a province and
    its town, "une base au sud de Damas" and the base's town).

    Parameters
    ----------
    r, q : dict
        Report records (``place_id``, ``geo_precision``).
    pr, pq : tuple of float
        Their points (lat, lon).

    Returns
    -------
    bool
        True when the two places cannot be one event's place.
    """
    if r["place_id"] == q["place_id"]:
        return False
    pr_, pq_ = int(r["geo_precision"]), int(q["geo_precision"])
    if pr_ != pq_ or pr_ > 2:
        return False
    return distance_km(*pr, *pq) > (5.0 if pr_ == 2 else 2.0)


def _estimated(rec: dict[str, Any]) -> bool:
    """Whether a report's date is only estimated: coarser than a day, from an inferred publication date."""
    return bool(rec.get("date_inferred")) and rec.get("date_precision") != "day"


def control_table(events: gpd.GeoDataFrame) -> pd.DataFrame:
    """Control changes over time: one row per ``control_change`` event, sorted by place and date."""
    from conflictmap import store

    cc = events[events["category"] == "control_change"] if len(events) else events
    rows = [{"place_id": r.place_id, "place_name": r.place_name, "date": r.date,
             "controller_before": r.controller_before, "controller_after": r.controller_after,
             "event_id": r.event_id, "sources": r.sources} for r in cc.itertuples()]
    df = store.control_frame(rows)
    return df.sort_values(["place_id", "date"]).reset_index(drop=True)


def controller_on(control: pd.DataFrame, place_id: str, date: str | dt.date) -> str | None:
    """Who held ``place_id`` on ``date`` according to the control table (None if unknown)."""
    d = date.isoformat() if isinstance(date, dt.date) else str(date)
    rows = control[(control["place_id"] == place_id) & (control["date"] != "")]
    if not len(rows):
        return None
    before = rows[rows["date"] <= d]
    if len(before):
        return before.iloc[-1]["controller_after"]
    return rows.iloc[0]["controller_before"]
