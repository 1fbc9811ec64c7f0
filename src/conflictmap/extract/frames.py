"""Event frames from the dependency parse: trigger, agent, patient, supporters and modality.

The ``conflictmap_frames`` component (registered with :func:`spacy.language.Language.factory`)
finds event triggers by lemma (one-token lemma patterns, tested on the doc's attribute array) (verbs such as *bombarder*,
*reprendre*, *encercler*; event nouns such as *frappe*, *offensive*, *embuscade*) and reads, from
the parse of the trigger's clause:

- the **agent**: ``obl:agent`` ("par les forces turques") of a passive verb, else the ``nsubj``
  of an active one; for an event noun its ``de`` complement or adjective ("frappes russes");
- the **patient**: ``nsubj:pass`` or ``obj``;
- the **supporters**: "avec le soutien de X", "appuyé(e)s / soutenu(e)s par X" (never the agent);
- the **modality** (:data:`conflictmap.store.schema.MODALITIES`): ``asserted``, ``claimed`` (journalistic
  conditional "aurait frappé", accusations, claims), ``denied`` (negation, *démentir*), ``planned``
  (future, *aller* + infinitive, *menacer de*, *s'apprêter à*, *tenter de*, "pour" + infinitive…),
  ``hypothetical`` (*pourrait*, "si …", questions).

Frames are stored as plain, serialisable dicts (character offsets) in
``doc.user_data["conflictmap_frames"]`` so that event extraction can run on records, in worker
processes too. Nothing is loaded at import time.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from spacy.attrs import LEMMA, LOWER, POS
from spacy.language import Language
from spacy.symbols import NOUN, VERB
from spacy.tokens import Doc, Span, Token

#: Trigger lemmas (verbs and event nouns) → category. The regular lexicon of
#: :mod:`conflictmap.extract.events` decides sub-types; these lemmas anchor frames in the parse.
TRIGGER_LEMMAS: dict[str, str] = {
    **{v: "incident" for v in (
        "bombarder", "frapper", "pilonner", "attaquer", "viser", "cibler", "toucher", "tuer", "abattre",
        "assassiner", "enlever", "kidnapper", "exploser", "tirer", "mitrailler", "détruire", "encercler",
        "assiéger", "affronter", "combattre", "bombardement", "frappe", "raid", "attaque", "attentat",
        "offensive", "assaut", "embuscade", "combat", "affrontement", "explosion", "tir", "obus", "roquette",
        "missile", "encerclement", "enlèvement", "pilonnage", "accrochage", "heurt", "contre-offensive",
        "bataille", "opération", "incursion", "infiltration", "larguer", "exécuter", "décapiter",
        "déflagration", "mitraillage", "rapt")},
    **{v: "control_change" for v in (
        "reprendre", "prendre", "conquérir", "reconquérir", "libérer", "chasser", "déloger", "emparer",
        "contrôler", "capturer", "entrer", "pénétrer", "retirer", "évacuer", "quitter", "rendre", "céder",
        "remettre", "tomber", "reprise", "prise", "conquête", "reconquête", "libération", "retrait",
        "reddition", "capitulation", "chute", "investir")},
    **{v: "deescalation" for v in (
        "trêve", "cessez-le-feu", "accord", "évacuation", "négociation", "réconciliation", "mémorandum")},
}
#: Verbs whose complement is only intended, threatened or prepared.
PLAN_LEMMAS = frozenset({
    "menacer", "prévoir", "projeter", "vouloir", "tenter", "chercher", "apprêter", "préparer", "envisager",
    "compter", "promettre", "planifier", "exiger", "réclamer", "demander", "appeler", "espérer",
    "essayer", "aller", "devoir", "entendre", "souhaiter", "proposer",
    "ordonner", "prêt", "détermination", "intention", "menace", "projet",
    "objectif", "but", "plan", "volonté", "marteler", "empêcher", "éviter", "refuser", "craindre"})
#: Verbs whose complement is denied.
DENY_LEMMAS = frozenset({"démentir", "nier", "réfuter", "contester", "démenti", "rejeter"})
#: Verbs whose complement is a claim by a party (kept on the map, drawn as claimed).
CLAIM_LEMMAS = frozenset({"accuser", "imputer", "affirmer", "prétendre", "revendiquer", "assurer", "dénoncer",
                          "accusation", "allégation", "selon"})
#: Verbs whose complement is only possible.
HYPO_LEMMAS = frozenset({"pouvoir", "risquer", "risque", "craindre"})
_NEG = frozenset({"pas", "jamais", "aucun", "aucune", "ni", "nullement", "guère", "sans"})
_SUPPORT_NOUNS = frozenset({"soutien", "appui", "aide", "couverture", "renfort", "concours"})
_SUPPORT_VERBS = frozenset({"soutenir", "appuyer", "épauler", "aider", "couvrir", "accompagner", "encadrer",
                            "parrainer", "armer", "financer"})


#: Participles whose agent carries out the event noun they follow ("frappes menées par …").
_CARRY_OUT = frozenset({"mener", "lancer", "conduire", "perpétrer", "effectuer", "revendiquer", "opérer",
                        "commettre", "orchestrer", "exécuter"})
#: Verbs whose object is what an event noun subject hit ("une frappe a touché un hôpital").
_HIT = frozenset({"frapper", "toucher", "viser", "cibler", "détruire", "tuer", "blesser", "endommager", "secouer",
                  "dévaster", "ravager", "souffler"})
#: Verbs whose subject reports or suffers an event rather than carrying it out.
_REPORTING = frozenset({"annoncer", "affirmer", "indiquer", "déclarer", "dire", "rapporter", "accuser", "dénoncer",
                        "condamner", "démentir", "nier", "fuir", "subir", "essuyer", "craindre", "confirmer",
                        "préciser", "signaler", "évoquer", "publier", "faire", "tuer", "blesser", "toucher"})


#: "malgré les frappes", "en dépit des raids": an event the clause subject suffers, not carries out.
DESPITE = re.compile(r"(?:malgr[ée]|en d[ée]pit d(?:e|es|u|['’])|face [àa]u?x?|sous)\s*(?:les |la |le |l['’]|des |de )?$",
                      re.IGNORECASE)


def _span_chars(tok: Token) -> tuple[int, int]:
    """Character span of a token's subtree, cut before a relative clause or apposition."""
    left, right = tok.left_edge.i, tok.right_edge.i
    doc = tok.doc
    for child in tok.lefts:  # a fronted adverbial the parser hung on the noun is not part of the phrase
        if child.dep_ in ("obl", "obl:mod", "advcl", "punct", "nmod") or any(
                doc[k].text == "," for k in range(child.right_edge.i, tok.i)):
            left = max(left, child.right_edge.i + 1)
    for child in tok.rights:
        cases = {g.lower_ for g in child.children if g.dep_ == "case"}
        if (child.dep_ in ("acl:relcl", "appos", "acl", "punct", "conj", "cc")
                or (cases and not cases & {"de", "du", "des", "d'", "d’"})) and child.i > tok.i:
            # "les combats contre les FDS": the agent phrase stops before other complements
            right = min(right, child.left_edge.i - 1)
            break
    right = max(right, tok.i)
    left = min(left, tok.i)
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def _inside(tok: Token, head: Token) -> bool:
    """Whether ``tok`` lies inside the phrase of ``head`` as :func:`_span_chars` cuts it."""
    a, b = _span_chars(head)
    return a <= tok.idx < b


