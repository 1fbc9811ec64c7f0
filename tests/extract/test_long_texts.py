"""Long articles: analysed in pieces under spaCy's limit, offsets into the whole text, never fatal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from conflictmap.extract.articles import Article
from conflictmap.cli import app
from conflictmap.extract.pipeline import Pipeline, merge_records, split_spans

PARA = ("Des tirs d'artillerie ont visé le quartier de Salaheddine à Alep le 4 juin 2016, selon des "
        "secouristes. Plus au sud, des combats ont éclaté près de Maarrat al-Nouman.")


@given(text=st.text(alphabet=st.sampled_from("ab .\n!?,;"), max_size=400), limit=st.integers(1, 60))
@hsettings(max_examples=300, deadline=None)
def test_pieces_cover_the_text_exactly_and_stay_under_the_limit(text: str, limit: int) -> None:
    spans = split_spans(text, limit)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a < b or len(text) == 0 for a, b in spans)
    assert all(b - a <= limit for a, b in spans)
    assert all(spans[k][1] == spans[k + 1][0] for k in range(len(spans) - 1))


@given(extra=st.integers(-3, 3))
@hsettings(max_examples=20, deadline=None)
def test_sizes_around_the_limit(extra: int) -> None:
    limit = 1000
    text = ("mot " * 400)[: limit + extra]
    spans = split_spans(text, limit)
    assert len(spans) == (1 if len(text) <= limit else 2)
    assert "".join(text[a:b] for a, b in spans) == text


def test_cuts_prefer_paragraphs_then_sentences() -> None:
    text = "Premier paragraphe. Suite.\n\nDeuxième paragraphe, assez long pour la coupe."
    (a, b), (c, d) = split_spans(text, 50)
    assert text[a:b].endswith("\n\n") and text[c:d].startswith("Deuxième")
    text2 = "Une phrase courte ici. Une autre phrase qui suit sans saut de ligne du tout."
    first = split_spans(text2, 40)[0]
    assert text2[first[0]:first[1]] == "Une phrase courte ici. "


def test_split_spans_rejects_a_bad_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_spans("abc", 0)


def test_merge_records_shifts_offsets_back() -> None:
    rec = {"sents": [(0, 5)], "toponyms": [{"text": "Alep", "start": 1, "end": 5}], "focus": "SY",
           "unresolved": ["X"], "unresolved_spans": [["X", 0, 1]]}
    merged = merge_records([(0, rec), (100, rec)])
    assert merged["sents"] == [(0, 5), (100, 105)]
    assert [t["start"] for t in merged["toponyms"]] == [1, 101]
    assert merged["unresolved_spans"][1] == ["X", 100, 101] and merged["focus"] == "SY"


def test_an_article_analysed_in_pieces_finds_what_the_whole_finds(pipeline) -> None:  # type: ignore[no-untyped-def]
    text = "\n\n".join([PARA] * 12)
    art = Article(article_id="long", text=text)
    small = Pipeline(pipeline.nlp, pipeline.settings.with_(max_piece_chars=400))
    [(_, whole)] = list(pipeline.analyse([art]))
    [(_, pieces)] = list(small.analyse([art]))
    assert len(text) > 400 * 4
    key = lambda r: sorted((t["start"], t["end"], t["place_id"]) for t in r["toponyms"])  # noqa: E731
    assert key(pieces) == key(whole) and len(key(whole)) >= 24
    assert all(text[t["start"]:t["end"]] == t["text"] for t in pieces["toponyms"])


def test_a_failing_article_is_one_error_and_the_others_go_on(pipeline, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    arts = [Article(article_id="a", text=PARA), Article(article_id="b", text=PARA + " Homs."),
            Article(article_id="c", text=PARA)]
    real = pipeline.outputs_for

    def flaky(art, rec):  # type: ignore[no-untyped-def]
        if art.article_id == "b":
            raise KeyError("boom")
        return real(art, rec)

    monkeypatch.setattr(pipeline, "outputs_for", flaky)
    res = pipeline.process(arts)
    assert sorted(res.articles.article_id) == ["a", "c"]
    assert len(res.errors) == 1 and "internal error" in str(res.errors[0]) and "KeyError" in str(res.errors[0])


@pytest.mark.slow
def test_cli_maps_good_articles_beside_a_multi_megabyte_single_line_one(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("---\npublished: 2016-06-05\n---\n" + PARA + "\n", encoding="utf-8")
    filler = " ".join(["donnéesbrutessansespacesniponctuationaucune"] * 25_000)  # ~1.1 MB, one line
    (src / "huge.txt").write_text(PARA + " " + filler + " Les combats se poursuivent à Deraa.", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    mentions = pd.read_parquet(out / "mentions.parquet")
    arts = pd.read_parquet(out / "articles.parquet").set_index("article_id")
    assert len(arts.text["huge"]) > 1_000_000
    huge = mentions[mentions.article_id == "huge"]
    assert {"Alep", "Deraa"} <= set(huge.text)  # a place in the first piece and one after the millionth character
    deraa = huge[huge.text == "Deraa"].iloc[0]
    assert arts.text["huge"][deraa.start:deraa.end] == "Deraa" and deraa.start > 1_000_000
    assert set(mentions[mentions.article_id == "good"].text) >= {"Alep"}


def test_almost_yaml_front_matter_keeps_the_article_with_one_warning(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "colon.txt").write_text("---\ntitle: Syrie: l'armée reprend Palmyre\npublished: 2016-03-27\n---\n"
                                   + PARA + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert res.output.count("warning") == 1 and "colon.txt" in res.output and "line 1" in res.output
    arts = pd.read_parquet(out / "articles.parquet").set_index("article_id")
    assert arts.title["colon"] == "Syrie: l'armée reprend Palmyre"
    assert arts.published["colon"] == "2016-03-27"
