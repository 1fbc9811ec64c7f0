"""The actor lexicon: aliases found in text, and nationality words that qualify a place."""

from __future__ import annotations

import pytest

from conflictmap.extract.actors import ActorLexicon
from conflictmap.settings import Settings


@pytest.fixture(scope="module")
def lexicon() -> ActorLexicon:
    return ActorLexicon.load(Settings().data_dir / "actors.csv")


@pytest.mark.parametrize("text,expected", [
    ("Les forces turques ont bombardé Tal Rifaat.", ["TUR"]),
    ("Un raid turc a visé Ain Issa.", ["TUR"]),
    ("Une voiture piégée a explosé près de la frontière turque.", []),
    ("Des obus sont tombés sur la ville turque de Kilis.", []),
    ("Le territoire libanais a été visé par des tirs israéliens.", ["ISR"]),
])
def test_a_nationality_word_after_a_place_noun_is_no_actor(lexicon: ActorLexicon, text: str,
                                                           expected: list[str]) -> None:
    assert [a.actor_id for a in lexicon.find(text)] == expected