def _clause_verb(tok: Token) -> Token:
    """The verb whose clause holds ``tok`` (``tok`` itself for a verb)."""
    cur = tok
    for _ in range(5):
        if cur.pos_ in ("VERB", "AUX") or cur.head is cur:
            return cur
        cur = cur.head
    return cur


def _is_passive(verb: Token) -> bool:
    return "Pass" in verb.morph.get("Voice") or any(c.dep_ == "aux:pass" for c in verb.children)


def _agent(trigger: Token, verb: Token) -> Token | None:
    if trigger.pos_ == "NOUN":
        for c in [*trigger.children, *trigger.head.children]:  # "frappes menées par les Etats-Unis"
            if c.dep_ == "acl" and c.lemma_ in _CARRY_OUT and c.i > trigger.i:
                agent = next((g for g in c.children if g.dep_ == "obl:agent"), None)
                if agent is not None:
                    return agent
        for c in trigger.children:  # "frappes de la coalition", "raids russes", "frappes par des avions"
            if c.dep_ in ("nmod", "obl:agent") and any(g.lemma_ in ("de", "du", "par") for g in c.children
                                                      if g.dep_ == "case"):
                if c.lemma_ not in _SUPPORT_NOUNS:
                    return c
            if c.dep_ == "amod" and c.pos_ == "ADJ" and c.i > trigger.i:
                return c
        # the few words before the trigger (a span's text, not ``doc.text``, which rebuilds the whole text)
        before = trigger.doc[max(0, trigger.i - 6):trigger.i].text[-25:]
        if (verb is not trigger and verb.pos_ == "VERB" and verb.lemma_ not in _REPORTING
                and not DESPITE.search(before)):  # "ils avancent malgré les frappes": not their strikes
            # "l'armée a lancé une offensive", "après dix jours d'offensive, les FDS encerclent Manbij":
            # an event noun without its own agent is carried out by the subject of its clause
            agent = _verb_agent(verb)
            if agent is not None and agent is not trigger and not (agent.i < trigger.i and _inside(trigger, agent)):
                return agent
        return None
    return _verb_agent(verb)


def _verb_agent(verb: Token) -> Token | None:
    passive = _is_passive(verb)
    cands = list(verb.children) + [g for c in verb.children if c.dep_ in ("xcomp", "obl:arg") for g in c.children]
    for c in cands:
        if c.dep_ == "obl:agent":
            return c
    if not passive:
        for c in verb.children:
            if c.dep_ == "nsubj":
                return c
        # an infinitive or participle under a verb that carries the subject ("ont tenté de reprendre")
        if verb.dep_ in ("xcomp", "conj") and verb.head is not verb:
            for c in verb.head.children:
                if c.dep_ == "nsubj":
                    return c
    return None


def _patient(verb: Token) -> Token | None:
    passive = _is_passive(verb)
    for c in verb.children:
        if (passive and c.dep_ == "nsubj:pass") or (not passive and c.dep_ == "obj"):
            return c
    return None


def _supporters(verb: Token, trigger: Token) -> list[Token]:
    out = []
    for head in {verb, trigger}:
        for c in head.subtree:
            if c.lemma_ in _SUPPORT_NOUNS and c.pos_ == "NOUN":
                out.extend(g for g in c.children if g.dep_ == "nmod")
            elif c.lemma_ in _SUPPORT_VERBS and c.pos_ in ("VERB", "ADJ"):
                out.extend(g for g in c.children if g.dep_ == "obl:agent")
    return out


def modality(trigger: Token) -> str:
    """The modality of the event a trigger token reports (see :data:`conflictmap.store.schema.MODALITIES`).

    Parameters
    ----------
    trigger : spacy.tokens.Token
        A trigger verb or event noun.

    Returns
    -------
    str
        One of :data:`conflictmap.store.schema.MODALITIES`.
    """
    verb = _clause_verb(trigger)
    sent = trigger.sent
    # negation on the trigger ("aucune frappe", "sans combat") or its verb ("n'a pas été touchée")
    if any(c.lower_ in _NEG for c in trigger.children if c.dep_ in ("det", "advmod", "case", "cc")):
        return "denied"
    chain = [verb]
    cur = verb
    for _ in range(4):  # the governing verbs: "a démenti avoir frappé", "menacent d'attaquer"
        # a participle describing a noun ("le quartier assiégé par l'armée") does not climb to the noun's verb
        loose = cur.dep_ in ("acl", "nmod") and ("Inf" in cur.morph.get("VerbForm") or cur.pos_ == "NOUN")
        if (cur.dep_ in ("xcomp", "ccomp", "csubj", "obj", "obl:arg", "conj") or loose) and cur.head is not cur:
            cur = cur.head
            chain.append(cur)
        else:
            break
    if trigger.dep_ in ("obj", "nmod", "obl:arg", "xcomp") and trigger.head is not verb:
        chain.insert(0, trigger.head)
    neg_verb = any(c.lower_ in _NEG or "Neg" in c.morph.get("Polarity") for c in verb.children
                   if c.dep_ in ("advmod", "det"))
    if neg_verb:
        return "denied"
    for g in chain[1:] if chain and chain[0] is verb else chain:
        if g is trigger:
            continue
        if g.lemma_ in DENY_LEMMAS:
            if _incise(g, trigger):  # "ont accusé le régime, qui a démenti, d'avoir frappé": an accusation
                return "claimed" if g.head.lemma_ in CLAIM_LEMMAS else "asserted"
            return "denied"
        if g.lemma_ in HYPO_LEMMAS or (g.lemma_ in ("pouvoir", "devoir") and "Cnd" in g.morph.get("Mood")):
            return "hypothetical"
        if g.lemma_ in PLAN_LEMMAS or (g.lemma_ == "viser" and any(
                c.dep_ in ("xcomp", "ccomp") and "Inf" in c.morph.get("VerbForm") for c in g.children)):
            return "planned"  # "menacent d'attaquer"; "visent à reprendre" (but "ont visé Alep" is an attack)
        if g.lemma_ in CLAIM_LEMMAS:
            return "claimed"
    doc = trigger.doc
    if any(c.dep_ == "mark" and c.pos_ == "SCONJ" and c.lower_ in ("si", "s'")
           and not (c.i + 1 < len(doc) and doc[c.i + 1].pos_ in ("ADJ", "ADV")) for c in verb.children):
        return "hypothetical"
    if sent.text.rstrip().endswith("?"):
        return "hypothetical"
    if "Inf" in verb.morph.get("VerbForm") and any(c.dep_ == "mark" and c.lower_ in ("pour", "afin")
                                                   for c in verb.children):
        return "planned"  # "une opération pour en chasser l'EI": a purpose, not a fact
    auxes = [c for c in verb.children if c.dep_.startswith("aux")]
    moods = {m for t in (verb, *auxes) for m in t.morph.get("Mood")}
    tenses = {m for t in (verb, *auxes) for m in t.morph.get("Tense") if "Fin" in t.morph.get("VerbForm")}
    if "Cnd" in moods:
        return "claimed" if auxes else "hypothetical"
    if "Fut" in tenses:
        return "planned"
    return "asserted"


def _incise(verb: Token, trigger: Token) -> bool:
    """Whether ``verb`` heads a relative incise set off by commas before ``trigger`` (", qui a démenti,"):
    it describes the antecedent, it does not govern the event (the small model often hangs the event on it)."""
    if not any(c.dep_.startswith("nsubj") and c.lower_ == "qui" for c in verb.children):
        return False
    doc = verb.doc
    return any(doc[k].text == "," for k in range(verb.i + 1, trigger.i)) and any(
        doc[k].text == "," for k in range(max(0, verb.i - 4), verb.i))


class EventFrames:
    """spaCy component: store event frames of every trigger in ``doc.user_data["conflictmap_frames"]``.

    Parameters
    ----------
    nlp : spacy.language.Language
        The pipeline (for the matcher's vocabulary).
    """

    def __init__(self, nlp: Language) -> None:
        # One-token patterns (a trigger lemma or word, as a verb or a noun): the same test as a
        # ``Matcher`` with ``{"LEMMA": {"IN": ...}, "POS": {"IN": ["VERB", "NOUN"]}}``, made on the
        # doc's attribute array at once (the Matcher cost as much as the rest of the component).
        self._words = np.array(sorted(nlp.vocab.strings.add(w) for w in TRIGGER_LEMMAS), dtype=np.uint64)
        self._pos = np.array([VERB, NOUN], dtype=np.uint64)

    def triggers(self, doc: Doc) -> list[int]:
        """Indices of the trigger tokens of ``doc`` (lemma or lower-case form in :data:`TRIGGER_LEMMAS`,
        part of speech VERB or NOUN), in document order."""
        if not len(doc):
            return []
        arr = doc.to_array([LEMMA, LOWER, POS]).astype(np.uint64, copy=False)
        mask = (np.isin(arr[:, 0], self._words) | np.isin(arr[:, 1], self._words)) & np.isin(arr[:, 2], self._pos)
        return [int(i) for i in np.flatnonzero(mask)]

    def __call__(self, doc: Doc) -> Doc:
        frames: list[dict[str, Any]] = []
        if not doc.has_annotation("DEP"):
            doc.user_data["conflictmap_frames"] = frames
            return doc
        for i in self.triggers(doc):
            frames.append(frame_of(doc[i]))
        frames.sort(key=lambda f: f["start"])
        doc.user_data["conflictmap_frames"] = frames
        return doc


def frame_of(tok: Token) -> dict[str, Any]:
    """The frame of one trigger token, as a plain dict of character offsets."""
    verb = _clause_verb(tok)
    agent = _agent(tok, verb)
    # "Un attentat a frappé le siège d'une faction": an event noun subject shares its verb's patient
    patient = _patient(verb) if tok.pos_ == "VERB" or (tok.dep_ == "nsubj" and verb is not tok
                                                       and verb.lemma_ in _HIT) else None
    lemma = tok.lemma_ if tok.lemma_ in TRIGGER_LEMMAS else tok.lower_
    return {
        "start": tok.idx,
        "end": tok.idx + len(tok.text),
        "lemma": lemma,
        "category": TRIGGER_LEMMAS.get(lemma, ""),
        "modality": modality(tok),
        "passive": _is_passive(verb),
        "agent": _span_chars(agent) if agent is not None else None,
        "patient": _span_chars(patient) if patient is not None else None,
        "supporters": [_span_chars(s) for s in _supporters(verb, tok)],
        "verb": (verb.idx, verb.idx + len(verb.text)),
    }


def sentence_frames(span: Span) -> list[dict[str, Any]]:
    """Frames of the triggers of one span (for tests and debugging)."""
    return [frame_of(t) for t in span if t.pos_ in ("VERB", "NOUN")
            and (t.lemma_ in TRIGGER_LEMMAS or t.lower_ in TRIGGER_LEMMAS)]


@Language.factory("conflictmap_frames")
def make_event_frames(nlp: Language, name: str) -> EventFrames:
    """Factory of the ``conflictmap_frames`` component."""
    return EventFrames(nlp)
